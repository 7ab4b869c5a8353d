/**
 * The lean request path: S3's hot operations (GET, HEAD, PUT, DELETE, ListObjectsV2,
 * DeleteObjects, UploadPart) built and sent directly, without the SDK's middleware stack.
 * What must behave as the SDK does is taken from the S3Client itself: its credential and
 * region providers, its endpoint rules (path style, FIPS, dual-stack, custom endpoints),
 * its clock offset and its retry strategy. Requests are signed with SigV4 as the SDK's
 * signer signs them (see sigv4.ts) and go over core's HTTP/1.1 connection pool
 * (`Http1Pool`) with omnifs's timeouts; failures are shaped like the SDK's errors, so
 * {@link mapS3Error} maps them identically.
 */
import type { CompletedPart, S3Client, HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import { XmlText } from '@aws-sdk/xml-builder';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, RetryStrategyV2 } from '@smithy/types';
import { createHash } from 'node:crypto';
import { channel } from 'node:diagnostics_channel';
import { type Timeouts } from '@omnifs/core';
import {
  bytesBody,
  checkPinnedHeaders,
  checkRangeHeaders,
  errors,
  Http1Pool,
  rangedSink,
  type BodySink,
  type Http1Options,
  type PageAnswer,
} from '@omnifs/core/backend';
import { crc32Base64 } from './checksum';
import { escapeKey, send, serviceError, withRetries, writeHeaders, type LeanRequest, type LeanResponse } from './http';
import type { S3ReadParams, S3WriteParams, UploadParams } from './options';
import { SigV4Signer } from './sigv4';
import { scanDeleteErrors, scanListPage, type DeleteFailure, type ListPage } from './xml';

/**
 * Where each lean request is announced (`{ client, command }`, the S3Client and the SDK's
 * name of the command), so request counts can be observed as with the SDK's middleware.
 */
export const LEAN_REQUEST_CHANNEL = channel('omnifs:s3:lean-request');

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** One bucket's address and signing region, as the SDK's endpoint rules resolve it. */
interface BucketTarget {
  protocol: string;
  hostname: string;
  port: number | undefined;
  /** The `host` header: the hostname (bracketed when IPv6) and the port unless it is the scheme's. */
  host: string;
  /** The path of the bucket (`/bucket` in path style, '' for virtual hosts). */
  base: string;
  region: string;
}

/** A GET's body: a stream, or bytes that came whole with the answer's head. */
export type LeanBody = AsyncIterable<Uint8Array> & { destroy(): void };

/** A GET's answer, shaped as far as the reader uses GetObject's. */
export interface LeanGetOutput {
  Body: LeanBody;
  /** The body, where it came whole with the head (then `Body` yields it). */
  bytes?: Buffer | undefined;
  ContentRange?: string;
  ContentLength?: number;
  ContentEncoding?: string;
  ETag?: string;
  $metadata: { httpStatusCode: number };
}

/** What the lean client needs besides the S3Client. */
export interface LeanS3Options {
  timeouts: Timeouts;
  anon: boolean;
  requesterPays: boolean;
  readParams: S3ReadParams;
  writeParams: S3WriteParams;
  /** Connections kept per host. */
  maxSockets: number;
}

/**
 * True when the lean path can send what these parameters ask for; SSE-C keys and checksum
 * algorithms other than CRC32 are left to the SDK.
 */
export function leanSupports(readParams: S3ReadParams, writeParams: S3WriteParams): boolean {
  const algorithm = writeParams.ChecksumAlgorithm;
  return (
    readParams.SSECustomerKey === undefined &&
    writeParams.SSECustomerKey === undefined &&
    (algorithm === undefined || algorithm === 'CRC32')
  );
}

