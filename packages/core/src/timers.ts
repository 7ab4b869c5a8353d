/** The timers of one HTTP request, as every transport arms them, and the grace of a write sent. */
import { FsError } from './errors';
import { afterGrace, currentSignal, IdleTimer, sentAbortError, timeoutError, type Timeouts } from './timeouts';

/**
 * The answer's deadline and the idle timer of one request. Each aborts `controller` with a
 * temporary `ETIMEDOUT` naming `where` (`'GET host'`): the deadline when no answer comes
 * within `requestTimeout` of the request being sent (its body included), the idle timer
 * when no byte moves for `idleTimeout`.
 */
export class RequestTimers {
  /** The idle timer: `start()` re-arms it as bytes move (give it to `bodyInPieces`). */
  readonly idle: IdleTimer;
  #deadline: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly controller: AbortController,
    private readonly where: string,
    private readonly timeouts: Timeouts,
  ) {
    this.idle = new IdleTimer(timeouts.idleTimeout, () =>
      controller.abort(timeoutError(`no data moved on ${where} for ${timeouts.idleTimeout} ms`)),
    );
  }

  /** Arms the answer's deadline; called once the request, its body included, is sent. */
  readonly sent = (): void => {
    const ms = this.timeouts.requestTimeout;
    if (ms <= 0) return;
    clearTimeout(this.#deadline);
    this.#deadline = setTimeout(
      () => this.controller.abort(timeoutError(`no answer to ${this.where} within ${ms} ms`)),
      ms,
    );
  };

  /** The answer has come: stops waiting for it (the idle timer keeps watching the body). */
  answered(): void {
    clearTimeout(this.#deadline);
  }

  /** Stops both timers. */
  clear(): void {
    clearTimeout(this.#deadline);
    this.idle.clear();
  }
}

/**
 * The caller's abort of a write sent through an HTTP client omnifs does not own (an SDK's
 * handler), as that client should see it: at once while the request is being sent; once
 * the body has gone in full ({@link sent}), {@link SENT_GRACE_MS} later, so that an answer
 * coming within the grace stands (the service may already have done the write). What
 * Http1Pool does for omnifs's own requests.
 *
 * ```ts
 * const gate = SentAbortGate.forWrite(request.method, request.abortSignal);
 * const signal = gate?.signal(own.signal) ?? requestSignal(own.signal, request.abortSignal);
 * // ... call gate?.sent() when the body is out; on failure:
 * if (gate?.cutAfterSent) throw gate.error();
 * // ... and gate?.close() once settled.
 * ```
 */
export class SentAbortGate {
  private readonly controller = new AbortController();
  private grace: { cancel(): void } | undefined;
  private wasSent = false;

  private constructor(private readonly caller: AbortSignal) {
    if (caller.aborted) this.controller.abort();
    else caller.addEventListener('abort', this.onAbort, { once: true });
  }

  /**
   * A gate for a request of `method` whose caller's signals are `given` and the operation's
   * ({@link currentSignal}); undefined for a GET or HEAD (nothing to learn from their answer
   * once aborted) or when no signal can abort it.
   */
  static forWrite(method: string, given: AbortSignal | undefined | null): SentAbortGate | undefined {
    if (method === 'GET' || method === 'HEAD') return undefined;
    const all = [...new Set([currentSignal(), given].filter((s): s is AbortSignal => s != null))];
    if (all.length === 0) return undefined;
    return new SentAbortGate(all.length === 1 ? all[0]! : AbortSignal.any(all));
  }

  /** What the client obeys: this gate and `own` (the request's own timeouts). */
  signal(own: AbortSignal): AbortSignal {
    return AbortSignal.any([own, this.controller.signal]);
  }

  /** The request's body has gone in full (at once for a request without one). */
  sent(): void {
    this.wasSent = true;
  }

  /** True once the caller aborted a request whose body had gone in full. */
  get cutAfterSent(): boolean {
    return this.wasSent && this.caller.aborted;
  }

  /**
   * {@link sentAbortError} of the caller's signal, without a cause: an SDK retries an error
   * a TimeoutError caused (the reason of `AbortSignal.timeout`).
   */
  error(): FsError {
    const e = sentAbortError(this.caller);
    return new FsError({ kind: e.kind, code: e.code, temporary: e.temporary, message: e.message });
  }

  /** Stops listening to the caller's signal; the request has settled. */
  close(): void {
    this.grace?.cancel();
    this.caller.removeEventListener('abort', this.onAbort);
  }

  private readonly onAbort = (): void => {
    if (!this.wasSent) this.controller.abort();
    else this.grace = afterGrace(() => this.controller.abort());
  };
}
