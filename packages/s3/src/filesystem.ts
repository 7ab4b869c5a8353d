/** The S3 backend: buckets as top-level directories, key prefixes as directories. */
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type HeadObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  dirInfo,
  errors,
  FsError,
  mapLimit,
  MultipartWriter,
  ObjectStoreFileSystem,
  resolveTimeouts,
  splitObjectPath,
  WRITE_ID_KEY,
  type Capabilities,
  type Debris,
  type FileInfo,
  type ObjectPage,
  type ReadOptions,
  type Writer,
  type WriterOptions,
  type WriteMode,
} from '@omnifs/core';
import { LeanS3Client } from './client';
import { mapS3Error } from './errors';
import { listBuckets, listPages, listUploads, objectInfo, type ListContext } from './lister';
import {
  createClient,
  S3_OPTION_SCHEMA,
  MAX_COPY_OBJECT_SIZE,
  MIN_PART_SIZE,
  resolveSettings,
  type ResolvedS3Settings,
  type S3Options,
} from './options';
import { readObject, type ReadContext } from './reader';
import { copySource, multipartCopy, S3AppendTarget, S3MultipartTarget, type UploadContext } from './writer';

/** A key that could not be deleted by DeleteObjects. */
export interface FailedDelete {
  path: string;
  code: string;
  message: string;
}

/** `rm` of many keys where some failed: which ones, and why. */
export class S3DeleteError extends FsError {
  constructor(
    readonly failed: FailedDelete[],
    total: number,
    cause: unknown,
  ) {
    const first = failed[0]!;
    const shown = failed
      .slice(0, 5)
      .map((f) => `${f.path} (${f.code})`)
      .join(', ');
    super({
      kind: mapS3Error(Object.assign(new Error(first.message), { name: first.code, $metadata: {} })).kind,
      message: `could not delete ${failed.length} of ${total} keys: ${shown}${failed.length > 5 ? ', …' : ''}`,
      path: first.path,
      cause,
    });
  }
}

/** Fields named like SSE-C keys, which the generic redaction does not catch. */
function redactCustomerKeys(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, /customerkey$/i.test(k) && v ? '***' : redactCustomerKeys(v)]),
  );
}

const isNotFound = (err: unknown): boolean => mapS3Error(err).kind === 'NotFound';

/**
 * Amazon S3 and S3-compatible stores (MinIO, Ceph, R2, versitygw, moto, ...).
 *
 * Behaviour:
 * - paths are `bucket/key`; `''` lists the buckets; a bucket is created by
 *   `mkdir`/`makedirs('bucket')` and removed, when empty, by `rmdir`;
 * - a prefix with objects below it is a directory; `makedirs` of a prefix is a no-op;
 * - small writes are one PutObject; streamed and large ones are multipart uploads of
 *   `partSize` bytes, `concurrency` parts at once, aborted on any failure;
 * - `mode: 'create'` / `xb` send `If-None-Match: *`; `ab` copies an object of 5 MiB or more
 *   server-side as the first part of a multipart upload, and rewrites smaller ones;
 * - reads are ranged GETs, large ones in concurrent parts pinned to one ETag;
 * - `cp` is CopyObject (UploadPartCopy above 5 GiB); `rm` deletes in batches of 1,000.
 */
export class S3FileSystem extends ObjectStoreFileSystem {
  static override protocols: readonly string[] = ['s3', 's3a'];
  /** The options it takes (see {@link S3Options}). */
  static override optionSchema = S3_OPTION_SCHEMA;

  override readonly capabilities: Capabilities;

  /** The SDK client every request goes through. */
  readonly client: S3Client;

  private readonly settings: ResolvedS3Settings;

  /** The lean request path of the hot operations, unless turned off (see `leanRequests`). */
  private readonly lean: LeanS3Client | undefined;

  constructor(options: S3Options = {}) {
    super(options);
    this.settings = resolveSettings(options);
    this.client = createClient(options);
    const { anon, requesterPays, readParams, writeParams } = this.settings;
    this.lean = this.settings.lean
      ? new LeanS3Client(this.client, {
          timeouts: resolveTimeouts(options),
          anon,
          requesterPays,
          readParams,
          writeParams,
          maxSockets: LEAN_MAX_SOCKETS,
        })
      : undefined;
    this.capabilities = {
      realDirectories: false,
      append: false,
      exclusiveCreate: true,
      copy: true,
      rangedRead: true,
      sign: !this.settings.anon,
      mtime: true,
      flatListing: true,
      partSize: this.settings.partSize,
      concurrency: this.settings.concurrency,
      batchSize: S3_BATCH_SIZE,
      appendByCopy: true,
    };
  }

  /** Closes the client's connections (only needed to let a process exit early). */
  destroy(): void {
    this.client.destroy();
    this.lean?.destroy();
  }

