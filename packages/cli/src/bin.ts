/** The `omnifs` executable: real standard streams, Ctrl-C (and TERM, HUP) as an abort, the exit status. */
import { setMaxListeners } from 'node:events';
import { main } from './index';

// The AWS SDK's Node.js support notice is for library users; it must not reach CLI output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const controller = new AbortController();
// Every transfer of a recursive copy listens to the one signal: no listener-count warning.
setMaxListeners(0, controller.signal);
/** The exit status of the signal that stopped the command (128 + its number), once one did. */
let interrupted: number | undefined;
// Ctrl-C, and the signals of `kill`, `timeout`, service managers (TERM) and a closed
// terminal (HUP): the first lets the operation clean up what it started (a temporary file,
// an upload), a second stops at once.
for (const [signal, status] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const) {
  process.on(signal, () => {
    if (interrupted !== undefined) process.exit(status);
    interrupted = status;
    controller.abort();
  });
}
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  // `omnifs cat big | head` closes the pipe early: stop quietly, as cat does.
  if (err.code === 'EPIPE') process.exit(0);
  outputFailed(err);
});

/** Whether a write to standard output failed (and was reported). */
let lostOutput = false;

/**
 * Standard output refused a write (a full disk, `> /dev/full`): the command's output is
 * lost, so it fails, with one line on standard error as every error.
 */
function outputFailed(err: NodeJS.ErrnoException): void {
  if (!lostOutput) {
    lostOutput = true;
    const code = typeof err.code === 'string' && /^E[A-Z]+$/.test(err.code) ? err.code : 'EIO';
    process.stderr.write(
      `omnifs: cannot write to standard output: ${err.message.replace(/^[A-Z]+: /, '')} [${code}]\n`,
    );
  }
  process.exitCode = 1;
  process.stderr.write('', () => process.exit(1));
}

/** The wait for each stream's `drain`, shared by the writes made meanwhile (one listener, not one each). */
const drains = new Map<NodeJS.WriteStream, Promise<void>>();

function write(stream: NodeJS.WriteStream, bytes: Uint8Array | string): void | Promise<void> {
  if (stream.write(bytes)) return;
  let drained = drains.get(stream);
  if (drained === undefined) {
    drained = new Promise<void>((resolve) => stream.once('drain', resolve)).finally(() => drains.delete(stream));
    drains.set(stream, drained);
  }
  return drained;
}

const argv = process.argv.slice(2);

main(
  argv,
  {
    out: (text) => void write(process.stdout, `${text}\n`),
    raw: (bytes) => write(process.stdout, bytes),
    err: (text) => void write(process.stderr, `${text}\n`),
    get stdin() {
      return process.stdin;
    },
    progress: {
      write: (text) => void process.stderr.write(text),
      tty: process.stderr.isTTY === true,
      ...(process.stderr.columns ? { columns: process.stderr.columns } : {}),
    },
  },
  { signal: controller.signal },
).then(
  (code) => {
    // Each command is a process of its own: nothing it kept in memory:// outlives it.
    const quiet = argv.some((a) => a === '--quiet' || /^-[a-zA-Z]*q[a-zA-Z]*$/.test(a));
    if (code === 0 && !quiet && argv.some((a) => /(^|::)memory:\/\//i.test(a)))
      process.stderr.write(
        'omnifs: note: memory:// lives in the process of one command: it started empty and is gone now\n',
      );
    exit(interrupted ?? code);
  },
  (err: unknown) => {
    process.stderr.write(`omnifs: ${String(err)}\n`);
    exit(1);
  },
);

/**
 * Exits once what was written has been flushed, without waiting for idle connections or
 * timers of the SDKs to close.
 */
function exit(code: number): void {
  process.exitCode = code;
  if (lostOutput) return outputFailed(new Error('output lost'));
  process.stdout.write('', (err?: Error | null) => {
    const failed = err as NodeJS.ErrnoException | null | undefined;
    if (failed != null && failed.code !== 'EPIPE') return outputFailed(failed);
    process.stderr.write('', () => process.exit(lostOutput ? 1 : code));
  });
}
