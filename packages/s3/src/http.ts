/**
 * The lean path's HTTP: one signed request over a keep-alive connection pool, with
 * omnifs's timeouts and the operation's signal, and error answers shaped like the AWS
 * SDK's service errors (`name` = the S3 code, `$metadata.httpStatusCode`, request ids).
 */
import { parseXML } from '@aws-sdk/xml-builder';
import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import type { RetryErrorType, RetryStrategyV2 } from '@smithy/types';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { FsError, type Timeouts } from '@omnifs/core';
import { currentSignal, type Http1Options, type Http1Pool, sendPooled, waitOrAbort } from '@omnifs/core/backend';
import { noteAttempts } from './errors';
import type { S3WriteParams, UploadParams } from './options';

/** A request as the signer takes it. */
export interface LeanRequest {
  method: string;
  protocol: string;
  hostname: string;
  port?: number | undefined;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: Uint8Array | undefined;
}

/**
 * A successful answer: with `stream`, the body as a stream (`body`), or as bytes (`data`)
 * when it came whole with the head; else read in full as text.
 */
export interface LeanResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body?: Readable;
  data?: Buffer;
  text?: string;
  /** The bytes of a body a sink took, all written (see `Http1Options.sink`). */
  sunk?: number;
}

/** Characters RFC 3986 leaves unescaped (and `/`, which separates a key's segments). */
const UNRESERVED = /^[A-Za-z0-9\-._~]*$/;
const UNRESERVED_OR_SLASH = /^[A-Za-z0-9\-._~/]*$/;

/** `a/b c` → `a/b%20c`: each segment escaped as RFC 3986 and the SDK's labels want. */
export function escapeKey(key: string): string {
  return UNRESERVED_OR_SLASH.test(key) ? key : key.split('/').map(escapeUri).join('/');
}

/** RFC 3986 escaping, as SigV4 wants it. */
export function escapeUri(s: string): string {
  if (UNRESERVED.test(s)) return s;
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Write parameters sent as headers on PutObject, by header name. */
const WRITE_HEADERS: ReadonlyArray<[keyof S3WriteParams, string]> = [
  ['ACL', 'x-amz-acl'],
  ['StorageClass', 'x-amz-storage-class'],
  ['ServerSideEncryption', 'x-amz-server-side-encryption'],
  ['SSEKMSKeyId', 'x-amz-server-side-encryption-aws-kms-key-id'],
  ['SSEKMSEncryptionContext', 'x-amz-server-side-encryption-context'],
  ['BucketKeyEnabled', 'x-amz-server-side-encryption-bucket-key-enabled'],
  ['ContentType', 'content-type'],
  ['ContentEncoding', 'content-encoding'],
  ['ContentDisposition', 'content-disposition'],
  ['ContentLanguage', 'content-language'],
  ['CacheControl', 'cache-control'],
  ['Tagging', 'x-amz-tagging'],
  ['ExpectedBucketOwner', 'x-amz-expected-bucket-owner'],
  ['ObjectLockMode', 'x-amz-object-lock-mode'],
  ['ObjectLockLegalHoldStatus', 'x-amz-object-lock-legal-hold'],
];

/** The headers of PutObject for an upload's parameters and user metadata. */
export function writeHeaders(w: UploadParams, metadata: Record<string, string> | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [field, header] of WRITE_HEADERS) if (w[field] !== undefined) headers[header] = String(w[field]);
  if (w.WebsiteRedirectLocation !== undefined) headers['x-amz-website-redirect-location'] = w.WebsiteRedirectLocation;
  if (w.Expires !== undefined) headers['expires'] = new Date(w.Expires).toUTCString();
  if (w.ObjectLockRetainUntilDate !== undefined)
    headers['x-amz-object-lock-retain-until-date'] = new Date(w.ObjectLockRetainUntilDate).toISOString();
  for (const [k, v] of Object.entries(metadata ?? {})) headers[`x-amz-meta-${k}`] = v;
  return headers;
}

/**
 * Sends `req` and resolves on a 2xx answer.
 *
 * Behaviour:
 * - a new connection must open within `connectTimeout`; the answer's headers must come
 *   within `requestTimeout` of the request (of its body's end when it has one); a body,
 *   either way, must not pause for `idleTimeout`; each is a temporary `ETIMEDOUT`;
 * - `signal` (and the operation's, {@link currentSignal}) cancels it with `Aborted`, also
 *   while a streamed answer is being read;
 * - any other status rejects with an error shaped like the SDK's (see {@link serviceError}).
 */
