/** The timers of one HTTP request, as every transport arms them. */
import { IdleTimer, timeoutError, type Timeouts } from './timeouts';

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
