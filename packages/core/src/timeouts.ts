/**
 * Timeouts and cancellation, shared by every remote backend: the timeout options and their
 * defaults, the `ETIMEDOUT` error, an idle timer that one chunk after another refreshes,
 * the signal of the operation in progress, and `fetch` with all of these applied.
 *
 * A backend wires its transport to these (the AWS SDK's request handler, a GCS fetch, an
 * Azure HTTP client, WebHDFS calls); core passes each operation's `signal` down through
 * {@link withSignal}, so transports abort what they are sending when the caller aborts.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { defaultMaxListeners, getMaxListeners, setMaxListeners } from 'node:events';
import { Readable } from 'node:stream';
import { errors, FsError } from './errors';

/** The timeout options every remote backend accepts, in milliseconds; 0 turns one off. */
export interface TimeoutOptions {
  /** Time to open a connection (default 10,000). */
  connectTimeout?: number;
  /**
   * Time for a metadata call (info, ls, delete, ...) to be answered in full, and for any
   * request to get its response headers (default 60,000).
   */
  requestTimeout?: number;
  /**
   * Longest pause in a body, either direction, once it flows (default 30,000): a transfer
   * of any size goes on while bytes keep moving, and fails when they stop this long.
   */
  idleTimeout?: number;
}

/** Timeouts with every value resolved (ms, 0 for none). */
export type Timeouts = Required<TimeoutOptions>;

/** The defaults: generous enough for any healthy link, short enough that a dead one fails. */
export const DEFAULT_TIMEOUTS: Readonly<Timeouts> = Object.freeze({
  connectTimeout: 10_000,
  requestTimeout: 60_000,
  idleTimeout: 30_000,
});

/** The names of the timeout options, as backends list them among their own. */
export const TIMEOUT_OPTION_NAMES: readonly (keyof TimeoutOptions)[] = [
  'connectTimeout',
  'requestTimeout',
  'idleTimeout',
];

/** The timeout options' entries in a backend's option schema (milliseconds, 0 turns one off). */
export const TIMEOUT_OPTION_SCHEMA = {
  connectTimeout: { type: 'number', min: 0 },
  requestTimeout: { type: 'number', min: 0 },
  idleTimeout: { type: 'number', min: 0 },
} as const;

/** Checks the timeout options and fills in the defaults; a bad value is `InvalidArgument`. */
export function resolveTimeouts(options: TimeoutOptions): Timeouts {
  const out = { ...DEFAULT_TIMEOUTS };
  for (const name of TIMEOUT_OPTION_NAMES) {
    const v: unknown = options[name];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw errors.invalid(`${name} must be a number of milliseconds (0 for none), got ${JSON.stringify(v)}`);
    }
    out[name] = v;
  }
  return out;
}

/** The error of a timeout: `ETIMEDOUT`, temporary, so the retry layer retries it. */
export function timeoutError(message: string): FsError {
  return new FsError({ kind: 'Unexpected', code: 'ETIMEDOUT', temporary: true, message });
}

/** Marks an error raised before a connection was made (shared by every copy of core). */
const NOT_CONNECTED = Symbol.for('omnifs.notConnected');

/** The error of a connection that did not open in time: {@link timeoutError}, and {@link connectFailed} holds for it. */
export function connectTimeoutError(message: string): FsError {
  const err = timeoutError(message);
  Object.defineProperty(err, NOT_CONNECTED, { value: true });
  return err;
}

/** Node codes of a connection that could not be made: the name did not resolve, or nothing answered. */
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
]);

/**
 * True when `err` says the request never reached the server: its host's name did not
 * resolve, the connection was refused or unreachable, or it did not open in time. Such a
 * request can go to another server (a standby's peer) whatever it was.
 */
export function connectFailed(err: unknown): boolean {
  const e = err as { code?: unknown; [NOT_CONNECTED]?: unknown } | null | undefined;
  if (e === null || typeof e !== 'object') return false;
  return e[NOT_CONNECTED] === true || (typeof e.code === 'string' && CONNECT_CODES.has(e.code));
}

const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ESOCKETTIMEDOUT',
]);

/**
 * A transport's timeout as our `ETIMEDOUT` FsError (an SDK's `TimeoutError`, undici's and
 * Node's timeout codes, or an FsError that already is one); undefined for other errors.
 */
