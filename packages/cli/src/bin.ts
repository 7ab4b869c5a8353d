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
  throw err;
});

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

main(
  process.argv.slice(2),
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
  (code) => exit(interrupted ?? code),
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
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}
