/** glob patterns: `*`, `**`, `?`, `[..]`, `[!..]`, maxDepth. */
import { expect } from '../chai';
import type { SuiteContext } from '../context';
import { writeTree } from '../helpers';
import { LISTING_FIXTURE } from './listing';

/** Defines the glob tests. */
export function globTests(ctx: SuiteContext): void {
  const build = (): Promise<string> => writeTree(ctx.fs, ctx.root, LISTING_FIXTURE);
  const abs = (...rels: string[]): string[] => rels.map((r) => ctx.fs.normalize(ctx.path(r)));
  const glob = (pattern: string, maxDepth?: number): Promise<string[]> =>
    ctx.fs.glob(ctx.path(pattern), maxDepth === undefined ? {} : { maxDepth });

  describe('glob', () => {
    it('"*" matches the names in one directory, files and directories', async () => {
      await build();
      expect(await glob('*')).to.deep.equal(abs('a.txt', 'b.bin', 'c.txt', 'sub'));
    });

    it('"*.txt" matches by suffix and does not cross "/"', async () => {
      await build();
      expect(await glob('*.txt')).to.deep.equal(abs('a.txt', 'c.txt'));
    });

    it('"**/*.txt" matches at every depth, the top included', async () => {
      await build();
      expect(await glob('**/*.txt')).to.deep.equal(abs('a.txt', 'c.txt', 'sub/d.txt', 'sub/deep/f.txt'));
    });

    it('"**" matches everything below, directories included, and the directory it starts from', async () => {
      await build();
      expect(await glob('**')).to.deep.equal(
        abs('', 'a.txt', 'b.bin', 'c.txt', 'sub', 'sub/d.txt', 'sub/deep', 'sub/deep/f.txt', 'sub/e.csv'),
      );
    });

    it('"?" matches exactly one character', async () => {
      await build();
      expect(await glob('?.txt')).to.deep.equal(abs('a.txt', 'c.txt'));
      expect(await glob('??.txt')).to.deep.equal([]);
    });

    it('"[ab]" matches one character of a set', async () => {
      await build();
      expect(await glob('[ab].*')).to.deep.equal(abs('a.txt', 'b.bin'));
    });

    it('"[a-b]" matches one character of a range', async () => {
      await build();
      expect(await glob('[a-b].*')).to.deep.equal(abs('a.txt', 'b.bin'));
    });

    it('"[!a]" matches one character outside a set', async () => {
      await build();
      expect(await glob('[!a]*')).to.deep.equal(abs('b.bin', 'c.txt', 'sub'));
    });

    it('matches in a subdirectory', async () => {
      await build();
      expect(await glob('sub/*.txt')).to.deep.equal(abs('sub/d.txt'));
      expect(await glob('s*/d*')).to.deep.equal(abs('sub/d.txt', 'sub/deep'));
    });

    it('with maxDepth 1 limits "**" to the directory and its direct children', async () => {
      await build();
      expect(await glob('**', 1)).to.deep.equal(abs('', 'a.txt', 'b.bin', 'c.txt', 'sub'));
    });

    it('with maxDepth 2 limits "**" to two levels', async () => {
      await build();
      expect(await glob('**/*.txt', 2)).to.deep.equal(abs('a.txt', 'c.txt', 'sub/d.txt'));
    });

    it('gives [] when nothing matches', async () => {
      await build();
      expect(await glob('*.none')).to.deep.equal([]);
      expect(await glob('missing/*')).to.deep.equal([]);
    });

    it('gives an existing path without glob characters as itself, a missing one as []', async () => {
      await build();
      expect(await glob('a.txt')).to.deep.equal(abs('a.txt'));
      expect(await glob('zzz')).to.deep.equal([]);
    });

    it('with detail gives FileInfo objects', async () => {
      await build();
      const found = await ctx.fs.glob(ctx.path('*.txt'), { detail: true });
      expect(found.map((f) => [f.name, f.size, f.type])).to.deep.equal([
        [abs('a.txt')[0], 1, 'file'],
        [abs('c.txt')[0], 3, 'file'],
      ]);
    });

    it('treats regular-expression characters in names literally', async () => {
      await writeTree(ctx.fs, ctx.root, { 'a+b (1).txt': '1', 'a.b$.txt': '2', 'aab (1)xtxt': '3' });
      expect(await glob('a+b (1).*')).to.deep.equal(abs('a+b (1).txt'));
      expect(await glob('a.b$*')).to.deep.equal(abs('a.b$.txt'));
    });

    it('matches a directory and a file that share a name prefix', async () => {
      await writeTree(ctx.fs, ctx.root, { 'subdir/subfile.txt': '1', 'subdir.txt': '2' });
      expect(await glob('subdir*')).to.deep.equal(abs('subdir', 'subdir.txt'));
    });
  });
}
