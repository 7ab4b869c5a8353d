/**
 * Writes to local disk: a temporary file renamed into place (written whole, in order or at
 * offsets), or a native append. A replaced file keeps its mode and owner, and a write
 * through a symbolic link replaces the file the link points to, not the link.
 */
import { promises as fsp, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { temporarySibling } from '../debris';
import { errors, FsError } from '../errors';
import type { WriteMode } from '../types';
import { ChunkQueue, type RandomWriter, type Writer } from '../writer';

/** Bytes gathered before one `write` system call. */
const COALESCE = 256 * 1024;

/** Links followed before a write gives up (as the kernel's ELOOP). */
const MAX_LINKS = 40;

/** A temporary name beside `path`, on the same filesystem so a rename is atomic. */
export function tempPathFor(path: string): string {
  return temporarySibling(path);
}

/**
 * An error from a call on `temp` told as the user's `target`: node:fs quotes the paths it
 * was given (`open '/d/.f.omnifs-….tmp'`), a name the user never chose; `rename` and `link`
 * quote both (`'….tmp' -> '/d/f'`), which becomes the target alone.
 */
export function asTarget(err: unknown, temp: string, target: string): unknown {
  const e = err as { message?: unknown; path?: unknown; dest?: unknown };
  if (typeof e?.message !== 'string' || (e.path !== temp && e.dest !== temp)) return err;
  const moved = e.path === temp && e.dest === target;
  const message = e.message.replace(`'${temp}' -> '${target}'`, `'${target}'`).split(temp).join(target);
  Object.assign(e, { message });
  if (e.path === temp) e.path = target;
  if (e.dest === temp) e.dest = target;
  else if (moved) delete e.dest;
  return err;
}

/** Where a write to a path lands: the file at the end of its symbolic links, with its stats when it exists. */
export interface WriteTarget {
  path: string;
  stat?: Stats;
}

/** Follows `path`'s symbolic links (a dangling one too: the write creates its target). */
export async function writeTargetOf(path: string): Promise<WriteTarget> {
  let p = path;
  for (let hops = 0; hops <= MAX_LINKS; hops++) {
    let st: Stats;
    try {
      st = await fsp.lstat(p);
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') return { path: p };
      throw err;
    }
    if (!st.isSymbolicLink()) return { path: p, stat: st };
    p = resolve(dirname(p), await fsp.readlink(p));
  }
  throw new FsError({ kind: 'InvalidArgument', message: 'too many levels of symbolic links', code: 'ELOOP', path });
}

let defaultMode: number | undefined;

/** The mode a new file gets here (0o666 less the umask), read once from the first temporary file. */
async function newFileMode(temp: string): Promise<number> {
  defaultMode ??= (await fsp.stat(temp)).mode & 0o7777;
  return defaultMode;
}

/** Gives a finished temporary file the mode and owner of the file it replaces (owner where allowed). */
async function keepAttributes(temp: string, replaced: Stats | undefined): Promise<void> {
  if (replaced === undefined || !replaced.isFile()) return;
  const mode = replaced.mode & 0o7777;
  if (mode !== (await newFileMode(temp))) await fsp.chmod(temp, mode);
  const uid = process.getuid?.();
  const gid = process.getgid?.();
  if ((uid !== undefined && replaced.uid !== uid) || (gid !== undefined && replaced.gid !== gid)) {
    // Giving a file away needs privileges; without them the new file is the writer's, as with any editor.
    await fsp.chown(temp, replaced.uid, replaced.gid).catch((err: { code?: string }) => {
      if (err.code !== 'EPERM') throw err;
    });
  }
}

/** Creates `path`'s parent directories when missing. */
export async function ensureParent(path: string): Promise<void> {
  await fsp.mkdir(dirname(path), { recursive: true }).catch((err: { code?: string }) => {
    // mkdir -p answers EEXIST when the parent is a file: a path through a file is ENOTDIR.
    throw err.code === 'EEXIST' ? errors.notADirectory(dirname(path)) : err;
  });
}

/**
 * Moves a finished temporary file to its final name: `rename` to overwrite, `link` then
 * `unlink` for an exclusive create (fails with EEXIST if the target appeared meanwhile).
 */
export async function commitTemp(temp: string, target: string, mode: WriteMode, replaced?: Stats): Promise<void> {
  try {
    await keepAttributes(temp, replaced);
    if (mode === 'create') {
      await fsp.link(temp, target);
      await fsp.unlink(temp);
    } else {
      await fsp.rename(temp, target);
    }
  } catch (err) {
    await fsp.unlink(temp).catch(() => undefined);
    throw asTarget(err, temp, target);
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
  let temp = tempPathFor(target);
  if (mode === 'overwrite') {
    // The look at the target (links, mode, owner) runs while the temporary file is written;
    // rename(2) itself refuses a directory target (EISDIR).
    const looking = writeTargetOf(target);
    looking.catch(() => undefined);
    await writeTemp(temp, target, data);
    let landing: WriteTarget;
    try {
      landing = await looking;
    } catch (err) {
      await fsp.unlink(temp).catch(() => undefined);
      throw err;
    }
    if (dirname(landing.path) !== dirname(target)) {
      // A link into another directory: the temporary file must sit beside the file it replaces.
      await fsp.unlink(temp).catch(() => undefined);
      temp = tempPathFor(landing.path);
      await writeTemp(temp, landing.path, data);
    }
    await commitTemp(temp, landing.path, mode, landing.stat);
    return;
  }
  const looking = statOrUndefined(target);
  const refusal = async (): Promise<FsError | undefined> => {
    const st = await looking;
    // An exclusive create of an existing directory is EEXIST, as open(2) with O_CREAT|O_EXCL says.
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
    try {
      await fsp.writeFile(temp, data, { flag: 'wx' });
    } catch (err) {
      if ((err as { code?: string }).code !== 'ENOENT') throw err;
      await ensureParent(target);
      await fsp.writeFile(temp, data, { flag: 'wx' });
    }
  } catch (err) {
    throw asTarget(err, temp, target);
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
  if (!append && mode === 'create' && (await statOrUndefined(target))) throw errors.alreadyExists(target);
  await refuseDirectory(target);
  const landing = append ? { path: target } : await writeTargetOf(target);
  await ensureParent(landing.path);
  const path = append ? target : tempPathFor(landing.path);
  const handle = await fsp.open(path, append ? 'a' : 'wx').catch((err: unknown) => {
    throw asTarget(err, path, landing.path);
  });
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
      if (!append) await commitTemp(path, landing.path, mode, landing.stat);
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
 *
 * Writes reach the file one at a time, in the order they were asked for: the kernel
 * serializes buffered writes to one file anyway (the inode's lock), and threads that
 * wait on it spin; 1 GiB written as eight streams of writes at once spent a third more
 * system CPU than the same writes queued, in about the same time.
 */
export async function openLocalRandomWriter(target: string, mode: WriteMode): Promise<RandomWriter> {
  if (mode === 'create' && (await statOrUndefined(target))) throw errors.alreadyExists(target);
  await refuseDirectory(target);
  const landing = await writeTargetOf(target);
  await ensureParent(landing.path);
  const temp = tempPathFor(landing.path);
  const handle = await fsp.open(temp, 'wx').catch((err: unknown) => {
    throw asTarget(err, temp, landing.path);
  });
  // The last write queued, settled (failed or not) only after every one before it.
  let queued: Promise<void> = Promise.resolve();
  let open = true;
  const discard = async (): Promise<void> => {
    await queued;
    await handle.close().catch(() => undefined);
    await fsp.unlink(temp).catch(() => undefined);
  };
  return {
    async writeAt(data, position) {
      if (!open) throw errors.invalid('write after close or abort');
      if (!Number.isSafeInteger(position) || position < 0)
        throw errors.invalid(`position must be a non-negative integer, got ${String(position)}`);
      const writing = queued.then(async () => {
        for (let done = 0; done < data.byteLength;) {
          const { bytesWritten } = await handle.write(data, done, data.byteLength - done, position + done);
          done += bytesWritten;
        }
      });
      queued = writing.catch(() => undefined);
      await writing;
    },
    async close() {
      if (!open) throw errors.invalid('write after close or abort');
      open = false;
      try {
        await queued;
        await handle.close();
      } catch (err) {
        await discard();
        throw err;
      }
      await commitTemp(temp, landing.path, mode, landing.stat);
    },
    async abort() {
      if (!open) return;
      open = false;
      await discard();
    },
  };
}
