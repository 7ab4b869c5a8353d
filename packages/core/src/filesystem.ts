/**
 * The FileSystem base class. A backend implements the small required surface (the
 * `_`-prefixed hooks of FileSystemBase); everything else in the interface is derived here, once.
 */
import type { BodySink } from './http1';
import { Readable, Writable } from 'node:stream';
import { brandClass, isBranded } from './brand';
import { errors, FsError, withContext } from './errors';
import { baseName, hasTrailingSlash, isUnder, joinPath } from './paths';
import { hasMagic } from './glob';
import { asBuffer, isStreamSource, iterateSource, toBytes, type Source } from './data';
import { mapLimit, defaultBatchSize, throwIfAborted, ProgressTracker } from './batch';
import {
  isFillable,
  prefilled,
  pump,
  type FillableWriter,
  type RandomWriter,
  type ReaderInto,
  type Writer,
} from './writer';
import { DEFAULT_BLOCK_SIZE, RemoteFile, type RemoteFileOptions } from './file';
import { checkOptions, type TransferPlanOptions } from './copyplan';
import { copyFiles, removeDirs, removePaths } from './transfer';
import { createOnce, newWriteId } from './create';
import { localDisk } from './localdisk';
import { expandPaths } from './listing';
import { checkDelimiter, readBlockOf } from './block';
import {
  checkMode,
  checkSource,
  checkTargetPath,
  normalizeOpenMode,
  optionsOf,
  pinTo,
  rangeOptionsOf,
  readOptionsOf,
} from './args';
import { abortedWrite, outsideSignal } from './timeouts';
import type {
  CatOptions,
  CatRangesOptions,
  RangeBounds,
  CatResult,
  CopyOptions,
  MoveOptions,
  FileInfo,
  OpenMode,
  OpenOptions,
  OperationOptions,
  Progress,
  RangeOptions,
  ReadBlockOptions,
  RmOptions,
  WriteMode,
  WriteOptions,
} from './types';
import { FileSystemBase, type ReadOptions, type SignOptions, type WriterOptions } from './base';

/** What {@link FileSystem.writerFor} opens: a write in `mode`, appending with `append`. */
export interface WriterRequest {
  mode: WriteMode;
  /** Keep the existing content and add to it (`ab`). */
  append?: boolean;
  signal?: AbortSignal | undefined;
  /** Part size for the upload (`open`'s `blockSize`). */
  partSize?: number | undefined;
  /** With `mode: 'create'`: the id kept with the file (default: a new one). */
  writeId?: string | undefined;
  /** With `append`: the file as just looked up, so an emulated append does not look again. */
  existing?: { info: FileInfo | undefined } | undefined;
}

const FILESYSTEM_BRAND = Symbol.for('omnifs.FileSystem');

/** True for a list of range bounds (one per path), false for one bound for all. */
function isBoundList(bounds: RangeBounds): bounds is ReadonlyArray<number | null> {
  return Array.isArray(bounds);
}

export type {
  FileSystemOptions,
  WriterOptions,
  LsOptions,
  ReadOptions,
  SignOptions,
  InfoOptions,
  DuOptions,
} from './base';

/**
 * The read options kept to the version a range was resolved against (a `tail` sized from
 * one version must not read another), unless the caller named a version already.
 */
function pinnedTo(read: ReadOptions | undefined, pin: { etag?: string } | undefined): ReadOptions | undefined {
  if (pin?.etag === undefined || read?.etag !== undefined) return read;
  return { ...read, etag: pin.etag };
}

/** UTF-8 that refuses bytes it cannot decode, and keeps a byte order mark as `Buffer` does. */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function isUtf8Name(encoding: string): boolean {
  const e = encoding.toLowerCase();
  return e === 'utf8' || e === 'utf-8';
}

/**
 * Base class of every omnifs filesystem: whole files, streaming, transfer and directories,
 * derived from the hooks of {@link FileSystemBase}.
 */
export abstract class FileSystem extends FileSystemBase {
  /** `fs instanceof FileSystem` holds for a filesystem built on any copy of core (see `brand.ts`). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isBranded(this, FILESYSTEM_BRAND, value);
  }

  // ---------------------------------------------------------------- whole files

  /** Bytes of one file, or of a range of it (`end` exclusive, negatives count from the end). */
  async catFile(path: string, rangeOptions: RangeOptions = {}): Promise<Buffer> {
    const options = rangeOptionsOf(rangeOptions, 'catFile');
    return this.withPath(
      'cat',
      path,
      async (p) => {
        const read = readOptionsOf(options);
        throwIfAborted(options.signal);
        // The whole file, the common case: no range to check or resolve.
        if ((options.start === undefined || options.start === 0) && options.end === undefined)
          return asBuffer(await this._read(p, 0, undefined, read));
        const range = await this.resolveRange(p, options.start, options.end);
        if (range.end !== undefined && range.end <= range.start) return Buffer.alloc(0);
        return asBuffer(await this._read(p, range.start, range.end, pinnedTo(read, range.pin)));
      },
      { signal: options.signal },
    );
  }

