/** Listing derived from `_ls` (and `_find` where a backend lists flat): find, walk, glob. */
import { withSignal } from './timeouts';
import { errors, FsError, withContext } from './errors';
import { mapLimit } from './batch';
import { compileGlob, globBase, globDepth, hasMagic } from './glob';
import { baseName, depthBelow } from './paths';
import type { FileInfo, FindOptions } from './types';
import { isTemporaryName } from './debris';

/** One directory of a walk: its path and the names of its subdirectories and files. */
export interface WalkEntry {
  root: string;
  /** Names of the subdirectories; a top-down walk goes on into those still here, in this order. */
  dirs: string[];
  files: string[];
}

/**
 * What a walk does when a directory cannot be listed (fsspec's `on_error`): `'raise'`
 * fails the walk (the default), `'omit'` skips the directory, a function is called with
 * the error and the directory is skipped. A missing directory is skipped always, and an
 * abort always ends the walk.
 */
export type WalkOnError = 'raise' | 'omit' | ((err: FsError) => void);

/**
 * `err` (with the walk and the directory as its context) when the walk must fail with it;
 * undefined when `onError` takes it, and the directory is skipped.
 */
function walkFailure(err: unknown, onError: WalkOnError, protocol: string, dir: string): unknown {
  if (!(err instanceof FsError)) return err;
  const e = withContext(err, protocol, 'walk', dir);
  if (e.kind === 'Aborted' || onError === 'raise') return e;
  if (typeof onError === 'function') onError(e);
  return undefined;
}

/** What listing needs from a filesystem (public, already-normalised entry points). */
interface Listable {
  readonly protocol: string;
  readonly capabilities: { readonly realDirectories: boolean };
  info(path: string): Promise<FileInfo>;
  isDir(path: string): Promise<boolean>;
  lsInfo(path: string): Promise<FileInfo[]>;
}

const LIST_CONCURRENCY = 8;

/**
 * Where a listing starts: `info` of `path`, but a directory where an object store's name
 * is a file and a directory at once (keys `x` and `x/...`), whose entries are listed.
 */
async function listingTop(fs: Listable, path: string): Promise<FileInfo | undefined> {
  const top = await infoOrUndefined(fs, path);
  if (top?.type !== 'file' || fs.capabilities.realDirectories || !(await fs.isDir(path))) return top;
  return { name: top.name, type: 'directory', size: 0 };
}

export function checkDepth(maxDepth: number | undefined): void {
  if (maxDepth !== undefined && (!Number.isInteger(maxDepth) || maxDepth < 1)) {
    throw errors.invalid(`maxDepth must be an integer >= 1, got ${String(maxDepth)}`);
  }
}

/** `fs.info(path)`, or undefined when the path does not exist. */
export async function infoOrUndefined(fs: Pick<Listable, 'info'>, path: string): Promise<FileInfo | undefined> {
  try {
    return await fs.info(path);
  } catch (err) {
    if (err instanceof FsError && err.kind === 'NotFound') return undefined;
    throw err;
  }
}

const byName = (a: FileInfo, b: FileInfo): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** The real paths of the directories a walk is in, innermost first (links resolved, where there are any). */
interface Trail {
  real: string;
  up: Trail | undefined;
}

/** The trail into `entry`, a directory listed in the directory of `trail`. */
function into(trail: Trail, entry: FileInfo): Trail {
  const real = entry.realPath ?? `${trail.real.endsWith('/') ? trail.real : `${trail.real}/`}${baseName(entry.name)}`;
  return { real, up: trail };
}

/** `path` without trailing slashes. */
const trimmed = (path: string): string => path.replace(/\/+$/, '');

/**
 * True when a directory entry listed in `dir` names `dir` itself: on an object store, the
 * empty name between the slashes of a key such as `a//b` (or one starting with `/`) lists
 * as `dir/`. Such keys are found by `find`; a walk cannot go into an empty name.
 */
function namesItsParent(entry: FileInfo, dir: string): boolean {
  return trimmed(entry.name) === trimmed(dir);
}

/**
 * True when `entry` is a symbolic link to a directory the walk is in, or to one above: a
 * walk that went into it would never end (`find -L` stops there too).
 */
function leadsBack(trail: Trail, entry: FileInfo): boolean {
  if (entry.islink !== true || entry.realPath === undefined) return false;
  const real = entry.realPath;
  const above = real.endsWith('/') ? real : `${real}/`;
  for (let t: Trail | undefined = trail; t !== undefined; t = t.up) {
    if (t.real === real || t.real.startsWith(above)) return true;
  }
  return false;
}

/**
 * Every entry below `path`, sorted by name.
 *
 * Behaviour: a missing path gives `[]`; a file gives itself; `withDirs` includes the
 * directories, `path` itself among them; `maxDepth: 1` stops at direct children.
 */
