/**
 * Writers: how bytes reach a backend when they arrive in pieces. A backend implements
 * {@link Writer} natively (a file descriptor) or through {@link MultipartWriter}
 * (initiate / upload part / complete / abort), which bounds memory to
 * `partSize x (concurrency + 1)` whatever the file's size.
 */
import { errors } from './errors';
import { throwIfAborted, type ProgressTracker } from './batch';
import { abortable, currentSignal, outsideSignal } from './timeouts';
import { partBuffers } from './buffers';

/** A sink for one file's bytes. Nothing is visible under the final name before `close`. */
export interface Writer {
  /** Accepts the next bytes; resolves when the writer can take more. */
  write(chunk: Uint8Array): Promise<void>;
  /** Commits the file. */
  close(): Promise<void>;
  /** Discards everything written; leaves no partial file or orphaned parts. */
  abort(reason?: unknown): Promise<void>;
  /**
   * Where the first byte written lands in the committed file: the size of the file an
   * append keeps (set by the writer that read it); absent for a new file.
   */
  appendsAt?: number;
}

/**
 * A sink that takes bytes at any offset, for parts that arrive out of order (a concurrent
 * download). Nothing is visible under the final name before `close`.
 */
export interface RandomWriter {
  /**
   * Writes `data` at byte `position`; calls may overlap. `data` is the writer's until the
   * returned promise settles: the caller may then fill it again.
   */
  writeAt(data: Uint8Array, position: number): Promise<void>;
  /** Commits the file (after every `writeAt` has resolved). */
  close(): Promise<void>;
  /** Discards everything written; leaves no partial file. */
  abort(reason?: unknown): Promise<void>;
}

/**
 * A {@link Writer} that lends its own buffer to be read into: a source that reads straight
 * into it (a local file) saves the copy from the source's buffer into the writer's that
 * `write` makes, and the garbage that copy leaves.
 */
export interface FillableWriter extends Writer {
  /**
   * Sources larger than this many bytes are read into the writer's buffers; smaller ones
   * are written in chunks. Unset: those larger than the destination's `partSize` (a
   * writer whose buffers are parts lends a whole part, too much for a small file).
   */
  readonly fillsFrom?: number;
  /** Room to read into: the unfilled rest of the writer's current buffer (never empty). */
  space(): Uint8Array;
  /**
   * Takes the first `n` bytes of the room the last `space()` gave as written; resolves
   * when the writer can take more. A writer is filled or written, never both.
   */
  filled(n: number): Promise<void>;
}

/** Returns a buffer of {@link partBuffers} (a plain Uint8Array is left to the garbage collector). */
function giveBack(buffer: Uint8Array): void {
  if (Buffer.isBuffer(buffer)) partBuffers.give(buffer);
}

/** Whether `writer` lends its buffers ({@link FillableWriter}). */
export function isFillable(writer: Writer): writer is FillableWriter {
  const w = writer as Partial<FillableWriter>;
  return typeof w.space === 'function' && typeof w.filled === 'function';
}

/** A reader that fills the caller's buffers from a file's start, in order. */
export interface ReaderInto {
  /** Reads the next bytes into `into`; resolves how many (0 at the end). */
  read(into: Uint8Array): Promise<number>;
  /** Releases the file. */
  close(): Promise<void>;
}

/** The service side of a multipart upload; the MultipartWriter calls it. */
export interface MultipartTarget<Part = unknown> {
  /** Writes a file smaller than one part in one request. */
  putSingle(data: Uint8Array): Promise<void>;
  /** Starts the upload (called before the first part). */
  initiate(): Promise<void>;
  /**
   * Uploads one part; parts are numbered from 1. Returns what `complete` needs. `data` is
   * the target's until the returned promise settles; the writer then fills it again with a
   * later part, so a target that keeps the bytes copies them.
   */
  uploadPart(partNumber: number, data: Uint8Array): Promise<Part>;
  /** Assembles the parts, in order, into the file. */
  complete(parts: Part[]): Promise<void>;
  /** Cancels the upload and deletes its parts. */
  abort(): Promise<void>;
}

/** Part size and parallelism of multipart writes. */
export interface MultipartOptions {
  /** Bytes per part (default 8 MiB). */
  partSize?: number;
  /** Parts uploaded at once (default 4). */
  concurrency?: number;
}

export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
export const DEFAULT_PART_CONCURRENCY = 4;

/** Collects chunks and hands out exact-size pieces without copying more than needed. */
export class ChunkQueue {
  private chunks: Uint8Array[] = [];
  length = 0;

  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.byteLength;
  }

  /**
   * Removes and returns the first `n` bytes (or all, when fewer are queued): the first
   * chunk itself when it is exactly that long, else a copy, into the array `into` gives
   * (at least `n` bytes long) or a new one.
   */
  take(n: number = this.length, into?: () => Uint8Array): Uint8Array {
    n = Math.min(n, this.length);
    const first = this.chunks[0];
    if (first !== undefined && first.byteLength === n) {
      this.chunks.shift();
      this.length -= n;
      return first;
    }
    const out = into === undefined ? new Uint8Array(n) : into().subarray(0, n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const want = n - filled;
      if (c.byteLength <= want) {
        out.set(c, filled);
        filled += c.byteLength;
        this.chunks.shift();
      } else {
        out.set(c.subarray(0, want), filled);
        this.chunks[0] = c.subarray(want);
        filled += want;
      }
    }
    this.length -= n;
    return out;
  }
}