/** One operation's request before it is addressed and signed. */
interface Operation {
  method: string;
  key: string;
  query?: Record<string, string>;
  headers: Record<string, string>;
  body?: Uint8Array;
  /** Resolve with the body as a stream (GetObject) instead of read in full. */
  stream?: boolean;
  /** Where a 2xx body goes, decided once the answer's head has come (see `Http1Options.sink`). */
  sink?: Http1Options['sink'];
  /** Checks a 2xx answer read in full; throws (and the attempt fails) when it carries an error. */
  check?: (res: LeanResponse) => void;
}

/** HeadObject's answer headers kept as text, and the SDK's name of each (what a touch sends back). */
const HEAD_TEXT_FIELDS: ReadonlyArray<[string, string]> = [
  ['content-type', 'ContentType'],
  ['content-encoding', 'ContentEncoding'],
  ['content-disposition', 'ContentDisposition'],
  ['content-language', 'ContentLanguage'],
  ['cache-control', 'CacheControl'],
  ['x-amz-version-id', 'VersionId'],
  ['x-amz-storage-class', 'StorageClass'],
  ['x-amz-website-redirect-location', 'WebsiteRedirectLocation'],
  ['x-amz-server-side-encryption', 'ServerSideEncryption'],
  ['x-amz-server-side-encryption-aws-kms-key-id', 'SSEKMSKeyId'],
];

/**
 * An S3Client's hot operations without its middleware. Every method fails like the SDK's
 * command would (same error names, codes, statuses and metadata), after the same retries.
 */
export class LeanS3Client {
  private readonly signer: SigV4Signer | undefined;
  private readonly targets = new Map<string, Promise<BucketTarget | undefined>>();
  /** The targets resolved so far: a request to a known bucket waits for nothing before it is signed. */
  private readonly resolved = new Map<string, BucketTarget | undefined>();
  private readonly regions = new Map<string, string>();
  private readonly pool: Http1Pool;
  private crcOnPut: Promise<boolean> | undefined;

  constructor(
    /** The client whose credentials, region, endpoint and retries are used. */
    readonly client: S3Client,
    private readonly options: LeanS3Options,
  ) {
    const config = client.config;
    const credentials = config.credentials as AwsCredentialIdentityProvider | AwsCredentialIdentity;
    this.signer = options.anon
      ? undefined
      : new SigV4Signer('s3', typeof credentials === 'function' ? credentials : () => Promise.resolve(credentials));
    this.pool = new Http1Pool({ maxSockets: options.maxSockets });
  }

  /** Closes the pooled connections. */
  destroy(): void {
    this.pool.destroy();
  }

  /** This client when requests to the bucket can go the lean way (plain SigV4, no ARN), else undefined. */
  forBucket(bucket: string): Promise<LeanS3Client | undefined> {
    if (this.resolved.has(bucket)) return Promise.resolve(this.resolved.get(bucket) !== undefined ? this : undefined);
    return this.target(bucket).then((t) => (t !== undefined ? this : undefined));
  }

  private target(bucket: string): Promise<BucketTarget | undefined> {
    let t = this.targets.get(bucket);
    if (t === undefined) {
      const resolving = this.resolve(bucket);
      t = resolving;
      this.targets.set(bucket, t);
      t.then(
        (target) => {
          if (this.targets.get(bucket) === resolving) this.resolved.set(bucket, target);
        },
        () => this.targets.delete(bucket),
      );
    }
    return t;
  }

  /**
   * The bucket's address by the SDK's own endpoint rules; undefined (the SDK then sends, and
   * reports, everything) for ARNs, other auth schemes and names the rules refuse.
   */
  private async resolve(bucket: string): Promise<BucketTarget | undefined> {
    if (bucket.includes(':')) return undefined;
    try {
      return await this.resolveRules(bucket);
    } catch {
      return undefined;
    }
  }

