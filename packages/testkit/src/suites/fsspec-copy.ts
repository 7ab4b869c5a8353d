/**
 * Copy rules where omnifs was held to fsspec case by case (directories at the depth
 * boundary, globs matching nothing, dropped directories, lists of directories), run for
 * `cp`, `put` and `get`; directories are compared as well as files.
 */
import { expect } from '../chai';
import type { SuiteContext } from '../context';
import { expectFsError } from '../assertions';
import { COPY_FIXTURE } from '../helpers';
import { makeTransfer, type Transfer } from '../sides';

/** Defines the fsspec copy cases for one of `cp`, `put`, `get`. */
export function fsspecCopyTests(ctx: SuiteContext, op: Transfer['name']): void {
  const setup = async (
    files: readonly string[] = COPY_FIXTURE,
    targetExists = true,
  ): Promise<{ t: Transfer; S: string; T: string }> => {
    const t = await makeTransfer(ctx, op);
    const S = t.source.join(t.source.base, 'source');
    const T = t.target.join(t.target.base, 'target');
    await t.source.writeFiles(S, files);
    if (targetExists) await t.target.makeDir(T);
    return { t, S, T };
  };

  describe(`${op}: fsspec rules for depth, globs and lists`, () => {
    it('with maxDepth creates no directory at the depth boundary (case 1)', async () => {
      const { t, S, T } = await setup();
      await t.run(t.source.join(S, 'subdir'), T, { recursive: true, maxDepth: 1 });
      expect(await t.target.entries(T)).to.deep.equal(['subdir/', 'subdir/subfile1', 'subdir/subfile2']);
      expect(await t.target.exists(t.target.join(T, 'subdir', 'nesteddir'))).to.equal(false);
      await t.target.remove(T);
      await t.run(`${t.source.join(S, 'subdir')}/`, `${t.target.join(T, 'new')}/`, { recursive: true, maxDepth: 1 });
      expect(await t.target.entries(T)).to.deep.equal(['new/', 'new/subfile1', 'new/subfile2']);
    });

    it('with a glob source and maxDepth creates no directory either, and copies next to a file of that name (case 1)', async () => {
      const { t, S, T } = await setup();
      await t.target.writeFiles(T, ['subdir']);
      await t.run(t.source.join(S, '*'), T, { recursive: true, maxDepth: 1 });
      expect(await t.target.entries(T)).to.deep.equal(['file1', 'file2', 'subdir']);
    });

    it('a glob that matches nothing fails with NotFound (ENOENT) and copies nothing (case 2)', async () => {
      const { t, S, T } = await setup();
      for (const recursive of [false, true]) {
        await expectFsError(t.run(t.source.join(S, 'zz*'), T, { recursive }), 'NotFound', 'ENOENT');
      }
      await expectFsError(t.run([t.source.join(S, 'zz*')], T), 'NotFound', 'ENOENT');
      expect(await t.target.files(T)).to.deep.equal([]);
    });

    it('a glob that matches nothing in a list beside a file copies the file, with recursive or not (case 2)', async () => {
      const { t, S, T } = await setup();
      await t.run([t.source.join(S, 'zz*'), t.source.join(S, 'file1')], T);
      expect(await t.target.files(T)).to.deep.equal(['file1']);
      await t.run([t.source.join(S, 'file2'), t.source.join(S, 'zz*')], T, { recursive: true });
      expect(await t.target.files(T)).to.deep.equal(['file1', 'file2']);
    });

    it('a list naming a missing path fails with NotFound (ENOENT) and copies nothing, with recursive or not', async () => {
      const { t, S, T } = await setup();
      for (const recursive of [false, true]) {
        const list = [t.source.join(S, 'file1'), t.source.join(S, 'missing'), t.source.join(S, 'file2')];
        await expectFsError(t.run(list, T, { recursive }), 'NotFound', 'ENOENT');
      }
      expect(await t.target.files(T)).to.deep.equal([]);
    });

    it('a list copies a file it names twice once, and leaves out a directory without recursive', async () => {
      const { t, S, T } = await setup();
      const file1 = t.source.join(S, 'file1');
      await t.run([file1, t.source.join(S, 'subdir'), file1], T);
      expect(await t.target.entries(T)).to.deep.equal(['file1']);
    });

    it('a file named with a trailing slash is copied as the file', async () => {
      const { t, S, T } = await setup();
      await t.run(`${t.source.join(S, 'file1')}/`, `${t.target.join(T, 'new')}/`);
      expect(await t.target.entries(T)).to.deep.equal(['new/', 'new/file1']);
    });

    it('a glob source with maxDepth applies it to "**" only (case 5)', async () => {
      const { t, S, T } = await setup(['x/sub.txt/a2', 'y/sub.txt/b', 'y/sub.txt/c']);
      await t.run(t.source.join(S, '*', 'sub.txt', '*'), T, { maxDepth: 1 });
      expect(await t.target.files(T)).to.deep.equal(['x/sub.txt/a2', 'y/sub.txt/b', 'y/sub.txt/c']);
      await t.target.remove(T);
      await t.run(t.source.join(S, '*', 'sub.txt', 'a2'), T, { maxDepth: 2 });
      expect(await t.target.files(T)).to.deep.equal(['a2']);
    });

    it('a non-recursive glob drops directories before taking the common prefix (case 6)', async () => {
      const { t, S, T } = await setup(['a/f', 'b/g/x']);
      await t.run(t.source.join(S, '*', '*'), T);
      expect(await t.target.entries(T)).to.deep.equal(['f']);
    });

    it('a list of directories lands under their names whether the target exists or not (case 11)', async () => {
      const { t, S, T } = await setup(['d1/a', 'd2/b', 'd3/c'], false);
      const list = [t.source.join(S, 'd1'), t.source.join(S, 'd2')];
      await t.run(list, T, { recursive: true });
      expect(await t.target.files(T)).to.deep.equal(['d1/a', 'd2/b']);
      await t.run([t.source.join(S, 'd3')], T, { recursive: true });
      expect(await t.target.files(T)).to.deep.equal(['d1/a', 'd2/b', 'd3/c']);
      await t.target.remove(T);
      await t.run([`${t.source.join(S, 'd1')}/`, `${t.source.join(S, 'd2')}/`], T, { recursive: true });
      expect(await t.target.files(T), 'trailing slashes copy the contents').to.deep.equal(['a', 'b']);
    });

    it('refuses a list whose items would write the same file with InvalidArgument, writing nothing (case 11)', async () => {
      const { t, S, T } = await setup(['d1/a', 'd2/a', 'e/d1/a'], false);
      const same = [`${t.source.join(S, 'd1')}/`, `${t.source.join(S, 'd2')}/`];
      const err = await expectFsError(t.run(same, T, { recursive: true }), 'InvalidArgument', 'EINVAL');
      expect(err.message).to.include('both be copied to');
      await expectFsError(
        t.run([t.source.join(S, 'd1'), t.source.join(S, 'e', 'd1')], T, { recursive: true }),
        'InvalidArgument',
      );
      expect(await t.target.exists(T)).to.equal(false);
    });
  });
}

