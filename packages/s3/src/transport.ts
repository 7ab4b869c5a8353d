/**
 * The S3 client's transport: the AWS SDK's request handler with omnifs's timeouts, and the
 * operation's signal (core's {@link currentSignal}) passed to every request it sends.
 */
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import type { Socket } from 'node:net';
import { type Timeouts } from '@omnifs/core';
import {
  abortError,
  errors,
  asTimeout,
  bodyInPieces,
  proxyAgents,
  RequestTimers,
  requestSignal,
  SentAbortGate,
  timeoutError,
} from '@omnifs/core/backend';

/** The SDK's HTTP request, as far as it is used here. */
interface HttpRequest {
  method: string;
  hostname: string;
  body?: unknown;
}

/** A response body of the SDK's Node handler: an IncomingMessage. */
interface ResponseBody {
  socket?: Socket | null;
  once(event: 'end' | 'close', fn: () => void): unknown;
  destroy(err: Error): unknown;
}

/** The SDK's request handler, as far as it is used here. */
interface RequestHandler {
  handle(request: HttpRequest, options?: { abortSignal?: AbortSignal }): Promise<{ response: { body?: unknown } }>;
}

/**
 * The `requestHandler` settings: the SDK's own connect timeout (the others are kept by
 * {@link applyTransport}); and, when the environment names a proxy (`HTTPS_PROXY`, ...),
 * which the AWS SDK does not read, agents that go through it as omnifs's own requests do.
 */
export function handlerConfig(timeouts: Timeouts): NonNullable<S3ClientConfig['requestHandler']> {
  return {
    connectionTimeout: timeouts.connectTimeout,
    ...proxyAgents(timeouts.connectTimeout),
  } as NonNullable<S3ClientConfig['requestHandler']>;
}

/**
 * Wraps the client's request handler so that each request obeys the operation's signal
 * and the timeouts: an upload body must keep moving (`idleTimeout` without the socket
 * taking a piece fails it), the answer must come within `requestTimeout` of the request
 * (or of its body's end), and a response body must not pause for `idleTimeout`. A timeout
 * is a temporary `ETIMEDOUT`, which the SDK's own retries also count.
 */
export function applyTransport(client: S3Client, timeouts: Timeouts): void {
  const inner = client.config.requestHandler as unknown as RequestHandler;
  const handle: RequestHandler['handle'] = async (request, options = {}) => {
    const own = new AbortController();
    const where = `${request.method} ${request.hostname}`;
    const timers = new RequestTimers(own, where, timeouts);
    const { idle } = timers;
    // A write sent in full is given SENT_GRACE_MS for its answer when the caller aborts.
    const gate = SentAbortGate.forWrite(request.method, options.abortSignal);
    const watched = requestSignal(own.signal, options.abortSignal);
    const abortSignal = gate?.signal(own.signal) ?? watched;
    const bodySent = (): void => {
      gate?.sent();
      timers.sent();
    };
    let sent = request;
    if (request.body instanceof Uint8Array && request.body.byteLength > 0) {
      // A copy per attempt: the SDK sends the same request again when it retries.
      sent = Object.assign(Object.create(Object.getPrototypeOf(request) as object) as HttpRequest, request, {
        body: bodyInPieces(request.body, { idle, sent: bodySent }),
      });
    } else if (request.body === undefined || request.body === null || typeof request.body === 'string') {
      // No body, or a short one the handler writes with the head (CompleteMultipartUpload's XML).
      bodySent();
    }
    try {
      const out = await inner.handle(sent, { ...options, abortSignal });
      timers.clear();
      watchBody(out.response.body as ResponseBody | undefined, timeouts.idleTimeout, where);
      return out;
    } catch (err) {
      timers.clear();
      if (own.signal.aborted) throw abortError(own.signal); // a timeout: temporary, the SDK may retry it
      // Cancelled by the caller: an error without the reason as its cause, since the SDK
      // retries anything caused by a TimeoutError (the reason of AbortSignal.timeout); the
      // operation itself rejects with the signal's reason.
      if (gate?.cutAfterSent === true) throw gate.error();
      if (abortSignal.aborted || watched.aborted) throw errors.aborted();
      throw asTimeout(err) ?? err;
    } finally {
      gate?.close();
    }
  };
  // Everything else (config updates, destroy) goes to the SDK's handler itself.
  const wrapped = new Proxy(inner, {
    get(target, prop) {
      if (prop === 'handle') return handle;
      const v: unknown = Reflect.get(target, prop);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  (client.config as { requestHandler: unknown }).requestHandler = wrapped;
}

/** Fails a response body whose socket receives nothing for `ms` (the socket's own timer, re-armed by Node on every read). */
export function watchBody(body: ResponseBody | undefined, ms: number, where: string): void {
  const socket = body?.socket;
  if (ms <= 0 || body === undefined || socket === undefined || socket === null) return;
  const onTimeout = (): void => {
    body.destroy(timeoutError(`no data received from ${where} for ${ms} ms`));
  };
  socket.setTimeout(ms);
  socket.on('timeout', onTimeout);
  const done = (): void => {
    socket.setTimeout(0);
    socket.off('timeout', onTimeout);
  };
  body.once('end', done);
  body.once('close', done);
}
