/** The one backoff of omnifs: exponential growth capped, with full jitter. */

/** Bounds of a backoff: the first cap and the largest one, ms. */
export interface BackoffBounds {
  /** Cap of the first delay, ms. */
  minDelayMs: number;
  /** Largest cap, ms. */
  maxDelayMs: number;
}

/**
 * The delay before retry number `attempt` (1 is the first retry), ms: drawn at random
 * below a cap that starts at `minDelayMs` and doubles per attempt up to `maxDelayMs`
 * ("full jitter", so many clients failing at once do not retry in step).
 *
 * Behaviour:
 * - the result is an integer in `[0, min(maxDelayMs, minDelayMs * 2 ** (attempt - 1))]`;
 * - a huge `attempt` does not overflow: the cap stays `maxDelayMs`.
 */
export function backoffDelay(attempt: number, bounds: BackoffBounds): number {
  const cap = Math.min(bounds.maxDelayMs, bounds.minDelayMs * 2 ** Math.min(Math.max(attempt, 1) - 1, 30));
  return Math.round(Math.random() * cap);
}
