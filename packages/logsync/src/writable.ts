/** A plain Node `Writable` into a run's log, for loggers and tools that write to streams. */
import { Writable } from 'node:stream';
import type { LogSync } from './logsync';

/**
 * A `Writable` whose chunks (text or UTF-8 bytes) are appended to `file` (default: the
 * line log), synchronously, as {@link LogSync.append} does: `child.stdout.pipe(writableDestination(log))`.
 * Syncing and closing stay with `log`; ending the stream does not close it.
 */
export function writableDestination(log: LogSync, file?: string): Writable {
  const destination = file === undefined ? log.destination() : log.destination(file);
  const decoder = new TextDecoder();
  return new Writable({
    decodeStrings: false,
    write(chunk: string | Uint8Array, _encoding, callback) {
      try {
        destination.write(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
    final(callback) {
      const rest = decoder.decode();
      if (rest !== '') destination.write(rest);
      callback();
    },
  });
}