/**
 * A {@link Writer} over a {@link MultipartTarget}.
 *
 * Behaviour:
 * - a file smaller than one part is written with one `putSingle`;
 * - otherwise parts of exactly `partSize` bytes (the last may be shorter) are uploaded,
 *   at most `concurrency` at once; `write` waits while that many are in flight;
 * - any failure or `abort` aborts the upload so no parts are left behind.
 */
export class MultipartWriter<Part = unknown> implements FillableWriter {
  /** See {@link Writer.appendsAt}. */
  appendsAt?: number;
  private readonly queue = new ChunkQueue();
  private readonly partSize: number;
  private readonly concurrency: number;
  private readonly parts: Part[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  /** Part buffers whose upload has ended, filled again by the next parts (no new allocation each part). */
  private readonly spare: Uint8Array[] = [];
  /** The part buffer `space` lends, and how many of its bytes are filled. */
  private room: Uint8Array | undefined;
  private roomFilled = 0;
  private started: Promise<void> | undefined;
  private nextPart = 1;
  private failure: { error: unknown } | undefined;
  private done = false;

  constructor(
    private readonly target: MultipartTarget<Part>,
    options: MultipartOptions = {},
  ) {
    this.partSize = options.partSize ?? DEFAULT_PART_SIZE;
    this.concurrency = options.concurrency ?? DEFAULT_PART_CONCURRENCY;
    if (!(this.partSize > 0) || !(this.concurrency > 0)) {
      throw errors.invalid('partSize and concurrency must be positive numbers');
    }
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.check();
    if (this.room !== undefined) throw errors.invalid('write on a writer being filled');
    this.queue.push(chunk);
    while (this.queue.length >= this.partSize) await this.startPart(this.takePart(this.partSize));
  }

  /** The next part's bytes, copied into a spare part buffer unless a chunk is the whole part. */
  private takePart(n: number): { data: Uint8Array; buffer?: Uint8Array } {
    let buffer: Uint8Array | undefined;
    const data = this.queue.take(n, () => (buffer = this.spare.pop() ?? partBuffers.take(this.partSize)));
    return buffer === undefined ? { data } : { data, buffer };
  }

  space(): Uint8Array {
    this.check();
    if (this.queue.length > 0) throw errors.invalid('space on a writer being written');
    this.room ??= this.spare.pop() ?? partBuffers.take(this.partSize);
    return this.room.subarray(this.roomFilled);
  }

  async filled(n: number): Promise<void> {
    this.check();
    const room = this.room;
    if (room === undefined || !Number.isInteger(n) || n < 0 || this.roomFilled + n > this.partSize)
      throw errors.invalid(`filled(${n}) is more than the room lent`);
    this.roomFilled += n;
    if (this.roomFilled < this.partSize) return;
    this.room = undefined;
    this.roomFilled = 0;
    await this.startPart({ data: room, buffer: room });
  }

  async close(): Promise<void> {
    this.check();
    this.done = true;
    const room = this.room;
    if (room !== undefined) {
      // Bytes filled in place join the queue (nothing was written, so it holds only these).
      this.queue.push(room.subarray(0, this.roomFilled));
      this.room = undefined;
    }
    try {
      if (this.started === undefined) {
        await this.target.putSingle(this.queue.take());
        return;
      }
      if (this.queue.length > 0) await this.startPart(this.takePart(this.queue.length));
      await this.drain();
      this.rethrow();
      await this.target.complete(this.parts);
    } catch (error) {
      // The failure the caller hears is the upload's, not the cleanup's: after a completion
      // that failed (or was aborted) once sent, aborting the upload may find it done.
      await this.cleanup().catch(() => undefined);
      throw error;
    } finally {
      // Every upload has ended (drained, or the single put answered): no request reads them.
      this.release(room);
    }
  }

  async abort(): Promise<void> {
    if (this.done && this.started === undefined) return;
    this.done = true;
    const room = this.room;
    this.room = undefined;
    await this.cleanup();
    this.release(room);
  }

  /** Gives the part buffers back to the shared pool, for the next writer. */
  private release(room: Uint8Array | undefined): void {
    for (const buffer of this.spare.splice(0)) giveBack(buffer);
    if (room !== undefined) giveBack(room);
  }

  /** Uploads one part; its buffer (when the writer made it) is spare again once the upload ended. */
  private async startPart({ data, buffer }: { data: Uint8Array; buffer?: Uint8Array }): Promise<void> {
    this.started ??= this.target.initiate();
    try {
      await this.started;
    } catch (error) {
      if (buffer !== undefined) this.spare.push(buffer);
      this.failure ??= { error };
      this.rethrow();
    }
    const number = this.nextPart++;
    const p: Promise<void> = this.target
      .uploadPart(number, data)
      .then((part) => {
        this.parts[number - 1] = part;
      })
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => {
        this.inFlight.delete(p);
        if (buffer !== undefined) this.spare.push(buffer);
      });
    this.inFlight.add(p);
    while (this.inFlight.size >= this.concurrency) await Promise.race(this.inFlight);
    this.rethrow();
  }

