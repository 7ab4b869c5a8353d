/**
 * One request of a backend's own request path over an {@link Http1Pool}: omnifs's
 * timeouts (a body, sent or received, under the idle timeout) and the caller's and the
 * operation's signals. What every lean path (S3, Azure) shares; each shapes its
 * service's error answers itself.
 */
import { errors, FsError } from './errors';
import type { Http1Answer, Http1Options, Http1Pool, Http1Request } from './http1';
import { asTimeout, currentSignal, type Timeouts } from './timeouts';

/** How {@link sendPooled} sends one request. */
export interface PooledOptions {
  timeouts: Timeouts;
  /** Resolve a 2xx answer with its body as a stream (see `Http1Options.stream`). */
  stream: boolean;
  /** Where a 2xx answer's body goes, decided once its head has come (see `Http1Options.sink`). */
  sink?: Http1Options['sink'];
  /** Cancels the request, as does the operation's own signal. */
  signal?: AbortSignal | undefined;
}

/**
 * Sends `req` (its body as bytes) on `pool` and resolves with the answer, whatever its status.
 *
 * Behaviour:
 * - a new connection must open within `connectTimeout`; the answer's head must come within
 *   `requestTimeout` of the request (of its body's end when it has one); a body, either
 *   way, must not pause for `idleTimeout`; each is a temporary `ETIMEDOUT`;
 * - `signal` (and the operation's, {@link currentSignal}) cancels it with `Aborted`, also
 *   while a streamed answer is being read;
 * - network errors reject with Node's error (its `code`).
 */
export async function sendPooled(
  pool: Http1Pool,
  req: Omit<Http1Request, 'body'> & { body?: Uint8Array | undefined },
  options: PooledOptions,
): Promise<Http1Answer> {
  const { timeouts } = options;
  try {
    return await pool.request(req, {
      stream: options.stream,
      sink: options.sink,
      signal: [options.signal, currentSignal()],
      connectTimeout: timeouts.connectTimeout,
      requestTimeout: timeouts.requestTimeout,
      idleTimeout: timeouts.idleTimeout,
    });
  } catch (err) {
    // Cancelled by the caller: `Aborted`, without the reason as its cause (its message kept:
    // a write sent before the abort says the service may have carried it out).
    if (options.signal?.aborted === true || currentSignal()?.aborted === true)
      throw err instanceof FsError && err.kind === 'Aborted'
        ? new FsError({ kind: 'Aborted', message: err.message })
        : errors.aborted();
    throw asTimeout(err) ?? err;
  }
}

/** Waits `ms`, or rejects with `Aborted` as soon as one of `signals` aborts. */
export function waitOrAbort(ms: number, signals: ReadonlyArray<AbortSignal | undefined>): Promise<void> {
  const live = signals.filter((s): s is AbortSignal => s !== undefined);
  if (live.length === 0) return new Promise((resolve) => setTimeout(resolve, ms));
  const signal = live.length === 1 ? live[0]! : AbortSignal.any(live);
  if (signal.aborted) return Promise.reject(errors.aborted(signal.reason));
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
