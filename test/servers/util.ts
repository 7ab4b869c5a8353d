/**
 * Plumbing shared by the server modules: cache paths, free ports, installs that are
 * timed and logged, child processes run in their own process group that are killed on
 * exit / SIGINT / SIGTERM, and HTTP readiness probes.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect, createServer } from 'node:net';
import { join, resolve } from 'node:path';

/** Repository root (two levels above this file). */
export const REPO_ROOT = resolve(__dirname, '..', '..');
/** The checkout's own cache (gitignored). */
const REPO_CACHE = join(realIfPresent(join(REPO_ROOT, '.cache')), 'servers');
/**
 * Where installed servers and their caches live: `OMNIFS_TEST_CACHE_DIR`, which checkouts
 * may share (installs take a lock, and check a marker of what they installed), else the
 * checkout's `.cache/servers`.
 */
export const CACHE_DIR = process.env.OMNIFS_TEST_CACHE_DIR ?? REPO_CACHE;

/** `path` with its links resolved when it exists (a linked cache keeps working wherever it is reached from). */
function realIfPresent(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** True when running under CI (`CI=true`): a server that cannot start is then a failure, never a skip. */
export const IS_CI = /^(1|true|yes)$/i.test(process.env.CI ?? '');

/** A toolchain this machine lacks; outside CI the server's suites are skipped with `howTo`. */
export class ToolchainMissing extends Error {
  /** What is missing, without the remedy. */
  readonly reason: string;
  /** One line telling a developer how to get the toolchain. */
  readonly howTo: string;
  constructor(reason: string, howTo: string) {
    super(`${reason} (${howTo})`);
    this.name = 'ToolchainMissing';
    this.reason = reason;
    this.howTo = howTo;
  }
}

/** Creates (if needed) and returns a directory under the cache. */
export function cacheDir(...parts: string[]): string {
  const dir = join(CACHE_DIR, ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Whether `cmd` is on PATH. */
export function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Short hex digest of strings / file contents, used to key install markers. */
export function digest(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 16);
}

/** Reads an install marker; returns its content or undefined. */
export function readMarker(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined;
}

/** Writes an install marker. */
export function writeMarker(path: string, value: string): void {
  writeFileSync(path, `${value}\n`);
}

/** How long a process waits for another's install of the same server before giving up. */
const INSTALL_LOCK_WAIT_MS = 20 * 60_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}

/**
 * Runs `install` while holding a lock on `name` in the cache, so test runs in several
 * processes (or checkouts sharing one cache) never install the same server at once; a
 * lock whose holder has died is taken over. `install` checks its own marker first, so a
 * process that waited finds the other's install done.
 */
export async function withInstallLock<T>(name: string, install: () => Promise<T>): Promise<T> {
  const lock = join(cacheDir('locks'), `${name}.lock`);
  const deadline = Date.now() + INSTALL_LOCK_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as { code?: string }).code !== 'EEXIST') throw err;
    }
    const holder = Number(readMarker(join(lock, 'pid')) ?? NaN);
    if (Number.isInteger(holder) && !alive(holder)) {
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline)
      throw new Error(`another process has been installing ${name} for too long (lock ${lock})`);
    await new Promise((r) => setTimeout(r, 500));
  }
  try {
    return await install();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** A free TCP port on 127.0.0.1 (bound once, then released). */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => ok(port));
    });
  });
}

/** What a server's start failure says when a port it was given got taken before it bound it. */
const PORT_TAKEN = /address already in use|EADDRINUSE/i;

/**
 * Runs `start` again (up to `attempts` times in all) when it fails because a port chosen by
 * {@link freePort} was taken by another process between the choice and the server's bind;
 * any other failure is thrown at once.
 */
export async function startRetryingPortClash<T>(label: string, start: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await start();
    } catch (e) {
      if (i >= attempts || !PORT_TAKEN.test((e as Error).message)) throw e;
      say(`${label}: a port was taken before the server bound it; starting again (${i + 1}/${attempts})`);
    }
  }
}

/** One line to stderr, prefixed so it stands out from mocha's output. */
export function say(line: string): void {
  process.stderr.write(`[servers] ${line}\n`);
}

/** Log file for a server or an install step: in the checkout's cache, also when the installs are shared. */
export function logFile(name: string): string {
  const dir = join(REPO_CACHE, 'logs');
  mkdirSync(dir, { recursive: true });
  return join(dir, `${name}.log`);
}

