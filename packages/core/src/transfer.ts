/**
 * cp / put / get / mv / rm over many paths, following fsspec's copy rules
 * (docs/source/copying.rst): trailing slashes, existing vs new targets, globs, lists,
 * `recursive` and `maxDepth`.
 */
import { errors, FsError, withContext } from './errors';
import { mapLimit, defaultBatchSize, ProgressTracker, throwIfAborted } from './batch';
import { hasMagic } from './glob';
import { baseName, hasTrailingSlash, isUnder, joinPath, parentPath, relativeTo } from './paths';
import { checkOnError, checkTargetPath, pinTo } from './args';
import { DEFAULT_PART_SIZE, isFillable, pump, pumpInto, type ReaderInto } from './writer';
import { outsideSignal } from './timeouts';
import { infoOrUndefined } from './listing';
import { copiesInParts, copyInParts, partsBuffered } from './parts';
import type { FileSystem } from './filesystem';
import type { CopyOptions, FileInfo, RmOptions } from './types';

/** Copy options plus `move`, which removes the sources once everything is copied. */
export interface TransferPlanOptions extends CopyOptions {
  move?: boolean;
}

/**
 * Most bytes the files of one many-path transfer hold in memory at once: a file counts
 * what its writer may buffer (the whole of a small file, up to `partSize x (concurrency
 * + 1)` of a large one; a copy in parts, two windows for each range read at once), so a
 * batch of large files runs fewer at a time than `batchSize`.
 */
export const BATCH_MEMORY_BYTES = 256 * 1024 * 1024;

