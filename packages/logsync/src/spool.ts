/**
 * The spool: the local directory that every line and file reaches first. For a remote
 * target it is a private folder with the same layout as the target plus `.logsync/`
 * (the upload bookkeeping and a lock); for a local target it is the target itself.
 */
import * as fs from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { FsError } from '@omnifs/core';
import { segmentName } from './rotation';
import {
  finishCuts,
  takeLocalSegmentNumber,
  uncompressedLocalSegments,
  type ClosedSegment,
  type RotationRule,
} from './segments';
import { SpoolLock } from './lock';
import { filesUnder, removeEmptyDirs } from './spooldir';

/** Upload bookkeeping of one append-only file (a log). */
export interface AppendState {
  /**
   * Size the remote file had before this spool's first byte was appended to it, or null
   * until the first sync has looked. Remote bytes of this file = `base + uploaded`.
   */
  base: number | null;
  /** Bytes of the spool file known to be on the target. */
  uploaded: number;
}

/** What `.logsync/state.json` holds. */
interface StateFile {
  version: 1;
  /** The target URL (credentials removed), so a spool is never synced elsewhere. */
  target: string;
  logs: Record<string, AppendState>;
  /** Closed segments not yet on the target, oldest first. */
  segments?: ClosedSegment[];
  /** Next segment number per log, once known. */
  nextSegment?: Record<string, number>;
}

const META = '.logsync';

/** Buffered text is written once it reaches this many characters, without waiting for the tick to end. */
const MAX_BUFFERED = 64 * 1024;

/**
 * Local files of one run.
 *
 * Behaviour:
 * - `append` adds text to a buffer that is written with one synchronous `write(2)` (file
 *   opened with `O_APPEND`) when the running code yields (a microtask), when 64 KiB are
 *   buffered, before any read of the spool, and on {@link flush}; with `flushEveryLine`
 *   every call is its own `write(2)`. Once written, the bytes survive the death of the process;
 * - `writeWhole` replaces a file atomically (temporary file, then rename);
 * - with `persistent`, upload offsets live in `.logsync/state.json`, replaced atomically,
 *   and `.logsync/lock` keeps a second live process off the same spool.
 */
export class Spool {
  private readonly fds = new Map<string, number>();
  private readonly logs = new Map<string, AppendState>();
  private readonly buffered = new Map<string, string>();
  private bufferedChars = 0;
  private flushQueued = false;
  private readonly lock: SpoolLock;
  private readonly sizes = new Map<string, number>();
  private segmentStarted = Date.now();
  private closed: ClosedSegment[] = [];
  private holds = 0;
  private readonly stalled = new Map<string, Buffer>();
  private retryTimer: NodeJS.Timeout | undefined;
  /** Called when a write to the spool fails (the bytes are kept and written later). */
  onWriteError: ((error: FsError) => void) | undefined;
  private rotationDue = false;
  private nextSegment: Record<string, number> = {};
  /** Write every `append` at once instead of once per tick. */
  flushEveryLine = false;
  /** Cuts the line log into segments (set before {@link open}). */
  rotation: RotationRule | undefined;
  /** Called after the line log was cut. */
  onRotate: (() => void) | undefined;

  /**
   * @param dir the local directory
   * @param target the target URL the spool belongs to (credentials removed)
   * @param persistent keep bookkeeping and a lock (remote targets)
   */
  constructor(
    readonly dir: string,
    private readonly target: string,
    readonly persistent: boolean,
  ) {
    this.lock = new SpoolLock(dir, join(dir, META, 'lock'));
  }

  private get metaDir(): string {
    return join(this.dir, META);
  }

  /** Path of a spool file. */
  pathOf(name: string): string {
    return join(this.dir, ...name.split('/'));
  }

