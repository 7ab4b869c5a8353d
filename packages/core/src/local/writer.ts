/** Streamed writes to local disk: a temporary file renamed into place (written in order or at offsets), or a native append. */
import { promises as fsp, type Stats } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, basename, join } from 'node:path';
import { errors, type FsError } from '../errors';
import type { WriteMode } from '../types';
import { ChunkQueue, type RandomWriter, type Writer } from '../writer';

/** Bytes gathered before one `write` system call. */
const COALESCE = 256 * 1024;

/** A temporary name beside `path`, on the same filesystem so a rename is atomic. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.omnifs-${randomBytes(6).toString('hex')}.tmp`);
}

/** Creates `path`'s parent directories when missing. */
export async function ensureParent(path: string): Promise<void> {
  await fsp.mkdir(dirname(path), { recursive: true });
}

/**
 * Moves a finished temporary file to its final name: `rename` to overwrite, `link` then
 * `unlink` for an exclusive create (fails with EEXIST if the target appeared meanwhile).
 */
export async function commitTemp(temp: string, target: string, mode: WriteMode): Promise<void> {
  try {
    if (mode === 'create') {
      await fsp.link(temp, target);
      await fsp.unlink(temp);
    } else {
      await fsp.rename(temp, target);
    }
  } catch (err) {
    await fsp.unlink(temp).catch(() => undefined);
    throw err;
  }
}

/**
 * Writes the whole of `data` to `target` atomically.
 *
 * The look at the target (a directory is `IsADirectory`; with `create`, an existing file is
 * `AlreadyExists`) runs alongside the write of the temporary file rather than before it, so
 * a small write waits for one round trip to the thread pool less; when the look finds a
 * reason to refuse, the temporary file is removed and nothing has changed.
 */
export async function writeAtomic(target: string, data: Uint8Array, mode: WriteMode): Promise<void> {
  const temp = tempPathFor(target);
  if (mode === 'overwrite') {
    // rename(2) itself refuses a directory target (EISDIR), so no stat is needed first.
    await writeTemp(temp, target, data);
    await commitTemp(temp, target, mode);
    return;
  }
  const looking = statOrUndefined(target);
  const refusal = async (): Promise<FsError | undefined> => {
    const st = await looking;
    if (st?.isDirectory()) return errors.isADirectory(target);
    if (st) return errors.alreadyExists(target);
    return undefined;
  };
  try {
    await writeTemp(temp, target, data);
  } catch (err) {
    throw (await refusal()) ?? err;
  }
  const refused = await refusal();
  if (refused) {
    await fsp.unlink(temp).catch(() => undefined);
    throw refused;
  }
  await commitTemp(temp, target, mode);
}

/** Writes a new temporary file, creating the target's parent directories when missing. */
async function writeTemp(temp: string, target: string, data: Uint8Array): Promise<void> {
  try {
    await fsp.writeFile(temp, data, { flag: 'wx' });
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT') throw err;
    await ensureParent(target);
    await fsp.writeFile(temp, data, { flag: 'wx' });
  }
}

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  return fsp.stat(path).catch(() => undefined);
}

/** Writing over a directory is `IsADirectory`, as `open(2)` says. */
export async function refuseDirectory(target: string): Promise<void> {
  if ((await statOrUndefined(target))?.isDirectory()) throw errors.isADirectory(target);
}

/** Opens a streaming writer: native append, or a temp file committed on close. */
export async function openLocalWriter(target: string, mode: WriteMode, append: boolean): Promise<Writer> {
  await refuseDirectory(target);
  if (!append && mode === 'create' && (await statOrUndefined(target))) throw errors.alreadyExists(target);
  await ensureParent(target);
  const path = append ? target : tempPathFor(target);
  const handle = await fsp.open(path, append ? 'a' : 'wx');
  const queue = new ChunkQueue();
  let open = true;
  // One write in flight while the next bytes gather, so disk and source overlap.
  let inFlight: Promise<unknown> = Promise.resolve();
  const flush = async (): Promise<void> => {
    await inFlight;
    if (queue.length > 0) inFlight = handle.write(queue.take());
  };
  const finish = async (): Promise<void> => {
    if (!open) throw errors.invalid('write after close or abort');
    open = false;
  };
  return {
    async write(chunk) {
      if (!open) throw errors.invalid('write after close or abort');
      queue.push(chunk);
      if (queue.length >= COALESCE) await flush();
    },
    async close() {
      await finish();
      try {
        await flush();
        await inFlight;
        await handle.close();
      } catch (err) {
        await handle.close().catch(() => undefined);
        if (!append) await fsp.unlink(path).catch(() => undefined);
        throw err;
      }
      if (!append) await commitTemp(path, target, mode);
    },
    async abort() {
      if (!open) return;
      open = false;
      queue.take();
      await inFlight.catch(() => undefined);
      await handle.close().catch(() => undefined);
      if (!append) await fsp.unlink(path).catch(() => undefined);
    },
  };
}

/**
 * Opens a temporary file beside `target` for writes at any offset; `close` waits for the
 * writes still running and renames it into place, `abort` removes it.
 */
export async function openLocalRandomWriter(target: string, mode: WriteMode): Promise<RandomWriter> {
  await refuseDirectory(target);
  if (mode === 'create' && (await statOrUndefined(target))) throw errors.alreadyExists(target);
  await ensureParent(target);
  const temp = tempPathFor(target);
  const handle = await fsp.open(temp, 'wx');
  const running = new Set<Promise<unknown>>();
  let open = true;
  const settle = async (): Promise<void> => {
    while (running.size > 0) await Promise.allSettled([...running]);
  };
  const discard = async (): Promise<void> => {
    await settle();
    await handle.close().catch(() => undefined);
    await fsp.unlink(temp).catch(() => undefined);
  };
  return {
    async writeAt(data, position) {
      if (!open) throw errors.invalid('write after close or abort');
      if (!Number.isSafeInteger(position) || position < 0) throw errors.invalid(`position must be a non-negative integer, got ${String(position)}`);
      const writing = (async () => {
        for (let done = 0; done < data.byteLength;) {
          const { bytesWritten } = await handle.write(data, done, data.byteLength - done, position + done);
          done += bytesWritten;
        }
      })();
      running.add(writing);
      try {
        await writing;
      } finally {
        running.delete(writing);
      }
    },
    async close() {
      if (!open) throw errors.invalid('write after close or abort');
      open = false;
      try {
        await settle();
        await handle.close();
      } catch (err) {
        await discard();
        throw err;
      }
      await commitTemp(temp, target, mode);
    },
    async abort() {
      if (!open) return;
      open = false;
      await discard();
    },
  };
}