export async function findEntries(
  fs: Listable,
  path: string,
  options: FindOptions,
  flatFind?: (path: string, withDirs: boolean) => Promise<FileInfo[]>,
): Promise<FileInfo[]> {
  checkDepth(options.maxDepth);
  const withDirs = options.withDirs === true;
  if (flatFind !== undefined && options.maxDepth === undefined) {
    // Temporary files of writes under way are left out, as `ls` leaves them out.
    const entries = (await flatFind(path, withDirs)).filter((e) => !isTemporaryName(e.name));
    if (entries.length > 0) return entries.sort(byName);
  }
  const top = await listingTop(fs, path);
  if (top === undefined) return [];
  if (top.type === 'file') return [top];
  const out: FileInfo[] = withDirs && path !== '' && path !== '/' ? [top] : [];
  let level: Array<{ dir: string; trail: Trail }> = [
    { dir: path, trail: { real: top.realPath ?? path, up: undefined } },
  ];
  for (let depth = 1; level.length > 0; depth++) {
    const listings = await mapLimit(level, LIST_CONCURRENCY, ({ dir }) =>
      fs.lsInfo(dir).catch((err: unknown) => {
        if (err instanceof FsError && err.kind === 'NotFound') return [] as FileInfo[];
        throw err;
      }),
    );
    const next: typeof level = [];
    listings.forEach((entries, i) => {
      const { dir, trail } = level[i]!;
      for (const e of entries) {
        if (e.type === 'directory') {
          if (namesItsParent(e, dir)) continue;
          if (withDirs) out.push(e);
          const deeper = options.maxDepth === undefined || depth < options.maxDepth;
          if (deeper && !leadsBack(trail, e)) next.push({ dir: e.name, trail: into(trail, e) });
        } else {
          out.push(e);
        }
      }
    });
    level = next;
  }
  return out.sort(byName);
}

/**
 * Walks depth first, as `os.walk` and fsspec do: each directory, then the walk of each of
 * its subdirectories in turn, in the order of its `dirs`; top-down, a caller that removes
 * names from `dirs` (or reorders them) before going on prunes (or orders) the walk;
 * bottom-up, each directory comes after everything below it.
 */
export async function* walkEntries(
  fs: Listable,
  path: string,
  maxDepth?: number,
  topDown = true,
  signal?: AbortSignal,
  onError: WalkOnError = 'raise',
): AsyncGenerator<WalkEntry> {
  checkDepth(maxDepth);
  let top: FileInfo | undefined;
  try {
    top = await withSignal(signal, () => listingTop(fs, path));
  } catch (err) {
    const failure = walkFailure(err, onError, fs.protocol, path);
    if (failure !== undefined) throw failure;
    return;
  }
  if (top === undefined || top.type !== 'directory') return;
  const walk = { topDown, signal, onError };
  yield* walkFrom(fs, path, { real: top.realPath ?? path, up: undefined }, maxDepth, walk);
}

/** The walk below `dir` (its `trail`), `levels` deep (undefined: all of it); no link that leads back is gone into. */
async function* walkFrom(
  fs: Listable,
  dir: string,
  trail: Trail,
  levels: number | undefined,
  walk: { topDown: boolean; signal: AbortSignal | undefined; onError: WalkOnError },
): AsyncGenerator<WalkEntry> {
  const { topDown, signal } = walk;
  let entries: FileInfo[];
  try {
    entries = await withSignal(signal, () => fs.lsInfo(dir));
  } catch (err) {
    if (err instanceof FsError && err.kind === 'NotFound') return;
    const failure = walkFailure(err, walk.onError, fs.protocol, dir);
    if (failure !== undefined) throw failure;
    return;
  }
  const below = new Map(
    entries.filter((e) => e.type === 'directory' && !namesItsParent(e, dir)).map((e) => [baseName(e.name), e]),
  );
  const entry: WalkEntry = {
    root: dir,
    dirs: [...below.keys()],
    files: entries.filter((e) => e.type === 'file').map((e) => baseName(e.name)),
  };
  if (topDown) yield entry;
  if (levels === undefined || levels > 1)
    for (const name of entry.dirs) {
      const sub = below.get(name);
      if (sub !== undefined && !leadsBack(trail, sub))
        yield* walkFrom(fs, sub.name, into(trail, sub), levels === undefined ? undefined : levels - 1, walk);
    }
  if (!topDown) yield entry;
}

/**
 * Entries matching a normalised glob pattern, sorted by name, as fsspec's `glob`:
 * `dirsOnly` (the pattern was written with a trailing slash) keeps directories only;
 * a pattern ending in `/**` (or with `dirsOnly`) also matches the directory it starts
 * from (`a/**` gives `a` and everything below); `maxDepth` limits `**` only.
 */
export async function globEntries(
  fs: Listable,
  pattern: string,
  maxDepth?: number,
  dirsOnly = false,
): Promise<FileInfo[]> {
  checkDepth(maxDepth);
  if (!hasMagic(pattern)) {
    const info = dirsOnly ? await listingTop(fs, pattern) : await infoOrUndefined(fs, pattern);
    return info === undefined || (dirsOnly && info.type !== 'directory') ? [] : [info];
  }
  const matcher = compileGlob(dirsOnly ? `${pattern}/` : pattern);
  const base = globBase(pattern);
  const depth = globDepth(pattern, maxDepth);
  const entries = await findEntries(fs, base, { withDirs: true, ...(depth === Infinity ? {} : { maxDepth: depth }) });
  const slashDirs = dirsOnly || pattern.endsWith('/**');
  return entries.filter((e) => {
    if (dirsOnly && e.type !== 'directory') return false;
    if (depth !== Infinity && depthBelow(e.name, base) > depth) return false;
    return matcher.test(slashDirs && e.type === 'directory' ? `${e.name}/` : e.name);
  });
}

/**
 * The paths of a list with its globs expanded, as fsspec's `expand_path` without
 * `recursive`: names without glob characters stay as given; `NotFound` when the globs
 * match nothing and nothing else is named.
 */
export async function expandPaths(fs: Listable, paths: readonly string[]): Promise<string[]> {
  if (paths.length === 0) throw errors.emptyList();
  const out = new Set<string>();
  for (const p of paths) {
    if (!hasMagic(p)) out.add(p);
    else for (const e of await globEntries(fs, p)) out.add(e.name);
  }
  if (out.size === 0 && paths.length > 0) throw errors.notFound(paths[0]);
  return [...out];
}
