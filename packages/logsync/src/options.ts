/** Options of {@link createLogSync}, their defaults and their validation. */
import { errors, nearestName } from '@omnifs/core/backend';
import type { RotationRule } from './segments';

/** Severity of a log line, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Numeric order of the levels. */
export const LEVELS: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Backoff of retried uploads after temporary errors. */
export interface RetryOptions {
  /** First delay before a retry, ms (default 200). */
  minDelayMs?: number;
  /** Longest delay between two retries, ms (default 10 000). */
  maxDelayMs?: number;
  /**
   * How long a background sync keeps retrying before it gives up until the next one,
   * ms (default 60 000). An attempt under way then runs to its end (at most
   * `attemptTimeoutMs`), and no file of the sync starts another. The data stays in the
   * spool; nothing is dropped.
   */
  maxElapsedMs?: number;
  /**
   * Longest one request may take before it is aborted and retried as a temporary
   * `ETIMEDOUT`, ms (default 20 000; 0: no limit): a connection that never answers cannot hold the sync.
   */
  attemptTimeoutMs?: number;
}

/** What one sync uploaded. */
export interface SyncReport {
  /** One entry per file that had something to upload. */
  files: { name: string; bytes: number; strategy: string }[];
  /** Bytes sent to the target in this sync, all files together. */
  bytes: number;
  /** Wall time of the sync, ms. */
  durationMs: number;
}

/** When and how the line log is cut into segments. */
export interface RotateOptions {
  /** Cut the live segment once it has this many bytes (default: no size limit). */
  maxBytes?: number;
  /** Cut the live segment at the first write after it is this old, ms (default: no age limit). */
  maxAgeMs?: number;
  /** Rotated segments kept on the target; older ones are deleted (default: all). */
  keep?: number;
  /** Compress closed segments: `training.log.N.gz` (default true); false uploads `training.log.N`. */
  gzip?: boolean;
}

/** Options of {@link createLogSync}. */
export interface LogSyncOptions {
  /** Where runs go: a local directory or any omnifs URL (`s3://bucket/runs/`, `memory://runs`). */
  logDir: string;
  /** The run's name: files land in `<logDir>/<experiment>/`. */
  experiment: string;
  /** Background sync period, ms (default 30 000); `0` syncs only on `epochEnd`, `sync` and `close`. */
  syncIntervalMs?: number;
  /** Options of the target filesystem, as `urlToFs(url, options)` takes them. */
  storageOptions?: Record<string, unknown>;
  /**
   * Local directory that holds the files of a remote target until they are uploaded.
   * Default: `<os.tmpdir()>/omnifs-logsync/<experiment>-<hash of the target URL>`, so a
   * restart of the same run finds what a killed process left. Unused for local targets.
   * It must be dedicated to one target.
   */
  spoolDir?: string;
  /** Name of the line log (default `training.log`; `training.rank-N.log` on ranks other than 0, see `rank`). */
  logFile?: string;
  /**
   * This process's rank in a distributed job (default: the `RANK` environment variable,
   * else `LOCAL_RANK`, else 0). With `worldSize` > 1, rank 0 writes the run's line log,
   * metrics and whole files; each other rank writes its lines to `<logFile stem>.rank-N.log`
   * (`training.rank-3.log`), its `epochEnd` adds no metrics line and its `writeText` /
   * `writeJson` do nothing, so no two processes write one remote file. Each rank has its own default spool.
   */
  rank?: number;
  /** Processes in the job (default: `WORLD_SIZE`, else 1). */
  worldSize?: number;
  /** `each` (default): every rank logs to its own file; `zero`: only rank 0 logs, other ranks' lines are dropped. */
  ranks?: 'each' | 'zero';
  /**
   * Cut the line log into segments: each closed segment is uploaded as
   * `<logFile>.N.gz` (N = 1, 2, ...) and the live one starts again empty, on the target
   * as in the spool. Default: no rotation.
   */
  rotate?: RotateOptions;
  /** Name of the per-epoch metrics log written by `epochEnd` (default `metrics.jsonl`). */
  metricsFile?: string;
  /** Lowest level written (default `info`). */
  level?: LogLevel;
  /** `text` (`<ISO time> INFO message`, default) or `json` (one object per line). */
  format?: 'text' | 'json';
  /** Also print each line on stderr (default false). */
  console?: boolean;
  /**
   * Write every line to the spool file with its own `write(2)` before `info()` returns
   * (default false: lines are gathered and written when the calling code yields to the
   * event loop, or every 64 KiB, which is several times faster). Either way lines are
   * written on `sync`, `close`, signals and process exit; only a SIGKILL (or a crash of
   * Node itself) can take the lines logged since the code last yielded.
   */
  flushEveryLine?: boolean;
  /** Flush and sync on SIGINT/SIGTERM, then let the signal end the process (default true). */
  handleSignals?: boolean;
  /** Backoff of retried uploads. */
  retry?: RetryOptions;
  /**
   * How long `close()` may take, ms (default 30 000): the final sync is retried through
   * temporary errors until then, and stopped when it is reached; what is left stays in the spool.
   */
  closeTimeoutMs?: number;
  /** How long the final sync may take on SIGINT/SIGTERM before the signal ends the process, ms (default 10 000). */
  signalTimeoutMs?: number;
  /**
   * Called for each background sync that failed and each spool write that failed
   * (default: one line on stderr, at most one per 30 s). The LogSync also emits
   * `'warning'` for each failed attempt and `'error'` (when listened for) for each failure.
   */
  onError?: (error: Error) => void;
  /** Called after every sync that completed. */
  onSync?: (report: SyncReport) => void;
}

