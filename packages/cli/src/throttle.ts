/** `--bwlimit`: pacing of the bytes read, from a filesystem or any stream of chunks, to a rate. */
import { setTimeout as sleep } from 'node:timers/promises';
import { type FileSystem } from '@omnifs/core';
import { WrapperFileSystem, type ReadOptions, type WrapperOptions } from '@omnifs/core/backend';

/**
 * Paces bytes to a rate: each call waits until the bytes counted so far, its own
 * included, fit `bytesPerSecond` since the first call.
 */
export class Pacer {
  readonly bytesPerSecond: number;
  /** Chunks are paced in slices of about a tenth of a second, so progress moves smoothly. */
  private readonly slice: number;
  private startedAt = 0;
  private bytes = 0;

  constructor(bytesPerSecond: number) {
    this.bytesPerSecond = bytesPerSecond;
    this.slice = Math.min(1024 * 1024, Math.max(16 * 1024, Math.floor(bytesPerSecond / 10)));
  }

  /** Waits until `n` more bytes fit the rate since the first ones. */
  async pace(n: number, signal: AbortSignal | undefined): Promise<void> {
    const now = Date.now();
    if (this.startedAt === 0) this.startedAt = now;
    this.bytes += n;
    const due = this.startedAt + (this.bytes / this.bytesPerSecond) * 1000;
    if (due > now) await sleep(due - now, undefined, signal ? { signal } : {});
  }

  /** `chunks` in slices, each yielded once it fits the rate. */
  async *paced(chunks: AsyncIterable<Uint8Array>, signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
    for await (const chunk of chunks) {
      for (let at = 0; at < chunk.byteLength; at += this.slice) {
        const part = chunk.subarray(at, at + this.slice);
        await this.pace(part.byteLength, signal);
        yield part;
      }
    }
  }
}

/** Options of {@link ThrottledFileSystem}. */
export interface ThrottleOptions extends WrapperOptions {
  /** Bytes per second, over all reads of this instance together. */
  bytesPerSecond: number;
}

/**
 * Reads of the wrapped filesystem, paced so that all of them together move at most
 * `bytesPerSecond` (what rsync's and rclone's `--bwlimit` do). A copy through it is
 * streamed by the client, never a server-side copy, and a download in parts reads each
 * part as a paced stream.
 */
export class ThrottledFileSystem extends WrapperFileSystem {
  static override protocols: readonly string[] = ['bwlimit'];
  private readonly pacer: Pacer;

  constructor(options: ThrottleOptions) {
    super(options);
    this.pacer = new Pacer(options.bytesPerSecond);
  }

  protected override async _read(
    path: string,
    start: number,
    end: number | undefined,
    options: ReadOptions = {},
  ): Promise<Uint8Array> {
    const bytes = await super._read(path, start, end, options);
    await this.pacer.pace(bytes.byteLength, options.signal);
    return bytes;
  }

  protected override _readStream(
    path: string,
    start: number,
    end: number | undefined,
    options: ReadOptions = {},
  ): AsyncGenerator<Uint8Array> {
    return this.pacer.paced(super._readStream(path, start, end, options), options.signal);
  }

  /** Declined: the caller then streams the range through `_readStream`, which is paced. */
  protected override async _readInto(): Promise<undefined> {
    return undefined;
  }
}

/** `fs` paced to `bytesPerSecond`, or `fs` itself without a limit. */
export function throttled(fs: FileSystem, bytesPerSecond: number | undefined): FileSystem {
  return bytesPerSecond === undefined ? fs : new ThrottledFileSystem({ fs, bytesPerSecond, skipInstanceCache: true });
}

/** `chunks` paced to `bytesPerSecond`, or `chunks` themselves without a limit. */
export function throttledChunks(
  chunks: AsyncIterable<Uint8Array>,
  bytesPerSecond: number | undefined,
  signal: AbortSignal | undefined,
): AsyncIterable<Uint8Array> {
  return bytesPerSecond === undefined ? chunks : new Pacer(bytesPerSecond).paced(chunks, signal);
}
