/**
 * `rsync`: makes a destination tree hold what a source tree holds, copying only the files
 * that changed, across any two filesystems (fsspec's `generic.rsync`, with a plan, a dry
 * run, progress and cancellation).
 */
import { errors, withContext } from './errors';
import { throwIfAborted } from './batch';
import { withSignal } from './timeouts';
import { infoOrUndefined } from './listing';
import { isUnder, joinPath, relativeTo } from './paths';
import { optionsOf } from './args';
import { checkOptions, type Step } from './copyplan';
import { copySteps, removeDirs } from './transfer';
import { checkSharedOptions, resolveUrl, type FsAndPath, type UrlOptions } from './url';
import type { FileSystem } from './filesystem';
import type { BatchOptions, FileInfo } from './types';

/** Which files present on both sides are copied again. */
export type RsyncUpdate = 'changed' | 'size' | 'always' | 'never' | ((src: FileInfo, dst: FileInfo) => boolean);

/** Options of {@link rsync}. */
export interface RsyncOptions extends BatchOptions {
  /**
   * Files present on both sides are copied when:
   * - `'changed'` (default): their sizes differ, or the source was modified in a later
   *   second than the destination copy was written (where both sides keep modification
   *   times; the two clocks are trusted to agree);
   * - `'size'`: their sizes differ;
   * - `'always'` / `'never'`: always / never;
   * - a function: it returns true for `(sourceInfo, destinationInfo)`.
   * Files missing at the destination are always copied.
   */
  update?: RsyncUpdate;
  /** Removes what lies below the destination but not below the source (default false). */
  deleteMissing?: boolean;
  /** Plans only: the result says what would be copied and deleted; nothing changes. */
  dryRun?: boolean;
  /**
   * Options for the filesystems made from URL strings, as `urlToFs` takes them, shared by
   * both sides: keyed ones (`{ s3: {...} }`) go to the side with that protocol, flat ones
   * to each side that takes them; an option no side takes is `InvalidArgument`.
   */
  storageOptions?: UrlOptions;
}

/** What {@link rsync} did (or, with `dryRun`, would do). */
export interface RsyncResult {
  /** Files copied: source and destination paths and the bytes moved. */
  copied: Array<{ src: string; dst: string; size: number }>;
  /** Destination paths removed (with `deleteMissing`), files first, then directories. */
  deleted: string[];
  /** Files left alone because they were already up to date. */
  unchanged: number;
}

const UPDATES = new Set(['changed', 'size', 'always', 'never']);

function needsCopy(update: RsyncUpdate, src: FileInfo, dst: FileInfo): boolean {
  if (typeof update === 'function') return update(src, dst);
  switch (update) {
    case 'always':
      return true;
    case 'never':
      return false;
    case 'size':
      return src.size !== dst.size;
    default:
      if (src.size !== dst.size) return true;
      // Whole seconds: object stores keep modification times to the second.
      return (
        src.mtime instanceof Date &&
        dst.mtime instanceof Date &&
        Math.floor(src.mtime.getTime() / 1000) > Math.floor(dst.mtime.getTime() / 1000)
      );
  }
}

function resolveSide(side: string | FsAndPath, storageOptions: UrlOptions | undefined, which: string): FsAndPath {
  if (typeof side === 'string') return resolveUrl(side, storageOptions ?? {}, 'shared');
  if (
    side !== null &&
    typeof side === 'object' &&
    typeof side.path === 'string' &&
    typeof side.fs?.find === 'function'
  ) {
    return { fs: side.fs, path: side.fs.normalize(side.path) };
  }
  throw errors.invalid(`rsync ${which} must be a URL or { fs, path }`);
}

/**
 * `storageOptions` are shared by both URLs: an option keyed by a protocol goes to the side
 * that has it, a flat one to each side whose outermost layer takes it; one that no side
 * takes is `InvalidArgument`.
 */
function checkStorageOptions(sides: Array<string | FsAndPath>, storageOptions: UrlOptions | undefined): void {
  if (storageOptions === undefined) return;
  const urls = sides.filter((s): s is string => typeof s === 'string');
  if (urls.length === 0 && Object.keys(storageOptions).length > 0) {
    throw errors.invalid('storageOptions apply to URL sides, and neither side is a URL');
  }
  checkSharedOptions(urls, storageOptions);
}

/** Entries below `root` keyed by their path relative to it. */
async function tree(fs: FileSystem, root: string): Promise<Map<string, FileInfo>> {
  const entries = await fs.find(root, { withDirs: true, detail: true });
  return new Map(entries.filter((e) => e.name !== root).map((e) => [relativeTo(e.name, root), e]));
}

/**
 * Makes `destination` hold the files of `source`: copies those missing or changed (see
 * {@link RsyncOptions.update}), keeps the rest, and with `deleteMissing` removes what the
 * source lacks. Either side is a URL (`s3://bucket/data`, `/local/dir`, `memory://x`) or
 * `{ fs, path }`; they may be on different filesystems.
 *
 * Behaviour:
 * - the source must be a directory (`NotFound` when missing, `NotADirectory` for a file),
 *   and the two trees must not contain each other (`InvalidArgument`);
 *   the destination is created where directories are real, and must not be a file;
 * - empty source directories are recreated where directories are real;
 * - a file on one side where the other has a directory is refused with `IsADirectory` /
 *   `NotADirectory` before anything changes, unless `deleteMissing`, which replaces it;
 * - copies follow `cp`'s rules: server-side within one filesystem, streamed (large files
 *   in concurrent parts) across two, never a half-written file under a final name;
 * - `batchSize` files move at once; `onProgress` counts the bytes and files to copy;
 *   `signal` stops it with `Aborted`, leaving every file either old or new.
 *
 * ```ts
 * const { copied } = await rsync('./checkpoints', 's3://bucket/run-42/checkpoints', { deleteMissing: true });
 * ```
 */
