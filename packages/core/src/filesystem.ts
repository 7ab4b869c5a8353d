/**
 * The FileSystem base class. A backend implements the small required surface (the
 * `_`-prefixed hooks); everything else in the interface is derived here, once.
 */
import { inspect } from 'node:util';
import { Readable, Writable } from 'node:stream';
import { createHash } from 'node:crypto';
import { errors, FsError, toFsError, withContext } from './errors';
import { checkPath, normalizePath, parentPath, stripProtocol } from './paths';
import { redact } from './secrets';
import { isStreamSource, iterateSource, toBytes, type Source } from './data';
import { mapLimit, DEFAULT_BATCH_SIZE, throwIfAborted, ProgressTracker } from './batch';
import { BufferedWriter, type Writer } from './writer';
import { DEFAULT_BLOCK_SIZE, RemoteFile, type RemoteFileOptions } from './file';
import { findEntries, globEntries, walkEntries, type WalkEntry } from './listing';
import { copyFiles, removePaths, type TransferPlanOptions } from './transfer';
import { localFileSystem } from './registry';
import {
  DEFAULT_CAPABILITIES,
  type Capabilities, type CopyOptions, type FileInfo, type FindOptions, type OpenMode,
  type OpenOptions, type OperationOptions, type RangeOptions, type RmOptions, type WriteMode,
  type WriteOptions,
} from './types';

/** Options every filesystem accepts, beside its own. */
export interface FileSystemOptions {
  /** Build a new instance even when an equal one is cached. */
  skipInstanceCache?: boolean;
}

/** What `_openWriter` is asked for. */
export interface WriterOptions {
  mode: WriteMode;
  /** Keep the existing content and add to it (only called when `capabilities.append`). */
  append: boolean;
  /** Suggested part size in bytes. */
  partSize?: number;
  signal?: AbortSignal;
}

/** `ls` with `detail: true` returns FileInfo objects, otherwise names. */
export interface LsOptions {
  detail?: boolean;
}

/** `sign`. */
export interface SignOptions {
  /** Seconds the URL stays valid (default 3600). */
  expiresIn?: number;
  /** `GET` (default) to read, `PUT` to upload. */
  method?: 'GET' | 'PUT';
}

const READ_CHUNK = 4 * 1024 * 1024;

/**
 * Base class of every omnifs filesystem.
 *
 * Backends implement `_info`, `_ls`, `_read`, `_write` and `_rm`, and override the
 * optional hooks (`_openWriter`, `_mkdir`, `_rmdir`, `_copy`, `_find`, `_rmMany`,
 * `_readStream`, `_sign`, `_touch`) where the service does better than the default.
 * They map their SDK's errors in `mapError`; core adds operation and path context.
 */
export abstract class FileSystem {
  /** Protocol names this class serves; the first is the canonical one. */
  static protocols: readonly string[] = [];

  /** `'/'` for filesystems with absolute paths, `''` for object stores (`bucket/key`). */
  readonly rootMarker: '' | '/' = '/';

  /** What the backend does natively. */
  readonly capabilities: Capabilities = DEFAULT_CAPABILITIES;

  readonly #options: Readonly<Record<string, unknown>>;

  constructor(options: object = {}) {
    this.#options = Object.freeze({ ...(options as Record<string, unknown>) });
  }

  /** The canonical protocol name. */
  get protocol(): string {
    return (this.constructor as typeof FileSystem).protocols[0] ?? 'unknown';
  }

  /** The options the instance was made with (secrets included; never log this). */
  get storageOptions(): Readonly<Record<string, unknown>> {
    return this.#options;
  }

  // ---------------------------------------------------------------- backend hooks

  /** Metadata of one file or directory; `NotFound` when missing. */
  protected abstract _info(path: string): Promise<FileInfo>;
  /** Entries directly in a directory; `NotFound` when missing, `NotADirectory` for a file. */
  protected abstract _ls(path: string): Promise<FileInfo[]>;
  /** Bytes `[start, end)` of a file; `end` is clamped to the size. */
  protected abstract _read(path: string, start: number, end: number | undefined): Promise<Uint8Array>;
  /** Writes a whole file; `create` fails with `AlreadyExists` when it exists. */
  protected abstract _write(path: string, data: Uint8Array, mode: WriteMode): Promise<void>;
  /** Deletes one file; `NotFound` when missing. */
  protected abstract _rm(path: string): Promise<void>;

