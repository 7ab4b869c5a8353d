/**
 * The lean request path: Azure Blob's hot operations (Get Blob, Get Blob Properties, Put
 * Blob, Put Block, Put Block List, List Blobs, Delete Blob and batches of deletes) built
 * and sent directly, without the SDK, which it does not load. It sends what the SDK's
 * client for the same options would: to its URL (and SAS), authorised as its credential
 * authorises (Shared Key, see sharedkey.ts; bearer tokens, see bearer.ts), at the service
 * version the SDK speaks, retried as the retry options say (the SDK's storage retry
 * policy, reproduced). Requests go over core's HTTP/1.1 connection pool with omnifs's
 * timeouts; failures are shaped like the SDK's `RestError`, so {@link mapAzureError} maps
 * them identically.
 */
import { createHash, randomUUID } from 'node:crypto';
import { channel } from 'node:diagnostics_channel';
import type { IncomingHttpHeaders } from 'node:http';
import { FsError, type Timeouts } from '@omnifs/core';
import {
  checkPinnedHeaders,
  checkRangeHeaders,
  cutWhole,
  currentSignal,
  escapeXml,
  Http1Pool,
  rangedSink,
  sendPooled,
  waitOrAbort,
  xmlBlocks,
  xmlElement,
  xmlText,
  xmlTexts,
  type BodySink,
  type Http1Answer,
  type Http1Options,
  type PageAnswer,
} from '@omnifs/core/backend';
import { batchBody, readBatchAnswer, type BatchAnswer, type SubRequest } from './batch';
import { BearerTokens, STORAGE_SCOPE, type TokenSource } from './bearer';
import { AZURE_SERVICE_VERSION, type ServiceAccess } from './options';
import { sharedKeyAuthorization } from './sharedkey';

/**
 * Where each lean request is announced (`{ client, operation }`: the LeanAzureClient and
 * the operation's name, e.g. `'Put Blob'`), so request counts can be observed.
 */
export const LEAN_REQUEST_CHANNEL = channel('omnifs:azure:lean-request');

/** The SDK's retry options the lean path follows (`pipelineOptions.retryOptions`). */
export interface LeanRetryOptions {
  /** Attempts per request, the first included (default 4). */
  maxTries?: number;
  /** Delay unit of retries (default 4 s): exponential `(2^(n-1) - 1) x` this, or fixed. */
  retryDelayInMs?: number;
  /** Longest delay between attempts (default 120 s). */
  maxRetryDelayInMs?: number;
  /** `EXPONENTIAL` (0, the default) or `FIXED` (1). */
  retryPolicyType?: number;
  /** Server-side timeout of each attempt, sent as `timeout=` seconds. */
  tryTimeoutInMs?: number;
}

/** What the lean client needs besides the service's access. */
export interface LeanAzureOptions {
  timeouts: Timeouts;
  retry: LeanRetryOptions;
  /** Connections kept per host. */
  maxSockets: number;
  /** Put before the client's `user-agent`, as the SDK's `userAgentOptions.userAgentPrefix`. */
  userAgentPrefix?: string | undefined;
  /** The scope of bearer tokens (the SDK's `audience`; default `https://storage.azure.com/.default`). */
  audience?: string | string[] | undefined;
}

/** A blob's properties as Get Blob Properties answers them, in the SDK's field names. */
export interface LeanBlobProperties {
  contentLength?: number;
  lastModified?: Date;
  etag?: string;
  blobType?: string;
  contentType?: string;
  /** Base64, as the header carries it. */
  contentMD5?: string;
  accessTier?: string;
  metadata: Record<string, string>;
}

/** A listed blob, in the SDK's `BlobItem` shape as far as omnifs reads it. */
export interface LeanBlobItem {
  name: string;
  properties: {
    contentLength?: number;
    lastModified?: Date;
    etag?: string;
    blobType?: string;
    contentType?: string;
    accessTier?: string;
  };
}

/** One page of List Blobs. */
export interface LeanListPage {
  blobs: LeanBlobItem[];
  prefixes: string[];
}

