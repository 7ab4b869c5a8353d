/**
 * WrapperFileSystem: the base of layers. It forwards every backend hook to the wrapped
 * filesystem's public methods through one `call` point that layers override (retry,
 * concurrency limit), and maps paths in and names out (the `dir` layer).
 */
import { errors, FsError } from '../errors';
import { FileSystem, type ReadOptions, type SignOptions, type WriterOptions } from '../filesystem';
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
  | 'sign'
  | 'touch';

/** A layer around another FileSystem; by itself it changes nothing. */
export class WrapperFileSystem extends FileSystem {
  /** The wrapped filesystem. */
  readonly fs: FileSystem;
  override readonly rootMarker: '' | '/';
  override readonly capabilities: Capabilities;
  /** The options every layer takes. */
  static override optionSchema = defineOptions<WrapperOptions>(WRAPPER_OPTIONS);

  constructor(options: WrapperOptions) {
    super(options);
    if (!(options?.fs instanceof FileSystem)) {
      throw new FsError({ kind: 'InvalidArgument', message: `${new.target.name} needs { fs: FileSystem } to wrap` });
    }
    this.fs = options.fs;
    this.rootMarker = this.fs.rootMarker;
    this.capabilities = this.fs.capabilities;
  }

  /** Inner paths and outer paths are the same here; the dir layer maps them. */
  protected toInner(path: string): string {
    return path;
  }

  /** Maps an inner name back to this layer's path space. */
  protected fromInner(path: string): string {
    return path;
  }

  override normalize(path: unknown): string {
    return this.fs.normalize(path);
  }

  /** The single point every forwarded call goes through. */
  protected call<T>(_hook: HookName, fn: () => Promise<T>): Promise<T> {
    return fn();
  }

  private out(info: FileInfo): FileInfo {
    const name = this.fromInner(info.name);
    return name === info.name ? info : { ...info, name };
  }

  protected async _info(path: string): Promise<FileInfo> {
    return this.out(await this.call('info', () => this.fs.info(this.toInner(path))));
  }

  protected async _ls(path: string): Promise<FileInfo[]> {
    const entries = await this.call('ls', () => this.fs.lsInfo(this.toInner(path)));
    return entries.map((e) => this.out(e));
  }

  protected _read(
    path: string,
    start: number,
    end: number | undefined,
    options: ReadOptions = {},
  ): Promise<Uint8Array> {
    return this.call('read', () =>
      this.fs.catFile(this.toInner(path), { start, ...(end === undefined ? {} : { end }), ...options }),
    );
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
    const inner = await this.changing([path], open);
    const close = (): Promise<void> => this.changing([path], () => inner.close());
    const abort = (reason?: unknown): Promise<void> => this.changing([path], () => inner.abort(reason));
    if ('writeAt' in inner)
      return { writeAt: (d: Uint8Array, at: number) => inner.writeAt(d, at), close, abort } as RandomWriter as W;
    return { write: (c: Uint8Array) => (inner as Writer).write(c), close, abort } as Writer as W;
  }

  protected _write(path: string, data: Uint8Array, mode: WriteMode, options: { writeId?: string } = {}): Promise<void> {
    const writeId = options.writeId === undefined ? {} : { writeId: options.writeId };
    const write = (): Promise<void> => this.fs.pipeFile(this.toInner(path), data, { mode, ...writeId });
    return this.changing([path], () => this.call('write', write));
  }

  protected _rm(path: string): Promise<void> {
    return this.changing([path], () => this.call('rm', () => this.fs.rmFile(this.toInner(path))));
  }

  protected override _openWriter(path: string, options: WriterOptions): Promise<Writer> {
    return this.changingWriter(path, () =>
      this.call('openWriter', () =>
        this.fs.openWriter(this.toInner(path), {
          mode: options.mode,
          append: options.append,
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.writeId === undefined ? {} : { writeId: options.writeId }),
        }),
      ),
    );
  }

  /** The wrapped filesystem appends its own way (by copy, or its rewrite). */
  protected override _openAppendByCopy(path: string, options: WriterOptions): Promise<Writer> {
    return this.changingWriter(path, () =>
      this.call('openWriter', () =>
        this.fs.openWriter(this.toInner(path), {
          mode: options.mode,
          append: true,
          ...(options.signal ? { signal: options.signal } : {}),
        }),
      ),
    );
  }

  protected override _openRandomWriter(path: string, options: WriterOptions): Promise<RandomWriter> {
    return this.changingWriter(path, () =>
      this.call('openRandomWriter', () =>
        this.fs.openRandomWriter(this.toInner(path), {
          mode: options.mode,
          ...(options.signal ? { signal: options.signal } : {}),
        }),
      ),
    );
  }

  protected override async _mkdir(path: string, parents: boolean): Promise<void> {
    await this.changing([path], () =>
      this.call('mkdir', () =>
        parents
          ? this.fs.makedirs(this.toInner(path), { existOk: true })
          : this.fs.mkdir(this.toInner(path), { createParents: false }),
      ),
    );
  }

  protected override _rmdir(path: string): Promise<void> {
    return this.changing([path], () => this.call('rmdir', () => this.fs.rmdir(this.toInner(path))));
  }

  protected override async *_readStream(
    path: string,
    start: number,
    end: number | undefined,
    options: ReadOptions = {},
  ): AsyncGenerator<Uint8Array> {
    yield* this.fs.readChunks(this.toInner(path), { start, ...(end === undefined ? {} : { end }), ...options });
  }

  protected override _isDir(path: string): Promise<boolean> {
    return this.call('info', () => this.fs.isDir(this.toInner(path)));
  }

  protected override _copy(src: string, dst: string, source: FileInfo): Promise<void> {
    const inner = { ...source, name: this.toInner(src) };
    return this.changing([dst], () =>
      this.call('copy', () => this.fs.copyFile(inner.name, this.toInner(dst), { source: inner })),
    );
  }

  protected override async _find(path: string, withDirs: boolean): Promise<FileInfo[]> {
    const entries = await this.call('find', () => this.fs.find(this.toInner(path), { withDirs, detail: true }));
    return entries.map((e) => this.out(e));
  }

  protected override _rmMany(paths: string[]): Promise<void> {
    return this.changing(paths, () => this.call('rmMany', () => this.fs.rmFiles(paths.map((p) => this.toInner(p)))));
  }

  protected override _sign(path: string, options: Required<SignOptions>): Promise<string> {
    return this.call('sign', () => this.fs.sign(this.toInner(path), options));
  }

  protected override _touch(path: string): Promise<void> {
    return this.changing([path], () =>
      this.call('touch', () => this.fs.touch(this.toInner(path), { truncate: false })),
    );
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

/** Checks a numeric layer option. */
export function positiveOption(name: string, value: unknown, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw errors.invalid(
      `${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}