  /** Opens a streaming writer. Default: buffered in memory, written by `_write` on close. */
  protected async _openWriter(path: string, options: WriterOptions): Promise<Writer> {
    return new BufferedWriter((data) => this._write(path, data, options.mode));
  }

  /** Creates a directory (and its parents when `parents`). Object stores: a no-op. */
  protected async _mkdir(_path: string, _parents: boolean): Promise<void> {}

  /** Removes an empty directory. Default: `NotEmpty` when it has entries, else nothing to do. */
  protected async _rmdir(path: string): Promise<void> {
    if ((await this._ls(path)).length > 0) throw errors.notEmpty(path);
  }

  /** Streams bytes `[start, end)`. Default: consecutive `_read` calls of 4 MiB. */
  protected async *_readStream(path: string, start: number, end: number | undefined, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
    const stop = end ?? (await this._info(path)).size;
    for (let pos = start; pos < stop; ) {
      throwIfAborted(signal);
      const chunk = await this._read(path, pos, Math.min(pos + READ_CHUNK, stop));
      if (chunk.byteLength === 0) return;
      pos += chunk.byteLength;
      yield chunk;
    }
  }

  /** Server-side copy of one file; undefined when the service has none. */
  protected _copy?(src: string, dst: string): Promise<void>;
  /** Every entry below `path` in one flat listing (object stores); undefined to walk. */
  protected _find?(path: string, withDirs: boolean): Promise<FileInfo[]>;
  /** Deletes many files at once; undefined to delete one at a time. */
  protected _rmMany?(paths: string[]): Promise<void>;
  /** A URL that grants access to `path` without credentials. */
  protected _sign?(path: string, options: Required<SignOptions>): Promise<string>;
  /** Renames a file or directory in one step (local, memory, HDFS). */
  protected _rename?(src: string, dst: string): Promise<void>;
  /** Updates the modification time of an existing file. */
  protected _touch?(path: string): Promise<void>;

  /** Maps a backend's native error to an FsError (backends override with their errors.ts). */
  protected mapError(err: unknown): FsError {
    return toFsError(err);
  }

  // ---------------------------------------------------------------- paths and context

  /** The protocols whose `proto://` prefix is stripped from paths. */
  protected get protocols(): readonly string[] {
    return (this.constructor as typeof FileSystem).protocols;
  }

  /**
   * Validates and normalises a path: strips this filesystem's own `proto://` prefix,
   * resolves `.` and `..`, drops trailing slashes. Bad input is `InvalidArgument`.
   */
  normalize(path: unknown): string {
    const raw = checkPath(path);
    return normalizePath(stripProtocol(raw, this.protocols), this.rootMarker);
  }

  /** The full URL of a path on this filesystem (`s3://bucket/key`). */
  unstripProtocol(path: string): string {
    return `${this.protocol}://${this.normalize(path)}`;
  }

  /** The parent directory of a path. */
  parent(path: string): string {
    return parentPath(this.normalize(path), this.rootMarker);
  }

  /**
   * Normalises `path`, runs `fn` with it, and gives any error its kind and context.
   * With `target`, the path is one to write or remove, and the empty path is refused
   * (it would name the root, or the working directory on local disk).
   */
  protected async withPath<T>(operation: string, path: unknown, fn: (p: string) => Promise<T>, target = false): Promise<T> {
    let p: string | undefined;
    try {
      if (target) checkTargetPath(path);
      p = this.normalize(path);
      return await fn(p);
    } catch (err) {
      throw withContext(this.mapError(err), this.protocol, operation, p ?? (typeof path === 'string' ? path : undefined));
    }
  }

