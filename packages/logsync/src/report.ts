/**
 * How a LogSync tells about failures the job cannot see: events on the LogSync, the
 * `onError` option, and (by default) one line on stderr, rate limited.
 */
import type { EventEmitter } from 'node:events';
import { type FsError } from '@omnifs/core';
import { toFsError } from '@omnifs/core/backend';

/** At most one stderr line per this many ms (the count of those left out follows). */
const STDERR_EVERY_MS = 30_000;

/**
 * Routes failures.
 *
 * Behaviour:
 * - {@link attempt} (a sync attempt or a spool write failed and will be tried again):
 *   a `'warning'` event with the error, and the stderr line;
 * - {@link failure} (a background sync gave up, or an error that retrying cannot fix):
 *   `onError` when given, else the stderr line; an `'error'` event only when someone
 *   listens for it (an unheard `'error'` would end the process);
 * - the stderr line (`[logsync] message`) is printed at once for the first failure, then
 *   at most once per 30 s with the number of failures not shown.
 */
export class Reporter {
  private lastLineAt = 0;
  private unshown = 0;

  constructor(
    /** Where the events go (the LogSync, once made). */
    public events: EventEmitter,
    private readonly onError: ((error: Error) => void) | undefined,
  ) {}

  /** A failed attempt that will be retried. */
  attempt(err: unknown): void {
    const error = toFsError(err);
    this.events.emit('warning', error);
    if (this.onError === undefined) this.line(error);
  }

  /** A failure the job should know about. */
  failure(err: unknown): void {
    const error = toFsError(err);
    if (this.events.listenerCount('error') > 0) this.events.emit('error', error);
    if (this.onError !== undefined) this.onError(error);
    else this.line(error);
  }

  private line(error: FsError): void {
    const now = Date.now();
    if (now - this.lastLineAt < STDERR_EVERY_MS) {
      this.unshown++;
      return;
    }
    const more =
      this.unshown > 0 ? ` (${this.unshown} more failure${this.unshown === 1 ? '' : 's'} since the last line)` : '';
    this.lastLineAt = now;
    this.unshown = 0;
    process.stderr.write(`[logsync] ${error.message}${more}\n`);
  }
}