/** A Get Blob's answer: its body streaming (`body`), or whole (`data`) when it came with the head. */
export interface LeanDownload {
  headers: IncomingHttpHeaders;
  body?: AsyncIterable<Uint8Array> & { destroy(): void };
  data?: Buffer;
  /** The bytes of a body a sink took, all written. */
  sunk?: number;
}

/** Node's network errors the SDK's retry policy retries (by code, name or message). */
const RETRIABLE_NETWORK = [
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOENT',
  'ENOTFOUND',
  'TIMEOUT',
  'EPIPE',
  'REQUEST_SEND_ERROR',
];

/** One operation's request before it is addressed and signed. */
interface Operation {
  name: string;
  method: string;
  /** The container and, for blob operations, the blob. */
  container: string;
  blob?: string;
  query?: Record<string, string>;
  /** The operation's own headers; each attempt sets its date, id and signature on them. */
  headers: Record<string, string>;
  body?: Uint8Array;
  stream?: boolean;
  /** Where a 2xx body goes, decided once the answer's head has come (see `Http1Options.sink`). */
  sink?: Http1Options['sink'];
  signal?: AbortSignal | undefined;
  /** Attempts at most (default: the retry options' `maxTries`). */
  tries?: number;
}

/** `a/b c` → `a/b%20c`: each segment of a blob name escaped, as the SDK's URLs have it. */
function escapeName(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}

/**
 * The error the SDK raises for an error answer: a `RestError` with the status, the
 * service's code (`x-ms-error-code`, else the body's `Code`) and message. A HEAD answer has
 * no body: as the SDK's, its error has the code only in `details` and an empty message.
 */
export function restError(method: string, status: number, headers: IncomingHttpHeaders, text: string): Error {
  const header = headers['x-ms-error-code'];
  const code = (typeof header === 'string' && header !== '' ? header : undefined) ?? xmlText(text, 'Code');
  const head = method === 'HEAD';
  const err = new Error(head ? '' : (xmlText(text, 'Message') ?? ''));
  return Object.assign(err, {
    name: 'RestError',
    statusCode: status,
    ...(code !== undefined && !head ? { code } : {}),
    details: { errorCode: code },
    response: {
      status,
      headers: { get: (name: string) => headerText(headers, name.toLowerCase()) },
    },
  });
}

/** A network failure as the SDK reports it: a `RestError` with Node's code and message. */
function networkError(err: unknown): unknown {
  if (err instanceof FsError || err === null || typeof err !== 'object') return err;
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e.code !== 'string') return err;
  return Object.assign(new Error(String(e.message)), { name: 'RestError', code: e.code, cause: err });
}

function headerText(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return typeof v === 'string' ? v : Array.isArray(v) ? v.join(', ') : undefined;
}

/** True when the SDK's storage retry policy would try again after `err` (or this status). */
function retriable(err: unknown, status: number | undefined): boolean {
  if (status === 500 || status === 503) return true;
  if (status !== undefined || err instanceof FsError || err === null || typeof err !== 'object') return false;
  const e = err as { name?: unknown; message?: unknown; code?: unknown };
  const name = String(e.name ?? '').toUpperCase();
  const message = String(e.message ?? '').toUpperCase();
  const code = typeof e.code === 'string' ? e.code.toUpperCase() : undefined;
  return RETRIABLE_NETWORK.some((r) => name.includes(r) || message.includes(r) || code === r);
}

/** What a write that commits a blob (Put Blob, Put Block List) sets on it. */
export interface BlobWrite {
  /** `If-None-Match: *`: only if no blob has the name. */
  ifNoneMatch?: boolean;
  metadata?: Record<string, string>;
  /** The blob's content type (`x-ms-blob-content-type`). */
  contentType?: string;
}

/**
 * The blob service's hot operations without the SDK. Every method fails like the
 * SDK's call would (same `RestError` fields: status, code, message), after the same retries.
 */
export class LeanAzureClient {
  private readonly pool: Http1Pool;
  private readonly protocol: string;
  private readonly hostname: string;
  private readonly port: number | undefined;
  /** The service URL's path (`/devstoreaccount1` on Azurite, '' on Azure). */
  private readonly base: string;
  /** The SAS of the service URL, sent with every request. */
  private readonly sas: Record<string, string>;
  private readonly hasSas: boolean;
  private readonly key: ServiceAccess['sharedKey'];
  private readonly bearer: BearerTokens | undefined;
  private readonly version: string;
  private readonly userAgent: string;