  /** Runs `fn` and gives any error its FsError kind and context. */
  protected async run<T>(operation: string, path: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw withContext(this.mapError(err), this.protocol, operation, path);
    }
  }

  // ---------------------------------------------------------------- metadata

  /** Metadata of a file or directory; `NotFound` when missing, also for a path below a file. */
  info(path: string): Promise<FileInfo> {
    return this.withPath('info', path, async (p) => {
      try {
        return await this._info(p);
      } catch (err) {
        // A path below a file does not exist (ENOTDIR from stat on local disks).
        const e = this.mapError(err);
        throw e.kind === 'NotADirectory' ? errors.notFound(p, err) : e;
      }
    });
  }

  /** True when the path exists; errors other than NotFound are thrown. */
  async exists(path: string): Promise<boolean> {
    return (await this.infoOrUndefined(path)) !== undefined;
  }

  /** True when the path is a file. */
  async isFile(path: string): Promise<boolean> {
    return (await this.infoOrUndefined(path))?.type === 'file';
  }

  /** True when the path is a directory (or, on object stores, a prefix or bucket). */
  async isDir(path: string): Promise<boolean> {
    return (await this.infoOrUndefined(path))?.type === 'directory';
  }

  /** Size of a file in bytes. */
  async size(path: string): Promise<number> {
    return (await this.info(path)).size;
  }

  /** Last modification time; `Unsupported` where the backend keeps none. */
  async modified(path: string): Promise<Date> {
    const info = await this.info(path);
    if (!(info.mtime instanceof Date)) {
      throw withContext(errors.unsupported('no modification time is kept'), this.protocol, 'modified', info.name);
    }
    return info.mtime;
  }

  /** A token that changes when the file changes: the service's ETag, else a hash of size and mtime. */
  async checksum(path: string): Promise<string> {
    const info = await this.info(path);
    if (typeof info.etag === 'string' && info.etag !== '') return info.etag.replace(/^"|"$/g, '');
    return createHash('sha256').update(`${info.name}\0${info.size}\0${info.mtime?.getTime() ?? ''}`).digest('hex').slice(0, 32);
  }

  /** `info`, or undefined for a missing path. */
  protected async infoOrUndefined(path: string): Promise<FileInfo | undefined> {
    try {
      return await this.info(path);
    } catch (err) {
      if (err instanceof FsError && err.kind === 'NotFound') return undefined;
      throw err;
    }
  }

  // ---------------------------------------------------------------- listing

  /** Entries directly in a directory, sorted by name; a file lists as itself. */
  ls(path: string, options: { detail: true }): Promise<FileInfo[]>;
  ls(path: string, options?: LsOptions): Promise<string[]>;
  async ls(path: string, options: LsOptions = {}): Promise<FileInfo[] | string[]> {
    options = optionsOf(options);
    const entries = await this.withPath('ls', path, (p) => this.lsInfo(p));
    return options.detail ? entries : entries.map((e) => e.name);
  }

  /** `_ls`, sorted; a file lists as itself. Internal callers use normalised paths. */
  async lsInfo(path: string): Promise<FileInfo[]> {
    try {
      const entries = await this._ls(path);
      return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch (err) {
      if (this.mapError(err).kind === 'NotADirectory') return [await this._info(path)];
      throw err;
    }
  }

  /** Every file below `path` (and directories with `withDirs`), sorted by name. */
  find(path: string, options: FindOptions & { detail: true }): Promise<FileInfo[]>;
  find(path: string, options?: FindOptions): Promise<string[]>;
  async find(path: string, options: FindOptions = {}): Promise<FileInfo[] | string[]> {
    options = optionsOf(options);
    const entries = await this.withPath('find', path, (p) => findEntries(this, p, options, this._find?.bind(this)));
    return options.detail ? entries : entries.map((e) => e.name);
  }

  /** Walks a tree top-down: one `{ root, dirs, files }` per directory, like `os.walk`. */
  walk(path: string, options: { maxDepth?: number } = {}): AsyncIterable<WalkEntry> {
    options = optionsOf(options);
    return walkEntries(this, this.normalize(path), options.maxDepth);
  }

  /** Paths matching a glob pattern (`*`, `**`, `?`, `[..]`), sorted. */
  glob(pattern: string, options: { maxDepth?: number; detail: true }): Promise<FileInfo[]>;
  glob(pattern: string, options?: { maxDepth?: number; detail?: boolean }): Promise<string[]>;
  async glob(pattern: string, options: { maxDepth?: number; detail?: boolean } = {}): Promise<FileInfo[] | string[]> {
    options = optionsOf(options);
    const entries = await this.withPath('glob', pattern, (p) => globEntries(this, p, options.maxDepth));
    return options.detail ? entries : entries.map((e) => e.name);
  }

  /** Total bytes below `path`, or per file with `total: false`. */
  du(path: string, options?: { total?: true; maxDepth?: number }): Promise<number>;
  du(path: string, options: { total: false; maxDepth?: number }): Promise<Record<string, number>>;
  async du(path: string, options: { total?: boolean; maxDepth?: number } = {}): Promise<number | Record<string, number>> {
    options = optionsOf(options);
    const files = await this.find(path, { detail: true, ...(options.maxDepth === undefined ? {} : { maxDepth: options.maxDepth }) });
    if (options.total === false) return Object.fromEntries(files.map((f) => [f.name, f.size]));
    return files.reduce((sum, f) => sum + f.size, 0);
  }

  // ---------------------------------------------------------------- whole files

  /** Bytes of one file, or of a range of it (`end` exclusive, negatives count from the end). */
  async catFile(path: string, options: RangeOptions = {}): Promise<Uint8Array> {
    options = optionsOf(options);
    return this.withPath('cat', path, async (p) => {
      const range = await this.resolveRange(p, options.start, options.end);
      if (range.end !== undefined && range.end <= range.start) return new Uint8Array(0);
      return this._read(p, range.start, range.end);
    });
  }

  /** `catFile` for one path; for a list or a glob, a record of path to bytes. */
  cat(path: string, options?: RangeOptions): Promise<Uint8Array>;
  cat(paths: string[], options?: RangeOptions & { batchSize?: number }): Promise<Record<string, Uint8Array>>;
  async cat(path: string | string[], options: RangeOptions & { batchSize?: number } = {}): Promise<Uint8Array | Record<string, Uint8Array>> {
    options = optionsOf(options);
    if (typeof path === 'string' && !/[*?[]/.test(path)) return this.catFile(path, options);
    if (typeof path !== 'string' && !Array.isArray(path)) return this.catFile(path, options); // rejects it with context
    const paths = typeof path === 'string' ? await this.glob(path) : path.map((p) => this.normalize(p));
    const bodies = await mapLimit(paths, options.batchSize ?? DEFAULT_BATCH_SIZE, (p) => this.catFile(p, options), options.signal);
    return Object.fromEntries(paths.map((p, i) => [p, bodies[i]!]));
  }

  /** Several ranges, of one or several files, read concurrently. */
  async catRanges(paths: string[], starts: number[], ends: number[], options: { batchSize?: number; signal?: AbortSignal } = {}): Promise<Uint8Array[]> {
    options = optionsOf(options);
    if (!Array.isArray(paths) || !Array.isArray(starts) || !Array.isArray(ends) || starts.length !== paths.length || ends.length !== paths.length) {
      throw errors.invalid('catRanges needs arrays of paths, starts and ends of the same length');
    }
    return mapLimit(paths, options.batchSize ?? DEFAULT_BATCH_SIZE, (p, i) => this.catFile(p, { start: starts[i]!, end: ends[i]! }), options.signal);
  }

  /** Writes a whole file from bytes, a string, or a stream / async iterable. */
  async pipeFile(path: string, data: Source, options: WriteOptions = {}): Promise<void> {
    options = optionsOf(options);
    const mode = checkMode(options.mode);
    await this.withPath('pipe', path, async (p) => {
      throwIfAborted(options.signal);
      if (isStreamSource(data)) {
        const writer = await this.openWriterFor(p, mode, false, options.signal);
        await pump(iterateSource(data), writer, options);
        return;
      }
      const bytes = toBytes(data);
      await this._write(p, bytes, mode);
      options.onProgress?.({ bytes: bytes.byteLength, totalBytes: bytes.byteLength, files: 1, totalFiles: 1 });
    }, true);
  }

  /** `pipeFile` for one path; a record of path to content writes several. */
  async pipe(path: string | Record<string, Source>, data?: Source, options: WriteOptions & { batchSize?: number } = {}): Promise<void> {
    options = optionsOf(options);
    if (typeof path === 'string') {
      if (data === undefined) throw errors.invalid('pipe needs data to write', path);
      return this.pipeFile(path, data, options);
    }
    if (path === null || typeof path !== 'object') throw errors.invalid('pipe needs a path or a record of path to data');
    const entries = Object.entries(path);
    await mapLimit(entries, options.batchSize ?? DEFAULT_BATCH_SIZE, ([p, d]) => this.pipeFile(p, d, options), options.signal);
  }

  /** A file's content decoded as text (UTF-8 by default). */
  async readText(path: string, encoding: BufferEncoding = 'utf8'): Promise<string> {
    return Buffer.from(await this.catFile(path)).toString(encoding);
  }

  /** Writes text as a file (UTF-8). */
  async writeText(path: string, text: string, options: WriteOptions = {}): Promise<void> {
    options = optionsOf(options);
    if (typeof text !== 'string') throw errors.invalid(`text must be a string, got ${typeof text}`, String(path));
    return this.pipeFile(path, text, options);
  }

  /** The first `size` bytes of a file (default 1024). */
  head(path: string, size = 1024): Promise<Uint8Array> {
    return this.catFile(path, { start: 0, end: size });
  }

  /** The last `size` bytes of a file (default 1024). */
  tail(path: string, size = 1024): Promise<Uint8Array> {
    return this.catFile(path, { start: -size });
  }

  /**
   * Creates an empty file, or with `truncate: false` updates an existing one's mtime and
   * keeps its content (rewriting it where the backend has no native touch).
   */
  async touch(path: string, options: { truncate?: boolean } = {}): Promise<void> {
    options = optionsOf(options);
    await this.withPath('touch', path, async (p) => {
      if (options.truncate === false) {
        const info = await this._info(p).catch(() => undefined);
        if (info?.type === 'file') {
          if (this._touch !== undefined) return this._touch(p);
          // No native touch (object stores): rewrite the same bytes, streamed, for a new mtime.
          await pump(this._readStream(p, 0, info.size), await this.openWriterFor(p, 'overwrite', false), {});
          return;
        }
      }
      await this._write(p, new Uint8Array(0), 'overwrite');
    }, true);
  }

  // ---------------------------------------------------------------- streaming

  /** Opens a file: `rb` reads, `wb` writes, `ab` appends, `xb` creates exclusively. */
  async open(path: string, mode: OpenMode = 'rb', options: OpenOptions = {}): Promise<RemoteFile> {
    options = optionsOf(options);
    const m = normalizeOpenMode(mode);
    const fileOptions: RemoteFileOptions = { blockSize: options.blockSize ?? DEFAULT_BLOCK_SIZE };
    if (options.cacheBlocks !== undefined) fileOptions.cacheBlocks = options.cacheBlocks;
    return this.withPath('open', path, async (p) => {
      if (m === 'rb') {
        const info = await this._info(p);
        if (info.type === 'directory') throw errors.isADirectory(p);
        const source = { size: info.size, read: (s: number, e: number) => this.run('read', p, () => this._read(p, s, e)) };
        return new RemoteFile(p, m, source, undefined, fileOptions);
      }
      const writer = await this.openWriterFor(p, m === 'xb' ? 'create' : 'overwrite', m === 'ab', options.signal, options.blockSize);
      return new RemoteFile(p, m, undefined, writer, fileOptions);
    }, m !== 'rb');
  }

  /** A streaming writer for `path`: bytes in parts, committed on `close`. */
  async openWriter(path: string, options: { mode?: WriteMode; append?: boolean; signal?: AbortSignal } = {}): Promise<Writer> {
    options = optionsOf(options);
    return this.withPath('open', path, (p) => this.openWriterFor(p, checkMode(options.mode), options.append === true, options.signal), true);
  }

  /** Chunks of a file (or of a range of it), fetched as they are consumed. */
  async *readChunks(path: string, options: RangeOptions = {}): AsyncGenerator<Uint8Array> {
    options = optionsOf(options);
    const p = await this.withPath('read', path, async (q) => q);
    const range = await this.run('read', p, () => this.resolveRange(p, options.start, options.end));
    if (range.end !== undefined && range.end <= range.start) return;
    const it = this._readStream(p, range.start, range.end, options.signal);
    for (;;) {
      const next = await this.run('read', p, () => it.next());
      if (next.done) return;
      yield next.value;
    }
  }

  /** A Node Readable of a file's bytes (`start`/`end` as in `catFile`). */
  createReadStream(path: string, options: RangeOptions = {}): Readable {
    options = optionsOf(options);
    return Readable.from(this.readChunks(path, options), { objectMode: false });
  }

  /** A Node Writable that writes a file; it is committed when the stream finishes. */
  createWriteStream(path: string, options: { mode?: WriteMode } = {}): Writable {
    options = optionsOf(options);
    const opening = this.openWriter(path, options);
    opening.catch(() => undefined);
    return new Writable({
      write(chunk: Buffer, _enc, cb) {
        opening.then((w) => w.write(chunk)).then(() => cb(), cb);
      },
      final(cb) {
        opening.then((w) => w.close()).then(() => cb(), cb);
      },
      destroy(err, cb) {
        if (err === null) return cb(null);
        opening.then((w) => w.abort(err)).then(() => cb(err), () => cb(err));
      },
    });
  }

  /**
   * Opens the backend's writer (see {@link openBackendWriter}); its errors, also those of
   * a later `write`, `close` or `abort`, become FsErrors with context.
   */
  protected async openWriterFor(path: string, mode: WriteMode, append: boolean, signal?: AbortSignal, partSize?: number): Promise<Writer> {
    const writer = await this.openBackendWriter(path, mode, append, signal, partSize);
    return {
      write: (chunk) => this.run('write', path, () => writer.write(chunk)),
      close: () => this.run('write', path, () => writer.close()),
      abort: (reason) => this.run('write', path, () => writer.abort(reason)),
    };
  }

  /** Opens the backend's writer, choosing native append or the rewrite emulation. */
  protected async openBackendWriter(path: string, mode: WriteMode, append: boolean, signal?: AbortSignal, partSize?: number): Promise<Writer> {
    const base: WriterOptions = { mode, append: false, ...(signal ? { signal } : {}), ...(partSize ? { partSize } : {}) };
    if (!append) {
      if (mode === 'create' && !this.capabilities.exclusiveCreate && (await this.infoOrUndefined(path))) throw errors.alreadyExists(path);
      return this._openWriter(path, base);
    }
    if (this.capabilities.append) return this._openWriter(path, { ...base, append: true });
    // Emulated append: the new file starts with the old content, streamed, then the new bytes.
    const writer = await this._openWriter(path, base);
    try {
      if ((await this.infoOrUndefined(path))?.type === 'file') {
        for await (const chunk of this._readStream(path, 0, undefined, signal)) await writer.write(chunk);
      }
    } catch (err) {
      await writer.abort(err);
      throw err;
    }
    return writer;
  }

  /** Resolves negative and open range bounds against the file's size. */
  protected async resolveRange(path: string, start = 0, end?: number): Promise<{ start: number; end: number | undefined }> {
    for (const [name, v] of [['start', start], ['end', end]] as const) {
      if (v !== undefined && !Number.isInteger(v)) throw errors.invalid(`${name} must be an integer, got ${String(v)}`, path);
    }
    if (start >= 0 && (end === undefined || end >= 0)) return { start, end };
    const size = (await this._info(path)).size;
    const s = start < 0 ? Math.max(0, size + start) : start;
    const e = end === undefined ? undefined : end < 0 ? Math.max(0, size + end) : end;
    return { start: s, end: e };
  }

  // ---------------------------------------------------------------- transfer

  /** Copies within this filesystem, with fsspec's rules for recursion, globs and lists. */
  async cp(src: string | string[], dst: string | string[], options: CopyOptions = {}): Promise<void> {
    options = optionsOf(options);
    await this.run('cp', undefined, () => copyFiles(this, src, this, dst, options as TransferPlanOptions));
  }

  /** Uploads local paths (files, directories with `recursive`, globs, lists) to this filesystem. */
  async put(local: string | string[], remote: string | string[], options: CopyOptions = {}): Promise<void> {
    options = optionsOf(options);
    await this.run('put', undefined, () => copyFiles(localFileSystem(), local, this, remote, options as TransferPlanOptions));
  }

  /** Downloads paths from this filesystem to local disk. */
  async get(remote: string | string[], local: string | string[], options: CopyOptions = {}): Promise<void> {
    options = optionsOf(options);
    await this.run('get', undefined, () => copyFiles(this, remote, localFileSystem(), local, options as TransferPlanOptions));
  }

  /**
   * Moves files and directories (recursive by default). A single path is renamed natively
   * where the backend can (`_rename`); otherwise, and for globs and lists, it is copied and
   * the sources removed once every copy has succeeded.
   */
  async mv(src: string | string[], dst: string | string[], options: CopyOptions = {}): Promise<void> {
    options = optionsOf(options);
    const opts: TransferPlanOptions = { recursive: true, ...options, move: true };
    await this.run('mv', undefined, async () => {
      if (this._rename !== undefined && typeof src === 'string' && typeof dst === 'string' && !/[*?[]/.test(src) && opts.maxDepth === undefined) {
        const s = this.normalize(src);
        let d = this.normalize(checkTargetPath(dst));
        const info = await this._info(s);
        if (info.type === 'directory' && !opts.recursive) return;
        const target = await this.infoOrUndefined(d);
        if (target?.type === 'directory' || (target === undefined && /\/$/.test(dst) && info.type === 'file')) d = `${d}/${s.slice(s.lastIndexOf('/') + 1)}`;
        if (target === undefined && /\/$/.test(dst) && info.type === 'file') await this._mkdir(this.parent(d), true);
        await this._rename(s, d);
        return;
      }
      await copyFiles(this, src, this, dst, opts);
    });
  }

  /** Removes files; directories with `recursive`. Globs and lists expand first. */
  async rm(path: string | string[], options: RmOptions = {}): Promise<void> {
    options = optionsOf(options);
    await this.run('rm', undefined, () => removePaths(this, path, options));
  }

  /** Removes one file. */
  async rmFile(path: string): Promise<void> {
    await this.withPath('rm', path, (p) => this._rm(p), true);
  }

  /** Copies one file within this filesystem: server-side when the backend can. */
  async copyFile(src: string, dst: string, options: OperationOptions & { mode?: WriteMode } = {}): Promise<void> {
    options = optionsOf(options);
    const s = this.normalize(src);
    const d = this.normalize(dst);
    await this.run('cp', s, async () => {
      throwIfAborted(options.signal);
      const info = await this._info(s);
      if (info.type === 'directory') throw errors.isADirectory(s);
      if (this._copy !== undefined && (options.mode ?? 'overwrite') === 'overwrite') {
        await this._copy(s, d);
        options.onProgress?.({ bytes: info.size, totalBytes: info.size, files: 1, totalFiles: 1 });
        return;
      }
      const writer = await this.openWriterFor(d, checkMode(options.mode), false, options.signal);
      await pump(this._readStream(s, 0, undefined, options.signal), writer, options, info.size);
    });
  }

  /** Deletes many files: `_rmMany` in batches where the backend has it. */
  async rmFiles(paths: string[], options: RmOptions = {}): Promise<void> {
    options = optionsOf(options);
    const normalized = paths.map((p) => this.normalize(p));
    const progress = new ProgressTracker(options.onProgress, { totalFiles: normalized.length });
    if (this._rmMany !== undefined) {
      const batch = 1000;
      for (let i = 0; i < normalized.length; i += batch) {
        throwIfAborted(options.signal);
        const slice = normalized.slice(i, i + batch);
        await this.run('rm', slice[0], () => this._rmMany!(slice));
        for (let j = 0; j < slice.length; j++) progress.fileDone();
      }
      return;
    }
    await mapLimit(normalized, options.batchSize ?? DEFAULT_BATCH_SIZE, async (p) => {
      await this.run('rm', p, () => this._rm(p));
      progress.fileDone();
    }, options.signal);
  }

  // ---------------------------------------------------------------- directories

  /** Creates a directory; parents too unless `createParents: false`. Object stores: buckets only. */
  async mkdir(path: string, options: { createParents?: boolean } = {}): Promise<void> {
    options = optionsOf(options);
    await this.withPath('mkdir', path, async (p) => {
      if (this.capabilities.realDirectories && (await this.infoOrUndefined(p))) throw errors.alreadyExists(p);
      await this._mkdir(p, options.createParents !== false);
    });
  }

  /** Creates a directory and its parents; an existing one is an error unless `existOk`. */
  async makedirs(path: string, options: { existOk?: boolean } = {}): Promise<void> {
    options = optionsOf(options);
    await this.withPath('makedirs', path, async (p) => {
      const info = await this.infoOrUndefined(p);
      if (info?.type === 'file') throw errors.alreadyExists(p);
      if (info && this.capabilities.realDirectories) {
        if (options.existOk) return;
        throw errors.alreadyExists(p);
      }
      try {
        await this._mkdir(p, true);
      } catch (err) {
        // Object stores: an existing bucket is AlreadyExists from the service.
        if (options.existOk && this.mapError(err).kind === 'AlreadyExists') return;
        throw err;
      }
    });
  }

  /** Removes an empty directory; `NotEmpty` otherwise. */
  async rmdir(path: string): Promise<void> {
    await this.withPath('rmdir', path, async (p) => {
      const info = await this._info(p);
      if (info.type !== 'directory') throw errors.notADirectory(p);
      await this._rmdir(p);
    }, true);
  }

  // ---------------------------------------------------------------- extras

  /** A URL that grants time-limited access without credentials, where the service has one. */
  async sign(path: string, options: SignOptions = {}): Promise<string> {
    options = optionsOf(options);
    return this.withPath('sign', path, async (p) => {
      if (this._sign === undefined) throw errors.unsupported(`${this.protocol} has no signed URLs`);
      const expiresIn = options.expiresIn ?? 3600;
      if (!Number.isInteger(expiresIn) || expiresIn <= 0) throw errors.invalid(`expiresIn must be a positive integer, got ${String(expiresIn)}`);
      return this._sign(p, { expiresIn, method: options.method ?? 'GET' });
    });
  }

  /** `S3FileSystem(s3)`; options are never shown. */
  toString(): string {
    return `${this.constructor.name}(${this.protocol})`;
  }

  /** Protocol and options with secrets redacted. */
  toJSON(): { protocol: string; options: unknown } {
    return { protocol: this.protocol, options: redact(this.#options) };
  }

  [inspect.custom](): string {
    return `${this.constructor.name} ${inspect(this.toJSON().options)}`;
  }
}

/** Streams chunks into a writer, reporting progress; aborts the writer on failure. */
export async function pump(chunks: AsyncIterable<Uint8Array>, writer: Writer, options: OperationOptions, totalBytes?: number): Promise<number> {
  const progress = new ProgressTracker(options.onProgress, totalBytes === undefined ? {} : { totalBytes, totalFiles: 1 });
  let bytes = 0;
  try {
    for await (const chunk of chunks) {
      throwIfAborted(options.signal);
      await writer.write(chunk);
      bytes += chunk.byteLength;
      progress.addBytes(chunk.byteLength);
    }
    throwIfAborted(options.signal);
    await writer.close();
  } catch (err) {
    await writer.abort(err).catch(() => undefined);
    throw err;
  }
  progress.fileDone();
  return bytes;
}

/**
 * The options argument of a public method: `undefined` and `null` mean none; anything
 * else that is not an object is `InvalidArgument` (not a TypeError from deep inside).
 */
export function optionsOf<T>(options: T): T {
  if (options === undefined || options === null) return {} as T;
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw errors.invalid(`options must be an object, got ${Array.isArray(options) ? 'an array' : typeof options}`);
  }
  return options;
}

/** Refuses the empty path as the target of a write or removal; returns the path. */
export function checkTargetPath<T>(path: T): T {
  if (path === '') throw errors.invalid('path must not be empty for a write or removal');
  return path;
}

function checkMode(mode: unknown): WriteMode {
  if (mode === undefined || mode === 'overwrite') return 'overwrite';
  if (mode === 'create') return 'create';
  throw errors.invalid(`mode must be 'overwrite' or 'create', got ${JSON.stringify(mode)}`);
}

function normalizeOpenMode(mode: unknown): 'rb' | 'wb' | 'ab' | 'xb' {
  switch (mode) {
    case 'rb': case 'r': return 'rb';
    case 'wb': case 'w': return 'wb';
    case 'ab': case 'a': return 'ab';
    case 'xb': case 'x': return 'xb';
    default: throw errors.invalid(`mode must be one of rb, wb, ab, xb, got ${JSON.stringify(mode)}`);
  }
}