  private async resolveRules(bucket: string): Promise<BucketTarget | undefined> {
    const config = this.client.config;
    const region = this.regions.get(bucket) ?? (await config.region());
    const endpoint = await configuredEndpoint(config);
    const resolved = config.endpointProvider({
      Bucket: bucket,
      Region: region,
      UseFIPS: await config.useFipsEndpoint(),
      UseDualStack: await config.useDualstackEndpoint(),
      ForcePathStyle: await pathStyleOf(config),
      Accelerate: config.useAccelerateEndpoint ?? false,
      ...(endpoint !== undefined ? { Endpoint: endpoint } : {}),
    });
    const scheme = (
      resolved.properties?.authSchemes as Array<{ name?: string; signingRegion?: string }> | undefined
    )?.[0];
    if (scheme !== undefined && scheme.name !== 'sigv4') return undefined;
    const url = resolved.url;
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = url.port === '' ? undefined : Number(url.port);
    return {
      protocol: url.protocol,
      hostname,
      port,
      host: url.host, // bracketed when IPv6, without the scheme's default port
      base: url.pathname.replace(/\/$/, ''),
      region: scheme?.signingRegion ?? region,
    };
  }

  // ---------------------------------------------------------------- operations

  /** GetObject of `bytes=from-(to-1)`, optionally pinned to an ETag; the body streams. */
  async get(
    bucket: string,
    key: string,
    range: [number, number],
    etag: string | undefined,
    signal?: AbortSignal,
  ): Promise<LeanGetOutput> {
    const headers = this.readHeaders();
    headers.range = `bytes=${range[0]}-${range[1] - 1}`;
    if (etag !== undefined) headers['if-match'] = etag;
    const res = await this.request('GetObjectCommand', bucket, { method: 'GET', key, headers, stream: true }, signal);
    const out: LeanGetOutput = {
      Body: res.body ?? bytesBody(res.data),
      bytes: res.data,
      $metadata: { httpStatusCode: res.status },
    };
    const { 'content-range': contentRange, 'content-length': length, 'content-encoding': encoding } = res.headers;
    if (typeof contentRange === 'string') out.ContentRange = contentRange;
    if (typeof length === 'string') out.ContentLength = Number(length);
    if (typeof encoding === 'string') out.ContentEncoding = encoding;
    if (typeof res.headers.etag === 'string') out.ETag = res.headers.etag;
    return out;
  }

  /**
   * GetObject of the `sink.length` bytes from `start`, optionally pinned to an ETag: a
   * ranged answer goes into `sink` (`sunk`, once written); one that is not (a store that
   * ignored the range) is given as it came (`data`, or streamed as `body`).
   */
  async getInto(
    bucket: string,
    key: string,
    start: number,
    sink: BodySink,
    etag: string | undefined,
    signal?: AbortSignal,
  ): Promise<{ sunk?: number; data?: Buffer; body?: LeanBody; contentRange?: string; status: number }> {
    const headers = this.readHeaders();
    headers.range = `bytes=${start}-${start + sink.length - 1}`;
    if (etag !== undefined) headers['if-match'] = etag;
    const op = { method: 'GET', key, headers, sink: rangedSink(sink, start, etag) };
    const res = await this.request('GetObjectCommand', bucket, op, signal);
    checkPinnedHeaders(res, etag);
    // An answer the sink took is the range asked for (`rangedSink` looked).
    if (res.sunk === undefined) checkRangeHeaders(res, start, start + sink.length);
    const contentRange = res.headers['content-range'];
    const body =
      res.sunk !== undefined
        ? { sunk: res.sunk }
        : res.body !== undefined
          ? { body: res.body }
          : { data: res.data ?? Buffer.alloc(0) };
    return { ...body, status: res.status, ...(typeof contentRange === 'string' ? { contentRange } : {}) };
  }

