/** The GCS backend: buckets as top-level directories, object-name prefixes as directories. */
import type { Bucket, File, FileMetadata, Storage } from '@google-cloud/storage';
import { FsError, type Debris, type FailedDelete, type FileInfo, type Writer } from '@omnifs/core';
import {
  abortable,
  checkV4Expiry,
  currentSignal,
  errors,
  isTemporaryName,
  ObjectStoreFileSystem,
  splitObjectPath,
  REMOTE_BATCH_SIZE,
  WRITE_ID_KEY,
} from '@omnifs/core/backend';
import type {
  CapabilityFacts,
  ListRequest,
  ObjectPage,
  PutOptions,
  ReadOptions,
  BodySink,
  RangeRequest,
  UploadOptions,
} from '@omnifs/core/backend';
import { deleteBatch, MAX_BATCH_DELETES } from './batch';
import { bucketMetadata, deleteObject, objectMetadata, rewriteObject } from './client';
import { mapGcsError } from './errors';
import { bucketInfo, listBuckets, listPages, objectInfo, type ListContext } from './lister';
import {
  createStorage,
  GCS_CHUNK_UNIT,
  GCS_OPTION_SCHEMA,
  resolveSettings,
  type GCSOptions,
  type ResolvedGCSSettings,
} from './options';
import { readObject, readObjectAll, readObjectInto, type ReadContext } from './reader';
import { ComposeAppendWriter, GcsUploadWriter, MAX_APPEND_COMPONENTS, putSingle, type UploadContext } from './writer';

/**
 * A call of the SDK's JSON API, which takes no signal: the operation stops waiting for it
 * when its signal aborts (the request itself runs on until `requestTimeout`).
 */
function uncancellable<T>(call: Promise<T>): Promise<T> {
  const signal = currentSignal();
  return signal === undefined ? call : abortable(call, signal, 0);
}

/** A suggested part size (an `open` block size) rounded up to the 256 KiB unit of resumable chunks. */
function chunkSizeFor(partSize: number | undefined): number | undefined {
  return partSize === undefined ? undefined : Math.max(1, Math.ceil(partSize / GCS_CHUNK_UNIT)) * GCS_CHUNK_UNIT;
}

/**
 * Google Cloud Storage (and emulators such as fake-gcs-server).
 *
 * Behaviour:
 * - paths are `bucket/name`; `''` lists the project's buckets; a bucket is created by
 *   `mkdir`/`makedirs('bucket')` and removed, when empty, by `rmdir`;
 * - a prefix with objects below it (or a `prefix/` placeholder object) is a directory;
 *   `makedirs` of a prefix is a no-op;
 * - `info().etag` is the object's generation: reads given it are pinned to that
 *   generation, so a replaced object fails with `ConditionNotMatch`;
 * - writes up to `partSize` are one simple upload, larger and streamed ones a resumable
 *   session streamed in one request, cancelled on any failure;
 * - `mode: 'create'` / `xb` send `ifGenerationMatch: 0`; `ab` uploads the new bytes and
 *   composes them onto the object (pinned to its generation);
 * - `cp` is a server-side rewrite, stopped between its calls by an abort (a call in flight
 *   has the grace of a sent write: a copy the service finished resolves); `rm` of many
 *   objects sends batch requests of 100 deletes;
 * - `sign` gives V4 signed URLs when a service-account key is configured.
 */
export class GCSFileSystem extends ObjectStoreFileSystem {
  static override protocols: readonly string[] = ['gs', 'gcs'];
  /** The options it takes (see {@link GCSOptions}). */
  static override optionSchema = GCS_OPTION_SCHEMA;
  /** Read by the SDK and the options: an emulator, the project, the key file. */
  static override environment: readonly string[] = [
    'STORAGE_EMULATOR_HOST',
    'GOOGLE_CLOUD_PROJECT',
    'GCLOUD_PROJECT',
    'GOOGLE_APPLICATION_CREDENTIALS',
  ];

  /** The SDK client every request goes through. */
  readonly storage: Storage;

