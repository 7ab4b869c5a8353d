/**
 * fsspec as the oracle for cp, mv and rm: random trees and calls (globs, trailing slashes,
 * existing and new targets, `recursive`, `maxDepth`, lists of files) made by fsspec's
 * memory and local filesystems (transfers.py, in a venv holding FSSPEC). Where the two
 * agree, omnifs' memory and local filesystems must end with the same tree and fail with
 * the same kind of error. Where they do not, fsspec has no one answer, and the case is
 * left out; so are the cases of the rules omnifs keeps on purpose (the table of
 * deliberate differences in docs/migration-from-fsspec.md) that the calls meet.
 */
import { expect } from 'chai';
import { filesystem, FsError, type FileSystem } from '@omnifs/core';
import { askFsspec, exceptionOf, FSSPEC, makeTree, type Tree } from './oracle';

/** Trees made; each is given CALLS calls (as in transfers.py). */
const SEEDS = 300;
const CALLS = 6;

/** What one filesystem answered, and the tree it left (null: the root is gone). */
interface Outcome {
  ok?: null;
  error?: string;
  after: string[] | null;
}

interface Case extends Tree {
  call: 'cp' | 'mv' | 'rm';
  path: string | string[];
  dst?: string;
  maketarget?: boolean;
  recursive: boolean;
  maxdepth?: number;
  memory: Outcome;
  local: Outcome;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * The deliberate difference `c` falls under, if one: a directory copied into a missing
 * target named with a trailing slash lands as the target itself (copying.rst 1f); a file
 * named with a trailing slash is copied as the file; a directory copied with `maxDepth`
 * lands as a directory even when it holds one file within the depth.
 */
function deliberate(c: Case): string | undefined {
  if (c.call === 'rm' || typeof c.path !== 'string' || /[*?[]/.test(c.path)) return undefined;
  const src = c.path.replace(/\/$/, '');
  if (c.files.includes(src) && c.path.endsWith('/')) return 'a file named with a trailing slash';
  if (!c.dirs.includes(src) || !c.recursive) return undefined;
  const dst = c.dst!.replace(/\/$/, '');
  const dstExists = c.maketarget === true || c.dirs.includes(dst) || c.files.includes(dst);
  if (!c.path.endsWith('/') && c.dst!.endsWith('/') && !dstExists)
    return 'a directory into a missing target named with a trailing slash';
  const within = c.files.filter(
    (f) => f.startsWith(`${src}/`) && f.split('/').length - src.split('/').length <= c.maxdepth!,
  );
  if (c.maxdepth !== undefined && within.length === 1) return 'a directory holding one file within maxDepth';
  return undefined;
}

/** The tree below `root` as transfers.py describes it. */
async function state(fs: FileSystem, root: string): Promise<string[] | null> {
  if (!(await fs.exists(root))) return null;
  const below = (await fs.find(root, { withDirs: true, detail: true })).filter((e) => e.name !== root);
  const out = await Promise.all(
    below.map(async (e) => {
      const rel = e.name.slice(root.length + 1);
      return e.type === 'directory' ? `${rel}/` : `${rel}=${await fs.readText(e.name)}`;
    }),
  );
  return out.sort();
}

/**
 * Makes `c` on `fs` under `root`, as transfers.py makes it on fsspec. `overSource`: omnifs
 * refused a copy that writes over a file it also reads (fsspec copies one file at a time,
 * in the order of its names, and the order decides what the target holds), and `same`
 * whether the tree was then left as it was.
 */
async function outcome(
  fs: FileSystem,
  root: string,
  c: Case,
): Promise<{ got: Outcome; overSource?: { unchanged: boolean } }> {
  const at = (p: string): string => `${root}/${p}`;
  const src = typeof c.path === 'string' ? at(c.path) : c.path.map(at);
  const options = { recursive: c.recursive, ...(c.maxdepth === undefined ? {} : { maxDepth: c.maxdepth }) };
  if (c.maketarget === true) await fs.makedirs(at(c.dst!.replace(/\/$/, '')), { existOk: true });
  const before = await state(fs, root);
  try {
    if (c.call === 'rm') await fs.rm(src, options);
    else await fs[c.call](src, at(c.dst!), options);
    return { got: { ok: null, after: await state(fs, root) } };
  } catch (err) {
    const got = { error: exceptionOf(err), after: await state(fs, root) };
    if (err instanceof FsError && err.kind === 'InvalidArgument' && err.message.includes(', itself copied to '))
      return { got, overSource: { unchanged: same(got.after, before) } };
    return { got };
  }
}

describe('fsspec as the oracle: cp, mv and rm on random trees', function () {
  this.timeout(300_000);
  let cases: Case[] = [];
  let version = '';

  before(async function () {
    ({ cases, version } = await askFsspec<Case>(this, 'transfers.py', ['0', String(SEEDS)]));
  });

  it(`asks ${FSSPEC} what its memory and local filesystems do`, () => {
    expect(version).to.equal(FSSPEC.split('==')[1]);
    expect(cases).to.have.length(SEEDS * CALLS);
    const compared = cases.filter((c) => same(c.memory, c.local) && deliberate(c) === undefined);
    // Most cases are compared, and they reach what is worth comparing: each call changing
    // the tree, failing, and with lists, globs, maxDepth and trailing slashes.
    expect(compared.length).to.be.above(cases.length * 0.6);
    for (const call of ['cp', 'mv', 'rm']) {
      const these = compared.filter((c) => c.call === call);
      expect(these.filter((c) => c.memory.error === undefined).length, call).to.be.above(60);
      expect(these.filter((c) => c.memory.error !== undefined).length, call).to.be.above(20);
    }
    expect(compared.filter((c) => Array.isArray(c.path)).length).to.be.above(20);
    expect(compared.filter((c) => c.maxdepth !== undefined && c.memory.error === undefined).length).to.be.above(50);
    expect(compared.filter((c) => c.dst?.endsWith('/') === true && c.memory.error === undefined).length).to.be.above(
      50,
    );
  });

  for (const protocol of ['memory', 'file']) {
    it(`omnifs ${protocol} ends every call as fsspec does`, async () => {
      const fs = filesystem(protocol);
      const differ: unknown[] = [];
      let refused = 0;
      for (const c of cases) {
        if (!same(c.memory, c.local) || deliberate(c) !== undefined) continue;
        const { root, drop } = await makeTree(protocol, fs, c);
        const { got, overSource } = await outcome(fs, root, c);
        await drop();
        if (overSource?.unchanged === true) refused++;
        if (overSource?.unchanged === true || same(got, c.memory)) continue;
        const { memory: want, local: _local, files: _files, dirs: _dirs, ...call } = c;
        const after = (o: Outcome): string[] | null => o.after?.filter((e) => !(got.after ?? []).includes(e)) ?? null;
        differ.push({
          ...call,
          fsspec: want.error ?? 'ok',
          omnifs: got.error ?? 'ok',
          onlyFsspec: after(want),
          onlyOmnifs: got.after?.filter((e) => !(want.after ?? []).includes(e)) ?? null,
        });
      }
      expect(differ).to.deep.equal([]);
      // A copy over its own source is refused (a deliberate difference) in a few cases only.
      expect(refused).to.be.below(20);
    });
  }
});
