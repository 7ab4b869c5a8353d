/**
 * The memory stand-in of an object store (S3, GCS, Azure Blob): buckets and flat keys in
 * a Map, private to the stand-in, following the real store's rules (see rules.ts).
 */
import type { FailedDelete, FileInfo, Writer } from '@omnifs/core';
import {
  BufferedWriter,
  dirInfo,
  errors,
  ObjectStoreFileSystem,
  splitObjectPath,
  throwIfAborted,
  type CapabilityFacts,
  type ListRequest,
  type ObjectPage,
  type PutOptions,
  type RangeRequest,
  type UploadOptions,
} from '@omnifs/core/backend';
import mime from 'mime';
import { byBytes, keyAdded, keysRemoved, keysUnder } from './keyorder';
import { serviceError, type StoreRules } from './rules';

/** Keys per page of a real store's listing (S3's, GCS's default, Azure's is 5,000: the fewest). */
const LIST_PAGE = 1000;

/** One stored version of an object. */
export interface StoredObject {
  data: Uint8Array;
  mtime: Date;
  etag: string;
  generation: number;
  /** The content type the store keeps with it: its name's (or the one options name) on a write, the source's on a copy. */
  contentType: string;
}

/** A bucket: when it was made and its objects by key. */
export interface StoredBucket {
  created: Date;
  objects: Map<string, StoredObject>;
}

/** What a view of a store shares with it, and what it writes differently (see {@link MemoryObjectStore}). */
export interface StoreView {
  buckets: Map<string, StoredBucket>;
  /** The content type of every new object. */
  newType?: string;
}

let generations = Date.now() * 1000;