  /**
   * Creates the directory, takes the lock and loads what an earlier process left.
   * Returns true when that left bookkeeping behind (there may be data to recover).
   */
  open(): boolean {
    fs.mkdirSync(this.dir, { recursive: true });
    if (!this.persistent) {
      this.closed = uncompressedLocalSegments(this.rotation, (name) => this.pathOf(name));
      return false;
    }
    fs.mkdirSync(join(this.metaDir, 'tmp'), { recursive: true });
    fs.mkdirSync(join(this.metaDir, 'segments'), { recursive: true });
    this.lock.take();
    const statePath = join(this.metaDir, 'state.json');
    let state: StateFile;
    try {
      state = JSON.parse(fs.readFileSync(statePath, 'utf8')) as StateFile;
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') return false;
      throw new FsError({ kind: 'Unexpected', message: `spool state ${statePath} is unreadable`, cause: err });
    }
    if (state.target !== this.target) {
      this.lock.release();
      throw new FsError({
        kind: 'InvalidArgument',
        message: `spool ${this.dir} belongs to ${state.target}, not ${this.target}; give this run its own spoolDir`,
      });
    }
    for (const [name, s] of Object.entries(state.logs)) this.logs.set(name, { base: s.base, uploaded: s.uploaded });
    this.closed = state.segments ?? [];
    this.nextSegment = state.nextSegment ?? {};
    finishCuts(this.closed, (name) => this.pathOf(name));
    return true;
  }

  /** Names of the append-only files known to the bookkeeping. */
  logNames(): string[] {
    return [...this.logs.keys()];
  }

  /** Bookkeeping of an append-only file. */
  logState(name: string): AppendState | undefined {
    return this.logs.get(name);
  }

  /** Records new bookkeeping for an append-only file and persists it. */
  setLogState(name: string, state: AppendState): void {
    this.logs.set(name, state);
    this.saveState();
  }

  /** Writes `.logsync/state.json` atomically. */
  private saveState(): void {
    if (!this.persistent) return;
    const state: StateFile = {
      version: 1,
      target: this.target,
      logs: Object.fromEntries(this.logs),
      segments: this.closed,
      nextSegment: this.nextSegment,
    };
    const temp = join(this.metaDir, 'tmp', `state-${randomBytes(4).toString('hex')}.json`);
    fs.writeFileSync(temp, JSON.stringify(state));
    fs.renameSync(temp, join(this.metaDir, 'state.json'));
  }

  private fdFor(name: string): number {
    let fd = this.fds.get(name);
    if (fd !== undefined) return fd;
    if (!this.logs.has(name)) this.setLogState(name, { base: null, uploaded: 0 });
    const path = this.pathOf(name);
    try {
      fd = fs.openSync(path, 'a');
    } catch (err) {
      if ((err as { code?: string }).code !== 'ENOENT') throw err;
      fs.mkdirSync(dirname(path), { recursive: true });
      fd = fs.openSync(path, 'a');
    }
    this.fds.set(name, fd);
    if (this.rotation?.file === name) {
      this.sizes.set(name, fs.fstatSync(fd).size);
      this.segmentStarted = Date.now();
    }
    return fd;
  }

  /** Writes `text` to an open log, then cuts the line log when its rule says so. */
  /**
   * Writes `text` (after what an earlier failure left) to an open log, then cuts the line
   * log when its rule says so. A failed or short write (a full disk) keeps the unwritten
   * bytes, reports the error and tries again shortly: nothing is cut or dropped, and the
   * caller never sees the error.
   */
  private write(name: string, text: string): void {
    const rule = this.rotation;
    if (rule?.file === name && (this.sizes.get(name) ?? 0) > 0 && Date.now() - this.segmentStarted >= rule.maxAgeMs) {
      if (this.holds > 0) this.rotationDue = true;
      else this.rotateOrReport(name); // too old: the new lines start the next segment
    }
    const stalled = this.stalled.get(name);
    const data = stalled === undefined ? Buffer.from(text) : Buffer.concat([stalled, Buffer.from(text)]);
    let written = 0;
    try {
      const fd = this.fdFor(name);
      while (written < data.byteLength) written += fs.writeSync(fd, data, written, data.byteLength - written);
      this.stalled.delete(name);
    } catch (err) {
      this.stalled.set(name, Buffer.from(data.subarray(written)));
      this.writeFailed(name, err);
    }
    if (rule?.file !== name || written === 0) return;
    const size = (this.sizes.get(name) ?? 0) + written;
    this.sizes.set(name, size);
    if (this.stalled.has(name)) return;
    if (size >= rule.maxBytes) {
      if (this.holds > 0) this.rotationDue = true;
      else this.rotateOrReport(name);
    }
  }