export async function send(
  pool: Http1Pool,
  req: LeanRequest,
  options: { timeouts: Timeouts; stream: boolean; sink?: Http1Options['sink']; signal?: AbortSignal | undefined },
): Promise<LeanResponse> {
  let path = req.path;
  let sep = '?';
  for (const k in req.query) {
    const v = req.query[k]!;
    path += v === '' ? `${sep}${escapeUri(k)}` : `${sep}${escapeUri(k)}=${escapeUri(v)}`;
    sep = '&';
  }
  const answer = await sendPooled(
    pool,
    {
      method: req.method,
      protocol: req.protocol,
      hostname: req.hostname,
      port: req.port,
      path,
      headers: req.headers,
      body: req.body,
    },
    options,
  );
  const { status, headers } = answer;
  if (answer.sunk !== undefined) return { status, headers, sunk: answer.sunk };
  if (answer.body !== undefined) return { status, headers, body: answer.body };
  const data = answer.data ?? Buffer.alloc(0);
  if (status >= 200 && status < 300)
    return options.stream || options.sink !== undefined
      ? { status, headers, data }
      : { status, headers, text: data.toString('utf8') };
  throw serviceError(status, headers, data.toString('utf8'));
}

/** The error the SDK raises for an S3 error answer: same name, message, fault and metadata. */
export function serviceError(status: number, headers: IncomingHttpHeaders, text: string): Error {
  let parsed: Record<string, unknown> = {};
  if (text.trim() !== '') {
    try {
      const doc = parseXML(text) as Record<string, unknown>;
      const inner = (doc.Error ?? doc) as unknown;
      if (inner !== null && typeof inner === 'object') parsed = inner as Record<string, unknown>;
    } catch {
      // not XML: only the status speaks
    }
  }
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  // As the SDK names an answer without an S3 error document.
  const code = str(parsed.Code) ?? (status === 404 ? 'NotFound' : 'Unknown');
  const header = (name: string): string | undefined => str(headers[name]);
  const metadata = {
    httpStatusCode: status,
    requestId: header('x-amz-request-id') ?? str(parsed.RequestId),
    extendedRequestId: header('x-amz-id-2') ?? str(parsed.HostId),
    cfId: header('x-amz-cf-id'),
    attempts: 1,
    totalRetryDelay: 0,
  };
  const err = new Error(str(parsed.Message) ?? 'UnknownError');
  return Object.assign(err, {
    name: code,
    $fault: status >= 500 ? ('server' as const) : ('client' as const),
    $metadata: metadata,
    $response: { statusCode: status, headers },
    ...(str(parsed.Code) !== undefined ? { Code: parsed.Code } : {}),
    ...(str(parsed.RequestId) !== undefined ? { RequestId: parsed.RequestId } : {}),
  });
}

/**
 * Runs `attempt` until it succeeds or the SDK's retry strategy (the client's own, with its
 * attempts, backoff and retry quota) gives up, classifying each failure as the SDK does.
 * `redirect` may take a failure as a redirect to follow at once (a bucket's region).
 */
export async function withRetries<T>(
  strategy: RetryStrategyV2,
  attempt: () => Promise<T>,
  options: { signal?: AbortSignal | undefined; redirect?: (err: unknown) => boolean },
): Promise<T> {
  let token = await strategy.acquireInitialRetryToken('');
  for (let n = 1; ; n++) {
    try {
      const out = await attempt();
      strategy.recordSuccess(token);
      return out;
    } catch (err) {
      if (options.redirect?.(err) === true) continue;
      const signals = [options.signal, currentSignal()].filter((s): s is AbortSignal => s !== undefined);
      if (signals.some((s) => s.aborted)) throw err;
      const metadata = (err as { $metadata?: Record<string, unknown> }).$metadata;
      if (metadata !== undefined) metadata.attempts = n;
      try {
        token = await strategy.refreshRetryTokenForRetry(token, {
          error: err as never,
          errorType: retryErrorType(err),
        });
      } catch {
        // Given up: an error of ours says after how many attempts, as mapS3Error does for the SDK's.
        if (err instanceof FsError) noteAttempts(err, n);
        throw err;
      }
      await waitOrAbort(token.getRetryDelay(), signals);
    }
  }
}

/** The SDK's classification of an error for its retry strategy. */
function retryErrorType(err: unknown): RetryErrorType {
  const e = err as Parameters<typeof isThrottlingError>[0];
  if (isThrottlingError(e)) return 'THROTTLING';
  if (isTransientError(e)) return 'TRANSIENT';
  if (isServerError(e)) return 'SERVER_ERROR';
  return 'CLIENT_ERROR';
}
