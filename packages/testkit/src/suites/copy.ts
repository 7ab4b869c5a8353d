/**
 * fsspec's copy scenarios (docs/source/copying.rst, 1a-1h and 2a-2b, and the extra cases of
 * fsspec/tests/abstract/copy.py), run for `cp`, `put` and `get`.
 */
import { writeFile } from 'node:fs/promises';
import { expect } from '../chai';
import type { SuiteContext } from '../context';
import { expectBytes, expectFsError } from '../assertions';
import { COPY_FIXTURE, fixtureContent } from '../helpers';
import { makeTransfer, type Transfer } from '../sides';

interface Scenario {
  t: Transfer;
  /** The source directory holding the fixture. */
  S: string;
  /** The target directory (exists, empty, unless `newTarget`). */
  T: string;
  files: () => Promise<string[]>;
}

const ALL = ['nesteddir/nestedfile', 'subfile1', 'subfile2'];
const TOP = ['subfile1', 'subfile2'];
const under = (dir: string, names: string[]): string[] => names.map((n) => `${dir}/${n}`);

/** Defines the copy scenarios for one of `cp`, `put`, `get`. */
export function copyScenarioTests(ctx: SuiteContext, op: Transfer['name']): void {
  const setup = async (targetExists = true): Promise<Scenario> => {
    const t = await makeTransfer(ctx, op);
    const S = t.source.join(t.source.base, 'source');
    const T = t.target.join(t.target.base, 'target');
    await t.source.writeFiles(S, COPY_FIXTURE);
    if (targetExists) await t.target.makeDir(T);
    return { t, S, T, files: () => t.target.files(T) };
  };
  const j = (s: Scenario, side: 'source' | 'target', ...parts: string[]): string =>
    s.t[side].join(side === 'source' ? s.S : s.T, ...parts);

  describe(`${op}: single source to single target (fsspec 1a-1h)`, () => {
    it('1a copies a file into an existing directory', async () => {
      const s = await setup();
      await s.t.run(j(s, 'source', 'file2'), s.T);
      await s.t.run(j(s, 'source', 'subdir', 'subfile1'), s.T);
      expect(await s.files()).to.deep.equal(['file2', 'subfile1']);
    });

    it('1a copies a file into an existing directory named with a trailing slash', async () => {
      const s = await setup();
      await s.t.run(j(s, 'source', 'subdir', 'subfile1'), `${s.T}/`);
      expect(await s.files()).to.deep.equal(['subfile1']);
      expect(await s.t.target.isDir(s.T)).to.equal(true);
    });

    it('1b copies a file into a new directory named with a trailing slash', async () => {
      const s = await setup();
      await s.t.run(j(s, 'source', 'subdir', 'subfile1'), `${j(s, 'target', 'newdir')}/`);
      expect(await s.files()).to.deep.equal(['newdir/subfile1']);
      expect(await s.t.target.isDir(j(s, 'target', 'newdir'))).to.equal(true);
    });

    it('1c copies a file to a new name in an existing directory, byte-exact', async () => {
      const s = await setup();
      await s.t.run(j(s, 'source', 'subdir', 'subfile1'), j(s, 'target', 'newfile'));
      expect(await s.files()).to.deep.equal(['newfile']);
      expect(await s.t.target.isFile(j(s, 'target', 'newfile'))).to.equal(true);
      if (op !== 'get') expectBytes(await ctx.fs.catFile(j(s, 'target', 'newfile')), fixtureContent('subdir/subfile1'));
    });

    it('1d copies a file to a file in a new directory', async () => {
      const s = await setup();
      await s.t.run(j(s, 'source', 'subdir', 'subfile1'), j(s, 'target', 'newdir', 'newfile'));
      expect(await s.files()).to.deep.equal(['newdir/newfile']);
      expect(await s.t.target.isDir(j(s, 'target', 'newdir'))).to.equal(true);
    });

    it('1e copies nothing from a directory without recursive', async () => {
      const s = await setup();
      for (const src of [j(s, 'source', 'subdir'), `${j(s, 'source', 'subdir')}/`]) {
        for (const dst of [s.T, `${s.T}/`]) await s.t.run(src, dst);
      }
      expect(await s.files()).to.deep.equal([]);
    });

    it('1e copies the contents of a directory named with a trailing slash into an existing directory', async () => {
      const s = await setup();
      for (const dst of [s.T, `${s.T}/`]) {
        await s.t.run(`${j(s, 'source', 'subdir')}/`, dst, { recursive: true });
        expect(await s.files()).to.deep.equal(ALL);
        expect(await s.t.target.isDir(j(s, 'target', 'nesteddir'))).to.equal(true);
        expect(await s.t.target.exists(j(s, 'target', 'subdir'))).to.equal(false);
        await s.t.target.remove(s.T);
        await s.t.target.makeDir(s.T);
      }
    });

    it('1e copies a directory named without a trailing slash into an existing directory as a subdirectory', async () => {
      const s = await setup();
      for (const dst of [s.T, `${s.T}/`]) {
        await s.t.run(j(s, 'source', 'subdir'), dst, { recursive: true });
        expect(await s.files()).to.deep.equal(under('subdir', ALL));
        await s.t.target.remove(s.T);
        await s.t.target.makeDir(s.T);
      }
    });

    it('1e with maxDepth 1 copies only the top files of the contents', async () => {
      const s = await setup();
      await s.t.run(`${j(s, 'source', 'subdir')}/`, `${s.T}/`, { recursive: true, maxDepth: 1 });
      expect(await s.files()).to.deep.equal(TOP);
    });

    it('1e with maxDepth 1 copies the directory with only its top files', async () => {
      const s = await setup();
      await s.t.run(j(s, 'source', 'subdir'), s.T, { recursive: true, maxDepth: 1 });
      expect(await s.files()).to.deep.equal(under('subdir', TOP));
    });

    it('1f copies nothing from a directory without recursive into a new directory', async () => {
      const s = await setup();
      await s.t.run(j(s, 'source', 'subdir'), j(s, 'target', 'newdir'));
      await s.t.run(`${j(s, 'source', 'subdir')}/`, `${j(s, 'target', 'newdir')}/`);
      expect(await s.t.target.exists(j(s, 'target', 'newdir'))).to.equal(false);
    });

    it('1f copies a directory into a new directory, trailing slashes or not', async () => {
      const s = await setup();
      const src = j(s, 'source', 'subdir');
      const dst = j(s, 'target', 'newdir');
      for (const [a, b] of [
        [src, dst],
        [`${src}/`, `${dst}/`],
        [src, `${dst}/`],
        [`${src}/`, dst],
      ] as const) {
        await s.t.run(a, b, { recursive: true });
        expect(await s.files(), `${a} -> ${b}`).to.deep.equal(under('newdir', ALL));
        expect(await s.t.target.isDir(dst)).to.equal(true);
        await s.t.target.remove(dst);
      }
    });

    it('1f with maxDepth 1 copies only the top files into the new directory', async () => {
      const s = await setup();
      await s.t.run(`${j(s, 'source', 'subdir')}/`, `${j(s, 'target', 'newdir')}/`, { recursive: true, maxDepth: 1 });
      expect(await s.files()).to.deep.equal(under('newdir', TOP));
    });

    it('1g "*" without recursive copies the top files into an existing directory', async () => {
      const s = await setup();
      for (const dst of [s.T, `${s.T}/`]) {
        await s.t.run(j(s, 'source', 'subdir', '*'), dst);
        expect(await s.files()).to.deep.equal(TOP);
        await s.t.target.remove(s.T);
        await s.t.target.makeDir(s.T);
      }
    });

    it('1g "*" with recursive and "**" without copy the whole tree into an existing directory', async () => {
      const s = await setup();
      for (const [glob, recursive] of [
        ['*', true],
        ['**', false],
      ] as const) {
        for (const dst of [s.T, `${s.T}/`]) {
          await s.t.run(j(s, 'source', 'subdir', glob), dst, { recursive });
          expect(await s.files(), `${glob} recursive=${recursive} -> ${dst}`).to.deep.equal(ALL);
          await s.t.target.remove(s.T);
          await s.t.target.makeDir(s.T);
        }
      }
    });

    it('1g with maxDepth 1 copies only the top files into an existing directory', async () => {
      const s = await setup();
      for (const [glob, recursive] of [
        ['*', true],
        ['**', false],
      ] as const) {
        await s.t.run(j(s, 'source', 'subdir', glob), s.T, { recursive, maxDepth: 1 });
        expect(await s.files(), `${glob} recursive=${recursive}`).to.deep.equal(TOP);
        await s.t.target.remove(s.T);
        await s.t.target.makeDir(s.T);
      }
    });

    it('1h "*" without recursive copies the top files into a new directory', async () => {
      const s = await setup();
      for (const dst of [j(s, 'target', 'newdir'), `${j(s, 'target', 'newdir')}/`]) {
        await s.t.run(j(s, 'source', 'subdir', '*'), dst);
        expect(await s.files()).to.deep.equal(under('newdir', TOP));
        await s.t.target.remove(j(s, 'target', 'newdir'));
      }
    });

    it('1h "*" with recursive and "**" without copy the whole tree into a new directory', async () => {
      const s = await setup();
      for (const [glob, recursive] of [
        ['*', true],
        ['**', false],
      ] as const) {
        for (const dst of [j(s, 'target', 'newdir'), `${j(s, 'target', 'newdir')}/`]) {
          await s.t.run(j(s, 'source', 'subdir', glob), dst, { recursive });
          expect(await s.files(), `${glob} recursive=${recursive} -> ${dst}`).to.deep.equal(under('newdir', ALL));
          await s.t.target.remove(j(s, 'target', 'newdir'));
        }
      }
    });

    it('1h with maxDepth 1 copies only the top files into a new directory', async () => {
      const s = await setup();
      for (const [glob, recursive] of [
        ['*', true],
        ['**', false],
      ] as const) {
        await s.t.run(j(s, 'source', 'subdir', glob), `${j(s, 'target', 'newdir')}/`, { recursive, maxDepth: 1 });
        expect(await s.files(), `${glob} recursive=${recursive}`).to.deep.equal(under('newdir', TOP));
        await s.t.target.remove(j(s, 'target', 'newdir'));
      }
    });
  });

  describe(`${op}: several sources to one target (fsspec 2a-2b)`, () => {
    const list = (s: Scenario): string[] => [
      j(s, 'source', 'file1'),
      j(s, 'source', 'file2'),
      j(s, 'source', 'subdir', 'subfile1'),
    ];

    it('2a copies a list of files into an existing directory, flattened', async () => {
      const s = await setup();
      for (const dst of [s.T, `${s.T}/`]) {
        await s.t.run(list(s), dst);
        expect(await s.files()).to.deep.equal(['file1', 'file2', 'subfile1']);
        await s.t.target.remove(s.T);
        await s.t.target.makeDir(s.T);
      }
    });

    it('2b copies a list of files into a new directory named with a trailing slash', async () => {
      const s = await setup();
      await s.t.run(list(s), `${j(s, 'target', 'newdir')}/`);
      expect(await s.files()).to.deep.equal(['newdir/file1', 'newdir/file2', 'newdir/subfile1']);
      expect(await s.t.target.isDir(j(s, 'target', 'newdir'))).to.equal(true);
    });

    it('copies a list of files into a new directory named without a trailing slash', async () => {
      const s = await setup(false);
      await s.t.run([j(s, 'source', 'file1'), j(s, 'source', 'file2')], s.T);
      expect(await s.files()).to.deep.equal(['file1', 'file2']);
      expect(await s.t.target.isDir(s.T)).to.equal(true);
    });

    it('copies a list of files to a list of destinations of the same length', async () => {
      const s = await setup();
      await s.t.run(
        [j(s, 'source', 'file1'), j(s, 'source', 'subdir', 'subfile2')],
        [j(s, 'target', 'x'), j(s, 'target', 'deep', 'y')],
      );
      expect(await s.files()).to.deep.equal(['deep/y', 'x']);
    });

    it('rejects lists of sources and destinations of different lengths with InvalidArgument', async () => {
      const s = await setup();
      await expectFsError(
        s.t.run([j(s, 'source', 'file1'), j(s, 'source', 'file2')], [j(s, 'target', 'x')]),
        'InvalidArgument',
        'EINVAL',
      );
      expect(await s.files()).to.deep.equal([]);
    });
  });

  describe(`${op}: more copy rules`, () => {
    it('copies a directory without a sibling file that shares its name prefix', async () => {
      const s = await setup(false);
      await s.t.source.writeFiles(j(s, 'source', 'prefix'), ['subdir/subfile.txt', 'subdir.txt']);
      await s.t.run(j(s, 'source', 'prefix', 'subdir'), s.T, { recursive: true });
      expect(await s.files()).to.deep.equal(['subfile.txt']);
    });

    it('overwrites an existing file at the destination', async () => {
      const s = await setup();
      await s.t.target.writeFiles(s.T, ['file1']);
      await s.t.run(j(s, 'source', 'subdir', 'subfile2'), j(s, 'target', 'file1'));
      expect(await s.files()).to.deep.equal(['file1']);
      if (op !== 'get') expectBytes(await ctx.fs.catFile(j(s, 'target', 'file1')), fixtureContent('subdir/subfile2'));
    });

    it('copies an empty file', async () => {
      const s = await setup();
      const empty = j(s, 'source', 'empty');
      if (op === 'put') await writeFile(empty, '');
      else await ctx.fs.pipeFile(empty, new Uint8Array(0));
      await s.t.run(empty, `${s.T}/`);
      expect(await s.files()).to.deep.equal(['empty']);
    });

    it('a glob that matches nothing fails with NotFound (ENOENT) and copies nothing', async () => {
      const s = await setup();
      await expectFsError(s.t.run(j(s, 'source', '*.none'), s.T, { recursive: true }), 'NotFound', 'ENOENT');
      expect(await s.files()).to.deep.equal([]);
    });

    it('fails with NotFound (ENOENT) for a missing source', async () => {
      const s = await setup();
      const err = await expectFsError(s.t.run(j(s, 'source', 'missing'), s.T), 'NotFound', 'ENOENT');
      expect(err.message).to.include('missing');
      expect(await s.files()).to.deep.equal([]);
    });
  });
}