/** The last `n` lines of a file, for error messages. */
export function tail(path: string, n = 20): string {
  if (!existsSync(path)) return '';
  return readFileSync(path, 'utf8').split('\n').slice(-n).join('\n');
}

/**
 * Runs an install command to completion, its output going to a log file; rejects with
 * the log's tail on failure. Returns the elapsed milliseconds.
 */
export async function runInstall(
  label: string,
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<number> {
  const log = logFile(`install-${label}`);
  const out = createWriteStream(log);
  const t0 = Date.now();
  const shown = `${cmd} ${args.join(' ')}`;
  say(`installing ${label}: ${shown.length > 200 ? `${shown.slice(0, 200)}...` : shown} (log: ${log})`);
  // At low priority: installs run in the background while tests that measure time go on.
  const niced = niceAvailable();
  const child = spawn(niced ? 'nice' : cmd, niced ? ['-n', '10', cmd, ...args] : args, {
    cwd: opts.cwd ?? REPO_ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  track(child);
  child.stdout?.pipe(out, { end: false });
  child.stderr?.pipe(out, { end: false });
  const code = await new Promise<number | null>((ok, fail) => {
    child.on('error', fail);
    child.on('close', (c) => ok(c));
  });
  await new Promise<void>((ok) => out.end(ok));
  if (child.pid !== undefined) await stopGroup(child.pid, 1000);
  const ms = Date.now() - t0;
  if (code !== 0) throw new Error(`install of ${label} failed (exit ${code}); last lines of ${log}:\n${tail(log)}`);
  say(`installed ${label} in ${(ms / 1000).toFixed(1)} s`);
  return ms;
}

let nice: boolean | undefined;
function niceAvailable(): boolean {
  nice ??= hasCommand('nice');
  return nice;
}

/** Process groups (leader pids) started here and not yet confirmed gone. */
const live = new Set<number>();
let hooked = false;

function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // No process left in the group.
  }
}

/** Whether any process of the group is still alive. */
export function groupAlive(pgid: number): boolean {
  return signalGroup(pgid, 0);
}

/** Kills every tracked process group at once (synchronous; used on exit and signals). */
export function killAllNow(signal: NodeJS.Signals | 0 = 'SIGTERM'): void {
  for (const g of live) if (!signalGroup(g, signal)) live.delete(g);
}

function onSignal(signal: NodeJS.Signals): void {
  say(`${signal}: stopping ${live.size} server process group(s)`);
  const code = signal === 'SIGINT' ? 130 : 143;
  killAllNow('SIGTERM');
  const deadline = Date.now() + 3000;
  const wait = setInterval(() => {
    killAllNow(0); // Drops the groups that are gone.
    if (live.size === 0) process.exit(code);
    if (Date.now() > deadline) {
      killAllNow('SIGKILL');
      process.exit(code);
    }
  }, 50);
  wait.unref();
}

/** Remembers a child started with `detached: true` so its group is killed when this process ends. */
export function track(child: ChildProcess): void {
  if (child.pid === undefined) return;
  live.add(child.pid);
  if (!hooked) {
    hooked = true;
    process.on('exit', () => killAllNow('SIGKILL'));
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
}

/** SIGTERM to the group, SIGKILL after `graceMs`; resolves once no process of it is left. */
export async function stopGroup(pgid: number, graceMs = 5000): Promise<void> {
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupAlive(pgid) && Date.now() < deadline) await sleep(50);
  for (let i = 0; i < 100 && signalGroup(pgid, 'SIGKILL'); i++) await sleep(20);
  live.delete(pgid);
}

/** A long-running server process started by {@link startProcess}. */
export interface ServerProcess {
  /** The child (a guard shell whose process group holds the server). */
  readonly child: ChildProcess;
  /** Path of the file collecting the server's stdout and stderr. */
  readonly log: string;
  /** Resolves with the first stdout line that matches, or rejects if the process exits first. */
  waitForLine(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /**
   * The last lines of the output, once what the process wrote before it exited has been read
   * (its pipes closed, or a second after it exited, whichever comes first).
   */
  exitTail(): Promise<string>;
  /** Resident memory of the whole process group, in KiB (Linux /proc). */
  rssKiB(): number;
  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

// The guard: runs the server and exits with it; a watcher kills the server when the
// guard's stdin (a pipe from this Node process) reaches EOF, so the server dies even if
// Node is SIGKILLed. Background jobs of a non-interactive shell get /dev/null as stdin
// unless redirected, hence fd 3.
const GUARD = [
  'exec 3<&0',
  '"$@" <&3 & c=$!',
  '{ while read -r _; do :; done; kill -TERM "$c" 2>/dev/null; } <&3 3<&- & w=$!',
  'wait "$c"; s=$?',
  'kill "$w" 2>/dev/null',
  'exit "$s"',
].join('\n');

/** Starts `cmd args` under the stdin guard in its own process group, logging to a file. */
export function startProcess(
  name: string,
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): ServerProcess {
  const log = logFile(name);
  const out = createWriteStream(log);
  const child = spawn('bash', ['-c', GUARD, 'guard', cmd, ...args], {
    cwd: opts.cwd ?? REPO_ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  track(child);
  child.stdout?.pipe(out, { end: false });
  child.stderr?.pipe(out, { end: false });
  const exited = new Promise<void>((ok) => child.on('exit', () => ok()));
  const drained = new Promise<void>((ok) => child.on('close', () => ok()));
  child.on('close', () => out.end());
  // The output's end, kept here too: the log file is written asynchronously, so it may
  // not yet hold the last words of a process that has just exited.
  let recent = '';
  const keep = (d: Buffer): void => {
    recent = (recent + d.toString('utf8')).slice(-16_384);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exitTail = async (): Promise<string> => {
    await exited;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([drained, new Promise<void>((ok) => (timer = setTimeout(ok, 1000)))]);
    clearTimeout(timer);
    return recent.split('\n').slice(-20).join('\n');
  };
  // The pipes must not keep mocha alive; the exit hook kills the group anyway.
  child.unref();
  for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as { unref?: () => void } | null)?.unref?.();

  return {
    child,
    log,
    waitForLine(re, timeoutMs) {
      return new Promise((ok, fail) => {
        let buf = '';
        const onData = (d: Buffer): void => {
          buf += d.toString('utf8');
          const m = buf.match(re);
          if (m) done(() => ok(m));
        };
        const onExit = (): void =>
          done(() => void exitTail().then((t) => fail(new Error(`${name} exited before ready; log tail:\n${t}`))));
        const timer = setTimeout(
          () => done(() => fail(new Error(`${name}: no ${re} within ${timeoutMs} ms; log tail:\n${tail(log)}`))),
          timeoutMs,
        );
        const done = (f: () => void): void => {
          clearTimeout(timer);
          child.stdout?.off('data', onData);
          child.off('exit', onExit);
          f();
        };
        child.stdout?.on('data', onData);
        child.on('exit', onExit);
      });
    },
    exitTail,
    rssKiB() {
      return child.pid === undefined ? 0 : groupRssKiB(child.pid);
    },
    async stop(graceMs = 5000) {
      if (child.pid !== undefined) await stopGroup(child.pid, graceMs);
      await exited;
    },
  };
}

/** Sum of VmRSS over the processes whose process group is `pgid`. */
export function groupRssKiB(pgid: number): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid) continue;
      const m = readFileSync(`/proc/${entry}/status`, 'utf8').match(/VmRSS:\s+(\d+)/);
      if (m) total += Number(m[1]);
    } catch {
      // Process vanished while reading.
    }
  }
  return total;
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Waits until something accepts TCP connections on a loopback port (a server not spoken to over plain HTTP). */
export async function waitForPort(port: number, timeoutMs: number, proc?: ServerProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc && hasExited(proc.child))
      throw new Error(`server exited before listening on ${port}; log tail:\n${await proc.exitTail()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listening on ${port} after ${timeoutMs} ms${proc ? `; log tail:\n${tail(proc.log)}` : ''}`);
}

/**
 * Polls `url` until `accept(status)` holds (default: any HTTP answer below 500), the
 * process exits, or `timeoutMs` passes.
 */
export async function waitForHttp(
  url: string,
  timeoutMs: number,
  opts: { accept?: (status: number) => boolean; proc?: ServerProcess; method?: string } = {},
): Promise<void> {
  const accept = opts.accept ?? ((s: number) => s < 500);
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (opts.proc && hasExited(opts.proc.child)) {
      throw new Error(`server exited before answering ${url}; log tail:\n${await opts.proc.exitTail()}`);
    }
    try {
      const res = await fetch(url, { method: opts.method ?? 'GET', signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (accept(res.status)) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `${url} not ready after ${timeoutMs} ms (${last})${opts.proc ? `; log tail:\n${tail(opts.proc.log)}` : ''}`,
  );
}
