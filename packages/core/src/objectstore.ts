/**
 * ObjectStoreFileSystem: the base of bucket-and-key stores (S3, GCS, Azure Blob). Buckets
 * are top-level directories, prefixes behave as directories, keys ending in `/` are
 * directory markers. A store gives its primitives (list a page, HEAD, read a range, put,
 * upload in parts, delete a batch, bucket operations); this class holds the store rules
 * built on them, once for every store.
 */
import type { BodySink } from './http1';
import { errors, FsError } from './errors';
import { mapLimit } from './batch';
import { collectBytes } from './data';
import { DeleteError, failedDelete, type FailedDelete } from './deletes';
import { FileSystem } from './filesystem';
import type { ReadOptions, WriterOptions } from './base';
import type { RmTreeOptions } from './hooks';
import type { CapabilityFacts, FileInfo, WriteMode } from './types';
import type { ListRequest, ObjectPage, PutOptions, RangeRequest, UploadOptions } from './primitives';
import { checkObjectStoreAuthority } from './url';
import { checkPath, splitProtocol } from './paths';
import type { Writer } from './writer';

export type { ListRequest, ObjectPage, PutOptions, RangeRequest, UploadOptions } from './primitives';

/** Batch deletes of one tree in flight at once. */
const TREE_DELETES_IN_FLIGHT = 4;
/** Single deletes in flight at once where the service takes no batch deletes. */
const SINGLE_DELETES_IN_FLIGHT = 16;

/** FileInfo of a bucket or prefix shown as a directory. */
export function dirInfo(name: string, mtime?: Date): FileInfo {
  return mtime === undefined ? { name, size: 0, type: 'directory' } : { name, size: 0, type: 'directory', mtime };
}

/** `bucket/key` → `{ bucket, key }` (`key` is '' for a bucket or the root). */
export function splitObjectPath(path: string): { bucket: string; key: string } {
  const slash = path.indexOf('/');
  return slash === -1 ? { bucket: path, key: '' } : { bucket: path.slice(0, slash), key: path.slice(slash + 1) };
}

/** A segment a path reads as something else: empty inside the path, `.` or `..`. */
const ODD_SEGMENT = /(?:^|\/)(?:\.\.?)(?:\/|$)|[^/]\/\/+[^/]/;

function checkKeySegments(path: string, rest: string): void {
  if (!ODD_SEGMENT.test(rest)) return;
  const trimmed = rest.replace(/^\/+|\/+$/g, '');
  const seg = trimmed.split('/').find((x) => x === '' || x === '.' || x === '..');
  if (seg === undefined) return;
  throw errors.invalid(
    `${JSON.stringify(path)} has ${seg === '' ? 'an empty segment (//)' : `a "${seg}" segment`}: object keys ` +
      `are read as paths here, so it names another key; a key written with one (by another tool) ` +
      `is listed but cannot be read, copied or removed by its name (rm -r of its prefix removes it)`,
    path,
  );
}

/**
 * Base class of object stores.
 *
 * Behaviour it derives:
 * - `info`: the object (HEAD), else a directory when some key starts with `key/`, else
 *   `NotFound`; a bucket is a directory; the root `''` lists the buckets;
 * - `isDir`: one listing (or the bucket's HEAD), never a HEAD of the object;
 * - `ls`: one level with the `/` delimiter, directory markers left out; a missing prefix
 *   is `NotFound`, an object `NotADirectory`;
 * - `find`: one flat listing (every bucket for the root), intermediate prefixes and
 *   markers as directories with `withDirs`;
 * - reads are `readRange` of the object a path names; whole reads collect them;
 * - writes up to `partSize` are one `putObject`, larger ones an `openUpload` fed in
 *   parts and aborted on failure; `mode: 'create'` first HEADs the key to fail fast (the
 *   service's precondition still decides); `ab` goes to `openAppend` where the store has it;
 * - `rm` of a missing key is `NotFound`, of a prefix `IsADirectory`; many keys are deleted
 *   with `deleteBatch`, `deleteBatchSize` keys a request, and the keys the service refused
 *   are reported together in one {@link DeleteError};
 * - `mkdir('bucket')` creates a bucket, `mkdir('bucket/prefix')` only the missing bucket
 *   (with parents); `rmdir` deletes an empty bucket or the marker of an empty prefix.
 */