  /**
   * True when the lean path can send requests with `access`: authorised by the account key,
   * a SAS, nothing, or a token credential over HTTPS (bearer tokens never go over plain
   * HTTP; the SDK refuses that request itself).
   */
  static serves(access: ServiceAccess): boolean {
    return access.token === undefined || access.url.startsWith('https:');
  }

  constructor(
    /** The service's URL and credential. */
    readonly access: ServiceAccess,
    private readonly options: LeanAzureOptions,
  ) {
    const url = new URL(access.url);
    this.protocol = url.protocol;
    this.hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    this.port = url.port === '' ? undefined : Number(url.port);
    this.base = url.pathname.replace(/\/+$/, '');
    this.sas = Object.fromEntries(url.searchParams);
    this.hasSas = Object.keys(this.sas).length > 0;
    this.key = access.sharedKey;
    this.bearer =
      access.token !== undefined
        ? new BearerTokens(access.token as unknown as TokenSource, options.audience ?? STORAGE_SCOPE)
        : undefined;
    this.version = AZURE_SERVICE_VERSION;
    const prefix = options.userAgentPrefix;
    this.userAgent = `${prefix ? `${prefix} ` : ''}omnifs-azure Node/${process.versions.node} (${process.platform}; ${process.arch})`;
    this.pool = new Http1Pool({ maxSockets: options.maxSockets });
  }

  /** Closes the pooled connections. */
  destroy(): void {
    this.pool.destroy();
  }

  // ---------------------------------------------------------------- operations

  /** Get Blob of bytes `[start, end)` (`end` undefined: to the end), optionally pinned to an ETag; the body streams. */
  async get(
    container: string,
    blob: string,
    range: { start: number; end: number | undefined; etag?: string | undefined },
    signal?: AbortSignal,
  ): Promise<LeanDownload> {
    const headers: Record<string, string> = {};
    if (range.start > 0 || range.end !== undefined)
      headers['x-ms-range'] = `bytes=${range.start}-${range.end === undefined ? '' : range.end - 1}`;
    if (range.etag !== undefined) headers['if-match'] = range.etag;
    const a = await this.request({ name: 'Get Blob', method: 'GET', container, blob, headers, stream: true, signal });
    checkPinnedHeaders(a, range.etag);
    const answer = a.body !== undefined ? { headers: a.headers, body: a.body } : { headers: a.headers, data: a.data! };
    if (headers['x-ms-range'] === undefined || !checkRangeHeaders(a, range.start, range.end).whole) return answer;
    // The whole blob came although a range was asked for: cut to the range here.
    const cut = cutWhole(answer.body ?? answer.data, range.start, range.end);
    return cut instanceof Uint8Array
      ? { headers: a.headers, data: Buffer.from(cut.buffer, cut.byteOffset, cut.byteLength) }
      : { headers: a.headers, body: cut };
  }

  /**
   * Get Blob of the `sink.length` bytes from `start`, optionally pinned to an ETag: a
   * ranged answer goes into `sink` (`sunk`, once written); one that is not (the whole blob)
   * is given as it came (`data`, or streamed as `body`).
   */
  async getInto(
    container: string,
    blob: string,
    start: number,
    sink: BodySink,
    etag: string | undefined,
    signal?: AbortSignal,
  ): Promise<LeanDownload & { status: number }> {
    const headers: Record<string, string> = { 'x-ms-range': `bytes=${start}-${start + sink.length - 1}` };
    if (etag !== undefined) headers['if-match'] = etag;
    const sinkOf = rangedSink(sink, start, etag);
    const a = await this.request({ name: 'Get Blob', method: 'GET', container, blob, headers, sink: sinkOf, signal });
    checkPinnedHeaders(a, etag);
    // An answer the sink took is the range asked for (`rangedSink` looked).
    if (a.sunk === undefined) checkRangeHeaders(a, start, start + sink.length);
    const { status, headers: h } = a;
    if (a.sunk !== undefined) return { status, headers: h, sunk: a.sunk };
    return a.body !== undefined ? { status, headers: h, body: a.body } : { status, headers: h, data: a.data! };
  }

