/**
 * The reference object store: a whole store backend built on core's
 * {@link ObjectStoreFileSystem}, over a service held in memory. It implements exactly the
 * primitives a real store implements (list a page, HEAD, read a range, put, upload in
 * parts, delete one, delete a batch, bucket operations) and fails the way a service does,
 * with its own error codes mapped in `mapError`; every store rule comes from the template.
 * docs/api.md ("Writing an object-store backend") walks through it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { FsError, type ErrorKind, type FailedDelete, type FileInfo, type Writer } from '@omnifs/core';
import {
  concatBytes,
  defineOptions,
  dirInfo,
  errors,
  failedDelete,
  MultipartWriter,
  ObjectStoreFileSystem,
  positiveInt,
  toFsError,
  type CapabilityFacts,
  type MultipartTarget,
  type ListRequest,
  type ObjectPage,
  type PutOptions,
  type RangeRequest,
  type UploadOptions,
} from '@omnifs/core/backend';

/** The codes the service answers a failed request with. */
export type ReferenceErrorCode =
  'NoSuchBucket' | 'NoSuchKey' | 'BucketAlreadyExists' | 'BucketNotEmpty' | 'PreconditionFailed' | 'AccessDenied';

/** An error as the service's SDK would throw it: a code, no FsError yet. */
export class ReferenceServiceError extends Error {
  constructor(readonly code: ReferenceErrorCode) {
    super(code);
    this.name = 'ReferenceServiceError';
  }
}

/** The FsError kind of each service code: the table a store's errors.ts holds. */
const KINDS: Readonly<Record<ReferenceErrorCode, ErrorKind>> = {
  NoSuchBucket: 'NotFound',
  NoSuchKey: 'NotFound',
  BucketAlreadyExists: 'AlreadyExists',
  BucketNotEmpty: 'NotEmpty',
  PreconditionFailed: 'ConditionNotMatch',
  AccessDenied: 'PermissionDenied',
};

/** One stored object. */
export interface ReferenceObject {
  data: Uint8Array;
  mtime: Date;
  etag: string;
}

/** The service's state: buckets of objects, and multipart uploads not yet completed. */
export interface ReferenceService {
  buckets: Map<string, Map<string, ReferenceObject>>;
  /** Upload id → the key and the parts staged so far. */
  uploads: Map<string, { bucket: string; key: string; parts: Map<number, Uint8Array> }>;
  /** `bucket/key`s the service refuses to delete (as a lease or a policy would). */
  locked: Set<string>;
}

/** Options of the reference store. */
export interface ReferenceStoreOptions {
  /** Keys a listing page holds at most (default 1,000), as a service pages its answers. */
  pageSize?: number;
  /** Bytes a part of an upload, and the largest object put in one request (default 5 MiB). */
  partSize?: number;
  /** The service to talk to (default: a new, empty one); share one between instances to see the same data. */
  service?: ReferenceService;
}

const REFERENCE_OPTIONS = defineOptions<ReferenceStoreOptions>({
  pageSize: { type: 'integer', min: 1 },
  partSize: { type: 'integer', min: 1 },
  service: 'object',
});

/** A new, empty service. */
export function referenceService(): ReferenceService {
  return { buckets: new Map(), uploads: new Map(), locked: new Set() };
}

const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));
const etagOf = (data: Uint8Array): string => `"${createHash('md5').update(data).digest('hex')}"`;

/**
 * An object store with buckets, `/`-prefix directories and markers, over an in-memory
 * service: the reference of what a store backend implements.
 *
 * Behaviour (all of it from ObjectStoreFileSystem, given these primitives):
 * - `makedirs('bucket')` creates a bucket; writing into a missing one is `NotFound`;
 * - objects up to `partSize` are one put, larger and streamed ones a multipart upload
 *   committed on close, nothing left behind on abort; `mode: 'create'` is a precondition;
 * - reads are ranged and pinned to an ETag where asked; listings come in pages;
 * - `rm` of many keys deletes in batches of 1,000; keys the service refuses are reported
 *   in one `DeleteError`.
 */
export class ReferenceObjectStore extends ObjectStoreFileSystem {
  static override optionSchema = REFERENCE_OPTIONS;
  static override protocols: readonly string[] = ['refstore'];

  /** The service this store talks to. */
  readonly service: ReferenceService;
  private readonly pageSize: number;
  private readonly uploadPartSize: number;

  /** A store over `options.service`, or over a new, empty service. */
  constructor(options: ReferenceStoreOptions = {}) {
    super(options);
    this.service = options.service ?? referenceService();
    this.pageSize = positiveInt('pageSize', options.pageSize, 1000);
    const partSize = positiveInt('partSize', options.partSize, 5 * 1024 * 1024);
    this.uploadPartSize = partSize;
  }

  /** What the hooks cannot show: creates are exclusive, uploads go in parts of `partSize`. */
  protected override capabilityFacts(): CapabilityFacts {
    return { ...super.capabilityFacts(), exclusiveCreate: true, partSize: this.uploadPartSize };
  }

  /** Service codes to FsError kinds; anything else as core maps it. */
  protected override mapError(err: unknown): FsError {
    if (!(err instanceof ReferenceServiceError)) return toFsError(err);
    return new FsError({ kind: KINDS[err.code], message: err.code, cause: err });
  }

  private bucket(name: string): Map<string, ReferenceObject> {
    const objects = this.service.buckets.get(name);
    if (objects === undefined) throw new ReferenceServiceError('NoSuchBucket');
    return objects;
  }

  private object(bucket: string, key: string): ReferenceObject {
    const obj = this.bucket(bucket).get(key);
    if (obj === undefined) throw new ReferenceServiceError('NoSuchKey');
    return obj;
  }

