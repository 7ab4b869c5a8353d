/** The S3 backend: buckets as top-level directories, key prefixes as directories. */
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  type CopyObjectCommandInput,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type HeadObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { FsError, type Debris, type FailedDelete, type FileInfo, type Writer } from '@omnifs/core';
import {
  checkV4Expiry,
  dirInfo,
  errors,
  failedDelete,
  resolveTimeouts,
  MultipartWriter,
  ObjectStoreFileSystem,
  prefilled,
  REMOTE_BATCH_SIZE,
  splitObjectPath,
  WRITE_ID_KEY,
  type ListRequest,
  type ObjectPage,
  type PutOptions,
  type RangeRequest,
  type UploadOptions,
  type WriterOptions,
  type BodySink,
  type ReadOptions,
  type CapabilityFacts,
} from '@omnifs/core/backend';
import { LeanS3Client } from './client';
import { escapeUri } from './http';
import { withContentType } from './content';
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
  type UploadParams,
} from './options';
import { readObject, readObjectAll, readObjectInto, type ReadContext } from './reader';
import { copySource, multipartCopy, S3AppendTarget, S3MultipartTarget, type UploadContext } from './writer';

/** Fields named like SSE-C keys, which the generic redaction does not catch. */
function redactCustomerKeys(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, /customerkey$/i.test(k) && v ? '***' : redactCustomerKeys(v)]),
  );
}

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
  /** Read by the SDK and the options: region, endpoint, profile files, credentials. */
  static override environment: readonly string[] = [
    'AWS_REGION',
    'AWS_DEFAULT_REGION',
    'AWS_PROFILE',
    'AWS_ENDPOINT_URL',
    'AWS_ENDPOINT_URL_S3',
    'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
    'AWS_CONFIG_FILE',
    'AWS_SHARED_CREDENTIALS_FILE',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_ROLE_ARN',
  ];
  /** Shown as `***` by `omnifs config`. */
  static override secretEnvironment: readonly string[] = ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];

  /** The SDK client every request goes through. */
  readonly client: S3Client;

  private readonly settings: ResolvedS3Settings;
  /** The profile the `profile` option named, for what errors say. */
  private readonly profile: string | undefined;

  /** The lean request path of the hot operations, unless turned off (see `leanRequests`). */
  private readonly lean: LeanS3Client | undefined;

  constructor(options: S3Options = {}) {
    super(options);
    this.profile = options.profile;
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
  }

  /** Exclusive create by `If-None-Match: *`; anonymous filesystems cannot sign; 256 files at once. */
  protected override capabilityFacts(): CapabilityFacts {
    const { anon, partSize, concurrency, readConcurrency } = this.settings;
    return {
      ...super.capabilityFacts(),
      exclusiveCreate: true,
      sign: !anon,
      partSize,
      concurrency,
      readConcurrency,
      batchSize: REMOTE_BATCH_SIZE,
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
    return mapS3Error(err, this.profile);
  }

  // ---------------------------------------------------------------- request contexts

  private get listContext(): ListContext {
    return { client: this.client, requesterPays: this.settings.requesterPays, lean: this.lean };
  }

  private get readContext(): ReadContext {
    const { partSize, concurrency, requesterPays, readParams } = this.settings;
    return { client: this.client, partSize, concurrency, requesterPays, readParams, lean: this.lean };
  }

  private uploadContext(bucket: string, key: string, options: PutOptions & { signal?: AbortSignal }): UploadContext {
    const { requesterPays, writeParams } = this.settings;
    const { mode, signal, writeId } = options;
    return {
      client: this.client,
      lean: this.lean,
      bucket,
      key,
      mode,
      requesterPays,
      writeParams: withContentType(writeParams, key),
      ...(signal ? { signal } : {}),
      ...(writeId ? { writeId } : {}),
    };
  }

  private get payer(): { RequestPayer?: 'requester' } {
    return this.settings.requesterPays ? { RequestPayer: 'requester' } : {};
  }

  private async headObject(bucket: string, key: string): Promise<HeadObjectCommandOutput> {
    const lean = await this.lean?.forBucket(bucket);
    if (lean !== undefined) return lean.head(bucket, key);
    return this.client.send(
      new HeadObjectCommand({ ...this.settings.readParams, Bucket: bucket, Key: key, ...this.payer }),
    );
  }

  // ---------------------------------------------------------------- metadata and listing (ObjectStoreFileSystem)

  protected async *listPages(bucket: string, prefix: string, request: ListRequest = {}): AsyncGenerator<ObjectPage> {
    for await (const page of listPages(this.listContext, bucket, prefix, request)) {
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

  protected override readRangeInto(
    bucket: string,
    key: string,
    start: number,
    sink: BodySink,
    { signal, etag }: ReadOptions,
  ): Promise<number | undefined> {
    return readObjectInto(this.readContext, bucket, key, start, sink, signal, quotedEtag(etag));
  }

  protected readRange(bucket: string, key: string, range: RangeRequest): AsyncGenerator<Uint8Array> {
    const { start, end, signal, etag } = range;
    return readObject(this.readContext, bucket, key, start, end, signal, quotedEtag(etag));
  }

  protected override readRangeAll(bucket: string, key: string, range: RangeRequest): Promise<Uint8Array> {
    const { start, end, signal, etag } = range;
    return readObjectAll(this.readContext, bucket, key, start, end, signal, quotedEtag(etag));
  }

  // ---------------------------------------------------------------- writing

  protected async putObject(bucket: string, key: string, data: Uint8Array, options: PutOptions): Promise<void> {
    await new S3MultipartTarget(this.uploadContext(bucket, key, options)).putSingle(data);
  }

  protected openUpload(bucket: string, key: string, options: UploadOptions): Writer {
    return new MultipartWriter(new S3MultipartTarget(this.uploadContext(bucket, key, options)), {
      partSize: Math.max(MIN_PART_SIZE, options.partSize),
      concurrency: this.settings.concurrency,
    });
  }

  protected override async _writeId(path: string): Promise<string | undefined> {
    const { bucket, key } = this.objectPath(path);
    return (await this.headObject(bucket, key)).Metadata?.[WRITE_ID_KEY];
  }

  /**
   * `ab` on an object: a new version with the object's content type, other content headers
   * and user metadata, as an append keeps them on GCS and Azure. From 5 MiB a multipart
   * upload whose first parts are copies of the object, so only the new bytes are sent;
   * below, the object's bytes (of the version seen) are written again first. A missing
   * object is left to core, which writes a new one.
   */
  protected override async _openAppendByCopy(path: string, options: WriterOptions): Promise<Writer | undefined> {
    const { bucket, key } = this.objectPath(path);
    let head: HeadObjectCommandOutput;
    try {
      head = await this.headObject(bucket, key);
    } catch (err) {
      if (this.isMissing(err)) return undefined;
      throw err;
    }
    const size = head.ContentLength ?? 0;
    const signal = options.signal ? { signal: options.signal } : {};
    const ctx = this.uploadContext(bucket, key, { mode: 'overwrite', ...signal });
    const kept = { ...ctx, writeParams: await this.keptParams(ctx.writeParams, bucket, key, head) };
    const parts = {
      partSize: Math.max(MIN_PART_SIZE, options.partSize ?? this.settings.partSize),
      concurrency: this.settings.concurrency,
    };
    if (size >= MIN_PART_SIZE) {
      const target = new S3AppendTarget(kept, { bucket, key, size, etag: head.ETag }, this.settings.concurrency);
      const writer = new MultipartWriter(target, parts);
      writer.appendsAt = size;
      return writer;
    }
    const writer = new MultipartWriter(new S3MultipartTarget(kept), parts);
    const pin = head.ETag === undefined ? {} : { etag: head.ETag };
    return prefilled(writer, this._readStream(path, 0, size, { ...pin, ...signal }));
  }

  /** HEAD first: S3 answers a DELETE of a missing key with success. */
  protected async deleteObject(bucket: string, key: string): Promise<void> {
    await this.headObject(bucket, key);
    const lean = await this.lean?.forBucket(bucket);
    if (lean !== undefined) await lean.deleteObject(bucket, key);
    else await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, ...this.payer }));
  }

  /** DeleteObjects requests of one `rm` in flight at once. */
  protected override get deleteConcurrency(): number {
    return DELETE_BATCHES_IN_FLIGHT;
  }

  /** One DeleteObjects request of up to 1,000 keys. */
  protected async deleteBatch(bucket: string, keys: string[]): Promise<FailedDelete[]> {
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
    return errs.map((e) => {
      const code = e.Code ?? 'Unknown';
      const error = mapS3Error(Object.assign(new Error(e.Message ?? ''), { name: code, $metadata: {} }));
      return failedDelete(`${bucket}/${e.Key ?? ''}`, code, error);
    });
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

  // ---------------------------------------------------------------- buckets

  protected async createBucket(bucket: string): Promise<void> {
    const region = await this.client.config.region();
    await this.client.send(
      new CreateBucketCommand({
        Bucket: bucket,
        ...(region !== 'us-east-1' ? { CreateBucketConfiguration: { LocationConstraint: region as never } } : {}),
      }),
    );
  }

  protected async deleteBucket(bucket: string): Promise<void> {
    await this.client.send(new DeleteBucketCommand({ Bucket: bucket }));
  }

  // ---------------------------------------------------------------- copy and sign

  /** Server-side copy of the version planned (its ETag): no HEAD of the source. */
  protected override async _copy(src: string, dst: string, source: FileInfo): Promise<void> {
    await this.copyObject(src, dst, source, this.settings.multipartCopyThreshold);
  }

  /**
   * A new modification time without moving the bytes: CopyObject onto itself, pinned to
   * the ETag, with the object's own metadata, content headers, storage class and
   * encryption sent again (MetadataDirective REPLACE). Above `multipartCopyThreshold`, a
   * part copy onto itself, which carries the same.
   */
  protected override async _touch(path: string): Promise<void> {
    const { bucket, key } = this.objectPath(path);
    const head = await this.headObject(bucket, key);
    const source: FileInfo = { name: path, type: 'file', size: head.ContentLength ?? 0 };
    if (head.ETag !== undefined) source.etag = head.ETag;
    await this.copyObject(path, path, source, this.settings.multipartCopyThreshold, {
      head,
      extra: { MetadataDirective: 'REPLACE', ...pick(head, KEPT_BY_TOUCH) },
    });
  }

  /**
   * CopyObject pinned to `source.etag`, or a multipart part copy above `threshold` bytes;
   * `head` is the source's HeadObject when the caller has it.
   */
  private async copyObject(
    src: string,
    dst: string,
    source: FileInfo,
    threshold: number,
    given: { head?: HeadObjectCommandOutput; extra?: Partial<CopyObjectCommandInput> } = {},
  ): Promise<void> {
    const extra = given.extra ?? {};
    const from = this.objectPath(src);
    const dstPath = this.objectPath(dst);
    const to = this.uploadContext(dstPath.bucket, dstPath.key, { mode: 'overwrite' });
    const { size } = source;
    const etag = source.etag === '' ? undefined : quotedEtag(source.etag);
    if (size > threshold) {
      // A part copy is a new upload: it carries what CopyObject would have kept.
      const head = given.head ?? (await this.headObject(from.bucket, from.key));
      const writeParams = await this.keptParams(to.writeParams, from.bucket, from.key, head);
      if (extra.MetadataDirective === 'REPLACE') Object.assign(writeParams, pick(extra, KEPT_BY_TOUCH));
      const partSize = Math.min(MAX_COPY_OBJECT_SIZE, Math.max(this.settings.partSize, Math.ceil(size / 100)));
      await multipartCopy({ ...to, writeParams }, { ...from, size, etag }, partSize, this.settings.concurrency);
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
        ...(etag !== undefined ? { CopySourceIfMatch: etag } : {}),
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
        ...extra,
      }),
    );
  }

  /**
   * The parameters of an upload that replaces (or copies) an object and keeps what
   * CopyObject keeps of it: `params` with the object's content headers, user metadata and
   * tags in place of the filesystem's own. Tags cost a GetObjectTagging, asked for only
   * when HeadObject counted some.
   */
  private async keptParams(
    params: UploadParams,
    bucket: string,
    key: string,
    head: HeadObjectCommandOutput,
  ): Promise<UploadParams> {
    const { Tagging: _fsTags, ...rest } = params;
    const kept: UploadParams = { ...rest, ...pick(head, COPIED_HEADERS) };
    if ((head.TagCount ?? 0) > 0) {
      const res = await this.client.send(
        new GetObjectTaggingCommand({
          Bucket: bucket,
          Key: key,
          ...(head.VersionId !== undefined ? { VersionId: head.VersionId } : {}),
          ...pick(this.settings.writeParams, ['ExpectedBucketOwner']),
          ...this.payer,
        }),
      );
      const tags = (res.TagSet ?? []).map((t) => `${escapeUri(t.Key ?? '')}=${escapeUri(t.Value ?? '')}`);
      if (tags.length > 0) kept.Tagging = tags.join('&');
    }
    return kept;
  }

  protected override async _sign(path: string, options: { expiresIn: number; method: 'GET' | 'PUT' }): Promise<string> {
    if (this.settings.anon) throw errors.unsupported('anonymous filesystems cannot sign URLs');
    checkV4Expiry(options.expiresIn);
    const { bucket, key } = this.objectPath(path);
    const command =
      options.method === 'PUT'
        ? new PutObjectCommand({ Bucket: bucket, Key: key, ...this.payer })
        : new GetObjectCommand({ Bucket: bucket, Key: key, ...this.payer });
    return getSignedUrl(this.client, command, { expiresIn: options.expiresIn });
  }
}

/** What CopyObject keeps of its source unless told to replace it (MetadataDirective COPY). */
const COPIED_HEADERS = [
  'Metadata',
  'ContentType',
  'ContentEncoding',
  'ContentDisposition',
  'ContentLanguage',
  'CacheControl',
  'Expires',
  'WebsiteRedirectLocation',
] as const;

/** What a touch sends again with MetadataDirective REPLACE: the above, storage class and encryption. */
const KEPT_BY_TOUCH = [
  ...COPIED_HEADERS,
  'StorageClass',
  'ServerSideEncryption',
  'SSEKMSKeyId',
  'BucketKeyEnabled',
] as const;

function pick<T extends object, K extends keyof T>(obj: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
  return out;
}

/** DeleteObjects requests of one `rm` in flight at once. */
const DELETE_BATCHES_IN_FLIGHT = 4;

/** Connections the lean path keeps open per host. */
const LEAN_MAX_SOCKETS = 256;

/** The quoted form S3 compares in If-Match (`checksum()` gives ETags unquoted). */
function quotedEtag(etag: string | undefined): string | undefined {
  return etag === undefined || etag.startsWith('"') ? etag : `"${etag}"`;
}