export abstract class ObjectStoreFileSystem extends FileSystem {
  override readonly rootMarker = '' as const;

  /** Keys under prefixes: no directory exists on its own. */
  protected override capabilityFacts(): CapabilityFacts {
    return { ...super.capabilityFacts(), realDirectories: false };
  }

  /**
   * Also refuses user-info (`s3://user:secret@bucket`), an empty bucket before a key
   * (`s3:///key`), and a key with an empty, `.` or `..` segment (`b/a//k`, `b/x/../k`):
   * a path would read it as another key (`b/a/k`, `b/k`), one that may exist, so a read
   * or a delete of a name another tool wrote would reach its twin. Leading and trailing
   * slashes are allowed.
   */
  override normalize(path: unknown): string {
    if (typeof path !== 'string') return super.normalize(path);
    // The `proto://` prefix is read once, for these checks and the path.
    const split = splitProtocol(path);
    let rest = path;
    if (split !== undefined && this.protocols.includes(split.protocol)) {
      checkObjectStoreAuthority(path, split);
      rest = split.rest;
    }
    checkKeySegments(path, rest);
    return this.normalizeStripped(checkPath(path), rest);
  }

  /** Pages of keys under `prefix`; `delimiter` groups by `/`; `limit` asks for one page of at most that many keys. */
  protected abstract listPages(bucket: string, prefix: string, request?: ListRequest): AsyncIterable<ObjectPage>;
  /** Every bucket the credentials can see, as directories. */
  protected abstract listBuckets(): Promise<FileInfo[]>;
  /** A bucket as a directory; the store's not-found error when it is missing. */
  protected abstract bucketInfo(bucket: string): Promise<FileInfo>;
  /** One object's metadata, named `path`; the store's not-found error when it is missing. */
  protected abstract objectInfo(bucket: string, key: string, path: string): Promise<FileInfo>;
  /** Streams bytes `[start, end)` of an object; `ConditionNotMatch` when it no longer has `etag`. */
  protected abstract readRange(bucket: string, key: string, range: RangeRequest): AsyncGenerator<Uint8Array>;
  /**
   * The bytes of {@link readRange} in one buffer, where the client can skip the stream (a
   * small object that came whole with the answer); undefined: `_read` collects `readRange`.
   */
  protected readRangeAll?(bucket: string, key: string, range: RangeRequest): Promise<Uint8Array>;
  /**
   * Reads the `sink.length` bytes of an object from `start` into `sink` in one request (see
   * `_readInto`); undefined where this client cannot, and the read is streamed.
   */
  protected readRangeInto?(
    bucket: string,
    key: string,
    start: number,
    sink: BodySink,
    options: ReadOptions,
  ): Promise<number | undefined>;
  /** Writes an object of at most `partSize` bytes in one request. */
  protected abstract putObject(bucket: string, key: string, data: Uint8Array, options: PutOptions): Promise<void>;
  /** A writer that uploads in parts (or a resumable session), committed on close, nothing left on abort. */
  protected abstract openUpload(bucket: string, key: string, options: UploadOptions): Writer | Promise<Writer>;
  /** `ab` on stores with native append (`capabilities.append`): a writer adding to the object. */
  protected openAppend?(bucket: string, key: string, options: UploadOptions): Promise<Writer>;
  /** Deletes one object; the store's not-found error when it is missing. */
  protected abstract deleteObject(bucket: string, key: string): Promise<void>;
  /**
   * Deletes at most {@link deleteBatchSize} keys of one bucket; a missing key counts as
   * deleted. Returns the keys the service refused; throws when the request itself fails.
   */
  protected abstract deleteBatch(bucket: string, keys: string[]): Promise<FailedDelete[]>;
  /** Creates a bucket. */
  protected abstract createBucket(bucket: string): Promise<void>;
  /** Deletes a bucket; `NotEmpty` when it holds objects. */
  protected abstract deleteBucket(bucket: string): Promise<void>;

