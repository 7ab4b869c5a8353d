/**
 * The FileSystem base class, first half: the backend hooks every backend implements,
 * paths and error context, metadata and listing.
 */
import type { BodySink } from './http1';
import { inspect } from 'node:util';
import { createHash } from 'node:crypto';
import { errors, FsError, toFsError, withContext } from './errors';
import { checkPath, hasTrailingSlash, normalizePath, parentPath, stripProtocol } from './paths';
import { redact, redactEnvValue, redactUrl } from './secrets';
import { throwIfAborted } from './batch';
import { withSignal } from './timeouts';
import { BufferedWriter, type RandomWriter, type ReaderInto, type Writer } from './writer';
import {
  checkDepth,
  findEntries,
  globEntries,
  infoOrUndefined,
  walkEntries,
  type WalkEntry,
  type WalkOnError,
} from './listing';
import { checkFilePath, checkOnError, checkTargetPath, optionsOf } from './args';
import {
  cleanupOptionsOf,
  isTemporaryName,
  removeDebris,
  temporaryFiles,
  type CleanupOptions,
  type CleanupResult,
  type Debris,
} from './debris';
import { ownOptionSchema, validateOptions, type OptionSchema } from './options';
import type { Capabilities, CapabilityFacts, EnvironmentSetting, FileInfo, FindOptions, WriteMode } from './types';
import { deriveCapabilities } from './capabilities';
import type { RmTreeOptions } from './hooks';

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
  /** With `mode: 'create'`: an id to keep with the file, read back by `_writeId`. */
  writeId?: string;
}

/** What `_read` is asked for beside the range. */
export interface ReadOptions {
  /** Fail with `ConditionNotMatch` unless the file still has this ETag (backends that keep ETags). */
  etag?: string;
  signal?: AbortSignal;
}

/** `ls` with `detail: true` returns FileInfo objects, otherwise names. */
export interface LsOptions {
  detail?: boolean;
  signal?: AbortSignal;
}

/** Options of `du`. */
export interface DuOptions {
  /** false: bytes per file (and directory, with `withDirs`) instead of the total. */
  total?: boolean;
  maxDepth?: number;
  /** With `total: false`, list directories too, each with the bytes below it. */
  withDirs?: boolean;
  signal?: AbortSignal;
}

/** Options of metadata calls (`info`, `exists`, `isFile`, `isDir`, `size`). */
export interface InfoOptions {
  /** Cancels the call; it then rejects with an `Aborted` FsError. */
  signal?: AbortSignal;
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
 * The first half of the FileSystem base class: the backend hooks, paths and error
 * context, metadata and listing. `FileSystem` (filesystem.ts) adds the rest.
 *
 * Base class of every omnifs filesystem.
 *
 * Backends implement `_info`, `_ls`, `_read`, `_write` and `_rm`, and override the
 * optional hooks (`_openWriter`, `_mkdir`, `_rmdir`, `_copy`, `_rename`, `_find`, `_rmMany`,
 * `_rmTree`, `_readStream`, `_openRandomWriter`, `_sign`, `_touch`) where the service does
 * better than the default; the hooks they implement and the facts they declare in
 * `capabilityFacts` make their `capabilities`. They map their SDK's errors in `mapError`;
 * core adds operation and path context.
 */
export abstract class FileSystemBase {
  /** Protocol names this class serves; the first is the canonical one. */
  static protocols: readonly string[] = [];

  /**
   * What the authority of `proto://authority/rest` is: `'path'` (the default), the first
   * component of the path (an S3 bucket, a memory directory); `'host'`, where the store
   * is (an HDFS namenode or nameservice), which the path leaves out: `rest` is the path.
   */
  static urlAuthority: 'path' | 'host' = 'path';

  /** `'/'` for filesystems with absolute paths, `''` for object stores (`bucket/key`). */
  readonly rootMarker: '' | '/' = '/';

  #capabilities: Readonly<Capabilities> | undefined;

