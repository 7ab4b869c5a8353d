/**
 * Reading runs from anywhere: {@link followLog} tails a run's remote line log as it grows,
 * {@link listRuns} lists the runs under a directory with their last update.
 */
import { gunzipSync } from 'node:zlib';
import { FsError, urlToFs, type FileInfo, type FileSystem } from '@omnifs/core';
import { baseName, errors, joinPath, toFsError } from '@omnifs/core/backend';
import { Sleeper } from './retry';
import { parseSegment, segmentName } from './rotation';

/** Options of {@link followLog}. */
export interface FollowOptions {
  /** Start with the run's first line still stored (rotated segments, then the live file); default: only new lines. */
  fromStart?: boolean;
  /** Ends the iteration (quietly: the loop just stops) when aborted. */
  signal?: AbortSignal;
  /** Polling interval while the log grows, ms (default 1000); idle and failing polls back off from it. */
  pollMs?: number;
  /** Options of the run's filesystem, as `urlToFs(url, options)` takes them. */
  storageOptions?: Record<string, unknown>;
}

/** One run found by {@link listRuns}. */
export interface RunInfo {
  /** The run's directory name (its experiment). */
  name: string;
  /** The run's URL: the listed URL plus `/name`. */
  url: string;
  /** Last modification of its line log (or metrics log), where the backend reports it. */
  modified?: Date;
  /** Size of the live line log, bytes (0 when the run has none yet). */
  size: number;
  /** The last line of `metrics.jsonl`, when there is one. */
  lastMetrics?: string;
}

const LOG_FILE = 'training.log';
const METRICS_FILE = 'metrics.jsonl';
/** Bytes read per ranged request while catching up. */
const READ_WINDOW = 8 * 1024 * 1024;
/** Bytes read again before new ones, to check the live file is still the one being read. */
const OVERLAP = 64;
/** Bytes compared to tell a rotated segment from the live file that replaced it. */
const PREFIX = 256;

function joinUrl(url: string, name: string): string {
  return `${url.replace(/\/+$/, '')}/${name}`;
}

async function listOrEmpty(fs: FileSystem, dir: string): Promise<FileInfo[]> {
  try {
    return (await fs.ls(dir, { detail: true })) as FileInfo[];
  } catch (err) {
    if (err instanceof FsError && (err.kind === 'NotFound' || err.kind === 'NotADirectory')) return [];
    throw err;
  }
}

/** What the follower sees of a run in one poll. */
interface Snapshot {
  /** Size of the live file (0 when missing). */
  size: number;
  /** Rotated segments `<log>.N.gz`, by N, ascending. */
  segments: { n: number; path: string }[];
  /** The listing found nothing at all. */
  empty: boolean;
}

/** Where to follow: the run directory and the log's name in it. */
async function resolveLog(fs: FileSystem, path: string): Promise<{ dir: string; file: string }> {
  try {
    const info = await fs.info(path);
    if (info.type === 'file')
      return { dir: path.slice(0, path.length - baseName(path).length).replace(/\/+$/, ''), file: baseName(path) };
  } catch (err) {
    if (!(err instanceof FsError && err.kind === 'NotFound')) throw err;
  }
  return { dir: path.replace(/\/+$/, ''), file: LOG_FILE };
}

/**
 * Splits bytes into lines; keeps the unfinished last line for the next chunk.
 */
class LineSplitter {
  private rest: Uint8Array = new Uint8Array(0);
  private readonly decoder = new TextDecoder();

  push(chunk: Uint8Array): string[] {
    const data = this.rest.byteLength === 0 ? chunk : Buffer.concat([this.rest, chunk]);
    const out: string[] = [];
    let start = 0;
    for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, start)) {
      out.push(this.decoder.decode(data.subarray(start, i)));
      start = i + 1;
    }
    this.rest = data.slice(start);
    return out;
  }

  /** The unfinished line, when a segment ends without a newline. */
  end(): string[] {
    if (this.rest.byteLength === 0) return [];
    const last = this.decoder.decode(this.rest);
    this.rest = new Uint8Array(0);
    return [last];
  }
}

