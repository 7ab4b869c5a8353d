/**
 * The retry layer: retries calls that failed with a `temporary` FsError, with exponential
 * backoff and full jitter. Requests the SDK already retried count toward the budget, so
 * retries are not multiplied.
 */
import { defineOptions } from '../options';
import { FsError, toFsError } from '../errors';
import { backoffDelay } from '../backoff';
import {
  nonNegativeOption,
  positiveOption,
  WrapperFileSystem,
  type HookName,
  type WrapperOptions,
  WRAPPER_OPTIONS,
} from './wrapper';
import type { ReadOptions } from '../base';

/** Options of {@link RetryFileSystem}. */
export interface RetryOptions extends WrapperOptions {
  /** Attempts in all, the first included (default 5). */
  maxAttempts?: number;
  /** First backoff, ms (default 100). */
  minDelayMs?: number;
  /** Longest backoff, ms (default 5000). */
  maxDelayMs?: number;
  /** Called before each retry (for logging or metrics). */
  onRetry?: (info: { hook: HookName; attempt: number; delayMs: number; error: FsError }) => void;
  /** Gets one warning line per retry as it happens, e.g. `console` (the message has no secrets). */
  logger?: { warn(message: string): void };
}

/** Hooks whose repetition cannot change the outcome; a write carries its whole body. */
const RETRYABLE: ReadonlySet<HookName> = new Set([
  'info',
  'ls',
  'read',
  'write',
  'rm',
  'mkdir',
  'copy',
  'find',
  'rmMany',
  'sign',
  'touch',
  'openRead',
]);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Retries temporary failures of the wrapped filesystem.
 *
 * Behaviour:
 * - only errors with `temporary: true` are retried (throttling, resets, 5xx); when the
 *   attempts run out the error is marked `persistent` (and no longer `temporary`);
 * - streamed writers are not retried here (their parts are the backend's business);
 *   reads that fail mid-stream resume from the last byte received, of the same version;
 * - a delete whose retry finds the file gone counts as done.
 */
export class RetryFileSystem extends WrapperFileSystem {
  static override protocols: readonly string[] = ['retry'];
  /** The options the layer takes. */
  static override optionSchema = defineOptions<RetryOptions>({
    ...WRAPPER_OPTIONS,
    maxAttempts: { type: 'integer', min: 1 },
    minDelayMs: { type: 'number', min: 0 },
    maxDelayMs: { type: 'number', min: 0 },
    onRetry: 'function',
    logger: 'object',
  });
  private readonly maxAttempts: number;
  private readonly minDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly onRetry: RetryOptions['onRetry'];

  constructor(options: RetryOptions) {
    super(options);
    this.maxAttempts = Math.floor(positiveOption('maxAttempts', options.maxAttempts, 5));
    this.minDelayMs = nonNegativeOption('minDelayMs', options.minDelayMs, 100);
    this.maxDelayMs = nonNegativeOption('maxDelayMs', options.maxDelayMs, 5000);
    const { onRetry, logger } = options;
    this.onRetry =
      logger === undefined
        ? onRetry
        : (info) => {
            logger.warn(
              `omnifs: retry ${info.attempt} of ${info.hook} in ${info.delayMs} ms after: ${info.error.message}`,
            );
            onRetry?.(info);
          };
  }

  /** The delay before retry number `attempt` (1-based): core's {@link backoffDelay}. */
  backoff(attempt: number): number {
    return backoffDelay(attempt, { minDelayMs: this.minDelayMs, maxDelayMs: this.maxDelayMs });
  }

  protected override async call<T>(hook: HookName, fn: () => Promise<T>): Promise<T> {
    if (!RETRYABLE.has(hook)) return fn();
    let used = 0;
    for (let retry = 1; ; retry++) {
      try {
        return await fn();
      } catch (err) {
        const e = toFsError(err);
        used += Math.max(1, e.attempts ?? 1);
        if (retry > 1 && (hook === 'rm' || hook === 'rmMany') && e.kind === 'NotFound') return undefined as T;
        if (!e.temporary) throw e;
        if (used >= this.maxAttempts) throw e.markPersistent(used);
        const delayMs = this.backoff(retry);
        this.onRetry?.({ hook, attempt: retry, delayMs, error: e });
        await sleep(delayMs);
      }
    }
  }

  /**
   * Streams a file, resuming from the last byte received after a temporary failure. Every
   * attempt is pinned to one version: the `etag` asked for, else the one `info` gives
   * before the first byte, so a file replaced between a cut and its resume fails with
   * `ConditionNotMatch` instead of joining two versions.
   */
  protected override async *_readStream(
    path: string,
    start: number,
    end: number | undefined,
    options: ReadOptions = {},
  ): AsyncGenerator<Uint8Array> {
    let pos = start;
    let used = 0;
    let pinned = options;
    if (options.etag === undefined) {
      const { etag } = await this._info(path);
      if (typeof etag === 'string' && etag !== '') pinned = { ...options, etag };
    }
    for (let retry = 1; ; retry++) {
      try {
        for await (const chunk of super._readStream(path, pos, end, pinned)) {
          pos += chunk.byteLength;
          yield chunk;
        }
        return;
      } catch (err) {
        const e = toFsError(err);
        used += Math.max(1, e.attempts ?? 1);
        if (!e.temporary) throw e;
        if (used >= this.maxAttempts) throw e.markPersistent(used);
        const delayMs = this.backoff(retry);
        this.onRetry?.({ hook: 'openRead', attempt: retry, delayMs, error: e });
        await sleep(delayMs);
      }
    }
  }
}
