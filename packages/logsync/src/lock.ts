/** The lock that keeps a second live process off a spool. */
import * as fs from 'node:fs';
import { FsError } from '@omnifs/core';

/** The pid in a lock file, or undefined when it is missing or not (yet) written. */
function readPid(path: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(path, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Blocks the thread for `ms` (only while taking a contended lock at start-up). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}

/**
 * The lock files this process holds. A lock with this process's pid is in use when it is
 * here, stale when not (left by an earlier process that had the same pid, as pid 1 of a
 * container does).
 */
const HELD = new Set<string>();

/** `.logsync/lock` of a spool: the pid of the process using it. */
export class SpoolLock {
  private locked = false;

  constructor(
    private readonly dir: string,
    private readonly path: string,
  ) {}

  /**
   * Takes `.logsync/lock` with an exclusive create. A lock whose holder is gone is taken
   * over by one process only: the taker first creates `lock.takeover-<dead pid>`
   * exclusively, so of several processes finding the same stale lock one removes it and
   * the others then find the winner's live lock.
   */
  take(): void {
    const path = this.path;
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        fs.writeFileSync(path, String(process.pid), { flag: 'wx' });
        this.locked = true;
        HELD.add(path);
        return;
      } catch (err) {
        if ((err as { code?: string }).code !== 'EEXIST') throw err;
      }
      const holder = readPid(path);
      if (holder === undefined) {
        sleepSync(5); // being written by its taker, or removed meanwhile
        continue;
      }
      if (holder === process.pid ? HELD.has(path) : isAlive(holder)) {
        const by = holder === process.pid ? 'another logger of this process' : `process ${holder}`;
        throw new FsError({ kind: 'AlreadyExists', message: `spool ${this.dir} is in use by ${by}` });
      }
      this.takeOver(path, holder);
    }
    throw new FsError({ kind: 'AlreadyExists', message: `could not lock spool ${this.dir}` });
  }

  /** Removes a stale lock of `holder`, unless another process is doing it (see {@link take}). */
  private takeOver(path: string, holder: number): void {
    const marker = `${path}.takeover-${holder}`;
    try {
      fs.writeFileSync(marker, String(process.pid), { flag: 'wx' });
    } catch (err) {
      if ((err as { code?: string }).code !== 'EEXIST') throw err;
      const taker = readPid(marker);
      // A taker that died half-way leaves its marker: the next one clears it.
      if (taker !== undefined && !isAlive(taker)) fs.rmSync(marker, { force: true });
      else sleepSync(5);
      return;
    }
    try {
      if (readPid(path) === holder) fs.rmSync(path, { force: true });
    } finally {
      // The marker stays until the lock is no longer the dead holder's, so a slower process
      // that read the old pid cannot remove the new lock.
      setTimeout(() => fs.rmSync(marker, { force: true }), 2000).unref();
    }
  }

  /** Removes the lock when this process holds it. */
  release(): void {
    if (!this.locked) return;
    fs.rmSync(this.path, { force: true });
    HELD.delete(this.path);
    this.locked = false;
  }
}
