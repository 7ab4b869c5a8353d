/**
 * WrapperFileSystem: the base of layers. It forwards every backend hook to the wrapped
 * filesystem's hook (so a path is normalised, and an error given its context, once: by the
 * outermost filesystem), through one `call` point that layers override (retry, concurrency
 * limit), and maps paths in and names out (the `dir` layer).
 */
import type { BodySink } from '../http1';
import { errors, FsError } from '../errors';
import { FileSystem, type ReadOptions, type SignOptions, type WriterOptions } from '../filesystem';
import { backendHooks, type BackendHooks, type RmTreeOptions } from '../hooks';
import { defineOptions, type OptionSpec, type OptionType } from '../options';
import type { Capabilities, FileInfo, WriteMode } from '../types';
import type { CleanupOptions, CleanupResult, Debris } from '../debris';
import type { RandomWriter, Writer } from '../writer';

/** Options of every layer: the filesystem it wraps. */
export interface WrapperOptions {
  /** The filesystem to wrap. */
  fs: FileSystem;
  skipInstanceCache?: boolean;
}

/** The options of every layer, spread into each layer's schema. */
export const WRAPPER_OPTIONS = {
  fs: { type: 'any', check: (v: unknown) => (v instanceof FileSystem ? undefined : 'must be a FileSystem to wrap') },
  skipInstanceCache: 'boolean',
} as const satisfies Record<keyof Required<WrapperOptions>, OptionSpec | OptionType>;

/** Which hook a call is for; layers use it to decide (retry only what is safe). */
export type HookName =
  | 'info'
  | 'ls'
  | 'read'
  | 'write'
  | 'rm'
  | 'openWriter'
  | 'mkdir'
  | 'rmdir'
  | 'openRead'
  | 'openRandomWriter'
  | 'copy'
  | 'find'
  | 'rmMany'
  | 'rmTree'
  | 'rename'
  | 'sign'
  | 'touch';

/**
 * A layer around another FileSystem; by itself it changes nothing.
 *
 * Behaviour:
 * - each hook calls the wrapped filesystem's hook of the same name, with the path mapped by
 *   `toInner`; its capabilities are the wrapped filesystem's, so an optional hook is only
 *   called where the wrapped filesystem has it;
 * - errors are mapped by the wrapped filesystem's `mapError` and name its protocol; the
 *   operation and path are those of the call made on the layer.
 */
export class WrapperFileSystem extends FileSystem {
  /** The wrapped filesystem. */
  readonly fs: FileSystem;
  override readonly rootMarker: '' | '/';
  /** The options every layer takes. */
  static override optionSchema = defineOptions<WrapperOptions>(WRAPPER_OPTIONS);
  /** The wrapped filesystem's hooks. */
  private readonly inner: BackendHooks;

  constructor(options: WrapperOptions) {
    super(options);
    if (!(options?.fs instanceof FileSystem)) {
      throw new FsError({ kind: 'InvalidArgument', message: `${new.target.name} needs { fs: FileSystem } to wrap` });
    }
    this.fs = options.fs;
    this.inner = backendHooks(this.fs);
    this.rootMarker = this.fs.rootMarker;
  }

  /** The wrapped filesystem's: a layer forwards each hook only where the wrapped one has it. */
  override get capabilities(): Readonly<Capabilities> {
    return this.fs.capabilities;
  }

  /** Inner paths and outer paths are the same here; the dir layer maps them. */
  protected toInner(path: string): string {
    return path;
  }

  /** The wrapped filesystem's answer for the inner path. */
  override locate(path: string): { fs: FileSystem; path: string } {
    return this.fs.locate(this.toInner(path));
  }

  /** Maps an inner name back to this layer's path space. */
  protected fromInner(path: string): string {
    return path;
  }

  override normalize(path: unknown): string {
    return this.fs.normalize(path);
  }

  /** The wrapped filesystem's mapping of its own errors. */
  protected override mapError(err: unknown): FsError {
    return this.inner.mapError(err);
  }

  /** The single point every forwarded call goes through. */
  protected call<T>(_hook: HookName, fn: () => Promise<T>): Promise<T> {
    return fn();
  }

  /**
   * Calls a hook of the wrapped filesystem through {@link call}; what it throws is mapped
   * there, as an FsError naming the wrapped protocol, so layers (retry) can classify it.
   */
  protected forward<T>(hook: HookName, fn: (inner: BackendHooks) => Promise<T>): Promise<T> {
    return this.call(hook, async () => {
      try {
        return await fn(this.inner);
      } catch (err) {
        throw this.innerError(err);
      }
    });
  }

  /** An error of the wrapped filesystem, mapped and naming its protocol. */
  private innerError(err: unknown): FsError {
    const e = this.inner.mapError(err);
    e.protocol ??= this.inner.protocol;
    return e;
  }