  /** Most keys one `deleteBatch` takes. */
  protected readonly deleteBatchSize: number = 1000;
  /** `deleteBatch` requests in flight at once. */
  protected get deleteConcurrency(): number {
    return 1;
  }
  /** Bytes a part of an upload, and the largest object written in one request. */
  protected get partSize(): number {
    return this.capabilities.partSize ?? 8 * 1024 * 1024;
  }

  /** True when `err` is the store's not-found error. */
  protected isMissing(err: unknown): boolean {
    return this.mapError(err).kind === 'NotFound';
  }

  /**
   * Set once a batch delete was refused as a whole (not a temporary failure) and the same
   * keys, deleted one by one, went: the service does not serve batch deletes (a store
   * without S3's DeleteObjects); keys are deleted one by one since.
   */
  private singleDeletes = false;

  /**
   * Deletes keys of one bucket with {@link deleteBatch}; where the batch request fails as a
   * whole (not for credentials, a missing bucket, throttling or an abort), the same keys one
   * by one; from then on too when the failure was not temporary and any of them went.
   * Returns the keys refused.
   */
  private async deleteKeys(bucket: string, keys: string[]): Promise<FailedDelete[]> {
    if (!this.singleDeletes) {
      try {
        return await this.deleteBatch(bucket, keys);
      } catch (err) {
        const { kind, temporary } = this.mapError(err);
        if (kind !== 'Unsupported' && kind !== 'InvalidArgument' && kind !== 'Unexpected') throw err;
        const { refused, deleted } = await this.deleteOneByOne(bucket, keys);
        if (deleted === 0) throw err;
        if (!temporary) this.singleDeletes = true;
        return refused;
      }
    }
    return (await this.deleteOneByOne(bucket, keys)).refused;
  }

  /** Deletes each key with {@link deleteObject}, several at once; a missing key counts as deleted. */
  private async deleteOneByOne(bucket: string, keys: string[]): Promise<{ refused: FailedDelete[]; deleted: number }> {
    let deleted = 0;
    const answers = await mapLimit(keys, Math.max(SINGLE_DELETES_IN_FLIGHT, this.deleteConcurrency), async (key) => {
      try {
        await this.deleteObject(bucket, key);
        deleted++;
        return undefined;
      } catch (err) {
        if (this.isMissing(err)) {
          deleted++;
          return undefined;
        }
        const error = this.mapError(err);
        const own = (err as { code?: unknown } | undefined)?.code;
        return failedDelete(`${bucket}/${key}`, typeof own === 'string' ? own : error.code, error);
      }
    });
    return { refused: answers.filter((a): a is FailedDelete => a !== undefined), deleted };
  }

  /** Bucket and key of a path that must name an object. */
  protected objectPath(path: string): { bucket: string; key: string } {
    const parts = splitObjectPath(path);
    if (parts.bucket === '') throw errors.invalid('the root is not a file; paths are bucket/key', path);
    if (parts.key === '') throw errors.isADirectory(path);
    return parts;
  }

  /** `fn`'s answer, or `fallback` when it fails with the store's not-found error. */
  protected async unlessMissing<T, F>(fn: () => Promise<T>, fallback: F): Promise<T | F> {
    try {
      return await fn();
    } catch (err) {
      if (this.isMissing(err)) return fallback;
      throw err;
    }
  }

  /** True when some key starts with `key/`. */
  protected async prefixExists(bucket: string, key: string): Promise<boolean> {
    for await (const page of this.listPages(bucket, `${key}/`, { delimiter: true, limit: 1 }))
      return page.objects.length > 0 || page.prefixes.length > 0;
    return false;
  }

  protected async _info(path: string): Promise<FileInfo> {
    if (path === '') return dirInfo('');
    const { bucket, key } = splitObjectPath(path);
    if (key === '') return this.bucketInfo(bucket);
    try {
      return await this.objectInfo(bucket, key, path);
    } catch (err) {
      if (!this.isMissing(err)) throw err;
    }
    if (await this.prefixExists(bucket, key)) return dirInfo(path);
    throw errors.notFound(path);
  }