/** Options with every default filled in. */
export interface ResolvedOptions {
  logDir: string;
  experiment: string;
  syncIntervalMs: number;
  storageOptions: Record<string, unknown>;
  spoolDir: string | undefined;
  logFile: string;
  metricsFile: string;
  rank: number;
  worldSize: number;
  /** False on ranks that write nothing (`ranks: 'zero'`). */
  writes: boolean;
  rotate: RotationRule | undefined;
  level: LogLevel;
  format: 'text' | 'json';
  console: boolean;
  flushEveryLine: boolean;
  handleSignals: boolean;
  retry: Required<RetryOptions>;
  closeTimeoutMs: number;
  signalTimeoutMs: number;
  onError: ((error: Error) => void) | undefined;
  onSync: ((report: SyncReport) => void) | undefined;
}

function nonNegative(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw errors.invalid(`${name} must be a non-negative number, got ${String(value)}`);
  }
  return value;
}

/**
 * Checks a file name given to logsync: relative, `/`-separated, no `..`, not inside the
 * spool's own `.logsync` folder.
 */
export function checkFileName(name: unknown, what = 'file name'): string {
  if (typeof name !== 'string' || name === '') throw errors.invalid(`${what} must be a non-empty string`);
  const parts = name.split('/');
  if (name.startsWith('/') || name.includes('\0') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw errors.invalid(`${what} must be a relative path without "." or ".." segments, got ${JSON.stringify(name)}`);
  }
  if (parts[0] === '.logsync') throw errors.invalid(`${what} must not be inside .logsync/`);
  return name;
}

function integerFrom(name: string, value: unknown, env: string | undefined, min: number): number | undefined {
  const raw = value ?? (env === undefined || env === '' ? undefined : Number(env));
  if (raw === undefined) return undefined;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < min) {
    throw errors.invalid(`${name} must be an integer >= ${min}, got ${String(value ?? env)}`);
  }
  return raw;
}

function resolveRank(options: LogSyncOptions): { rank: number; worldSize: number } {
  const env = process.env;
  const rank = integerFrom('rank', options.rank, env.RANK ?? env.LOCAL_RANK, 0) ?? 0;
  const worldSize = integerFrom('worldSize', options.worldSize, env.WORLD_SIZE, 1) ?? Math.max(1, rank + 1);
  if (rank >= worldSize) throw errors.invalid(`rank ${rank} is not below worldSize ${worldSize}`);
  return { rank, worldSize };
}

/** `training.log` → `training.rank-3.log` on rank 3 (rank 0 keeps the name). */
export function rankFile(file: string, rank: number): string {
  if (rank === 0) return file;
  const slash = file.lastIndexOf('/');
  const dot = file.lastIndexOf('.');
  return dot > slash + 1 ? `${file.slice(0, dot)}.rank-${rank}${file.slice(dot)}` : `${file}.rank-${rank}`;
}

/** The options of `createLogSync`, by where they are given. */
const KNOWN = {
  createLogSync: [
    'logDir',
    'experiment',
    'syncIntervalMs',
    'storageOptions',
    'spoolDir',
    'logFile',
    'rank',
    'worldSize',
    'ranks',
    'rotate',
    'metricsFile',
    'level',
    'format',
    'console',
    'flushEveryLine',
    'handleSignals',
    'retry',
    'closeTimeoutMs',
    'signalTimeoutMs',
    'onError',
    'onSync',
  ],
  retry: ['minDelayMs', 'maxDelayMs', 'maxElapsedMs', 'attemptTimeoutMs'],
  rotate: ['maxBytes', 'maxAgeMs', 'keep', 'gzip'],
  epochEnd: ['wait'],
  close: ['timeoutMs'],
} satisfies Record<
  string,
  ReadonlyArray<keyof LogSyncOptions | keyof RetryOptions | keyof RotateOptions | 'wait' | 'timeoutMs'>