  /**
   * `catFile` for one path; for a list or a glob, a record of path to bytes. The type
   * follows a literal path (a glob character in it gives the record); a path known only as
   * `string` may be either, so read one file of a computed name with `catFile`.
   *
   * For a list or a glob, `onError` (fsspec's `on_error`) says what a file that cannot be
   * read does: `raise` (the default) fails the call, `omit` leaves it out of the record,
   * `return` puts its FsError in the record in place of bytes. An abort always fails the call.
   */
  cat<P extends string>(path: P, options?: CatOptions & { onError?: 'raise' | 'omit' }): Promise<CatResult<P>>;
  cat(paths: string[], options?: CatOptions & { onError?: 'raise' | 'omit' }): Promise<Record<string, Buffer>>;
  cat(paths: string[], options: CatOptions & { onError: 'return' }): Promise<Record<string, Buffer | FsError>>;
  cat(path: string, options: CatOptions & { onError: 'return' }): Promise<Buffer | Record<string, Buffer | FsError>>;
  async cat(path: string | string[], catOptions: CatOptions = {}): Promise<Buffer | Record<string, Buffer | FsError>> {
    const { batchSize, onError = 'raise', ...range } = optionsOf(catOptions, 'cat');
    if (!['raise', 'omit', 'return'].includes(onError))
      throw errors.invalid(`onError must be 'raise', 'omit' or 'return', got ${JSON.stringify(onError)}`);
    if (typeof path === 'string' && !hasMagic(path)) return this.catFile(path, range);
    if (typeof path !== 'string' && !Array.isArray(path)) return this.catFile(path, range); // rejects it with context
    const items = typeof path === 'string' ? [path] : path;
    const paths = await this.run('cat', undefined, () =>
      expandPaths(
        this,
        items.map((p) => this.normalize(p)),
      ),
    );
    const bodies = await mapLimit(
      paths,
      batchSize ?? defaultBatchSize(this),
      (p) =>
        this.catFile(p, range).catch((err: unknown) => {
          if (onError === 'raise' || !(err instanceof FsError) || err.kind === 'Aborted') throw err;
          return err;
        }),
      range.signal,
    );
    const out: Record<string, Buffer | FsError> = {};
    paths.forEach((p, i) => {
      const body = bodies[i]!;
      if (!(body instanceof FsError) || onError === 'return') out[p] = body;
    });
    return out;
  }

  /** Sizes of several files in bytes, in the order given (fsspec's `sizes`), `batchSize` at once. */
  async sizes(paths: string[], options: { batchSize?: number; signal?: AbortSignal } = {}): Promise<number[]> {
    options = optionsOf(options, 'sizes');
    if (!Array.isArray(paths)) throw errors.invalid(`sizes needs a list of paths, got ${typeof paths}`);
    const signal = options.signal;
    return mapLimit(
      paths,
      options.batchSize ?? defaultBatchSize(this),
      (p) => this.size(p, signal ? { signal } : {}),
      signal,
    );
  }

  /**
   * Several ranges, of one or several files, read concurrently (`null`: from the start, to
   * the end; one number or `null` for every path). As fsspec's `cat_ranges`, a range that
   * fails gives its FsError in its place (`onError: 'return'`, the default), or fails the
   * call (`'raise'`); an abort always fails the call.
   */
  catRanges(
    paths: string[],
    starts: RangeBounds,
    ends: RangeBounds,
    options: CatRangesOptions & { onError: 'raise' },
  ): Promise<Buffer[]>;
  catRanges(
    paths: string[],
    starts: RangeBounds,
    ends: RangeBounds,
    options?: CatRangesOptions & { onError?: 'return' },
  ): Promise<Array<Buffer | FsError>>;
  async catRanges(
    paths: string[],
    starts: RangeBounds,
    ends: RangeBounds,
    options: CatRangesOptions & { onError?: 'raise' | 'return' } = {},
  ): Promise<Array<Buffer | FsError>> {
    const { batchSize, signal, onError = 'return' } = optionsOf(options, 'catRanges');
    if (onError !== 'raise' && onError !== 'return')
      throw errors.invalid(`onError must be 'raise' or 'return', got ${JSON.stringify(onError)}`);
    const each = (bounds: RangeBounds, what: string): ReadonlyArray<number | null> => {
      if (!isBoundList(bounds)) return paths.map(() => bounds);
      if (bounds.length !== paths.length)
        throw errors.invalid(`catRanges got ${paths.length} paths but ${bounds.length} ${what}`);
      return bounds;
    };
    if (!Array.isArray(paths)) throw errors.invalid(`catRanges needs a list of paths, got ${typeof paths}`);
    const [from, to] = [each(starts, 'starts'), each(ends, 'ends')];
    return mapLimit(
      paths,
      batchSize ?? defaultBatchSize(this),
      (p, i) =>
        this.catFile(p, { start: from[i]!, end: to[i]!, ...(signal ? { signal } : {}) }).catch((err: unknown) => {
          if (onError === 'raise' || !(err instanceof FsError) || err.kind === 'Aborted') throw err;
          return err;
        }),
      signal,
    );
  }

  /** Writes a whole file from bytes, a string, or a stream / async iterable. */
  async pipeFile(path: string, data: Source, options: WriteOptions = {}): Promise<void> {
    options = optionsOf(options, 'pipeFile');
    const mode = checkMode(options.mode);
    const writeId = mode === 'create' ? (options.writeId ?? newWriteId()) : undefined;
    await this.withPath(
      'pipe',
      path,
      async (p) => {
        throwIfAborted(options.signal);
        if (isStreamSource(data)) {
          const writer = await this.writerFor(p, { mode, signal: options.signal, writeId });
          const progress = new ProgressTracker(options.onProgress);
          await pump(iterateSource(data), writer, { signal: options.signal, progress });
          progress.fileDone();
          return;
        }
        const bytes = toBytes(data);
        await this.createOnce(p, writeId, () => this._write(p, bytes, mode, { writeId }));
        options.onProgress?.({ bytes: bytes.byteLength, totalBytes: bytes.byteLength, files: 1, totalFiles: 1 });
      },
      { target: 'file', signal: options.signal },
    );
  }

