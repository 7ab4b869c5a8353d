/** Test helpers for core: a filesystem that fails on demand and counts calls. */
import { expect } from 'chai';
import { FileSystem, FsError, type Capabilities, type FileInfo } from '@omnifs/core';
import {
  errors,
  fillSink,
  WrapperFileSystem,
  type BodySink,
  type HookName,
  type ReadOptions,
  type WrapperOptions,
} from '@omnifs/core/backend';
import { MemoryFileSystem } from '@omnifs/memory';

/** A private memory filesystem. */
export function privateMemory(): FileSystem {
  return new MemoryFileSystem({ store: 'private' });
}

/**
 * Wraps a filesystem, counting calls per hook and failing the next `failures` calls of
 * chosen hooks with a temporary (or permanent) FsError.
 */
export class FlakyFileSystem extends WrapperFileSystem {
  static override protocols = ['flaky'];
  readonly calls = new Map<HookName, number>();
  failures = 0;
  failOn: ReadonlySet<HookName> = new Set();
  temporary = true;
  /** Fails reads after this many bytes of a stream, once per failure. */
  breakStreamAfter: number | undefined;
  inFlight = 0;
  maxInFlight = 0;
  delayMs = 0;
  /** Streams wait for it before they give their first chunk (read by then). */
  holdStreams: Promise<void> | undefined;

  count(hook: HookName): number {
    return this.calls.get(hook) ?? 0;
  }

  protected override async call<T>(hook: HookName, fn: () => Promise<T>): Promise<T> {
    this.calls.set(hook, this.count(hook) + 1);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
      if (this.failOn.has(hook) && this.failures > 0) {
        this.failures--;
        throw new FsError({
          kind: this.temporary ? 'RateLimited' : 'PermissionDenied',
          message: `injected failure of ${hook}`,
          temporary: this.temporary,
        });
      }
      return await fn();
    } finally {
      this.inFlight--;
    }
  }

  protected override async *_readStream(
    path: string,
    start: number,
    end: number | undefined,
    options: ReadOptions = {},
  ): AsyncGenerator<Uint8Array> {
    this.calls.set('openRead', this.count('openRead') + 1);
    const hold = this.holdStreams;
    let sent = 0;
    for await (const chunk of super._readStream(path, start, end, options)) {
      if (sent === 0) await hold;
      if (this.breakStreamAfter !== undefined && this.failures > 0 && sent + chunk.byteLength > this.breakStreamAfter) {
        this.failures--;
        const keep = this.breakStreamAfter - sent;
        if (keep > 0) yield chunk.subarray(0, keep);
        throw new FsError({ kind: 'Unexpected', message: 'injected connection reset', temporary: true });
      }
      sent += chunk.byteLength;
      yield chunk;
    }
  }
}

/** The FsError that `fn` throws synchronously; fails the test when it throws none. */
export function fsError(fn: () => unknown): FsError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(FsError);
    return e as FsError;
  }
  return expect.fail('expected an FsError');
}

/**
 * A {@link FlakyFileSystem} that declares ranged reads in small parts, several at once,
 * so `get` fetches its files in concurrent parts; it counts the streams open at once.
 */
export class PartedFileSystem extends FlakyFileSystem {
  readonly #parts: { partSize: number; concurrency: number; readConcurrency?: number; readPartSize?: number };
  streamsOpen = 0;
  maxStreamsOpen = 0;
  /** Ranges asked for, `[start, end)`. */
  readonly ranges: Array<[number, number | undefined]> = [];

  constructor(
    options: WrapperOptions & {
      partSize: number;
      concurrency: number;
      readConcurrency?: number;
      readPartSize?: number;
    },
  ) {
    super(options);
    const { partSize, concurrency, readConcurrency, readPartSize } = options;
    this.#parts = {
      partSize,
      concurrency,
      ...(readConcurrency === undefined ? {} : { readConcurrency }),
      ...(readPartSize === undefined ? {} : { readPartSize }),
    };
  }

  override get capabilities(): Readonly<Capabilities> {
    return { ...super.capabilities, ...this.#parts };
  }

  protected override async *_readStream(
    path: string,
    start: number,
    end: number | undefined,
    options: ReadOptions = {},
  ): AsyncGenerator<Uint8Array> {
    this.ranges.push([start, end]);
    this.streamsOpen++;
    this.maxStreamsOpen = Math.max(this.maxStreamsOpen, this.streamsOpen);
    try {
      // Each part takes a moment, so parts overlap as they would over a network.
      await new Promise((r) => setTimeout(r, 2));
      yield* super._readStream(path, start, end, options);
    } finally {
      this.streamsOpen--;
    }
  }
}

/**
 * A {@link PartedFileSystem} that reads ranges into the caller's sink (`_readInto`), as the
 * S3 lean path does; `readsInto: false` declines every such read, so the caller streams
 * instead.
 */
export class IntoFileSystem extends PartedFileSystem {
  /** Each sink read into, by its first window, and how often. */
  readonly buffers = new Map<ArrayBufferLike, number>();
  readsInto = true;
  /** Reads into a sink still to fail with a temporary error, each after writing part of the range. */
  failInto = 0;

  protected override async _readInto(
    path: string,
    start: number,
    sink: BodySink,
    options: ReadOptions,
  ): Promise<number | undefined> {
    if (!this.readsInto) return undefined;
    const window = sink.windows[0];
    this.buffers.set(window.buffer, (this.buffers.get(window.buffer) ?? 0) + 1);
    if (this.failInto > 0) {
      this.failInto--;
      const n = Math.min(100, window.byteLength, sink.length);
      window.fill(0xee, 0, n);
      await sink.write(window.subarray(0, n), 0);
      throw new FsError({ kind: 'Unexpected', code: 'ECONNRESET', temporary: true, message: 'cut off' });
    }
    return fillSink(sink, this._readStream(path, start, start + sink.length, options));
  }
}

/** A flat store of versioned files (ETag = version) whose reads honour `options.etag`, as object stores do. */
export class VersionedFileSystem extends FileSystem {
  static override protocols = ['versioned'];
  readonly files = new Map<string, { data: Buffer; etag: string }>();
  private version = 0;
  /** Called after each `_read`, once: a writer replacing the file meanwhile. */
  afterRead: (() => void) | undefined;
  /** Called after each `_info`, once: a writer replacing the file between a look and a read. */
  afterInfo: (() => void) | undefined;

  store(path: string, data: Buffer): void {
    this.files.set(path, { data, etag: `v${++this.version}` });
  }

  protected async _info(path: string): Promise<FileInfo> {
    const f = this.files.get(path);
    if (f === undefined) throw errors.notFound(path);
    const then = this.afterInfo;
    this.afterInfo = undefined;
    then?.();
    return { name: path, size: f.data.byteLength, type: 'file', etag: f.etag };
  }

  protected async _ls(path: string): Promise<FileInfo[]> {
    return [await this._info(path)];
  }

  protected async _read(path: string, start: number, end: number | undefined, options: ReadOptions = {}) {
    const f = this.files.get(path);
    if (f === undefined) throw errors.notFound(path);
    if (options.etag !== undefined && options.etag !== f.etag)
      throw new FsError({ kind: 'ConditionNotMatch', message: 'the file changed', path });
    const out = f.data.subarray(start, end);
    const then = this.afterRead;
    this.afterRead = undefined;
    then?.();
    return out;
  }

  protected async _write(path: string, data: Uint8Array): Promise<void> {
    this.store(path, Buffer.from(data));
  }

  protected async _rm(path: string): Promise<void> {
    this.files.delete(path);
  }
}
