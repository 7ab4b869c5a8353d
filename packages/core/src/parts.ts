/**
 * Large files in parts, the one engine of concurrent ranged reads: a copy that streams
 * `concurrency` ranged reads at a time and writes each one in place at its offset as it
 * arrives (so no part waits for the one before it), and a read that yields the ranges in
 * order while the next ones are fetched. Memory stays near `concurrency` parts.
 */
import { FsError, withContext } from './errors';
import type { IncomingHttpHeaders } from 'node:http';
import type { BodySink } from './http1';
import { mapLimit, throwIfAborted, type ProgressTracker } from './batch';
import { abortError } from './timeouts';
import { pinTo } from './args';
import { collectBytes } from './data';
import { ChunkQueue, DEFAULT_PART_SIZE } from './writer';
import { partBuffers } from './buffers';
import { checkPinnedAnswer, sameEtag } from './pinned';
import { isRangeAsked, sliceWhole } from './rangeanswer';
import type { FileSystem } from './filesystem';
import type { FileInfo } from './types';

/** Bytes gathered from a part's stream before one write at its offset. */
const WRITE_SIZE = 1024 * 1024;
/** Room past {@link WRITE_SIZE} in a part's write buffer (and a sink's window), for the chunk that crosses it. */
const SLACK = 256 * 1024;

/**
 * The bytes a copy of `src` in parts holds at most: two windows (or a write buffer and the
 * chunks read meanwhile) for each read in flight, whatever the part size.
 */
export function partsBuffered(srcFs: FileSystem, src: FileInfo): number {
  return Math.min(src.size, 2 * (WRITE_SIZE + SLACK) * readsAtOnce(srcFs));
}

/** Ranged reads of `fs` at once for a copy in parts: `readConcurrency`, else `concurrency`, else 1. */
function readsAtOnce(fs: FileSystem): number {
  const { readConcurrency, concurrency = 1 } = fs.capabilities;
  return readConcurrency ?? concurrency;
}

/** Bytes per ranged read of `fs` for a copy in parts: `readPartSize`, else `partSize`, else 8 MiB. */
function readPartSize(fs: FileSystem): number {
  const { readPartSize, partSize = DEFAULT_PART_SIZE } = fs.capabilities;
  return readPartSize ?? partSize;
}

/**
 * True when copying `src` from `srcFs` to `dstFs` goes in concurrent parts: the source
 * reads ranges and says it serves several at once, the target writes at any offset, and
 * the file is larger than one part.
 */
export function copiesInParts(srcFs: FileSystem, src: FileInfo, dstFs: FileSystem): boolean {
  const { rangedRead } = srcFs.capabilities;
  return (
    rangedRead && readsAtOnce(srcFs) > 1 && dstFs.capabilities.randomWrite === true && src.size > readPartSize(srcFs)
  );
}

/**
 * Copies one file as concurrent ranged reads of `srcFs`'s read part size (`readConcurrency` at
 * once, else `concurrency`), each written at its offset into a random-access writer of `dstFs`.
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
  const partSize = readPartSize(srcFs);
  const concurrency = readsAtOnce(srcFs);
  const writer = await dstFs.openRandomWriter(dst, signal ? { signal } : {});
  const starts = Array.from({ length: Math.ceil(src.size / partSize) }, (_, i) => i * partSize);
  const pin = { ...pinTo(src), ...(signal ? { signal } : {}) };
  // Parts read from the socket straight into two windows per read in flight (each written
  // at its offset, then filled again) where the backend can; else streamed through a buffer.
  const spare: Array<[Buffer, Buffer]> = [];
  let readsInto = true;
  try {
    await mapLimit(
      starts,
      concurrency,
      async (start) => {
        const end = Math.min(start + partSize, src.size);
        if (readsInto) {
          const windows = spare.pop() ?? [partBuffers.take(WRITE_SIZE + SLACK), partBuffers.take(WRITE_SIZE + SLACK)];
          try {
            const sink: BodySink = {
              length: end - start,
              windows,
              write: (bytes, at) => writer.writeAt(bytes, start + at),
            };
            // Settled only once its writes have: the windows are free again after it.
            const n = await srcFs.readInto(src.name, start, sink, pin);
            if (n !== undefined) {
              if (n !== end - start) throw changedMeanwhile(srcFs, src.name);
              progress.addBytes(n);
              return;
            }
            readsInto = false;
          } finally {
            spare.push(windows);
          }
        }
        const queue = new ChunkQueue();
        let at = start;
        // One buffer per part, filled again once the write before has resolved.
        let buffer: Uint8Array | undefined;
        const into = (n: number) => (): Uint8Array =>
          buffer !== undefined && buffer.byteLength >= n
            ? buffer
            : (buffer = new Uint8Array(Math.max(n, WRITE_SIZE + SLACK)));
        const flush = async (): Promise<void> => {
          const n = queue.length;
          await writer.writeAt(queue.take(n, into(n)), at);
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
  } finally {
    // Windows come back to `spare` only once their read and its writes have settled.
    for (const windows of spare.splice(0)) for (const w of windows) partBuffers.give(w);
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

/** One ranged read as a store answered it. */
export interface RangeResponse {
  /** The bytes asked for; the whole object when `whole`. */
  body: AsyncIterable<Uint8Array>;
  /** The same bytes, where they came whole with the answer's head: a read that needs no other range takes them as they are. */
  bytes?: Uint8Array | undefined;
  /** The object's size, where the response gives it (S3's `Content-Range`). */
  total?: number | undefined;
  /** The version the bytes are of: the ranges after the first are pinned to it. */
  etag?: string | undefined;
  /** True when the store ignored the range and sent the whole object. */
  whole?: boolean;
  /** Releases a body left unread. */
  cancel?: () => void;
}