export async function rsync(
  source: string | FsAndPath,
  destination: string | FsAndPath,
  options: RsyncOptions = {},
): Promise<RsyncResult> {
  if (options === null || typeof options !== 'object') throw errors.invalid('rsync options must be an object');
  optionsOf(options, 'rsync');
  checkOptions(options);
  const update = options.update ?? 'changed';
  if (typeof update !== 'function' && !UPDATES.has(update)) {
    throw errors.invalid(
      `update must be 'changed', 'size', 'always', 'never' or a function, got ${JSON.stringify(update)}`,
    );
  }
  checkStorageOptions([source, destination], options.storageOptions);
  const src = resolveSide(source, options.storageOptions, 'source');
  const dst = resolveSide(destination, options.storageOptions, 'destination');
  // Compared where the files are: a layer on one side names the other's files too.
  const [a, b] = [src.fs.locate(src.path), dst.fs.locate(dst.path)];
  if (a.fs === b.fs && (a.path === b.path || isUnder(b.path, a.path) || isUnder(a.path, b.path))) {
    throw withContext(
      errors.invalid('source and destination must not contain each other'),
      dst.fs.protocol,
      'rsync',
      dst.path,
    );
  }
  // Every look and copy below runs under the signal: an abort stops the listing as well as the copies.
  return withSignal(options.signal, async () => {
    throwIfAborted(options.signal);

    const srcRoot = await infoOrUndefined(src.fs, src.path);
    if (srcRoot === undefined) throw withContext(errors.notFound(src.path), src.fs.protocol, 'rsync', src.path);
    if (srcRoot.type !== 'directory')
      throw withContext(errors.notADirectory(src.path), src.fs.protocol, 'rsync', src.path);
    const dstRoot = await infoOrUndefined(dst.fs, dst.path);
    if (dstRoot?.type === 'file') throw withContext(errors.notADirectory(dst.path), dst.fs.protocol, 'rsync', dst.path);

    const have = dstRoot === undefined ? new Map<string, FileInfo>() : await tree(dst.fs, dst.path);
    const want = await tree(src.fs, src.path);
    const result: RsyncResult = { copied: [], deleted: [], unchanged: 0 };
    const steps: Step[] = [];
    const replaced: FileInfo[] = [];
    for (const [rel, s] of want) {
      const d = have.get(rel);
      const target = joinPath(dst.path, rel);
      if (d !== undefined && d.type !== s.type) {
        if (!options.deleteMissing) {
          const conflict = d.type === 'directory' ? errors.isADirectory(target) : errors.notADirectory(target);
          throw withContext(conflict, dst.fs.protocol, 'rsync', target);
        }
        replaced.push(d);
      } else if (s.type === 'file' && d !== undefined && !needsCopy(update, s, d)) {
        result.unchanged++;
        continue;
      } else if (s.type === 'directory' && d !== undefined) {
        continue;
      }
      steps.push({ src: s, dst: target });
      if (s.type === 'file') result.copied.push({ src: s.name, dst: target, size: s.size });
    }
    // With deleteMissing: what the source lacks, and what stands where the source has the other type.
    const doomed = options.deleteMissing
      ? [...have]
          .filter(([rel]) => !want.has(rel))
          .map(([, e]) => e)
          .concat(replaced)
      : [];
    const replacedDirs = replaced.filter((e) => e.type === 'directory').map((e) => `${e.name}/`);
    const inTheWay = (e: FileInfo): boolean =>
      replaced.includes(e) || replacedDirs.some((dir) => e.name.startsWith(dir));
    const first = doomed.filter(inTheWay);
    const last = doomed.filter((e) => !inTheWay(e));
    const names = (entries: FileInfo[], type: FileInfo['type']): string[] =>
      entries
        .filter((e) => e.type === type)
        .map((e) => e.name)
        .sort();
    result.deleted = [...names(doomed, 'file'), ...names(doomed, 'directory')];
    if (options.dryRun) return result;

    const remove = async (entries: FileInfo[]): Promise<void> => {
      const files = names(entries, 'file');
      if (files.length > 0) await dst.fs.rmFiles(files, { ...(options.signal ? { signal: options.signal } : {}) });
      await removeDirs(dst.fs, names(entries, 'directory'), options.signal, false);
    };
    // Entries in the way go first, so the copies can take their names; the rest after.
    await remove(first);
    if (dst.fs.capabilities.realDirectories) await dst.fs.makedirs(dst.path, { existOk: true });
    const { deleteMissing: _d, dryRun: _r, update: _u, storageOptions: _s, ...copyOptions } = options;
    await copySteps(src.fs, steps, dst.fs, copyOptions);
    await remove(last);
    return result;
  });
}
