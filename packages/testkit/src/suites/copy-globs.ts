/** fsspec's glob edge cases of copying (GLOB_EDGE_CASES_TESTS in fsspec/tests/abstract/common.py). */
import { expect } from '../chai';
import type { SuiteContext } from '../context';
import { GLOB_EDGE_FIXTURE } from '../helpers';
import { makeTransfer, type Transfer } from '../sides';

type Row = [pattern: string, recursive: boolean, maxDepth: number | undefined, expected: string[]];

const SUB0 = ['subdir0/nesteddir/nestedfile', 'subdir0/subfile1', 'subdir0/subfile2'];
const SUB1 = ['subdir1/nesteddir/nestedfile', 'subdir1/subfile1', 'subdir1/subfile2'];
const EVERYTHING = ['file1', 'file2', ...SUB0, ...SUB1];
const TWO_LEVELS = ['file1', 'file2', 'subdir0/subfile1', 'subdir0/subfile2', 'subdir1/subfile1', 'subdir1/subfile2'];
const CONTENTS = ['nesteddir/nestedfile', 'subfile1', 'subfile2'];

/** Pattern, recursive, maxDepth and the files expected below the target. */
export const GLOB_EDGE_CASES: readonly Row[] = [
  ['fil?1', false, undefined, ['file1']],
  ['fil?1', true, undefined, ['file1']],
  ['file[1-2]', false, undefined, ['file1', 'file2']],
  ['file[1-2]', true, undefined, ['file1', 'file2']],
  ['*', false, undefined, ['file1', 'file2']],
  ['*', true, undefined, EVERYTHING],
  ['*', true, 1, ['file1', 'file2']],
  ['*', true, 2, TWO_LEVELS],
  ['*1', false, undefined, ['file1']],
  ['*1', true, undefined, ['file1', ...SUB1]],
  ['*1', true, 2, ['file1', 'subdir1/subfile1', 'subdir1/subfile2']],
  ['**', false, undefined, EVERYTHING],
  ['**', true, undefined, EVERYTHING],
  ['**', true, 1, ['file1', 'file2']],
  ['**', true, 2, EVERYTHING],
  ['**', false, 2, TWO_LEVELS],
  ['**/*1', false, undefined, ['file1', 'subdir0/subfile1', 'subdir1/subfile1']],
  ['**/*1', true, undefined, ['file1', 'subdir0/subfile1', ...SUB1]],
  ['**/*1', true, 1, ['file1']],
  ['**/*1', true, 2, ['file1', 'subdir0/subfile1', 'subdir1/subfile1', 'subdir1/subfile2']],
  ['**/*1', false, 2, ['file1', 'subdir0/subfile1', 'subdir1/subfile1']],
  ['**/subdir0', false, undefined, []],
  ['**/subdir0', true, undefined, CONTENTS],
  ['**/subdir0/nested*', false, 2, []],
  ['**/subdir0/nested*', true, 2, ['nestedfile']],
  ['subdir[1-2]', false, undefined, []],
  ['subdir[1-2]', true, undefined, CONTENTS],
  ['subdir[1-2]', true, 2, ['subfile1', 'subfile2']],
  ['subdir[0-1]', false, undefined, []],
  ['subdir[0-1]', true, undefined, [...SUB0, ...SUB1]],
  [
    'subdir[0-1]/*fil[e]*',
    false,
    undefined,
    ['subdir0/subfile1', 'subdir0/subfile2', 'subdir1/subfile1', 'subdir1/subfile2'],
  ],
  [
    'subdir[0-1]/*fil[e]*',
    true,
    undefined,
    ['subdir0/subfile1', 'subdir0/subfile2', 'subdir1/subfile1', 'subdir1/subfile2'],
  ],
];

/** Defines the glob edge cases for one of `cp`, `put`, `get`: each into an existing and a new directory, with and without a trailing slash. */
export function copyGlobEdgeCaseTests(ctx: SuiteContext, op: Transfer['name']): void {
  describe(`${op}: glob edge cases`, () => {
    for (const [pattern, recursive, maxDepth, expected] of GLOB_EDGE_CASES) {
      const how = `${recursive ? 'recursive' : 'non-recursive'}${maxDepth === undefined ? '' : `, maxDepth ${maxDepth}`}`;
      it(`"${pattern}" ${how} copies ${expected.length === 0 ? 'nothing' : expected.join(', ')}`, async () => {
        const t = await makeTransfer(ctx, op);
        const S = t.source.join(t.source.base, 'source');
        const T = t.target.join(t.target.base, 'target');
        await t.source.writeFiles(S, GLOB_EDGE_FIXTURE);
        for (const newDir of [true, false]) {
          for (const slash of [true, false]) {
            await t.target.makeDir(T);
            const dst = (newDir ? t.target.join(T, 'newdir') : T) + (slash ? '/' : '');
            await t.run(t.source.join(S, pattern), dst, { recursive, ...(maxDepth === undefined ? {} : { maxDepth }) });
            const want = expected.map((e) => (newDir ? `newdir/${e}` : e));
            expect(await t.target.files(T), `into ${dst}`).to.deep.equal([...want].sort());
            await t.target.remove(T);
          }
        }
      });
    }
  });
}
