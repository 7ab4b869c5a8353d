/**
 * Request counting, injected failures and latency for stand-in filesystems: each backend
 * hook the base class calls stands for one request to the real service.
 */
import type { ErrorKind, FileSystem, Writer } from '@omnifs/core';
import { currentSignal, waitOrAbort } from '@omnifs/core/backend';
import { MemoryObjectStore } from './objectstore';

/**
 * What a stand-in counts, one per request the real service would get:
 * `head` (info of one path), `list`, `get` (a read), `put` (a write, counted when it
 * commits), `copy` (server-side copy or rename), `delete` (one or a batch), `mkdir`
 * (a bucket or directory), `rmdir`.
 */
export const OPERATIONS = ['head', 'list', 'get', 'put', 'copy', 'delete', 'mkdir', 'rmdir'] as const;

/** One of {@link OPERATIONS}. */
export type Operation = (typeof OPERATIONS)[number];

/** The state a stand-in's hooks share. */
export interface Recorder {
  calls: Record<Operation, number>;
  failures: Map<Operation, ErrorKind[]>;
  latencyMs: number;
}

/** Backend hooks and the request each stands for. */
const HOOKS: Readonly<Record<string, Operation>> = {
  _info: 'head',
  _isDir: 'head',
  _ls: 'list',
  _find: 'list',
  _write: 'put',
  _touch: 'put',
  _rm: 'delete',
  _rmMany: 'delete',
  _copy: 'copy',
  _rename: 'copy',
  _mkdir: 'mkdir',
  _rmdir: 'rmdir',
};

type Hook = (...args: unknown[]) => unknown;

/**
 * Wraps the hooks of `fs` so each counts a request, waits `latencyMs`, and fails when a
 * failure of its operation is pending (`error` builds it).
 */
export function instrument(fs: FileSystem, recorder: Recorder, error: (kind: ErrorKind) => Error): void {
  const request = async (op: Operation): Promise<void> => {
    recorder.calls[op]++;
    // The wait ends with the operation's signal, as a request in flight does.
    if (recorder.latencyMs > 0) await waitOrAbort(recorder.latencyMs, [currentSignal()]);
    const kind = recorder.failures.get(op)?.shift();
    if (kind !== undefined) throw error(kind);
  };
  const self = fs as unknown as Record<string, Hook | undefined>;
  const wrap = (name: string, op: Operation): void => {
    const original = self[name];
    if (typeof original !== 'function') return;
    self[name] = async function (this: unknown, ...args: unknown[]) {
      await request(op);
      return original.apply(fs, args);
    };
  };
  for (const [name, op] of Object.entries(HOOKS)) wrap(name, op);
  // A recursive delete on an object store: its listings and batch deletes, before it runs.
  const rmTree = self._rmTree;
  if (fs instanceof MemoryObjectStore && typeof rmTree === 'function') {
    self._rmTree = async (...args: unknown[]) => {
      const [path, options] = args as [string, { orFile?: boolean } | undefined];
      const sent = fs.treeRequests(path, options?.orFile === true);
      for (const op of ['head', 'list', 'delete'] as const) for (let i = 0; i < sent[op]; i++) await request(op);
      return rmTree.apply(fs, args);
    };
  }
  // Reads: object stores read through `_readStream`, memfs through `_read` (each calls the other by default).
  const readHook = fs instanceof MemoryObjectStore ? '_readStream' : '_read';
  const read = self[readHook]!;
  self[readHook] =
    readHook === '_read'
      ? async (...args: unknown[]) => {
          await request('get');
          return read.apply(fs, args);
        }
      : async function* (...args: unknown[]) {
          await request('get');
          yield* read.apply(fs, args) as AsyncGenerator<Uint8Array>;
        };
  // Streamed writes commit on close: that is the request.
  for (const name of ['_openWriter', '_openAppendByCopy']) {
    const open = self[name];
    if (typeof open !== 'function') continue;
    self[name] = async (...args: unknown[]) => {
      // An append by copy looks the object up first (S3's HeadObject).
      if (name === '_openAppendByCopy') await request('head');
      const writer = (await open.apply(fs, args)) as Writer | undefined;
      if (writer === undefined) return writer;
      return {
        write: (chunk: Uint8Array) => writer.write(chunk),
        close: async () => {
          try {
            await request('put');
          } catch (err) {
            await writer.abort(err);
            throw err;
          }
          await writer.close();
        },
        abort: (reason?: unknown) => writer.abort(reason),
        ...(writer.appendsAt === undefined ? {} : { appendsAt: writer.appendsAt }),
      } satisfies Writer;
    };
  }
}
