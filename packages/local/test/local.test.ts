import { chmod, mkdtemp, readdir, readFile, rm, symlink, writeFile, mkdir } from 'node:fs/promises';
import { execFileSync, spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { getMaxListeners, setMaxListeners } from 'node:events';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { filesystem, urlToFs } from '@omnifs/core';
import { chunked, expect, expectFsError, randomBytes } from '@omnifs/testkit';
import { LocalFileSystem, mapLocalError } from '@omnifs/local';
import { MemoryFileSystem } from '@omnifs/memory';

describe('local backend', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'omnifs-local-spec-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  describe('paths', () => {
    it('accepts file:// URLs, with percent-encoded characters', async () => {
      const p = join(dir, 'with space é.txt');
      await writeFile(p, 'url');
      const fs = new LocalFileSystem();
      expect(await fs.readText(pathToFileURL(p).href)).to.equal('url');
      expect((await fs.info(pathToFileURL(p).href)).name).to.equal(p);
    });

    it('urlToFs turns a file:// URL into the local filesystem and an absolute path', () => {
      const { fs, path } = urlToFs(pathToFileURL(join(dir, 'a.txt')).href);
      expect(fs).to.be.instanceOf(LocalFileSystem);
      expect(path).to.equal(join(dir, 'a.txt'));
    });

    it('reads file://rel, file:// and local://rel against the working directory, as fsspec', async () => {
      await writeFile(join(dir, 'rel #1?.txt'), 'relative url');
      const fs = new LocalFileSystem({ cwd: dir });
      expect(await fs.readText('file://rel%20#1?.txt')).to.equal('relative url');
      expect(await fs.readText('local://rel #1?.txt')).to.equal('relative url');
      expect(fs.normalize('file://')).to.equal(dir);
      expect(fs.normalize('file://sub/../x')).to.equal(join(dir, 'x'));
      expect(fs.normalize('file://~/x')).to.equal(join(homedir(), 'x'));
      expect(fs.normalize('file://localhost/abs')).to.equal('/abs');
      expect(fs.normalize('local:///abs')).to.equal('/abs');
      expect(urlToFs('file://rel/x', { cwd: dir }).path).to.equal(join(dir, 'rel', 'x'));
      await expectFsError(() => fs.normalize('file://a%2Fb'), 'InvalidArgument', 'EINVAL');
      await expectFsError(() => fs.normalize('file:///x%zz'), 'InvalidArgument', 'EINVAL');
    });

    it('reads ~ and ~/... as the home directory (as fsspec and a shell), ~name as a name', async () => {
      const fs = new LocalFileSystem({ cwd: dir });
      expect(fs.normalize('~')).to.equal(homedir());
      expect(fs.normalize('~/data/../x.csv')).to.equal(join(homedir(), 'x.csv'));
      expect(urlToFs('~/x.csv').path).to.equal(join(homedir(), 'x.csv'));
      expect(fs.normalize('~x/y')).to.equal(join(dir, '~x', 'y'));
      expect(fs.normalize('./~/y')).to.equal(join(dir, '~', 'y'));
    });

    it('resolves relative paths against the cwd option', async () => {
      await mkdir(join(dir, 'sub'));
      await writeFile(join(dir, 'sub', 'rel.txt'), 'relative');
      const fs = new LocalFileSystem({ cwd: dir });
      expect(await fs.readText('sub/rel.txt')).to.equal('relative');
      expect(await fs.readText('./sub/../sub/rel.txt')).to.equal('relative');
      expect(fs.normalize('sub/rel.txt')).to.equal(join(dir, 'sub', 'rel.txt'));
    });

    it('resolves relative paths against process.cwd() without the option', () => {
      expect(new LocalFileSystem().normalize('x/y')).to.equal(join(process.cwd(), 'x', 'y'));
    });

    it('rejects a cwd that is not a string with InvalidArgument', async () => {
      await expectFsError(() => new LocalFileSystem({ cwd: 42 as never }), 'InvalidArgument', 'EINVAL');
    });

    it('is what filesystem("file") and filesystem("local") give', () => {
      expect(filesystem('file')).to.be.instanceOf(LocalFileSystem);
      expect(filesystem('local')).to.be.instanceOf(LocalFileSystem);
    });
  });

  describe('signals', () => {
    it('one signal shared by every file of a copy raises no leak warning', async () => {
      const warnings: string[] = [];
      const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`);
      process.on('warning', onWarning);
      try {
        await mkdir(join(dir, 'many'));
        for (let i = 0; i < 40; i++) await writeFile(join(dir, 'many', `f${i}`), 'x');
        const { signal } = new AbortController();
        await new LocalFileSystem().cp(join(dir, 'many'), join(dir, 'copy'), { recursive: true, signal });
        await new MemoryFileSystem().put(join(dir, 'many'), '/signals', { recursive: true, signal });
        await new Promise((resolve) => setImmediate(resolve));
      } finally {
        process.off('warning', onWarning);
      }
      expect(warnings).to.deep.equal([]);
      expect(await readdir(join(dir, 'copy'))).to.have.length(40);
    });

    it("keeps a limit the caller set, 0 included (Node 20's getMaxListeners throws for it)", async () => {
      await writeFile(join(dir, 'one'), 'x');
      for (const limit of [0, 3]) {
        const { signal } = new AbortController();
        setMaxListeners(limit, signal);
        await new LocalFileSystem().cp(join(dir, 'one'), join(dir, `copy-${limit}`), { signal });
        expect(await readFile(join(dir, `copy-${limit}`), 'utf8')).to.equal('x');
        if (limit !== 0) expect(getMaxListeners(signal)).to.equal(limit);
      }
    });
  });

  describe('atomic writes', () => {
    const tempFiles = async (): Promise<string[]> => (await readdir(dir)).filter((n) => n.includes('omnifs'));

    it('leaves the previous content and no temp file when a streamed write fails', async () => {
      const p = join(dir, 'f.bin');
      await writeFile(p, 'previous');
      async function* failing(): AsyncGenerator<Uint8Array> {
        yield* chunked(randomBytes(600_000), 100_000);
        throw new Error('source broke');
      }
      let failure: unknown;
      await new LocalFileSystem().pipeFile(p, failing()).catch((e: unknown) => {
        failure = e;
      });
      expect(String(failure)).to.include('source broke');
      expect(await readFile(p, 'utf8')).to.equal('previous');
      expect(await tempFiles()).to.deep.equal([]);
    });

    it('leaves the previous content and no temp file when an open file is aborted', async () => {
      const p = join(dir, 'f.bin');
      await writeFile(p, 'previous');
      const f = await new LocalFileSystem().open(p, 'wb');
      await f.write(randomBytes(1 << 20));
      await f.abort();
      expect(await readFile(p, 'utf8')).to.equal('previous');
      expect(await tempFiles()).to.deep.equal([]);
    });

    it('leaves the previous content and no temp file when a streamed write is aborted', async () => {
      const p = join(dir, 'f.bin');
      await writeFile(p, 'previous');
      const controller = new AbortController();
      await expectFsError(
        new LocalFileSystem().pipeFile(p, chunked(randomBytes(8 << 20), 256 << 10), {
          signal: controller.signal,
          onProgress: () => controller.abort(),
        }),
        'Aborted',
        'ABORT_ERR',
      );
      expect(await readFile(p, 'utf8')).to.equal('previous');
      expect(await tempFiles()).to.deep.equal([]);
    });

    it('writes with exclusive create never replace a file that appeared meanwhile', async () => {
      const p = join(dir, 'x');
      const f = await new LocalFileSystem().open(p, 'xb');
      await f.write('mine');
      await writeFile(p, 'theirs');
      await expectFsError(f.close(), 'AlreadyExists', 'EEXIST');
      expect(await readFile(p, 'utf8')).to.equal('theirs');
      expect(await tempFiles()).to.deep.equal([]);
    });
  });

  describe('errors', () => {
    it('maps EACCES and EPERM to PermissionDenied', () => {
      for (const code of ['EACCES', 'EPERM', 'EROFS']) {
        const err = mapLocalError(Object.assign(new Error(`${code}: denied`), { code }));
        expect(err.kind, code).to.equal('PermissionDenied');
      }
    });

    it('reports a write the kernel refuses as PermissionDenied', async function () {
      // Tests may run as root, where file modes do not refuse; /sys refuses even root.
      if (process.getuid?.() !== 0) {
        await chmod(dir, 0o500);
        await expectFsError(new LocalFileSystem().pipeFile(join(dir, 'f'), 'x'), 'PermissionDenied', 'EACCES');
        await chmod(dir, 0o700);
        return;
      }
      const target = '/sys/kernel/omnifs-denied';
      if (
        !(await readdir('/sys/kernel').then(
          () => true,
          () => false,
        ))
      )
        this.skip();
      await expectFsError(new LocalFileSystem().pipeFile(target, 'x'), 'PermissionDenied', 'EACCES');
    });

    it('reports reading a directory as IsADirectory', async () => {
      await expectFsError(new LocalFileSystem().catFile(dir), 'IsADirectory', 'EISDIR');
    });

    it('names the path asked for, never the temporary file a write goes through', async () => {
      await writeFile(join(dir, 'f'), 'file');
      await mkdir(join(dir, 'd'));
      const fs = new LocalFileSystem();
      const through = join(dir, 'f', 'x');
      const writes: [string, () => Promise<unknown>, string][] = [
        ['pipe', () => fs.pipe(through, 'x'), 'NotADirectory'],
        ['touch', () => fs.touch(through), 'NotADirectory'],
        ['open', () => fs.open(through, 'wb').then((w) => w.close()), 'NotADirectory'],
        ['copy', () => fs.cp(join(dir, 'f'), through), 'NotADirectory'],
        ['random writer', () => fs.openRandomWriter(through).then((w) => w.close()), 'NotADirectory'],
        ['over a directory', () => fs.pipe(join(dir, 'd'), 'x'), 'IsADirectory'],
      ];
      for (const [name, write, kind] of writes) {
        const err = await expectFsError(write, kind as 'NotADirectory');
        expect(err.message, name).to.not.match(/omnifs-[0-9a-f]+\.tmp/);
        expect(err.message, name).to.include(name === 'over a directory' ? join(dir, 'd') : through);
        expect(err.path, name).to.be.oneOf([through, join(dir, 'd'), join(dir, 'f')]);
      }
      expect((await readdir(dir)).sort()).to.deep.equal(['d', 'f']);
    });
  });

  describe('named pipes', () => {
    const fs = new LocalFileSystem();

    it('refuses to copy a named pipe rather than write an empty file; a stream of it is taken whole', async () => {
      const fifo = join(dir, 'fifo');
      execFileSync('mkfifo', [fifo]);
      await expectFsError(fs.cp(fifo, join(dir, 'copy.txt')), 'InvalidArgument', 'EINVAL');
      expect(await fs.exists(join(dir, 'copy.txt'))).to.equal(false);
      // A writer, as a shell's process substitution is: it waits for the pipe to be opened.
      const writer = spawn('sh', ['-c', `printf 'piped data' > ${fifo}`], { stdio: 'ignore' });
      const mem = new MemoryFileSystem({ store: 'private' });
      try {
        // Read by another filesystem: a put from local disk to memory.
        await expectFsError(mem.put(fifo, '/put.txt'), 'InvalidArgument', 'EINVAL');
        expect(await mem.exists('/put.txt')).to.equal(false);
      } finally {
        writer.kill();
      }
      const again = spawn('sh', ['-c', `printf 'piped data' > ${fifo}`], { stdio: 'ignore' });
      await mem.pipeFile('/from-pipe.txt', createReadStream(fifo));
      expect(await mem.readText('/from-pipe.txt')).to.equal('piped data');
      again.kill();
    });
  });

  describe('versions', () => {
    const fs = new LocalFileSystem();

    it('open rb reads one version: a file replaced between its blocks fails with ConditionNotMatch', async () => {
      const p = join(dir, 'f');
      await fs.pipeFile(p, Buffer.alloc(200_000, 'a'));
      const f = await fs.open(p, 'rb', { blockSize: 65_536 });
      try {
        expect(Buffer.from(await f.read(1000)).toString()).to.equal('a'.repeat(1000));
        await fs.pipeFile(p, Buffer.alloc(200_000, 'b'));
        await expectFsError(f.read(199_000), 'ConditionNotMatch', 'ESTALE');
      } finally {
        await f.close();
      }
    });

    it('gives files a version that changes with the file, and keeps checksum as it was', async () => {
      const p = join(dir, 'g');
      await fs.pipeFile(p, 'one');
      const before = await fs.info(p);
      expect(before.etag).to.be.a('string');
      await fs.pipeFile(p, 'two');
      expect((await fs.info(p)).etag).to.not.equal(before.etag);
      expect(await fs.checksum(p)).to.match(/^[0-9a-f]{32}$/);
      await expectFsError(fs.catFile(p, { etag: before.etag! }), 'ConditionNotMatch', 'ESTALE');
    });
  });

  describe('directories made at once', () => {
    const fs = new LocalFileSystem();

    it('mkdir and makedirs without existOk: of several racers exactly one succeeds', async () => {
      const ways: Array<[string, (p: string) => Promise<void>, boolean]> = [
        ['mkdir', (p) => fs.mkdir(p), false],
        ['makedirs', (p) => fs.makedirs(p), false],
        ['mkdir without parents', (p) => fs.mkdir(p, { createParents: false }), true],
      ];
      for (const [label, make, parentFirst] of ways) {
        const parent = join(dir, label.replace(/ /g, '-'));
        if (parentFirst) await mkdir(parent);
        const outcomes = await Promise.all(
          Array.from({ length: 6 }, () =>
            make(join(parent, 'leaf')).then(
              () => 'made',
              (e: unknown) => (e as { kind?: string }).kind,
            ),
          ),
        );
        expect(
          outcomes.filter((o) => o === 'made'),
          label,
        ).to.have.length(1);
        expect(
          outcomes.filter((o) => o === 'AlreadyExists'),
          label,
        ).to.have.length(5);
      }
    });
  });

  describe('an aborted copy', () => {
    const fs = new LocalFileSystem();

    it('leaves the target as it was, whenever during the copy the abort comes', async () => {
      const src = join(dir, 'big.bin');
      await writeFile(src, Buffer.alloc(64 << 20, 7));
      for (const afterMs of [0, 2, 5, 10, 20]) {
        const controller = new AbortController();
        setTimeout(() => controller.abort(), afterMs);
        const done = await fs.cp(src, join(dir, `copy-${afterMs}.bin`), { signal: controller.signal }).then(
          () => 'copied',
          (e: unknown) => (e as { kind?: string }).kind,
        );
        const there = (await readdir(dir)).filter((n) => n !== 'big.bin');
        // Either the copy finished before the abort, or nothing at all is there (no temporary file either).
        expect(there, `abort after ${afterMs} ms: ${done}`).to.deep.equal(
          done === 'copied' ? [`copy-${afterMs}.bin`] : [],
        );
        if (done === 'copied') await rm(join(dir, `copy-${afterMs}.bin`));
        else expect(done).to.equal('Aborted');
      }
    });
  });

  describe('symbolic links', () => {
    const fs = new LocalFileSystem();
    const rel = (paths: string[]): string[] => paths.map((p) => p.slice(dir.length + 1));

    async function walked(root: string): Promise<string[]> {
      const seen: string[] = [];
      for await (const e of fs.walk(root))
        seen.push(`${e.root.slice(dir.length) || '/'} ${e.dirs.join(',')} | ${e.files.join(',')}`);
      return seen;
    }

    it('follows a link to a directory elsewhere, and says so in ls', async () => {
      await mkdir(join(dir, 'data'));
      await mkdir(join(dir, 'elsewhere'));
      await writeFile(join(dir, 'elsewhere', 'e.txt'), 'e');
      await symlink('../elsewhere', join(dir, 'data', 'linked'));
      expect(rel(await fs.find(join(dir, 'data')))).to.deep.equal(['data/linked/e.txt']);
      const [entry] = await fs.ls(join(dir, 'data'), { detail: true });
      expect(entry).to.include({ type: 'directory', islink: true, realPath: join(dir, 'elsewhere') });
    });

    it('does not go into a link back to a directory the walk is in', async () => {
      await mkdir(join(dir, 'd'));
      await writeFile(join(dir, 'd', 'f'), 'f');
      await symlink('..', join(dir, 'd', 'up'));
      await symlink('d', join(dir, 'alias'));
      // Each link is listed once: `alias` gone into, each `up` not.
      const tree = ['alias', 'alias/f', 'alias/up', 'd', 'd/f', 'd/up'];
      expect(rel(await fs.find(dir, { withDirs: true }))).to.deep.equal(['', ...tree]);
      expect(await walked(dir)).to.deep.equal(['/ alias,d | ', '/alias up | f', '/d up | f']);
      expect(await fs.du(dir)).to.equal(2);
      expect(rel(await fs.glob(`${dir}/**/f`))).to.deep.equal(['alias/f', 'd/f']);
      await fs.cp(dir, `${dir}-copy`, { recursive: true });
      try {
        expect(await readdir(`${dir}-copy`, { recursive: true })).to.have.members(tree);
      } finally {
        await rm(`${dir}-copy`, { recursive: true, force: true });
      }
    });

    it('ends a cycle of links between two directories, each visited once per way in', async () => {
      await mkdir(join(dir, 'a'));
      await mkdir(join(dir, 'b'));
      await writeFile(join(dir, 'a', 'in-a'), 'a');
      await writeFile(join(dir, 'b', 'in-b'), 'b');
      await symlink('../b', join(dir, 'a', 'to-b'));
      await symlink('../a', join(dir, 'b', 'to-a'));
      expect(rel(await fs.find(dir))).to.deep.equal(['a/in-a', 'a/to-b/in-b', 'b/in-b', 'b/to-a/in-a']);
      expect(await walked(join(dir, 'a'))).to.deep.equal(['/a to-b | in-a', '/a/to-b to-a | in-b']);
    });

    it('does not go into a link to a directory above the one walked', async () => {
      await mkdir(join(dir, 'x', 'y'), { recursive: true });
      await writeFile(join(dir, 'x', 'y', 'f'), 'f');
      await symlink(dir, join(dir, 'x', 'y', 'top'));
      expect(rel(await fs.find(join(dir, 'x'), { withDirs: true }))).to.deep.equal(['x', 'x/y', 'x/y/f', 'x/y/top']);
    });

    it('leaves dangling links out of listings, and rmdir says they are there', async () => {
      await mkdir(join(dir, 'd'));
      await symlink('../nowhere', join(dir, 'd', 'gone'));
      await symlink('../nowhere-either', join(dir, 'd', 'also-gone'));
      expect(await fs.ls(join(dir, 'd'))).to.deep.equal([]);
      expect(rel(await fs.find(dir, { withDirs: true }))).to.deep.equal(['', 'd']);
      await expectFsError(fs.info(join(dir, 'd', 'gone')), 'NotFound');
      const err = await expectFsError(fs.rmdir(join(dir, 'd')), 'NotEmpty');
      expect(err.message).to.include('2 dangling symbolic link(s)').and.include('also-gone');
      expect(await readdir(join(dir, 'd'))).to.have.members(['gone', 'also-gone']);
      await fs.rm(join(dir, 'd'), { recursive: true });
      expect(await readdir(dir)).to.deep.equal([]);
    });

    it('says only not empty when a directory holds more than dangling links', async () => {
      await mkdir(join(dir, 'd'));
      await symlink('../nowhere', join(dir, 'd', 'gone'));
      await writeFile(join(dir, 'd', 'f'), 'f');
      const err = await expectFsError(fs.rmdir(join(dir, 'd')), 'NotEmpty');
      expect(err.message).to.not.include('dangling');
    });
  });
});