  private readonly settings: ResolvedGCSSettings;

  constructor(options: GCSOptions = {}) {
    super(options);
    this.settings = resolveSettings(options);
    this.storage = createStorage(options);
  }

  /** Native append by compose, exclusive create by `ifGenerationMatch: 0`; signing needs a private key. */
  protected override capabilityFacts(): CapabilityFacts {
    const { canSign, partSize, concurrency, readConcurrency } = this.settings;
    return {
      ...super.capabilityFacts(),
      append: true,
      exclusiveCreate: true,
      sign: canSign,
      partSize,
      concurrency,
      readConcurrency,
      batchSize: REMOTE_BATCH_SIZE,
    };
  }

  protected override mapError(err: unknown): FsError {
    const { keyFilename, credentials } = this.storageOptions;
    return mapGcsError(err, keyFilename as string | undefined, credentials !== undefined);
  }

  // ---------------------------------------------------------------- request contexts

  private get listContext(): ListContext {
    const { userProject, listPageSize, timeouts } = this.settings;
    return { storage: this.storage, userProject, timeouts, pageSize: listPageSize };
  }

  private get readContext(): ReadContext {
    return { storage: this.storage, userProject: this.settings.userProject, timeouts: this.settings.timeouts };
  }

  private bucket(name: string): Bucket {
    const { userProject } = this.settings;
    return this.storage.bucket(name, userProject !== undefined ? { userProject } : {});
  }

  private get payer(): { userProject?: string } {
    return this.settings.userProject !== undefined ? { userProject: this.settings.userProject } : {};
  }

  /** The metadata of the object a path names (`objects.get`). */
  private metadata(path: string): Promise<FileMetadata> {
    const { bucket, key } = this.objectPath(path);
    return objectMetadata(this.readContext, bucket, key);
  }

  /** The object a path names; the root and buckets are not objects. */
  private file(path: string): File {
    const { bucket, key } = this.objectPath(path);
    return this.bucket(bucket).file(key);
  }

  private uploadContext(bucket: string, key: string, options: PutOptions & Partial<UploadOptions>): UploadContext {
    const { mode, partSize, signal, writeId } = options;
    const tagged = writeId === undefined ? {} : { metadata: { metadata: { [WRITE_ID_KEY]: writeId } } };
    let file: File | undefined;
    const made = (): File => (file ??= this.bucket(bucket).file(key));
    return {
      storage: this.storage,
      bucket,
      key,
      get file() {
        return made();
      },
      mode,
      partSize: chunkSizeFor(partSize) ?? this.settings.partSize,
      userProject: this.settings.userProject,
      signal,
      timeouts: this.settings.timeouts,
      ...tagged,
    };
  }

  /**
   * The generation a read given `etag` must have: `etag` itself when it is a generation
   * (what `info` gives), else the current one if the object's GCS ETag or MD5 is `etag`.
   */
  private async pinnedGeneration(path: string, etag: string | undefined): Promise<string | undefined> {
    if (etag === undefined) return undefined;
    const unquoted = etag.replace(/^"|"$/g, '');
    if (/^\d+$/.test(unquoted)) return unquoted;
    const meta = await this.metadata(path);
    const md5Hex = meta.md5Hash !== undefined ? Buffer.from(meta.md5Hash, 'base64').toString('hex') : undefined;
    if (unquoted !== meta.etag && unquoted !== meta.md5Hash && unquoted !== md5Hex) {
      throw new FsError({ kind: 'ConditionNotMatch', message: `the object no longer has ETag ${unquoted}` });
    }
    return String(meta.generation);
  }

  // ---------------------------------------------------------------- metadata and listing (ObjectStoreFileSystem)