  private out(info: FileInfo): FileInfo {
    const name = this.fromInner(info.name);
    return name === info.name ? info : { ...info, name };
  }

  protected async _info(path: string): Promise<FileInfo> {
    return this.out(await this.forward('info', (fs) => fs._info(this.toInner(path))));
  }

  protected override async _infoForRead(path: string): Promise<FileInfo> {
    return this.out(await this.forward('info', (fs) => fs._infoForRead(this.toInner(path))));
  }

  protected async _ls(path: string): Promise<FileInfo[]> {
    const entries = await this.forward('ls', (fs) => fs._ls(this.toInner(path)));
    return entries.map((e) => this.out(e));
  }

  protected _read(
    path: string,
    start: number,
    end: number | undefined,
    options: ReadOptions = {},
  ): Promise<Uint8Array> {
    return this.forward('read', (fs) => fs._read(this.toInner(path), start, end, options));
  }

  /** Drops what a cache layer holds about `path`; called before and after every change to it. */
  protected async forget(_path: string): Promise<void> {}

  /**
   * Runs a change made through the layer (a write, delete, copy, mkdir, touch) to `paths`,
   * forgetting them before and after; a writer is a change from open to close or abort.
   */
  protected async changing<T>(paths: string[], fn: () => Promise<T>): Promise<T> {
    await Promise.all(paths.map((p) => this.forget(p)));
    try {
      return await fn();
    } finally {
      await Promise.all(paths.map((p) => this.forget(p)));
    }
  }

  /** Opens a writer as a change to `path`, its close and abort changes too. */
  private async changingWriter<W extends Writer | RandomWriter>(path: string, open: () => Promise<W>): Promise<W> {
    return this.writerAsChange(path, await this.changing([path], open));
  }

  /** A writer whose close and abort are changes to `path`; its writes and close go through {@link writerCall}. */
  private writerAsChange<W extends Writer | RandomWriter>(path: string, inner: W): W {
    const close = (): Promise<void> => this.changing([path], () => this.writerCall('close', () => inner.close()));
    const abort = (reason?: unknown): Promise<void> => this.changing([path], () => inner.abort(reason));
    if ('writeAt' in inner) {
      const writeAt = (d: Uint8Array, at: number): Promise<void> =>
        this.writerCall('write', () => inner.writeAt(d, at));
      return { writeAt, close, abort } as RandomWriter as W;
    }
    const write = (c: Uint8Array): Promise<void> => this.writerCall('write', () => (inner as Writer).write(c));
    return { write, close, abort } as Writer as W;
  }

  /** Runs one `write` (or `writeAt`) or the `close` of a writer opened through the layer; layers override it (a deadline). */
  protected writerCall(_what: 'write' | 'close', fn: () => Promise<void>): Promise<void> {
    return fn();
  }

  protected _write(path: string, data: Uint8Array, mode: WriteMode, options: { writeId?: string } = {}): Promise<void> {
    return this.changing([path], () =>
      this.forward('write', (fs) => fs._write(this.toInner(path), data, mode, options)),
    );
  }

  protected _rm(path: string): Promise<void> {
    return this.changing([path], () => this.forward('rm', (fs) => fs._rm(this.toInner(path))));
  }

  protected override _openWriter(path: string, options: WriterOptions): Promise<Writer> {
    return this.changingWriter(path, () =>
      this.forward('openWriter', (fs) => fs._openWriter(this.toInner(path), options)),
    );
  }

  protected override async _openAppendByCopy(path: string, options: WriterOptions): Promise<Writer | undefined> {
    const open = (): Promise<Writer | undefined> =>
      this.forward('openWriter', (fs) => fs._openAppendByCopy!(this.toInner(path), options));
    return this.changing([path], open).then((w) => (w === undefined ? undefined : this.writerAsChange(path, w)));
  }

  protected override _openRandomWriter(path: string, options: WriterOptions): Promise<RandomWriter> {
    return this.changingWriter(path, () =>
      this.forward('openRandomWriter', (fs) => fs._openRandomWriter!(this.toInner(path), options)),
    );
  }

  protected override async _mkdir(path: string, parents: boolean): Promise<void> {
    await this.changing([path], () => this.forward('mkdir', (fs) => fs._mkdir(this.toInner(path), parents)));
  }

  protected override _rmdir(path: string): Promise<void> {
    return this.changing([path], () => this.forward('rmdir', (fs) => fs._rmdir(this.toInner(path))));
  }

