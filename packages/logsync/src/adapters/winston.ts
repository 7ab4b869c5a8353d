/**
 * winston and any other stream-based logger. winston is not a dependency: a transport is
 * an object-mode `Writable` with a `log` method, which is what this builds.
 */
import { Writable } from 'node:stream';
import type { LogSync } from '../logsync';

/** winston puts the formatted line under this key (`triple-beam`'s MESSAGE). */
const MESSAGE = Symbol.for('message');

/** Options of {@link winstonTransport}. */
export interface WinstonTransportOptions {
  /** File of the run that receives the lines (default: the log's line log). */
  file?: string;
  /** Lowest winston level written by this transport (default: every level the logger passes on). */
  level?: string;
}

/** What winston hands a transport: the record, with the formatted line under `Symbol.for('message')`. */
export interface WinstonInfo {
  level: string;
  message?: unknown;
  [key: string | symbol]: unknown;
}

/**
 * A winston transport writing to an open LogSync: `winston.createLogger({ transports: [winstonTransport(log)] })`.
 * Each record is appended as the line the logger's `format` made (or as JSON when there is none).
 * Syncing and closing stay with `log`.
 */
export function winstonTransport(log: LogSync, options: WinstonTransportOptions = {}): Writable & { level?: string } {
  const destination = options.file === undefined ? log.destination() : log.destination(options.file);
  let levels: Record<string, number> | undefined;
  const write = (info: WinstonInfo): void => {
    if (
      options.level !== undefined &&
      levels !== undefined &&
      (levels[info.level] ?? 0) > (levels[options.level] ?? Infinity)
    )
      return;
    const formatted = info[MESSAGE];
    const text = typeof formatted === 'string' ? formatted : JSON.stringify({ ...info });
    destination.write(text.endsWith('\n') ? text : `${text}\n`);
  };
  const stream = new Writable({
    objectMode: true,
    write(info: WinstonInfo, _encoding, callback) {
      try {
        write(info);
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
  });
  // winston pipes the logger into its transports; its levels tell which records pass `level`.
  stream.on('pipe', (source: { levels?: Record<string, number> }) => {
    levels = source.levels;
  });
  return Object.assign(stream, {
    level: options.level,
    log(info: WinstonInfo, callback: () => void) {
      write(info);
      callback();
    },
  });
}