  /**
   * What the backend does natively, derived once from the hooks it implements and the
   * facts it declares in {@link capabilityFacts} (see `deriveCapabilities`). Core's
   * behaviour, the conformance suite and the docs' tables all read this object.
   */
  get capabilities(): Readonly<Capabilities> {
    this.#capabilities ??= deriveCapabilities(this, this.capabilityFacts(), this.toString());
    return this.#capabilities;
  }

  /**
   * The facts about the service that its hooks cannot show (`realDirectories`, `append`,
   * `exclusiveCreate`, `partSize`, ...), and hook capabilities turned off (`sign: false`
   * without credentials). Read once, after construction. Override it returning
   * `{ ...super.capabilityFacts(), ...own }`; the base classes' defaults hold where unset.
   */
  protected capabilityFacts(): CapabilityFacts {
    return {};
  }

  /**
   * The options the class takes (see `defineOptions`): checked at construction, so an
   * unknown name or a wrong type is an `InvalidArgument`. Only a class's own declaration
   * counts: a subclass that declares none is not checked.
   */
  static optionSchema: OptionSchema | undefined = undefined;

  /**
   * Environment variables the backend (or its SDK) reads when an instance is made (a
   * region, an emulator's address, credentials): `filesystem()` caches an instance per
   * their values too, so one asked for after they change is made anew, as after a change
   * of `OMNIFS_*` variables.
   */
  static environment: readonly string[] = [];

  /** Of {@link environment}, the variables whose values are secrets: shown as `***`. */
  static secretEnvironment: readonly string[] = [];

  /**
   * What the environment configures for this backend, as `omnifs config` shows it: each
   * variable of {@link environment} that is set, in that order, its value as safe to show
   * (see `redactEnvValue`: those of {@link secretEnvironment} as `***`). A backend adds
   * what it finds through them (HDFS: the `fs.defaultFS` of its Hadoop configuration),
   * where `options` (the storage options in force) say where to look, as an instance made
   * with them would.
   */
  static environmentSettings(
    env: NodeJS.ProcessEnv = process.env,
    _options: Readonly<Record<string, unknown>> = {},
  ): EnvironmentSetting[] {
    return this.environment
      .filter((name) => env[name] !== undefined && env[name] !== '')
      .map((name) => ({ name, value: redactEnvValue(env[name]!, this.secretEnvironment.includes(name)) }));
  }

  readonly #options: Readonly<Record<string, unknown>>;

  constructor(options: object = {}) {
    const schema = ownOptionSchema(new.target);
    if (schema !== undefined && options !== null && typeof options === 'object') {
      const where = (new.target as typeof FileSystemBase).protocols[0] ?? new.target.name;
      validateOptions(options as Record<string, unknown>, schema, where);
    }
    this.#options = Object.freeze({ ...(options as Record<string, unknown>) });
  }

  /** The canonical protocol name. */
  get protocol(): string {
    return (this.constructor as typeof FileSystemBase).protocols[0] ?? 'unknown';
  }

  /** The options the instance was made with (secrets included; never log this). */
  get storageOptions(): Readonly<Record<string, unknown>> {
    return this.#options;
  }

  // ---------------------------------------------------------------- backend hooks

  /** Metadata of one file or directory; `NotFound` when missing. */
  protected abstract _info(path: string): Promise<FileInfo>;
  /**
   * The size and version a read is sized from and kept to (`open('rb')`, `tail`, negative
   * ranges, `readBlock`, a stream to the end). Default: `_info`; a layer that caches
   * metadata answers it afresh, since a stale size reads a prefix or the wrong bytes.
   */
  protected _infoForRead(path: string): Promise<FileInfo> {
    return this._info(path);
  }
  /** Entries directly in a directory; `NotFound` when missing, `NotADirectory` for a file. */
  protected abstract _ls(path: string): Promise<FileInfo[]>;
  /** Bytes `[start, end)` of a file; `end` is clamped to the size. */
  protected abstract _read(
    path: string,
    start: number,
    end: number | undefined,
    options?: ReadOptions,
  ): Promise<Uint8Array>;
  /** Writes a whole file; `create` fails with `AlreadyExists` when it exists, and keeps `options.writeId`. */
  protected abstract _write(
    path: string,
    data: Uint8Array,
    mode: WriteMode,
    options?: { writeId?: string },
  ): Promise<void>;
  /** Deletes one file; `NotFound` when missing. */
  protected abstract _rm(path: string): Promise<void>;