  /** Get Blob Properties: the fields omnifs reads, and the blob's metadata. */
  async properties(container: string, blob: string, signal?: AbortSignal): Promise<LeanBlobProperties> {
    const a = await this.request({ name: 'Get Blob Properties', method: 'HEAD', container, blob, headers: {}, signal });
    const h = a.headers;
    const out: LeanBlobProperties = { metadata: {} };
    const text = (name: string): string | undefined => headerText(h, name);
    if (text('content-length') !== undefined) out.contentLength = Number(text('content-length'));
    if (text('last-modified') !== undefined) out.lastModified = new Date(text('last-modified')!);
    if (text('etag') !== undefined) out.etag = text('etag')!;
    if (text('x-ms-blob-type') !== undefined) out.blobType = text('x-ms-blob-type')!;
    if (text('content-type') !== undefined) out.contentType = text('content-type')!;
    if (text('content-md5') !== undefined) out.contentMD5 = text('content-md5')!;
    if (text('x-ms-access-tier') !== undefined) out.accessTier = text('x-ms-access-tier')!;
    for (const [name, value] of Object.entries(h)) {
      if (name.startsWith('x-ms-meta-') && typeof value === 'string') out.metadata[name.slice(10)] = value;
    }
    return out;
  }

  /** Put Blob of a block blob, with the body's `Content-MD5`; `ifNoneMatch` sends `If-None-Match: *`. */
  async put(container: string, blob: string, data: Uint8Array, extra: BlobWrite, signal?: AbortSignal): Promise<void> {
    const headers = this.writeHeaders(extra);
    headers['x-ms-blob-type'] = 'BlockBlob';
    headers['content-type'] = 'application/octet-stream';
    // The service checks the bytes against it, and refuses damaged ones (Md5Mismatch).
    headers['content-md5'] = createHash('md5').update(data).digest('base64');
    await this.request({ name: 'Put Blob', method: 'PUT', container, blob, headers, body: data, signal });
  }

  /** Put Block: stages `data` under `id` (base64). */
  async putBlock(container: string, blob: string, id: string, data: Uint8Array, signal?: AbortSignal): Promise<void> {
    const headers = { 'content-type': 'application/octet-stream' };
    const query = { comp: 'block', blockid: id };
    await this.request({ name: 'Put Block', method: 'PUT', container, blob, query, headers, body: data, signal });
  }