  private async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
  }

  private async cleanup(): Promise<void> {
    await this.drain();
    if (this.started === undefined) return;
    try {
      await this.started;
    } catch {
      return; // never initiated: nothing to abort
    }
    await outsideSignal(() => this.target.abort());
  }

  private check(): void {
    if (this.done) throw errors.invalid('write after close or abort');
    this.rethrow();
  }

  private rethrow(): void {
    if (this.failure !== undefined) throw this.failure.error;
  }
}

/**
 * A {@link Writer} that keeps the whole file in memory and writes it on `close`: the
 * fallback for backends with neither streaming nor multipart writes. Memory grows with
 * the file; backends that can do better override `_openWriter`.
 */
export class BufferedWriter implements Writer {
  private readonly queue = new ChunkQueue();
  private closed = false;
  constructor(private readonly commit: (data: Uint8Array) => Promise<void>) {}

  async write(chunk: Uint8Array): Promise<void> {
    if (this.closed) throw errors.invalid('write after close or abort');
    this.queue.push(chunk);
  }

  async close(): Promise<void> {
    if (this.closed) throw errors.invalid('write after close or abort');
    this.closed = true;
    await this.commit(this.queue.take());
  }

  async abort(): Promise<void> {
    this.closed = true;
    this.queue.take();
  }
}

/**
 * Streams chunks into a writer and commits it; returns the bytes written.
 *
 * Behaviour: bytes are added to `progress` as they are written; an aborted `signal` or
 * any failure aborts the writer, so nothing is left under the final name. An abort while
 * the source is waiting for its next chunk does not wait for that chunk: the writer is
 * aborted at once, and the source is told to stop (`return`) without waiting for it.
 */
export async function pump(
  chunks: AsyncIterable<Uint8Array>,
  writer: Writer,
  options: { signal?: AbortSignal | undefined; progress?: ProgressTracker } = {},
): Promise<number> {
  const signal = operationSignal(options.signal);
  const source = chunks[Symbol.asyncIterator]();
  let bytes = 0;
  try {
    for (;;) {
      const next = signal === undefined ? await source.next() : await abortable(source.next(), signal, 0);
      if (next.done === true) break;
      throwIfAborted(signal);
      await writer.write(next.value);
      bytes += next.value.byteLength;
      options.progress?.addBytes(next.value.byteLength);
    }
    throwIfAborted(signal);
    await writer.close();
  } catch (err) {
    // Not awaited: a source stopped in the middle of a `next` only returns after it.
    Promise.resolve(source.return?.()).catch(() => undefined);
    await outsideSignal(() => writer.abort(err)).catch(() => undefined);
    throw err;
  }
  return bytes;
}

/** `signal` together with the signal of the operation in progress, if either. */
function operationSignal(signal: AbortSignal | undefined): AbortSignal | undefined {
  const ambient = currentSignal();
  if (ambient === undefined || ambient === signal) return signal;
  return signal === undefined ? ambient : AbortSignal.any([ambient, signal]);
}

/**
 * `writer` once `chunks` are written to it, left open for more: how an append that
 * rewrites a file starts, with the old content. Its `appendsAt` is the bytes written.
 * Any failure aborts the writer.
 */
export async function prefilled<W extends Writer>(writer: W, chunks: AsyncIterable<Uint8Array>): Promise<W> {
  let bytes = 0;
  try {
    for await (const chunk of chunks) {
      await writer.write(chunk);
      bytes += chunk.byteLength;
    }
  } catch (err) {
    await outsideSignal(() => writer.abort(err)).catch(() => undefined);
    throw err;
  }
  writer.appendsAt = bytes;
  return writer;
}

/**
 * {@link pump} for a source that reads into the writer's own buffers: each read fills the
 * room the writer lends, so no byte is copied between the two. Closes the writer at the
 * end, aborts it on any failure; the reader is closed either way. Resolves the bytes moved.
 */
export async function pumpInto(
  reader: ReaderInto,
  writer: FillableWriter,
  options: { signal?: AbortSignal | undefined; progress?: ProgressTracker } = {},
): Promise<number> {
  let bytes = 0;
  try {
    for (;;) {
      throwIfAborted(options.signal);
      const n = await reader.read(writer.space());
      if (n === 0) break;
      await writer.filled(n);
      bytes += n;
      options.progress?.addBytes(n);
    }
    throwIfAborted(options.signal);
    await writer.close();
  } catch (err) {
    await outsideSignal(() => writer.abort(err)).catch(() => undefined);
    throw err;
  } finally {
    await reader.close().catch(() => undefined);
  }
  return bytes;
}
