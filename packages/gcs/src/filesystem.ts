/** The GCS backend: buckets as top-level directories, object-name prefixes as directories. */
import type { Bucket, File, Storage } from '@google-cloud/storage';
import {
  abortable,
  currentSignal,
  WRITE_ID_KEY,
  errors,
  FsError,
  mapLimit,
  ObjectStoreFileSystem,
  splitObjectPath,
  type Capabilities,
  type ObjectPage,
  type FileInfo,
  type ReadOptions,
  type Writer,
  type WriterOptions,
  type WriteMode,
} from '@omnifs/core';
import { mapGcsError } from './errors';

/**
 * A call of the SDK's JSON API, which takes no signal: the operation stops waiting for it
 * when its signal aborts (the request itself runs on until `requestTimeout`).
 */
function uncancellable<T>(call: Promise<T>): Promise<T> {
  const signal = currentSignal();
  return signal === undefined ? call : abortable(call, signal, 0);
}
import { bucketInfo, listBuckets, listPages, objectInfo, type ListContext } from './lister';
import {
  createStorage,
  GCS_CHUNK_UNIT,
  GCS_OPTION_SCHEMA,
  resolveSettings,
  type GCSOptions,
  type ResolvedGCSSettings,
} from './options';
import { readObject, type ReadContext } from './reader';
import { ComposeAppendWriter, GcsUploadWriter, MAX_APPEND_COMPONENTS, putSingle, type UploadContext } from './writer';

/** An object that could not be deleted. */
export interface FailedDelete {
  path: string;
  /** The FsError kind the failure maps to. */
  kind: string;
  message: string;
}

/** `rm` of many objects where some failed: which ones, and why. */
export class GCSDeleteError extends FsError {
  constructor(
    readonly failed: FailedDelete[],
    total: number,
  ) {
    const first = failed[0]!;
    const shown = failed
      .slice(0, 5)
      .map((f) => `${f.path} (${f.kind})`)
      .join(', ');
    super({
      kind: first.kind as FsError['kind'],
      message: `could not delete ${failed.length} of ${total} objects: ${shown}${failed.length > 5 ? ', …' : ''}`,
      path: first.path,
      temporary: failed.every((f) => f.kind === 'RateLimited' || f.kind === 'Unexpected'),
    });
  }
}

const kindOf = (err: unknown): string => mapGcsError(err).kind;

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
 * - `cp` is a server-side rewrite; `rm` of many objects deletes `concurrency` x 4 at once;
 * - `sign` gives V4 signed URLs when a service-account key is configured.
 */
export class GCSFileSystem extends ObjectStoreFileSystem {
  static override protocols: readonly string[] = ['gs', 'gcs'];
  /** The options it takes (see {@link GCSOptions}). */
  static override optionSchema = GCS_OPTION_SCHEMA;

  override readonly capabilities: Capabilities;

  /** The SDK client every request goes through. */
  readonly storage: Storage;

  private readonly settings: ResolvedGCSSettings;

  constructor(options: GCSOptions = {}) {
    super(options);
    this.settings = resolveSettings(options);
    this.storage = createStorage(options);
    this.capabilities = {
      realDirectories: false,
      append: true,
      exclusiveCreate: true,
      copy: true,
      rangedRead: true,
      sign: this.settings.canSign,
      mtime: true,
      flatListing: true,
      partSize: this.settings.partSize,
      concurrency: this.settings.concurrency,
    };
  }

  protected override mapError(err: unknown): FsError {
    return mapGcsError(err);
  }

  // ---------------------------------------------------------------- request contexts

