/**
 * Layers forward to the wrapped filesystem's hooks: a path is normalised once, an error is
 * mapped and given its context once, by the filesystem the caller called.
 */
import { expect } from 'chai';
import { DirFileSystem, FsError, ListingCacheFileSystem, RetryFileSystem, type FileSystem } from '@omnifs/core';
import { MemoryFileSystem } from '@omnifs/memory';

/** Counts the normalisations of paths it is asked for. */
class Counting extends MemoryFileSystem {
  normalized = 0;
  override normalize(path: unknown): string {
    this.normalized++;
    return super.normalize(path);
  }
}

async function failure(p: Promise<unknown>): Promise<FsError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).to.be.instanceOf(FsError);
  return err as FsError;
}

describe('layers forward to hooks', () => {
  let inner: Counting;
  let layered: FileSystem;
  beforeEach(async () => {
    inner = new Counting({ store: 'private' });
    await inner.makedirs('/data');
    await inner.writeText('/data/a.txt', 'abc');
    layered = new RetryFileSystem({ fs: new ListingCacheFileSystem({ fs: inner }), maxAttempts: 2 });
  });

  it('normalise a path once, through two layers', async () => {
    inner.normalized = 0;
    expect(await layered.readText('/data/./a.txt')).to.equal('abc');
    expect(inner.normalized).to.equal(1);
    inner.normalized = 0;
    await layered.info('/data/a.txt');
    await layered.ls('/data');
    expect(inner.normalized).to.equal(2);
  });

  it('give an error its context once: the backend protocol, the operation called, the path', async () => {
    const err = await failure(layered.info('/data/missing'));
    expect(err).to.include({ kind: 'NotFound', code: 'ENOENT', protocol: 'memory', operation: 'info' });
    expect(err.message).to.match(/^memory info "\/data\/missing": ENOENT: no such file/);
    expect(err.message.match(/memory/g)).to.have.length(1);
  });

  it('name the path the caller gave under dir::, not the wrapped one', async () => {
    const dir = new DirFileSystem({ fs: layered, path: '/data' });
    const err = await failure(dir.catFile('missing.txt'));
    expect(err).to.include({ kind: 'NotFound', operation: 'cat', path: 'missing.txt' });
    expect(err.message).to.match(/^memory cat "missing.txt": ENOENT: no such file/);
    expect(err.message.match(/memory cat/g)).to.have.length(1);
  });

  it('use the wrapped backend’s rename for mv', async () => {
    let renames = 0;
    class Renaming extends MemoryFileSystem {
      protected override async _rename(src: string, dst: string): Promise<void> {
        renames++;
        return super._rename(src, dst);
      }
    }
    const fs = new RetryFileSystem({ fs: new Renaming({ store: 'private' }) });
    await fs.writeText('/x.txt', 'x');
    await fs.mv('/x.txt', '/y.txt');
    expect([renames, await fs.readText('/y.txt'), await fs.exists('/x.txt')]).to.deep.equal([1, 'x', false]);
  });
});

describe('layers over local disk', () => {
  it('say a path below a file is no directory, as local disk does', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { LocalFileSystem } = await import('@omnifs/core');
    const dir = mkdtempSync(join(tmpdir(), 'omnifs-fwd-'));
    try {
      writeFileSync(join(dir, 'f'), 'x');
      const local = new LocalFileSystem();
      const layered = new RetryFileSystem({ fs: local });
      for (const fs of [local, layered]) {
        expect(await fs.isDir(join(dir, 'f', 'below'))).to.equal(false);
        expect(await fs.exists(join(dir, 'f', 'below'))).to.equal(false);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
