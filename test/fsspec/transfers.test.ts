/**
 * fsspec as the oracle for cp, mv, rm, put and get: random trees and calls (globs,
 * trailing slashes, existing and new targets, `recursive`, `maxDepth`, lists of files)
 * made by fsspec's memory and local filesystems (transfers.py, in a venv holding FSSPEC).
 * cp, mv and rm: where the two agree, omnifs' memory and local filesystems must end with
 * the same tree and fail with the same kind of error; where they do not, fsspec has no one
 * answer, and the case is left out. put (local to memory) and get (memory to local): what
 * fsspec wrote, omnifs must write; where fsspec fails, omnifs must fail for the same
 * reason. Left out as well: the cases of the rules omnifs keeps on purpose (the table of
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
  call: 'cp' | 'mv' | 'rm' | 'put' | 'get';
  path: string | string[];
  dst?: string;
  maketarget?: boolean;
  recursive: boolean;
  maxdepth?: number;
  /** cp, mv and rm on each of fsspec's filesystems. */
  memory?: Outcome;
  local?: Outcome;
  /** put or get between them. */
  fsspec?: Outcome;
}

const within = (c: Case): boolean => c.call === 'cp' || c.call === 'mv' || c.call === 'rm';

/**
 * Why a call failed: a missing source, or a target in the way (a file where a directory
 * goes, or the reverse; fsspec answers `FileExistsError` where it makes the directory
 * first and `NotADirectoryError` where it opens the file first); else the exception.
 */
const reason = (exception: string): string =>
  ({
    FileNotFoundError: 'missing',
    FileExistsError: 'in the way',
    NotADirectoryError: 'in the way',
    IsADirectoryError: 'in the way',
  })[exception] ?? exception;

/** Whether a tree holds a file and something below it: the memory filesystem's own (fsspec's memory writes below a file). */
function belowAFile(after: string[] | null): boolean {
  const entries = (after ?? []).map((e) =>
    e.includes('=') ? { path: e.slice(0, e.indexOf('=')), file: true } : { path: e.slice(0, -1), file: false },
  );
  const files = new Set(entries.filter((e) => e.file).map((e) => e.path));
  return entries.some(({ path }) =>
    path.split('/').some((_, i, parts) => i > 0 && files.has(parts.slice(0, i).join('/'))),
  );
}

