/** mv and rm. */
import { expect } from '../chai';
import type { SuiteContext } from '../context';
import { expectFsError } from '../assertions';
import { itWhere } from '../gating';
import { writeTree } from '../helpers';

/** Defines the mv and rm tests. */
export function moveRemoveTests(ctx: SuiteContext): void {
  const abs = (...rels: string[]): string[] => rels.map((r) => ctx.fs.normalize(ctx.path(r)));
  const build = (): Promise<string> =>
    writeTree(ctx.fs, ctx.root, { 'a.txt': 'A', 'b.txt': 'B', 'c.bin': 'C', 'd/e.txt': 'E', 'd/f/g.txt': 'G' });

  describe('mv', () => {
    it('renames a file', async () => {
      await build();
      await ctx.fs.mv(ctx.path('a.txt'), ctx.path('renamed.txt'));
      expect(await ctx.fs.exists(ctx.path('a.txt'))).to.equal(false);
      expect(await ctx.fs.readText(ctx.path('renamed.txt'))).to.equal('A');
    });

    it('replaces an existing file', async () => {
      await build();
      await ctx.fs.mv(ctx.path('a.txt'), ctx.path('b.txt'));
      expect(await ctx.fs.readText(ctx.path('b.txt'))).to.equal('A');
      expect(await ctx.fs.exists(ctx.path('a.txt'))).to.equal(false);
    });

    it('moves a file into an existing directory', async () => {
      await build();
      await ctx.fs.mv(ctx.path('a.txt'), ctx.path('d'));
      expect(await ctx.fs.readText(ctx.path('d/a.txt'))).to.equal('A');
      expect(await ctx.fs.exists(ctx.path('a.txt'))).to.equal(false);
    });

    it('moves a file into a new directory named with a trailing slash', async () => {
      await build();
      await ctx.fs.mv(ctx.path('a.txt'), `${ctx.path('new')}/`);
      expect(await ctx.fs.readText(ctx.path('new/a.txt'))).to.equal('A');
    });

    it('moves a directory with everything below to a new name', async () => {
      await build();
      await ctx.fs.mv(ctx.path('d'), ctx.path('moved'));
      expect(await ctx.fs.find(ctx.path('moved'))).to.deep.equal(abs('moved/e.txt', 'moved/f/g.txt'));
      expect(await ctx.fs.exists(ctx.path('d'))).to.equal(false);
    });

    it('moves a directory, not a sibling whose name starts with its name', async () => {
      await writeTree(ctx.fs, ctx.root, { 'dir/x': '1', 'dir.txt': '2', 'dirty/y': '3', 'dir-2': '4' });
      await ctx.fs.mv(ctx.path('dir'), ctx.path('moved'));
      expect(await ctx.fs.find(ctx.root)).to.deep.equal(abs('dir-2', 'dir.txt', 'dirty/y', 'moved/x'));
    });

    it('moves a directory into an existing directory as a subdirectory', async () => {
      await build();
      await ctx.fs.pipeFile(ctx.path('target/keep'), 'k');
      await ctx.fs.mv(ctx.path('d'), ctx.path('target'));
      expect(await ctx.fs.find(ctx.path('target'))).to.deep.equal(
        abs('target/d/e.txt', 'target/d/f/g.txt', 'target/keep'),
      );
      expect(await ctx.fs.exists(ctx.path('d'))).to.equal(false);
    });

    it('with maxDepth moves what lies within it and removes the directories it emptied', async () => {
      await build();
      await ctx.fs.mv(ctx.path('d'), ctx.path('one'), { recursive: true, maxDepth: 1 });
      expect(await ctx.fs.find(ctx.path('one'))).to.deep.equal(abs('one/e.txt'));
      // d still holds f/g.txt, below the depth: it stays where it was.
      expect(await ctx.fs.find(ctx.path('d'))).to.deep.equal(abs('d/f/g.txt'));
      await ctx.fs.mv(ctx.path('d'), ctx.path('two'), { recursive: true, maxDepth: 2 });
      expect(await ctx.fs.find(ctx.path('two'))).to.deep.equal(abs('two/f/g.txt'));
      expect(await ctx.fs.exists(ctx.path('d'))).to.equal(false);
    });

    it('with a glob and maxDepth removes the matched directories it emptied', async () => {
      await build();
      await ctx.fs.mv(ctx.path('?'), `${ctx.path('out')}/`, { recursive: true, maxDepth: 3 });
      expect(await ctx.fs.find(ctx.path('out'))).to.deep.equal(abs('out/e.txt', 'out/f/g.txt'));
      expect(await ctx.fs.exists(ctx.path('d'))).to.equal(false);
      expect(await ctx.fs.find(ctx.root, { maxDepth: 1 })).to.deep.equal(abs('a.txt', 'b.txt', 'c.bin'));
      if (!ctx.fs.capabilities.realDirectories) return;
      // Matching empty directories only: nothing to copy, and they are left empty.
      await ctx.fs.makedirs(ctx.path('hollow/x'));
      await ctx.fs.makedirs(ctx.path('hollow/y/z'));
      await ctx.fs.mv(ctx.path('hollow/*'), ctx.path('none'), { recursive: true, maxDepth: 1 });
      expect(await ctx.fs.find(ctx.path('hollow'), { withDirs: true })).to.deep.equal(
        abs('hollow', 'hollow/y', 'hollow/y/z'),
      );
      expect(await ctx.fs.exists(ctx.path('none'))).to.equal(false);
    });

    it('moves a file a list names twice once', async () => {
      await build();
      await ctx.fs.cp([ctx.path('b.txt'), ctx.path('b.txt')], `${ctx.path('copies')}/`);
      await ctx.fs.mv([ctx.path('a.txt'), ctx.path('a.txt')], `${ctx.path('list')}/`);
      expect(await ctx.fs.find(ctx.path('copies'))).to.deep.equal(abs('copies/b.txt'));
      expect(await ctx.fs.find(ctx.path('list'))).to.deep.equal(abs('list/a.txt'));
      expect(await ctx.fs.readText(ctx.path('list/a.txt'))).to.equal('A');
      expect(await ctx.fs.exists(ctx.path('a.txt'))).to.equal(false);
    });

    it('moves the files matching a glob into a directory', async () => {
      await build();
      await ctx.fs.mv(ctx.path('*.txt'), `${ctx.path('texts')}/`);
      expect(await ctx.fs.find(ctx.path('texts'))).to.deep.equal(abs('texts/a.txt', 'texts/b.txt'));
      expect(await ctx.fs.find(ctx.root, { maxDepth: 1 })).to.deep.equal(abs('c.bin'));
    });

    it('moves a list of files into a directory', async () => {
      await build();
      await ctx.fs.mv([ctx.path('a.txt'), ctx.path('c.bin')], `${ctx.path('list')}/`);
      expect(await ctx.fs.find(ctx.path('list'))).to.deep.equal(abs('list/a.txt', 'list/c.bin'));
      expect(await ctx.fs.exists(ctx.path('a.txt'))).to.equal(false);
      expect(await ctx.fs.exists(ctx.path('c.bin'))).to.equal(false);
    });

    it('leaves the files a glob or a list names in their own place as they are, losing none', async () => {
      const all = abs('a.txt', 'b.txt', 'c.bin', 'd/e.txt', 'd/f/g.txt');
      await build();
      await ctx.fs.mv(ctx.path('*.txt'), `${ctx.root}/`);
      await ctx.fs.mv([ctx.path('c.bin')], ctx.root);
      await ctx.fs.mv([ctx.path('d/e.txt')], [ctx.path('d/e.txt')]);
      await ctx.fs.cp(ctx.path('*.txt'), `${ctx.root}/`);
      expect(await ctx.fs.find(ctx.root)).to.deep.equal(all);
      const texts = await Promise.all(all.map((p) => ctx.fs.readText(p)));
      expect(texts).to.deep.equal(['A', 'B', 'C', 'E', 'G']);
    });

    it('refuses, changing nothing, a list that moves a file onto one it also moves', async () => {
      await build();
      const move = ctx.fs.mv([ctx.path('a.txt'), ctx.path('b.txt')], [ctx.path('b.txt'), ctx.path('c.bin')]);
      await expectFsError(move, 'InvalidArgument', 'EINVAL');
      expect(await ctx.fs.readText(ctx.path('a.txt'))).to.equal('A');
      expect(await ctx.fs.readText(ctx.path('b.txt'))).to.equal('B');
      expect(await ctx.fs.readText(ctx.path('c.bin'))).to.equal('C');
    });

    it('refuses, changing nothing, a glob that would move a directory into itself', async () => {
      await build();
      const before = await ctx.fs.find(ctx.root);
      const err = await expectFsError(ctx.fs.mv(ctx.path('?'), ctx.path('d/f')), 'InvalidArgument', 'EINVAL');
      expect(err.message).to.include('cannot move a directory into itself');
      expect(await ctx.fs.find(ctx.root)).to.deep.equal(before);
    });

    it('never replaces a file named with a trailing slash', async () => {
      await build();
      const move = ctx.fs.mv(ctx.path('a.txt'), `${ctx.path('b.txt')}/`);
      if (ctx.fs.capabilities.realDirectories) {
        await expectFsError(move, 'NotADirectory', 'ENOTDIR');
        expect(await ctx.fs.readText(ctx.path('a.txt'))).to.equal('A');
      } else {
        // Without directories the name below the file is a key of its own.
        await move;
        expect(await ctx.fs.readText(ctx.path('b.txt/a.txt'))).to.equal('A');
      }
      expect(await ctx.fs.readText(ctx.path('b.txt'))).to.equal('B');
    });

    itWhere(ctx, 'realDirectories', 'of a file to a path below itself fails with NotADirectory (ENOTDIR)', async () => {
      await ctx.fs.pipeFile(ctx.path('plain'), 'p');
      await expectFsError(ctx.fs.mv(ctx.path('plain'), ctx.path('plain/x')), 'NotADirectory', 'ENOTDIR');
      expect(await ctx.fs.readText(ctx.path('plain'))).to.equal('p');
    });

    it('fails with NotFound (ENOENT) for a missing source and changes nothing', async () => {
      await build();
      await expectFsError(ctx.fs.mv(ctx.path('missing'), ctx.path('x')), 'NotFound', 'ENOENT');
      expect(await ctx.fs.exists(ctx.path('x'))).to.equal(false);
    });
  });

  describe('rm', () => {
    it('removes a file', async () => {
      await build();
      await ctx.fs.rm(ctx.path('a.txt'));
      expect(await ctx.fs.exists(ctx.path('a.txt'))).to.equal(false);
      expect(await ctx.fs.exists(ctx.path('b.txt'))).to.equal(true);
    });

    it('removes a directory and everything below with recursive', async () => {
      await build();
      await ctx.fs.rm(ctx.path('d'), { recursive: true });
      expect(await ctx.fs.exists(ctx.path('d'))).to.equal(false);
      expect(await ctx.fs.find(ctx.root)).to.deep.equal(abs('a.txt', 'b.txt', 'c.bin'));
    });

    it('removes a directory with recursive, not a sibling whose name starts with its name', async () => {
      await writeTree(ctx.fs, ctx.root, { 'dir/x': '1', 'dir.txt': '2', 'dirty/y': '3', 'dir-2': '4' });
      await ctx.fs.rm(ctx.path('dir'), { recursive: true });
      expect(await ctx.fs.find(ctx.root)).to.deep.equal(abs('dir-2', 'dir.txt', 'dirty/y'));
    });

    it('reports the files of a directory removed with recursive, and their total', async () => {
      await build();
      const seen: Array<{ files: number; totalFiles?: number }> = [];
      await ctx.fs.rm(ctx.path('d'), { recursive: true, onProgress: (p) => seen.push({ ...p }) });
      expect(seen.at(-1)).to.include({ files: 2, totalFiles: 2 });
      expect(seen.map((p) => p.files)).to.deep.equal([...seen.map((p) => p.files)].sort((a, b) => a - b));
      expect(await ctx.fs.find(ctx.root)).to.deep.equal(abs('a.txt', 'b.txt', 'c.bin'));
    });

    it('removes a file with recursive, counting it in progress', async () => {
      await build();
      const files: number[] = [];
      await ctx.fs.rm(ctx.path('a.txt'), { recursive: true, onProgress: (p) => files.push(p.files) });
      expect(await ctx.fs.find(ctx.root)).to.deep.equal(abs('b.txt', 'c.bin', 'd/e.txt', 'd/f/g.txt'));
      expect(files.at(-1)).to.equal(1);
    });

    it('fails with NotFound (ENOENT) for a missing path with recursive and removes nothing', async () => {
      await build();
      const err = await expectFsError(ctx.fs.rm(ctx.path('d/missing'), { recursive: true }), 'NotFound', 'ENOENT');
      expect(err.operation).to.equal('rm');
      expect(await ctx.fs.find(ctx.root)).to.deep.equal(abs('a.txt', 'b.txt', 'c.bin', 'd/e.txt', 'd/f/g.txt'));
    });

    it('fails with NotFound (ENOENT) for a path below a file, with recursive or not', async () => {
      await build();
      for (const recursive of [false, true])
        await expectFsError(ctx.fs.rm(ctx.path('a.txt/x'), { recursive }), 'NotFound', 'ENOENT');
      expect(await ctx.fs.readText(ctx.path('a.txt'))).to.equal('A');
    });

    it('refuses an empty path with recursive as InvalidArgument (EINVAL) of rm', async () => {
      const err = await expectFsError(ctx.fs.rm('', { recursive: true }), 'InvalidArgument', 'EINVAL');
      expect(err.operation).to.equal('rm');
      expect(err.protocol).to.equal(ctx.fs.protocol);
    });

    it('fails with IsADirectory (EISDIR) for a directory without recursive and removes nothing', async () => {
      await build();
      await expectFsError(ctx.fs.rm(ctx.path('d')), 'IsADirectory', 'EISDIR');
      expect(await ctx.fs.find(ctx.path('d'))).to.deep.equal(abs('d/e.txt', 'd/f/g.txt'));
    });

    it('removes the files matching a glob, nothing else', async () => {
      await build();
      await ctx.fs.rm(ctx.path('*.txt'));
      expect(await ctx.fs.find(ctx.root)).to.deep.equal(abs('c.bin', 'd/e.txt', 'd/f/g.txt'));
    });

    it('removes a list of paths', async () => {
      await build();
      await ctx.fs.rm([ctx.path('a.txt'), ctx.path('d')], { recursive: true });
      expect(await ctx.fs.find(ctx.root)).to.deep.equal(abs('b.txt', 'c.bin'));
    });

    it('removes many files in batches', async () => {
      const files = Object.fromEntries(
        Array.from({ length: 40 }, (_, i) => [`many/f${String(i).padStart(2, '0')}`, String(i)]),
      );
      await writeTree(ctx.fs, ctx.root, files);
      await ctx.fs.rm(ctx.path('many'), { recursive: true, batchSize: 5 });
      expect(await ctx.fs.exists(ctx.path('many'))).to.equal(false);
    });

    it('fails with NotFound (ENOENT) for a missing path', async () => {
      const err = await expectFsError(ctx.fs.rm(ctx.path('missing')), 'NotFound', 'ENOENT');
      expect(err.operation).to.equal('rm');
    });

    it('fails with NotFound for a glob that matches nothing', async () => {
      await build();
      await expectFsError(ctx.fs.rm(ctx.path('*.none')), 'NotFound', 'ENOENT');
    });

    it('rmFile removes one file and fails with NotFound for a missing one', async () => {
      await build();
      await ctx.fs.rmFile(ctx.path('a.txt'));
      expect(await ctx.fs.exists(ctx.path('a.txt'))).to.equal(false);
      await expectFsError(ctx.fs.rmFile(ctx.path('a.txt')), 'NotFound', 'ENOENT');
    });
  });
}