  /** HeadObject: the fields omnifs reads of it. */
  async head(bucket: string, key: string, signal?: AbortSignal): Promise<HeadObjectCommandOutput> {
    const res = await this.request(
      'HeadObjectCommand',
      bucket,
      { method: 'HEAD', key, headers: this.readHeaders() },
      signal,
    );
    const h = res.headers;
    const out: HeadObjectCommandOutput = { $metadata: { httpStatusCode: res.status } };
    const text = (name: string): string | undefined => (typeof h[name] === 'string' ? (h[name] as string) : undefined);
    if (text('content-length') !== undefined) out.ContentLength = Number(text('content-length'));
    if (text('last-modified') !== undefined) out.LastModified = new Date(text('last-modified')!);
    if (text('etag') !== undefined) out.ETag = text('etag');
    for (const [header, field] of HEAD_TEXT_FIELDS) {
      const value = text(header);
      if (value !== undefined) (out as unknown as Record<string, unknown>)[field] = value;
    }
    if (text('expires') !== undefined) out.Expires = new Date(text('expires')!);
    if (text('x-amz-tagging-count') !== undefined) out.TagCount = Number(text('x-amz-tagging-count'));
    if (text('x-amz-server-side-encryption-bucket-key-enabled') !== undefined)
      out.BucketKeyEnabled = text('x-amz-server-side-encryption-bucket-key-enabled') === 'true';
    const metadata: Record<string, string> = {};
    for (const [name, value] of Object.entries(h)) {
      if (name.startsWith('x-amz-meta-') && typeof value === 'string') metadata[name.slice(11)] = value;
    }
    out.Metadata = metadata;
    return out;
  }

  /**
   * PutObject of bytes with the upload's parameters (content headers, storage class,
   * encryption, ...), `metadata` in place of theirs when given, and `ifNoneMatch`; the
   * body carries its CRC32 (checked by the service) when the client computes request
   * checksums.
   */
  async put(
    bucket: string,
    key: string,
    data: Uint8Array,
    extra: { params: UploadParams; metadata?: Record<string, string>; ifNoneMatch?: boolean },
    signal?: AbortSignal,
  ): Promise<void> {
    const w = extra.params;
    const headers = writeHeaders(w, extra.metadata ?? w.Metadata);
    if (extra.ifNoneMatch === true) headers['if-none-match'] = '*';
    if (w.ChecksumAlgorithm === 'CRC32' || (await this.checksumsOnPut())) this.addCrc32(headers, data);
    await this.request('PutObjectCommand', bucket, { method: 'PUT', key, headers, body: data }, signal);
  }

  /** UploadPart; with `crc32` the part carries its checksum and the answer's is returned. */
  async uploadPart(
    bucket: string,
    key: string,
    part: { uploadId: string; number: number; data: Uint8Array; crc32: boolean },
    signal?: AbortSignal,
  ): Promise<{ ETag?: string; ChecksumCRC32?: string }> {
    const headers: Record<string, string> = {};
    if (part.crc32) this.addCrc32(headers, part.data);
    const query = { partNumber: String(part.number), uploadId: part.uploadId };
    const res = await this.request(
      'UploadPartCommand',
      bucket,
      { method: 'PUT', key, query, headers, body: part.data },
      signal,
    );
    const out: { ETag?: string; ChecksumCRC32?: string } = {};
    if (typeof res.headers.etag === 'string') out.ETag = res.headers.etag;
    const crc = res.headers['x-amz-checksum-crc32'];
    if (typeof crc === 'string') out.ChecksumCRC32 = crc;
    return out;
  }