  /** Protocol and options, secrets (keys, tokens, SSE-C keys) redacted. */
  override toJSON(): { protocol: string; options: unknown } {
    const json = super.toJSON();
    return { ...json, options: redactCustomerKeys(json.options) };
  }

  protected override mapError(err: unknown): FsError {
    return mapS3Error(err);
  }

  // ---------------------------------------------------------------- request contexts

  private get listContext(): ListContext {
    return { client: this.client, requesterPays: this.settings.requesterPays, lean: this.lean };
  }

  private get readContext(): ReadContext {
    const { partSize, concurrency, requesterPays, readParams } = this.settings;
    return { client: this.client, partSize, concurrency, requesterPays, readParams, lean: this.lean };
  }

  private uploadContext(path: string, mode: WriteMode, signal?: AbortSignal, writeId?: string): UploadContext {
    const { bucket, key } = this.objectPath(path);
    const { requesterPays, writeParams } = this.settings;
    return {
      client: this.client,
      lean: this.lean,
      bucket,
      key,
      mode,
      requesterPays,
      writeParams,
      ...(signal ? { signal } : {}),
      ...(writeId ? { writeId } : {}),
    };
  }

  private get payer(): { RequestPayer?: 'requester' } {
    return this.settings.requesterPays ? { RequestPayer: 'requester' } : {};
  }

  /** Bucket and key of a path that must name an object. */
  private objectPath(path: string): { bucket: string; key: string } {
    const parts = splitObjectPath(path);
    if (parts.bucket === '') throw errors.invalid('the root is not a file; paths are bucket/key', path);
    if (parts.key === '') throw errors.isADirectory(path);
    return parts;
  }

  private async headObject(bucket: string, key: string): Promise<HeadObjectCommandOutput> {
    const lean = await this.lean?.forBucket(bucket);
    if (lean !== undefined) return lean.head(bucket, key);
    return this.client.send(
      new HeadObjectCommand({ ...this.settings.readParams, Bucket: bucket, Key: key, ...this.payer }),
    );
  }

  // ---------------------------------------------------------------- metadata and listing (ObjectStoreFileSystem)

  protected async *listPages(
    bucket: string,
    prefix: string,
    delimiter: boolean,
    limit?: number,
  ): AsyncGenerator<ObjectPage> {
    for await (const page of listPages(this.listContext, bucket, prefix, delimiter, limit)) {
      yield {
        objects: page.objects
          .filter((o) => o.Key !== undefined)
          .map((o) => ({ key: o.Key!, info: objectInfo(bucket, o) })),
        prefixes: page.prefixes,
      };
    }
  }

  protected listBuckets(): Promise<FileInfo[]> {
    return listBuckets(this.listContext);
  }

  protected async bucketInfo(bucket: string): Promise<FileInfo> {
    await this.client.send(new HeadBucketCommand({ Bucket: bucket }));
    return dirInfo(bucket);
  }

  protected async objectInfo(bucket: string, key: string, path: string): Promise<FileInfo> {
    const head = await this.headObject(bucket, key);
    const info: FileInfo = { name: path, size: head.ContentLength ?? 0, type: 'file' };
    if (head.LastModified !== undefined) info.mtime = head.LastModified;
    if (head.ETag !== undefined) info.etag = head.ETag;
    if (head.ContentType !== undefined) info.contentType = head.ContentType;
    if (head.VersionId !== undefined) info.versionId = head.VersionId;
    if (head.StorageClass !== undefined) info.storageClass = head.StorageClass;
    return info;
  }

  // ---------------------------------------------------------------- reading

  protected override _readStream(
    path: string,
    start: number,
    end: number | undefined,
    options: ReadOptions = {},
  ): AsyncGenerator<Uint8Array> {
    const { bucket, key } = this.objectPath(path);
    return readObject(this.readContext, bucket, key, start, end, options.signal, quotedEtag(options.etag));
  }

  // ---------------------------------------------------------------- writing

  private multipartWriter(
    path: string,
    mode: WriteMode,
    partSize: number,
    signal?: AbortSignal,
    writeId?: string,
  ): MultipartWriter {
    const target = new S3MultipartTarget(this.uploadContext(path, mode, signal, writeId));
    return new MultipartWriter(target, {
      partSize: Math.max(MIN_PART_SIZE, partSize),
      concurrency: this.settings.concurrency,
    });
  }

  protected async _write(
    path: string,
    data: Uint8Array,
    mode: WriteMode,
    options: { writeId?: string } = {},
  ): Promise<void> {
    if (data.byteLength <= this.settings.partSize) {
      await new S3MultipartTarget(this.uploadContext(path, mode, undefined, options.writeId)).putSingle(data);
      return;
    }
    const writer = this.multipartWriter(path, mode, this.settings.partSize, undefined, options.writeId);
    try {
      for (let i = 0; i < data.byteLength; i += this.settings.partSize)
        await writer.write(data.subarray(i, i + this.settings.partSize));
      await writer.close();
    } catch (err) {
      await writer.abort().catch(() => undefined);
      throw err;
    }
  }

