/** Running many tasks with a concurrency limit, cancellation and progress. */
import { errors } from './errors';
import type { Progress } from './types';

/** Default number of concurrent transfers for many-path operations. */
export const DEFAULT_BATCH_SIZE = 8;

/** The default batch size of an operation on these filesystems: the largest any declares. */
export function defaultBatchSize(...filesystems: ReadonlyArray<{ capabilities: { batchSize?: number } }>): number {
  return Math.max(DEFAULT_BATCH_SIZE, ...filesystems.map((fs) => fs.capabilities.batchSize ?? 0));
}

/** Throws an `Aborted` FsError when `signal` is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw errors.aborted(signal.reason);
}

/**
 * Runs `task` over `items` with at most `limit` running at once and returns the results
 * in input order.
 *
 * Behaviour: the first failure stops new tasks from starting and is rethrown once the
 * running ones settle; an aborted `signal` does the same with an `Aborted` error.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const width = Math.max(1, Math.min(Math.floor(limit) || 1, items.length));
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      if (signal?.aborted) {
        failure ??= { error: errors.aborted(signal.reason) };
        return;
      }
      const i = next++;
      try {
        results[i] = await task(items[i]!, i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  if (failure !== undefined) throw failure.error;
  return results;
}

/** Accumulates progress and reports it to an optional callback. */
export class ProgressTracker {
  private readonly state: Progress;
  constructor(
    private readonly onProgress: ((p: Progress) => void) | undefined,
    totals: { totalBytes?: number; totalFiles?: number } = {},
  ) {
    this.state = { bytes: 0, files: 0, ...totals };
  }

  /** Adds transferred bytes. */
  addBytes(n: number): void {
    if (n === 0) return;
    this.state.bytes += n;
    this.emit();
  }

  /** Marks one file done. */
  fileDone(): void {
    this.filesDone(1);
  }

  /** Marks `n` files done at once (a batch delete). */
  filesDone(n: number): void {
    if (n === 0) return;
    this.state.files += n;
    this.emit();
  }

  /** Sets the totals once known. */
  setTotals(totals: { totalBytes?: number; totalFiles?: number }): void {
    Object.assign(this.state, totals);
    this.emit();
  }

  /** A copy of the current figures. */
  snapshot(): Progress {
    return { ...this.state };
  }

  private emit(): void {
    this.onProgress?.({ ...this.state });
  }
}
