/** The logger a job holds: lines and files to the spool at once, to the target in the background. */
import { EventEmitter } from 'node:events';
import { resolve as resolvePath } from 'node:path';
import { inspect, type InspectOptions } from 'node:util';
import { Reporter } from './report';
import { FsError, urlToFs, type FileSystem } from '@omnifs/core';
import { errors, joinPath, redactUrl, splitProtocol } from '@omnifs/core/backend';
import { writeCheckpoint, type CheckpointData, type SaveCheckpointOptions } from './checkpoints';
import { formatLine, formatMetrics, safeJson } from './format';
import {
  checkFileName,
  checkKnown,
  LEVELS,
  rankFile,
  resolveOptions,
  type LogLevel,
  type LogSyncOptions,
  type ResolvedOptions,
  type SyncReport,
} from './options';
import { unwatchProcess, watchProcess, type Closable } from './signals';
import { Spool } from './spool';
import { defaultSpoolDir } from './spooldir';
import { Syncer, type SyncStats, type Target } from './syncer';

/** Something pino (or any line logger) can write to: `pino(options, log.destination())`. */
export interface LineDestination {
  write(text: string): void;
}

/** What {@link LogSync.status} returns. */
export interface LogSyncStatus {
  /** Bytes written locally and not yet on the target (0 for local targets). */
  lagBytes: number;
  /** How long the oldest of those bytes has waited, ms (0 when nothing waits). */
  lagMs: number;
  /** When the last sync completed. */
  lastSuccessAt: Date | undefined;
  /** The error of the last failed sync, until a sync succeeds. */
  lastError: Error | undefined;
  /** When that error happened. */
  lastErrorAt: Date | undefined;
  /** Where the data waits. */
  spoolDir: string;
  /** True once `close()` has settled. */
  closed: boolean;
}

/** Options of {@link LogSync.epochEnd}. */
export interface EpochEndOptions {
  /** Wait until the sync this epoch triggers has completed (default false: never wait on the network). */
  wait?: boolean;
}

/**
 * A run's logger. Made by {@link createLogSync}.
 *
 * Behaviour:
 * - `info`/`warn`/`error`/`debug`, `append` and `destination().write` are synchronous and
 *   never wait on the network; the line reaches the local file when the calling code
 *   yields to the event loop (or at once with `flushEveryLine`), and from then on survives
 *   the process being killed;
 * - syncs run one at a time in the background: on `epochEnd`, every `syncIntervalMs`, on
 *   `sync()` and on `close()`;
 * - `close()` (also run on SIGINT/SIGTERM and when the event loop empties) makes the final
 *   sync and removes the spool; if it cannot, the spool stays and the next
 *   `createLogSync` with the same spool uploads what is left;
 * - lines written while `close()` runs are accepted: a second sync takes what came in
 *   during the first, and anything after that stays in the spool for the next start;
 *   once `close()` has settled, writing is an `InvalidArgument` FsError.
 */
export class LogSync extends EventEmitter implements Closable {
  /** The run's URL (or absolute local path), credentials removed. */
  readonly target: string;
  /** The local directory lines and files are written to first (the target itself when local). */
  readonly spoolDir: string;
  /** True when the target is on local disk (no upload happens). */
  readonly local: boolean;

  private readonly minLevel: number;
  private closing: Promise<void> | undefined;
  private closed = false;

  /** @internal use {@link createLogSync} */
  constructor(
    private readonly options: ResolvedOptions,
    private readonly spool: Spool,
    private readonly syncer: Syncer,
    target: string,
    private readonly reporter: Reporter,
    private readonly run: { fs: FileSystem; path: string },
  ) {
    super();
    this.target = target;
    this.spoolDir = spool.dir;
    this.local = !spool.persistent;
    this.minLevel = LEVELS[options.level];
  }

  /**
   * What `JSON.stringify` shows: the run and its counters, never the options it was made
   * with (`storageOptions` hold keys, connection strings and tokens).
   */
  toJSON(): { target: string; spoolDir: string; local: boolean; strategy: string; stats: Readonly<SyncStats> } {
    return {
      target: this.target,
      spoolDir: this.spoolDir,
      local: this.local,
      strategy: this.strategy,
      stats: this.stats,
    };
  }

