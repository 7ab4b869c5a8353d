/** ls, find, walk, du. */
import { expect } from '../chai';
import type { FileInfo, WalkEntry } from '@omnifs/core';
import type { SuiteContext } from '../context';
import { expectFsError } from '../assertions';
import { itWhere } from '../gating';
import { writeTree } from '../helpers';

/** The listing fixture: three files at the top, a subdirectory two levels deep. */
export const LISTING_FIXTURE: Readonly<Record<string, string>> = {
  'a.txt': 'a',
  'b.bin': 'bb',
  'c.txt': 'ccc',
  'sub/d.txt': 'dddd',
  'sub/e.csv': 'eeeee',
  'sub/deep/f.txt': 'ffffff',
};

/** Defines the listing tests. */
export function listingTests(ctx: SuiteContext): void {
  const build = (): Promise<string> => writeTree(ctx.fs, ctx.root, LISTING_FIXTURE);
  const abs = (...rels: string[]): string[] => rels.map((r) => ctx.fs.normalize(ctx.path(r)));

  describe('ls', () => {
    it('lists the full paths of the entries directly in a directory, sorted', async () => {
      await build();
      expect(await ctx.fs.ls(ctx.root)).to.deep.equal(abs('a.txt', 'b.bin', 'c.txt', 'sub'));
    });

    it('with detail gives each entry its name, size and type', async () => {
      await build();
      const entries = await ctx.fs.ls(ctx.path('sub'), { detail: true });
      expect(entries.map((e: FileInfo) => [e.name, e.size, e.type])).to.deep.equal([
        [abs('sub/d.txt')[0], 4, 'file'],
        [abs('sub/deep')[0], 0, 'directory'],
        [abs('sub/e.csv')[0], 5, 'file'],
      ]);
    });

    it('gives the same listing with a trailing slash', async () => {
      await build();
      expect(await ctx.fs.ls(`${ctx.path('sub')}/`)).to.deep.equal(await ctx.fs.ls(ctx.path('sub')));
    });

    it('lists a file as itself', async () => {
      await build();
      expect(await ctx.fs.ls(ctx.path('a.txt'))).to.deep.equal(abs('a.txt'));
      const [info] = await ctx.fs.ls(ctx.path('a.txt'), { detail: true });
      expect(info).to.include({ name: abs('a.txt')[0], size: 1, type: 'file' });
    });

    itWhere(ctx, 'realDirectories', 'lists an empty directory as []', async () => {
      await ctx.fs.makedirs(ctx.path('empty'));
      expect(await ctx.fs.ls(ctx.path('empty'))).to.deep.equal([]);
    });

    it('fails with NotFound (ENOENT) for a missing path', async () => {
      const err = await expectFsError(ctx.fs.ls(ctx.path('missing')), 'NotFound', 'ENOENT');
      expect(err.operation).to.equal('ls');
    });
  });

  describe('find', () => {
    it('lists every file below a directory, sorted, without directories', async () => {
      await build();
      expect(await ctx.fs.find(ctx.root)).to.deep.equal(
        abs('a.txt', 'b.bin', 'c.txt', 'sub/d.txt', 'sub/deep/f.txt', 'sub/e.csv'),
      );
    });

    it('with withDirs includes the directories below', async () => {
      await build();
      const found = await ctx.fs.find(ctx.path('sub'), { withDirs: true });
      expect(found).to.include.members(abs('sub/deep', 'sub/d.txt', 'sub/e.csv', 'sub/deep/f.txt'));
      expect(found.filter((f) => f !== abs('sub')[0])).to.have.length(4);
    });

    it('with maxDepth 1 stops at the direct children', async () => {
      await build();
      expect(await ctx.fs.find(ctx.root, { maxDepth: 1 })).to.deep.equal(abs('a.txt', 'b.bin', 'c.txt'));
    });

    it('with maxDepth 2 goes one level further', async () => {
      await build();
      expect(await ctx.fs.find(ctx.root, { maxDepth: 2 })).to.deep.equal(
        abs('a.txt', 'b.bin', 'c.txt', 'sub/d.txt', 'sub/e.csv'),
      );
    });

    it('with detail gives FileInfo objects', async () => {
      await build();
      const found = await ctx.fs.find(ctx.path('sub'), { detail: true });
      expect(found.map((f) => [f.name, f.size, f.type])).to.deep.equal([
        [abs('sub/d.txt')[0], 4, 'file'],
        [abs('sub/deep/f.txt')[0], 6, 'file'],
        [abs('sub/e.csv')[0], 5, 'file'],
      ]);
    });

    it('gives [] for a missing path', async () => {
      expect(await ctx.fs.find(ctx.path('missing'))).to.deep.equal([]);
    });

    it('gives a file itself', async () => {
      await build();
      expect(await ctx.fs.find(ctx.path('a.txt'))).to.deep.equal(abs('a.txt'));
    });

    it('does not list a sibling whose name starts with the directory name', async () => {
      await writeTree(ctx.fs, ctx.root, { 'dir/x': '1', 'dir.txt': '2', 'dirty/y': '3' });
      expect(await ctx.fs.find(ctx.path('dir'))).to.deep.equal(abs('dir/x'));
    });
  });

  describe('walk', () => {
    const walkAll = async (path: string, maxDepth?: number): Promise<WalkEntry[]> => {
      const out: WalkEntry[] = [];
      for await (const e of ctx.fs.walk(path, maxDepth === undefined ? {} : { maxDepth })) out.push(e);
      return out;
    };

    it('yields each directory top-down with the names of its subdirectories and files', async () => {
      await build();
      const entries = await walkAll(ctx.root);
      expect(entries.map((e) => [e.root, [...e.dirs].sort(), [...e.files].sort()])).to.deep.equal([
        [ctx.fs.normalize(ctx.root), ['sub'], ['a.txt', 'b.bin', 'c.txt']],
        [abs('sub')[0], ['deep'], ['d.txt', 'e.csv']],
        [abs('sub/deep')[0], [], ['f.txt']],
      ]);
    });

    it('goes depth first, into the subdirectories left in dirs, in their order', async () => {
      await writeTree(ctx.fs, ctx.root, { 'a/x/1': '1', 'a/y/2': '2', 'b/z/3': '3', 'c/4': '4' });
      const roots: string[] = [];
      for await (const e of ctx.fs.walk(ctx.root)) {
        roots.push(e.root);
        if (e.root === ctx.fs.normalize(ctx.root)) e.dirs.splice(0, e.dirs.length, 'c', 'a');
      }
      expect(roots).to.deep.equal([ctx.fs.normalize(ctx.root), ...abs('c', 'a', 'a/x', 'a/y')]);
    });

    it('with topDown false yields each directory after everything below it', async () => {
      await writeTree(ctx.fs, ctx.root, { 'a/x/1': '1', 'a/2': '2', 'b/3': '3' });
      const roots: string[] = [];
      for await (const e of ctx.fs.walk(ctx.root, { topDown: false })) roots.push(e.root);
      expect(roots).to.deep.equal([...abs('a/x', 'a', 'b'), ctx.fs.normalize(ctx.root)]);
      await expectFsError(() => ctx.fs.walk(ctx.root, { topDown: 'no' as never }), 'InvalidArgument', 'EINVAL');
    });

    it('names the operation and path of a bad maxDepth, in walk, du, find and glob', async () => {
      const root = ctx.fs.normalize(ctx.root);
      for (const [operation, call] of [
        ['walk', () => ctx.fs.walk(ctx.root, { maxDepth: 0 })],
        ['du', () => ctx.fs.du(ctx.root, { maxDepth: 0 })],
        ['find', () => ctx.fs.find(ctx.root, { maxDepth: 0 })],
      ] as const) {
        const err = await expectFsError(async () => call(), 'InvalidArgument', 'EINVAL');
        expect([err.operation, err.path, err.protocol], operation).to.deep.equal([operation, root, ctx.fs.protocol]);
      }
    });

    it('with maxDepth 1 yields only the top directory', async () => {
      await build();
      const entries = await walkAll(ctx.root, 1);
      expect(entries.map((e) => e.root)).to.deep.equal([ctx.fs.normalize(ctx.root)]);
    });

    it('yields nothing for a missing path', async () => {
      expect(await walkAll(ctx.path('missing'))).to.deep.equal([]);
    });
  });

  describe('du', () => {
    it('sums the sizes of every file below a directory', async () => {
      await build();
      expect(await ctx.fs.du(ctx.root)).to.equal(1 + 2 + 3 + 4 + 5 + 6);
    });

    it('with total false gives each file its size', async () => {
      await build();
      const sizes = await ctx.fs.du(ctx.path('sub'), { total: false });
      expect(sizes).to.deep.equal({
        [abs('sub/d.txt')[0]!]: 4,
        [abs('sub/deep/f.txt')[0]!]: 6,
        [abs('sub/e.csv')[0]!]: 5,
      });
    });

    it('with maxDepth 1 counts only the direct children', async () => {
      await build();
      expect(await ctx.fs.du(ctx.root, { maxDepth: 1 })).to.equal(1 + 2 + 3);
    });

    it('is the size of a file for a file', async () => {
      await build();
      expect(await ctx.fs.du(ctx.path('c.txt'))).to.equal(3);
    });

    it('is 0 for a missing path', async () => {
      expect(await ctx.fs.du(ctx.path('missing'))).to.equal(0);
    });
  });
}
