import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirFileSystem } from '@omnifs/core';
import { expect, expectFsError } from '@omnifs/testkit';
import { LocalFileSystem } from '@omnifs/local';

describe('dir layer over local disk: symbolic links cannot lead out of the root', () => {
  let top: string;
  let root: string;
  let outside: string;
  let fs: DirFileSystem;
  beforeEach(async () => {
    top = await mkdtemp(join(tmpdir(), 'omnifs-confine-'));
    root = join(top, 'root');
    outside = join(top, 'outside');
    await mkdir(join(root, 'inside'), { recursive: true });
    await mkdir(outside);
    await writeFile(join(outside, 'secret.txt'), 'secret');
    await writeFile(join(root, 'inside', 'ok.txt'), 'ok');
    await symlink(join(outside, 'secret.txt'), join(root, 'leak.txt'));
    await symlink(outside, join(root, 'leakdir'));
    await symlink('../outside/new.txt', join(root, 'dangling.txt'));
    await symlink('inside/ok.txt', join(root, 'near.txt'));
    fs = new DirFileSystem({ fs: new LocalFileSystem(), path: root });
  });
  afterEach(() => rm(top, { recursive: true, force: true }));

  it('refuses reads through a link to a file outside', async () => {
    await expectFsError(fs.readText('leak.txt'), 'PermissionDenied', 'EACCES');
    await expectFsError(fs.info('leak.txt'), 'PermissionDenied');
    await expectFsError(fs.catFile('leak.txt', { start: 0, end: 3 }), 'PermissionDenied');
    const chunks: Buffer[] = [];
    const read = (async () => {
      for await (const c of fs.createReadStream('leak.txt')) chunks.push(c as Buffer);
    })();
    await expectFsError(read, 'PermissionDenied');
    expect(chunks).to.deep.equal([]);
  });

  it('refuses listing and reading through a link to a directory outside', async () => {
    await expectFsError(fs.ls('leakdir'), 'PermissionDenied');
    await expectFsError(fs.readText('leakdir/secret.txt'), 'PermissionDenied');
  });

  it('refuses writes through links, a dangling one included, and writes nothing outside', async () => {
    await expectFsError(fs.writeText('leak.txt', 'overwritten'), 'PermissionDenied');
    await expectFsError(fs.writeText('leakdir/planted.txt', 'x'), 'PermissionDenied');
    await expectFsError(fs.writeText('dangling.txt', 'x'), 'PermissionDenied');
    await expectFsError(fs.makedirs('leakdir/sub'), 'PermissionDenied');
    await expectFsError(fs.cp('inside/ok.txt', 'leakdir/copied.txt'), 'PermissionDenied');
    await expectFsError(fs.mv('inside/ok.txt', 'leakdir/moved.txt'), 'PermissionDenied');
    expect(await readFile(join(outside, 'secret.txt'), 'utf8')).to.equal('secret');
    expect(await readdir(outside)).to.deep.equal(['secret.txt']);
    expect(await readFile(join(root, 'inside', 'ok.txt'), 'utf8')).to.equal('ok');
  });

  it('follows links that stay inside, and removes a link itself without touching its target', async () => {
    expect(await fs.readText('near.txt')).to.equal('ok');
    await fs.writeText('near.txt', 'rewritten');
    expect(await readFile(join(root, 'inside', 'ok.txt'), 'utf8')).to.equal('rewritten');
    await fs.rm('near.txt');
    expect(await fs.exists('near.txt')).to.equal(false);
    expect(await readFile(join(root, 'inside', 'ok.txt'), 'utf8')).to.equal('rewritten');
  });

  it('refuses to remove through a link outside, and the target stays', async () => {
    await expectFsError(fs.rm('leak.txt'), 'PermissionDenied');
    await expectFsError(fs.rm('leakdir', { recursive: true }), 'PermissionDenied');
    expect(await readdir(outside)).to.deep.equal(['secret.txt']);
  });

  it('allows a root that is itself reached through a link', async () => {
    await symlink(root, join(top, 'root-link'));
    const viaLink = new DirFileSystem({ fs: new LocalFileSystem(), path: join(top, 'root-link') });
    expect(await viaLink.readText('inside/ok.txt')).to.equal('ok');
    await expectFsError(viaLink.readText('leak.txt'), 'PermissionDenied');
  });

  it('leaves the wrapped local filesystem itself unconfined', async () => {
    const local = new LocalFileSystem();
    expect(await local.readText(join(root, 'leak.txt'))).to.equal('secret');
  });
});
