/** The Azure Blob backend: containers as top-level directories, `/`-separated name prefixes as directories. */
import { BlobSASPermissions, StorageSharedKeyCredential, type BlobServiceClient } from '@azure/storage-blob';
import { FsError, type FileInfo, type Writer, type WriteMode } from '@omnifs/core';
import {
  dirInfo,
  errors,
  mapLimit,
  MultipartWriter,
  ObjectStoreFileSystem,
  pump,
  redactUrl,
  resolveTimeouts,
  splitObjectPath,
  type ObjectPage,
  type ReadOptions,
  type WriterOptions,
  type CapabilityFacts,
} from '@omnifs/core/backend';
import { azureErrorCode, azureStatus, mapAzureError } from './errors';
import { blobInfo, listContainers, listPages, type ListContext } from './lister';
import { applyTransport } from './transport';
import {
  AZURE_OPTION_SCHEMA,
  createServiceClient,
  resolveSettings,
  withEnvironment,
  type AzureBlobOptions,
  type ResolvedAzureSettings,
} from './options';
import { readBlob } from './reader';
import { AZURE_WRITE_ID_KEY, AzureBlockTarget, openAppendWriter, type UploadContext } from './writer';

/** A blob that could not be deleted by a batch request. */
export interface FailedDelete {
  path: string;
  code: string;
  status: number;
}

/** `rm` of many blobs where some failed: which ones, and why. */
export class AzureDeleteError extends FsError {
  constructor(
    readonly failed: FailedDelete[],
    total: number,
  ) {
    const first = failed[0]!;
    const shown = failed
      .slice(0, 5)
      .map((f) => `${f.path} (${f.code})`)
      .join(', ');
    super({
      kind: mapAzureError(
        Object.assign(new Error(first.code), { name: 'RestError', code: first.code, statusCode: first.status }),
      ).kind,
      message: `could not delete ${failed.length} of ${total} blobs: ${shown}${failed.length > 5 ? ', …' : ''}`,
      path: first.path,
      temporary: failed.every((f) => f.status >= 500 || f.status === 429),
    });
  }
}

/** Most sub-requests one blob batch may carry. */
const MAX_BATCH = 256;

/** `container/blob/name` → `{ container, blob }`. */
function splitPath(path: string): { container: string; blob: string } {
  const { bucket, key } = splitObjectPath(path);
  return { container: bucket, blob: key };
}

const isNotFound = (err: unknown): boolean => azureStatus(err) === 404 || mapAzureError(err).kind === 'NotFound';

/**
 * Azure Blob Storage (and Azurite).
 *
 * Behaviour:
 * - paths are `container/blob`; `''` lists the containers; a container is created by
 *   `mkdir`/`makedirs('container')` and removed, when empty, by `rmdir`;
 * - a name prefix with blobs below it is a directory; `makedirs` of one is a no-op;
 * - small writes are one Put Blob; streamed and large ones stage blocks of `partSize`
 *   bytes, `concurrency` at once, committed on close (nothing is committed on abort);
 * - `mode: 'create'` / `xb` send `If-None-Match: *`;
 * - `ab` appends natively to an append blob (a missing blob becomes one; a block blob is
 *   converted first, keeping its content);
 * - reads are ranged Get Blob requests, pinned to an ETag where asked; `get` downloads
 *   large blobs in `concurrency` parallel ranges;
 * - `cp` is a server-side Copy Blob; `rm` of many blobs uses batch requests of 256;
 * - `sign` makes SAS URLs when the account key is known.
 */
export class AzureBlobFileSystem extends ObjectStoreFileSystem {
  static override protocols: readonly string[] = ['az', 'abfs', 'abfss', 'azure'];
  /** The options it takes (see {@link AzureBlobOptions}). */
  static override optionSchema = AZURE_OPTION_SCHEMA;