  /**
   * CompleteMultipartUpload of the parts uploaded. A 2xx answer with an error document, or
   * with no body, fails as the SDK's does (`InternalError`, 503, retried): S3 sends its
   * answer's status before it knows how the completion ends.
   */
  async complete(
    bucket: string,
    key: string,
    upload: { uploadId: string; parts: CompletedPart[]; ifNoneMatch: boolean },
    signal?: AbortSignal,
  ): Promise<void> {
    const parts = upload.parts.map(
      (p) =>
        `<Part>${p.ChecksumCRC32 !== undefined ? `<ChecksumCRC32>${p.ChecksumCRC32}</ChecksumCRC32>` : ''}` +
        `<ETag>${new XmlText(p.ETag ?? '').toString()}</ETag><PartNumber>${p.PartNumber}</PartNumber></Part>`,
    );
    const xml = `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${parts.join('')}</CompleteMultipartUpload>`;
    const headers: Record<string, string> = { 'content-type': 'application/xml' };
    if (upload.ifNoneMatch) headers['if-none-match'] = '*';
    const query = { uploadId: upload.uploadId };
    const check = (res: LeanResponse): void => {
      const text = res.text ?? '';
      if (text.trim() === '')
        throw serviceError(
          503,
          res.headers,
          '<Error><Code>InternalError</Code><Message>S3 aborted request</Message></Error>',
        );
      if (text.trimEnd().endsWith('</Error>')) throw serviceError(503, res.headers, text);
    };
    await this.request(
      'CompleteMultipartUploadCommand',
      bucket,
      { method: 'POST', key, query, headers, body: Buffer.from(xml), check },
      signal,
    );
  }

  /** DeleteObject. */
  async deleteObject(bucket: string, key: string, signal?: AbortSignal): Promise<void> {
    await this.request('DeleteObjectCommand', bucket, { method: 'DELETE', key, headers: {} }, signal);
  }

  /** One page of ListObjectsV2: its next token, and its keys and prefixes as the service wrote them. */
  async listPage(
    bucket: string,
    page: { prefix: string; delimiter: boolean; token?: string; maxKeys?: number },
    signal?: AbortSignal,
  ): Promise<PageAnswer<ListPage>> {
    const query: Record<string, string> = { 'list-type': '2', prefix: page.prefix };
    if (page.delimiter) query.delimiter = '/';
    if (page.token !== undefined) query['continuation-token'] = page.token;
    if (page.maxKeys !== undefined) query['max-keys'] = String(page.maxKeys);
    const res = await this.request(
      'ListObjectsV2Command',
      bucket,
      { method: 'GET', key: '', query, headers: {} },
      signal,
    );
    const scanned = scanListPage(res.text ?? '');
    if (scanned === undefined) throw errors.invalid('ListObjectsV2 answered without a ListBucketResult');
    return scanned;
  }

  /** DeleteObjects (quiet) of up to 1,000 keys: the keys it could not delete. */
  async deleteObjects(bucket: string, keys: string[], signal?: AbortSignal): Promise<DeleteFailure[]> {
    const objects = keys.map((k) => `<Object><Key>${new XmlText(k).toString()}</Key></Object>`).join('');
    const xml = `<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${objects}<Quiet>true</Quiet></Delete>`;
    const body = Buffer.from(xml);
    const headers: Record<string, string> = { 'content-type': 'application/xml' };
    this.addCrc32(headers, body);
    const res = await this.request(
      'DeleteObjectsCommand',
      bucket,
      { method: 'POST', key: '', query: { delete: '' }, headers, body },
      signal,
    );
    return scanDeleteErrors(res.text ?? '');
  }

  // ---------------------------------------------------------------- requests

  private checksumsOnPut(): Promise<boolean> {
    this.crcOnPut ??= this.client.config.requestChecksumCalculation().then((v) => v === 'WHEN_SUPPORTED');
    return this.crcOnPut;
  }

  private addCrc32(headers: Record<string, string>, data: Uint8Array): void {
    headers['x-amz-checksum-crc32'] = crc32Base64(data);
    headers['x-amz-sdk-checksum-algorithm'] = 'CRC32';
  }

  private readHeaders(): Record<string, string> {
    const owner = this.options.readParams.ExpectedBucketOwner;
    return owner !== undefined ? { 'x-amz-expected-bucket-owner': owner } : {};
  }

