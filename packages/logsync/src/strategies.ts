/**
 * How the new bytes of an append-only spool file reach the target. One strategy per
 * kind of service, chosen from the target's capabilities (or registered per protocol):
 *
 * | strategy         | used for                                             | bytes sent per sync        |
 * | ---------------- | ---------------------------------------------------- | -------------------------- |
 * | `append`         | `capabilities.append`: local, memory, HDFS, Azure append blobs | the new bytes only |
 * | `append-by-copy` | `capabilities.appendByCopy`: S3 (multipart part-copy) | the new bytes once the object has the service's minimum part size (5 MiB on S3); below it the service package rewrites the object |
 * | `rewrite`        | everything else                                      | the whole file, streamed   |
 *
 * Another way for a protocol registers its own strategy with {@link registerSyncStrategy};
 * nothing else changes.
 */
import { FsError, type FileSystem } from '@omnifs/core';

/** What a strategy is given to bring one file up to date. */
export interface UploadJob {
  /** The target filesystem. */
  fs: FileSystem;
  /** The file's path on the target. */
  remotePath: string;
  /** Remote size before this spool's first byte (see `AppendState.base`). */
  base: number;
  /** Bytes of the spool file recorded as uploaded. */
  uploaded: number;
  /** Size of the spool file now; everything before it must be on the target afterwards. */
  localSize: number;
  /** Aborted when the attempt has run out of time: pass it to the target's calls. */
  signal?: AbortSignal;
  /** Reads bytes `[start, end)` of the spool file. */
  readLocal(start: number, end: number): AsyncIterable<Uint8Array>;
  /**
   * Records a new `base`, durably, before anything is sent: used when the remote file was
   * changed by someone else (deleted or truncated) and the spool copy is sent again after
   * what is left there.
   */
  rebase(base: number): void;
}

/** What a strategy did. */
export interface UploadResult {
  /** Bytes sent to the target. */
  bytes: number;
}

/**
 * Brings a remote append-only file up to date with its spool copy.
 *
 * Behaviour every strategy keeps: after it resolves, the remote file is
 * `remote prefix [0, base) + spool [0, localSize)`, each byte exactly once, whatever an
 * earlier attempt left (nothing, a partial upload, or a complete one that was never
 * recorded). When it rejects, a later call with the same job must still reach that.
 */
export interface SyncStrategy {
  readonly name: string;
  upload(job: UploadJob): Promise<UploadResult>;
}

async function remoteSize(fs: FileSystem, path: string, signal?: AbortSignal): Promise<number> {
  signal?.throwIfAborted();
  try {
    return (await fs.info(path)).size;
  } catch (err) {
    if (err instanceof FsError && err.kind === 'NotFound') return 0;
    throw err;
  }
}

async function send(chunks: AsyncIterable<Uint8Array>, write: (chunk: Uint8Array) => Promise<void>): Promise<number> {
  let bytes = 0;
  for await (const chunk of chunks) {
    await write(chunk);
    bytes += chunk.byteLength;
  }
  return bytes;
}

/**
 * Appends through `openWriter({ append: true })`. The remote size is read before every
 * append, so an append that landed but was not recorded (a crash, a lost response) is
 * never sent twice, and one that landed partly is completed from where it stopped (its
 * bytes are compared with the spool's). Bytes that are not this run's, before or during
 * the append (another writer on the same file), are a `ConditionNotMatch`.
 */
function appending(name: string): SyncStrategy {
  return { name, upload: uploadByAppend };
}

async function uploadByAppend(job: UploadJob): Promise<UploadResult> {
  const size = await remoteSize(job.fs, job.remotePath, job.signal);
  let from = size - job.base;
  if (from < 0) {
    // The remote file shrank or vanished under us: send the whole spool copy after what is left.
    job.rebase(size);
    from = 0;
  } else await checkOwnBytes(job, size);
  if (from === job.localSize) return { bytes: 0 };
  const writer = await job.fs.openWriter(job.remotePath, {
    append: true,
    ...(job.signal ? { signal: job.signal } : {}),
  });
  let bytes: number;
  try {
    bytes = await send(job.readLocal(from, job.localSize), (c) => writer.write(c));
    await writer.close();
  } catch (err) {
    await writer.abort(err).catch(() => undefined);
    throw err;
  }
  // Another writer that appended between the size check and this append shows here.
  const after = await remoteSize(job.fs, job.remotePath, job.signal);
  if (after !== size + bytes) throw anotherWriter(job, after);
  return { bytes };
}