/**
 * One ranged read of bytes `[start, end)`, pinned to `etag` where given (a replaced object
 * fails), cancelled with `signal` (undefined: the read's caller gave none); undefined when
 * `start` is at or past the end.
 */
export type FetchRange = (
  start: number,
  end: number,
  etag: string | undefined,
  signal: AbortSignal | undefined,
) => Promise<RangeResponse | undefined>;

/** How {@link readRanges} splits a read. */
export interface RangeReadOptions {
  partSize: number;
  concurrency: number;
  /** The version to read (the first range is pinned to it, and so every range). */
  etag?: string | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Yields bytes `[start, end)` of an object (`end` undefined: to its end) with ranged reads
 * of `partSize`: the first is streamed as it arrives; when the object is larger, the next
 * ranges are fetched `concurrency` at a time, each pinned to the first response's ETag, and
 * yielded in order, so memory stays below `partSize` x `concurrency`.
 *
 * Behaviour: a start at or past the end yields nothing; a store that ignores ranges is
 * answered by slicing its whole-object body; stopping early (or `signal`) cancels the
 * reads in flight, and an aborted read fails with the abort, whatever the transport says.
 */
export async function* readRanges(
  fetchRange: FetchRange,
  start: number,
  end: number | undefined,
  options: RangeReadOptions,
): AsyncGenerator<Uint8Array> {
  const { signal } = options;
  try {
    if (end !== undefined && end <= start) return;
    const first = await firstRange(fetchRange, start, end, options);
    checkPinnedAnswer(first?.etag, options.etag, first?.cancel);
    yield* rangesInOrder(fetchRange, start, end, options, first);
  } catch (err) {
    if (signal?.aborted) throw abortError(signal);
    throw err;
  }
}

/**
 * The bytes {@link readRanges} yields, in one buffer. A read the first range answers in
 * full with its bytes in hand (a small object) returns them as they came: no stream, no copy.
 */
export async function readRangesAll(
  fetchRange: FetchRange,
  start: number,
  end: number | undefined,
  options: RangeReadOptions,
): Promise<Uint8Array> {
  const { signal } = options;
  try {
    if (end !== undefined && end <= start) return new Uint8Array(0);
    const first = await firstRange(fetchRange, start, end, options);
    checkPinnedAnswer(first?.etag, options.etag, first?.cancel);
    // The bytes in hand are all the read wants: the whole object, or a range reaching its stop.
    if (first?.bytes !== undefined) {
      const { bytes, whole } = first;
      if (whole === true || start + bytes.byteLength >= rangeEnd(first, start, end, options)) {
        first.cancel?.(); // its body is not read: the bytes are taken as they came
        throwIfAborted(signal);
        return whole === true ? bytes.subarray(Math.min(start, bytes.byteLength), end) : bytes;
      }
    }
    return await collectBytes(rangesInOrder(fetchRange, start, end, options, first));
  } catch (err) {
    if (signal?.aborted) throw abortError(signal);
    throw err;
  }
}

/** The first range of a read (`[start, start + partSize)`, pinned to `etag` where given). */
function firstRange(
  fetchRange: FetchRange,
  start: number,
  end: number | undefined,
  { partSize, etag, signal }: RangeReadOptions,
): Promise<RangeResponse | undefined> {
  throwIfAborted(signal);
  return fetchRange(start, Math.min(start + partSize, end ?? Infinity), etag, signal);
}

/** Where a read whose first range answered `first` stops: `end`, else the object's end. */
function rangeEnd(
  first: RangeResponse,
  start: number,
  end: number | undefined,
  { partSize }: RangeReadOptions,
): number {
  const firstEnd = Math.min(start + partSize, end ?? Infinity);
  const { total } = first;
  return Math.min(end ?? total ?? firstEnd, total ?? Infinity);
}

/** The bytes of a read after its first range came (undefined: it starts at or past the end). */
async function* rangesInOrder(
  fetchRange: FetchRange,
  start: number,
  end: number | undefined,
  options: RangeReadOptions,
  first: RangeResponse | undefined,
): AsyncGenerator<Uint8Array> {
  const { partSize, concurrency, etag, signal } = options;
  // The ranges after the first share a controller, made when the first of them starts
  // (a read of one range, most small files, needs none: the caller's signal is its own).
  let controller: AbortController | undefined;
  const onAbort = (): void => controller?.abort(signal?.reason);
  const firstEnd = Math.min(start + partSize, end ?? Infinity);
  let next = firstEnd;
  let stop = firstEnd;
  const pending: Array<Promise<Uint8Array[]>> = [];
  try {
    if (first === undefined) return;
    if (first.whole === true) {
      yield* sliceWhole(first.body, start, end, signal);
      return;
    }
    stop = rangeEnd(first, start, end, options);
    const pin = first.etag ?? etag;
    const fill = (): void => {
      while (pending.length < concurrency && next < stop) {
        if (controller === undefined) {
          controller = new AbortController();
          if (signal?.aborted) onAbort();
          else signal?.addEventListener('abort', onAbort, { once: true });
        }
        const from = next;
        next = Math.min(next + partSize, stop);
        const p = fetchRange(from, next, pin, controller.signal).then((res) => {
          if (res === undefined)
            throw new FsError({ kind: 'ConditionNotMatch', message: 'the object shrank while read' });
          checkPinnedAnswer(res.etag, pin, res.cancel);
          return collect(res);
        });
        p.catch(() => undefined); // observed when its turn comes
        pending.push(p);
      }
    };
    fill();
    for await (const chunk of first.body) {
      throwIfAborted(signal);
      yield chunk;
    }
    while (pending.length > 0) {
      const chunks = await pending.shift()!;
      fill();
      for (const chunk of chunks) {
        throwIfAborted(signal);
        yield chunk;
      }
    }
  } finally {
    if (controller !== undefined) {
      signal?.removeEventListener('abort', onAbort);
      if (pending.length > 0 || next < stop) controller.abort();
    }
    first?.cancel?.();
  }
}

/** The chunks of a range as they arrived (no concatenation: one copy less per part). */
async function collect(res: RangeResponse): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of res.body) chunks.push(chunk);
  return chunks;
}