  private fileInfo(bucket: string, key: string, obj: ReferenceObject): FileInfo {
    return { name: `${bucket}/${key}`, size: obj.data.byteLength, type: 'file', mtime: obj.mtime, etag: obj.etag };
  }

  /**
   * Stores an object; with `mode: 'create'` only if the key is free (the service's
   * precondition), a failed one being `AlreadyExists` as every store reports it.
   */
  commit(bucket: string, key: string, data: Uint8Array, options: PutOptions): void {
    const objects = this.bucket(bucket);
    if (options.mode === 'create' && objects.has(key)) throw errors.alreadyExists(`${bucket}/${key}`);
    objects.set(key, { data: new Uint8Array(data), mtime: new Date(), etag: etagOf(data) });
  }

  // ---------------------------------------------------------------- listing and metadata

  protected async *listPages(
    bucket: string,
    prefix: string,
    { delimiter = false, limit }: ListRequest = {},
  ): AsyncGenerator<ObjectPage> {
    const objects = this.bucket(bucket);
    const size = limit ?? this.pageSize;
    let page: ObjectPage = { objects: [], prefixes: [] };
    for (const key of [...objects.keys()].filter((k) => k.startsWith(prefix)).sort(byBytes)) {
      const slash = delimiter ? key.indexOf('/', prefix.length) : -1;
      if (slash >= 0) {
        const common = key.slice(0, slash + 1);
        if (page.prefixes.includes(common)) continue;
        page.prefixes.push(common);
      } else {
        page.objects.push({ key, info: this.fileInfo(bucket, key, objects.get(key)!) });
      }
      if (page.objects.length + page.prefixes.length < size) continue;
      yield page;
      if (limit !== undefined) return;
      page = { objects: [], prefixes: [] };
    }
    if (page.objects.length + page.prefixes.length > 0) yield page;
  }

  protected async listBuckets(): Promise<FileInfo[]> {
    return [...this.service.buckets.keys()].sort(byBytes).map((b) => dirInfo(b));
  }

  protected async bucketInfo(bucket: string): Promise<FileInfo> {
    this.bucket(bucket);
    return dirInfo(bucket);
  }

  protected async objectInfo(bucket: string, key: string): Promise<FileInfo> {
    return this.fileInfo(bucket, key, this.object(bucket, key));
  }

  // ---------------------------------------------------------------- reading

  protected async *readRange(bucket: string, key: string, range: RangeRequest): AsyncGenerator<Uint8Array> {
    const obj = this.object(bucket, key);
    if (range.etag !== undefined && range.etag.replace(/"/g, '') !== obj.etag.replace(/"/g, '')) {
      throw new ReferenceServiceError('PreconditionFailed');
    }
    yield obj.data.slice(range.start, range.end ?? obj.data.byteLength);
  }

  // ---------------------------------------------------------------- writing

  protected async putObject(bucket: string, key: string, data: Uint8Array, options: PutOptions): Promise<void> {
    this.commit(bucket, key, data, options);
  }

  protected openUpload(bucket: string, key: string, options: UploadOptions): Writer {
    return new MultipartWriter(new ReferenceUpload(this, bucket, key, options), { partSize: options.partSize });
  }

  // ---------------------------------------------------------------- deleting

  protected async deleteObject(bucket: string, key: string): Promise<void> {
    this.object(bucket, key);
    if (this.service.locked.has(`${bucket}/${key}`)) throw new ReferenceServiceError('AccessDenied');
    this.bucket(bucket).delete(key);
  }

  protected async deleteBatch(bucket: string, keys: string[]): Promise<FailedDelete[]> {
    const objects = this.bucket(bucket);
    const failed: FailedDelete[] = [];
    for (const key of keys) {
      const path = `${bucket}/${key}`;
      if (!this.service.locked.has(path)) objects.delete(key);
      else failed.push(failedDelete(path, 'AccessDenied', this.mapError(new ReferenceServiceError('AccessDenied'))));
    }
    return failed;
  }

  // ---------------------------------------------------------------- buckets

  protected async createBucket(bucket: string): Promise<void> {
    if (this.service.buckets.has(bucket)) throw new ReferenceServiceError('BucketAlreadyExists');
    this.service.buckets.set(bucket, new Map());
  }

  protected async deleteBucket(bucket: string): Promise<void> {
    if (this.bucket(bucket).size > 0) throw new ReferenceServiceError('BucketNotEmpty');
    this.service.buckets.delete(bucket);
  }
}

/** One multipart upload: parts staged on the service, the object committed by `complete`. */
class ReferenceUpload implements MultipartTarget<number> {
  private id = '';

  constructor(
    private readonly store: ReferenceObjectStore,
    private readonly bucket: string,
    private readonly key: string,
    private readonly options: PutOptions,
  ) {}

  async putSingle(data: Uint8Array): Promise<void> {
    this.store.commit(this.bucket, this.key, data, this.options);
  }

  async initiate(): Promise<void> {
    this.id = randomUUID();
    this.store.service.uploads.set(this.id, { bucket: this.bucket, key: this.key, parts: new Map() });
  }

  async uploadPart(partNumber: number, data: Uint8Array): Promise<number> {
    this.store.service.uploads.get(this.id)!.parts.set(partNumber, new Uint8Array(data));
    return partNumber;
  }

  async complete(parts: number[]): Promise<void> {
    const staged = this.store.service.uploads.get(this.id)!.parts;
    const data = parts.map((n) => staged.get(n)!);
    this.store.service.uploads.delete(this.id);
    this.store.commit(this.bucket, this.key, concatBytes(data), this.options);
  }

  async abort(): Promise<void> {
    this.store.service.uploads.delete(this.id);
  }
}