  /** `pipeFile` for one path; a record of path to content writes several. */
  async pipe(
    path: string | Record<string, Source>,
    data?: Source,
    options: WriteOptions & { batchSize?: number } = {},
  ): Promise<void> {
    options = optionsOf(options, 'pipe');
    const { batchSize, ...write } = options;
    if (typeof path === 'string') {
      if (data === undefined) throw errors.invalid('pipe needs data to write', path);
      return this.pipeFile(path, data, write);
    }
    if (path === null || typeof path !== 'object')
      throw errors.invalid('pipe needs a path or a record of path to data');
    const entries = Object.entries(path);
    const limit = batchSize ?? defaultBatchSize(this);
    await mapLimit(entries, limit, ([p, d]) => this.pipeFile(p, d, write), options.signal);
  }

  /**
   * A file's content decoded as text (UTF-8 by default). Bytes that are not valid UTF-8
   * are `InvalidArgument`, as in fsspec (Python's UnicodeDecodeError), not replaced: text
   * written back would not be the file's bytes. Read such a file with `cat`, or with
   * `'latin1'`, which takes any bytes.
   */
  async readText(path: string, encoding: BufferEncoding = 'utf8'): Promise<string> {
    if (!Buffer.isEncoding(encoding))
      throw errors.invalid(
        `readText takes an encoding name (readText(path, 'latin1')), got ${typeof encoding === 'string' ? JSON.stringify(encoding) : typeof encoding}`,
      );
    const bytes = await this.catFile(path);
    if (!isUtf8Name(encoding)) return Buffer.from(bytes).toString(encoding);
    try {
      return STRICT_UTF8.decode(bytes);
    } catch {
      throw errors.invalid(
        `${this.normalize(path)} is not UTF-8 text: read it with cat(), or readText(path, 'latin1')`,
        this.normalize(path),
      );
    }
  }

  /** Writes text as a file, encoded as `encoding` (default UTF-8, as `readText` reads it). */
  async writeText(
    path: string,
    text: string,
    options: WriteOptions & { encoding?: BufferEncoding } = {},
  ): Promise<void> {
    options = optionsOf(options, 'writeText');
    if (typeof text !== 'string') throw errors.invalid(`text must be a string, got ${typeof text}`, String(path));
    const { encoding, ...write } = options;
    if (encoding === undefined || encoding === 'utf8' || encoding === 'utf-8') return this.pipeFile(path, text, write);
    if (typeof encoding !== 'string' || !Buffer.isEncoding(encoding)) {
      const got = JSON.stringify(encoding);
      throw errors.invalid(
        `encoding must be a Node.js text encoding (utf8, utf16le, latin1, ...), got ${got}`,
        `${path}`,
      );
    }
    return this.pipeFile(path, Buffer.from(text, encoding), write);
  }

  /** The first `size` bytes of a file (default 1024). */
  async head(path: string, size = 1024): Promise<Buffer> {
    checkSize('head', size);
    return this.catFile(path, { start: 0, end: size });
  }

  /** The last `size` bytes of a file (default 1024). */
  async tail(path: string, size = 1024): Promise<Buffer> {
    checkSize('tail', size);
    return this.catFile(path, size === 0 ? { start: 0, end: 0 } : { start: -size });
  }

  /**
   * A block of a file, as fsspec's `read_block`: `length` bytes from `offset` (`null` or
   * left out: to the end). With `delimiter` (`'\n'`, or bytes) the block is moved onto
   * record boundaries: it starts just past the first delimiter at or after `offset` (at 0
   * when `offset` is 0) and ends just past the first one at or after `offset + length`,
   * so blocks asked for at `0, n, 2n, ...` cover the file once, each a run of whole
   * records. Usually one ranged read, of the block and 64 KiB past it; every read is of
   * the version seen first (a file replaced meanwhile fails with `ConditionNotMatch`).
   *
   * ```ts
   * const size = await fs.size('logs/big.jsonl');
   * for (let at = 0; at < size; at += 64 * 2 ** 20) {
   *   const lines = await fs.readBlock('logs/big.jsonl', at, 64 * 2 ** 20, { delimiter: '\n' });
   * }
   * ```
   */
  async readBlock(
    path: string,
    offset: number,
    length?: number | null,
    options: ReadBlockOptions = {},
  ): Promise<Buffer> {
    options = optionsOf(options, 'readBlock');
    return this.withPath(
      'readBlock',
      path,
      async (p) => {
        if (!Number.isSafeInteger(offset) || offset < 0)
          throw errors.invalid(`offset must be an integer >= 0, got ${String(offset)}`, p);
        if (length !== undefined && length !== null && (!Number.isSafeInteger(length) || length < 0))
          throw errors.invalid(`length must be an integer >= 0 or null (to the end), got ${String(length)}`, p);
        const delimiter = checkDelimiter(options.delimiter);
        throwIfAborted(options.signal);
        const info = await this._infoForRead(p);
        if (info.type === 'directory')
          throw this.capabilities.realDirectories ? errors.isADirectory(p) : errors.notFound(p);
        const pin = { ...pinTo(info), ...(options.signal ? { signal: options.signal } : {}) };
        const read = (start: number, end: number): Promise<Uint8Array> => this._read(p, start, end, pin);
        return readBlockOf(read, info.size, offset, length ?? undefined, delimiter);
      },
      { signal: options.signal },
    );
  }