  /** What `util.inspect` and `console.log` show: the same as {@link toJSON}. */
  [inspect.custom](_depth: number, options: InspectOptions): string {
    return `LogSync ${inspect(this.toJSON(), options)}`;
  }

  /** Time the final sync may take on SIGINT/SIGTERM. */
  get signalTimeoutMs(): number {
    return this.options.signalTimeoutMs;
  }

  /** Upload counters. */
  get stats(): Readonly<SyncStats> {
    return this.syncer.stats;
  }

  /** How append-only files reach the target: `append`, `rewrite`, a registered one, or `local`. */
  get strategy(): string {
    return this.syncer.strategyName;
  }

  private checkOpen(): void {
    if (this.closed) throw errors.invalid(`log of ${this.target} is closed`);
  }

  /** True on the process that writes the run's metrics and whole files (rank 0). */
  private ownsRunFiles(): boolean {
    return this.options.rank === 0;
  }

  /** This process's rank and the job's size (see the `rank` option). */
  get rank(): { rank: number; worldSize: number } {
    return { rank: this.options.rank, worldSize: this.options.worldSize };
  }

  /** Writes buffered lines to the local file now (they are also written whenever the code yields). */
  flush(): void {
    this.spool.flush();
  }

  /** Writes one line at `level` (dropped when below the configured level). */
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    this.checkOpen();
    if (LEVELS[level] < this.minLevel) return;
    const line = formatLine(this.options.format, level, message, fields);
    if (this.options.console) process.stderr.write(line);
    if (!this.options.writes) return;
    this.spool.append(this.options.logFile, line);
    this.syncer.touched();
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    this.log('debug', message, fields);
  }

  info(message: string, fields?: Record<string, unknown>): void {
    this.log('info', message, fields);
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.log('warn', message, fields);
  }

  error(message: string, fields?: Record<string, unknown>): void {
    this.log('error', message, fields);
  }

  /**
   * Appends raw text to an append-only file of the run (the line log by default), as is:
   * end it with a newline. Synced incrementally like the line log.
   */
  append(text: string, file: string = this.options.logFile): void {
    this.appendTo(this.fileOfRank(file), text);
  }

  /** The name `file` has on this rank. */
  private fileOfRank(file: string): string {
    return file === this.options.logFile ? file : rankFile(checkFileName(file), this.options.rank);
  }

  private appendTo(name: string, text: string): void {
    this.checkOpen();
    if (typeof text !== 'string') throw errors.invalid(`text must be a string, got ${typeof text}`);
    if (!this.options.writes) return;
    this.spool.append(name, text);
    this.syncer.touched();
  }

  /** A destination for line loggers (pino's `DestinationStream`): each `write` is an {@link append}. */
  destination(file: string = this.options.logFile): LineDestination {
    const name = this.fileOfRank(file);
    this.checkOpen();
    if (this.options.writes) this.spool.touchLog(name);
    return { write: (text: string) => this.appendTo(name, text) };
  }

  /** Replaces a whole file of the run (atomically in the spool); uploaded at the next sync. */
  async writeText(file: string, text: string | Uint8Array): Promise<void> {
    this.checkOpen();
    const name = checkFileName(file);
    if (typeof text !== 'string' && !(text instanceof Uint8Array))
      throw errors.invalid('text must be a string or bytes');
    if (this.spool.logState(name) !== undefined) {
      throw errors.invalid(`${name} is an append-only log of this run; write it with append() instead`);
    }
    if (!this.ownsRunFiles()) return;
    this.spool.writeWhole(name, text);
    this.syncer.markDirty(name);
  }

  /** `writeText(file, JSON.stringify(value, null, 2))`. */
  async writeJson(file: string, value: unknown): Promise<void> {
    const text = JSON.stringify(value, null, 2);
    if (text === undefined) throw errors.invalid('value cannot be written as JSON');
    await this.writeText(file, `${text}\n`);
  }

  /**
   * Marks the end of an epoch: logs `epoch N k=v ...`, appends `{"epoch":N,"time":...,...metrics}`
   * to the metrics file, and starts a sync in the background.
   */
  async epochEnd(epoch: number, metrics: Record<string, unknown> = {}, options: EpochEndOptions = {}): Promise<void> {
    this.checkOpen();
    if (options === null || typeof options !== 'object') throw errors.invalid('epochEnd options must be an object');
    checkKnown(options, 'epochEnd');
    if (typeof epoch !== 'number' || !Number.isFinite(epoch))
      throw errors.invalid(`epoch must be a number, got ${String(epoch)}`);
    if (this.ownsRunFiles())
      this.spool.append(
        this.options.metricsFile,
        `${safeJson({ epoch, time: new Date().toISOString(), ...metrics })}\n`,
      );
    this.info(`epoch ${epoch}${formatMetrics(metrics)}`);
    if (options.wait) await this.syncer.request();
    else this.syncer.background();
  }

  /**
   * Saves a checkpoint next to the logs, at `<run>/checkpoints/<name>`: bytes, a string or
   * a stream (any async iterable of chunks), written straight to the target (not through
   * the spool), streamed, with `onProgress`; `keepLast: N` then deletes all but the N
   * newest checkpoints. Resolves with the checkpoint's URL (credentials removed).
   *
   * ```ts
   * await log.saveCheckpoint('ckpt-5.bin', createReadStream('model.bin'), { keepLast: 3, onProgress: (p) => bar(p.bytes) });
   * ```
   */
  async saveCheckpoint(name: string, data: CheckpointData, options: SaveCheckpointOptions = {}): Promise<string> {
    this.checkOpen();
    await writeCheckpoint(this.run.fs, joinPath(this.run.path, 'checkpoints'), name, data, options);
    return this.checkpointUrl(name);
  }

  /** The URL of checkpoint `name` of this run (for `omnifsIO` and the like). */
  checkpointUrl(name: string): string {
    return `${this.target}/checkpoints/${checkFileName(name, 'checkpoint name')}`;
  }

  /** Uploads everything written so far; resolves when it is on the target. */
  sync(): Promise<SyncReport> {
    return this.syncer.request();
  }

  /**
   * Final sync, then the spool is removed (remote targets) and the process hooks go.
   * Everything written before the call is on the target when it resolves.
   * Temporary errors are retried until `timeoutMs` (default: the `closeTimeoutMs` option,
   * 30 s), and the call settles by then whatever the network does: on failure or timeout it
   * rejects (`ETIMEDOUT` for the deadline), naming the spool that keeps the data for the
   * next start. Calling it again returns the same promise.
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    if (options === null || typeof options !== 'object') throw errors.invalid('close options must be an object');
    checkKnown(options, 'close');
    const { timeoutMs } = options;
    if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !(timeoutMs >= 0))) {
      throw errors.invalid(`timeoutMs must be a non-negative number, got ${String(timeoutMs)}`);
    }
    this.closing ??= this.finish(timeoutMs ?? this.options.closeTimeoutMs);
    return this.closing;
  }

  /** @internal close on a signal or at exit; never rejects. */
  closeForExit(timeoutMs: number | undefined): Promise<void> {
    this.closing ??= this.finish(timeoutMs ?? this.options.closeTimeoutMs);
    return this.closing.catch((err: unknown) => {
      this.reporter.failure(err);
    });
  }

  /**
   * Where the log stands: bytes and time not yet on the target, the last successful sync
   * and the last error.
   */
  status(): LogSyncStatus {
    const stats = this.syncer.stats;
    return {
      lagBytes: this.syncer.pendingBytes(),
      lagMs: this.syncer.pendingMs(),
      lastSuccessAt: stats.lastSyncAt,
      lastError: stats.lastError,
      lastErrorAt: stats.lastErrorAt,
      spoolDir: this.spoolDir,
      closed: this.closed,
    };
  }

  private async finish(timeoutMs: number): Promise<void> {
    this.syncer.stopTimer();
    this.syncer.hurry(Date.now() + timeoutMs);
    let timer: NodeJS.Timeout | undefined;
    try {
      // The first sync has everything logged before close(); a second one what came in
      // during the first. A job that keeps logging is not chased further (see below).
      const syncs = (async (): Promise<void> => {
        await this.syncer.request();
        if (this.syncer.hasPending()) await this.syncer.request();
      })();
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          this.syncer.abort();
          reject(
            new FsError({
              kind: 'Unexpected',
              code: 'ETIMEDOUT',
              temporary: true,
              message: `not done within ${timeoutMs} ms`,
            }),
          );
        }, timeoutMs);
      });
      syncs.catch(() => undefined);
      await Promise.race([syncs, expired]);
      this.spool.flush();
      const stalled = this.spool.stalledBytes();
      if (stalled > 0) {
        throw new FsError({
          kind: 'Unexpected',
          code: 'ENOSPC',
          message: `${stalled} bytes could not be written to the spool (disk full?)`,
        });
      }
    } catch (err) {
      this.closed = true;
      this.spool.close();
      unwatchProcess(this);
      throw new FsError({
        kind: toKind(err),
        message: `final sync to ${this.target} failed; the data stays in ${this.spoolDir} and is uploaded by the next run with this spool: ${(err as Error).message}`,
        cause: err,
        ...(err instanceof FsError && err.code !== undefined ? { code: err.code } : {}),
      });
    } finally {
      clearTimeout(timer);
    }
    this.closed = true;
    if (this.local) this.spool.close();
    else if (this.syncer.hasPending()) {
      // Lines that kept arriving while closing stay in the spool, whose bookkeeping is
      // intact: the next start with this spool uploads them, as after a crash.
      this.spool.close();
      this.reporter.failure(
        new FsError({
          kind: 'Unexpected',
          message: `lines logged while close() ran stay in ${this.spoolDir}; the next run with this spool uploads them`,
        }),
      );
    } else this.spool.remove();
    clearTimeout(timer);
    unwatchProcess(this);
  }
}