/**
 * Follows a run's line log: yields each line (without its newline) once, in order, as the
 * log grows on the target. `url` is a run directory (its `training.log` is followed) or a
 * log file.
 *
 * ```ts
 * for await (const line of followLog('s3://bucket/runs/run-42', { signal })) console.log(line);
 * ```
 *
 * Behaviour:
 * - each poll lists the run directory once and reads only the new bytes (ranged reads);
 *   polls start every `pollMs`, back off up to 5 x `pollMs` while nothing changes, and
 *   up to 30 s while the target fails with temporary errors (they are retried, never thrown);
 * - a rotation (the live segment uploaded as `training.log.N.gz`, the live file restarted)
 *   is followed: the rest of the rotated segment comes from its `.gz`, then the new live file;
 * - a log that shrinks without a rotation (a run restarted from scratch) is read again from its start;
 *   a run that is continued appends, and is simply followed;
 * - a missing run or log is waited for; a permanent error (permissions) ends the iteration by throwing;
 * - only complete lines are yielded; aborting `signal` ends the iteration without an error.
 */
export async function* followLog(url: string, options: FollowOptions = {}): AsyncGenerator<string> {
  if (typeof url !== 'string' || url === '') throw errors.invalid('followLog needs a URL');
  const known = new Set(['fromStart', 'signal', 'pollMs', 'storageOptions']);
  for (const key of Object.keys(options)) if (!known.has(key)) throw errors.invalid(`followLog has no option ${key}`);
  const pollMs = options.pollMs ?? 1000;
  if (typeof pollMs !== 'number' || !Number.isFinite(pollMs) || pollMs <= 0)
    throw errors.invalid(`pollMs must be a positive number, got ${String(pollMs)}`);
  const { signal } = options;
  const aborted = (): boolean => signal?.aborted === true;
  const { fs, path } = urlToFs(url, options.storageOptions ?? {});
  const sleeper = new Sleeper();
  const onAbort = (): void => sleeper.wake();
  signal?.addEventListener('abort', onAbort);
  try {
    const follower = new Follower(fs);
    let delay = pollMs;
    let idle = 0;
    let first = true;
    while (!aborted()) {
      try {
        await (first ? follower.start(path, options.fromStart === true) : follower.poll());
        first = false;
        idle = follower.pending() === 0 ? idle + 1 : 0;
        delay = idle === 0 ? pollMs : Math.min(pollMs * 5, idle > 3 ? delay * 1.5 : pollMs);
      } catch (err) {
        const error = toFsError(err);
        if (!error.temporary) throw error;
        delay = Math.min(30_000, Math.max(pollMs, delay * 2));
      }
      for (const line of follower.take()) {
        if (aborted()) return;
        yield line;
      }
      if (aborted()) return;
      await sleeper.sleep(delay);
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * A file the listing showed and a read found gone (rotated, or replaced by its compressed
 * copy): a temporary error, so the poll is made again from a new listing.
 */
function goneMeanwhile(err: unknown): unknown {
  if (!(err instanceof FsError) || err.kind !== 'NotFound') return err;
  return new FsError({ kind: 'NotFound', message: err.message, temporary: true, cause: err });
}

/**
 * The follower's position: which segment it reads and where. Lines found go to an outbox
 * as each read completes, so a poll that fails halfway keeps what it had read.
 */
class Follower {
  private dir = '';
  private file = LOG_FILE;
  private offset = 0;
  /** The last bytes read from the live file (up to {@link OVERLAP}), read again to check it is the same file. */
  private tail: Buffer = Buffer.alloc(0);
  /** Highest rotated segment whose content has been read (or was there before we started). */
  private lastSegment = 0;
  private readonly splitter = new LineSplitter();
  private outbox: string[] = [];
  /** The last poll found the live file replaced with no new segment listed. */
  private replacedOnce = false;
  private cache: { path: string; data: Buffer } | undefined;

  constructor(private readonly fs: FileSystem) {}

  /** Lines found and not yet taken. */
  pending(): number {
    return this.outbox.length;
  }

  /** Takes the lines found so far. */
  take(): string[] {
    const out = this.outbox;
    this.outbox = [];
    return out;
  }

  async start(path: string, fromStart: boolean): Promise<void> {
    ({ dir: this.dir, file: this.file } = await resolveLog(this.fs, path));
    const snap = await this.snapshot();
    if (!fromStart) {
      this.offset = snap.size;
      this.lastSegment = snap.segments.at(-1)?.n ?? 0;
      return;
    }
    const live = await this.liveIsSegment(snap);
    for (const seg of live ? snap.segments.slice(0, -1) : snap.segments) {
      await this.readSegment(seg.path, 0);
      this.lastSegment = seg.n;
    }
    await this.readLive(snap.size);
  }

  async poll(): Promise<void> {
    const snap = await this.snapshot();
    // A run that was there cannot vanish whole: a listing that races a rename can look empty.
    if (snap.empty && (this.offset > 0 || this.lastSegment > 0)) return;
    const fresh = snap.segments.filter((s) => s.n > this.lastSegment);
    if (fresh.length > 0) {
      // Segments rotated since the last poll. The newest may still be the live file too
      // (uploaded, live file not yet restarted): then it is read from the live file.
      const live = await this.liveIsSegment(snap);
      for (const seg of live ? fresh.slice(0, -1) : fresh) {
        await this.readSegment(seg.path, this.offset);
        this.restart();
        this.lastSegment = seg.n;
      }
    } else if (snap.size < this.offset) {
      // Shorter without a rotation: the log was started again, or a rotation's segment is
      // not in this listing yet. Only a second look tells.
      if (this.replacedOnce) this.restart();
      this.replacedOnce = !this.replacedOnce;
      if (this.replacedOnce) return;
    }
    if (!(await this.readLive(snap.size)) && fresh.length === 0) {
      // Replaced by a file at least as long: started again, or rotated with the segment not
      // listed yet. Read it from its start when the next poll still shows no new segment.
      if (!this.replacedOnce) {
        this.replacedOnce = true;
        return;
      }
      this.restart();
      await this.readLive(snap.size);
    }
    this.replacedOnce = false;
  }

  /** The live file is a new one: read from its start. */
  private restart(): void {
    this.outbox.push(...this.splitter.end());
    this.offset = 0;
    this.tail = Buffer.alloc(0);
  }

  private async snapshot(): Promise<Snapshot> {
    const entries = await listOrEmpty(this.fs, this.dir);
    let size = 0;
    const byNumber = new Map<number, string>();
    for (const e of entries) {
      if (e.type !== 'file') continue;
      const name = baseName(e.name);
      if (name === this.file) size = e.size;
      const n = parseSegment(this.file, name);
      // A plain segment is being compressed in place (local targets): prefer it to a partial .gz.
      if (n !== undefined && (!byNumber.has(n) || !name.endsWith('.gz'))) byNumber.set(n, e.name);
    }
    const segments = [...byNumber].map(([n, p]) => ({ n, path: p })).sort((a, b) => a.n - b.n);
    return { size, segments, empty: entries.length === 0 };
  }

  /** True when the live file still holds the newest rotated segment (it was not restarted yet). */
  private async liveIsSegment(snap: Snapshot): Promise<boolean> {
    const newest = snap.segments.at(-1);
    if (newest === undefined || snap.size === 0) return false;
    const segment = await this.segmentBytes(newest.path);
    if (snap.size > segment.byteLength) return false;
    const n = Math.min(PREFIX, snap.size);
    let live: Uint8Array;
    try {
      live = await this.fs.catFile(joinPath(this.dir, this.file), { start: 0, end: n });
    } catch (err) {
      throw goneMeanwhile(err); // rotated away since the listing
    }
    return Buffer.from(live).equals(segment.subarray(0, n));
  }

  /**
   * True when `bytes`, read from the live file at the offset with nothing before them to
   * compare, belong to the file that follows the last segment read. A rotation between the
   * listing and the read would have put the next segment there first: when it exists, the
   * bytes must be its own at that offset. The plain name is asked before the compressed
   * one: a local segment gets its compressed copy before its plain one goes, so one of the
   * two questions sees it.
   */
  private async inGenerationRead(bytes: Uint8Array): Promise<boolean> {
    for (const gzip of [false, true]) {
      const path = joinPath(this.dir, segmentName(this.file, this.lastSegment + 1, gzip));
      if (!(await this.fs.isFile(path))) continue;
      const segment = await this.segmentBytes(path);
      const end = this.offset + bytes.byteLength;
      return end <= segment.byteLength && segment.subarray(this.offset, end).equals(bytes);
    }
    return true;
  }

  private async segmentBytes(path: string): Promise<Buffer> {
    if (this.cache?.path !== path) {
      let data: Buffer;
      try {
        const raw = Buffer.from(await this.fs.catFile(path));
        data = path.endsWith('.gz') ? gunzipSync(raw) : raw;
      } catch (err) {
        throw goneMeanwhile(err); // replaced by its compressed copy since the listing
      }
      this.cache = { path, data };
    }
    return this.cache.data;
  }

  private async readSegment(path: string, from: number): Promise<void> {
    const data = await this.segmentBytes(path);
    this.outbox.push(...this.splitter.push(data.subarray(Math.min(from, data.byteLength))), ...this.splitter.end());
  }

  /**
   * Reads the live file from the offset up to `size`. Each read starts with the last bytes
   * already read: when they differ, the file was replaced since (a rotation or a restart
   * after the listing), nothing is taken and false is returned. A read with nothing to
   * compare (the start of a file, or the first read after following began) is checked
   * against the next segment instead ({@link inGenerationRead}).
   */
  private async readLive(size: number): Promise<boolean> {
    while (this.offset < size) {
      const overlap = this.tail.byteLength;
      const end = Math.min(size, this.offset + READ_WINDOW);
      let bytes: Buffer;
      try {
        bytes = Buffer.from(
          await this.fs.catFile(joinPath(this.dir, this.file), { start: this.offset - overlap, end }),
        );
      } catch (err) {
        if (err instanceof FsError && err.kind === 'NotFound') return true; // restarted by a rotation: next poll
        throw err;
      }
      if (bytes.byteLength < overlap || !bytes.subarray(0, overlap).equals(this.tail)) return false;
      const fresh = bytes.subarray(overlap);
      if (fresh.byteLength === 0) break;
      if (overlap === 0 && !(await this.inGenerationRead(fresh))) return false;
      this.offset += fresh.byteLength;
      this.tail = Buffer.from(bytes.subarray(Math.max(0, bytes.byteLength - OVERLAP)));
      this.outbox.push(...this.splitter.push(fresh));
    }
    return true;
  }
}

/**
 * Lists the runs under `url` (a `logDir`): every directory holding a `training.log` or a
 * `metrics.jsonl`, by name, with the live log's size, its last modification and the last
 * metrics line.
 *
 * Behaviour: one listing of `url`, one of each run directory and one small ranged read
 * of each `metrics.jsonl` (its last 4 KiB), 8 runs at a time; a missing `url` lists no runs.
 */
export async function listRuns(
  url: string,
  options: { storageOptions?: Record<string, unknown> } = {},
): Promise<RunInfo[]> {
  if (typeof url !== 'string' || url === '') throw errors.invalid('listRuns needs a URL');
  for (const key of Object.keys(options))
    if (key !== 'storageOptions') throw errors.invalid(`listRuns has no option ${key}`);
  const { fs, path } = urlToFs(url, options.storageOptions ?? {});
  // A logDir that is not there is NotFound (a typo), as `ls` says; one without runs lists none.
  const dirs = ((await fs.ls(path, { detail: true })) as FileInfo[]).filter((e) => e.type === 'directory');
  const runs: (RunInfo | undefined)[] = new Array(dirs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < dirs.length) {
      const i = next++;
      const dir = dirs[i]!;
      runs[i] = await describeRun(fs, dir.name, joinUrl(url, baseName(dir.name)));
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, dirs.length) }, worker));
  return runs
    .filter((r): r is RunInfo => r !== undefined)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function describeRun(fs: FileSystem, dir: string, url: string): Promise<RunInfo | undefined> {
  const entries = await listOrEmpty(fs, dir);
  const log = entries.find((e) => e.type === 'file' && baseName(e.name) === LOG_FILE);
  const metrics = entries.find((e) => e.type === 'file' && baseName(e.name) === METRICS_FILE);
  if (log === undefined && metrics === undefined) return undefined;
  const run: RunInfo = { name: baseName(dir), url, size: log?.size ?? 0 };
  const times = [log?.mtime, metrics?.mtime].filter((t): t is Date => t instanceof Date);
  if (times.length > 0) run.modified = new Date(Math.max(...times.map((t) => t.getTime())));
  if (metrics !== undefined && metrics.size > 0) {
    const start = Math.max(0, metrics.size - 4096);
    const text = Buffer.from(await fs.catFile(metrics.name, { start, end: metrics.size })).toString('utf8');
    const lines = text.split('\n');
    if (start > 0) lines.shift(); // may be cut
    const last = lines.filter((l) => l.trim() !== '').at(-1);
    if (last !== undefined) run.lastMetrics = last;
  }
  return run;
}