  /** Opens a streaming writer. Default: buffered in memory, written by `_write` on close. */
  protected async _openWriter(path: string, options: WriterOptions): Promise<Writer> {
    return new BufferedWriter((data) => this._write(path, data, options.mode, { writeId: options.writeId }));
  }

  /** Creates a directory (and its parents when `parents`). Object stores: a no-op. */
  protected async _mkdir(_path: string, _parents: boolean): Promise<void> {}

  /** Removes an empty directory. Default: `NotEmpty` when it has entries, else nothing to do. */
  protected async _rmdir(path: string): Promise<void> {
    if ((await this._ls(path)).length > 0) throw errors.notEmpty(path);
  }

  /**
   * Streams bytes `[start, end)` (pinned to `options.etag` where given). Default: consecutive
   * `_read` calls of 4 MiB; a stream of more than one, or to the end, is sized from and kept
   * to the version `_infoForRead` gives (where it gives one), so a file replaced meanwhile
   * fails it with `ConditionNotMatch` instead of joining two versions.
   */
  protected async *_readStream(
    path: string,
    start: number,
    end: number | undefined,
    options: ReadOptions = {},
  ): AsyncGenerator<Uint8Array> {
    let stop = end;
    if (stop === undefined || (options.etag === undefined && stop - start > READ_CHUNK)) {
      const info = await this._infoForRead(path);
      stop ??= info.size;
      if (options.etag === undefined && typeof info.etag === 'string' && info.etag !== '')
        options = { ...options, etag: info.etag };
    }
    for (let pos = start; pos < stop;) {
      throwIfAborted(options.signal);
      const chunk = await this._read(path, pos, Math.min(pos + READ_CHUNK, stop), options);
      if (chunk.byteLength === 0) return;
      pos += chunk.byteLength;
      yield chunk;
    }
  }

  /**
   * Opens `path` for reads from its start into the caller's buffers (local disk), so a
   * writer that lends its buffers gets the bytes without a copy; undefined where the
   * backend reads only into buffers of its own.
   */
  protected _openReaderInto?(path: string, options: ReadOptions): Promise<ReaderInto>;
  /**
   * Reads the `sink.length` bytes of a file from `start` into `sink` (pinned to
   * `options.etag` where given): copied from the socket into its windows, each handed to
   * its `write` (`at` counted from `start`); resolves how many came (fewer at the end, 0
   * past it) once every write has, or undefined where this read cannot be served so (the
   * caller then streams it). A download in parts writes each part through two small
   * windows, so its memory does not grow with the part size.
   */
  protected _readInto?(path: string, start: number, sink: BodySink, options: ReadOptions): Promise<number | undefined>;
  /**
   * Opens a file for writes at any offset, committed under its name on `close`; defined
   * where `capabilities.randomWrite` (local disk). `options.append` is always false.
   */
  protected _openRandomWriter?(path: string, options: WriterOptions): Promise<RandomWriter>;
  /**
   * Opens an appending writer that assembles the new file on the service from the old one
   * plus the new bytes (declare `appendByCopy`), its `appendsAt` the old file's size (a
   * file too small to copy on the service may be written again first, see `prefilled`);
   * resolves undefined when there is no file, and core then writes a new one.
   */
  protected _openAppendByCopy?(path: string, options: WriterOptions): Promise<Writer | undefined>;
  /**
   * Whether `path` is a directory, in fewer requests than `_info` (object stores: one
   * listing instead of a HEAD then a listing); undefined to ask `_info`.
   */
  protected _isDir?(path: string): Promise<boolean>;
  /**
   * Server-side copy of one file; undefined when the service has none. `source` is the
   * file's info as planned (no HEAD needed): the copy is of the version its `etag` names.
   */
  protected _copy?(src: string, dst: string, source: FileInfo): Promise<void>;
  /** Every entry below `path` in one flat listing (object stores); undefined to walk. */
  protected _find?(path: string, withDirs: boolean): Promise<FileInfo[]>;
  /** Deletes many files at once; undefined to delete one at a time. */
  protected _rmMany?(paths: string[]): Promise<void>;
  /** A URL that grants access to `path` without credentials. */
  protected _sign?(path: string, options: Required<SignOptions>): Promise<string>;
  /** Renames a file or directory in one step (local, memory, HDFS). */
  protected _rename?(src: string, dst: string): Promise<void>;
  /** Updates the modification time of an existing file, `info` as just read (pinned to its `etag`). */
  protected _touch?(path: string, info: FileInfo): Promise<void>;
  /**
   * Removes a directory and everything below it in as few requests as the service allows
   * (HDFS: one recursive DELETE; object stores: one flat listing feeding batch deletes).
   * The directory exists (the caller checked); `onRemoved` counts files as they go.
   */
  protected _rmTree?(path: string, options: RmTreeOptions): Promise<void>;
  /** Unfinished multipart uploads below a path (S3), for {@link FileSystemBase.cleanup}. */
  protected _listUploads?(path: string): AsyncIterable<Debris>;
  /** Aborts one upload `_listUploads` gave. */
  protected _abortUpload?(upload: Debris): Promise<void>;
  /** The write id an exclusive create kept with the file (see create.ts); undefined when it has none. */
  protected _writeId?(path: string): Promise<string | undefined>;

