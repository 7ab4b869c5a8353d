/**
 * pino adapters: a destination for a logger in the same thread, and a transport that
 * pino runs in a worker thread (`pino.transport({ target: '@omnifs/logsync/pino' })`).
 * pino itself is not a dependency: bring your own (a peer dependency, v9 or later).
 */
import build from 'pino-abstract-transport';
import type { Transform } from 'node:stream';
import { createLogSync, type LineDestination, type LogSync } from '../logsync';
import type { LogSyncOptions } from '../options';

/**
 * pino's destination for an open LogSync: `pino(options, pinoDestination(log))`.
 * Each JSON line pino writes is appended, synchronously, to `file` (default: the log's
 * line log); syncing and closing stay with `log`.
 */
export function pinoDestination(log: LogSync, file?: string): LineDestination {
  return file === undefined ? log.destination() : log.destination(file);
}

/** Options of the pino transport: those of {@link createLogSync}, plus the file to write. */
export interface PinoTransportOptions extends LogSyncOptions {
  /** File that receives pino's JSON lines (default: `logFile`, i.e. `training.log`). */
  file?: string;
}

/**
 * The pino transport. pino calls it in its worker thread with `options`; it opens a
 * LogSync there, appends every line pino sends, and closes it (final sync, spool removed)
 * when pino ends the transport (`logger.flush()` then `transport.end()`, or process exit).
 *
 * Behaviour: signals are not seen in a worker thread; lines already handed to the
 * transport are in the spool, and a run that dies before the final sync leaves them
 * there for the next start with the same spool.
 *
 * ```ts
 * const transport = pino.transport({ target: '@omnifs/logsync/pino', options: { logDir: 's3://b/runs', experiment: 'run-1' } });
 * const logger = pino(transport);
 * ```
 */
export default async function pinoTransport(options: PinoTransportOptions): Promise<Transform> {
  // pino.transport adds `pinoWillSendConfig`, and its thread-stream `$context`, to the options.
  const {
    file,
    pinoWillSendConfig: _pino,
    $context: _thread,
    ...logOptions
  } = options as PinoTransportOptions & { pinoWillSendConfig?: unknown; $context?: unknown };
  const log = await createLogSync(logOptions);
  const target = file ?? logOptions.logFile ?? 'training.log';
  log.destination(target);
  return build(
    async (source) => {
      for await (const line of source as AsyncIterable<string>) log.append(`${line}\n`, target);
    },
    {
      parse: 'lines',
      close: async () => {
        await log.close();
      },
    },
  );
}

export { pinoTransport };