export function asTimeout(err: unknown): FsError | undefined {
  if (err instanceof FsError) return err.code === 'ETIMEDOUT' ? err : undefined;
  const e = err as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown } | undefined;
  if (e === null || typeof e !== 'object') return undefined;
  const type = (e as { type?: unknown }).type; // node-fetch 2 (teeny-request)
  const isTimeout =
    e.name === 'TimeoutError' ||
    (typeof e.code === 'string' && TIMEOUT_CODES.has(e.code)) ||
    type === 'request-timeout' ||
    type === 'body-timeout';
  if (!isTimeout) return e.cause !== undefined && e.cause !== err ? asTimeout(e.cause) : undefined;
  const t = timeoutError(typeof e.message === 'string' && e.message !== '' ? e.message : 'timed out');
  return Object.assign(t, { cause: err });
}

/**
 * One timer for a whole stream, re-armed by each chunk instead of a new timer per chunk.
 * It only counts while `waiting` is true (a read or a write is pending on the network), so
 * a consumer that pauses is never taken for a stalled link.
 */
export class IdleTimer {
  /** A read or write is waiting on the network. */
  waiting = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly ms: number,
    private readonly onIdle: () => void,
  ) {}

  /** Starts (or restarts) counting. */
  start(): void {
    if (this.ms <= 0) return;
    this.waiting = true;
    if (this.timer === undefined) this.timer = setTimeout(() => this.fire(), this.ms);
    else this.timer.refresh();
  }

  /** Stops counting until the next `start`. */
  pause(): void {
    this.waiting = false;
  }

  /** Stops for good. */
  clear(): void {
    this.waiting = false;
    clearTimeout(this.timer);
  }

  private fire(): void {
    if (this.waiting) this.onIdle();
  }
}

/** The operation in progress: its signal, and the signals that signal already obeys. */
interface Operation {
  signal: AbortSignal;
  sources: ReadonlySet<AbortSignal>;
}

const ambient = new AsyncLocalStorage<Operation>();

/** The signal of the operation in progress, as {@link withSignal} set it. */
export function currentSignal(): AbortSignal | undefined {
  return ambient.getStore()?.signal;
}

/**
 * The error an aborted signal stands for: its reason when that is an FsError (a timeout),
 * else `Aborted` (`ABORT_ERR`) with the reason as cause.
 */
export function abortError(signal: AbortSignal): FsError {
  return signal.reason instanceof FsError ? signal.reason : errors.aborted(signal.reason);
}

/**
 * How long a write whose request was sent in full is given, after an abort, for its
 * answer: the service may already have done it, and an answer that comes in time is the
 * outcome the caller hears (the write done, or refused) instead of `Aborted`. Short enough
 * that the call still ends within 100 ms of the abort.
 */
export const SENT_GRACE_MS = 50;

/**
 * Calls `expire` once {@link SENT_GRACE_MS} have passed and the answers already at the
 * sockets have been read: it runs in the event loop's check phase, after the poll phase
 * that reads them, so an answer that came in time is not lost to a loop that was busy
 * (a long task, a pause for garbage collection) when the grace ran out. Holds no process
 * open by itself; `cancel` stops it.
 */
export function afterGrace(expire: () => void): { cancel(): void } {
  let immediate: NodeJS.Immediate | undefined;
  const timer = setTimeout(() => (immediate = setImmediate(expire)), SENT_GRACE_MS).unref();
  return {
    cancel: () => {
      clearTimeout(timer);
      if (immediate !== undefined) clearImmediate(immediate);
    },
  };
}

/**
 * The error of a write aborted after its request was sent in full and not answered within
 * {@link SENT_GRACE_MS}: {@link abortError}'s kind and code, saying the service may have
 * carried it out.
 */
export function sentAbortError(signal: AbortSignal): FsError {
  const e = abortError(signal);
  return new FsError({
    kind: e.kind,
    code: e.code,
    temporary: e.temporary,
    message: `${e.message}${MAY_HAVE_DONE}`,
    ...(e.cause === undefined ? {} : { cause: e.cause }),
  });
}

/** Marks a write sent in full whose answer never came (shared by every copy of core). */
const SENT_WRITE = Symbol.for('omnifs.sentWrite');

/** The message ending that says so, as {@link sentAbortError} ends. */
const MAY_HAVE_DONE = ' after the request was sent: the service may have carried it out';

/**
 * Marks `err`, the failure of a write (PUT, POST, DELETE, ...) sent in full whose answer
 * did not come (a timeout, a lost connection): the service may have carried it out, and
 * the message says so. {@link sentWriteLost} finds the mark, also on errors made from it.
 */
export function markSentWrite(err: Error): void {
  if ((err as { [SENT_WRITE]?: boolean })[SENT_WRITE] === true) return;
  Object.defineProperty(err, SENT_WRITE, { value: true });
  if (!err.message.endsWith(MAY_HAVE_DONE)) err.message += MAY_HAVE_DONE;
}

