/**
 * The memory stand-in of an object store (S3, GCS, Azure Blob): buckets and flat keys in
 * a Map, private to the stand-in, following the real store's rules (see rules.ts).
 */
import { FsError, type FileInfo, type Writer, type WriteMode } from '@omnifs/core';
import {
  BufferedWriter,
  dirInfo,
  errors,
  ObjectStoreFileSystem,
  splitObjectPath,
  throwIfAborted,
  type CapabilityFacts,
  type ObjectPage,
  type ReadOptions,
  type WriterOptions,
} from '@omnifs/core/backend';
import { serviceError, type StoreRules } from './rules';

/** One stored version of an object. */
export interface StoredObject {
  data: Uint8Array;
  mtime: Date;
  etag: string;
  generation: number;
}

/** A bucket: when it was made and its objects by key. */
export interface StoredBucket {
  created: Date;
  objects: Map<string, StoredObject>;
}

let generations = Date.now() * 1000;

const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * An object store held in memory, with the rules of the store it stands in for.
 *
 * Behaviour (as on the real store):
 * - a bucket exists only once made (`makedirs('bucket')`); writing, reading or listing in
 *   a missing one is `NotFound` (NoSuchBucket, ContainerNotFound, ...); `ls('')` lists buckets;
 * - directories are prefixes: `makedirs('bucket/prefix')` is a no-op, so there are no empty
 *   directories except keys ending in `/` (markers, written with the stand-in's `seed`);
 * - `mode: 'create'` / `xb` fail with `AlreadyExists` when the key exists, also when it
 *   appears while a streamed write is open; every write gives a new ETag (GCS: generation);
 * - errors have the kind, Node code and `temporary` of the real backend's.
 */
export class MemoryObjectStore extends ObjectStoreFileSystem {
  /** Buckets by name. */
  readonly buckets = new Map<string, StoredBucket>();

  constructor(
    readonly rules: StoreRules,
    options: object = {},
  ) {
    super(options);
  }

  /** The real backend's facts, and off what it cannot do although the stand-in can (signing). */
  protected override capabilityFacts(): CapabilityFacts {
    return { ...super.capabilityFacts(), ...this.rules.capabilities };
  }

  /** `abfs://container@account.dfs.core.windows.net/path` names `container/path`, as on Azure. */
  override normalize(path: unknown): string {
    if (this.rules.accountInUrl && typeof path === 'string') {
      const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/@]+)@[^/]*(\/.*)?$/s.exec(path);
      if (m && this.protocols.includes(m[1]!.toLowerCase())) path = `${m[1]}://${m[2]}${m[3] ?? ''}`;
    }
    return super.normalize(path);
  }

  /** Empties the store: no buckets. */
  reset(): void {
    this.buckets.clear();
  }

  /** Writes a raw key (a key ending in `/` is a directory marker), creating its bucket. */
  seed(bucket: string, key: string, data: Uint8Array): void {
    if (!this.buckets.has(bucket)) this.buckets.set(bucket, { created: new Date(), objects: new Map() });
    this.store(bucket, key, data);
  }

  private bucket(name: string): StoredBucket {
    const b = this.buckets.get(name);
    if (b === undefined) throw serviceError(this.rules, 'noSuchBucket');
    return b;
  }

  private objectPath(path: string): { bucket: string; key: string } {
    const parts = splitObjectPath(path);
    if (parts.bucket === '')
      throw errors.invalid(`the root is not a file; paths are ${this.rules.bucketWord}/key`, path);
    if (parts.key === '') throw errors.isADirectory(path);
    return parts;
  }

  private object(path: string): StoredObject {
    const { bucket, key } = this.objectPath(path);
    const obj = this.bucket(bucket).objects.get(key);
    if (obj === undefined) throw serviceError(this.rules, 'noSuchKey');
    return obj;
  }

  private store(bucket: string, key: string, data: Uint8Array): void {
    const generation = ++generations;
    const copy = new Uint8Array(data);
    this.bucket(bucket).objects.set(key, {
      data: copy,
      mtime: new Date(),
      etag: this.rules.etag(copy, generation),
      generation,
    });
  }

  private infoOf(name: string, obj: StoredObject): FileInfo {
    return {
      name,
      size: obj.data.byteLength,
      type: 'file',
      mtime: obj.mtime,
      etag: obj.etag,
      ...this.rules.extraInfo(obj.data, obj.generation),
    };
  }

  /** The store's checksum rule (GCS: the MD5 it keeps), else core's (the ETag). */
  override async checksum(path: string): Promise<string> {
    const info = await this.info(path);
    return (info.type === 'file' ? this.rules.checksum?.(info) : undefined) ?? super.checksum(path);
  }

  // ---------------------------------------------------------------- ObjectStoreFileSystem

  /** One page of everything under `prefix` in byte order; with `delimiter`, keys below a further `/` as common prefixes. */
  protected async *listPages(
    bucket: string,
    prefix: string,
    delimiter: boolean,
    limit?: number,
  ): AsyncGenerator<ObjectPage> {
    const objects = this.bucket(bucket).objects;
    const page: ObjectPage = { objects: [], prefixes: [] };
    for (const key of [...objects.keys()].sort(byBytes)) {
      if (limit !== undefined && page.objects.length + page.prefixes.length >= limit) break;
      if (!key.startsWith(prefix)) continue;
      const slash = delimiter ? key.indexOf('/', prefix.length) : -1;
      if (slash < 0) {
        page.objects.push({ key, info: this.infoOf(`${bucket}/${key}`, objects.get(key)!) });
        continue;
      }
      const common = key.slice(0, slash + 1);
      if (page.prefixes[page.prefixes.length - 1] !== common) page.prefixes.push(common);
    }
    yield page;
  }

  protected async listBuckets(): Promise<FileInfo[]> {
    return [...this.buckets.keys()].sort(byBytes).map((b) => dirInfo(b, this.buckets.get(b)!.created));
  }

  protected async bucketInfo(bucket: string): Promise<FileInfo> {
    this.bucket(bucket);
    return dirInfo(bucket);
  }

  protected async objectInfo(bucket: string, key: string, path: string): Promise<FileInfo> {
    const obj = this.bucket(bucket).objects.get(key);
    if (obj === undefined) throw serviceError(this.rules, 'noSuchKey');
    return this.infoOf(path, obj);
  }

  protected override async *_readStream(
    path: string,
    start: number,
    end: number | undefined,
    options: ReadOptions = {},
  ): AsyncGenerator<Uint8Array> {
    throwIfAborted(options.signal);
    const obj = this.object(path);
    if (options.etag !== undefined && options.etag.replace(/"/g, '') !== obj.etag.replace(/"/g, '')) {
      throw serviceError(this.rules, 'conditionFailed');
    }
    const stop = Math.min(end ?? obj.data.byteLength, obj.data.byteLength);
    if (stop > start) yield obj.data.slice(start, stop);
  }

  // ---------------------------------------------------------------- writing

  protected async _write(path: string, data: Uint8Array, mode: WriteMode): Promise<void> {
    this.putObject(path, data, mode);
  }

  /** One whole-object write (`create`: only if the key does not exist then). */
  private putObject(path: string, data: Uint8Array, mode: WriteMode): void {
    const { bucket, key } = this.objectPath(path);
    const objects = this.bucket(bucket).objects;
    if (mode === 'create' && objects.has(key)) throw errors.alreadyExists(path);
    this.store(bucket, key, data);
  }

  protected override async _openWriter(path: string, options: WriterOptions): Promise<Writer> {
    const { bucket, key } = this.objectPath(path);
    const objects = this.bucket(bucket).objects;
    if (options.mode === 'create' && objects.has(key)) throw errors.alreadyExists(path);
    if (!options.append) return new BufferedWriter(async (data) => this.putObject(path, data, options.mode));
    return this.appender(path);
  }

  /** S3 assembles an append from the old object and the new bytes on the service; so does this. */
  protected override async _openAppendByCopy(path: string): Promise<Writer | undefined> {
    return this.appender(path);
  }

  private appender(path: string): Writer {
    const { bucket, key } = this.objectPath(path);
    return new BufferedWriter(async (data) => {
      const old = this.bucket(bucket).objects.get(key)?.data ?? new Uint8Array(0);
      this.store(bucket, key, Buffer.concat([old, data]));
    });
  }

  protected override async _touch(path: string): Promise<void> {
    const { bucket, key } = this.objectPath(path);
    this.store(bucket, key, this.object(path).data);
  }

  protected override async _copy(src: string, dst: string): Promise<void> {
    const data = this.object(src).data;
    const { bucket, key } = this.objectPath(dst);
    this.store(bucket, key, data);
  }

  // ---------------------------------------------------------------- removing

  protected async _rm(path: string): Promise<void> {
    const { bucket, key } = this.objectPath(path);
    const objects = this.bucket(bucket).objects;
    if (objects.delete(key)) return;
    if (await this.prefixExists(bucket, key)) throw errors.isADirectory(path);
    throw errors.notFound(path);
  }

  /** Deletes many keys; keys already gone count as deleted, as in a batch delete. */
  protected override async _rmMany(paths: string[]): Promise<void> {
    for (const p of paths) {
      const { bucket, key } = this.objectPath(p);
      this.bucket(bucket).objects.delete(key);
    }
  }

  // ---------------------------------------------------------------- directories

  /** Creates a bucket (`bucket`), or for `bucket/prefix` the bucket if missing; prefixes need nothing. */
  protected override async _mkdir(path: string, parents: boolean): Promise<void> {
    const { bucket, key } = splitObjectPath(path);
    if (bucket === '') throw errors.alreadyExists(path);
    if (this.buckets.has(bucket)) {
      if (key === '') throw serviceError(this.rules, 'bucketExists');
      return;
    }
    if (key !== '' && !parents) throw errors.notFound(bucket);
    if (!this.rules.bucketName.test(bucket)) throw serviceError(this.rules, 'badBucketName');
    this.buckets.set(bucket, { created: new Date(), objects: new Map() });
  }

  /** Deletes an empty bucket, or the marker of an empty prefix. */
  protected override async _rmdir(path: string): Promise<void> {
    const { bucket, key } = splitObjectPath(path);
    if (bucket === '') throw new FsError({ kind: 'PermissionDenied', message: 'the root cannot be removed' });
    const objects = this.bucket(bucket).objects;
    if (key === '') {
      if (objects.size > 0) throw serviceError(this.rules, 'bucketNotEmpty');
      this.buckets.delete(bucket);
      return;
    }
    for (const k of objects.keys()) if (k.startsWith(`${key}/`) && k !== `${key}/`) throw errors.notEmpty(path);
    objects.delete(`${key}/`);
  }
}
