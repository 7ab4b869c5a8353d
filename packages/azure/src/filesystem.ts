/** The Azure Blob backend: containers as top-level directories, `/`-separated name prefixes as directories. */
import type { BlobClient, BlobServiceClient } from '@azure/storage-blob';
import { FsError, type FailedDelete, type FileInfo, type Timeouts, type Writer } from '@omnifs/core';
import {
  dirInfo,
  errors,
  failedDelete,
  MultipartWriter,
  ObjectStoreFileSystem,
  redactUrl,
  REMOTE_BATCH_SIZE,
  resolveTimeouts,
  type CapabilityFacts,
  type ListRequest,
  type ObjectPage,
  type PutOptions,
  type BodySink,
  type ReadOptions,
  type RangeRequest,
  type UploadOptions,
} from '@omnifs/core/backend';
import { LeanAzureClient, type LeanBlobProperties } from './client';
import { azureStatus, mapAzureError } from './errors';
import { blobInfo, listContainers, listPages, type ListContext } from './lister';
import { withTransport } from './transport';
import {
  accessOfClient,
  AZURE_OPTION_SCHEMA,
  createServiceClient,
  resolveSettings,
  serviceAccess,
  withEnvironment,
  type AzureBlobOptions,
  type ResolvedAzureSettings,
  type ServiceAccess,
} from './options';
import { blobSdk } from './sdk';
import { quotedEtag, readBlob, readBlobAll, readBlobInto, type LeanBlob } from './reader';
import { AZURE_WRITE_ID_KEY, AzureBlockTarget, openAppendWriter, type UploadContext } from './writer';

/** What authorises a filesystem, as its `sign` refusal names it. */
const AUTH_NAMES: Record<ResolvedAzureSettings['auth'], string> = {
  connectionString: 'a connection string without AccountKey',
  accountKey: 'the account key',
  sasToken: 'a SAS token',
  credential: 'a token credential',
  anonymous: 'nothing (anonymous)',
};

/** Said of a refused request that carried no credential. */
const UNSIGNED = 'the request carried no credential';
/** Where a credential is given, for refusals of anonymous requests. */
const NO_CREDENTIAL =
  'none was given; give connectionString, accountKey, sasToken or credential, or set ' +
  'AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_ACCOUNT_KEY or AZURE_STORAGE_SAS_TOKEN';