  /**
   * The parts of appends that never composed (`.name.<hex>.omnifs-append`, left by a
   * process killed in `close`), for `cleanup` (`omnifs gc`): what `ls` and `find` hide.
   */
  protected override async *_listUploads(path: string): AsyncGenerator<Debris> {
    const { bucket, key } = splitObjectPath(path);
    const buckets = bucket === '' ? (await this.listBuckets()).map((b) => b.name) : [bucket];
    for (const b of buckets) {
      const prefix = key === '' ? '' : `${key}/`;
      for await (const page of this.listPages(b, prefix)) {
        for (const { key: k, info } of page.objects) {
          if (!isTemporaryName(k)) continue;
          yield {
            kind: 'temporary',
            path: `${b}/${k}`,
            size: info.size,
            ...(info.mtime === undefined ? {} : { started: info.mtime }),
          };
        }
      }
    }
  }

  protected async *listPages(bucket: string, prefix: string, request: ListRequest = {}): AsyncGenerator<ObjectPage> {
    for await (const page of listPages(this.listContext, bucket, prefix, request)) {
      yield {
        objects: page.objects.map((meta) => ({ key: meta.name ?? '', info: objectInfo(bucket, meta) })),
        prefixes: page.prefixes,
      };
    }
  }

  protected listBuckets(): Promise<FileInfo[]> {
    return listBuckets(this.listContext);
  }

  protected async bucketInfo(bucket: string): Promise<FileInfo> {
    return bucketInfo(bucket, await bucketMetadata(this.readContext, bucket));
  }

  protected async objectInfo(bucket: string, key: string): Promise<FileInfo> {
    return objectInfo(bucket, await objectMetadata(this.readContext, bucket, key));
  }

  // ---------------------------------------------------------------- reading

  protected async *readRange(bucket: string, key: string, range: RangeRequest): AsyncGenerator<Uint8Array> {
    const generation = await this.pinnedGeneration(`${bucket}/${key}`, range.etag);
    yield* readObject(this.readContext, {
      bucket,
      key,
      start: range.start,
      end: range.end,
      generation,
      signal: range.signal,
    });
  }

  protected override async readRangeAll(bucket: string, key: string, range: RangeRequest): Promise<Uint8Array> {
    const generation = await this.pinnedGeneration(`${bucket}/${key}`, range.etag);
    const { start, end, signal } = range;
    return readObjectAll(this.readContext, { bucket, key, start, end, generation, signal });
  }

  protected override async readRangeInto(
    bucket: string,
    key: string,
    start: number,
    sink: BodySink,
    { signal, etag }: ReadOptions,
  ): Promise<number> {
    const generation = await this.pinnedGeneration(`${bucket}/${key}`, etag);
    return readObjectInto(this.readContext, { bucket, key, start, end: undefined, generation, signal }, sink);
  }

  // ---------------------------------------------------------------- writing

  protected async putObject(bucket: string, key: string, data: Uint8Array, options: PutOptions): Promise<void> {
    await uncancellable(putSingle(this.uploadContext(bucket, key, options), data));
  }

  protected openUpload(bucket: string, key: string, options: UploadOptions): Writer {
    return new GcsUploadWriter(this.uploadContext(bucket, key, options));
  }

  protected override async _writeId(path: string): Promise<string | undefined> {
    const meta = await this.metadata(path);
    const id = meta.metadata?.[WRITE_ID_KEY];
    return typeof id === 'string' ? id : undefined;
  }

  /**
   * `ab`: compose onto the existing object; a missing one is created; one with
   * {@link MAX_APPEND_COMPONENTS} components already is rewritten, old bytes streamed first.
   */
  protected override async openAppend(bucket: string, key: string, options: UploadOptions): Promise<Writer> {
    const ctx = this.uploadContext(bucket, key, options);
    const existing = await objectMetadata(this.readContext, bucket, key).then(
      (meta) => meta,
      (err: unknown) => {
        if (this.isMissing(err)) return undefined;
        throw err;
      },
    );
    if (existing === undefined) return new GcsUploadWriter(ctx);
    if (Number(existing.componentCount ?? 1) < MAX_APPEND_COMPONENTS) return new ComposeAppendWriter(ctx, existing);
    const writer = new GcsUploadWriter(ctx);
    try {
      for await (const chunk of this._readStream(`${bucket}/${key}`, 0, undefined, {
        etag: String(existing.generation),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      }))
        await writer.write(chunk);
    } catch (err) {
      await writer.abort();
      throw err;
    }
    return writer;
  }