  /** A bucket, or a prefix with something below it: one request, where `_info` may take two. */
  protected override async _isDir(path: string): Promise<boolean> {
    if (path === '') return true;
    const { bucket, key } = splitObjectPath(path);
    if (key !== '') return this.prefixExists(bucket, key);
    await this.bucketInfo(bucket);
    return true;
  }

  protected async _ls(path: string): Promise<FileInfo[]> {
    if (path === '') return this.listBuckets();
    const { bucket, key } = splitObjectPath(path);
    const prefix = key === '' ? '' : `${key}/`;
    const entries: FileInfo[] = [];
    let sawMarker = false;
    for await (const page of this.listPages(bucket, prefix, { delimiter: true })) {
      for (const o of page.objects) {
        if (o.key === prefix) sawMarker = true;
        else entries.push(o.info);
      }
      for (const p of page.prefixes) entries.push(dirInfo(`${bucket}/${p.slice(0, -1)}`));
    }
    if (entries.length > 0 || sawMarker) return entries;
    if (key === '') {
      await this.bucketInfo(bucket); // an empty bucket lists as nothing, a missing one is NotFound
      return entries;
    }
    try {
      await this.objectInfo(bucket, key, path);
    } catch (err) {
      if (this.isMissing(err)) throw errors.notFound(path);
      throw err;
    }
    throw errors.notADirectory(path);
  }

  protected override async _find(path: string, withDirs: boolean): Promise<FileInfo[]> {
    if (path === '') {
      const buckets = await this.listBuckets();
      const trees = await mapLimit(buckets, 8, (b) => this.listTree(b.name, '', withDirs));
      return [...(withDirs ? buckets : []), ...trees.flat()];
    }
    const { bucket, key } = splitObjectPath(path);
    const entries = await this.listTree(bucket, key === '' ? '' : `${key}/`, withDirs);
    if (withDirs && entries.length > 0) entries.push(dirInfo(path));
    return entries;
  }

  /**
   * Everything under `prefix` ('' or ending with '/') in one flat listing. Keys ending in
   * '/' (directory markers) count as directories; with `withDirs`, every intermediate
   * prefix is a directory entry too. A marker that holds bytes (s3fs writes one for
   * `pipe_file('d/x/', data)`) is listed as the file it is, `bucket/d/x/`, so that a copy
   * of the tree refuses it (no path names it) rather than leave its bytes behind unseen.
   */
  private async listTree(bucket: string, prefix: string, withDirs: boolean): Promise<FileInfo[]> {
    const files: FileInfo[] = [];
    const dirs = new Set<string>();
    for await (const page of this.listPages(bucket, prefix)) {
      for (const { key, info } of page.objects) {
        const isMarker = key.endsWith('/');
        if (!isMarker || info.size > 0) files.push(info);
        if (!withDirs) continue;
        const segments = key.slice(prefix.length).replace(/\/+$/, '').split('/');
        const upTo = isMarker ? segments.length : segments.length - 1;
        for (let i = 1; i <= upTo; i++) {
          const d = segments.slice(0, i).join('/');
          if (d !== '') dirs.add(`${bucket}/${prefix}${d}`);
        }
      }
    }
    return [...files, ...[...dirs].map((d) => dirInfo(d))];
  }

  /**
   * Deletes every key under the prefix (markers included) as the flat listing's pages
   * arrive, each page's batches in flight while the next page is listed; a bucket is then
   * removed itself. Keys the service refused are reported together in one DeleteError.
   * With `orFile`, the object's HEAD goes out beside the first page: an object at the path
   * is removed with the keys below its name (a file and a directory of one name go
   * together), nothing at all is `NotFound`.
   */
  protected override async _rmTree(path: string, options: RmTreeOptions): Promise<void> {
    const { bucket, key } = splitObjectPath(path);
    const pages = this.listPages(bucket, key === '' ? '' : `${key}/`)[Symbol.asyncIterator]();
    let first: IteratorResult<ObjectPage> | undefined;
    if (options.orFile === true && key !== '') {
      const [file, page] = await Promise.allSettled([this.objectInfo(bucket, key, path), pages.next()]);
      const fileFailed = file.status === 'rejected' && !this.isMissing(file.reason);
      if (fileFailed || page.status === 'rejected') {
        await pages.return?.();
        throw fileFailed ? file.reason : (page as PromiseRejectedResult).reason;
      }
      const below = page.value.done === true ? [] : page.value.value.objects;
      if (file.status === 'rejected' && below.length === 0) {
        await pages.return?.();
        throw errors.notFound(path);
      }
      // The object goes with the keys below its name: `x` and `x/...` are one name, removed together.
      const objects = file.status === 'fulfilled' ? [{ key, info: file.value }, ...below] : below;
      first = { done: false, value: { objects, prefixes: page.value.done === true ? [] : page.value.value.prefixes } };
    }
    await this.deleteListed(bucket, pages, first, options);
    if (key === '') await this._rmdir(bucket);
  }

