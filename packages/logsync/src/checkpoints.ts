/**
 * Checkpoints next to the logs: bytes or a stream written straight to the run's
 * `checkpoints/` folder on the target, with progress, and pruning to the last N.
 */
import { FsError, type FileInfo, type FileSystem, type Progress, type Source } from '@omnifs/core';
import { baseName, errors, joinPath } from '@omnifs/core/backend';
import { checkFileName } from './options';

/** Progress of a checkpoint upload. */
export interface CheckpointProgress {
  /** Bytes sent so far. */
  bytes: number;
  /** Total bytes, when the data's size is known (bytes or a string). */
  totalBytes?: number;
}

/** Options of `saveCheckpoint`. */
export interface SaveCheckpointOptions {
  /** Called as bytes are sent. */
  onProgress?: (progress: CheckpointProgress) => void;
  /** After saving, keep only the N most recent checkpoints of the run (by modification time, then name). */
  keepLast?: number;
  /** Cancels the upload. */
  signal?: AbortSignal;
}

/** Data a checkpoint can be made of. */
export type CheckpointData = Uint8Array | string | AsyncIterable<Uint8Array | string>;

const KNOWN = new Set(['onProgress', 'keepLast', 'signal']);

/** Checks `saveCheckpoint`'s options; returns `keepLast` (Infinity when not given). */
export function checkCheckpointOptions(options: SaveCheckpointOptions): number {
  if (options === null || typeof options !== 'object') throw errors.invalid('saveCheckpoint options must be an object');
  for (const key of Object.keys(options))
    if (!KNOWN.has(key)) throw errors.invalid(`saveCheckpoint has no option ${key}`);
  const { keepLast } = options;
  if (keepLast === undefined) return Infinity;
  if (typeof keepLast !== 'number' || !Number.isInteger(keepLast) || keepLast < 1) {
    throw errors.invalid(`keepLast must be an integer >= 1, got ${String(keepLast)}`);
  }
  return keepLast;
}

/**
 * Writes a checkpoint file `dir/name` (streamed; `name` may hold `/` for a checkpoint
 * made of several files) and prunes to `keepLast` checkpoints. Progress starts at 0 and
 * follows the filesystem's own reports (per part written for a stream, once for bytes).
 */
export async function writeCheckpoint(
  fs: FileSystem,
  dir: string,
  name: string,
  data: CheckpointData,
  options: SaveCheckpointOptions,
): Promise<string> {
  const keepLast = checkCheckpointOptions(options);
  checkFileName(name, 'checkpoint name');
  const isData =
    typeof data === 'string' ||
    data instanceof Uint8Array ||
    (typeof data === 'object' && data !== null && Symbol.asyncIterator in data);
  if (!isData)
    throw errors.invalid('checkpoint data must be bytes, a string or an async iterable of chunks (a stream)');
  const path = joinPath(dir, name);
  const { onProgress } = options;
  const totalBytes =
    typeof data === 'string' ? Buffer.byteLength(data) : data instanceof Uint8Array ? data.byteLength : undefined;
  onProgress?.(totalBytes === undefined ? { bytes: 0 } : { bytes: 0, totalBytes });
  // Bytes go in one write, streams through the filesystem's part writer: as fast as pipeFile itself.
  await fs.pipeFile(path, data as Source, {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(onProgress
      ? {
          onProgress: (p: Progress) =>
            onProgress({ bytes: p.bytes, ...(totalBytes === undefined ? {} : { totalBytes }) }),
        }
      : {}),
  });
  if (Number.isFinite(keepLast)) await pruneCheckpoints(fs, dir, keepLast);
  return path;
}

/** Deletes all but the `keep` most recent entries (files or folders) of `dir`. */
export async function pruneCheckpoints(fs: FileSystem, dir: string, keep: number): Promise<void> {
  let entries: FileInfo[];
  try {
    entries = (await fs.ls(dir, { detail: true })) as FileInfo[];
  } catch (err) {
    if (err instanceof FsError && err.kind === 'NotFound') return;
    throw err;
  }
  const stamped = await Promise.all(entries.map(async (e) => ({ e, time: await newest(fs, e) })));
  // Newest first; equal times (a store's second-precision clock) by name, numbers compared as numbers.
  stamped.sort(
    (a, b) => b.time - a.time || baseName(b.e.name).localeCompare(baseName(a.e.name), 'en', { numeric: true }),
  );
  for (const { e } of stamped.slice(keep)) await fs.rm(e.name, { recursive: e.type === 'directory' });
}

/** Modification time of a file, or of the newest file in a folder (0 when unknown). */
async function newest(fs: FileSystem, entry: FileInfo): Promise<number> {
  if (entry.type === 'file') return entry.mtime?.getTime() ?? 0;
  const files = await fs.find(entry.name, { detail: true });
  return Math.max(0, ...files.map((f) => f.mtime?.getTime() ?? 0));
}