  protected override async _openWriter(path: string, options: WriterOptions): Promise<Writer> {
    const { bucket, key } = this.objectPath(path);
    if (options.mode === 'create') {
      // Fail fast; the If-None-Match on the final request still decides.
      const exists = await this.headObject(bucket, key).then(
        () => true,
        (err: unknown) => {
          if (isNotFound(err)) return false;
          throw err;
        },
      );
      if (exists) throw errors.alreadyExists(path);
    }
    return this.multipartWriter(
      path,
      options.mode,
      options.partSize ?? this.settings.partSize,
      options.signal,
      options.writeId,
    );
  }

  protected override async _writeId(path: string): Promise<string | undefined> {
    const { bucket, key } = this.objectPath(path);
    return (await this.headObject(bucket, key)).Metadata?.[WRITE_ID_KEY];
  }

  /**
   * `ab` on an object of at least 5 MiB: a multipart upload whose first parts are copies
   * of the object, so only the new bytes are sent. Smaller or missing objects are left to
   * core, which rewrites them.
   */
  protected override async _openAppendByCopy(path: string, options: WriterOptions): Promise<Writer | undefined> {
    const { bucket, key } = this.objectPath(path);
    let head: HeadObjectCommandOutput;
    try {
      head = await this.headObject(bucket, key);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    const size = head.ContentLength ?? 0;
    if (size < MIN_PART_SIZE) return undefined;
    const target = new S3AppendTarget(
      this.uploadContext(path, 'overwrite', options.signal),
      { bucket, key, size, etag: head.ETag },
      this.settings.concurrency,
    );
    return new MultipartWriter(target, {
      partSize: Math.max(MIN_PART_SIZE, options.partSize ?? this.settings.partSize),
      concurrency: this.settings.concurrency,
    });
  }

  protected async _rm(path: string): Promise<void> {
    const { bucket, key } = this.objectPath(path);
    try {
      await this.headObject(bucket, key);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      if (await this.prefixExists(bucket, key)) throw errors.isADirectory(path);
      throw errors.notFound(path);
    }
    const lean = await this.lean?.forBucket(bucket);
    if (lean !== undefined) await lean.deleteObject(bucket, key);
    else await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, ...this.payer }));
  }

  /**
   * Deletes keys with DeleteObjects, 1,000 per request, {@link DELETE_BATCHES_IN_FLIGHT}
   * requests at once. Keys the service could not delete are reported together in one
   * {@link S3DeleteError}.
   */
  protected override async _rmMany(paths: string[]): Promise<void> {
    const byBucket = new Map<string, string[]>();
    for (const p of paths) {
      const { bucket, key } = this.objectPath(p);
      byBucket.set(bucket, [...(byBucket.get(bucket) ?? []), key]);
    }
    const batches: Array<{ bucket: string; keys: string[] }> = [];
    for (const [bucket, keys] of byBucket) {
      for (let i = 0; i < keys.length; i += 1000) batches.push({ bucket, keys: keys.slice(i, i + 1000) });
    }
    const results = await mapLimit(batches, DELETE_BATCHES_IN_FLIGHT, async ({ bucket, keys }) => {
      const lean = await this.lean?.forBucket(bucket);
      const errs = lean
        ? await lean.deleteObjects(bucket, keys)
        : ((
            await this.client.send(
              new DeleteObjectsCommand({
                Bucket: bucket,
                ...this.payer,
                Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
              }),
            )
          ).Errors ?? []);
      return errs.map((e) => ({
        path: `${bucket}/${e.Key ?? ''}`,
        code: e.Code ?? 'Unknown',
        message: e.Message ?? '',
      }));
    });
    const failed: FailedDelete[] = results.flat();
    if (failed.length > 0) throw new S3DeleteError(failed, paths.length, undefined);
  }

  // ---------------------------------------------------------------- debris

  /** Multipart uploads never completed below `path` (in every bucket for the root). */
  protected override async *_listUploads(path: string): AsyncGenerator<Debris> {
    const { bucket, key } = splitObjectPath(path);
    const buckets = bucket === '' ? (await listBuckets(this.listContext)).map((b) => b.name) : [bucket];
    for (const b of buckets) {
      for await (const upload of listUploads(this.listContext, b, key)) {
        const k = upload.path.slice(b.length + 1);
        if (key === '' || k === key || k.startsWith(key.endsWith('/') ? key : `${key}/`)) yield upload;
      }
    }
  }

  protected override async _abortUpload(upload: Debris): Promise<void> {
    const { bucket, key } = this.objectPath(upload.path);
    await this.client.send(
      new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: upload.uploadId, ...this.payer }),
    );
  }

  // ---------------------------------------------------------------- directories

  /** Creates a bucket (`bucket`), or for `bucket/prefix` the bucket if missing; prefixes need nothing. */
  protected override async _mkdir(path: string, parents: boolean): Promise<void> {
    const { bucket, key } = splitObjectPath(path);
    if (bucket === '') throw errors.alreadyExists(path);
    const exists = await this.client.send(new HeadBucketCommand({ Bucket: bucket })).then(
      () => true,
      (err: unknown) => {
        if (isNotFound(err)) return false;
        throw err;
      },
    );
    if (exists) {
      if (key === '') throw errors.alreadyExists(path);
      return;
    }
    if (key !== '' && !parents) throw errors.notFound(bucket);
    const region = await this.client.config.region();
    await this.client.send(
      new CreateBucketCommand({
        Bucket: bucket,
        ...(region !== 'us-east-1' ? { CreateBucketConfiguration: { LocationConstraint: region as never } } : {}),
      }),
    );
  }

  /** Deletes an empty bucket, or the marker object of an empty prefix. */
  protected override async _rmdir(path: string): Promise<void> {
    const { bucket, key } = splitObjectPath(path);
    if (bucket === '') throw new FsError({ kind: 'PermissionDenied', message: 'the root cannot be removed' });
    if (key === '') {
      await this.client.send(new DeleteBucketCommand({ Bucket: bucket }));
      return;
    }
    for await (const page of this.listPages(bucket, `${key}/`, false, 2)) {
      if (page.objects.some((o) => o.key !== `${key}/`)) throw errors.notEmpty(path);
    }
    await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: `${key}/`, ...this.payer }));
  }

  // ---------------------------------------------------------------- copy and sign

  protected override async _copy(src: string, dst: string): Promise<void> {
    const from = this.objectPath(src);
    const to = this.uploadContext(dst, 'overwrite');
    const head = await this.headObject(from.bucket, from.key);
    const size = head.ContentLength ?? 0;
    if (size > this.settings.multipartCopyThreshold) {
      const partSize = Math.min(MAX_COPY_OBJECT_SIZE, Math.max(this.settings.partSize, Math.ceil(size / 100)));
      await multipartCopy(to, { ...from, size, etag: head.ETag }, partSize, this.settings.concurrency);
      return;
    }
    const w = this.settings.writeParams;
    const r = this.settings.readParams;
    await this.client.send(
      new CopyObjectCommand({
        Bucket: to.bucket,
        Key: to.key,
        CopySource: copySource(from.bucket, from.key),
        ...this.payer,
        ...(head.ETag !== undefined ? { CopySourceIfMatch: head.ETag } : {}),
        ...pick(w, [
          'ACL',
          'StorageClass',
          'ServerSideEncryption',
          'SSEKMSKeyId',
          'SSEKMSEncryptionContext',
          'BucketKeyEnabled',
          'SSECustomerAlgorithm',
          'SSECustomerKey',
          'SSECustomerKeyMD5',
          'ExpectedBucketOwner',
        ]),
        ...(r.SSECustomerKey !== undefined
          ? {
              CopySourceSSECustomerAlgorithm: r.SSECustomerAlgorithm,
              CopySourceSSECustomerKey: r.SSECustomerKey,
              CopySourceSSECustomerKeyMD5: r.SSECustomerKeyMD5,
            }
          : {}),
      }),
    );
  }

  protected override async _sign(path: string, options: { expiresIn: number; method: 'GET' | 'PUT' }): Promise<string> {
    if (this.settings.anon) throw errors.unsupported('anonymous filesystems cannot sign URLs');
    const { bucket, key } = this.objectPath(path);
    const command =
      options.method === 'PUT'
        ? new PutObjectCommand({ Bucket: bucket, Key: key, ...this.payer })
        : new GetObjectCommand({ Bucket: bucket, Key: key, ...this.payer });
    return getSignedUrl(this.client, command, { expiresIn: options.expiresIn });
  }
}

function pick<T extends object, K extends keyof T>(obj: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
  return out;
}

/**
 * Files moved at once by many-path operations by default: at 20 ms of round trip, 64
 * small PUTs in flight keep one core busy (measured with bench/s3-lean.mjs).
 */
const S3_BATCH_SIZE = 64;

/** DeleteObjects requests of one `rm` in flight at once. */
const DELETE_BATCHES_IN_FLIGHT = 4;

/** Connections the lean path keeps open per host. */
const LEAN_MAX_SOCKETS = 64;

/** The quoted form S3 compares in If-Match (`checksum()` gives ETags unquoted). */
function quotedEtag(etag: string | undefined): string | undefined {
  return etag === undefined || etag.startsWith('"') ? etag : `"${etag}"`;
}
