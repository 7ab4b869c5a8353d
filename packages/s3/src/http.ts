/**
 * The lean path's HTTP: one signed request over a keep-alive connection pool, with
 * omnifs's timeouts and the operation's signal, and error answers shaped like the AWS
 * SDK's service errors (`name` = the S3 code, `$metadata.httpStatusCode`, request ids).
 */
import { parseXML } from '@aws-sdk/xml-builder';
import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import type { RetryErrorType, RetryStrategyV2 } from '@smithy/types';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { type Timeouts } from '@omnifs/core';
import {
  abortError,
  asTimeout,
  bodyInPieces,
  currentSignal,
  errors,
  RequestTimers,
  requestSignal,
  timeoutError,
} from '@omnifs/core/backend';
import type { S3WriteParams } from './options';
import { watchBody } from './transport';

/** Keep-alive agents, made on first use, `maxSockets` connections per host. */
export interface Pool {
  maxSockets: number;
  http?: http.Agent;
  https?: https.Agent;
}

/** A request as the signer takes it. */
export interface LeanRequest {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: Uint8Array;
}

/** A successful answer: the body as a stream (`stream`) or read in full as text. */
export interface LeanResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body?: IncomingMessage;
  text?: string;
}

/** Bodies up to this size are written at once; larger ones in pieces under the idle timer. */
const SMALL_BODY = 64 * 1024;

/** `a/b c` → `a/b%20c`: each segment escaped as RFC 3986 and the SDK's labels want. */
export function escapeKey(key: string): string {
  return key.split('/').map(escapeUri).join('/');
}

/** RFC 3986 escaping, as SigV4 wants it. */
export function escapeUri(s: string): string {
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

/** The headers of PutObject for the write parameters and user metadata. */
export function writeHeaders(w: S3WriteParams, metadata: Record<string, string> | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [field, header] of WRITE_HEADERS) if (w[field] !== undefined) headers[header] = String(w[field]);
  if (w.ObjectLockRetainUntilDate !== undefined)
    headers['x-amz-object-lock-retain-until-date'] = new Date(w.ObjectLockRetainUntilDate).toISOString();
  for (const [k, v] of Object.entries(metadata ?? {})) headers[`x-amz-meta-${k}`] = v;
  return headers;
}

function agentOf(pool: Pool, protocol: string): http.Agent {
  const options = { keepAlive: true, maxSockets: pool.maxSockets, scheduling: 'lifo' as const };
  if (protocol === 'https:') return (pool.https ??= new https.Agent(options));
  return (pool.http ??= new http.Agent(options));
}

/**
 * Sends `req` and resolves on a 2xx answer.
 *
 * Behaviour:
 * - a new connection must open within `connectTimeout`; the answer's headers must come
 *   within `requestTimeout` of the request (of its body's end when it has one); a body,
 *   either way, must not pause for `idleTimeout`; each is a temporary `ETIMEDOUT`;
 * - `signal` (and the operation's, {@link requestSignal}) cancels it with `Aborted`, also
 *   while a streamed answer is being read;
 * - any other status rejects with an error shaped like the SDK's (see {@link serviceError}).
 */
export function send(
  pool: Pool,
  req: LeanRequest,
  options: { timeouts: Timeouts; stream: boolean; signal?: AbortSignal | undefined },
): Promise<LeanResponse> {
  const { timeouts } = options;
  const own = new AbortController();
  const signal = requestSignal(own.signal, options.signal);
  const where = `${req.method} ${req.hostname}`;
  const query = Object.entries(req.query)
    .map(([k, v]) => (v === '' ? escapeUri(k) : `${escapeUri(k)}=${escapeUri(v)}`))
    .join('&');
  return new Promise<LeanResponse>((resolve, reject) => {
    if (signal.aborted) {
      reject(own.signal.aborted ? abortError(own.signal) : errors.aborted());
      return;
    }
    const timers = new RequestTimers(own, where, timeouts);
    const { idle } = timers;
    let response: IncomingMessage | undefined;
    const fail = (err: unknown): void => {
      timers.clear();
      reject(err);
    };
    const onAbort = (): void => {
      const err = own.signal.aborted ? abortError(own.signal) : errors.aborted();
      request.destroy(err);
      response?.destroy(err);
      fail(err);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const request = (req.protocol === 'https:' ? https : http).request(
      {
        agent: agentOf(pool, req.protocol),
        method: req.method,
        hostname: req.hostname,
        ...(req.port !== undefined ? { port: req.port } : {}),
        path: query === '' ? req.path : `${req.path}?${query}`,
        headers: req.headers,
      },
      (res) => {
        response = res;
        timers.clear();
        const status = res.statusCode ?? 0;
        watchBody(res, timeouts.idleTimeout, where);
        res.once('close', () => signal.removeEventListener('abort', onAbort));
        if (status >= 200 && status < 300 && options.stream) {
          resolve({ status, headers: res.headers, body: res });
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('error', (err) => fail(signal.aborted ? err : (asTimeout(err) ?? err)));
        res.once('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (status >= 200 && status < 300) resolve({ status, headers: res.headers, text });
          else reject(serviceError(status, res.headers, text));
        });
      },
    );
    request.once('socket', (socket) => {
      if (!socket.connecting || timeouts.connectTimeout <= 0) return;
      const timer = setTimeout(
        () => own.abort(timeoutError(`could not connect to ${req.hostname} within ${timeouts.connectTimeout} ms`)),
        timeouts.connectTimeout,
      );
      const clear = (): void => clearTimeout(timer);
      socket.once('connect', clear);
      socket.once('close', clear);
    });
    request.once('error', (err) => {
      if (signal.aborted) return; // reported by onAbort
      signal.removeEventListener('abort', onAbort);
      fail(asTimeout(err) ?? err);
    });
    const body = req.body;
    if (body === undefined || body.byteLength === 0) {
      timers.sent();
      request.end();
    } else if (body.byteLength <= SMALL_BODY) {
      request.end(body, timers.sent);
    } else {
      bodyInPieces(body, { idle, sent: timers.sent }).pipe(request);
    }
  });
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
        throw err;
      }
      await delay(token.getRetryDelay(), signals);
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

/** Waits `ms`, or rejects with `Aborted` as soon as one of `signals` aborts. */
function delay(ms: number, signals: AbortSignal[]): Promise<void> {
  if (signals.length === 0) return new Promise((resolve) => setTimeout(resolve, ms));
  const signal = signals.length === 1 ? signals[0]! : AbortSignal.any(signals);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(errors.aborted(signal.reason));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