/** The bytes copying `step` to `dstFs` may buffer. */
function bufferedBy(srcFs: FileSystem, dstFs: FileSystem, step: Step): number {
  if (step.src.type === 'file' && copiesInParts(srcFs, step.src, dstFs)) return partsBuffered(srcFs, step.src);
  const { partSize = DEFAULT_PART_SIZE, concurrency = 1 } = dstFs.capabilities;
  return Math.min(step.src.size, partSize * (concurrency + 1));
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

function throwMissing(fs: FileSystem, path: string): never {
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

/** Copies one planned file, server-side when both ends are the same filesystem. */
async function copyOne(
  srcFs: FileSystem,
  step: Step,
  dstFs: FileSystem,
  options: CopyOptions,
  progress: ProgressTracker,
): Promise<void> {
  throwIfAborted(options.signal);
  if (srcFs === dstFs) {
    let last = 0;
    await dstFs.copyFile(step.src.name, step.dst, {
      source: step.src,
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: (p) => {
        progress.addBytes(p.bytes - last);
        last = p.bytes;
      },
    });
    progress.addBytes(step.src.size - last);
    return;
  }
  if (copiesInParts(srcFs, step.src, dstFs)) {
    await copyInParts(srcFs, step.src, dstFs, step.dst, options.signal, progress);
    return;
  }
  const signal = options.signal ? { signal: options.signal } : {};
  const writer = await dstFs.openWriter(step.dst, signal);
  // A file from local disk larger than the writer's threshold (one part by default) is read
  // straight into the writer's buffers.
  if (isFillable(writer) && step.src.size > (writer.fillsFrom ?? dstFs.capabilities.partSize ?? DEFAULT_PART_SIZE)) {
    let reader: ReaderInto | undefined;
    try {
      reader = await srcFs.openReaderInto(step.src.name, signal);
    } catch (err) {
      await outsideSignal(() => writer.abort(err)).catch(() => undefined);
      throw err;
    }
    if (reader !== undefined) {
      await pumpInto(reader, writer, { ...signal, progress });
      return;
    }
  }
  // Pinned to the version planned, so a resumed read cannot join two versions.
  const chunks = srcFs.readChunks(step.src.name, { ...signal, ...pinTo(step.src) });
  await pump(chunks, writer, { ...signal, progress });
}

/**
 * Copies `src` on `srcFs` to `dst` on `dstFs` (the two may be the same filesystem).
 *
 * Behaviour: directories are copied only with `recursive`; a trailing slash on the source
 * copies its contents, none copies the directory itself into an existing target; globs
 * and lists land in the target directory; up to `batchSize` files move at once; progress
 * counts bytes and files; `signal` aborts, leaving no partial file under a final name. A
 * source file gone by the time it is copied is skipped by default with `recursive` and
 * without `move`, and fails the copy otherwise, as fsspec's `copy` (`onError`); a source
 * directory gone by then, its files skipped, leaves no directory at the target.
 */
export async function copyFiles(
  srcFs: FileSystem,
  src: string | string[],
  dstFs: FileSystem,
  dst: string | string[],
  options: TransferPlanOptions,
): Promise<void> {
  checkOptions(options);
  checkOnError(options.onError);
  throwIfAborted(options.signal);
  const onError = options.onError ?? (options.recursive === true && options.move !== true ? 'omit' : 'raise');
  const steps = await planCopy(srcFs, src, dstFs, dst, options);
  await copySteps(srcFs, inOneStore(srcFs, dstFs, steps, options.move === true), dstFs, { ...options, onError });
}

/**
 * What copying `step` failed with: `err`, or, when its source file is gone since the
 * listing, a `NotFound` (`gone`). A read pinned to the listed version answers a deleted
 * file with `ConditionNotMatch` on some stores (Azurite's 412); that becomes `NotFound`
 * too. A `NotFound` while the source is still there (a missing bucket on the target side)
 * is not the source gone.
 */
async function failureOf(
  srcFs: FileSystem,
  step: Step,
  err: unknown,
  signal: AbortSignal | undefined,
): Promise<{ err: unknown; gone: boolean }> {
  if (!(err instanceof FsError) || (err.kind !== 'NotFound' && err.kind !== 'ConditionNotMatch'))
    return { err, gone: false };
  const there = await srcFs.isFile(step.src.name, signal ? { signal } : {}).catch(() => true);
  if (there) return { err, gone: false };
  if (err.kind === 'NotFound') return { err, gone: true };
  const notFound = withContext(errors.notFound(step.src.name, err), srcFs.protocol, err.operation ?? 'read');
  return { err: notFound, gone: true };
}

/**
 * Copies one planned file; false when its source file is gone since the listing and
 * `onError` skips it (a function is called with the `NotFound` first, and fails the copy
 * if it throws).
 */
async function copyOrSkip(
  srcFs: FileSystem,
  step: Step,
  dstFs: FileSystem,
  options: CopyOptions,
  progress: ProgressTracker,
): Promise<boolean> {
  try {
    await copyOne(srcFs, step, dstFs, options, progress);
    return true;
  } catch (caught) {
    const { err, gone } = await failureOf(srcFs, step, caught, options.signal);
    const onError = options.onError ?? 'raise';
    if (!gone || onError === 'raise') throw err;
    if (typeof onError === 'function') onError(err as FsError);
    return false;
  }
}

/**
 * The steps less those whose source is its own target (a glob or a list naming files in
 * the target: nothing to copy, and a move must not then remove them). Refused before
 * anything is copied: a step that would write over another step's source (which it may
 * read before or after), and a move that would put a directory inside itself.
 */
function inOneStore(srcFs: FileSystem, dstFs: FileSystem, planned: readonly Step[], move: boolean): Step[] {
  const steps = planned.filter((s) => !s.removeOnly);
  const first = steps[0];
  if (first === undefined || srcFs.locate(first.src.name).fs !== dstFs.locate(first.dst).fs) return [...planned];
  const removed = planned.filter((s) => s.removeOnly);
  const at = steps.map((s) => ({ step: s, src: srcFs.locate(s.src.name), dst: dstFs.locate(s.dst) }));
  const kept = at.filter((a) => a.src.path !== a.dst.path);
  const files = new Map(kept.filter((a) => a.step.src.type === 'file').map((a) => [a.src.path, a.step]));
  const dirs = new Set(move ? kept.filter((a) => a.step.src.type === 'directory').map((a) => a.src.path) : []);
  /** The moved directory that holds `path` (or is it), if one does. */
  const movedAbove = (path: string): string | undefined => {
    for (let p = path, up = ''; p !== up; up = p, p = parentPath(p, at[0]!.dst.fs.rootMarker))
      if (dirs.has(p)) return p;
    return undefined;
  };
  for (const { step, dst } of kept) {
    const over = step.src.type === 'file' ? files.get(dst.path) : undefined;
    if (over !== undefined)
      throw errors.invalid(
        `${step.src.name} would be copied onto ${over.src.name}, itself copied to ${over.dst}`,
        step.dst,
      );
    const into = dirs.size === 0 ? undefined : movedAbove(dst.path);
    if (into !== undefined) throw errors.invalid('cannot move a directory into itself', into);
  }
  return [...kept.map((a) => a.step), ...removed];
}

/**
 * The planned directories the target lacks, where it has real ones, after refusing a file
 * where one goes (`AlreadyExists` from `makedirs`) before anything is copied. A file copied
 * below one makes it; {@link finishDirs} sees to the others once the files are copied.
 */
async function missingDirs(dstFs: FileSystem, steps: readonly Step[]): Promise<Step[]> {
  if (!dstFs.capabilities.realDirectories) return [];
  const dirs = new Map<string, Step>();
  for (const s of steps) if (s.src.type === 'directory' && !s.removeOnly && !dirs.has(s.dst)) dirs.set(s.dst, s);
  const missing: Step[] = [];
  for (const d of [...dirs.values()].sort((a, b) => (a.dst < b.dst ? -1 : 1))) {
    const there = await infoOrUndefined(dstFs, d.dst);
    if (there === undefined) missing.push(d);
    else if (there.type !== 'directory') await dstFs.makedirs(d.dst, { existOk: true });
  }
  return missing;
}

/**
 * The directories of `missing` into which no file was copied (an empty source directory,
 * or one whose files were all skipped as gone), deepest first: made where the source still
 * has the directory; where it is gone, nothing is left of it at the target, as in fsspec
 * (what the writes of its skipped files made is removed, if still empty). The source is
 * looked at only for these.
 */
async function finishDirs(
  srcFs: FileSystem,
  dstFs: FileSystem,
  missing: readonly Step[],
  copied: readonly Step[],
  signal: AbortSignal | undefined,
): Promise<void> {
  if (missing.length === 0) return;
  const made = new Set<string>();
  const madeUpTo = (path: string): void => {
    for (let d = path, up = ''; d !== up && !made.has(d); up = d, d = parentPath(d, dstFs.rootMarker)) made.add(d);
  };
  for (const f of copied) madeUpTo(parentPath(f.dst, dstFs.rootMarker));
  const depth = (s: Step): number => s.dst.split('/').length;
  const gone: string[] = [];
  for (const d of [...missing].sort((a, b) => depth(b) - depth(a))) {
    throwIfAborted(signal);
    if (made.has(d.dst)) continue;
    if (!(await srcFs.isDir(d.src.name, signal ? { signal } : {}))) {
      gone.push(d.dst);
      continue;
    }
    await dstFs.makedirs(d.dst, { existOk: true, ...(signal ? { signal } : {}) });
    madeUpTo(d.dst);
  }
  await removeDirs(dstFs, gone, signal, true);
}

/**
 * Carries out planned steps: up to `batchSize` files at once (fewer while their buffers
 * would pass {@link BATCH_MEMORY_BYTES}), with progress, then, where the target has real
 * directories, the planned directories no file was copied into; with `move`, removes the
 * sources after. A source file gone by the time it is copied fails the copy unless
 * `onError` (default `'raise'`) skips it; a skipped file is not counted in the progress's
 * `files`; a source directory gone by then is not made at the target.
 */
export async function copySteps(
  srcFs: FileSystem,
  steps: readonly Step[],
  dstFs: FileSystem,
  options: TransferPlanOptions,
): Promise<void> {
  const files = steps.filter((s) => s.src.type === 'file');
  const progress = new ProgressTracker(options.onProgress, {
    totalFiles: files.length,
    totalBytes: files.reduce((n, s) => n + s.src.size, 0),
  });
  const missing = await missingDirs(dstFs, steps);
  const skipped = new Set<Step>();
  await mapLimit(
    files,
    options.batchSize ?? defaultBatchSize(srcFs, dstFs),
    async (step) => {
      if (await copyOrSkip(srcFs, step, dstFs, options, progress)) progress.fileDone();
      else skipped.add(step);
    },
    options.signal,
    { bytes: BATCH_MEMORY_BYTES, weigh: (step) => bufferedBy(srcFs, dstFs, step) },
  );
  const copied = files.filter((f) => !skipped.has(f));
  await finishDirs(srcFs, dstFs, missing, copied, options.signal);
  if (options.move) {
    // The removal reports no progress of its own: the copy's figures are the move's.
    const { move: _move, onProgress: _progress, onError: _onError, ...removal } = options;
    await srcFs.rmFiles(
      copied.map((f) => f.src.name),
      removal,
    );
    const movedDirs = steps.filter((s) => s.src.type === 'directory').map((s) => s.src.name);
    await removeDirs(srcFs, movedDirs, options.signal, true);
  }
}

/** Removes directories deepest first; a missing one (an emptied prefix) is fine. */
export async function removeDirs(
  fs: FileSystem,
  dirs: Iterable<string>,
  signal: AbortSignal | undefined,
  keepNonEmpty: boolean,
): Promise<void> {
  const ordered = [...new Set(dirs)].sort((a, b) => b.split('/').length - a.split('/').length || (a < b ? 1 : -1));
  for (const d of ordered) {
    throwIfAborted(signal);
    // The root stays: `rm('/', { recursive: true })` empties it, as in fsspec.
    if (d === '/') continue;
    try {
      await fs.rmdir(d);
    } catch (err) {
      if (err instanceof FsError && (err.kind === 'NotFound' || (keepNonEmpty && err.kind === 'NotEmpty'))) continue;
      throw err;
    }
  }
}

/**
 * Removes files, and directories with `recursive`.
 *
 * Behaviour: a missing path (or a glob matching nothing) is `NotFound`; a directory
 * without `recursive` is `IsADirectory`; files are deleted in batches (bulk deletes where
 * the backend has them), then the emptied directories, deepest first; a whole directory
 * tree (no `maxDepth`) goes through `rmTree`, in one step where the backend can. With `maxDepth`,
 * the matches of a glob count as the first level (as in `cp`), and a directory that
 * still holds entries below the depth limit is kept.
 */
export async function removePaths(fs: FileSystem, path: string | string[], options: RmOptions): Promise<void> {
  checkOptions(options);
  const inputs = typeof path === 'string' ? [path] : Array.isArray(path) ? path : undefined;
  if (inputs === undefined) throw errors.invalid(`path must be a string or a list of strings, got ${typeof path}`);
  if (inputs.length === 0) throw errors.emptyList();
  const { maxDepth } = options;
  const targets: Array<{ info: FileInfo; depth: number | undefined }> = [];
  // Every path is checked before anything is removed.
  const paths = inputs.map((raw) => fs.normalize(checkTargetPath(raw)));
  for (const p of paths) {
    if (hasMagic(p)) {
      const matches = await fs.glob(p, { detail: true, ...(maxDepth === undefined ? {} : { maxDepth }) });
      if (matches.length === 0) throw errors.notFound(p);
      for (const info of matches) targets.push({ info, depth: maxDepth === undefined ? undefined : maxDepth - 1 });
    } else {
      const info = (await infoOrUndefined(fs, p)) ?? throwMissing(fs, p);
      targets.push({ info, depth: maxDepth });
      // A file that is also a directory (object stores): `recursive` removes both.
      if (info.type === 'file' && options.recursive === true && (await sharesNameWithDir(fs, p)))
        targets.push({ info: { ...info, type: 'directory', size: 0 }, depth: maxDepth });
    }
  }
  const files = new Set<string>();
  const dirs = new Set<string>();
  const trees: string[] = [];
  for (const { info: t, depth } of targets) {
    if (t.type === 'file') {
      files.add(t.name);
      continue;
    }
    if (!options.recursive) throw errors.isADirectory(t.name);
    if (depth === undefined) {
      trees.push(t.name);
      continue;
    }
    dirs.add(t.name);
    if (depth < 1) continue;
    const below = await fs.find(t.name, { withDirs: true, detail: true, maxDepth: depth });
    for (const e of below) (e.type === 'file' ? files : dirs).add(e.name);
  }
  await fs.rmFiles([...files], options);
  await removeDirs(fs, dirs, options.signal, maxDepth !== undefined);
  // Whole trees last, outermost first; a tree inside one already removed is gone with it.
  const removed: string[] = [];
  for (const tree of trees.sort((a, b) => a.length - b.length)) {
    if (removed.some((r) => isUnder(tree, r))) continue;
    await fs.rmTree(tree, options);
    removed.push(tree);
  }
}
