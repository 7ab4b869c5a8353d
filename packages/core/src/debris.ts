/**
 * What an interrupted write leaves behind, and how it is found and removed: temporary
 * files beside their target (local disk, HDFS) and unfinished multipart uploads (S3).
 */
import { randomBytes } from 'node:crypto';
import { errors } from './errors';
import { baseName, parentPath } from './paths';
import type { FileInfo } from './types';

/**
 * Names of temporary files: `.name.omnifs-<12 hex>.tmp`, `.name.<12 hex>.omnifs-tmp` as
 * earlier HDFS writes named them, and `.name.<12 hex>.omnifs-append`, the part a GCS
 * append uploads before composing it onto its target.
 */
const TEMP_NAME = /^\..+\.(?:omnifs-[0-9a-f]{12}\.tmp|[0-9a-f]{12}\.omnifs-(?:tmp|append))$/;

/** True when `name` (a base name or a path) is the temporary file of a write in progress. */
export function isTemporaryName(name: string): boolean {
  return TEMP_NAME.test(baseName(name));
}

/** The longest file name most filesystems take (bytes): NAME_MAX on Linux, HDFS's default limit. */
const NAME_MAX = 255;

/**
 * The temporary sibling a write to `path` goes to until it is committed:
 * `.name.omnifs-<hex>.tmp`, with `name` cut short (at a character boundary) where the
 * whole would pass 255 bytes, so any name the target takes can be written.
 */
export function temporarySibling(path: string, rootMarker: '' | '/' = '/'): string {
  const dir = parentPath(path, rootMarker);
  const suffix = `.omnifs-${randomBytes(6).toString('hex')}.tmp`;
  let base = baseName(path);
  while (Buffer.byteLength(base) + suffix.length + 1 > NAME_MAX) base = [...base].slice(0, -1).join('');
  const name = `.${base}${suffix}`;
  return dir === '' ? name : dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}

/** One thing an interrupted write left behind. */
export interface Debris {
  /** `temporary`: a temporary file; `upload`: a multipart upload never completed. */
  kind: 'temporary' | 'upload';
  /** The temporary file, or the key the upload was for. */
  path: string;
  /** When the write started (the file's mtime, the upload's initiation). */
  started?: Date;
  /** Bytes of a temporary file. */
  size?: number;
  /** The service's id of an upload. */
  uploadId?: string;
}

/** Options of {@link FileSystem.cleanup}. */
export interface CleanupOptions {
  /**
   * Only what was started at least this many milliseconds ago (default one day), so a
   * write still in progress in another process is left alone.
   */
  olderThan?: number;
  /** Report what would be removed, remove nothing. */
  dryRun?: boolean;
  /** Stops the scan and the removals. */
  signal?: AbortSignal;
}

/** What {@link FileSystem.cleanup} found and did. */
export interface CleanupResult {
  /** Debris old enough to remove (removed unless `dryRun`). */
  removed: Debris[];
  /** Debris left because it is younger than `olderThan`. */
  kept: Debris[];
}

/** One day: a write older than this is not in progress. */
export const DEFAULT_CLEANUP_AGE_MS = 24 * 60 * 60 * 1000;

const CLEANUP_KEYS = new Set(['olderThan', 'dryRun', 'signal']);

/** Checks cleanup options; unknown names and wrong types are `InvalidArgument`. */
export function cleanupOptionsOf(
  options: CleanupOptions | undefined,
): Required<Omit<CleanupOptions, 'signal'>> & CleanupOptions {
  const o = options ?? {};
  if (typeof o !== 'object' || Array.isArray(o)) throw errors.invalid('cleanup options must be an object');
  for (const key of Object.keys(o)) {
    if (!CLEANUP_KEYS.has(key))
      throw errors.invalid(`unknown cleanup option '${key}' (known: ${[...CLEANUP_KEYS].join(', ')})`);
  }
  const olderThan = o.olderThan ?? DEFAULT_CLEANUP_AGE_MS;
  if (typeof olderThan !== 'number' || !Number.isFinite(olderThan) || olderThan < 0) {
    throw errors.invalid(`olderThan must be a non-negative number of milliseconds, got ${JSON.stringify(o.olderThan)}`);
  }
  if (o.dryRun !== undefined && typeof o.dryRun !== 'boolean') throw errors.invalid('dryRun must be a boolean');
  return { ...o, olderThan, dryRun: o.dryRun ?? false };
}

/**
 * Temporary files below `root`, found by walking directories with `list` (a backend's raw
 * listing, which still shows them). A missing root has none.
 */
export async function* temporaryFiles(
  list: (dir: string) => Promise<FileInfo[]>,
  root: string,
  isMissing: (err: unknown) => boolean,
  signal?: AbortSignal,
): AsyncGenerator<Debris> {
  const queue = [root];
  while (queue.length > 0) {
    signal?.throwIfAborted();
    const dir = queue.shift() as string;
    let entries: FileInfo[];
    try {
      entries = await list(dir);
    } catch (err) {
      if (isMissing(err)) continue;
      throw err;
    }
    for (const e of entries) {
      if (e.type === 'directory') queue.push(e.name);
      else if (isTemporaryName(e.name)) {
        yield {
          kind: 'temporary',
          path: e.name,
          size: e.size,
          ...(e.mtime instanceof Date ? { started: e.mtime } : {}),
        };
      }
    }
  }
}

/**
 * Sorts the debris of `sources` by age and removes (unless `dryRun`) what is old enough;
 * debris that vanished meanwhile (a write that finished) counts as removed.
 */
export async function removeDebris(
  sources: Array<AsyncIterable<Debris>>,
  options: ReturnType<typeof cleanupOptionsOf>,
  remove: (debris: Debris) => Promise<void>,
  isMissing: (err: unknown) => boolean,
): Promise<CleanupResult> {
  const now = Date.now();
  const result: CleanupResult = { removed: [], kept: [] };
  for (const source of sources) {
    for await (const debris of source) {
      options.signal?.throwIfAborted();
      const age = debris.started === undefined ? Infinity : now - debris.started.getTime();
      if (age < options.olderThan) {
        result.kept.push(debris);
        continue;
      }
      if (!options.dryRun) {
        try {
          await remove(debris);
        } catch (err) {
          if (!isMissing(err)) throw err;
        }
      }
      result.removed.push(debris);
    }
  }
  return result;
}