function toKind(err: unknown): FsError['kind'] {
  return err instanceof FsError ? err.kind : 'Unexpected';
}

/** `<logDir>/<experiment>` as a URL, or an absolute path for bare local paths. */
function targetUrl(logDir: string, experiment: string): string {
  if (splitProtocol(logDir) !== undefined || logDir.includes('::'))
    return `${logDir.replace(/\/+$/, '')}/${experiment}`;
  return resolvePath(logDir, experiment);
}

/**
 * Opens a run's log.
 *
 * ```ts
 * const log = await createLogSync({ logDir: 's3://bucket/experiments/', experiment: 'run-42' });
 * log.info('epoch 1 loss=0.31');
 * await log.writeJson('metrics.json', { epoch: 1, loss: 0.31 });
 * await log.epochEnd(1, { loss: 0.31 });
 * await log.close();
 * ```
 *
 * Behaviour:
 * - a local `logDir` (a path or `file://`) is written in place; any other URL is written to
 *   a spool directory and synced from there;
 * - no network request is made here: an unreachable target does not stop the job;
 * - a spool left by a killed process for the same target is taken over and its leftovers
 *   are uploaded in the background right away; a spool held by a live process is an
 *   `AlreadyExists` FsError.
 */
export async function createLogSync(options: LogSyncOptions): Promise<LogSync> {
  const resolved = resolveOptions(options);
  const url = targetUrl(resolved.logDir, resolved.experiment);
  const { fs, path } = urlToFs(url, resolved.storageOptions);
  const shown = redactUrl(url);
  const local = fs.protocol === 'file';
  const target: Target | undefined = local ? undefined : { fs, path };
  const spoolKey = resolved.rank === 0 ? shown : `${shown}#rank-${resolved.rank}`;
  const spool = new Spool(
    local ? path : resolvePath(resolved.spoolDir ?? defaultSpoolDir(resolved.experiment, spoolKey)),
    shown,
    !local,
  );
  spool.flushEveryLine = resolved.flushEveryLine;
  spool.rotation = resolved.rotate;
  const leftovers = spool.open();
  const events = new EventEmitter();
  const reporter = new Reporter(events, resolved.onError);
  const syncer = new Syncer(spool, target, resolved, reporter);
  spool.onRotate = () => syncer.background();
  spool.onWriteError = (err) => reporter.attempt(err);
  if (leftovers) for (const name of spool.wholeFileNames()) syncer.markDirty(name);
  if (resolved.writes) spool.touchLog(resolved.logFile);
  const log = new LogSync(resolved, spool, syncer, local ? path : shown, reporter, { fs, path });
  reporter.events = log;
  watchProcess(log, resolved.handleSignals);
  syncer.startTimer(resolved.syncIntervalMs);
  if (leftovers) syncer.background();
  return log;
}
