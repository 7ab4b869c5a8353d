/** rsync: a destination tree made to hold what a source tree holds, copying only what changed. */
import { expect } from 'chai';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectFsError } from '@omnifs/testkit';
import { filesystem, rsync, type FileSystem, type Progress } from '@omnifs/core';
import { MemoryFileSystem } from '@omnifs/memory';
import { privateMemory } from './helpers';

/** Every file below a local directory, relative, with its text. */
function localTree(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix === '' ? e.name : `${prefix}/${e.name}`;
    if (e.isDirectory()) Object.assign(out, localTree(dir, rel));
    else out[rel] = readFileSync(join(dir, rel), 'utf8');
  }
  return out;
}

describe('core: rsync', () => {
  let mem: FileSystem;
  let dir: string;
  let dst: string;
  const src = { fs: undefined as unknown as FileSystem, path: '/src' };
  beforeEach(async () => {
    mem = privateMemory();
    src.fs = mem;
    await mem.writeText('/src/a.txt', 'alpha');
    await mem.writeText('/src/sub/b.txt', 'bravo');
    await mem.writeText('/src/sub/deep/c.txt', 'charlie');
    await mem.makedirs('/src/empty');
    dir = mkdtempSync(join(tmpdir(), 'omnifs-rsync-'));
    dst = join(dir, 'dst');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  /** Makes a destination copy look written ten seconds ago. */
  const ageCopy = (rel: string): void => {
    const past = new Date(Date.now() - 10_000);
    utimesSync(join(dst, rel), past, past);
  };

  it('copies a tree into a new destination, empty directories included', async () => {
    const result = await rsync(src, dst);
    expect(localTree(dst)).to.deep.equal({ 'a.txt': 'alpha', 'sub/b.txt': 'bravo', 'sub/deep/c.txt': 'charlie' });
    expect(statSync(join(dst, 'empty')).isDirectory()).to.equal(true);
    expect(result.copied.map((c) => c.dst).sort()).to.deep.equal(
      ['a.txt', 'sub/b.txt', 'sub/deep/c.txt'].map((r) => join(dst, r)),
    );
    expect(result.copied.find((c) => c.src === '/src/a.txt')).to.deep.equal({
      src: '/src/a.txt',
      dst: join(dst, 'a.txt'),
      size: 5,
    });
    expect(result).to.deep.include({ deleted: [], unchanged: 0 });
  });

  it('copies nothing the second time', async () => {
    await rsync(src, dst);
    const again = await rsync(src, dst);
    expect(again).to.deep.equal({ copied: [], deleted: [], unchanged: 3 });
  });

  it('copies a file whose size changed, or that was modified in a later second than its copy', async () => {
    await rsync(src, dst);
    await mem.writeText('/src/a.txt', 'alpha, longer');
    await mem.writeText('/src/sub/b.txt', 'BRAVO');
    ageCopy('sub/b.txt');
    const result = await rsync(src, dst);
    expect(result.copied.map((c) => c.src).sort()).to.deep.equal(['/src/a.txt', '/src/sub/b.txt']);
    expect(result.unchanged).to.equal(1);
    expect(localTree(dst)).to.deep.include({ 'a.txt': 'alpha, longer', 'sub/b.txt': 'BRAVO' });
  });

  it('compares sizes only with update "size", never with "never", always with "always"', async () => {
    await rsync(src, dst);
    await mem.writeText('/src/sub/b.txt', 'BRAVO');
    ageCopy('sub/b.txt');
    expect((await rsync(src, dst, { update: 'size' })).copied).to.deep.equal([]);
    expect(readFileSync(join(dst, 'sub/b.txt'), 'utf8')).to.equal('bravo');
    await mem.writeText('/src/a.txt', 'alpha, longer');
    expect((await rsync(src, dst, { update: 'never' })).copied).to.deep.equal([]);
    expect((await rsync(src, dst, { update: 'always' })).copied).to.have.length(3);
    expect(localTree(dst)).to.deep.include({ 'a.txt': 'alpha, longer', 'sub/b.txt': 'BRAVO' });
  });

  it('asks an update function about files present on both sides', async () => {
    await rsync(src, dst);
    const asked: string[] = [];
    const result = await rsync(src, dst, {
      update: (s, d) => {
        asked.push(`${s.name}:${d.size}`);
        return s.name.endsWith('c.txt');
      },
    });
    expect(asked.sort()).to.deep.equal(['/src/a.txt:5', '/src/sub/b.txt:5', '/src/sub/deep/c.txt:7']);
    expect(result.copied.map((c) => c.src)).to.deep.equal(['/src/sub/deep/c.txt']);
  });

  it('keeps extra destination files unless deleteMissing, which removes them and their directories', async () => {
    await rsync(src, dst);
    mkdirSync(join(dst, 'old', 'older'), { recursive: true });
    writeFileSync(join(dst, 'old', 'older', 'x.txt'), 'x');
    writeFileSync(join(dst, 'stale.txt'), 'stale');
    expect((await rsync(src, dst)).deleted).to.deep.equal([]);
    expect(existsSync(join(dst, 'stale.txt'))).to.equal(true);
    const result = await rsync(src, dst, { deleteMissing: true });
    expect(result.deleted).to.deep.equal([
      join(dst, 'old/older/x.txt'),
      join(dst, 'stale.txt'),
      join(dst, 'old'),
      join(dst, 'old/older'),
    ]);
    expect(readdirSync(dst).sort()).to.deep.equal(['a.txt', 'empty', 'sub']);
  });

  it('changes nothing on a dry run, and says what it would do', async () => {
    await rsync(src, dst);
    writeFileSync(join(dst, 'stale.txt'), 'stale');
    await mem.writeText('/src/a.txt', 'alpha, longer');
    const planned = await rsync(src, dst, { deleteMissing: true, dryRun: true });
    expect(planned).to.deep.equal({
      copied: [{ src: '/src/a.txt', dst: join(dst, 'a.txt'), size: 13 }],
      deleted: [join(dst, 'stale.txt')],
      unchanged: 2,
    });
    expect(readFileSync(join(dst, 'a.txt'), 'utf8')).to.equal('alpha');
    expect(existsSync(join(dst, 'stale.txt'))).to.equal(true);
    expect(await rsync(src, dst, { deleteMissing: true })).to.deep.equal(planned);
  });

  it('refuses a file where the other side has a directory, unless deleteMissing replaces it', async () => {
    await rsync(src, dst);
    rmSync(join(dst, 'a.txt'));
    mkdirSync(join(dst, 'a.txt', 'inner'), { recursive: true });
    writeFileSync(join(dst, 'a.txt', 'inner', 'f'), 'f');
    writeFileSync(join(dst, 'sub', 'deep', 'c.txt'), 'changed');
    await expectFsError(rsync(src, dst, { update: 'always' }), 'IsADirectory', 'EISDIR');
    expect(readFileSync(join(dst, 'sub', 'deep', 'c.txt'), 'utf8')).to.equal('changed'); // nothing copied
    await mem.rm('/src/sub', { recursive: true });
    await mem.writeText('/src/sub', 'now a file');
    await expectFsError(rsync(src, dst), 'IsADirectory', 'EISDIR');
    const result = await rsync(src, dst, { deleteMissing: true });
    expect(localTree(dst)).to.deep.equal({ 'a.txt': 'alpha', sub: 'now a file' });
    expect(result.deleted).to.include.members([join(dst, 'a.txt'), join(dst, 'sub'), join(dst, 'a.txt/inner/f')]);
  });

  it('replaces a destination file with a source directory under deleteMissing', async () => {
    mkdirSync(dst);
    writeFileSync(join(dst, 'sub'), 'a file in the way');
    await expectFsError(rsync(src, dst), 'NotADirectory', 'ENOTDIR');
    await rsync(src, dst, { deleteMissing: true });
    expect(localTree(dst)).to.deep.equal({ 'a.txt': 'alpha', 'sub/b.txt': 'bravo', 'sub/deep/c.txt': 'charlie' });
  });

  it('works between two memory filesystems and from URLs', async () => {
    const other = new MemoryFileSystem({ store: 'private', skipInstanceCache: true });
    await rsync(src, { fs: other, path: '/copy' });
    expect(await other.readText('/copy/sub/deep/c.txt')).to.equal('charlie');
    const shared = filesystem('memory');
    await shared.writeText('/rsync-url/x.txt', 'from a URL');
    try {
      await rsync('memory:///rsync-url', `file://${dst}`);
      expect(localTree(dst)).to.deep.equal({ 'x.txt': 'from a URL' });
    } finally {
      await shared.rm('/rsync-url', { recursive: true });
    }
  });

  it('reports progress over the files to copy and stops on abort, leaving no partial file', async () => {
    for (let i = 0; i < 20; i++)
      await mem.pipeFile(`/src/many/f${String(i).padStart(2, '0')}`, new Uint8Array(10_000).fill(i));
    const seen: Progress[] = [];
    await rsync(src, dst, { onProgress: (p) => seen.push(p) });
    expect(seen.at(-1)).to.deep.include({ files: 23, totalFiles: 23, bytes: 200_017, totalBytes: 200_017 });
    rmSync(dst, { recursive: true });
    const controller = new AbortController();
    await expectFsError(
      rsync(src, dst, {
        batchSize: 1,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.files >= 2) controller.abort();
        },
      }),
      'Aborted',
      'ABORT_ERR',
    );
    const copied = Object.keys(localTree(dst));
    expect(copied.length).to.be.within(2, 22);
    for (const rel of copied.filter((r) => r.startsWith('many/')))
      expect(readFileSync(join(dst, rel)).byteLength).to.equal(10_000);
  });

  it('refuses bad input with clear errors before changing anything', async () => {
    await expectFsError(rsync({ fs: mem, path: '/missing' }, dst), 'NotFound', 'ENOENT');
    await expectFsError(rsync({ fs: mem, path: '/src/a.txt' }, dst), 'NotADirectory', 'ENOTDIR');
    writeFileSync(join(dir, 'file'), 'x');
    await expectFsError(rsync(src, join(dir, 'file')), 'NotADirectory', 'ENOTDIR');
    await expectFsError(rsync(src, dst, { update: 'sometimes' as 'size' }), 'InvalidArgument', 'EINVAL');
    await expectFsError(rsync(src, dst, { batchSize: 0 }), 'InvalidArgument', 'EINVAL');
    await expectFsError(rsync(src, 42 as unknown as string), 'InvalidArgument', 'EINVAL');
    await expectFsError(rsync(src, dst, 'fast' as unknown as object), 'InvalidArgument', 'EINVAL');
    await expectFsError(rsync(src, { fs: mem, path: '/src/sub/copy' }), 'InvalidArgument', 'EINVAL');
    await expectFsError(rsync({ fs: mem, path: '/src/sub' }, src), 'InvalidArgument', 'EINVAL');
    await expectFsError(rsync(src, { fs: mem, path: '/src/' }), 'InvalidArgument', 'EINVAL');
    // The same files through a layer: a view of /src whose sub/copy is /src/sub/copy.
    const view = filesystem('dir', { fs: mem, path: '/src', skipInstanceCache: true });
    await expectFsError(rsync(src, { fs: view, path: 'sub/copy' }), 'InvalidArgument', 'EINVAL');
    await expectFsError(rsync({ fs: view, path: '' }, src, { deleteMissing: true }), 'InvalidArgument', 'EINVAL');
    expect(await mem.exists('/src/sub/copy')).to.equal(false);
    expect(existsSync(dst)).to.equal(false);
  });
});