  /**
   * Options a URL implies: the account of `abfs[s]://container@account.dfs.core.windows.net/path`
   * (and the cloud's DNS suffix when it is not the public one). Explicit options win.
   */
  static optionsFromUrl(url: string): Record<string, unknown> {
    const m = /^[a-z]+:\/\/[^/@]+@([a-z0-9]+)\.(?:dfs|blob)\.([^/:]+)/i.exec(url);
    if (!m) return {};
    const suffix = m[2]!.toLowerCase();
    return { accountName: m[1]!.toLowerCase(), ...(suffix !== 'core.windows.net' ? { endpointSuffix: suffix } : {}) };
  }

  /** The SDK client every request goes through. */
  readonly service: BlobServiceClient;

  private readonly settings: ResolvedAzureSettings;

  constructor(options: AzureBlobOptions = {}) {
    super(options);
    const resolved = withEnvironment(options);
    this.settings = resolveSettings(resolved);
    this.service = createServiceClient(resolved);
    applyTransport(this.service, resolveTimeouts(resolved));
  }

  /** Native append by append blobs, exclusive create by `If-None-Match: *`; SAS needs the account key. */
  protected override capabilityFacts(): CapabilityFacts {
    const { partSize, concurrency } = this.settings;
    const sign = this.service.credential instanceof StorageSharedKeyCredential;
    return { ...super.capabilityFacts(), append: true, exclusiveCreate: true, sign, partSize, concurrency };
  }

