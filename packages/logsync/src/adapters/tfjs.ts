/**
 * A TensorFlow.js training callback. It is duck-typed, so this package does not depend on
 * TensorFlow.js (nor on the native `@tensorflow/tfjs-node`): `model.fit(x, y, { callbacks })`
 * accepts it as it accepts any `CustomCallbackArgs` object.
 */
import type { LogSync } from '../logsync';

/** Options of {@link LogSyncCallback}. */
export interface TfjsCallbackOptions {
  /** Report epochs counted from 1, as Keras prints them (default true); false keeps tfjs's 0-based count. */
  oneBasedEpochs?: boolean;
  /** Wait for each epoch's sync before training goes on (default false: never wait on the network). */
  waitForSync?: boolean;
  /** Close the log when training ends (default false: the log stays open for more lines). */
  closeOnTrainEnd?: boolean;
}

/** What tfjs passes to callbacks: metric name → value. */
export type TfjsLogs = Record<string, number>;

/**
 * Logs a tfjs training run: a line when training begins, `epochEnd(epoch, logs)` after each
 * epoch (a metrics line, a log line and a background sync), and a sync (or close) at the end.
 *
 * ```ts
 * await model.fit(xs, ys, { epochs: 10, callbacks: new LogSyncCallback(log) });
 * ```
 *
 * The hooks are own properties bound to this object, because tfjs copies them off the
 * object it is given (`tf.CustomCallback`) and calls them without it.
 */
export class LogSyncCallback {
  readonly onTrainBegin: (logs?: TfjsLogs) => Promise<void>;
  readonly onEpochEnd: (epoch: number, logs?: TfjsLogs) => Promise<void>;
  readonly onTrainEnd: (logs?: TfjsLogs) => Promise<void>;

  constructor(
    readonly log: LogSync,
    options: TfjsCallbackOptions = {},
  ) {
    const offset = options.oneBasedEpochs === false ? 0 : 1;
    this.onTrainBegin = async () => {
      log.info('training started');
    };
    this.onEpochEnd = async (epoch, logs) => {
      await log.epochEnd(epoch + offset, { ...logs }, { wait: options.waitForSync === true });
    };
    this.onTrainEnd = async (logs) => {
      log.info(`training ended${logs === undefined ? '' : ` ${JSON.stringify(logs)}`}`);
      // A failed upload must not fail model.fit(): the lines stay in the spool for later syncs.
      const done = options.closeOnTrainEnd ? log.close() : log.sync();
      await done.catch((err: unknown) => {
        if (!options.closeOnTrainEnd) log.warn(`sync at the end of training failed: ${(err as Error).message}`);
      });
    };
  }
}

/** `new LogSyncCallback(log, options)`. */
export function logSyncCallback(log: LogSync, options: TfjsCallbackOptions = {}): LogSyncCallback {
  return new LogSyncCallback(log, options);
}

export { omnifsIO, type OmnifsIOOptions, type TfjsModelArtifacts, type TfjsSaveResult } from './tfjs-io';