  private get listContext(): ListContext {
    return { storage: this.storage, userProject: this.settings.userProject, pageSize: this.settings.listPageSize };
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

  /** The object a path names; the root and buckets are not objects. */
  private file(path: string): File {
    const { bucket, key } = splitObjectPath(path);
    if (bucket === '') throw errors.invalid('the root is not a file; paths are bucket/name', path);
    if (key === '') throw errors.isADirectory(path);
    return this.bucket(bucket).file(key);
  }

  private uploadContext(
    path: string,
    mode: WriteMode,
    partSize: number,
    signal?: AbortSignal,
    writeId?: string,
  ): UploadContext {
    const tagged = writeId === undefined ? {} : { metadata: { metadata: { [WRITE_ID_KEY]: writeId } } };
    return {
      storage: this.storage,
      file: this.file(path),
      mode,
      partSize,
      userProject: this.settings.userProject,
      signal,
      ...tagged,
    };
  }

  private async bucketExists(bucket: string): Promise<boolean> {
    return this.bucket(bucket)
      .getMetadata()
      .then(
        () => true,
        (err: unknown) => {
          if (kindOf(err) === 'NotFound') return false;
          throw err;
        },
      );
  }

  /**
   * The generation a read given `etag` must have: `etag` itself when it is a generation
   * (what `info` gives), else the current one if the object's GCS ETag or MD5 is `etag`.
   */
  private async pinnedGeneration(path: string, etag: string | undefined): Promise<string | undefined> {
    if (etag === undefined) return undefined;
    const unquoted = etag.replace(/^"|"$/g, '');
    if (/^\d+$/.test(unquoted)) return unquoted;
    const [meta] = await uncancellable(this.file(path).getMetadata());
    const md5Hex = meta.md5Hash !== undefined ? Buffer.from(meta.md5Hash, 'base64').toString('hex') : undefined;
    if (unquoted !== meta.etag && unquoted !== meta.md5Hash && unquoted !== md5Hex) {
      throw new FsError({ kind: 'ConditionNotMatch', message: `the object no longer has ETag ${unquoted}` });
    }
    return String(meta.generation);
  }

  // ---------------------------------------------------------------- metadata and listing (ObjectStoreFileSystem)

  protected async *listPages(
    bucket: string,
    prefix: string,
    delimiter: boolean,
    limit?: number,
  ): AsyncGenerator<ObjectPage> {
    const pages = listPages(this.listContext, bucket, prefix, delimiter, limit);
    for (;;) {
      const next = await uncancellable(pages.next());
      if (next.done === true) return;
      const page = next.value;
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
    const b = this.bucket(bucket);
    await uncancellable(b.getMetadata());
    return bucketInfo(b);
  }

  protected async objectInfo(bucket: string, key: string): Promise<FileInfo> {
    const [meta] = await uncancellable(this.bucket(bucket).file(key).getMetadata());
    return objectInfo(bucket, meta);
  }

  // ---------------------------------------------------------------- reading

  protected override async *_readStream(
    path: string,
    start: number,
    end: number | undefined,
    options: ReadOptions = {},
  ): AsyncGenerator<Uint8Array> {
    const { bucket, key } = splitObjectPath(path);
    this.file(path);
    const generation = await this.pinnedGeneration(path, options.etag);
    yield* readObject(this.readContext, { bucket, key, start, end, generation, signal: options.signal });
  }

  // ---------------------------------------------------------------- writing

  protected async _write(
    path: string,
    data: Uint8Array,
    mode: WriteMode,
    options: { writeId?: string } = {},
  ): Promise<void> {
    const ctx = this.uploadContext(path, mode, this.settings.partSize, undefined, options.writeId);
    if (data.byteLength <= this.settings.partSize) {
      await uncancellable(putSingle(ctx, data));
      return;
    }
    const writer = new GcsUploadWriter(ctx);
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
    const file = this.file(path);
    if (options.mode === 'create' && (await uncancellable(file.exists()))[0]) throw errors.alreadyExists(path); // fail fast; the upload's precondition still decides
    const ctx = this.uploadContext(
      path,
      options.mode,
      chunkSizeFor(options.partSize) ?? this.settings.partSize,
      options.signal,
      options.writeId,
    );
    return options.append ? this.appendWriter(path, ctx) : new GcsUploadWriter(ctx);
  }

  protected override async _writeId(path: string): Promise<string | undefined> {
    const [meta] = await this.file(path).getMetadata(this.payer);
    const id = meta.metadata?.[WRITE_ID_KEY];
    return typeof id === 'string' ? id : undefined;
  }

  /**
   * `ab`: compose onto the existing object; a missing one is created; one with
   * {@link MAX_APPEND_COMPONENTS} components already is rewritten, old bytes streamed first.
   */
  private async appendWriter(path: string, ctx: UploadContext): Promise<Writer> {
    const existing = await ctx.file.getMetadata().then(
      ([meta]) => meta,
      (err: unknown) => {
        if (kindOf(err) === 'NotFound') return undefined;
        throw err;
      },
    );
    if (existing === undefined) return new GcsUploadWriter(ctx);
    if (Number(existing.componentCount ?? 1) < MAX_APPEND_COMPONENTS) return new ComposeAppendWriter(ctx, existing);
    const writer = new GcsUploadWriter(ctx);
    try {
      for await (const chunk of this._readStream(path, 0, undefined, {
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

  protected async _rm(path: string): Promise<void> {
    const file = this.file(path);
    try {
      await uncancellable(file.delete());
    } catch (err) {
      if (kindOf(err) !== 'NotFound') throw err;
      const { bucket, key } = splitObjectPath(path);
      if (await this.prefixExists(bucket, key)) throw errors.isADirectory(path);
      throw errors.notFound(path);
    }
  }

  /**
   * Deletes objects one request each (the SDK has no batch delete), `concurrency` x 4 at
   * once. Every object is tried; those that could not be deleted (a missing one counts as
   * deleted) are reported together in one {@link GCSDeleteError}.
   */
  protected override async _rmMany(paths: string[]): Promise<void> {
    const failed: FailedDelete[] = [];
    await mapLimit(paths, this.settings.concurrency * 4, async (p) => {
      try {
        await uncancellable(this.file(p).delete({ ignoreNotFound: true }));
      } catch (err) {
        const e = mapGcsError(err);
        failed.push({ path: p, kind: e.kind, message: e.message });
      }
    });
    if (failed.length > 0) throw new GCSDeleteError(failed, paths.length);
  }

  // ---------------------------------------------------------------- directories

  /** Creates a bucket (`bucket`), or for `bucket/prefix` the bucket if missing; prefixes need nothing. */
  protected override async _mkdir(path: string, parents: boolean): Promise<void> {
    const { bucket, key } = splitObjectPath(path);
    if (bucket === '') throw errors.alreadyExists(path);
    if (await this.bucketExists(bucket)) {
      if (key === '') throw errors.alreadyExists(path);
      return;
    }
    if (key !== '' && !parents) throw errors.notFound(bucket);
    await this.storage.createBucket(bucket, this.payer);
  }

  /** Deletes an empty bucket, or the placeholder object of an empty prefix. */
  protected override async _rmdir(path: string): Promise<void> {
    const { bucket, key } = splitObjectPath(path);
    if (bucket === '') throw new FsError({ kind: 'PermissionDenied', message: 'the root cannot be removed' });
    if (key === '') {
      await this.bucket(bucket).delete();
      return;
    }
    for await (const page of this.listPages(bucket, `${key}/`, false, 2)) {
      if (page.objects.some((o) => o.key !== `${key}/`)) throw errors.notEmpty(path);
    }
    await this.bucket(bucket).file(`${key}/`).delete({ ignoreNotFound: true });
  }

  // ---------------------------------------------------------------- copy, checksum and sign

  /** Server-side copy (objects.rewrite, repeated by the SDK until done). */
  protected override async _copy(src: string, dst: string): Promise<void> {
    await uncancellable(this.file(src).copy(this.file(dst), this.payer));
  }

  /** The object's MD5 (hex) where GCS keeps one, else its CRC32C, else core's token; directories as core. */
  override async checksum(path: string): Promise<string> {
    const info = await this.info(path);
    if (typeof info.md5Hash === 'string') return Buffer.from(info.md5Hash, 'base64').toString('hex');
    if (typeof info.crc32c === 'string') return `crc32c:${Buffer.from(info.crc32c, 'base64').toString('hex')}`;
    return super.checksum(path);
  }

  protected override async _sign(path: string, options: { expiresIn: number; method: 'GET' | 'PUT' }): Promise<string> {
    if (!this.settings.canSign) {
      throw errors.unsupported(
        'signing a URL needs a service-account private key: give credentials { client_email, private_key } or keyFilename (anonymous, token and default-credential filesystems cannot sign)',
      );
    }
    if (options.expiresIn > 7 * 24 * 3600) throw errors.invalid('V4 signed URLs last at most 7 days (604800 seconds)');
    const [url] = await this.file(path).getSignedUrl({
      version: 'v4',
      action: options.method === 'PUT' ? 'write' : 'read',
      expires: Date.now() + options.expiresIn * 1000,
    });
    return url;
  }
}