  /** Put Block List: commits the staged blocks `ids`, in order. */
  async putBlockList(
    container: string,
    blob: string,
    ids: string[],
    extra: BlobWrite,
    signal?: AbortSignal,
  ): Promise<void> {
    const latest = ids.map((id) => `<Latest>${escapeXml(id)}</Latest>`).join('');
    const body = Buffer.from(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><BlockList>${latest}</BlockList>`);
    const headers = this.writeHeaders(extra);
    headers['content-type'] = 'application/xml';
    const query = { comp: 'blocklist' };
    await this.request({ name: 'Put Block List', method: 'PUT', container, blob, query, headers, body, signal });
  }

  /** Delete Blob, its snapshots included. */
  async delete(container: string, blob: string, signal?: AbortSignal): Promise<void> {
    const headers = { 'x-ms-delete-snapshots': 'include' };
    await this.request({ name: 'Delete Blob', method: 'DELETE', container, blob, headers, signal });
  }

  /**
   * Deletes up to 256 blobs (their snapshots included) with one blob batch request: the
   * answer of each sub-request, in the order of `blobs`. Sent once, not retried: a batch
   * that fails as a whole is followed by the same deletes one by one, each retried (core's
   * object stores do so; Azurite answers a batch under a SAS with 500).
   */
  async deleteBatch(container: string, blobs: readonly string[], signal?: AbortSignal): Promise<BatchAnswer[]> {
    const date = new Date().toUTCString();
    const bearer = await this.bearer?.header();
    const sas = this.hasSas ? `?${new URLSearchParams(this.sas).toString()}` : '';
    const subs: SubRequest[] = blobs.map((blob) => {
      const path = `${this.base}/${encodeURIComponent(container)}/${escapeName(blob)}`;
      const headers: Record<string, string> = { 'x-ms-delete-snapshots': 'include', 'x-ms-date': date };
      // Each sub-request is authorised on its own (without x-ms-version, which the batch carries).
      if (this.key !== undefined)
        headers.authorization = sharedKeyAuthorization(this.key, { method: 'DELETE', path, query: {}, headers });
      else if (bearer !== undefined) headers.authorization = bearer;
      return { method: 'DELETE', path: `${path}${sas}`, headers };
    });
    const boundary = `batch_${randomUUID()}`;
    const a = await this.request({
      name: 'Blob Batch',
      method: 'POST',
      container,
      query: { restype: 'container', comp: 'batch' },
      headers: { 'content-type': `multipart/mixed; boundary=${boundary}` },
      body: Buffer.from(batchBody(boundary, subs)),
      signal,
      tries: 1,
    });
    const text = (a.data ?? Buffer.alloc(0)).toString('utf8');
    return readBatchAnswer(headerText(a.headers, 'content-type'), text, blobs.length);
  }

  /** One page of List Blobs, by hierarchy (`delimiter`) or flat: its next marker, and its entries. */
  async listPage(
    container: string,
    page: { prefix: string; delimiter: boolean; marker?: string | undefined; maxResults: number },
    signal?: AbortSignal,
  ): Promise<PageAnswer<LeanListPage>> {
    const query: Record<string, string> = { restype: 'container', comp: 'list' };
    if (page.prefix !== '') query.prefix = page.prefix;
    if (page.delimiter) query.delimiter = '/';
    if (page.marker !== undefined) query.marker = page.marker;
    query.maxresults = String(page.maxResults);
    const a = await this.request({ name: 'List Blobs', method: 'GET', container, query, headers: {}, signal });
    return scanBlobList((a.data ?? Buffer.alloc(0)).toString('utf8'));
  }

  // ---------------------------------------------------------------- requests

  private writeHeaders(extra: BlobWrite): Record<string, string> {
    const headers: Record<string, string> = {};
    if (extra.ifNoneMatch === true) headers['if-none-match'] = '*';
    if (extra.contentType !== undefined) headers['x-ms-blob-content-type'] = extra.contentType;
    for (const [k, v] of Object.entries(extra.metadata ?? {})) headers[`x-ms-meta-${k}`] = v;
    return headers;
  }

  /**
   * Sends one operation and resolves with its 2xx answer. Failures are retried as the
   * SDK's storage retry policy does: network errors by their code, and 500 and 503
   * answers, up to `maxTries` attempts, exponentially apart (`(2^(n-1) - 1) x
   * retryDelayInMs`, at most `maxRetryDelayInMs`) or at a fixed delay.
   */
  private async request(op: Operation): Promise<Http1Answer> {
    if (LEAN_REQUEST_CHANNEL.hasSubscribers) LEAN_REQUEST_CHANNEL.publish({ client: this, operation: op.name });
    const retry = this.options.retry;
    const maxTries = op.tries ?? retry.maxTries ?? 4;
    let challenged = false;
    for (let attempt = 1; ; attempt++) {
      let failure: unknown;
      let status: number | undefined;
      const sentWith = this.bearer?.generation ?? 0;
      try {
        const a = await this.attempt(op);
        if (a.status >= 200 && a.status < 300) return a;
        // A bearer challenge naming another tenant or audience: ask for that token, once.
        if (
          a.status === 401 &&
          !challenged &&
          this.bearer?.challenge(headerText(a.headers, 'www-authenticate'), sentWith)
        ) {
          challenged = true;
          attempt--;
          continue;
        }
        status = a.status;
        failure = restError(op.method, a.status, a.headers, (a.data ?? Buffer.alloc(0)).toString('utf8'));
      } catch (err) {
        failure = networkError(err);
      }
      if (attempt >= maxTries || !retriable(failure, status)) throw failure;
      const unit = retry.retryDelayInMs ?? 4000;
      const wait =
        retry.retryPolicyType === 1
          ? unit
          : Math.min((2 ** (attempt - 1) - 1) * unit, retry.maxRetryDelayInMs ?? 120_000);
      await waitOrAbort(wait, [op.signal, currentSignal()]);
    }
  }

  private async attempt(op: Operation): Promise<Http1Answer> {
    const container = encodeURIComponent(op.container);
    const path =
      op.blob === undefined ? `${this.base}/${container}` : `${this.base}/${container}/${escapeName(op.blob)}`;
    let query = op.query ?? {};
    if (this.hasSas || this.options.retry.tryTimeoutInMs !== undefined) {
      query = { ...this.sas, ...query };
      if (this.options.retry.tryTimeoutInMs !== undefined)
        query.timeout = String(Math.floor(this.options.retry.tryTimeoutInMs / 1000));
    }
    const headers = op.headers;
    headers['x-ms-version'] = this.version;
    headers['x-ms-date'] = new Date().toUTCString();
    headers['x-ms-client-request-id'] = randomUUID();
    headers['user-agent'] = this.userAgent;
    if (op.body !== undefined) headers['content-length'] = String(op.body.byteLength);
    if (this.key !== undefined)
      headers.authorization = sharedKeyAuthorization(this.key, { method: op.method, path, query, headers });
    else if (this.bearer !== undefined) headers.authorization = await this.bearer.header();
    let target = path;
    let sep = '?';
    for (const k in query) {
      target += `${sep}${encodeURIComponent(k)}=${encodeURIComponent(query[k]!)}`;
      sep = '&';
    }
    return sendPooled(
      this.pool,
      {
        method: op.method,
        protocol: this.protocol,
        hostname: this.hostname,
        port: this.port,
        path: target,
        headers,
        body: op.body,
      },
      { timeouts: this.options.timeouts, stream: op.stream === true, sink: op.sink, signal: op.signal },
    );
  }
}

/** The properties of a listed blob omnifs reads, in the order List Blobs writes them. */
const BLOB_FIELDS = ['Last-Modified', 'Etag', 'Content-Length', 'Content-Type', 'BlobType', 'AccessTier'];

/**
 * A List Blobs answer: the next page's marker, found first (it follows the entries), and
 * the blobs and prefixes, scanned when `page` is called.
 */
export function scanBlobList(xml: string): PageAnswer<LeanListPage> {
  const tail = Math.max(xml.lastIndexOf('</Blobs>'), 0);
  const next = xmlText(xml, 'NextMarker', tail);
  return { next: next === undefined || next === '' ? undefined : next, page: () => scanBlobs(xml) };
}

/** The blobs and prefixes of a List Blobs answer. */
function scanBlobs(xml: string): LeanListPage {
  const blobs: LeanBlobItem[] = [];
  for (const [start, end] of xmlBlocks(xml, 'Blob')) {
    const name = blobName(xml, start, end);
    if (name === undefined) continue;
    const p: LeanBlobItem['properties'] = {};
    const [modified, etag, size, contentType, type, tier] = xmlTexts(xml, BLOB_FIELDS, start, end);
    if (size !== undefined) p.contentLength = Number(size);
    if (modified !== undefined) p.lastModified = new Date(modified);
    if (etag !== undefined) p.etag = etag;
    if (type !== undefined) p.blobType = type;
    if (contentType !== undefined) p.contentType = contentType;
    if (tier !== undefined) p.accessTier = tier;
    blobs.push({ name, properties: p });
  }
  const prefixes: string[] = [];
  for (const [start, end] of xmlBlocks(xml, 'BlobPrefix')) {
    const name = blobName(xml, start, end);
    if (name !== undefined) prefixes.push(name);
  }
  return { blobs, prefixes };
}

/** A `<Name>` between `start` and `end`; percent-decoded when the service marked it `Encoded="true"`. */
function blobName(xml: string, start: number, end: number): string | undefined {
  const el = xmlElement(xml, 'Name', start, end);
  if (el === undefined) return undefined;
  return /\bEncoded\s*=\s*["']true["']/i.test(el.attributes) ? decodeURIComponent(el.text) : el.text;
}
