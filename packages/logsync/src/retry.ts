/** Retrying uploads through temporary errors, with core's backoff (exponential, full jitter). */
import { FsError } from '@omnifs/core';
import { backoffDelay, toFsError } from '@omnifs/core/backend';

/** True when an error is worth retrying (an FsError marked `temporary`, or a network reset). */
export function isTemporary(err: unknown): boolean {
  return toFsError(err).temporary;
}

/** A backoff wait that can be cut short (when `close()` wants the final sync now). */
export class Sleeper {
  private wakers = new Set<() => void>();

  /** Resolves after `ms`, or earlier on {@link wake}. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  /** Ends every wait now. */
  wake(): void {
    for (const w of [...this.wakers]) w();
  }
}

/** How one call to {@link withRetry} retries. */
export interface RetryPolicy {
  minDelayMs: number;
  maxDelayMs: number;
  /** Time (epoch ms) after which no new attempt starts; read before each retry, so it can move. */
  deadline: () => number;
  sleeper: Sleeper;
  /** Called before each wait with the error and the attempt number (1 = first retry). */
  onRetry?: (err: unknown, attempt: number) => void;
  /** One attempt that has not settled after this long is aborted and counts as a temporary `ETIMEDOUT` failure. */
  attemptTimeoutMs: number;
  /** Aborts the attempt in flight and stops retrying (the caller's deadline has passed). */
  signal?: AbortSignal;
  /**
   * Set once a call with this policy has made an attempt, and once one gave up for the
   * deadline: the calls that share it (the files of one sync) then start none, so a sync
   * ends near its deadline.
   */
  tried?: boolean;
  spent?: boolean;
}

/**
 * Runs one attempt with its own AbortSignal, aborted after `timeoutMs` or with `outer`:
 * an attempt stuck on a connection that never answers (a network blackhole) cannot hold
 * the syncs that follow it.
 */
async function attemptWithin<T>(
  fn: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number,
  outer: AbortSignal | undefined,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const onOuter = (): void => controller.abort(outer!.reason);
  outer?.addEventListener('abort', onOuter);
  const stopped = new Promise<never>((_, reject) => {
    const fail = (): void =>
      reject(
        controller.signal.reason instanceof FsError
          ? controller.signal.reason
          : new FsError({
              kind: 'Unexpected',
              code: 'ETIMEDOUT',
              temporary: true,
              message: `no answer within ${timeoutMs} ms`,
            }),
      );
    controller.signal.addEventListener('abort', fail);
    if (timeoutMs > 0) timer = setTimeout(() => controller.abort(), timeoutMs);
  });
  try {
    return await Promise.race([fn(controller.signal), stopped]);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuter);
    if (!controller.signal.aborted) controller.abort(); // ends anything the attempt left running
  }
}

/**
 * Runs `fn` until it succeeds, a permanent error is thrown, or the deadline has passed;
 * the last error is rethrown, marked `persistent` (no longer `temporary`) when the deadline
 * ended the retries. An attempt under way when the deadline passes runs to its end (at
 * most `attemptTimeoutMs`); a later call with the same policy starts none. Delays are core's {@link backoffDelay} between `minDelayMs` and
 * `maxDelayMs`. Each attempt is bounded by `attemptTimeoutMs`.
 */
export async function withRetry<T>(fn: (signal: AbortSignal) => Promise<T>, policy: RetryPolicy): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    if (attempt === 1 && (policy.spent === true || (policy.tried === true && Date.now() >= policy.deadline())))
      throw new FsError({
        kind: 'Unexpected',
        code: 'ETIMEDOUT',
        persistent: true,
        message: 'not tried: the sync had used its time (retry.maxElapsedMs); the data waits in the spool',
      });
    policy.tried = true;
    try {
      return await attemptWithin(fn, policy.attemptTimeoutMs, policy.signal);
    } catch (err) {
      if (!isTemporary(err) || policy.signal?.aborted === true) throw err;
      const delay = backoffDelay(attempt, policy);
      if (Date.now() + delay > policy.deadline()) {
        policy.spent = true;
        throw toFsError(err).markPersistent(attempt);
      }
      policy.onRetry?.(err, attempt);
      await policy.sleeper.sleep(delay);
    }
  }
}
