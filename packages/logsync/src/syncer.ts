/**
 * The syncer: uploads what changed in the spool, one sync at a time. Requests that come
 * while a sync runs are folded into one sync that starts when it ends, so syncs never
 * overlap and a burst of `epochEnd` calls costs at most two.
 */
import { createReadStream } from 'node:fs';
import { FsError, type FileSystem } from '@omnifs/core';
import { joinPath, toFsError } from '@omnifs/core/backend';
import type { ResolvedOptions, SyncReport } from './options';
import { Sleeper, withRetry, type RetryPolicy } from './retry';
import type { Spool } from './spool';
import type { Reporter } from './report';
import { chooseStrategy, type SyncStrategy } from './strategies';
import { compressSegment, uploadSegment } from './rotation';

/** Counters of a LogSync's uploads. */
export interface SyncStats {
  /** Syncs completed. */
  syncs: number;
  /** Syncs that ended with an error (the data stayed in the spool). */
  failures: number;
  /** Bytes sent to the target so far. */
  bytesSent: number;
  /** Retries after temporary errors. */
  retries: number;
  /** When the last sync completed. */
  lastSyncAt: Date | undefined;
  /** The last error of a failed sync, cleared by the next successful one. */
  lastError: Error | undefined;
  /** When that error happened. */
  lastErrorAt: Date | undefined;
}

/** Where files go: a filesystem and the run's directory on it (undefined for local targets). */
export interface Target {
  fs: FileSystem;
  path: string;
}

/**
 * Uploads a {@link Spool} to a {@link Target}.
 *
 * Behaviour:
 * - append-only files go through the target's {@link SyncStrategy}, their offsets recorded
 *   in the spool after each upload; whole files are re-sent when written since their last upload;
 * - temporary errors are retried with backoff until `retry.maxElapsedMs` (background) or
 *   the deadline set by {@link hurry} (closing); what could not be sent stays for the next sync;
 * - a local target (no `target`) only has its files flushed to disk.
 */
export class Syncer {
  readonly stats: SyncStats = {
    syncs: 0,
    failures: 0,
    bytesSent: 0,
    retries: 0,
    lastSyncAt: undefined,
    lastError: undefined,
    lastErrorAt: undefined,
  };
  private readonly sleeper = new Sleeper();
  private readonly strategy: SyncStrategy | undefined;
  private readonly dirty = new Map<string, number>();
  private generation = 0;
  private current: Promise<SyncReport> | undefined;
  private queued: Promise<SyncReport> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closingDeadline: number | undefined;
  private targetReady = false;
  private readonly stopping = new AbortController();
  private pendingSince: number | undefined;

  constructor(
    private readonly spool: Spool,
    private readonly target: Target | undefined,
    private readonly options: Pick<ResolvedOptions, 'retry' | 'onSync' | 'rotate'>,
    private readonly reporter: Reporter,
  ) {
    this.strategy = target === undefined ? undefined : chooseStrategy(target.fs);
  }

  /** The name of the strategy used for append-only files (`local` for local targets). */
  get strategyName(): string {
    return this.strategy?.name ?? 'local';
  }

  /** Marks a whole file as changed: the next sync uploads it. */
  markDirty(name: string): void {
    this.dirty.set(name, ++this.generation);
    this.touched();
  }

  /** Something was written: the lag clock runs from the first unsynced write. */
  touched(): void {
    this.pendingSince ??= Date.now();
  }

  /** Bytes in the spool that the target does not have yet (a cut segment counts what its live log lacked). */
  pendingBytes(): number {
    if (this.target === undefined) return 0;
    let bytes = this.spool.stalledBytes();
    for (const name of this.spool.logNames()) bytes += this.spool.size(name) - this.spool.logState(name)!.uploaded;
    for (const segment of this.spool.closedSegments())
      bytes += this.spool.fileSize(segment.local) - (segment.uploaded ?? 0);
    for (const name of this.dirty.keys()) bytes += this.spool.fileSize(name);
    return bytes;
  }

