/**
 * @omnifs/logsync: a job's logs on any storage. Lines and files go to local disk first and
 * are synced in the background to any omnifs URL, incrementally where the target can
 * append, with nothing lost on close, on SIGINT/SIGTERM or through an outage.
 *
 * ```ts
 * import { createLogSync } from '@omnifs/logsync';
 * const log = await createLogSync({ logDir: 's3://bucket/experiments/', experiment: 'run-42' });
 * log.info('epoch 1 loss=0.31');
 * await log.epochEnd(1, { loss: 0.31 });
 * await log.close();
 * ```
 */
export { createLogSync, LogSync, type EpochEndOptions, type LineDestination, type LogSyncStatus } from './logsync';
export {
  LEVELS,
  type LogLevel,
  type LogSyncOptions,
  type RetryOptions,
  type RotateOptions,
  type SyncReport,
} from './options';
export type { SyncStats } from './syncer';
export { defaultSpoolDir } from './spooldir';
export {
  appendStrategy,
  appendByCopyStrategy,
  rewriteStrategy,
  chooseStrategy,
  registerSyncStrategy,
  type SyncStrategy,
  type UploadJob,
  type UploadResult,
} from './strategies';
export { followLog, listRuns, type FollowOptions, type RunInfo } from './follow';
export { formatLine } from './format';
export { writableDestination } from './writable';
export type { CheckpointData, CheckpointProgress, SaveCheckpointOptions } from './checkpoints';
export { signalHandlersInstalled } from './signals';
