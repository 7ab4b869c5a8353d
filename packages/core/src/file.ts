/**
 * RemoteFile: a file opened with `fs.open(path, mode)`. Reads are served from a small
 * LRU cache of blocks fetched with ranged reads; writes go to the backend's Writer, which
 * uploads in parts, so memory stays bounded whatever the file's size.
 */
import { errors, FsError } from './errors';
import { asBuffer, toBytes } from './data';
import type { Writer } from './writer';

/** Default read block size: 4 MiB. */
export const DEFAULT_BLOCK_SIZE = 4 * 1024 * 1024;

/** The read side a RemoteFile needs: the size and ranged reads (`end` exclusive). */
export interface BlockSource {
  size: number;
  read(start: number, end: number): Promise<Uint8Array>;
}

/** `seek` origins, as in POSIX: from the start, the current position, the end. */
export type Whence = 0 | 1 | 2;

/** Options of a RemoteFile, set through `fs.open`. */
export interface RemoteFileOptions {
  blockSize?: number;
  cacheBlocks?: number;
  /** Write modes: where the first byte written lands (`ab`: the size of the existing file). */
  appendsAt?: number;
}

/**
 * An open file. Read mode (`rb`): `read`, `seek`, `tell`, `for await` over chunks.
 * Write modes (`wb`, `ab`, `xb`): `write`, `flush`, `close` (commits) and `abort`.
 *
 * Behaviour:
 * - `read(n)` returns at most `n` bytes from the position (all the rest without `n`) and
 *   an empty array at the end of the file; reads made without waiting for each other read
 *   consecutive ranges, in the order they were made;
 * - nothing written is visible under the file's name before `close` resolves (except for
 *   native appends, which land as they are flushed);
 * - after `abort`, or a failed `close`, nothing of the write is left behind.
 */
export class RemoteFile implements AsyncIterable<Buffer> {
  private pos = 0;
  private written: number;
  private isClosed = false;
  private readonly blockSize: number;
  private readonly cacheBlocks: number;
  private readonly cache = new Map<number, Promise<Uint8Array>>();

  constructor(
    readonly path: string,
    readonly mode: 'rb' | 'wb' | 'ab' | 'xb',
    private readonly source: BlockSource | undefined,
    private readonly sink: Writer | undefined,
    options: RemoteFileOptions = {},
  ) {
    this.blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
    this.written = options.appendsAt ?? 0;
    this.cacheBlocks = Math.max(1, options.cacheBlocks ?? 4);
    if (!(this.blockSize > 0)) throw errors.invalid('blockSize must be a positive number');
  }

  /**
   * The file's size: its length when reading; when writing, the bytes written so far (in
   * `ab`, after the size the file had when opened).
   */
  get size(): number {
    return this.source?.size ?? this.written;
  }

  /** True once closed or aborted. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** The current position; in `ab` it starts at the end of the file as opened. */
  tell(): number {
    return this.source ? this.pos : this.written;
  }

  /** Moves the read position; returns the new one. Write-mode files cannot seek. */
  seek(offset: number, whence: Whence = 0): number {
    this.checkOpen();
    const source = this.reader();
    if (!Number.isInteger(offset)) throw errors.invalid(`seek offset must be an integer, got ${offset}`);
    const base = whence === 0 ? 0 : whence === 1 ? this.pos : whence === 2 ? source.size : NaN;
    if (Number.isNaN(base)) throw errors.invalid(`whence must be 0, 1 or 2, got ${String(whence)}`);
    const next = base + offset;
    if (next < 0) throw errors.invalid(`seek to a negative position (${next})`);
    this.pos = next;
    return next;
  }