  /**
   * Creates an empty file, or with `truncate: false` updates an existing one's mtime and
   * keeps its content (rewriting it where the backend has no native touch).
   *
   * Behaviour: a directory is refused with `IsADirectory` (`EISDIR`), as local disk refuses
   * it; on an object store that is a prefix with keys below it (a bucket too), where an
   * empty object of that name would make a file and a directory of one name.
   */
  async touch(path: string, options: { truncate?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    options = optionsOf(options, 'touch');
    await this.withPath(
      'touch',
      path,
      async (p) => {
        if (options.truncate === false) {
          const info = await this._infoForRead(p).catch(() => undefined);
          if (info?.type === 'file') {
            if (this.capabilities.touch) return this._touch!(p, info);
            // No native touch: rewrite the same bytes (of the version seen), streamed, for a new mtime.
            await pump(this._readStream(p, 0, info.size, pinTo(info)), await this.writerFor(p, { mode: 'overwrite' }));
            return;
          }
          if (info?.type === 'directory') throw errors.isADirectory(p);
        } else if (!this.capabilities.realDirectories && (await this.isDir(p))) throw errors.isADirectory(p);
        await this._write(p, new Uint8Array(0), 'overwrite');
      },
      { target: 'file', signal: options.signal },
    );
  }

  // ---------------------------------------------------------------- streaming

  /** Opens a file: `rb` reads, `wb` writes, `ab` appends, `xb` creates exclusively. */
  async open(path: string, mode: OpenMode = 'rb', options: OpenOptions = {}): Promise<RemoteFile> {
    options = optionsOf(options, 'open');
    const m = normalizeOpenMode(mode);
    const fileOptions: RemoteFileOptions = { blockSize: options.blockSize ?? DEFAULT_BLOCK_SIZE };
    if (options.cacheBlocks !== undefined) fileOptions.cacheBlocks = options.cacheBlocks;
    return this.withPath(
      'open',
      path,
      async (p) => {
        if (m === 'rb') {
          const info = await this._infoForRead(p);
          if (info.type === 'directory') throw errors.isADirectory(p);
          const signal = options.signal;
          // Every block is read from the version opened: a replaced file is ConditionNotMatch.
          const pin = { ...pinTo(info), ...(signal ? { signal } : {}) };
          const source = {
            size: info.size,
            read: (s: number, e: number) => this.run('read', p, () => this._read(p, s, e, pin), signal),
          };
          return new RemoteFile(p, m, source, undefined, fileOptions);
        }
        // An append starts at the end of the file: where a native append keeps it, the file
        // is looked up here; an append that rewrites the file says where its old bytes end.
        // A directory is refused before any byte is sent where directories are real
        // (elsewhere a key beside a prefix is allowed).
        const { append, realDirectories } = this.capabilities;
        let existing: { info: FileInfo | undefined } | undefined;
        if ((m === 'ab' && (append || realDirectories)) || (m === 'wb' && realDirectories)) {
          existing = { info: await this.infoOrUndefined(p) };
          if (existing.info?.type === 'directory' && realDirectories) throw errors.isADirectory(p);
        }
        const writer = await this.writerFor(p, {
          mode: m === 'xb' ? 'create' : 'overwrite',
          append: m === 'ab',
          signal: options.signal,
          partSize: options.blockSize,
          ...(m === 'ab' && existing ? { existing } : {}),
        });
        if (m === 'ab') {
          const at = writer.appendsAt ?? (existing?.info?.type === 'file' ? existing.info.size : undefined);
          if (at !== undefined) fileOptions.appendsAt = at;
        }
        return new RemoteFile(p, m, undefined, writer, fileOptions);
      },
      { target: m === 'rb' ? false : 'file', signal: options.signal },
    );
  }

  /** A streaming writer for `path`: bytes in parts, committed on `close`. */
  async openWriter(
    path: string,
    options: { mode?: WriteMode; append?: boolean; signal?: AbortSignal; writeId?: string } = {},
  ): Promise<Writer> {
    options = optionsOf(options, 'openWriter');
    const { mode, append, signal, writeId } = options;
    return this.withPath(
      'open',
      path,
      (p) => this.writerFor(p, { mode: checkMode(mode), append: append === true, signal, writeId }),
      { target: 'file', signal },
    );
  }

  /**
   * A writer that takes bytes at any offset (parts arriving out of order), committed under
   * `path` on `close`; `Unsupported` unless `capabilities.randomWrite` (local disk).
   */
  async openRandomWriter(
    path: string,
    options: { mode?: WriteMode; signal?: AbortSignal } = {},
  ): Promise<RandomWriter> {
    options = optionsOf(options, 'openRandomWriter');
    const mode = checkMode(options.mode);
    return this.withPath(
      'open',
      path,
      async (p) => {
        if (!this.capabilities.randomWrite)
          throw errors.unsupported(`${this.protocol} files cannot be written at random offsets`);
        if (mode === 'create' && !this.capabilities.exclusiveCreate && (await this.infoOrUndefined(p)))
          throw errors.alreadyExists(p);
        const writer = await this._openRandomWriter!(p, {
          mode,
          append: false,
          ...(options.signal ? { signal: options.signal } : {}),
        });
        return {
          writeAt: (data, position) => this.run('write', p, () => writer.writeAt(data, position)),
          close: () => this.run('write', p, () => writer.close()),
          abort: (reason) => this.run('write', p, () => writer.abort(reason)),
        };
      },
      { target: 'file' },
    );
  }

  /** Chunks of a file (or of a range of it), fetched as they are consumed. */
  async *readChunks(path: string, rangeOptions: RangeOptions = {}): AsyncGenerator<Buffer> {
    const options = rangeOptionsOf(rangeOptions, 'readChunks');
    const p = await this.withPath('read', path, async (q) => q);
    const read = await this.run('read', p, async () => readOptionsOf(options));
    const range = await this.run('read', p, () => this.resolveRange(p, options.start, options.end), options.signal);
    if (range.end !== undefined && range.end <= range.start) return;
    const it = this._readStream(p, range.start, range.end, pinnedTo(read, range.pin));
    let done = false;
    try {
      for (;;) {
        const next = await this.run('read', p, () => it.next(), options.signal);
        if (next.done === true) {
          done = true;
          return;
        }
        yield asBuffer(next.value);
      }
    } finally {
      // Stopped early (or failed): the backend's stream is closed too, its requests in
      // flight cancelled, rather than left to run to their end. Not awaited: a read still
      // pending (cut by the signal) closes once it settles.
      if (!done) it.return(undefined).catch(() => undefined);
    }
  }

  /**
   * A Node Readable of a file's bytes, `start`/`end` as in `catFile`: `end` exclusive,
   * where `node:fs`'s `createReadStream` reads through `end`.
   */
  createReadStream(path: string, options: RangeOptions = {}): Readable {
    options = optionsOf(options, 'createReadStream');
    return Readable.from(this.readChunks(path, options), { objectMode: false });
  }

  /**
   * A Node Writable that writes a file; it is committed when the stream finishes.
   * Destroyed before it finished (`destroy()`, with or without an error, or a pipeline
   * that failed), the write is aborted: nothing is left under the name, and no temporary
   * file or upload either.
   */
  createWriteStream(path: string, options: { mode?: WriteMode } = {}): Writable {
    options = optionsOf(options, 'createWriteStream');
    const opening = this.openWriter(path, options);
    opening.catch(() => undefined);
    let committed = false;
    return new Writable({
      write(chunk: Buffer, _enc, cb) {
        opening.then((w) => w.write(chunk)).then(() => cb(), cb);
      },
      final(cb) {
        opening
          .then((w) => w.close())
          .then(() => {
            committed = true;
            cb();
          }, cb);
      },
      destroy(err, cb) {
        if (committed) return cb(err);
        opening
          .then((w) => w.abort(err ?? errors.aborted()))
          .then(
            () => cb(err),
            () => cb(err),
          );
      },
    });
  }

  /**
   * The writer behind `openWriter`, `open`, `pipeFile`, `copyFile` and `touch`, for a
   * normalised path: the backend's `_openWriter`, with native append, append by copy or
   * the rewrite emulation chosen by the capabilities, and exclusive create checked where
   * the service does not enforce it. Its errors, also those of a later `write`, `close`
   * or `abort`, become FsErrors with context.
   */
  protected async writerFor(path: string, request: WriterRequest): Promise<Writer> {
    const { mode, append = false, signal, partSize } = request;
    const writeId = mode === 'create' && !append ? (request.writeId ?? newWriteId()) : undefined;
    const options: WriterOptions = {
      mode,
      append: false,
      ...(signal ? { signal } : {}),
      ...(partSize ? { partSize } : {}),
      ...(writeId ? { writeId } : {}),
    };
    const writer = await this.hookWriter(path, options, append, request.existing);
    const aborted = (): never => {
      throw withContext(errors.aborted(signal?.reason), this.protocol, 'write', path);
    };
    // The signal ends the write whatever the backend does with it: once it aborts, the
    // writer is aborted at once (its temporary file or upload removed, nothing committed)
    // and every later write or close rejects with Aborted. A close under way runs to its end.
    let aborting: Promise<void> | undefined;
    const abort = (reason?: unknown): Promise<void> =>
      (aborting ??= outsideSignal(() => this.run('write', path, () => writer.abort(reason))));
    const onAbort = (): void => void abort(signal?.reason).catch(() => undefined);
    signal?.addEventListener('abort', onAbort, { once: true });
    // A call under way when the signal aborts fails with Aborted, whatever the torn-down
    // upload reported (a connection closed under it).
    const asAborted = (err: unknown): never => {
      if (!signal?.aborted) throw err;
      throw withContext(abortedWrite(signal, err), this.protocol, 'write', path);
    };
    const wrapped: Writer = {
      write: (chunk) =>
        signal?.aborted
          ? abort(signal.reason).then(aborted, aborted)
          : this.run('write', path, () => writer.write(chunk)).catch(asAborted),
      close: () => {
        signal?.removeEventListener('abort', onAbort);
        if (signal?.aborted) return abort(signal.reason).then(aborted, aborted);
        return this.run('write', path, () => this.createOnce(path, writeId, () => writer.close()));
      },
      abort: (reason) => {
        signal?.removeEventListener('abort', onAbort);
        return abort(reason);
      },
      ...(writer.appendsAt === undefined ? {} : { appendsAt: writer.appendsAt }),
    };
    if (signal?.aborted) onAbort();
    if (!isFillable(writer)) return wrapped;
    const fillable: FillableWriter = {
      ...wrapped,
      ...(writer.fillsFrom !== undefined ? { fillsFrom: writer.fillsFrom } : {}),
      space: () => writer.space(),
      filled: (n) =>
        signal?.aborted
          ? abort(signal.reason).then(aborted, aborted)
          : this.run('write', path, () => writer.filled(n)).catch(asAborted),
    };
    return fillable;
  }

  /**
   * For transfers: the `sink.length` bytes of `path` from `start` read into `sink`; how many
   * came, or undefined where the backend streams them instead (`_readInto`).
   * @internal
   */
  async readInto(
    path: string,
    start: number,
    sink: BodySink,
    options: { etag?: string; signal?: AbortSignal } = {},
  ): Promise<number | undefined> {
    if (this._readInto === undefined) return undefined;
    const { signal } = options;
    return this.withPath('read', path, (p) => this._readInto!(p, start, sink, options), { signal });
  }

  /**
   * For transfers: the filesystem that holds `path` and its path there. Here that is this
   * filesystem and `path`; a layer answers for the filesystem it wraps, so a copy within
   * one store finds the sources that are their own targets.
   * @internal
   */
  locate(path: string): { fs: FileSystem; path: string } {
    return { fs: this, path };
  }

  /**
   * For transfers: a reader of `path` from its start into the caller's buffers, or
   * undefined where the backend reads only into its own (see `_openReaderInto`).
   * @internal
   */
  async openReaderInto(path: string, options: { signal?: AbortSignal } = {}): Promise<ReaderInto | undefined> {
    if (this._openReaderInto === undefined) return undefined;
    const { signal } = options;
    return this.withPath(
      'read',
      path,
      async (p) => {
        const reader = await this._openReaderInto!(p, signal ? { signal } : {});
        return {
          read: (into) => this.run('read', p, () => reader.read(into), signal),
          close: () => reader.close(),
        };
      },
      { signal },
    );
  }

  /** The backend's writer for {@link writerFor}: the hook that serves `append` and `options.mode`. */
  private async hookWriter(
    path: string,
    options: WriterOptions,
    append: boolean,
    existing?: { info: FileInfo | undefined },
  ): Promise<Writer> {
    if (!append) {
      if (options.mode === 'create' && !this.capabilities.exclusiveCreate && (await this.infoOrUndefined(path)))
        throw errors.alreadyExists(path);
      return this._openWriter(path, options);
    }
    if (this.capabilities.append) return this._openWriter(path, { ...options, append: true });
    if (this.capabilities.appendByCopy) {
      // No writer: there is no file to keep, and a new one is written.
      return (await this._openAppendByCopy!(path, options)) ?? this._openWriter(path, options);
    }
    // Emulated append: the new file starts with the old content, streamed, then the new bytes.
    // The old content is read as one version (its ETag), never parts of two.
    const info = existing ? existing.info : await this.infoOrUndefined(path);
    const writer = await this._openWriter(path, options);
    if (info?.type !== 'file') return writer;
    const read = { ...pinTo(info), ...(options.signal ? { signal: options.signal } : {}) };
    return prefilled(writer, this._readStream(path, 0, info.size, read));
  }

  /** {@link createOnce} with this backend's `_writeId`: a create that finds its own committed file succeeds. */
  private createOnce(path: string, writeId: string | undefined, create: () => Promise<void>): Promise<void> {
    const readId = this._writeId === undefined ? undefined : () => this._writeId!(path);
    return createOnce(create, writeId, readId, (err) => this.mapError(err));
  }

  /**
   * Resolves negative and open range bounds against the file's size; `pin` names the
   * version that size is of, where the backend keeps versions, for the read to keep to.
   */
  protected async resolveRange(
    path: string,
    start = 0,
    end?: number,
  ): Promise<{ start: number; end: number | undefined; pin?: { etag?: string } }> {
    for (const [name, v] of [
      ['start', start],
      ['end', end],
    ] as const) {
      if (v !== undefined && !Number.isInteger(v))
        throw errors.invalid(`${name} must be an integer, got ${String(v)}`, path);
    }
    const info = start < 0 || (end !== undefined && end < 0) ? await this._infoForRead(path) : undefined;
    const s = start < 0 ? Math.max(0, info!.size + start) : start;
    const e = end === undefined ? undefined : end < 0 ? Math.max(0, info!.size + end) : end;
    // An empty range reads nothing, but only from a file that is there.
    if (e !== undefined && e <= s && (info ?? (await this._info(path))).type === 'directory') {
      throw this.capabilities.realDirectories ? errors.isADirectory(path) : errors.notFound(path);
    }
    return { start: s, end: e, ...(info === undefined ? {} : { pin: pinTo(info) }) };
  }

  // ---------------------------------------------------------------- transfer

  /**
   * Copies within this filesystem, with fsspec's rules for recursion, globs and lists. A
   * source file deleted after the listing that planned the copy is skipped by a recursive
   * copy and fails any other, as fsspec's `copy`; `onError` says otherwise ({@link CopyOptions.onError}).
   */
  async cp(src: string | string[], dst: string | string[], options: CopyOptions = {}): Promise<void> {
    options = optionsOf(options, 'cp');
    await this.run(
      'cp',
      undefined,
      () => copyFiles(this, src, this, dst, options as TransferPlanOptions),
      options.signal,
    );
  }

  /**
   * Uploads local paths (files, directories with `recursive`, globs, lists) to this
   * filesystem. A local file deleted after the listing that planned the upload fails it, as
   * in fsspec, unless `onError` skips it ({@link CopyOptions.onError}).
   */
  async put(local: string | string[], remote: string | string[], options: CopyOptions = {}): Promise<void> {
    options = optionsOf(options, 'put');
    const opts: TransferPlanOptions = { ...options, onError: options.onError ?? 'raise' };
    await this.run('put', undefined, () => copyFiles(localDisk(), local, this, remote, opts), options.signal);
  }

  /**
   * Downloads paths from this filesystem to local disk. A file deleted after the listing
   * that planned the download fails it, as in fsspec, unless `onError` skips it
   * ({@link CopyOptions.onError}).
   */
  async get(remote: string | string[], local: string | string[], options: CopyOptions = {}): Promise<void> {
    options = optionsOf(options, 'get');
    const opts: TransferPlanOptions = { ...options, onError: options.onError ?? 'raise' };
    await this.run('get', undefined, () => copyFiles(this, remote, localDisk(), local, opts), options.signal);
  }

  /**
   * Moves files and directories (recursive by default). A single path is renamed natively
   * where the backend can (`_rename`); otherwise, and for globs and lists, it is copied and
   * the sources removed once every copy has succeeded; a source file gone by the time it is
   * copied fails the move, as in fsspec (it takes no `onError`).
   */
  async mv(src: string | string[], dst: string | string[], options: MoveOptions = {}): Promise<void> {
    options = optionsOf(options, 'mv');
    const opts: TransferPlanOptions = { recursive: true, ...options, move: true };
    await this.run(
      'mv',
      undefined,
      async () => {
        // A path moved onto itself stays where it is (it must exist).
        const single = typeof src === 'string' && typeof dst === 'string' && !hasMagic(src);
        if (single && this.normalize(src) === this.normalize(dst)) {
          await this._info(this.normalize(src));
          return;
        }
        if (
          this.capabilities.rename &&
          typeof src === 'string' &&
          typeof dst === 'string' &&
          !hasMagic(src) &&
          opts.maxDepth === undefined
        ) {
          const renamed = await this.renameInPlace(src, dst, opts.recursive === true, options.onProgress);
          if (renamed) return;
        }
        await copyFiles(this, src, this, dst, opts);
      },
      options.signal,
    );
  }

  /**
   * `mv` of one path as a native rename, following the copy rules for where it lands.
   * Returns false when a rename cannot express the move (contents of a directory into an
   * existing one, or a target that already exists), which is then copied instead. Once
   * renamed, `onProgress` hears of what moved at once: the file, or the directory's files
   * (listed for it).
   */
  private async renameInPlace(
    src: string,
    dst: string,
    recursive: boolean,
    onProgress: ((p: Progress) => void) | undefined,
  ): Promise<boolean> {
    const s = this.normalize(src);
    const info = await this._info(s);
    if (info.type === 'directory' && (!recursive || hasTrailingSlash(src))) return false;
    let d = this.normalize(checkTargetPath(dst));
    const target = await this.infoOrUndefined(d);
    // A trailing slash names a directory: a file there is answered as `cp` answers it.
    if (target?.type === 'file' && hasTrailingSlash(dst)) return false;
    if (target?.type === 'directory' || (target === undefined && hasTrailingSlash(dst) && info.type === 'file'))
      d = joinPath(d, baseName(s));
    else if (target !== undefined && info.type === 'directory') return false;
    if (d === s) return true;
    if (isUnder(d, s)) {
      // A path through a file, as `cp` answers it; a directory cannot go below itself.
      if (info.type === 'file') throw errors.notADirectory(d);
      throw errors.invalid('cannot move a directory into itself', s);
    }
    if (info.type === 'directory' && (await this.infoOrUndefined(d)) !== undefined) return false;
    await this._rename!(s, d);
    if (onProgress !== undefined) {
      const files = info.type === 'file' ? [info] : await this.find(d, { detail: true });
      const bytes = files.reduce((n, f) => n + f.size, 0);
      onProgress({ bytes, totalBytes: bytes, files: files.length, totalFiles: files.length });
    }
    return true;
  }

  /** Removes files; directories with `recursive`. Globs and lists expand first. */
  async rm(path: string | string[], options: RmOptions = {}): Promise<void> {
    options = optionsOf(options, 'rm');
    if (typeof path === 'string' && options.recursive === true && options.maxDepth === undefined) {
      const p = await this.run('rm', undefined, async () => {
        checkOptions(options);
        return this.normalize(checkTargetPath(path));
      });
      // One path, whatever it is: the backend's tree delete looks at it in the same step.
      if (this.capabilities.treeDelete && !hasMagic(p)) return this.deleteTree(p, options, true);
    }
    await this.run('rm', undefined, () => removePaths(this, path, options), options.signal);
  }

  /**
   * Removes a directory and everything below it (`rm -r` of one directory, without
   * `maxDepth`): the backend's tree delete where it has one, else the files in batches and
   * then the emptied directories, deepest first.
   */
  async rmTree(path: string, options: RmOptions = {}): Promise<void> {
    options = optionsOf(options, 'rm');
    const p = this.normalize(checkTargetPath(path));
    if (!this.capabilities.treeDelete) {
      const below = await this.find(p, { withDirs: true, detail: true });
      await this.rmFiles(
        below.filter((e) => e.type === 'file').map((e) => e.name),
        options,
      );
      await removeDirs(
        this,
        [p, ...below.filter((e) => e.type === 'directory').map((e) => e.name)],
        options.signal,
        false,
      );
      return;
    }
    await this.deleteTree(p, options, false);
  }

  /** `_rmTree` with progress; `orFile` when `p` was not looked at (it may be a file, or missing). */
  private async deleteTree(p: string, options: RmOptions, orFile: boolean): Promise<void> {
    const progress = new ProgressTracker(options.onProgress, {});
    const rmTree = this._rmTree!.bind(this);
    await this.run(
      'rm',
      p,
      async () => {
        try {
          await rmTree(p, {
            ...(options.signal ? { signal: options.signal } : {}),
            ...(options.onProgress
              ? {
                  onRemoved: (n: number) => progress.filesDone(n),
                  onTotal: (n: number) => progress.setTotals({ totalFiles: n }),
                }
              : {}),
            ...(orFile ? { orFile } : {}),
          });
        } catch (err) {
          // A path below a file names nothing, as `info` says (ENOTDIR on local disks).
          if (orFile && this.mapError(err).kind === 'NotADirectory') throw errors.notFound(p, err);
          throw err;
        }
      },
      options.signal,
    );
  }

  /** Removes one file. */
  async rmFile(path: string): Promise<void> {
    await this.withPath('rm', path, (p) => this._rm(p), { target: true });
  }

  /**
   * Copies one file within this filesystem: server-side when the backend can.
   *
   * `source` is the file as the caller last saw it (from `info`, `ls` or `find`): no
   * HEAD is sent for it, and the copy reads the version it names, failing with
   * `ConditionNotMatch` if the file was replaced since (where the backend keeps ETags).
   */
  async copyFile(
    src: string,
    dst: string,
    options: OperationOptions & { mode?: WriteMode; source?: FileInfo } = {},
  ): Promise<void> {
    options = optionsOf(options, 'copyFile');
    const s = this.normalize(src);
    const d = this.normalize(dst);
    await this.run(
      'cp',
      s,
      async () => {
        throwIfAborted(options.signal);
        const info =
          options.source === undefined ? await this._info(s) : checkSource(options.source, s, (n) => this.normalize(n));
        if (info.type === 'directory') throw errors.isADirectory(s);
        if (this.capabilities.copy && (options.mode ?? 'overwrite') === 'overwrite') {
          await this._copy!(s, d, info);
          options.onProgress?.({ bytes: info.size, totalBytes: info.size, files: 1, totalFiles: 1 });
          return;
        }
        const writer = await this.writerFor(d, { mode: checkMode(options.mode), signal: options.signal });
        const progress = new ProgressTracker(options.onProgress, { totalBytes: info.size, totalFiles: 1 });
        const read = { ...pinTo(info), ...(options.signal ? { signal: options.signal } : {}) };
        await pump(this._readStream(s, 0, undefined, read), writer, { signal: options.signal, progress });
        progress.fileDone();
      },
      options.signal,
    );
  }

  /** Deletes many files: `_rmMany` in batches where the backend has it. */
  async rmFiles(paths: string[], options: RmOptions = {}): Promise<void> {
    options = optionsOf(options, 'rmFiles');
    const normalized = paths.map((p) => this.normalize(p));
    const progress = new ProgressTracker(options.onProgress, { totalFiles: normalized.length });
    if (this.capabilities.batchDelete) {
      const batch = 1000;
      for (let i = 0; i < normalized.length; i += batch) {
        throwIfAborted(options.signal);
        const slice = normalized.slice(i, i + batch);
        await this.run('rm', slice[0], () => this._rmMany!(slice));
        for (let j = 0; j < slice.length; j++) progress.fileDone();
      }
      return;
    }
    await mapLimit(
      normalized,
      options.batchSize ?? defaultBatchSize(this),
      async (p) => {
        await this.run('rm', p, () => this._rm(p));
        progress.fileDone();
      },
      options.signal,
    );
  }

  // ---------------------------------------------------------------- directories

  /** Creates a directory; parents too unless `createParents: false`. Object stores: buckets only. */
  async mkdir(path: string, options: { createParents?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    options = optionsOf(options, 'mkdir');
    await this.withPath(
      'mkdir',
      path,
      async (p) => {
        if (this.capabilities.realDirectories && (await this.infoOrUndefined(p))) throw errors.alreadyExists(p);
        await this._mkdir(p, options.createParents !== false);
      },
      { signal: options.signal },
    );
  }

  /** Creates a directory and its parents; an existing one is an error unless `existOk`. */
  async makedirs(path: string, options: { existOk?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    options = optionsOf(options, 'makedirs');
    await this.withPath(
      'makedirs',
      path,
      async (p) => {
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
      },
      { signal: options.signal },
    );
  }

  /** Removes an empty directory; `NotEmpty` otherwise. */
  async rmdir(path: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    options = optionsOf(options, 'rmdir');
    await this.withPath(
      'rmdir',
      path,
      async (p) => {
        const info = await this._info(p);
        if (info.type !== 'directory') throw errors.notADirectory(p);
        await this._rmdir(p);
      },
      { target: true, signal: options.signal },
    );
  }

  // ---------------------------------------------------------------- extras

  /** A URL that grants time-limited access without credentials, where the service has one. */
  async sign(path: string, options: SignOptions = {}): Promise<string> {
    options = optionsOf(options, 'sign');
    return this.withPath('sign', path, async (p) => {
      // A backend with the hook that cannot sign here (no credentials) says why in `_sign`.
      if (this._sign === undefined) throw errors.unsupported(`${this.protocol} has no signed URLs`);
      const expiresIn = options.expiresIn ?? 3600;
      if (!Number.isInteger(expiresIn) || expiresIn <= 0)
        throw errors.invalid(`expiresIn must be a positive integer, got ${String(expiresIn)}`);
      return this._sign(p, { expiresIn, method: options.method ?? 'GET' });
    });
  }
}

brandClass(FileSystem, FILESYSTEM_BRAND);

/** A byte count of `head` or `tail`: an integer >= 0, else `InvalidArgument`. */
function checkSize(method: string, size: unknown): void {
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
    throw errors.invalid(`${method} takes a size in bytes, an integer >= 0, got ${String(size)}`);
}
