/**
 * cp / put / get / mv / rm over many paths: the steps copyplan.ts plans, carried out in
 * batches with bounded memory, progress and cancellation; the sources of a move and the
 * paths of an `rm` removed after.
 */
import { errors, FsError, withContext } from './errors';
import { mapLimit, defaultBatchSize, ProgressTracker, throwIfAborted } from './batch';
import { hasMagic } from './glob';
import { isUnder, parentPath } from './paths';
import { checkOnError, checkTargetPath, pinTo } from './args';
import { DEFAULT_PART_SIZE, isFillable, pump, pumpInto, type ReaderInto } from './writer';
import { outsideSignal } from './timeouts';
import { infoOrUndefined } from './listing';
import { copiesInParts, copyInParts, partsBuffered } from './parts';
import type { FileSystem } from './filesystem';
import type { CopyOptions, FileInfo, RmOptions } from './types';
import {
  checkOptions,
  planCopy,
  sharesNameWithDir,
  throwMissing,
  type Step,
  type TransferPlanOptions,
} from './copyplan';

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
