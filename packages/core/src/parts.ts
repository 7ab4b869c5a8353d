/**
 * Large files in parts: a copy that streams `concurrency` ranged reads at a time and
 * writes each one in place at its offset as it arrives, so no part waits for the one
 * before it and memory stays near `concurrency` write buffers, whatever the part size.
 */
import { FsError, withContext } from './errors';
import { mapLimit, type ProgressTracker } from './batch';
import { ChunkQueue, DEFAULT_PART_SIZE } from './writer';
import type { FileSystem } from './filesystem';
import type { FileInfo } from './types';

/** Bytes gathered from a part's stream before one write at its offset. */
const WRITE_SIZE = 1024 * 1024;

/**
 * True when copying `src` from `srcFs` to `dstFs` goes in concurrent parts: the source
 * reads ranges and says it serves several at once, the target writes at any offset, and
 * the file is larger than one part.
 */
export function copiesInParts(srcFs: FileSystem, src: FileInfo, dstFs: FileSystem): boolean {
  const { concurrency = 1, partSize = DEFAULT_PART_SIZE, rangedRead } = srcFs.capabilities;
  return rangedRead && concurrency > 1 && dstFs.capabilities.randomWrite === true && src.size > partSize;
}

/**
 * Copies one file as concurrent ranged reads of `srcFs`'s part size, each written at its
 * offset into a random-access writer of `dstFs`.
 *
 * Behaviour: every read is pinned to the ETag seen when the copy was planned, so a file
 * replaced meanwhile fails with `ConditionNotMatch` instead of mixing two versions (a
 * part shorter than asked does too, where no ETag is kept); a part that breaks off is
 * resumed where a retry layer resumes reads; any failure or `signal`
 * discards the target's temporary file and leaves the final name untouched; progress
 * counts each part once written.
 */
export async function copyInParts(
  srcFs: FileSystem,
  src: FileInfo,
  dstFs: FileSystem,
  dst: string,
  signal: AbortSignal | undefined,
  progress: ProgressTracker,
): Promise<void> {
  const { concurrency = 1, partSize = DEFAULT_PART_SIZE } = srcFs.capabilities;
  const writer = await dstFs.openRandomWriter(dst, signal ? { signal } : {});
  const starts = Array.from({ length: Math.ceil(src.size / partSize) }, (_, i) => i * partSize);
  const pin = {
    ...(typeof src.etag === 'string' && src.etag !== '' ? { etag: src.etag } : {}),
    ...(signal ? { signal } : {}),
  };
  try {
    await mapLimit(
      starts,
      concurrency,
      async (start) => {
        const end = Math.min(start + partSize, src.size);
        const queue = new ChunkQueue();
        let at = start;
        const flush = async (): Promise<void> => {
          const n = queue.length;
          await writer.writeAt(queue.take(), at);
          at += n;
          progress.addBytes(n);
        };
        for await (const chunk of srcFs.readChunks(src.name, { start, end, ...pin })) {
          queue.push(chunk);
          if (queue.length >= WRITE_SIZE) await flush();
        }
        if (queue.length > 0) await flush();
        if (at !== end) throw changedMeanwhile(srcFs, src.name);
      },
      signal,
    );
    await writer.close();
  } catch (err) {
    await writer.abort(err).catch(() => undefined);
    throw err;
  }
}

function changedMeanwhile(fs: FileSystem, path: string): FsError {
  return withContext(
    new FsError({ kind: 'ConditionNotMatch', message: 'the file changed while it was copied' }),
    fs.protocol,
    'read',
    path,
  );
}