  private rotateOrReport(name: string): void {
    try {
      this.rotate(name);
    } catch (err) {
      this.rotationDue = true; // tried again after the next write
      this.writeFailed(name, err);
    }
  }

  /** Reports a failed spool write and schedules another attempt. */
  private writeFailed(name: string, err: unknown): void {
    const bytes = [...this.stalled.values()].reduce((sum, b) => sum + b.byteLength, 0);
    this.retryTimer ??= setTimeout(() => {
      this.retryTimer = undefined;
      this.flush();
    }, 250).unref();
    const code = (err as { code?: string }).code;
    this.onWriteError?.(
      new FsError({
        kind: 'Unexpected',
        ...(code === undefined ? {} : { code }),
        temporary: true,
        cause: err,
        message: `writing ${this.pathOf(name)} failed (${(err as Error).message}); ${bytes} bytes are held in memory and written when it works again`,
      }),
    );
  }

  /** Bytes that could not be written to the spool yet (a full disk). */
  stalledBytes(): number {
    return [...this.stalled.values()].reduce((sum, b) => sum + b.byteLength, 0);
  }

  /**
   * Keeps the line log from being cut until {@link release}: a sync reads the file at
   * offsets it recorded, so it must stay the same file while the sync runs.
   */
  hold(): void {
    this.holds++;
  }

  /** Ends a {@link hold}; a cut that came due meanwhile happens now. */
  release(): void {
    this.holds--;
    if (this.holds === 0 && this.rotationDue && this.fds.has(this.rotation!.file)) {
      this.rotationDue = false;
      this.rotateOrReport(this.rotation!.file);
    }
  }

  /**
   * Cuts the line log: the file becomes a closed segment (renamed, so the next line
   * starts a new file) recorded in the bookkeeping before anything else happens.
   */
  private rotate(name: string): void {
    fs.closeSync(this.fds.get(name)!);
    this.fds.delete(name);
    const state = this.logs.get(name)!;
    if (this.persistent) {
      // Recorded first, then renamed: a crash in between is finished by the next open().
      const segment: ClosedSegment = {
        file: name,
        local: join(META, 'segments', `${randomBytes(6).toString('hex')}.log`),
        n: null,
        base: state.base,
        uploaded: state.uploaded,
      };
      this.closed.push(segment);
      this.logs.set(name, { base: 0, uploaded: 0 });
      try {
        this.saveState();
        fs.renameSync(this.pathOf(name), this.pathOf(segment.local));
      } catch (err) {
        this.closed.pop();
        this.logs.set(name, state);
        this.saveState();
        throw err;
      }
    } else {
      const n = takeLocalSegmentNumber(this.nextSegment, name, (file) => this.pathOf(file));
      const segment: ClosedSegment = { file: name, local: segmentName(name, n, false), n, base: 0 };
      fs.renameSync(this.pathOf(name), this.pathOf(segment.local));
      // A plain segment on a local target is already where it belongs.
      if (this.rotation!.gzip) this.closed.push(segment);
    }
    this.fdFor(name);
    this.onRotate?.();
  }

  /** Closed segments not yet on the target, oldest first. */
  closedSegments(): readonly ClosedSegment[] {
    return this.closed;
  }

  /** Records the number a closed segment gets on the target (and the next one) and its base, durably. */
  settleSegment(segment: ClosedSegment, n: number, base: number): void {
    segment.n = n;
    segment.base = base;
    this.nextSegment[segment.file] = Math.max(this.nextSegment[segment.file] ?? 1, n + 1);
    this.saveState();
  }

  /** The next segment number of a log, when known. */
  nextSegmentNumber(file: string): number | undefined {
    return this.nextSegment[file];
  }

