/** `--bwlimit`: a layer that paces the bytes read from a filesystem to a rate. */
import { setTimeout as sleep } from 'node:timers/promises';
import { type FileSystem } from '@omnifs/core';
import { WrapperFileSystem, type ReadOptions, type WrapperOptions } from '@omnifs/core/backend';

/** Options of {@link ThrottledFileSystem}. */
export interface ThrottleOptions extends WrapperOptions {
  /** Bytes per second, over all reads of this instance together. */
  bytesPerSecond: number;
}

/**
 * Reads of the wrapped filesystem, paced so that all of them together move at most
 * `bytesPerSecond` (what rsync's and rclone's `--bwlimit` do). A copy through it is
 * streamed by the client, never a server-side copy.
 */
export class ThrottledFileSystem extends WrapperFileSystem {
  static override protocols: readonly string[] = ['bwlimit'];
  private readonly bytesPerSecond: number;
  private startedAt = 0;
  private bytes = 0;

  constructor(options: ThrottleOptions) {
    super(options);
    this.bytesPerSecond = options.bytesPerSecond;
  }

  /** Waits until `n` more bytes fit the rate since the first read. */
  private async pace(n: number, signal: AbortSignal | undefined): Promise<void> {
    const now = Date.now();
    if (this.startedAt === 0) this.startedAt = now;
    this.bytes += n;
    const due = this.startedAt + (this.bytes / this.bytesPerSecond) * 1000;
    if (due > now) await sleep(due - now, undefined, signal ? { signal } : {});
  }

  protected override async _read(
    path: string,
    start: number,
    end: number | undefined,
    options: ReadOptions = {},
  ): Promise<Uint8Array> {
    const bytes = await super._read(path, start, end, options);
    await this.pace(bytes.byteLength, options.signal);
    return bytes;
  }

  protected override async *_readStream(
    path: string,
    start: number,
    end: number | undefined,
    options: ReadOptions = {},
  ): AsyncGenerator<Uint8Array> {
    // Large chunks are paced in slices of a tenth of a second, so progress moves smoothly.
    const slice = Math.min(1024 * 1024, Math.max(16 * 1024, Math.floor(this.bytesPerSecond / 10)));
    for await (const chunk of super._readStream(path, start, end, options)) {
      for (let at = 0; at < chunk.byteLength; at += slice) {
        const part = chunk.subarray(at, at + slice);
        await this.pace(part.byteLength, options.signal);
        yield part;
      }
    }
  }
}

/** `fs` paced to `bytesPerSecond`, or `fs` itself without a limit. */
export function throttled(fs: FileSystem, bytesPerSecond: number | undefined): FileSystem {
  return bytesPerSecond === undefined ? fs : new ThrottledFileSystem({ fs, bytesPerSecond, skipInstanceCache: true });
}