  protected override async *_readStream(
    path: string,
    start: number,
    end: number | undefined,
    options: ReadOptions = {},
  ): AsyncGenerator<Uint8Array> {
    const chunks = this.inner._readStream(this.toInner(path), start, end, options);
    try {
      for (;;) {
        const next = await chunks.next().catch((err: unknown) => {
          throw this.innerError(err);
        });
        if (next.done === true) return;
        yield next.value;
      }
    } finally {
      await chunks.return(undefined).catch(() => undefined);
    }
  }

  /**
   * The wrapped filesystem's `_readInto`, as a read (a retry layer sends it again whole);
   * undefined where it has none, and the range is streamed. Layers whose reads are more
   * than a call (caches, per-chunk deadlines) decline it.
   */
  protected override async _readInto(
    path: string,
    start: number,
    sink: BodySink,
    options: ReadOptions,
  ): Promise<number | undefined> {
    if (this.inner._readInto === undefined) return undefined;
    return this.forward('read', (fs) => fs._readInto!(this.toInner(path), start, sink, options));
  }

  /** The wrapped filesystem's `_isDir`, else its `_info` (a path below a file is no directory). */
  protected override _isDir(path: string): Promise<boolean> {
    return this.forward('info', async (fs) => {
      if (fs._isDir !== undefined) return fs._isDir(this.toInner(path));
      try {
        return (await fs._info(this.toInner(path))).type === 'directory';
      } catch (err) {
        if (fs.mapError(err).kind === 'NotADirectory') return false;
        throw err;
      }
    });
  }

  protected override _copy(src: string, dst: string, source: FileInfo): Promise<void> {
    const inner = { ...source, name: this.toInner(src) };
    return this.changing([dst], () => this.forward('copy', (fs) => fs._copy!(inner.name, this.toInner(dst), inner)));
  }

  protected override _rename(src: string, dst: string): Promise<void> {
    return this.changing([src, dst], () =>
      this.forward('rename', (fs) => fs._rename!(this.toInner(src), this.toInner(dst))),
    );
  }

  protected override async _find(path: string, withDirs: boolean): Promise<FileInfo[]> {
    const entries = await this.forward('find', (fs) => fs._find!(this.toInner(path), withDirs));
    return entries.map((e) => this.out(e));
  }

  protected override _rmMany(paths: string[]): Promise<void> {
    return this.changing(paths, () => this.forward('rmMany', (fs) => fs._rmMany!(paths.map((p) => this.toInner(p)))));
  }

  protected override _rmTree(path: string, options: RmTreeOptions): Promise<void> {
    return this.changing([path], () => this.forward('rmTree', (fs) => fs._rmTree!(this.toInner(path), options)));
  }

  /** The wrapped filesystem signs, or says why it cannot. */
  protected override _sign(path: string, options: Required<SignOptions>): Promise<string> {
    return this.forward('sign', async (fs) => {
      if (fs._sign === undefined) throw errors.unsupported(`${fs.protocol} has no signed URLs`);
      return fs._sign(this.toInner(path), options);
    });
  }

  protected override _touch(path: string, info: FileInfo): Promise<void> {
    const inner = this.toInner(path);
    return this.changing([path], () => this.forward('touch', (fs) => fs._touch!(inner, { ...info, name: inner })));
  }

  protected override async _writeId(path: string): Promise<string | undefined> {
    return this.forward('info', async (fs) => fs._writeId?.(this.toInner(path)));
  }

  /** The wrapped filesystem's cleanup, below the same path. */
  override async cleanup(path: string, options?: CleanupOptions): Promise<CleanupResult> {
    const inner = await this.withPath('cleanup', path, async (p) => this.toInner(p));
    const { removed, kept } = await this.fs.cleanup(inner, options);
    const out = (d: Debris): Debris => ({ ...d, path: this.fromInner(d.path) });
    return { removed: removed.map(out), kept: kept.map(out) };
  }

  override toString(): string {
    return `${this.constructor.name}(${this.fs.toString()})`;
  }

  override toJSON(): { protocol: string; options: unknown } {
    const own = super.toJSON();
    return { protocol: own.protocol, options: { ...(own.options as Record<string, unknown>), fs: this.fs.toJSON() } };
  }
}

/** A positive numeric layer option, `fallback` when it is not given. */
export function positiveOption(name: string, value: unknown, fallback: number): number {
  return numberOption(name, value, fallback, 'positive');
}

/** A numeric layer option that may be 0 (a delay, an expiry), `fallback` when it is not given. */
export function nonNegativeOption(name: string, value: unknown, fallback: number): number {
  return numberOption(name, value, fallback, 'non-negative');
}

function numberOption(name: string, value: unknown, fallback: number, sign: 'positive' | 'non-negative'): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (sign === 'positive' && value === 0))
    throw errors.invalid(`${name} must be a ${sign} number, got ${JSON.stringify(value)}`);
  return value;
}