/** Most sub-requests one blob batch may carry. */
const MAX_BATCH = 256;
/** Connections the lean path keeps open per host. */
const LEAN_MAX_SOCKETS = 256;

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
  /** Read by the options when none names the account or its credentials. */
  static override environment: readonly string[] = [
    'AZURE_STORAGE_CONNECTION_STRING',
    'AZURE_STORAGE_ACCOUNT_NAME',
    'AZURE_STORAGE_ACCOUNT_KEY',
    'AZURE_STORAGE_SAS_TOKEN',
    'AZURE_STORAGE_ACCOUNT',
    'AZURE_STORAGE_KEY',
  ];
  /**
   * Shown as `***` by `omnifs config`, which shows a connection string with its
   * `AccountKey` and `SharedAccessSignature` as `***`.
   */
  static override secretEnvironment: readonly string[] = [
    'AZURE_STORAGE_ACCOUNT_KEY',
    'AZURE_STORAGE_KEY',
    'AZURE_STORAGE_SAS_TOKEN',
  ];

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

  private readonly settings: ResolvedAzureSettings;
  private readonly resolved: AzureBlobOptions;
  private readonly timeouts: Timeouts;
  /** The service's URL and credential, as the lean path and `sign` use them. */
  private readonly access: ServiceAccess;
  /** The lean request path of the hot operations, unless turned off (see `leanRequests`). */
  private readonly lean: LeanAzureClient | undefined;
  private sdkClient: BlobServiceClient | undefined;

  constructor(options: AzureBlobOptions = {}) {
    super(options);
    const resolved = withEnvironment(options);
    this.settings = resolveSettings(resolved);
    this.resolved = resolved;
    this.timeouts = resolveTimeouts(resolved);
    // A connection string is read by the SDK's own parser: its client is made now.
    this.access = serviceAccess(resolved) ?? accessOfClient(this.service);
    const pipeline = resolved.pipelineOptions;
    const timeouts = this.timeouts;
    this.lean =
      this.settings.lean && LeanAzureClient.serves(this.access)
        ? new LeanAzureClient(this.access, {
            timeouts,
            retry: pipeline?.retryOptions ?? {},
            maxSockets: LEAN_MAX_SOCKETS,
            userAgentPrefix: pipeline?.userAgentOptions?.userAgentPrefix,
            audience: pipeline?.audience,
          })
        : undefined;
  }

  /**
   * The SDK's client, for the requests the lean path does not send (and all of them with
   * `leanRequests: false`): made, and the SDK loaded, on first use.
   */
  get service(): BlobServiceClient {
    if (this.sdkClient === undefined) {
      this.sdkClient = withTransport(createServiceClient(this.resolved), this.timeouts);
    }
    return this.sdkClient;
  }

  /** Closes the lean path's pooled connections (only needed to let a process exit early; idle ones never hold it). */
  destroy(): void {
    this.lean?.destroy();
  }

  /** Native append by append blobs, exclusive create by `If-None-Match: *`; SAS needs the account key. */
  protected override capabilityFacts(): CapabilityFacts {
    const { partSize, concurrency, readConcurrency } = this.settings;
    const sign = this.access.sharedKey !== undefined;
    return {
      ...super.capabilityFacts(),
      append: true,
      exclusiveCreate: true,
      sign,
      partSize,
      concurrency,
      readConcurrency,
      batchSize: REMOTE_BATCH_SIZE,
    };
  }

  /**
   * `az://container/path`, `abfs[s]://container/path` and
   * `abfs[s]://container@account.dfs.core.windows.net/path` all name `container/path`.
   * A password before the `@` (`abfs://user:secret@account/...`) is `InvalidArgument`, the
   * URL shown without it: credentials belong in options, never in a path that is logged.
   */
  override normalize(path: unknown): string {
    if (typeof path === 'string') {
      const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/@]+)@[^/]*(\/.*)?$/s.exec(path);
      if (m && this.protocols.includes(m[1]!.toLowerCase())) {
        if (m[2]!.includes(':'))
          throw errors.invalid(
            `URL ${redactUrl(path)} has a password before '@': give credentials as options, not in the URL`,
          );
        path = `${m[1]}://${m[2]}${m[3] ?? ''}`;
      }
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
    const mapped = mapAzureError(err);
    // A refusal of requests that carried no credential: say so, and where one is given.
    if (this.settings.auth === 'anonymous' && mapped.kind === 'PermissionDenied' && !mapped.message.includes(UNSIGNED))
      mapped.message +=
        this.resolved.anon === true ? ` (${UNSIGNED}, as anon asks)` : ` (${UNSIGNED}: ${NO_CREDENTIAL})`;
    return mapped;
  }

  // ---------------------------------------------------------------- clients

  private get listContext(): ListContext {
    const service = (): BlobServiceClient => this.service;
    return {
      get service() {
        return service();
      },
      pageSize: this.settings.listPageSize,
      lean: this.lean,
    };
  }

  /** A 404 of any kind (the SDK's HEAD errors carry no code) is a missing blob or container. */
  protected override isMissing(err: unknown): boolean {
    return azureStatus(err) === 404 || super.isMissing(err);
  }

  private blobClient(path: string): BlobClient {
    const { bucket, key } = this.objectPath(path);
    return this.service.getContainerClient(bucket).getBlobClient(key);
  }

  private uploadContext(
    container: string,
    blob: string,
    options: PutOptions & { signal?: AbortSignal },
  ): UploadContext {
    const { mode, signal, writeId } = options;
    const service = (): BlobServiceClient => this.service;
    return {
      get blob() {
        return service().getContainerClient(container).getBlockBlobClient(blob);
      },
      lean: this.lean,
      container,
      name: blob,
      path: `${container}/${blob}`,
      mode,
      ...(signal ? { signal } : {}),
      ...(writeId ? { writeId } : {}),
    };
  }

  // ---------------------------------------------------------------- metadata and listing (ObjectStoreFileSystem)

  protected async *listPages(container: string, prefix: string, request: ListRequest = {}): AsyncGenerator<ObjectPage> {
    for await (const page of listPages(this.listContext, container, prefix, request)) {
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
    try {
      const props = await this.service.getContainerClient(container).getProperties();
      return dirInfo(container, props.lastModified);
    } catch (err) {
      // A SAS for the container (not the account) may list its blobs but not read its
      // properties: a listing of one blob says whether it is there (a missing one: NotFound).
      if (this.mapError(err).kind !== 'PermissionDenied') throw err;
      try {
        for await (const page of this.listPages(container, '', { limit: 1 })) void page;
      } catch (listing) {
        if (this.mapError(listing).kind === 'NotFound') throw listing;
        throw err;
      }
      return dirInfo(container);
    }
  }

  protected async objectInfo(container: string, blob: string, path: string): Promise<FileInfo> {
    const props = await this.blobProperties(container, blob);
    const info: FileInfo = { name: path, size: props.contentLength ?? 0, type: 'file' };
    if (props.lastModified !== undefined) info.mtime = props.lastModified;
    if (props.etag !== undefined) info.etag = props.etag;
    if (props.blobType !== undefined) info.blobType = props.blobType;
    if (props.contentType !== undefined) info.contentType = props.contentType;
    if (props.contentMD5 !== undefined) info.contentMD5 = props.contentMD5;
    if (props.accessTier !== undefined) info.accessTier = props.accessTier;
    return info;
  }

  /** Get Blob Properties, on the lean path when it is on. */
  private async blobProperties(container: string, blob: string): Promise<LeanBlobProperties> {
    if (this.lean !== undefined) return this.lean.properties(container, blob);
    const p = await this.service.getContainerClient(container).getBlobClient(blob).getProperties();
    return {
      ...(p.contentLength !== undefined ? { contentLength: p.contentLength } : {}),
      ...(p.lastModified !== undefined ? { lastModified: p.lastModified } : {}),
      ...(p.etag !== undefined ? { etag: p.etag } : {}),
      ...(p.blobType !== undefined ? { blobType: p.blobType } : {}),
      ...(p.contentType !== undefined ? { contentType: p.contentType } : {}),
      ...(p.contentMD5 !== undefined ? { contentMD5: Buffer.from(p.contentMD5).toString('base64') } : {}),
      ...(p.accessTier !== undefined ? { accessTier: p.accessTier } : {}),
      metadata: p.metadata ?? {},
    };
  }

  // ---------------------------------------------------------------- reading

  protected readRange(container: string, blob: string, range: RangeRequest): AsyncGenerator<Uint8Array> {
    return readBlob(this.blobSource(container, blob), range.start, range.end, range.signal, range.etag);
  }

  protected override readRangeAll(container: string, blob: string, range: RangeRequest): Promise<Uint8Array> {
    return readBlobAll(this.blobSource(container, blob), range.start, range.end, range.signal, range.etag);
  }

  /** A blob as the reader takes it: on the lean path, or the SDK's client. */
  private blobSource(container: string, blob: string): BlobClient | LeanBlob {
    return this.lean !== undefined
      ? { lean: this.lean, container, name: blob }
      : this.service.getContainerClient(container).getBlobClient(blob);
  }

  protected override async readRangeInto(
    container: string,
    blob: string,
    start: number,
    sink: BodySink,
    { signal, etag }: ReadOptions,
  ): Promise<number | undefined> {
    if (this.lean === undefined) return undefined;
    return readBlobInto({ lean: this.lean, container, name: blob }, start, sink, signal, etag);
  }

  // ---------------------------------------------------------------- writing

  protected async putObject(container: string, blob: string, data: Uint8Array, options: PutOptions): Promise<void> {
    await new AzureBlockTarget(this.uploadContext(container, blob, options)).putSingle(data);
  }

  protected openUpload(container: string, blob: string, options: UploadOptions): Writer {
    const target = new AzureBlockTarget(this.uploadContext(container, blob, options));
    return new MultipartWriter(target, { partSize: options.partSize, concurrency: this.settings.concurrency });
  }

  protected override openAppend(container: string, blob: string, options: UploadOptions): Promise<Writer> {
    const client = this.service.getContainerClient(container).getAppendBlobClient(blob);
    return openAppendWriter(client, `${container}/${blob}`, options.signal);
  }

  protected override async _writeId(path: string): Promise<string | undefined> {
    const { bucket, key } = this.objectPath(path);
    return (await this.blobProperties(bucket, key)).metadata[AZURE_WRITE_ID_KEY];
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

  protected async deleteObject(container: string, blob: string): Promise<void> {
    if (this.lean !== undefined) return this.lean.delete(container, blob);
    await this.service.getContainerClient(container).getBlobClient(blob).delete({ deleteSnapshots: 'include' });
  }

  /** Batch requests of up to 256 blobs, `concurrency` at once; blobs already gone count as deleted. */
  protected override readonly deleteBatchSize = MAX_BATCH;
  protected override get deleteConcurrency(): number {
    return this.settings.concurrency;
  }

  protected async deleteBatch(container: string, blobs: string[]): Promise<FailedDelete[]> {
    const answers =
      this.lean !== undefined
        ? await this.lean.deleteBatch(container, blobs)
        : await this.sdkDeleteBatch(container, blobs);
    const failed: FailedDelete[] = [];
    answers.forEach(({ status, code: given }, i) => {
      if (status < 300 || status === 404) return;
      const code = given ?? `HTTP ${status}`;
      const error = mapAzureError(Object.assign(new Error(code), { name: 'RestError', code, statusCode: status }));
      failed.push(failedDelete(`${container}/${blobs[i]!}`, code, error));
    });
    return failed;
  }

  /** A blob batch of deletes through the SDK: each sub-request's answer, in the order of `blobs`. */
  private async sdkDeleteBatch(
    container: string,
    blobs: string[],
  ): Promise<Array<{ status: number; code: string | undefined }>> {
    const containerClient = this.service.getContainerClient(container);
    const clients = blobs.map((b) => containerClient.getBlobClient(b));
    const placeOf = new Map(clients.map((c, i) => [c.url, i]));
    const res = await containerClient.getBlobBatchClient().deleteBlobs(clients, { deleteSnapshots: 'include' });
    const out = blobs.map(() => ({ status: 0, code: undefined as string | undefined }));
    for (const sub of res.subResponses) {
      const i = placeOf.get(sub._request.url);
      if (i !== undefined) out[i] = { status: sub.status, code: sub.errorCode };
    }
    // As on the lean path: a blob the answer says nothing of was not deleted.
    const missing = out.findIndex((a) => a.status === 0);
    if (missing >= 0) throw new Error(`a batch answer without the answer of sub-request ${missing}`);
    return out;
  }

  // ---------------------------------------------------------------- containers

  protected async createBucket(container: string): Promise<void> {
    await this.service.getContainerClient(container).create();
  }

  /** The service deletes a container with blobs in it: look first. */
  protected async deleteBucket(container: string): Promise<void> {
    for await (const page of this.listPages(container, '', { limit: 1 })) {
      if (page.objects.length > 0) throw errors.notEmpty(container);
    }
    await this.service.getContainerClient(container).delete();
  }

  // ---------------------------------------------------------------- copy and sign

  /**
   * Server-side Copy Blob within the account, conditional on the source's ETag so a source
   * replaced meanwhile fails the copy. The blob type is kept (an append blob stays one).
   */
  protected override async _copy(src: string, dst: string, source: FileInfo): Promise<void> {
    const etag = source.etag === '' ? undefined : quotedEtag(source.etag);
    const target = this.blobClient(dst);
    const poller = await target.beginCopyFromURL(this.blobClient(src).url, {
      ...(etag !== undefined ? { sourceConditions: { ifMatch: etag } } : {}),
      intervalInMs: 200,
    });
    const done = await poller.pollUntilDone();
    if (done.copyStatus !== undefined && done.copyStatus !== 'success') {
      throw new FsError({ kind: 'Unexpected', message: `copy ended with status ${done.copyStatus}` });
    }
  }

  protected override async _sign(path: string, options: { expiresIn: number; method: 'GET' | 'PUT' }): Promise<string> {
    if (this.access.sharedKey === undefined) {
      throw errors.unsupported(
        `SAS URLs are signed with the account key; this filesystem is authorised by ${AUTH_NAMES[this.settings.auth]}: give accountKey or a connection string with AccountKey`,
      );
    }
    return this.blobClient(path).generateSasUrl({
      permissions: blobSdk().BlobSASPermissions.parse(options.method === 'PUT' ? 'cw' : 'r'),
      startsOn: new Date(Date.now() - 5 * 60_000),
      expiresOn: new Date(Date.now() + options.expiresIn * 1000),
    });
  }
}