  /** Reads up to `n` bytes (all that remain when `n` is omitted, `null` or negative), as a Buffer. */
  async read(n?: number | null): Promise<Buffer> {
    this.checkOpen();
    const source = this.reader();
    if (n !== undefined && n !== null && !Number.isSafeInteger(n))
      throw errors.invalid(`read takes a whole number of bytes (or none for the rest), got ${String(n)}`, this.path);
    const start = this.pos;
    const end = n === undefined || n === null || n < 0 ? source.size : Math.min(source.size, start + n);
    if (start >= end) return Buffer.alloc(0);
    // The range is taken when the call is made: reads started together get consecutive
    // ranges, in the order they were called, as if each had waited for the one before.
    this.pos = end;
    try {
      const data = await this.readRange(start, end);
      if (data.byteLength < end - start && this.pos === end) this.pos = start + data.byteLength;
      return data;
    } catch (err) {
      if (this.pos === end) this.pos = start;
      throw err;
    }
  }

  /** Appends bytes at the end of what was written; returns how many. */
  async write(data: Uint8Array | string): Promise<number> {
    this.checkOpen();
    const sink = this.writer();
    const bytes = toBytes(data);
    await sink.write(bytes);
    this.written += bytes.byteLength;
    return bytes.byteLength;
  }

  /** Hands buffered bytes to the backend; parts smaller than the minimum wait for `close`. */
  async flush(): Promise<void> {
    this.checkOpen();
  }

  /** Commits a write (a failed commit aborts it); closing a read file drops its cache. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.cache.clear();
    if (this.sink) {
      try {
        await this.sink.close();
      } catch (error) {
        await this.sink.abort(error).catch(() => undefined);
        throw error;
      }
    }
  }

  /** Discards a write: nothing of it is left behind. */
  async abort(reason?: unknown): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.cache.clear();
    await this.sink?.abort(reason);
  }

  /** Chunks from the current position to the end, one block at a time. */
  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for (;;) {
      const chunk = await this.read(this.blockSize);
      if (chunk.byteLength === 0) return;
      yield chunk;
    }
  }

  private async readRange(start: number, end: number): Promise<Buffer> {
    const source = this.reader();
    // Reads larger than the cache go straight to the backend.
    if (end - start > this.blockSize * this.cacheBlocks) return asBuffer(await source.read(start, end));
    const first = Math.floor(start / this.blockSize);
    const last = Math.floor((end - 1) / this.blockSize);
    const blocks = await Promise.all(Array.from({ length: last - first + 1 }, (_, i) => this.block(first + i)));
    const out = Buffer.alloc(end - start);
    let filled = 0;
    for (let i = 0; i < blocks.length; i++) {
      const blockStart = (first + i) * this.blockSize;
      const from = Math.max(start - blockStart, 0);
      const to = Math.min(end - blockStart, blocks[i]!.byteLength);
      if (to <= from) break;
      out.set(blocks[i]!.subarray(from, to), filled);
      filled += to - from;
    }
    return filled === out.byteLength ? out : out.subarray(0, filled);
  }

  private block(index: number): Promise<Uint8Array> {
    const hit = this.cache.get(index);
    if (hit !== undefined) {
      this.cache.delete(index); // re-insert as most recently used
      this.cache.set(index, hit);
      return hit;
    }
    const source = this.reader();
    const start = index * this.blockSize;
    const p = source.read(start, Math.min(start + this.blockSize, source.size));
    p.catch(() => this.cache.delete(index));
    this.cache.set(index, p);
    while (this.cache.size > this.cacheBlocks) this.cache.delete(this.cache.keys().next().value as number);
    return p;
  }

  private reader(): BlockSource {
    if (!this.source)
      throw new FsError({
        kind: 'Unsupported',
        message: `file opened for writing ("${this.mode}") cannot be read or seeked`,
        path: this.path,
      });
    return this.source;
  }

  private writer(): Writer {
    if (!this.sink)
      throw new FsError({
        kind: 'Unsupported',
        message: 'file opened for reading ("rb") cannot be written',
        path: this.path,
      });
    return this.sink;
  }

  private checkOpen(): void {
    if (this.isClosed) throw errors.invalid('I/O on a closed file', this.path);
  }
}