/**
 * `Http1Options.sink` for a ranged read of the `sink.length` bytes from `start`: the body
 * of an answer that is that range (206, or any with `Content-Range`; cut only by the
 * object's end) goes to `sink`; a store that ignored the range and sent the whole object
 * is left to {@link fillSink} from the read's offset. An answer of another range, or, with
 * `pinned` (the ETag the read sends in `If-Match`), of another version is not put into the
 * sink: the caller fails it ({@link checkRangeHeaders}, {@link checkPinnedHeaders}).
 */
export function rangedSink(
  sink: BodySink,
  start: number,
  pinned?: string,
): (status: number, headers: IncomingHttpHeaders) => BodySink | undefined {
  return (status, headers) =>
    isRangeAsked(status, headers, start, start + sink.length) &&
    (pinned === undefined || typeof headers.etag !== 'string' || sameEtag(headers.etag, pinned))
      ? sink
      : undefined;
}

/**
 * Puts bytes `[skip, skip + sink.length)` of an answer into `sink`: bytes read in full go
 * to its `write` at once; a body streamed is copied into its first window, each full
 * window written before it is filled again, until the sink's length or the body's end,
 * and then released. Resolves how many bytes were put (fewer where the answer ends first)
 * once every write has.
 */
export async function fillSink(
  sink: BodySink,
  answer: Uint8Array | (AsyncIterable<Uint8Array> & { destroy?: () => void }),
  skip = 0,
): Promise<number> {
  if (answer instanceof Uint8Array) {
    const n = Math.max(0, Math.min(sink.length, answer.byteLength - skip));
    if (n > 0) await sink.write(answer.subarray(skip, skip + n), 0);
    return n;
  }
  const window = sink.windows[0];
  let written = 0;
  let fill = 0;
  try {
    for await (const chunk of answer) {
      let at = Math.min(skip, chunk.byteLength);
      skip -= at;
      while (at < chunk.byteLength && written + fill < sink.length) {
        const n = Math.min(chunk.byteLength - at, window.byteLength - fill, sink.length - written - fill);
        window.set(chunk.subarray(at, at + n), fill);
        fill += n;
        at += n;
        if (fill === window.byteLength) {
          await sink.write(window.subarray(0, fill), written);
          written += fill;
          fill = 0;
        }
      }
      if (written + fill === sink.length) break;
    }
  } finally {
    answer.destroy?.();
  }
  if (fill > 0) await sink.write(window.subarray(0, fill), written);
  return written + fill;
}