  /** Maps a backend's native error to an FsError (backends override with their errors.ts). */
  protected mapError(err: unknown): FsError {
    return toFsError(err);
  }

  // ---------------------------------------------------------------- paths and context

  /** The protocols whose `proto://` prefix is stripped from paths. */
  protected get protocols(): readonly string[] {
    return (this.constructor as typeof FileSystemBase).protocols;
  }

  /**
   * Validates and normalises a path: strips this filesystem's own `proto://` prefix,
   * resolves `.` and `..`, drops trailing slashes. Bad input is `InvalidArgument`.
   */
  normalize(path: unknown): string {
    const raw = checkPath(path);
    return this.normalizeStripped(raw, stripProtocol(raw, this.protocols));
  }

  /**
   * {@link normalize} of the checked path `raw` once its own `proto://` prefix is stripped
   * (`rest`; `raw` itself when it has none), for a subclass that reads the prefix for its
   * own checks first: the authority dropped where it is no part of the path, `.` and `..`
   * resolved, trailing slashes dropped.
   */
  protected normalizeStripped(raw: string, rest: string): string {
    if (rest !== raw && (this.constructor as typeof FileSystemBase).urlAuthority === 'host') {
      const slash = rest.indexOf('/');
      rest = slash < 0 ? '' : rest.slice(slash);
    }
    return normalizePath(rest, this.rootMarker);
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
   * With `target: true`, the path is one to write or remove, and the empty path is refused
   * (it would name the root, or the working directory on local disk); with `target: 'file'`,
   * a file to write, and a trailing slash is refused too. `signal` cancels
   * the call: it rejects at once, and the requests in flight are aborted.
   */
  protected async withPath<T>(
    operation: string,
    path: unknown,
    fn: (p: string) => Promise<T>,
    options: { target?: boolean | 'file'; signal?: AbortSignal | undefined } = {},
  ): Promise<T> {
    const { target = false, signal } = options;
    let p: string | undefined;
    try {
      if (target === 'file') checkFilePath(path);
      else if (target) checkTargetPath(path);
      const q = this.normalize(path);
      p = q;
      return await withSignal(signal, () => fn(q));
    } catch (err) {
      const shown = p ?? (typeof path === 'string' ? redactUrl(path) : undefined);
      throw withContext(this.mapError(err), this.protocol, operation, shown);
    }
  }

  /** Runs `fn` (cancelled by `signal`) and gives any error its FsError kind and context. */
  protected async run<T>(
    operation: string,
    path: string | undefined,
    fn: () => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    try {
      return await withSignal(signal, fn);
    } catch (err) {
      throw withContext(this.mapError(err), this.protocol, operation, path);
    }
  }

  // ---------------------------------------------------------------- metadata

  /** Metadata of a file or directory; `NotFound` when missing, also for a path below a file. */
  info(path: string, options: InfoOptions = {}): Promise<FileInfo> {
    options = optionsOf(options, 'info');
    return this.withPath(
      'info',
      path,
      async (p) => {
        try {
          return await this._info(p);
        } catch (err) {
          // A path below a file does not exist (ENOTDIR from stat on local disks).
          const e = this.mapError(err);
          throw e.kind === 'NotADirectory' ? errors.notFound(p, err) : e;
        }
      },
      { signal: options.signal },
    );
  }

  /** True when the path exists; errors other than NotFound are thrown. */
  async exists(path: string, options: InfoOptions = {}): Promise<boolean> {
    options = optionsOf(options, 'exists');
    return (await this.infoOrUndefined(path, options)) !== undefined;
  }

  /** True when the path is a file. */
  async isFile(path: string, options: InfoOptions = {}): Promise<boolean> {
    options = optionsOf(options, 'isFile');
    return (await this.infoOrUndefined(path, options))?.type === 'file';
  }

  /** True when the path is a directory (or, on object stores, a prefix or bucket). */
  async isDir(path: string, options: InfoOptions = {}): Promise<boolean> {
    options = optionsOf(options, 'isDir');
    const isDir = this._isDir;
    if (isDir === undefined) return (await this.infoOrUndefined(path, options))?.type === 'directory';
    return this.withPath(
      'isDir',
      path,
      async (p) => {
        try {
          return await isDir.call(this, p);
        } catch (err) {
          if (this.mapError(err).kind === 'NotFound') return false;
          throw err;
        }
      },
      { signal: options.signal },
    );
  }

  /** Size of a file in bytes. */
  async size(path: string, options: InfoOptions = {}): Promise<number> {
    options = optionsOf(options, 'size');
    return (await this.info(path, options)).size;
  }

  /** Last modification time; `Unsupported` where the backend keeps none. */
  async modified(path: string, options: InfoOptions = {}): Promise<Date> {
    const info = await this.info(path, optionsOf(options, 'modified'));
    if (!(info.mtime instanceof Date)) {
      throw withContext(errors.unsupported('no modification time is kept'), this.protocol, 'modified', info.name);
    }
    return info.mtime;
  }

  /** A token that changes when the file changes: the service's ETag, else a hash of size and mtime. */
  async checksum(path: string, options: InfoOptions = {}): Promise<string> {
    return this.checksumOf(await this.info(path, optionsOf(options, 'checksum')));
  }

  /** {@link checksum} of what `info` gave; a backend with a token of its own (an MD5) overrides it. */
  protected checksumOf(info: FileInfo): string {
    if (typeof info.etag === 'string' && info.etag !== '') return info.etag.replace(/^"|"$/g, '');
    return createHash('sha256')
      .update(`${info.name}\0${info.size}\0${info.mtime?.getTime() ?? ''}`)
      .digest('hex')
      .slice(0, 32);
  }

  /** `info`, or undefined for a missing path. */
  protected infoOrUndefined(path: string, options: InfoOptions = {}): Promise<FileInfo | undefined> {
    return infoOrUndefined({ info: (p) => this.info(p, options) }, path);
  }

  // ---------------------------------------------------------------- listing

  /** Entries directly in a directory, sorted by name; a file lists as itself. */
  ls(path: string, options: LsOptions & { detail: true }): Promise<FileInfo[]>;
  ls(path: string, options?: LsOptions & { detail?: false }): Promise<string[]>;
  ls(path: string, options: LsOptions): Promise<FileInfo[] | string[]>;
  async ls(path: string, options: LsOptions = {}): Promise<FileInfo[] | string[]> {
    options = optionsOf(options, 'ls');
    const entries = await this.withPath('ls', path, (p) => this.lsInfo(p), { signal: options.signal });
    return options.detail ? entries : entries.map((e) => e.name);
  }

  /** `_ls`, sorted; a file lists as itself. Internal callers use normalised paths. */
  async lsInfo(path: string): Promise<FileInfo[]> {
    try {
      const entries = (await this._ls(path)).filter((e) => !isTemporaryName(e.name));
      return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch (err) {
      // Mapped here: layers call this directly, and classify what they catch.
      const e = this.mapError(err);
      if (e.kind !== 'NotADirectory') throw e;
      return [await this.run('ls', path, () => this._info(path))];
    }
  }

  /** Every file below `path` (and directories with `withDirs`), sorted by name. */
  find(path: string, options: FindOptions & { detail: true }): Promise<FileInfo[]>;
  find(path: string, options?: FindOptions & { detail?: false }): Promise<string[]>;
  find(path: string, options: FindOptions): Promise<FileInfo[] | string[]>;
  async find(path: string, options: FindOptions = {}): Promise<FileInfo[] | string[]> {
    options = optionsOf(options, 'find');
    const entries = await this.withPath(
      'find',
      path,
      (p) => findEntries(this, p, options, this.capabilities.flatListing ? this._find!.bind(this) : undefined),
      { signal: options.signal },
    );
    return options.detail ? entries : entries.map((e) => e.name);
  }

  /**
   * Walks a tree depth first, like `os.walk`: one `{ root, dirs, files }` per directory,
   * each followed by the walks of its subdirectories in the order of `dirs`. Top-down (the
   * default), removing names from `dirs` before the next step skips those subdirectories;
   * `topDown: false` gives each directory after everything below it. A directory that
   * cannot be listed fails the walk; `onError: 'omit'` skips it (fsspec's default), a
   * function is called with the error and skips it.
   */
  walk(
    path: string,
    options: { maxDepth?: number; topDown?: boolean; onError?: WalkOnError; signal?: AbortSignal } = {},
  ): AsyncIterable<WalkEntry> {
    options = optionsOf(options, 'walk');
    const p = this.normalize(path);
    try {
      if (options.topDown !== undefined && typeof options.topDown !== 'boolean')
        throw errors.invalid(`topDown must be a boolean, got ${String(options.topDown)}`);
      checkDepth(options.maxDepth);
      checkOnError(options.onError);
    } catch (err) {
      throw withContext(this.mapError(err), this.protocol, 'walk', p);
    }
    return walkEntries(this, p, options.maxDepth, options.topDown ?? true, options.signal, options.onError);
  }

  /**
   * Paths matching a glob pattern (`*`, `**`, `?`, `[..]`), sorted, each once. With `detail`,
   * a name that is a file and a directory at once (an object store's `x` and `x/...`) has
   * an entry for each, as in `ls` and `find`.
   */
  glob(pattern: string, options: { maxDepth?: number; detail: true; signal?: AbortSignal }): Promise<FileInfo[]>;
  glob(pattern: string, options?: { maxDepth?: number; detail?: false; signal?: AbortSignal }): Promise<string[]>;
  glob(
    pattern: string,
    options: { maxDepth?: number; detail?: boolean; signal?: AbortSignal },
  ): Promise<FileInfo[] | string[]>;
  async glob(
    pattern: string,
    options: { maxDepth?: number; detail?: boolean; signal?: AbortSignal } = {},
  ): Promise<FileInfo[] | string[]> {
    options = optionsOf(options, 'glob');
    const dirsOnly = (): boolean => hasTrailingSlash(pattern);
    const entries = await this.withPath('glob', pattern, (p) => globEntries(this, p, options.maxDepth, dirsOnly()), {
      signal: options.signal,
    });
    if (options.detail) return entries;
    // Sorted by name; a file and a directory of one name (object stores) give the name once.
    return entries.map((e) => e.name).filter((name, i, names) => i === 0 || name !== names[i - 1]);
  }

  /**
   * Total bytes below `path`, or per file with `total: false`; `withDirs` (with
   * `total: false`) lists each directory too, with the bytes of the files below it within
   * `maxDepth` (as `du` prints directories).
   */
  du(path: string, options?: DuOptions & { total?: true }): Promise<number>;
  du(path: string, options: DuOptions & { total: false }): Promise<Record<string, number>>;
  du(path: string, options: DuOptions): Promise<number | Record<string, number>>;
  async du(path: string, options: DuOptions = {}): Promise<number | Record<string, number>> {
    options = optionsOf(options, 'du');
    try {
      if (options.total !== undefined && typeof options.total !== 'boolean')
        throw errors.invalid(`du's total must be true or false, got ${JSON.stringify(options.total)}`);
      if (options.withDirs !== undefined && typeof options.withDirs !== 'boolean')
        throw errors.invalid(`du's withDirs must be true or false, got ${JSON.stringify(options.withDirs)}`);
      checkDepth(options.maxDepth);
    } catch (err) {
      throw withContext(this.mapError(err), this.protocol, 'du', this.normalize(path));
    }
    const dirs = options.total === false && options.withDirs === true;
    const entries = await this.find(path, {
      detail: true,
      withDirs: dirs,
      ...(options.maxDepth === undefined ? {} : { maxDepth: options.maxDepth }),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const files = entries.filter((e) => e.type === 'file');
    if (options.total !== false) return files.reduce((sum, f) => sum + f.size, 0);
    const sizes = new Map(entries.map((e) => [e.name, e.type === 'file' ? e.size : 0]));
    if (dirs)
      for (const f of files) {
        // Up through the directories listed: each holds the file.
        for (let d = parentPath(f.name, this.rootMarker); sizes.has(d);) {
          sizes.set(d, sizes.get(d)! + f.size);
          const up = parentPath(d, this.rootMarker);
          if (up === d) break;
          d = up;
        }
      }
    return Object.fromEntries(sizes);
  }

  // ---------------------------------------------------------------- debris

  /**
   * Removes what interrupted writes left below `path`: temporary files of writes that never
   * committed (local disk, HDFS) and multipart uploads never completed (S3).
   *
   * Behaviour:
   * - only debris started at least `olderThan` ms ago (default one day) is removed, so
   *   writes in progress elsewhere are left alone; `dryRun` removes nothing;
   * - temporary files never appear in `ls`, `find`, `walk` or `glob`; this is how they go;
   * - a missing `path` has no debris.
   */
  cleanup(path: string, options?: CleanupOptions): Promise<CleanupResult> {
    return this.withPath('cleanup', path, async (p) => {
      const o = cleanupOptionsOf(options);
      const isMissing = (err: unknown): boolean => ['NotFound', 'NotADirectory'].includes(this.mapError(err).kind);
      const sources: Array<AsyncIterable<Debris>> = [];
      if (this.capabilities.realDirectories)
        sources.push(temporaryFiles((dir) => this._ls(dir), p, isMissing, o.signal));
      if (this._listUploads) sources.push(this._listUploads(p));
      const remove = (d: Debris): Promise<void> =>
        d.kind === 'upload' && this._abortUpload ? this._abortUpload(d) : this._rm(d.path);
      return removeDebris(sources, o, remove, isMissing);
    });
  }

  /**
   * A filesystem of the same backend that refuses every path resolving outside `root`
   * (the `dir` layer confines itself with it). Backends with symbolic links override it to
   * resolve links; elsewhere a path cannot leave its prefix and this is the filesystem itself.
   */
  within(_root: string): this {
    return this;
  }

  // ---------------------------------------------------------------- description

  /** `S3FileSystem(s3)`; options are never shown. */
  toString(): string {
    return `${this.constructor.name}(${this.protocol})`;
  }

  /** Protocol and options with secrets redacted. */
  toJSON(): { protocol: string; options: unknown } {
    const schema = (this.constructor as typeof FileSystemBase).optionSchema;
    return { protocol: this.protocol, options: redact(this.#options, schema) };
  }

  [inspect.custom](): string {
    return `${this.constructor.name} ${inspect(this.toJSON().options)}`;
  }
}