/** True when `err`, or an error in its `cause` chain, is a write whose answer was lost ({@link markSentWrite}). */
export function sentWriteLost(err: unknown): boolean {
  for (let e = err, depth = 0; e !== null && typeof e === 'object' && depth < 8; depth++) {
    if ((e as { [SENT_WRITE]?: boolean })[SENT_WRITE] === true) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * What a write whose `signal` aborted fails with, whatever the torn-down request reported:
 * `err` itself when it is already an `Aborted` FsError (a write sent in full says the
 * service may have carried it out), else `Aborted` with the signal's reason as its cause.
 */
export function abortedWrite(signal: AbortSignal, err: unknown): FsError {
  return err instanceof FsError && err.kind === 'Aborted' ? err : errors.aborted(signal.reason);
}

/**
 * Runs `fn` as an operation that `signal` cancels: transports started inside see the
 * signal ({@link currentSignal}), and the promise rejects soon after it aborts, whatever
 * `fn` is waiting for. Without a signal, or with one the enclosing operation already
 * obeys (a copy's reads of its parts), it is just `fn()`: only the outermost operation
 * stops waiting, after the inner ones had their chance to clean up.
 */
export function withSignal<T>(signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
  if (signal === undefined) return fn();
  if (signal.aborted) return Promise.reject(abortError(signal));
  allowManyListeners(signal);
  const outer = ambient.getStore();
  if (outer?.sources.has(signal) === true) return fn();
  const combined = outer === undefined ? signal : AbortSignal.any([outer.signal, signal]);
  const sources = new Set(outer?.sources ?? []).add(signal);
  return ambient.run({ signal: combined, sources }, () => abortable(fn(), combined));
}

/** The listeners one signal may hold before Node warns of a leak, once omnifs has it. */
const SIGNAL_LISTENERS = 4096;

/**
 * Lets `signal` hold the listeners of a batch: every file of a `put` or `cp` in flight
 * (up to the batch size, 256 on remote stores) listens to the caller's one signal, past
 * Node's default of 10 that warns of a leak. A limit the caller set is left as it is.
 */
export function allowManyListeners(signal: AbortSignal): void {
  let limit: number;
  try {
    limit = getMaxListeners(signal);
  } catch {
    return; // Node 20 throws for a signal whose limit was set to 0 (no limit): the caller's
  }
  if (limit === defaultMaxListeners) setMaxListeners(SIGNAL_LISTENERS, signal);
}

/**
 * Runs `fn` outside the signal of the operation in progress: for the cleanup that an abort
 * sets off (aborting a multipart upload, deleting a temporary file), which must not be
 * aborted by the very signal it answers.
 */
export function outsideSignal<T>(fn: () => T): T {
  return ambient.exit(fn);
}

/**
 * How long aborted work is given to stop on its own. Transports obey the signal, so work
 * stops within milliseconds and its cleanup (a temporary file removed, an upload aborted)
 * is done when the caller hears of the abort; this only bounds work that cannot be
 * cancelled (backends race such calls themselves, with {@link abortable}).
 */
const ABORT_GRACE_MS = 1000;

/**
 * `promise`, or a rejection soon after `signal` aborts: the work is given `graceMs`
 * (default {@link ABORT_GRACE_MS}) to stop on its own (its own outcome then stands), and
 * is left behind after that. A backend wraps a call its transport cannot cancel in it,
 * with the operation's signal and no grace.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal, graceMs = ABORT_GRACE_MS): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(abortError(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      const grace = setTimeout(() => reject(abortError(signal)), graceMs);
      promise.finally(() => clearTimeout(grace)).catch(() => undefined);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        if (!signal.aborted) return reject(e);
        // The work's own error of that kind stands: a write sent before the abort says so.
        const aborted = abortError(signal);
        reject(e instanceof FsError && e.kind === aborted.kind ? e : aborted);
      },
    );
  });
}

/** The signal a request should obey: its own controller's, the operation's, and any given. */
export function requestSignal(own: AbortSignal, ...more: (AbortSignal | undefined | null)[]): AbortSignal {
  const all = [own, currentSignal(), ...more].filter((s): s is AbortSignal => s != null);
  const unique = [...new Set(all)];
  return unique.length === 1 ? own : AbortSignal.any(unique);
}

/** The piece size of {@link bodyInPieces}. */
const PIECE = 64 * 1024;

/** What {@link bodyInPieces} reports to. */
export interface UploadWatch {
  /** Counts while the transport holds a piece and has not asked for the next. */
  idle: IdleTimer;
  /** Called once the transport has taken the last piece: the answer is awaited from then on. */
  sent: () => void;
}

/**
 * A request body of bytes as a stream of 64 KiB pieces, handed out as the transport asks
 * for them. `watch.idle` counts how long the transport goes without asking (a link that
 * stopped taking bytes), and `watch.sent` says when the whole body is out, so that the
 * wait for the answer falls under the request timeout rather than the idle one. (A socket
 * counts one large write as activity only once the kernel took all of it, so a large body
 * written at once would look idle over a slow link.)
 */
export function bodyInPieces(body: Uint8Array, watch: UploadWatch): Readable {
  let at = 0;
  const stream = new Readable({
    highWaterMark: PIECE,
    read() {
      watch.idle.start();
      if (at >= body.byteLength) {
        this.push(null);
        return;
      }
      this.push(body.subarray(at, at + PIECE));
      at += PIECE;
    },
  });
  stream.once('end', () => {
    watch.idle.pause();
    watch.sent();
  });
  return stream;
}

/** What a {@link timedFetch} response carries. */
export type FetchBody =
  /** A metadata answer: headers and the whole body within `requestTimeout`. */
  | 'metadata'
  /** A data stream: headers within `requestTimeout`, then the body under `idleTimeout`. */
  | 'data';

/**
 * `fetch` with the timeouts applied and the operation's signal obeyed.
 *
 * Behaviour:
 * - `metadata`: the response comes back with its body read, all within `requestTimeout`;
 * - `data`: the body is a stream that fails with `ETIMEDOUT` when no byte arrives for
 *   `idleTimeout` while it is being read (a paused reader is not a stalled link); a
 *   streamed request body (an async iterable) is held to the same rule while it is sent;
 * - a timeout rejects with a temporary `ETIMEDOUT` FsError, an abort with `Aborted`.
 */
export async function timedFetch(
  url: string,
  init: RequestInit & { body?: RequestInit['body'] | AsyncIterable<Uint8Array> },
  timeouts: Timeouts,
  body: FetchBody,
): Promise<Response> {
  const controller = new AbortController();
  const signal = requestSignal(controller.signal, init.signal);
  const method = init.method ?? 'GET';
  const what = `${method} ${new URL(url).host}`;
  const deadline =
    timeouts.requestTimeout > 0
      ? setTimeout(
          () => controller.abort(timeoutError(`no answer to ${what} within ${timeouts.requestTimeout} ms`)),
          timeouts.requestTimeout,
        )
      : undefined;
  const idle = new IdleTimer(timeouts.idleTimeout, () =>
    controller.abort(timeoutError(`no data moved on ${what} for ${timeouts.idleTimeout} ms`)),
  );
  const sent = isAsyncIterable(init.body) ? idleUpload(init.body, idle, deadline) : init.body;
  try {
    const res = await fetch(url, {
      ...init,
      body: sent as RequestInit['body'],
      signal,
      ...(sent !== init.body ? { duplex: 'half' } : {}),
    } as RequestInit);
    if (body === 'metadata') {
      const bytes = await res.arrayBuffer();
      return new Response(res.status === 204 || res.status === 304 ? null : bytes, res);
    }
    clearTimeout(deadline);
    if (res.body === null) return res;
    return new Response(idleBody(res.body, idle, signal), res);
  } catch (err) {
    idle.clear();
    throw signal.aborted ? abortError(signal) : err;
  } finally {
    if (body === 'metadata') {
      clearTimeout(deadline);
      idle.clear();
    }
  }
}

function isAsyncIterable(v: unknown): v is AsyncIterable<Uint8Array> {
  return typeof v === 'object' && v !== null && Symbol.asyncIterator in v && !(v instanceof ReadableStream);
}

/** A request body that counts, with `idle`, how long the transport holds each chunk. */
async function* idleUpload(
  source: AsyncIterable<Uint8Array>,
  idle: IdleTimer,
  deadline: ReturnType<typeof setTimeout> | undefined,
): AsyncGenerator<Uint8Array> {
  // While the body is sent, the request deadline waits for the answer after it instead.
  deadline?.refresh();
  for await (const chunk of source) {
    idle.start();
    yield chunk;
    idle.pause();
    deadline?.refresh();
  }
}

/** A response body whose reads fail when no byte arrives for the idle time. */
function idleBody(body: ReadableStream<Uint8Array>, idle: IdleTimer, signal: AbortSignal): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        idle.start();
        try {
          const next = await reader.read();
          idle.pause();
          if (next.done) {
            idle.clear();
            controller.close();
          } else {
            controller.enqueue(next.value);
          }
        } catch (err) {
          idle.clear();
          controller.error(signal.aborted ? abortError(signal) : err);
        }
      },
      cancel(reason) {
        idle.clear();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
