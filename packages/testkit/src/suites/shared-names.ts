/**
 * Names that end in a slash, and names that are a file and a directory at once: an
 * object store may hold the key `x` beside keys below `x/`.
 */
import { readdir } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { expect } from '../chai';
import type { SuiteContext } from '../context';
import { expectFsError } from '../assertions';
import { itWhere } from '../gating';
import { writeTree } from '../helpers';

/** Defines the tests of writes to `x/`, and of a name shared by a file and a directory. */
export function sharedNameTests(ctx: SuiteContext): void {
  const abs = (...rels: string[]): string[] => rels.map((r) => ctx.fs.normalize(ctx.path(r)));

  describe('a file path ending in a slash', () => {
    it('is refused by every write with IsADirectory (EISDIR), and nothing is written', async () => {
      const target = `${ctx.path('new')}/`;
      await expectFsError(ctx.fs.pipeFile(target, 'x'), 'IsADirectory');
      await expectFsError(ctx.fs.writeText(target, 'x'), 'IsADirectory');
      await expectFsError(ctx.fs.touch(target), 'IsADirectory');
      await expectFsError(ctx.fs.openWriter(target), 'IsADirectory');
      await expectFsError(ctx.fs.open(target, 'wb'), 'IsADirectory');
      await expectFsError(ctx.fs.pipe({ [target]: 'x' }), 'IsADirectory');
      const err = await expectFsError(finished(ctx.fs.createWriteStream(target).end('x')), 'IsADirectory');
      expect(err.message).to.include('names a directory');
      expect(await ctx.fs.find(ctx.root, { withDirs: true })).to.deep.equal(
        ctx.fs.capabilities.realDirectories ? abs('') : [],
      );
    });

    it('is refused also where a file of that name exists, which is kept', async () => {
      await ctx.fs.pipeFile(ctx.path('f'), 'old');
      await expectFsError(ctx.fs.pipeFile(`${ctx.path('f')}/`, 'new'), 'IsADirectory');
      await expectFsError(ctx.fs.touch(`${ctx.path('f')}/`), 'IsADirectory');
      expect(await ctx.fs.readText(ctx.path('f'))).to.equal('old');
    });
  });

  describe('a name that is a file and a directory at once', () => {
    const build = (): Promise<string> =>
      writeTree(ctx.fs, ctx.root, { 's/x': 'file x', 's/x/in.txt': 'in', 's/x/sub/deep.txt': 'deep', 's/y': 'y' });
    const only = (title: string, fn: () => Promise<void>): void => itWhere(ctx, 'realDirectories', title, fn, false);

    only('rm -r removes the file and everything below its name', async () => {
      await build();
      await ctx.fs.rm(ctx.path('s/x'), { recursive: true });
      expect(await ctx.fs.find(ctx.path('s'))).to.deep.equal(abs('s/y'));
    });

    only('rm -r of a list, a glob, or with maxDepth removes both as well', async () => {
      await build();
      await ctx.fs.rm([ctx.path('s/x')], { recursive: true });
      expect(await ctx.fs.find(ctx.path('s'))).to.deep.equal(abs('s/y'));
      await build();
      await ctx.fs.rm(ctx.path('s/?'), { recursive: true });
      expect(await ctx.fs.find(ctx.root)).to.deep.equal([]);
      await build();
      await ctx.fs.rm(ctx.path('s/x'), { recursive: true, maxDepth: 1 });
      expect(await ctx.fs.find(ctx.path('s'))).to.deep.equal(abs('s/x/sub/deep.txt', 's/y'));
    });

    only('rm without recursive removes the file alone', async () => {
      await build();
      await ctx.fs.rm(ctx.path('s/x'));
      expect(await ctx.fs.find(ctx.path('s'))).to.deep.equal(abs('s/x/in.txt', 's/x/sub/deep.txt', 's/y'));
    });

    only('cp -r copies both; x/ names the directory alone; without recursive the file', async () => {
      await build();
      await ctx.fs.cp(ctx.path('s/x'), ctx.path('out'), { recursive: true });
      expect(await ctx.fs.find(ctx.path('out'))).to.deep.equal(abs('out/in.txt', 'out/sub/deep.txt'));
      expect(await ctx.fs.readText(ctx.path('out'))).to.equal('file x');
      await ctx.fs.cp(`${ctx.path('s/x')}/`, ctx.path('dir-only'), { recursive: true });
      expect(await ctx.fs.find(ctx.path('dir-only'))).to.deep.equal(abs('dir-only/in.txt', 'dir-only/sub/deep.txt'));
      expect((await ctx.fs.info(ctx.path('dir-only'))).type).to.equal('directory');
      await ctx.fs.cp(ctx.path('s/x'), ctx.path('file-only'));
      expect(await ctx.fs.find(ctx.path('file-only'))).to.deep.equal(abs('file-only'));
    });

    only('cp -r of a glob copies both', async () => {
      await build();
      await ctx.fs.cp(ctx.path('s/*'), `${ctx.path('g')}/`, { recursive: true });
      expect(await ctx.fs.find(ctx.path('g'))).to.deep.equal(abs('g/x', 'g/x/in.txt', 'g/x/sub/deep.txt', 'g/y'));
      expect(await ctx.fs.readText(ctx.path('g/x'))).to.equal('file x');
    });

    only('get -r to local disk, which cannot hold both, is refused before anything is written', async () => {
      await build();
      const local = await ctx.localDir();
      const err = await expectFsError(
        ctx.fs.get(ctx.path('s/x'), `${local}/x`, { recursive: true }),
        'InvalidArgument',
      );
      expect(err.message).to.include('is a file and a directory at once');
      expect(await readdir(local)).to.deep.equal([]);
      await ctx.fs.get(`${ctx.path('s/x')}/`, `${local}/x`, { recursive: true });
      expect(await readdir(`${local}/x`, { recursive: true })).to.have.members(['in.txt', 'sub', 'sub/deep.txt']);
    });

    only('mv moves both and leaves nothing behind', async () => {
      await build();
      await ctx.fs.mv(ctx.path('s/x'), ctx.path('moved'));
      expect(await ctx.fs.find(ctx.root)).to.deep.equal(abs('moved', 'moved/in.txt', 'moved/sub/deep.txt', 's/y'));
      expect(await ctx.fs.readText(ctx.path('moved'))).to.equal('file x');
    });

    only('glob gives the name once, and with detail an entry for each', async () => {
      await build();
      expect(await ctx.fs.glob(ctx.path('s/*'))).to.deep.equal(abs('s/x', 's/y'));
      const detail = await ctx.fs.glob(ctx.path('s/*'), { detail: true });
      expect(detail.map((e) => `${e.type} ${e.name}`)).to.deep.equal(
        abs('s/x', 's/x', 's/y').map((p, i) => `${i === 1 ? 'directory' : 'file'} ${p}`),
      );
      expect(await ctx.fs.glob(`${ctx.path('s/x')}/`)).to.deep.equal(abs('s/x'));
    });

    only('find with maxDepth and walk list what is below the name, as find does', async () => {
      await build();
      expect(await ctx.fs.find(ctx.path('s/x'))).to.deep.equal(abs('s/x/in.txt', 's/x/sub/deep.txt'));
      expect(await ctx.fs.find(ctx.path('s/x'), { maxDepth: 1 })).to.deep.equal(abs('s/x/in.txt'));
      const walked: string[] = [];
      for await (const e of ctx.fs.walk(ctx.path('s/x'))) walked.push(`${e.dirs.join(',')}|${e.files.join(',')}`);
      expect(walked).to.deep.equal(['sub|in.txt', '|deep.txt']);
      expect((await ctx.fs.info(ctx.path('s/x'))).type).to.equal('file');
    });
  });
}