/** Defines the fsspec cases of `mv` and `rm`. */
export function fsspecMoveRemoveTests(ctx: SuiteContext): void {
  const rel = async (): Promise<string[]> => {
    const top = ctx.fs.normalize(ctx.root);
    return (await ctx.fs.find(ctx.root)).map((f) => f.slice(top.length + 1));
  };

  describe('mv and rm: fsspec rules', () => {
    it('mv of a glob that matches nothing fails with NotFound (case 2)', async () => {
      await ctx.fs.pipeFile(ctx.path('src/a'), 'a');
      await expectFsError(ctx.fs.mv(ctx.path('src/zz*'), ctx.path('T')), 'NotFound', 'ENOENT');
      expect(await rel()).to.deep.equal(['src/a']);
    });

    it('rm of a glob with maxDepth counts the matches as the first level (case 12)', async () => {
      const tree = ['src/a/f', 'src/a/g/h', 'src/b'];
      for (const f of tree) await ctx.fs.pipeFile(ctx.path(f), f);
      await ctx.fs.rm(ctx.path('src/*'), { recursive: true, maxDepth: 1 });
      expect(await rel()).to.deep.equal(['src/a/f', 'src/a/g/h']);
      await ctx.fs.pipeFile(ctx.path('src/b'), 'b');
      await ctx.fs.rm(ctx.path('src/*'), { recursive: true, maxDepth: 2 });
      expect(await rel()).to.deep.equal(['src/a/g/h']);
      await ctx.fs.rm(ctx.path('src/*'), { recursive: true, maxDepth: 3 });
      expect(await rel()).to.deep.equal([]);
    });

    it('mv of a path onto itself changes nothing, also with maxDepth (case 13)', async () => {
      await ctx.fs.pipeFile(ctx.path('src/file1'), '1');
      await ctx.fs.mv(ctx.path('src'), ctx.path('src'));
      await ctx.fs.mv(ctx.path('src'), `${ctx.path('src')}/`, { recursive: true, maxDepth: 1 });
      await ctx.fs.mv(ctx.path('src/file1'), ctx.path('src/file1'));
      expect(await rel()).to.deep.equal(['src/file1']);
      expect(await ctx.fs.readText(ctx.path('src/file1'))).to.equal('1');
      await expectFsError(ctx.fs.mv(ctx.path('missing'), ctx.path('missing')), 'NotFound', 'ENOENT');
    });
  });
}