>;

/** Refuses an option `where` does not take, naming the nearest it does: never ignored. */
export function checkKnown(options: object, where: keyof typeof KNOWN): void {
  const known: readonly string[] = KNOWN[where];
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const near = nearestName(key, known);
    const prefix = where === 'createLogSync' ? 'createLogSync has' : `${where} has`;
    throw errors.invalid(`${prefix} no option ${key}${near !== undefined ? `; did you mean '${near}'?` : ''}`);
  }
}

function resolveRotate(rotate: RotateOptions | undefined, file: string): RotationRule | undefined {
  if (rotate === undefined) return undefined;
  if (rotate === null || typeof rotate !== 'object') throw errors.invalid('rotate must be an object');
  checkKnown(rotate, 'rotate');
  const positive = (name: string, value: unknown): number => {
    if (value === undefined) return Infinity;
    if (typeof value !== 'number' || !(value >= 1))
      throw errors.invalid(`rotate.${name} must be a number >= 1, got ${String(value)}`);
    return value;
  };
  if (rotate.gzip !== undefined && typeof rotate.gzip !== 'boolean')
    throw errors.invalid('rotate.gzip must be a boolean');
  const rule = {
    file,
    maxBytes: positive('maxBytes', rotate.maxBytes),
    maxAgeMs: positive('maxAgeMs', rotate.maxAgeMs),
    keep: positive('keep', rotate.keep),
    gzip: rotate.gzip ?? true,
  };
  if (rule.maxBytes === Infinity && rule.maxAgeMs === Infinity)
    throw errors.invalid('rotate needs maxBytes or maxAgeMs');
  return rule;
}

/** Validates options and fills in the defaults. */
export function resolveOptions(options: LogSyncOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') throw errors.invalid('createLogSync needs an options object');
  checkKnown(options, 'createLogSync');
  if (typeof options.logDir !== 'string' || options.logDir === '')
    throw errors.invalid('logDir must be a non-empty string');
  const experiment = checkFileName(options.experiment, 'experiment');
  const level = options.level ?? 'info';
  if (!(level in LEVELS))
    throw errors.invalid(`level must be one of ${Object.keys(LEVELS).join(', ')}, got ${String(level)}`);
  const format = options.format ?? 'text';
  if (format !== 'text' && format !== 'json')
    throw errors.invalid(`format must be 'text' or 'json', got ${String(format)}`);
  const { rank, worldSize } = resolveRank(options);
  const ranks = options.ranks ?? 'each';
  if (ranks !== 'each' && ranks !== 'zero')
    throw errors.invalid(`ranks must be 'each' or 'zero', got ${String(ranks)}`);
  const logFile = rankFile(checkFileName(options.logFile ?? 'training.log', 'logFile'), rank);
  const metricsFile = checkFileName(options.metricsFile ?? 'metrics.jsonl', 'metricsFile');
  if (logFile === metricsFile) throw errors.invalid('logFile and metricsFile must differ');
  const retry = options.retry ?? {};
  if (retry === null || typeof retry !== 'object') throw errors.invalid('retry must be an object');
  checkKnown(retry, 'retry');
  const minDelayMs = nonNegative('retry.minDelayMs', retry.minDelayMs, 200);
  return {
    logDir: options.logDir,
    experiment,
    syncIntervalMs: nonNegative('syncIntervalMs', options.syncIntervalMs, 30_000),
    storageOptions: options.storageOptions ?? {},
    spoolDir: options.spoolDir,
    logFile,
    metricsFile,
    rank,
    worldSize,
    writes: rank === 0 || ranks === 'each',
    rotate: resolveRotate(options.rotate, logFile),
    level,
    format,
    console: options.console ?? false,
    flushEveryLine: options.flushEveryLine ?? false,
    handleSignals: options.handleSignals ?? true,
    retry: {
      minDelayMs,
      maxDelayMs: Math.max(minDelayMs, nonNegative('retry.maxDelayMs', retry.maxDelayMs, 10_000)),
      maxElapsedMs: nonNegative('retry.maxElapsedMs', retry.maxElapsedMs, 60_000),
      attemptTimeoutMs: nonNegative('retry.attemptTimeoutMs', retry.attemptTimeoutMs, 20_000),
    },
    closeTimeoutMs: nonNegative('closeTimeoutMs', options.closeTimeoutMs, 30_000),
    signalTimeoutMs: nonNegative('signalTimeoutMs', options.signalTimeoutMs, 10_000),
    onError: options.onError,
    onSync: options.onSync,
  };
}
