/**
 * Process hooks shared by every open LogSync: SIGINT/SIGTERM flush and sync before the
 * signal ends the process, a natural exit (`beforeExit`) closes what was left open, and
 * `process.exit()` (`exit`) at least writes buffered lines to the spool.
 */
import { isMainThread } from 'node:worker_threads';

/** What the hooks need from a LogSync. */
export interface Closable {
  /** Final flush and sync within `timeoutMs`; never rejects. */
  closeForExit(timeoutMs: number | undefined): Promise<void>;
  /** Writes buffered lines to the spool now (synchronous; used on process exit). */
  flush(): void;
  /** Time allowed for the final sync on a signal. */
  readonly signalTimeoutMs: number;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
type HandledSignal = (typeof SIGNALS)[number];

const open = new Set<Closable>();
const signalled = new Set<Closable>();
let handling: HandledSignal | undefined;

function onSignal(signal: HandledSignal): void {
  if (handling !== undefined) {
    // A second signal while syncing: stop waiting, let it end the process now.
    setSignalListeners(false);
    process.kill(process.pid, signal);
    return;
  }
  handling = signal;
  const closing = [...signalled].map((c) => c.closeForExit(c.signalTimeoutMs));
  void Promise.allSettled(closing).then(() => {
    handling = undefined;
    refresh();
    // Re-raise with the default action unless the application listens for it itself.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}

const listeners: Record<HandledSignal, () => void> = {
  SIGINT: () => onSignal('SIGINT'),
  SIGTERM: () => onSignal('SIGTERM'),
};

function onBeforeExit(): void {
  for (const c of [...open]) void c.closeForExit(undefined);
}

function onExit(): void {
  for (const c of open) {
    try {
      c.flush();
    } catch {
      // exiting: nothing more can be done here
    }
  }
}

let signalsOn = false;
let beforeExitOn = false;

function setSignalListeners(on: boolean): void {
  if (on === signalsOn) return;
  signalsOn = on;
  for (const s of SIGNALS) {
    if (on) process.on(s, listeners[s]);
    else process.removeListener(s, listeners[s]);
  }
}

/** Installs the listeners that are needed and removes the others. */
function refresh(): void {
  if (handling === undefined) setSignalListeners(signalled.size > 0 && isMainThread);
  const wantBeforeExit = open.size > 0;
  if (wantBeforeExit !== beforeExitOn) {
    beforeExitOn = wantBeforeExit;
    if (wantBeforeExit) {
      process.on('beforeExit', onBeforeExit);
      process.on('exit', onExit);
    } else {
      process.removeListener('beforeExit', onBeforeExit);
      process.removeListener('exit', onExit);
    }
  }
}

/** Registers an open LogSync with the hooks (installing them with the first). */
export function watchProcess(c: Closable, signals: boolean): void {
  open.add(c);
  if (signals) signalled.add(c);
  refresh();
}

/** Unregisters a closed LogSync; the hooks go with the last one. */
export function unwatchProcess(c: Closable): void {
  open.delete(c);
  signalled.delete(c);
  refresh();
}

/** True while SIGINT/SIGTERM listeners of logsync are installed (for tests). */
export function signalHandlersInstalled(): boolean {
  return signalsOn;
}
