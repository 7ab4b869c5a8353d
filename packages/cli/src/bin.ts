/** The `omnifs` executable: real standard streams, Ctrl-C as an abort, the exit status. */
import { main } from './index';

// The AWS SDK's Node.js support notice is for library users; it must not reach CLI output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const controller = new AbortController();
let interrupted = false;
process.on('SIGINT', () => {
  // A second Ctrl-C stops at once; the first lets the operation clean up what it started.
  if (interrupted) process.exit(130);
  interrupted = true;
  controller.abort();
});
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  // `omnifs cat big | head` closes the pipe early: stop quietly, as cat does.
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

function write(stream: NodeJS.WriteStream, bytes: Uint8Array | string): void | Promise<void> {
  if (stream.write(bytes)) return;
  return new Promise((resolve) => stream.once('drain', resolve));
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
  (code) => exit(interrupted ? 130 : code),
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