  /** A closed segment is on the target: forgets it and removes its local file (unless it is the target's). */
  segmentDone(segment: ClosedSegment): void {
    this.closed = this.closed.filter((s) => s !== segment);
    this.saveState();
    fs.rmSync(this.pathOf(segment.local), { force: true });
  }

  /** Appends text to an append-only file (see the class's Behaviour for when it is written). */
  append(name: string, text: string): void {
    if (this.flushEveryLine) {
      this.write(name, text);
      return;
    }
    const before = this.buffered.get(name);
    this.buffered.set(name, before === undefined ? text : before + text);
    this.bufferedChars += text.length;
    if (this.bufferedChars >= MAX_BUFFERED) this.flush();
    else if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Writes buffered text to the spool files now. */
  flush(): void {
    this.flushQueued = false;
    if (this.bufferedChars === 0 && this.stalled.size === 0) return;
    const buffered = new Map(this.buffered);
    for (const name of this.stalled.keys()) if (!buffered.has(name)) buffered.set(name, '');
    this.buffered.clear();
    this.bufferedChars = 0;
    for (const [name, text] of buffered) this.write(name, text);
  }

  /** Makes sure an append-only file exists and is known to the bookkeeping. */
  touchLog(name: string): void {
    this.fdFor(name);
  }

  /** Current size of a spool file (0 when missing), buffered text written first. */
  size(name: string): number {
    this.flush();
    const fd = this.fds.get(name);
    try {
      return fd === undefined ? fs.statSync(this.pathOf(name)).size : fs.fstatSync(fd).size;
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') return 0;
      throw err;
    }
  }

  /** Size of a spool file, 0 when missing. */
  fileSize(name: string): number {
    try {
      return fs.statSync(this.pathOf(name)).size;
    } catch {
      return 0;
    }
  }

  /** Replaces a whole file atomically. */
  writeWhole(name: string, data: string | Uint8Array): void {
    const path = this.pathOf(name);
    const temp = this.persistent
      ? join(this.metaDir, 'tmp', `w-${randomBytes(6).toString('hex')}`)
      : join(dirname(path), `.${name.split('/').pop()!}.logsync-${randomBytes(6).toString('hex')}.tmp`);
    fs.mkdirSync(dirname(path), { recursive: true });
    fs.writeFileSync(temp, data);
    try {
      fs.renameSync(temp, path);
    } catch (err) {
      fs.rmSync(temp, { force: true });
      throw err;
    }
  }

  /** Bytes `[start, end)` of a spool file as a stream of chunks. */
  readRange(name: string, start: number, end: number): AsyncIterable<Uint8Array> {
    this.flush();
    if (end <= start) return (async function* () {})();
    return fs.createReadStream(this.pathOf(name), { start, end: end - 1, highWaterMark: 1024 * 1024 });
  }

  /** A whole spool file as a stream of chunks. */
  readFile(name: string): AsyncIterable<Uint8Array> {
    return fs.createReadStream(this.pathOf(name), { highWaterMark: 1024 * 1024 });
  }

  /** Every whole file in the spool (not an append-only file, not bookkeeping). */
  wholeFileNames(): string[] {
    return filesUnder(this.dir, META).filter((name) => !this.logs.has(name));
  }

  /** Writes buffered text, then flushes the append-only files to stable storage (`fdatasync`, off the main thread). */
  async datasync(): Promise<void> {
    this.flush();
    await Promise.all(
      [...this.fds.values()].map(
        (fd) =>
          new Promise<void>((resolve, reject) => {
            fs.fdatasync(fd, (err) => (err ? reject(err) : resolve()));
          }),
      ),
    );
  }

  /** Closes the open files and releases the lock; the files stay. */
  close(): void {
    this.flush();
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    for (const fd of this.fds.values()) fs.closeSync(fd);
    this.fds.clear();
    this.lock.release();
  }

  /** Closes, then deletes every file this spool holds and the directory when it is left empty. */
  remove(): void {
    this.close();
    const names = [...this.wholeFileNames(), ...this.logNames()];
    for (const name of names) fs.rmSync(this.pathOf(name), { force: true });
    fs.rmSync(this.metaDir, { recursive: true, force: true });
    removeEmptyDirs(this.dir);
  }
}
