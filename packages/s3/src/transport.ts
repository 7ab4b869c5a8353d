/**
 * The S3 client's transport: the AWS SDK's request handler with omnifs's timeouts, and the
 * operation's signal (core's {@link currentSignal}) passed to every request it sends.
 */
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { asTimeout, requestSignal, type Timeouts } from '@omnifs/core';

/** The SDK's request handler, as far as it is used here. */
interface RequestHandler {
  handle(request: { method?: string; body?: unknown }, options?: { abortSignal?: AbortSignal; requestTimeout?: number }): Promise<{ response: { body?: unknown } }>;
  [other: string]: unknown;
}

/**
 * The `requestHandler` settings of the timeouts: `connectionTimeout`, a socket idle
 * timeout that holds for the whole exchange, bodies included, in both directions, and
 * `requestTimeout` (set per request) as an error rather than a warning.
 */
export function handlerConfig(timeouts: Timeouts): NonNullable<S3ClientConfig['requestHandler']> {
  return {
    connectionTimeout: timeouts.connectTimeout,
    socketTimeout: timeouts.idleTimeout,
    throwOnRequestTimeout: true,
  } as NonNullable<S3ClientConfig['requestHandler']>;
}

/**
 * Wraps the client's request handler so that each request obeys the operation's signal,
 * a request without a body (HEAD, GET, LIST, DELETE) gets its headers within
 * `requestTimeout`, and a timeout surfaces as a temporary `ETIMEDOUT`, also when it cuts a
 * response body.
 */
export function applyTransport(client: S3Client, timeouts: Timeouts): void {
  const inner = client.config.requestHandler as unknown as RequestHandler;
  const handle: RequestHandler['handle'] = async (request, options = {}) => {
    const own = new AbortController();
    const abortSignal = requestSignal(own.signal, options.abortSignal);
    const hasBody = request.body !== undefined && request.body !== null && request.body !== '';
    const requestTimeout = hasBody ? undefined : timeouts.requestTimeout || undefined;
    try {
      const out = await inner.handle(request, { ...options, abortSignal, ...(requestTimeout ? { requestTimeout } : {}) });
      const body = out.response.body as { on?: (event: 'error', fn: (err: Error & { code?: string }) => void) => void } | undefined;
      // The socket idle timeout destroys a stalled body with a code-less TimeoutError.
      body?.on?.('error', (err) => {
        if (err.name === 'TimeoutError' && err.code === undefined) err.code = 'ETIMEDOUT';
      });
      return out;
    } catch (err) {
      throw asTimeout(err) ?? err;
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