  /**
   * Sends one operation, signed, with the SDK's retry strategy deciding on retries and
   * their delays; a bucket in another region is followed once, as the SDK does.
   */
  private async request(command: string, bucket: string, op: Operation, signal?: AbortSignal): Promise<LeanResponse> {
    if (LEAN_REQUEST_CHANNEL.hasSubscribers) LEAN_REQUEST_CHANNEL.publish({ client: this.client, command });
    const strategy = (await this.client.config.retryStrategy()) as RetryStrategyV2;
    let redirected = false;
    const redirect = (err: unknown): boolean => {
      const region = (err as { $response?: { headers: Record<string, unknown> } }).$response?.headers[
        'x-amz-bucket-region'
      ];
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (redirected || typeof region !== 'string' || (status !== 301 && status !== 400)) return false;
      redirected = true;
      this.regions.set(bucket, region);
      this.targets.delete(bucket);
      this.resolved.delete(bucket);
      return true;
    };
    return withRetries(strategy, () => this.attempt(bucket, op, signal), { signal, redirect });
  }

  private async attempt(bucket: string, op: Operation, signal?: AbortSignal): Promise<LeanResponse> {
    const target = this.resolved.has(bucket) ? this.resolved.get(bucket) : await this.target(bucket);
    if (target === undefined) throw errors.unsupported(`the lean S3 path does not serve bucket ${bucket}`);
    // Copied key by key: on Node 20, adding properties to an object made by spread costs
    // microseconds each (the signer adds three).
    const headers: Record<string, string> = {};
    for (const name in op.headers) headers[name] = op.headers[name]!;
    headers.host = target.host;
    if (this.options.requesterPays) headers['x-amz-request-payer'] = 'requester';
    const body = op.body;
    if (body !== undefined) headers['content-length'] = String(body.byteLength);
    headers['x-amz-content-sha256'] =
      body === undefined ? EMPTY_SHA256 : op.method === 'POST' ? sha256Hex(body) : 'UNSIGNED-PAYLOAD';
    const path = `${target.base}/${escapeKey(op.key)}`;
    const query = op.query ?? {};
    const request: LeanRequest = {
      method: op.method,
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      path,
      query,
      headers,
      body,
    };
    // The clock offset the SDK learnt from a skewed answer, as its own signer uses.
    const date = new Date(Date.now() + (this.client.config.systemClockOffset ?? 0));
    await this.signer?.sign(request, target.region, date);
    const res = await send(this.pool, request, {
      timeouts: this.options.timeouts,
      stream: op.stream === true,
      sink: op.sink,
      signal,
    });
    op.check?.(res);
    return res;
  }
}

function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A client's `forcePathStyle`: a value, or a provider decided on first use (see `createClient`). */
export type PathStyle = boolean | (() => Promise<boolean>);

/** Whether the client addresses buckets by path. */
async function pathStyleOf(config: { forcePathStyle?: PathStyle }): Promise<boolean> {
  const style = config.forcePathStyle;
  return typeof style === 'function' ? style() : (style ?? false);
}

/** What the lean client reads of the SDK's resolved endpoint configuration. */
interface EndpointConfig {
  endpoint?: () => Promise<{ protocol: string; hostname: string; port?: number; path: string }>;
  ignoreConfiguredEndpointUrls?: boolean;
  serviceConfiguredEndpoint?: () => Promise<string | undefined>;
}

/**
 * The endpoint the SDK would use, as its endpoint rules take it (`Endpoint`): the client's
 * own `endpoint`, else one configured outside the code (`AWS_ENDPOINT_URL_S3`,
 * `AWS_ENDPOINT_URL`, a profile's `endpoint_url`), unless
 * `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` says not to; undefined for AWS itself.
 */
export async function configuredEndpoint(config: EndpointConfig): Promise<string | undefined> {
  if (config.endpoint !== undefined) {
    const e = await config.endpoint();
    return `${e.protocol}//${e.hostname}${e.port ? `:${e.port}` : ''}${e.path}`;
  }
  if (config.ignoreConfiguredEndpointUrls === true) return undefined;
  const configured = await config.serviceConfiguredEndpoint?.();
  if (configured === undefined) return undefined;
  const u = new URL(configured);
  return `${u.protocol}//${u.host}${u.pathname}`;
}
