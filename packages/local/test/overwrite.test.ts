import {
  chmod,
  chown,
  link,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { filesystem } from '@omnifs/core';
import { expect } from '@omnifs/testkit';
import { LocalFileSystem } from '@omnifs/local';
import '@omnifs/memory';

/** Every way a file on local disk gets replaced. */
const WRITES: Array<[string, (fs: LocalFileSystem, path: string, text: string) => Promise<unknown>]> = [
  ['writeText', (fs, p, t) => fs.writeText(p, t)],
  ['pipeFile', (fs, p, t) => fs.pipeFile(p, Buffer.from(t))],
  [
    'open wb',
    async (fs, p, t) => {
      const f = await fs.open(p, 'wb');
      await f.write(Buffer.from(t));
      await f.close();
    },
  ],
  ['createWriteStream', (fs, p, t) => pipeline(Readable.from([Buffer.from(t)]), fs.createWriteStream(p))],
  [
    'cp',
    async (fs, p, t) => {
      const src = `${p}.src`;
      await writeFile(src, t);
      await fs.cp(src, p);
      await rm(src);
    },
  ],
  [
    'get',
    async (_fs, p, t) => {
      const mem = filesystem('memory', { store: 'private' });
      await mem.writeText('/src.txt', t);
      await mem.get('/src.txt', p);
    },
  ],
];

describe('local overwrite keeps what the replaced file had', () => {
  let dir: string;
  const fs = new LocalFileSystem();
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'omnifs-overwrite-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  for (const [name, write] of WRITES) {
    describe(name, () => {
      it('keeps a 0600 file at 0600 (and a 0755 one at 0755)', async () => {
        const secret = join(dir, 'secret.txt');
        const script = join(dir, 'run.sh');
        await writeFile(secret, 'old');
        await chmod(secret, 0o600);
        await writeFile(script, 'old');
        await chmod(script, 0o755);
        await write(fs, secret, 'new secret');
        await write(fs, script, 'new script');
        expect((await stat(secret)).mode & 0o7777).to.equal(0o600);
        expect((await stat(script)).mode & 0o7777).to.equal(0o755);
        expect(await readFile(secret, 'utf8')).to.equal('new secret');
      });

      it('writes through a symbolic link to its target, in another directory, and keeps the link', async () => {
        await mkdir(join(dir, 'real'));
        const target = join(dir, 'real', 'config.txt');
        await writeFile(target, 'old');
        await chmod(target, 0o640);
        const linkPath = join(dir, 'config.txt');
        await symlink('real/config.txt', linkPath);
        await write(fs, linkPath, 'through the link');
        expect((await lstat(linkPath)).isSymbolicLink()).to.equal(true);
        expect(await readlink(linkPath)).to.equal('real/config.txt');
        expect(await readFile(target, 'utf8')).to.equal('through the link');
        expect((await stat(target)).mode & 0o7777).to.equal(0o640);
      });

      it('keeps the owner when the process may give files away, and the writer owns it otherwise', async () => {
        const p = join(dir, 'owned.txt');
        await writeFile(p, 'old');
        const root = process.getuid?.() === 0;
        if (root) await chown(p, 4242, 4343);
        await write(fs, p, 'new');
        const st = await stat(p);
        expect([st.uid, st.gid]).to.deep.equal(root ? [4242, 4343] : [process.getuid?.(), process.getgid?.()]);
      });
    });
  }

  it("creates a dangling link's target", async () => {
    const linkPath = join(dir, 'dangling');
    await symlink('made-by-write.txt', linkPath);
    await fs.writeText(linkPath, 'created');
    expect((await lstat(linkPath)).isSymbolicLink()).to.equal(true);
    expect(await readFile(join(dir, 'made-by-write.txt'), 'utf8')).to.equal('created');
  });

  it('refuses a loop of links with ELOOP and leaves no temporary file', async () => {
    await symlink('b', join(dir, 'a'));
    await symlink('a', join(dir, 'b'));
    const err = await fs.writeText(join(dir, 'a'), 'x').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.include({ name: 'FsError', code: 'ELOOP', kind: 'InvalidArgument' });
    expect(await readdir(dir)).to.have.members(['a', 'b']);
  });

  it('replaces the name atomically, so another hard link keeps the old content (documented)', async () => {
    const p = join(dir, 'a.txt');
    await writeFile(p, 'old');
    await link(p, join(dir, 'b.txt'));
    await fs.writeText(p, 'new');
    expect(await readFile(p, 'utf8')).to.equal('new');
    expect(await readFile(join(dir, 'b.txt'), 'utf8')).to.equal('old');
  });
});