/** The content type the real backends give a new object named `key` (its extension's). */
const typeOf = (key: string): string => mime.getType(key) ?? 'application/octet-stream';

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
  readonly buckets: Map<string, StoredBucket>;
  /** The content type of every new object; undefined: its name's. */
  private readonly newType: string | undefined;

  /**
   * With `view`, the store is a view of another one: its `buckets`, and `newType` for
   * every new object (as a real backend made with options that name one writes).
   */
  constructor(
    readonly rules: StoreRules,
    options: object = {},
    view?: StoreView,
  ) {
    super(options);
    this.buckets = view?.buckets ?? new Map();
    this.newType = view?.newType;
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

  /**
   * The requests the real store gets for `_rmTree(path)` as it stands: the object's HEAD
   * (with `orFile`), one listing per page and one batch delete per batch of the keys below.
   */
  treeRequests(path: string, orFile: boolean): { head: number; list: number; delete: number } {
    const { bucket, key } = splitObjectPath(path);
    const objects = this.buckets.get(bucket)?.objects;
    let keys = 0;
    if (objects !== undefined) {
      for (const _ of keysUnder(objects, key === '' ? '' : `${key}/`)) keys++;
      if (orFile && key !== '' && objects.has(key)) keys++;
    }
    const per = this.deleteBatchSize;
    return {
      head: orFile && key !== '' ? 1 : 0,
      list: Math.max(1, Math.ceil(keys / LIST_PAGE)),
      delete: Math.ceil(keys / per),
    };
  }

  /** Writes a raw key (a key ending in `/` is a directory marker), creating its bucket. */
  seed(bucket: string, key: string, data: Uint8Array): void {
    if (!this.buckets.has(bucket)) {
      if (!this.rules.bucketName.test(bucket)) throw serviceError(this.rules, 'badBucketName');
      this.buckets.set(bucket, { created: new Date(), objects: new Map() });
    }
    this.store(bucket, key, data);
  }

  private bucket(name: string): StoredBucket {
    const b = this.buckets.get(name);
    if (b === undefined) throw serviceError(this.rules, 'noSuchBucket');
    return b;
  }

  private object(path: string): StoredObject {
    const { bucket, key } = this.objectPath(path);
    const obj = this.bucket(bucket).objects.get(key);
    if (obj === undefined) throw serviceError(this.rules, 'noSuchKey');
    return obj;
  }

  private store(bucket: string, key: string, data: Uint8Array, contentType = typeOf(key)): void {
    const bad = this.rules.badKey(key);
    if (bad !== undefined) throw serviceError(this.rules, 'badKey', undefined, bad);
    const generation = ++generations;
    const copy = new Uint8Array(data);
    const objects = this.bucket(bucket).objects;
    if (!objects.has(key)) keyAdded(objects, key);
    objects.set(key, {
      data: copy,
      mtime: new Date(),
      etag: this.rules.etag(copy, generation),
      generation,
      contentType,
    });
  }

  /** What `info` gives of an object; a listing's entry has its content type where the store lists it. */
  private infoOf(name: string, obj: StoredObject, listed = false): FileInfo {
    return {
      name,
      size: obj.data.byteLength,
      type: 'file',
      mtime: obj.mtime,
      etag: obj.etag,
      ...this.rules.extraInfo(obj.data, obj.generation),
      ...(listed && !this.rules.listsContentType ? {} : { contentType: obj.contentType }),
    };
  }

  /** The store's checksum rule (GCS: the MD5 it keeps), else core's (the ETag). */
  protected override checksumOf(info: FileInfo): string {
    return (info.type === 'file' ? this.rules.checksum?.(info) : undefined) ?? super.checksumOf(info);
  }

  // ---------------------------------------------------------------- ObjectStoreFileSystem

  /** One page of everything under `prefix` in byte order; with `delimiter`, keys below a further `/` as common prefixes. */
  protected async *listPages(
    bucket: string,
    prefix: string,
    { delimiter = false, limit }: ListRequest = {},
  ): AsyncGenerator<ObjectPage> {
    const objects = this.bucket(bucket).objects;
    const page: ObjectPage = { objects: [], prefixes: [] };
    for (const key of keysUnder(objects, prefix)) {
      if (limit !== undefined && page.objects.length + page.prefixes.length >= limit) break;
      const slash = delimiter ? key.indexOf('/', prefix.length) : -1;
      if (slash < 0) {
        page.objects.push({ key, info: this.infoOf(`${bucket}/${key}`, objects.get(key)!, true) });
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

  protected async *readRange(bucket: string, key: string, range: RangeRequest): AsyncGenerator<Uint8Array> {
    throwIfAborted(range.signal);
    const obj = this.object(`${bucket}/${key}`);
    if (range.etag !== undefined && range.etag.replace(/"/g, '') !== obj.etag.replace(/"/g, '')) {
      throw serviceError(this.rules, 'conditionFailed');
    }
    const stop = Math.min(range.end ?? obj.data.byteLength, obj.data.byteLength);
    if (stop > range.start) yield obj.data.slice(range.start, stop);
  }

  // ---------------------------------------------------------------- writing

  /** One whole-object write (`create`: only if the key does not exist then). */
  protected async putObject(bucket: string, key: string, data: Uint8Array, options: PutOptions): Promise<void> {
    const objects = this.bucket(bucket).objects;
    if (options.mode === 'create' && objects.has(key)) throw errors.alreadyExists(`${bucket}/${key}`);
    this.store(bucket, key, data, this.newType);
  }

  /** Held in memory until `close`, then one put: the store commits a whole object at once. */
  protected openUpload(bucket: string, key: string, options: UploadOptions): Writer {
    return new BufferedWriter((data) => this.putObject(bucket, key, data, options));
  }

  protected override async openAppend(bucket: string, key: string): Promise<Writer> {
    return this.appender(`${bucket}/${key}`);
  }

  /**
   * S3 assembles an append from the old object and the new bytes on the service; so does
   * this. A missing object is left to core, which writes a new one.
   */
  protected override async _openAppendByCopy(path: string): Promise<Writer | undefined> {
    const { bucket, key } = this.objectPath(path);
    const old = this.bucket(bucket).objects.get(key);
    if (old === undefined) return undefined;
    return Object.assign(this.appender(path), { appendsAt: old.data.byteLength });
  }

  private appender(path: string): Writer {
    const { bucket, key } = this.objectPath(path);
    return new BufferedWriter(async (data) => {
      const old = this.bucket(bucket).objects.get(key);
      this.store(bucket, key, Buffer.concat([old?.data ?? new Uint8Array(0), data]), old?.contentType ?? this.newType);
    });
  }

  /** A new mtime (and ETag) for the same bytes, of the version `info` names, as the services' server-side touch. */
  protected override async _touch(path: string, info: FileInfo): Promise<void> {
    const { bucket, key } = this.objectPath(path);
    const obj = this.pinned(path, info);
    this.store(bucket, key, obj.data, obj.contentType);
  }

  protected override async _copy(src: string, dst: string, source: FileInfo): Promise<void> {
    const obj = this.pinned(src, source);
    const { bucket, key } = this.objectPath(dst);
    this.store(bucket, key, obj.data, obj.contentType);
  }

  /** The object at `path`, when it is still the version `info` names (by ETag); the service's 412 otherwise. */
  private pinned(path: string, info: FileInfo): StoredObject {
    const obj = this.object(path);
    if (typeof info.etag === 'string' && info.etag.replace(/"/g, '') !== obj.etag.replace(/"/g, '')) {
      throw serviceError(this.rules, 'conditionFailed');
    }
    return obj;
  }

  // ---------------------------------------------------------------- removing

  protected async deleteObject(bucket: string, key: string): Promise<void> {
    const objects = this.bucket(bucket).objects;
    if (!objects.delete(key)) throw serviceError(this.rules, 'noSuchKey');
    keysRemoved(objects);
  }

  /** Keys already gone count as deleted, as in a batch delete. */
  protected async deleteBatch(bucket: string, keys: string[]): Promise<FailedDelete[]> {
    const objects = this.bucket(bucket).objects;
    for (const key of keys) objects.delete(key);
    keysRemoved(objects);
    return [];
  }

  // ---------------------------------------------------------------- buckets

  protected async createBucket(bucket: string): Promise<void> {
    if (!this.rules.bucketName.test(bucket)) throw serviceError(this.rules, 'badBucketName');
    this.buckets.set(bucket, { created: new Date(), objects: new Map() });
  }

  protected async deleteBucket(bucket: string): Promise<void> {
    if (this.bucket(bucket).objects.size > 0) throw serviceError(this.rules, 'bucketNotEmpty');
    this.buckets.delete(bucket);
  }
}
