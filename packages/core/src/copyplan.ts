/**
 * Planning cp / put / get / mv over many paths by fsspec's copy rules
 * (docs/source/copying.rst): trailing slashes, existing vs new targets, globs, lists,
 * `recursive` and `maxDepth`. The plan is a list of steps; transfer.ts carries them out.
 */
import { errors, FsError } from './errors';
import { hasMagic } from './glob';
import { baseName, hasTrailingSlash, joinPath, parentPath, relativeTo } from './paths';
import { checkTargetPath } from './args';
import { infoOrUndefined } from './listing';
import type { FileSystem } from './filesystem';
import type { CopyOptions, FileInfo } from './types';

/** Copy options plus `move`, which removes the sources once everything is copied. */
export interface TransferPlanOptions extends CopyOptions {
  move?: boolean;
}

/** One planned copy: a file to a file, or a directory to create. */
export interface Step {
  src: FileInfo;
  dst: string;
  /**
   * A source directory within the `maxDepth` of a move: created nowhere (a depth-limited
   * copy makes no directory of its own), removed after the copies if it is then empty.
   */
  removeOnly?: true;
}

/** `NotFound` for a missing source, left without an operation so the caller's (`cp`, `rm`) is named. */
function missing(fs: FileSystem, path: string): FsError {
  const err = errors.notFound(path);
  err.protocol = fs.protocol;
  return err;
}

/** Throws {@link missing}. */
export function throwMissing(fs: FileSystem, path: string): never {
  throw missing(fs, path);
}

/** Checks `maxDepth` and `batchSize`. */
export function checkOptions(options: CopyOptions): void {
  const { maxDepth, batchSize } = options;
  if (maxDepth !== undefined && (!Number.isInteger(maxDepth) || maxDepth < 1))
    throw errors.invalid(`maxDepth must be an integer >= 1, got ${String(maxDepth)}`);
  if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1))
    throw errors.invalid(`batchSize must be an integer >= 1, got ${String(batchSize)}`);
}

/**
 * Entries below a directory, each mapped under `dstRoot`. Directories (the top one
 * included) are created only without `maxDepth`: a depth-limited copy creates no
 * directory of its own, as in fsspec, so none is left empty at the depth boundary. A
 * depth-limited move still plans them, {@link Step.removeOnly}, as `rm` with the same
 * depth would remove them.
 */
async function treeSteps(fs: FileSystem, dir: string, dstRoot: string, options: TransferPlanOptions): Promise<Step[]> {
  const { maxDepth } = options;
  const limited = maxDepth !== undefined;
  const withDirs = !limited || options.move === true;
  const entries = await fs.find(dir, { withDirs, detail: true, ...(limited ? { maxDepth } : {}) });
  return entries.map((e) => ({
    src: e,
    dst: joinPath(dstRoot, relativeTo(e.name, dir)),
    ...(limited && e.type === 'directory' ? { removeOnly: true as const } : {}),
  }));
}

/**
 * True when `path`, a file, is also a directory: on an object store, where keys below
 * `path/` may sit beside the object `path`. Never on backends with real directories.
 */
export async function sharesNameWithDir(fs: FileSystem, path: string): Promise<boolean> {
  return !fs.capabilities.realDirectories && (await fs.isDir(path));
}

/** The longest run of whole leading segments that `paths` share (`/` or `''` at least). */
function commonPrefix(paths: readonly string[]): string {
  const parts = paths.map((p) => p.split('/'));
  const first = parts[0]!;
  const shortest = Math.min(...parts.map((p) => p.length));
  let i = 0;
  while (i < shortest && parts.every((p) => p[i] === first[i])) i++;
  const prefix = first.slice(0, i).join('/');
  return prefix === '' && paths[0]!.startsWith('/') ? '/' : prefix;
}

/** The steps of one source, and whether it named anything (a glob may match nothing). */
interface SourcePlan {
  steps: Step[];
  matched: boolean;
}

/**
 * Plans a glob source as fsspec does: the matches count as the first level of `maxDepth`;
 * with `recursive`, everything below the matched directories joins them, one level less
 * deep. Without `recursive`, or with `maxDepth`, directories are dropped (a depth-limited
 * move keeps them, {@link Step.removeOnly}, to remove once emptied); what is left
 * keeps its path relative to the common prefix of all of it, so `src/subdir[1-2]` copies
 * the contents of the one matching directory and a single file lands directly in the
 * target.
 */