  /** Deletes the keys of `first` and the pages after it, batches in flight while listing goes on. */
  private async deleteListed(
    bucket: string,
    pages: AsyncIterator<ObjectPage>,
    first: IteratorResult<ObjectPage> | undefined,
    options: RmTreeOptions,
  ): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    const failed: FailedDelete[] = [];
    let total = 0;
    let files = 0;
    let failure: unknown;
    const remove = async (keys: string[]): Promise<void> => {
      const refused = await this.deleteKeys(bucket, keys);
      failed.push(...refused);
      const gone = new Set(refused.map((f) => f.path));
      options.onRemoved?.(keys.filter((k) => !k.endsWith('/') && !gone.has(`${bucket}/${k}`)).length);
    };
    try {
      for (let next = first ?? (await pages.next()); next.done !== true; next = await pages.next()) {
        const page = next.value;
        options.signal?.throwIfAborted();
        if (failure !== undefined) break;
        total += page.objects.length;
        files += page.objects.filter((o) => !o.key.endsWith('/')).length;
        for (let i = 0; i < page.objects.length; i += this.deleteBatchSize) {
          const keys = page.objects.slice(i, i + this.deleteBatchSize).map((o) => o.key);
          const batch = remove(keys).catch((err: unknown) => {
            failure ??= err;
          });
          inFlight.add(batch);
          void batch.finally(() => inFlight.delete(batch));
          if (inFlight.size >= Math.max(TREE_DELETES_IN_FLIGHT, this.deleteConcurrency)) await Promise.race(inFlight);
        }
      }
      // Every key is listed: the total is known while the last batches are in flight.
      if (failure === undefined) options.onTotal?.(files);
    } finally {
      await pages.return?.();
      await Promise.all(inFlight);
    }
    if (failure !== undefined) throw failure;
    if (failed.length > 0) throw new DeleteError(failed, total);
  }

  /** Deletes keys with `deleteBatch`, buckets in turn; the keys refused are reported in one DeleteError. */
  protected override async _rmMany(paths: string[]): Promise<void> {
    const byBucket = new Map<string, string[]>();
    for (const p of paths) {
      const { bucket, key } = this.objectPath(p);
      byBucket.set(bucket, [...(byBucket.get(bucket) ?? []), key]);
    }
    const failed: FailedDelete[] = [];
    for (const [bucket, keys] of byBucket) {
      const batches: string[][] = [];
      for (let i = 0; i < keys.length; i += this.deleteBatchSize) batches.push(keys.slice(i, i + this.deleteBatchSize));
      const refused = await mapLimit(batches, this.deleteConcurrency, (batch) => this.deleteKeys(bucket, batch));
      failed.push(...refused.flat());
    }
    if (failed.length > 0) throw new DeleteError(failed, paths.length);
  }

  protected async _rm(path: string): Promise<void> {
    const { bucket, key } = this.objectPath(path);
    try {
      await this.deleteObject(bucket, key);
    } catch (err) {
      if (!this.isMissing(err)) throw err;
      if (await this.prefixExists(bucket, key)) throw errors.isADirectory(path);
      throw errors.notFound(path);
    }
  }

  // ---------------------------------------------------------------- writing

  protected async _write(
    path: string,
    data: Uint8Array,
    mode: WriteMode,
    options: { writeId?: string } = {},
  ): Promise<void> {
    const { bucket, key } = this.objectPath(path);
    const put = { mode, ...(options.writeId !== undefined ? { writeId: options.writeId } : {}) };
    if (data.byteLength <= this.partSize) {
      await this.putObject(bucket, key, data, put);
      return;
    }
    const writer = await this.openUpload(bucket, key, { ...put, partSize: this.partSize });
    try {
      for (let i = 0; i < data.byteLength; i += this.partSize) await writer.write(data.subarray(i, i + this.partSize));
      await writer.close();
    } catch (err) {
      await writer.abort().catch(() => undefined);
      throw err;
    }
  }

  protected override async _openWriter(path: string, options: WriterOptions): Promise<Writer> {
    const { bucket, key } = this.objectPath(path);
    const upload: UploadOptions = {
      mode: options.mode,
      partSize: options.partSize ?? this.partSize,
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
      ...(options.writeId !== undefined ? { writeId: options.writeId } : {}),
    };
    if (options.append && this.openAppend !== undefined) return this.openAppend(bucket, key, upload);
    if (options.mode === 'create') {
      // Fail fast; the service's precondition on the final request still decides.
      const exists = await this.unlessMissing(() => this.objectInfo(bucket, key, path).then(() => true), false);
      if (exists) throw errors.alreadyExists(path);
    }
    return this.openUpload(bucket, key, upload);
  }

  // ---------------------------------------------------------------- buckets and markers

  /** Creates a bucket (`bucket`), or for `bucket/prefix` the bucket if missing; prefixes need nothing. */
  protected override async _mkdir(path: string, parents: boolean): Promise<void> {
    const { bucket, key } = splitObjectPath(path);
    if (bucket === '') throw errors.alreadyExists(path);
    if (await this.unlessMissing(() => this.bucketInfo(bucket).then(() => true), false)) {
      if (key === '') throw errors.alreadyExists(path);
      return;
    }
    if (key !== '' && !parents) throw errors.notFound(bucket);
    await this.createBucket(bucket);
  }

  /** Deletes an empty bucket, or the marker object of an empty prefix. */
  protected override async _rmdir(path: string): Promise<void> {
    const { bucket, key } = splitObjectPath(path);
    if (bucket === '') throw new FsError({ kind: 'PermissionDenied', message: 'the root cannot be removed' });
    if (key === '') {
      await this.deleteBucket(bucket);
      return;
    }
    for await (const page of this.listPages(bucket, `${key}/`, { limit: 2 })) {
      if (page.objects.some((o) => o.key !== `${key}/`)) throw errors.notEmpty(path);
    }
    const failed = await this.deleteKeys(bucket, [`${key}/`]);
    if (failed.length > 0) throw new DeleteError(failed, 1);
  }

  protected override _readStream(
    path: string,
    start: number,
    end: number | undefined,
    options: ReadOptions = {},
  ): AsyncGenerator<Uint8Array> {
    const { bucket, key } = this.objectPath(path);
    return this.readRange(bucket, key, rangeRequest(options, start, end));
  }

  protected override async _readInto(
    path: string,
    start: number,
    sink: BodySink,
    options: ReadOptions,
  ): Promise<number | undefined> {
    if (this.readRangeInto === undefined) return undefined;
    const { bucket, key } = this.objectPath(path);
    return this.readRangeInto(bucket, key, start, sink, options);
  }

  // Not `async`: the read's promise is handed on as it is (one frame fewer for every small
  // read to resume), a path that fails to parse still rejecting rather than throwing.
  protected _read(
    path: string,
    start: number,
    end: number | undefined,
    options: ReadOptions = {},
  ): Promise<Uint8Array> {
    try {
      if (this.readRangeAll !== undefined) {
        const { bucket, key } = this.objectPath(path);
        return this.readRangeAll(bucket, key, rangeRequest(options, start, end));
      }
      return collectBytes(this._readStream(path, start, end, options));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }
}

/**
 * A read's options with its range. Not `{ ...options, start, end }`: on Node 20 a literal
 * that adds keys to a spread costs over a microsecond, once per read.
 */
function rangeRequest(options: ReadOptions, start: number, end: number | undefined): RangeRequest {
  return Object.assign({ start, end }, options);
}