  /** How long the oldest unsynced write has waited, ms. */
  pendingMs(): number {
    if (this.target === undefined || this.pendingSince === undefined || !this.hasPending()) return 0;
    return Date.now() - this.pendingSince;
  }

  /** True when the spool holds something the target does not have yet. */
  hasPending(): boolean {
    if (this.target === undefined) return false;
    if (this.dirty.size > 0 || this.spool.closedSegments().length > 0) return true;
    return this.spool.logNames().some((name) => {
      const state = this.spool.logState(name)!;
      const size = this.spool.size(name);
      return state.base === null ? size > 0 : state.uploaded !== size;
    });
  }

  /**
   * Asks for a sync. Resolves when a sync that started after this call has completed,
   * so everything written before the call is on the target; rejects when that sync failed.
   */
  request(): Promise<SyncReport> {
    if (this.queued !== undefined) return this.queued;
    if (this.current === undefined) return this.start();
    const after = this.current
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.start();
      });
    this.queued = after;
    return after;
  }

  /** {@link request} without waiting; a failure is reported. */
  background(): void {
    this.request().catch((err: unknown) => this.reporter.failure(err));
  }

  /** Aborts the attempts in flight and every retry: the closing deadline has passed. */
  abort(): void {
    this.stopping.abort(
      new FsError({ kind: 'Unexpected', code: 'ETIMEDOUT', temporary: true, message: 'the closing deadline passed' }),
    );
    this.sleeper.wake();
  }

  /** Syncs every `ms` in the background (the timer does not keep the process alive). */
  startTimer(ms: number): void {
    if (ms <= 0) return;
    this.timer = setInterval(() => this.background(), ms);
    this.timer.unref();
  }

  stopTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * From now on retries run until `deadline` (epoch ms) and backoff waits end at once:
   * the final sync of `close()` starts without waiting out a background backoff.
   */
  hurry(deadline: number): void {
    this.closingDeadline = deadline;
    this.sleeper.wake();
  }

  private start(): Promise<SyncReport> {
    const run: Promise<SyncReport> = this.runOnce().finally(() => {
      if (this.current === run) this.current = undefined;
    });
    this.current = run;
    return run;
  }

  private policy(): RetryPolicy {
    const backgroundDeadline = Date.now() + this.options.retry.maxElapsedMs;
    return {
      minDelayMs: this.options.retry.minDelayMs,
      maxDelayMs: this.options.retry.maxDelayMs,
      deadline: () => this.closingDeadline ?? backgroundDeadline,
      sleeper: this.sleeper,
      onRetry: (err) => {
        this.stats.retries++;
        this.reporter.attempt(err);
      },
      attemptTimeoutMs: this.options.retry.attemptTimeoutMs,
      signal: this.stopping.signal,
    };
  }

  private async runOnce(): Promise<SyncReport> {
    // An upload reads the line log at offsets it recorded: no cut while it runs. A local
    // target uploads nothing, so its log can be cut at any time.
    if (this.target === undefined) return this.syncAll();
    this.spool.hold();
    try {
      return await this.syncAll();
    } finally {
      this.spool.release();
    }
  }

  private async syncAll(): Promise<SyncReport> {
    const started = Date.now();
    const report: SyncReport = { files: [], bytes: 0, durationMs: 0 };
    const failures: unknown[] = [];
    if (this.target === undefined) {
      await this.spool.datasync();
      for (const segment of [...this.spool.closedSegments()]) {
        await compressSegment(this.spool, segment, this.options.rotate!).catch((err: unknown) => failures.push(err));
      }
    } else {
      const policy = this.policy();
      const target = this.target;
      try {
        if (!this.targetReady) {
          await withRetry(() => prepareTarget(target), policy);
          this.targetReady = true;
        }
        for (const name of this.spool.logNames()) {
          try {
            // Closed segments first: the live remote log restarts before new lines reach it.
            for (const segment of this.spool.closedSegments().filter((s) => s.file === name)) {
              await withRetry(
                (signal) => uploadSegment(this.spool, target, segment, this.options.rotate!, signal),
                policy,
              );
            }
            const bytes = await withRetry((signal) => this.syncLog(target, name, signal), policy);
            if (bytes > 0) report.files.push({ name, bytes, strategy: this.strategy!.name });
          } catch (err) {
            failures.push(err);
          }
        }
        for (const [name, generation] of [...this.dirty]) {
          try {
            const bytes = await withRetry((signal) => this.syncWhole(target, name, signal), policy);
            if (this.dirty.get(name) === generation) this.dirty.delete(name);
            report.files.push({ name, bytes, strategy: 'whole' });
          } catch (err) {
            failures.push(err);
          }
        }
      } catch (err) {
        failures.push(err);
      }
    }
    report.bytes = report.files.reduce((sum, f) => sum + f.bytes, 0);
    report.durationMs = Date.now() - started;
    this.stats.bytesSent += report.bytes;
    if (failures.length > 0) {
      this.stats.failures++;
      const first = toFsError(failures[0]);
      const error =
        failures.length === 1
          ? first
          : new FsError({
              kind: first.kind,
              message: `${failures.length} files could not be synced; first: ${first.message}`,
              temporary: first.temporary,
              persistent: first.persistent,
              cause: failures,
            });
      this.stats.lastError = error;
      this.stats.lastErrorAt = new Date();
      throw error;
    }
    this.stats.syncs++;
    this.stats.lastSyncAt = new Date();
    this.stats.lastError = undefined;
    this.stats.lastErrorAt = undefined;
    // Everything written before this sync started is on the target now.
    this.pendingSince = this.hasPending() ? started : undefined;
    this.options.onSync?.(report);
    return report;
  }

  /** Brings one append-only file up to date; returns the bytes sent. */
  private async syncLog(target: Target, name: string, signal: AbortSignal): Promise<number> {
    let state = this.spool.logState(name)!;
    const localSize = this.spool.size(name);
    if (state.base !== null && state.uploaded === localSize) return 0;
    const remotePath = joinPath(target.path, name);
    if (state.base === null) {
      // First look at this file: whatever is already there stays, the run's lines follow it.
      let base = 0;
      try {
        base = (await target.fs.info(remotePath)).size;
      } catch (err) {
        if (!(err instanceof FsError && err.kind === 'NotFound')) throw err;
      }
      state = { base, uploaded: 0 };
      this.spool.setLogState(name, state);
    }
    let base = state.base!;
    const result = await this.strategy!.upload({
      fs: target.fs,
      remotePath,
      base,
      uploaded: state.uploaded,
      localSize,
      signal,
      readLocal: (start, end) => this.spool.readRange(name, start, end),
      rebase: (newBase) => {
        base = newBase;
        this.spool.setLogState(name, { base, uploaded: 0 });
      },
    });
    this.spool.setLogState(name, { base, uploaded: localSize });
    return result.bytes;
  }

  /** Uploads one whole file, streamed from the spool; returns its size. */
  private async syncWhole(target: Target, name: string, signal: AbortSignal): Promise<number> {
    let bytes = 0;
    const counted = async function* (path: string): AsyncGenerator<Uint8Array> {
      for await (const chunk of createReadStream(path)) {
        bytes += (chunk as Buffer).byteLength;
        yield chunk as Buffer;
      }
    };
    await target.fs.pipeFile(joinPath(target.path, name), counted(this.spool.pathOf(name)), { signal });
    return bytes;
  }
}

/**
 * Makes the run's directory where directories are real (local disk, HDFS, memory). On an
 * object store there is nothing to make but the bucket, and a bucket is never made: one
 * that is missing (a typo in the URL) is `NotFound`, not a new bucket in the account.
 */
async function prepareTarget(target: { fs: FileSystem; path: string }): Promise<void> {
  if (target.fs.capabilities.realDirectories) {
    await target.fs.makedirs(target.path, { existOk: true });
    return;
  }
  const bucket = target.path.split('/')[0]!;
  if (!(await target.fs.exists(bucket)))
    throw new FsError({
      kind: 'NotFound',
      message: `${target.fs.protocol}://${bucket} does not exist: logsync writes into an existing bucket (create it first)`,
      path: bucket,
    });
}