/** The source of `c` is one path that names nothing in its tree. */
function missingSource(c: Case): boolean {
  if (typeof c.path !== 'string' || /[*?[]/.test(c.path)) return false;
  const src = c.path.replace(/\/$/, '');
  return !c.files.includes(src) && !c.dirs.includes(src);
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * The deliberate difference `c` falls under, if one: a directory copied into a missing
 * target named with a trailing slash lands as the target itself (copying.rst 1f); a file
 * named with a trailing slash is copied as the file; a directory copied with `maxDepth`
 * lands as a directory even when its files within the depth are one file, or all in one
 * subdirectory (fsspec takes them relative to what they share).
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
  if (c.maxdepth === undefined) return undefined;
  const depth = src.split('/').length;
  const inDepth = c.files.filter((f) => f.startsWith(`${src}/`) && f.split('/').length - depth <= c.maxdepth!);
  if (inDepth.length === 1 || (inDepth.length > 1 && sharedDir(inDepth) !== src))
    return 'a directory whose files within maxDepth are one file, or in one subdirectory';
  return undefined;
}

/** The deepest directory holding every one of `files`. */
function sharedDir(files: readonly string[]): string {
  const parts = files.map((f) => f.split('/'));
  let i = 0;
  while (parts.every((p) => i < p.length - 1 && p[i] === parts[0]![i])) i++;
  return parts[0]!.slice(0, i).join('/');
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
 * in the order of its names, and the order decides what the target holds), and
 * `unchanged` whether the tree was then left as it was.
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

/** Makes `c` (put or get) between omnifs' memory and local filesystems; the tree written to. */
async function between(memory: FileSystem, local: FileSystem, c: Case): Promise<Outcome> {
  const inMemory = await makeTree('memory', memory, c);
  const onDisk = await makeTree('file', local, c);
  const at = (root: string, p: string | string[]): string | string[] =>
    typeof p === 'string' ? `${root}/${p}` : p.map((q) => `${root}/${q}`);
  const options = { recursive: c.recursive, ...(c.maxdepth === undefined ? {} : { maxDepth: c.maxdepth }) };
  const [src, dst] = c.call === 'put' ? [onDisk.root, inMemory.root] : [inMemory.root, onDisk.root];
  let answer: { ok?: null; error?: string };
  try {
    await memory[c.call as 'put' | 'get'](at(src, c.path), at(dst, c.dst!) as string, options);
    answer = { ok: null };
  } catch (err) {
    answer = { error: exceptionOf(err) };
  }
  const after = c.call === 'put' ? await state(memory, inMemory.root) : await state(local, onDisk.root);
  await inMemory.drop();
  await onDisk.drop();
  return { ...answer, after };
}

describe('fsspec as the oracle: cp, mv, rm, put and get on random trees', function () {
  this.timeout(300_000);
  let cases: Case[] = [];
  let version = '';

  before(async function () {
    ({ cases, version } = await askFsspec<Case>(this, 'transfers.py', ['0', String(SEEDS)]));
  });

  it(`asks ${FSSPEC} what its memory and local filesystems do`, () => {
    expect(version).to.equal(FSSPEC.split('==')[1]);
    expect(cases).to.have.length(SEEDS * CALLS);
    const compared = cases.filter((c) => within(c) && same(c.memory, c.local) && deliberate(c) === undefined);
    // Most cases are compared, and they reach what is worth comparing: each call changing
    // the tree, failing, and with lists, globs, maxDepth and trailing slashes.
    expect(compared.length).to.be.above(cases.filter(within).length * 0.6);
    for (const call of ['cp', 'mv', 'rm']) {
      const these = compared.filter((c) => c.call === call);
      expect(these.filter((c) => c.memory!.error === undefined).length, call).to.be.above(60);
      expect(these.filter((c) => c.memory!.error !== undefined).length, call).to.be.above(20);
    }
    expect(compared.filter((c) => Array.isArray(c.path)).length).to.be.above(20);
    expect(compared.filter((c) => c.maxdepth !== undefined && c.memory!.error === undefined).length).to.be.above(50);
    expect(compared.filter((c) => c.dst?.endsWith('/') === true && c.memory!.error === undefined).length).to.be.above(
      50,
    );
    const betweenTwo = cases.filter((c) => !within(c) && deliberate(c) === undefined && !belowAFile(c.fsspec!.after));
    for (const call of ['put', 'get']) {
      const these = betweenTwo.filter((c) => c.call === call);
      expect(these.filter((c) => c.fsspec!.error === undefined).length, call).to.be.above(40);
      expect(these.filter((c) => c.fsspec!.error !== undefined).length, call).to.be.above(20);
    }
  });

  for (const protocol of ['memory', 'file']) {
    it(`omnifs ${protocol} ends every call as fsspec does`, async () => {
      const fs = filesystem(protocol);
      const differ: unknown[] = [];
      let refused = 0;
      for (const c of cases) {
        if (!within(c) || !same(c.memory, c.local) || deliberate(c) !== undefined) continue;
        const { root, drop } = await makeTree(protocol, fs, c);
        const { got, overSource } = await outcome(fs, root, c);
        await drop();
        if (overSource?.unchanged === true) refused++;
        if (overSource?.unchanged === true || same(got, c.memory)) continue;
        differ.push(difference(c, c.memory!, got));
      }
      expect(differ).to.deep.equal([]);
      // A copy over its own source is refused (a deliberate difference) in a few cases only.
      expect(refused).to.be.below(20);
    });
  }

  it('omnifs put and get between its local and memory filesystems end as fsspec does', async () => {
    const memory = filesystem('memory');
    const local = filesystem('file');
    const differ: unknown[] = [];
    for (const c of cases) {
      if (within(c) || deliberate(c) !== undefined || belowAFile(c.fsspec!.after)) continue;
      const want = c.fsspec!;
      const got = await between(memory, local, c);
      const alike =
        want.error === undefined
          ? same(got, want)
          : got.error !== undefined &&
            (reason(got.error) === reason(want.error) || (missingSource(c) && reason(got.error) === 'missing'));
      if (!alike) differ.push(difference(c, want, got));
    }
    expect(differ).to.deep.equal([]);
  });
});

/** What a failing comparison shows of `c`: the call, each answer, and the entries only one tree holds. */
function difference(c: Case, want: Outcome, got: Outcome): unknown {
  const { memory: _m, local: _l, fsspec: _f, files: _files, dirs: _dirs, ...call } = c;
  const only = (a: Outcome, b: Outcome): string[] | null =>
    a.after?.filter((e) => !(b.after ?? []).includes(e)) ?? null;
  return {
    ...call,
    fsspec: want.error ?? 'ok',
    omnifs: got.error ?? 'ok',
    onlyFsspec: only(want, got),
    onlyOmnifs: only(got, want),
  };
}