function anotherWriter(job: UploadJob, size: number): FsError {
  return new FsError({
    kind: 'ConditionNotMatch',
    message:
      `${job.remotePath} has ${size} bytes, not the ${job.base + job.uploaded} this run wrote there ` +
      `(${job.base} before it + ${job.uploaded}): another process writes to the same file; give each writer its own ` +
      'experiment, logFile or rank',
  });
}

/**
 * Checks that the remote bytes past what this spool recorded are its own (an append that
 * landed but was never recorded: a crash or a lost response), not another writer's.
 */
async function checkOwnBytes(job: UploadJob, size: number): Promise<void> {
  const expected = job.base + job.uploaded;
  if (size <= expected) return; // the same, or cut short by someone: what is missing is sent again
  if (size > job.base + job.localSize) throw anotherWriter(job, size);
  const remote = Buffer.from(await job.fs.catFile(job.remotePath, { start: expected, end: size }));
  const chunks: Uint8Array[] = [];
  for await (const chunk of job.readLocal(job.uploaded, size - job.base)) chunks.push(chunk);
  if (!remote.equals(Buffer.concat(chunks))) throw anotherWriter(job, size);
}

/** Native append (`capabilities.append`). */
export const appendStrategy: SyncStrategy = appending('append');

/**
 * Append assembled by the service from the old object and the new bytes
 * (`capabilities.appendByCopy`: S3 part-copy). An append is one multipart upload that is
 * completed or not, so the remote size check of {@link appendStrategy} keeps it exactly-once.
 */
export const appendByCopyStrategy: SyncStrategy = appending('append-by-copy');

/**
 * Whole-object rewrite, streamed: the remote prefix that was there before the run (if
 * any) and then the spool file from its start. Idempotent, so a lost response or a
 * retry can never duplicate a line; costs the whole file per sync. A remote file that is
 * not what this run last wrote (another writer) is a `ConditionNotMatch`, not overwritten.
 */
export const rewriteStrategy: SyncStrategy = {
  name: 'rewrite',
  async upload(job) {
    await checkOwnBytes(job, await remoteSize(job.fs, job.remotePath, job.signal));
    const writer = await job.fs.openWriter(job.remotePath, {
      mode: 'overwrite',
      ...(job.signal ? { signal: job.signal } : {}),
    });
    let bytes = 0;
    try {
      if (job.base > 0)
        bytes += await send(job.fs.readChunks(job.remotePath, { start: 0, end: job.base }), (c) => writer.write(c));
      bytes += await send(job.readLocal(0, job.localSize), (c) => writer.write(c));
      await writer.close();
    } catch (err) {
      await writer.abort(err).catch(() => undefined);
      throw err;
    }
    return { bytes };
  },
};

const byProtocol = new Map<string, SyncStrategy>();

/**
 * Uses `strategy` for every target of `protocol` (e.g. a compose-based one for `gs`).
 * Pass `undefined` to go back to the choice by capabilities.
 */
export function registerSyncStrategy(protocol: string, strategy: SyncStrategy | undefined): void {
  if (strategy === undefined) byProtocol.delete(protocol.toLowerCase());
  else byProtocol.set(protocol.toLowerCase(), strategy);
}

/** The strategy for a target: registered for its protocol, else `append`, `append-by-copy` or `rewrite` by capabilities. */
export function chooseStrategy(fs: FileSystem): SyncStrategy {
  const registered = byProtocol.get(fs.protocol);
  if (registered !== undefined) return registered;
  if (fs.capabilities.append) return appendStrategy;
  return fs.capabilities.appendByCopy ? appendByCopyStrategy : rewriteStrategy;
}