async function planGlob(
  srcFs: FileSystem,
  src: string,
  dst: string,
  options: TransferPlanOptions,
): Promise<SourcePlan> {
  const { maxDepth } = options;
  const recursive = options.recursive === true;
  const matches = await srcFs.glob(src, { detail: true, ...(maxDepth === undefined ? {} : { maxDepth }) });
  // Keyed by type and name: an object store's name can match as a file and as a directory.
  const expanded = new Map<string, FileInfo>();
  const left = maxDepth === undefined ? undefined : maxDepth - 1;
  for (const m of matches) {
    expanded.set(`${m.type}\0${m.name}`, m);
    if (m.type !== 'directory' || !recursive || (left !== undefined && left < 1)) continue;
    for (const e of await srcFs.find(m.name, {
      withDirs: true,
      detail: true,
      ...(left === undefined ? {} : { maxDepth: left }),
    }))
      expanded.set(`${e.type}\0${e.name}`, e);
  }
  const kept = [...expanded.values()].filter((e) => e.type === 'file' || (recursive && maxDepth === undefined));
  // A depth-limited recursive move removes the directories it reached once they are empty.
  const emptied =
    recursive && maxDepth !== undefined && options.move === true
      ? [...expanded.values()].filter((e) => e.type === 'directory')
      : [];
  const names = kept.map((e) => e.name);
  if (names.length === 0)
    return { steps: emptied.map((e) => ({ src: e, dst, removeOnly: true as const })), matched: matches.length > 0 };
  const prefix = names.length === 1 ? parentPath(names[0]!, srcFs.rootMarker) : commonPrefix(names);
  const at = (e: FileInfo): string => joinPath(dst, relativeTo(e.name, prefix));
  return {
    steps: [
      ...kept.map((e) => ({ src: e, dst: at(e) })),
      ...emptied.map((e) => ({ src: e, dst: at(e), removeOnly: true as const })),
    ],
    matched: true,
  };
}

/**
 * Plans a single source (a path or a glob) into a destination. `dstIsDir` is true for the
 * items of a list copied into one target: each lands in it as in an existing directory
 * (a directory named without a trailing slash under its own name), whether the target
 * exists or not; false for a list of destinations, each the exact target.
 */
async function planOne(
  srcFs: FileSystem,
  rawSrc: string,
  dstFs: FileSystem,
  rawDst: string,
  options: TransferPlanOptions,
  dstIsDir: boolean | undefined,
): Promise<SourcePlan> {
  const src = srcFs.normalize(rawSrc);
  const dst = dstFs.normalize(checkTargetPath(rawDst));
  if (hasMagic(src)) return planGlob(srcFs, src, dst, options);
  const recursive = options.recursive === true;
  const info = await infoOrUndefined(srcFs, src);
  if (info === undefined) throw missing(srcFs, src);
  // On an object store a name can be a file and a directory at once (keys `x` and `x/...`):
  // with `recursive` both are copied (`x/` names the directory alone), as `rm -r` removes both.
  const alsoDir = info.type === 'file' && recursive && (await sharesNameWithDir(srcFs, src));
  if (info.type === 'file' && !(alsoDir && hasTrailingSlash(rawSrc))) {
    const dstDir = dstIsDir ?? (hasTrailingSlash(rawDst) || (await dstFs.isDir(dst)));
    const file: Step = { src: info, dst: dstDir ? joinPath(dst, baseName(src)) : dst };
    if (!alsoDir) return { steps: [file], matched: true };
    return { steps: [file, ...(await treeSteps(srcFs, src, file.dst, options))], matched: true };
  }
  if (!recursive) return { steps: [], matched: true };
  let dstDir = dstIsDir;
  if (dstDir === undefined && hasTrailingSlash(rawDst) && dstFs.capabilities.realDirectories) {
    // `f/` names a directory: a file there is a path through a file, as for a file copied to it.
    const target = await infoOrUndefined(dstFs, dst);
    if (target?.type === 'file') {
      const err = errors.notADirectory(dst);
      err.protocol = dstFs.protocol;
      throw err;
    }
    dstDir = target !== undefined;
  }
  const intoExisting = !hasTrailingSlash(rawSrc) && (dstDir ?? (await dstFs.isDir(dst)));
  const root = intoExisting ? joinPath(dst, baseName(src)) : dst;
  return { steps: await treeSteps(srcFs, src, root, options), matched: true };
}