  protected async deleteObject(bucket: string, key: string): Promise<void> {
    await deleteObject(this.readContext, bucket, key);
  }

  /** Batch requests of up to 100 deletes, `concurrency` at once. */
  protected override readonly deleteBatchSize = MAX_BATCH_DELETES;
  protected override get deleteConcurrency(): number {
    return this.settings.concurrency;
  }

  protected deleteBatch(bucket: string, keys: string[]): Promise<FailedDelete[]> {
    const { userProject, timeouts } = this.settings;
    return deleteBatch({ storage: this.storage, userProject, timeouts }, bucket, keys);
  }

  // ---------------------------------------------------------------- buckets

  protected async createBucket(bucket: string): Promise<void> {
    await this.storage.createBucket(bucket, this.payer);
  }

  protected async deleteBucket(bucket: string): Promise<void> {
    await this.bucket(bucket).delete();
  }

  // ---------------------------------------------------------------- copy, checksum and sign

  /** Server-side copy (objects.rewrite, repeated until done) of the generation planned. */
  protected override async _copy(src: string, dst: string, source: FileInfo): Promise<void> {
    await this.rewrite(src, dst, await this.pinnedGeneration(src, source.etag === '' ? undefined : source.etag));
  }

  /**
   * A new modification time without moving the bytes: a rewrite of the object onto
   * itself (a new generation, its metadata kept), only while it still has the generation
   * `info` saw, so a version written meanwhile is never replaced by the old one.
   */
  protected override async _touch(path: string, info: FileInfo): Promise<void> {
    const generation =
      info.etag !== undefined && /^\d+$/.test(info.etag) ? info.etag : String((await this.metadata(path)).generation);
    await this.rewrite(path, path, generation, generation);
  }

  /**
   * objects.rewrite of `src` (of `generation` where given) to `dst`, stopped between calls
   * when the signal aborts (see {@link rewriteObject}); a generation gone is `ConditionNotMatch`.
   */
  private async rewrite(
    src: string,
    dst: string,
    generation: string | undefined,
    ifGenerationMatch?: string,
  ): Promise<void> {
    const from = this.objectPath(src);
    try {
      await rewriteObject(this.readContext, { ...from, generation }, this.objectPath(dst), ifGenerationMatch);
    } catch (err) {
      if (generation === undefined || !this.isMissing(err)) throw err;
      // The generation planned is gone while the object is there: it was replaced (else the
      // 404 is of the source or of the target's bucket).
      const now = await this.infoOrUndefined(src);
      if (now === undefined || now.etag === generation) throw err;
      throw new FsError({ kind: 'ConditionNotMatch', message: `the object no longer has generation ${generation}` });
    }
  }

  /** The object's MD5 (hex) where GCS keeps one, else its CRC32C, else core's token; directories as core. */
  protected override checksumOf(info: FileInfo): string {
    if (typeof info.md5Hash === 'string') return Buffer.from(info.md5Hash, 'base64').toString('hex');
    if (typeof info.crc32c === 'string') return `crc32c:${Buffer.from(info.crc32c, 'base64').toString('hex')}`;
    return super.checksumOf(info);
  }

  protected override async _sign(path: string, options: { expiresIn: number; method: 'GET' | 'PUT' }): Promise<string> {
    if (!this.settings.canSign) {
      throw errors.unsupported(
        'signing a URL needs a service-account private key: give credentials { client_email, private_key } or keyFilename, ' +
          'or set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file (anonymous, token and other default-credential filesystems cannot sign)',
      );
    }
    checkV4Expiry(options.expiresIn);
    const [url] = await this.file(path).getSignedUrl({
      version: 'v4',
      action: options.method === 'PUT' ? 'write' : 'read',
      expires: Date.now() + options.expiresIn * 1000,
    });
    return url;
  }
}