  /**
   * `az://container/path`, `abfs[s]://container/path` and
   * `abfs[s]://container@account.dfs.core.windows.net/path` all name `container/path`.
   */
  override normalize(path: unknown): string {
    if (typeof path === 'string') {
      const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/@]+)@[^/]*(\/.*)?$/s.exec(path);
      if (m && this.protocols.includes(m[1]!.toLowerCase())) path = `${m[1]}://${m[2]}${m[3] ?? ''}`;
    }
    return super.normalize(path);
  }

  /** Protocol and options, secrets (keys, SAS, connection strings, SAS in URLs) redacted. */
  override toJSON(): { protocol: string; options: unknown } {
    const json = super.toJSON();
    const options = { ...(json.options as Record<string, unknown>) };
    for (const k of ['accountUrl', 'endpoint']) if (typeof options[k] === 'string') options[k] = redactUrl(options[k]);
    return { ...json, options };
  }

  protected override mapError(err: unknown): FsError {
    return mapAzureError(err);
  }

  // ---------------------------------------------------------------- clients

  private get listContext(): ListContext {
    return { service: this.service, pageSize: this.settings.listPageSize };
  }

  /** Container and blob name of a path that must name a blob. */
  private objectPath(path: string): { container: string; blob: string } {
    const parts = splitPath(path);
    if (parts.container === '') throw errors.invalid('the root is not a file; paths are container/blob', path);
    if (parts.blob === '') throw errors.isADirectory(path);
    return parts;
  }

  private blobClient(path: string): ReturnType<ReturnType<BlobServiceClient['getContainerClient']>['getBlobClient']> {
    const { container, blob } = this.objectPath(path);
    return this.service.getContainerClient(container).getBlobClient(blob);
  }

  private uploadContext(path: string, mode: WriteMode, signal?: AbortSignal, writeId?: string): UploadContext {
    return {
      blob: this.blobClient(path).getBlockBlobClient(),
      path,
      mode,
      ...(signal ? { signal } : {}),
      ...(writeId ? { writeId } : {}),
    };
  }

  // ---------------------------------------------------------------- metadata and listing (ObjectStoreFileSystem)

  protected async *listPages(
    container: string,
    prefix: string,
    delimiter: boolean,
    limit?: number,
  ): AsyncGenerator<ObjectPage> {
    for await (const page of listPages(this.listContext, container, prefix, delimiter, limit)) {
      yield {
        objects: page.blobs.map((b) => ({ key: b.name, info: blobInfo(container, b) })),
        prefixes: page.prefixes,
      };
    }
  }

  protected listBuckets(): Promise<FileInfo[]> {
    return listContainers(this.listContext);
  }

  protected async bucketInfo(container: string): Promise<FileInfo> {
    const props = await this.service.getContainerClient(container).getProperties();
    return dirInfo(container, props.lastModified);
  }

  protected async objectInfo(container: string, blob: string, path: string): Promise<FileInfo> {
    const props = await this.service.getContainerClient(container).getBlobClient(blob).getProperties();
    const info: FileInfo = { name: path, size: props.contentLength ?? 0, type: 'file' };
    if (props.lastModified !== undefined) info.mtime = props.lastModified;
    if (props.etag !== undefined) info.etag = props.etag;
    if (props.blobType !== undefined) info.blobType = props.blobType;
    if (props.contentType !== undefined) info.contentType = props.contentType;
    if (props.contentMD5 !== undefined) info.contentMD5 = Buffer.from(props.contentMD5).toString('base64');
    if (props.accessTier !== undefined) info.accessTier = props.accessTier;
    return info;
  }

  // ---------------------------------------------------------------- reading

  protected override _readStream(
    path: string,
    start: number,
    end: number | undefined,
    options: ReadOptions = {},
  ): AsyncGenerator<Uint8Array> {
    return readBlob(this.blobClient(path), start, end, options.signal, options.etag);
  }

  // ---------------------------------------------------------------- writing

  private blockWriter(
    path: string,
    mode: WriteMode,
    partSize: number,
    signal?: AbortSignal,
    writeId?: string,
  ): MultipartWriter<string> {
    const target = new AzureBlockTarget(this.uploadContext(path, mode, signal, writeId));
    return new MultipartWriter(target, { partSize, concurrency: this.settings.concurrency });
  }

  /** One Put Blob up to `partSize` bytes, staged blocks above (the writer decides on close). */
  protected async _write(
    path: string,
    data: Uint8Array,
    mode: WriteMode,
    options: { writeId?: string } = {},
  ): Promise<void> {
    await pump(
      (async function* () {
        yield data;
      })(),
      this.blockWriter(path, mode, this.settings.partSize, undefined, options.writeId),
    );
  }

  protected override async _writeId(path: string): Promise<string | undefined> {
    return (await this.blobClient(path).getProperties()).metadata?.[AZURE_WRITE_ID_KEY];
  }

  protected override async _openWriter(path: string, options: WriterOptions): Promise<Writer> {
    const client = this.blobClient(path);
    if (options.append) return openAppendWriter(client.getAppendBlobClient(), path, options.signal);
    if (options.mode === 'create') {
      // Fail fast; the If-None-Match of the committing request still decides.
      const exists = await client.getProperties().then(
        () => true,
        (err: unknown) => {
          if (isNotFound(err)) return false;
          throw err;
        },
      );
      if (exists) throw errors.alreadyExists(path);
    }
    return this.blockWriter(
      path,
      options.mode,
      options.partSize ?? this.settings.partSize,
      options.signal,
      options.writeId,
    );
  }

  /**
   * A new modification time without rewriting the content: Set Blob Metadata with the
   * blob's own metadata (conditional on its ETag). The blob type is kept.
   */
  protected override async _touch(path: string): Promise<void> {
    const client = this.blobClient(path);
    const props = await client.getProperties();
    await client.setMetadata(
      props.metadata ?? {},
      props.etag !== undefined ? { conditions: { ifMatch: props.etag } } : {},
    );
  }

  protected async _rm(path: string): Promise<void> {
    const { container, blob } = this.objectPath(path);
    try {
      await this.blobClient(path).delete({ deleteSnapshots: 'include' });
    } catch (err) {
      if (!isNotFound(err) || azureErrorCode(err) === 'ContainerNotFound') throw err;
      if (await this.prefixExists(container, blob)) throw errors.isADirectory(path);
      throw errors.notFound(path);
    }
  }

  /**
   * Deletes blobs with batch requests, 256 per request, containers in turn. Blobs already
   * gone count as deleted; the others the service refused are reported together in one
   * {@link AzureDeleteError}.
   */
  protected override async _rmMany(paths: string[]): Promise<void> {
    const byContainer = new Map<string, string[]>();
    for (const p of paths) {
      const { container, blob } = this.objectPath(p);
      byContainer.set(container, [...(byContainer.get(container) ?? []), blob]);
    }
    const failed: FailedDelete[] = [];
    for (const [container, blobs] of byContainer) {
      const containerClient = this.service.getContainerClient(container);
      const batches: string[][] = [];
      for (let i = 0; i < blobs.length; i += MAX_BATCH) batches.push(blobs.slice(i, i + MAX_BATCH));
      await mapLimit(batches, this.settings.concurrency, async (batch) => {
        const clients = batch.map((b) => containerClient.getBlobClient(b));
        const nameOf = new Map(clients.map((c, i) => [c.url, batch[i]!]));
        const res = await containerClient.getBlobBatchClient().deleteBlobs(clients, { deleteSnapshots: 'include' });
        for (const sub of res.subResponses) {
          if (sub.status < 300 || sub.status === 404) continue;
          failed.push({
            path: `${container}/${nameOf.get(sub._request.url) ?? '?'}`,
            code: sub.errorCode ?? `HTTP ${sub.status}`,
            status: sub.status,
          });
        }
      });
    }
    if (failed.length > 0) throw new AzureDeleteError(failed, paths.length);
  }

  // ---------------------------------------------------------------- directories

  /** Creates a container (`container`), or for `container/prefix` the container if missing; prefixes need nothing. */
  protected override async _mkdir(path: string, parents: boolean): Promise<void> {
    const { container, blob } = splitPath(path);
    if (container === '') throw errors.alreadyExists(path);
    const client = this.service.getContainerClient(container);
    const exists = await client.getProperties().then(
      () => true,
      (err: unknown) => {
        if (isNotFound(err)) return false;
        throw err;
      },
    );
    if (exists) {
      if (blob === '') throw errors.alreadyExists(path);
      return;
    }
    if (blob !== '' && !parents) throw errors.notFound(container);
    await client.create();
  }

  /** Deletes an empty container, or the marker blob of an empty virtual directory. */
  protected override async _rmdir(path: string): Promise<void> {
    const { container, blob } = splitPath(path);
    if (container === '') throw new FsError({ kind: 'PermissionDenied', message: 'the root cannot be removed' });
    if (blob === '') {
      // The service deletes non-empty containers: look first.
      for await (const page of this.listPages(container, '', false, 1)) {
        if (page.objects.length > 0) throw errors.notEmpty(path);
      }
      await this.service.getContainerClient(container).delete();
      return;
    }
    for await (const page of this.listPages(container, `${blob}/`, false, 2)) {
      if (page.objects.some((o) => o.key !== `${blob}/`)) throw errors.notEmpty(path);
    }
    await this.service.getContainerClient(container).getBlobClient(`${blob}/`).deleteIfExists();
  }

  // ---------------------------------------------------------------- copy and sign

  /**
   * Server-side Copy Blob within the account, conditional on the source's ETag so a source
   * replaced meanwhile fails the copy. The blob type is kept (an append blob stays one).
   */
  protected override async _copy(src: string, dst: string): Promise<void> {
    const source = this.blobClient(src);
    const props = await source.getProperties();
    const target = this.blobClient(dst);
    const poller = await target.beginCopyFromURL(source.url, {
      ...(props.etag !== undefined ? { sourceConditions: { ifMatch: props.etag } } : {}),
      intervalInMs: 200,
    });
    const done = await poller.pollUntilDone();
    if (done.copyStatus !== undefined && done.copyStatus !== 'success') {
      throw new FsError({ kind: 'Unexpected', message: `copy ended with status ${done.copyStatus}` });
    }
  }

  protected override async _sign(path: string, options: { expiresIn: number; method: 'GET' | 'PUT' }): Promise<string> {
    if (!(this.service.credential instanceof StorageSharedKeyCredential)) {
      throw errors.unsupported(
        `SAS URLs are signed with the account key; this filesystem is authorised by ${this.settings.auth === 'anonymous' ? 'nothing (anonymous)' : this.settings.auth}: give accountKey or a connection string with AccountKey`,
      );
    }
    return this.blobClient(path).generateSasUrl({
      permissions: BlobSASPermissions.parse(options.method === 'PUT' ? 'cw' : 'r'),
      startsOn: new Date(Date.now() - 5 * 60_000),
      expiresOn: new Date(Date.now() + options.expiresIn * 1000),
    });
  }
}