/**
 * Refuses a plan that writes two sources to one file, or, where the target has real
 * directories, a file where another goes below it (an object store holds `x` and `x/y`).
 */
function checkCollisions(steps: readonly Step[], realDirectories: boolean): void {
  const files = new Map<string, string>();
  for (const s of steps) {
    if (s.src.type !== 'file') continue;
    const other = files.get(s.dst);
    if (other !== undefined) throw errors.invalid(`${other} and ${s.src.name} would both be copied to ${s.dst}`, s.dst);
    files.set(s.dst, s.src.name);
  }
  if (!realDirectories) return;
  for (const s of steps) {
    let d = s.dst;
    for (let i = d.lastIndexOf('/'); i > 0; i = d.lastIndexOf('/')) {
      d = d.slice(0, i);
      const file = files.get(d);
      if (file === undefined) continue;
      if (s.src.name.startsWith(`${file}/`))
        throw errors.invalid(
          `${file} is a file and a directory at once, which ${d} cannot be: copy ${file}/ for the directory, or without recursive for the file`,
          s.dst,
        );
      throw errors.invalid(`${s.src.name} would be copied below ${d}, where ${file} is copied`, s.dst);
    }
  }
}

/**
 * Refuses, before anything is copied, a listed source that no path names: an object key
 * with an empty, `.` or `..` segment (`a//b`, `a/./b`, `x/../b`) or a marker holding bytes
 * (`a/`), written by another tool,
 * which a path reads as another key (`a/b`, `b`); object stores refuse such a name outright
 * (the copy would otherwise fail part-way, with what came before it already copied).
 */
function checkNamed(srcFs: FileSystem, steps: readonly Step[]): void {
  for (const s of steps) {
    if (srcFs.normalize(s.src.name) === s.src.name) continue;
    throw errors.invalid(
      `${s.src.name} cannot be read: no path names a key with an empty, "." or ".." segment, or one ending in "/" (copy it with another tool, or rename it)`,
      s.src.name,
    );
  }
}

/**
 * The steps of every source, each once (a list may name a file twice, or two of its globs
 * match one); `NotFound` when the sources, globs all, match nothing.
 */
function joinPlans(
  srcFs: FileSystem,
  sources: readonly string[],
  plans: readonly SourcePlan[],
  dstFs: FileSystem,
): Step[] {
  if (plans.length > 0 && plans.every((p) => !p.matched)) throw missing(srcFs, srcFs.normalize(sources[0]!));
  const steps = new Map<string, Step>();
  for (const s of plans.flatMap((p) => p.steps)) {
    const key = `${s.src.name}\0${s.dst}`;
    if (!steps.has(key)) steps.set(key, s);
  }
  const once = [...steps.values()];
  checkCollisions(once, dstFs.capabilities.realDirectories);
  checkNamed(srcFs, once);
  return once;
}

/**
 * The steps {@link copyFiles} takes to copy `src` to `dst` (fsspec's rules), those whose
 * source is its own target included: the copy drops them, a caller may say so first.
 */
export async function planCopy(
  srcFs: FileSystem,
  src: string | string[],
  dstFs: FileSystem,
  dst: string | string[],
  options: TransferPlanOptions,
): Promise<Step[]> {
  if (typeof src === 'string') {
    if (typeof dst !== 'string') throw errors.invalid('a single source needs a single destination');
    return joinPlans(srcFs, [src], [await planOne(srcFs, src, dstFs, dst, options, undefined)], dstFs);
  }
  if (!Array.isArray(src)) throw errors.invalid(`source must be a path or a list of paths, got ${typeof src}`);
  if (src.length === 0) throw errors.emptyList();
  if (Array.isArray(dst)) {
    if (dst.length !== src.length) throw errors.invalid(`${src.length} sources but ${dst.length} destinations`);
    const pairs = await Promise.all(src.map((s, i) => planOne(srcFs, s, dstFs, dst[i]!, options, false)));
    return joinPlans(srcFs, src, pairs, dstFs);
  }
  if (typeof dst !== 'string') throw errors.invalid('destination must be a path or a list of paths');
  return joinPlans(srcFs, src, await Promise.all(src.map((s) => planOne(srcFs, s, dstFs, dst, options, true))), dstFs);
}
