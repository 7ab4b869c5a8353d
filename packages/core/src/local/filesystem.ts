/** The local backend: a FileSystem over node:fs, with atomic writes. */
import { createReadStream, promises as fsp, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { throwIfAborted } from '../batch';
import { currentSignal } from '../timeouts';
import { errors, FsError, quote } from '../errors';
import { FileSystem, type ReadOptions, type WriterOptions } from '../filesystem';
import type { RmTreeOptions } from '../hooks';
import type { CapabilityFacts, FileInfo, WriteMode } from '../types';
import type { RandomWriter, ReaderInto, Writer } from '../writer';
import { Confinement } from './confine';
import { danglingLinksIn, mapLocalError } from './errors';
import { LOCAL_OPTION_SCHEMA, type LocalOptions } from './options';
import { localPath } from './paths';
import {
  asTarget,
  commitTemp,
  ensureParent,
  openLocalRandomWriter,
  openLocalWriter,
  tempPathFor,
  writeAtomic,
  writeTargetOf,
} from './writer';

/**
 * Files on local disk.
 *
 * Behaviour:
 * - paths are absolute; relative ones resolve against `cwd` (default `process.cwd()`),
 *   `file://` URLs are accepted;
 * - whole-file and streamed writes go to a temporary file beside the target and are
 *   renamed into place, so a reader never sees a half-written file;
 * - `ab` appends natively; writes create missing parent directories;
 * - `openRandomWriter` takes parts at any offset (concurrent downloads write in place).
 */
export class LocalFileSystem extends FileSystem {
  static override protocols: readonly string[] = ['file', 'local'];
  /** The options it takes (see {@link LocalOptions}). */
  static override optionSchema = LOCAL_OPTION_SCHEMA;

  /** `O_APPEND`; exclusive create by `link(2)` of the finished temporary file. */
  protected override capabilityFacts(): CapabilityFacts {
    return { ...super.capabilityFacts(), append: true, exclusiveCreate: true };
  }

  private readonly cwd: string | undefined;
  /** Set on the instance a `dir` layer confines below its root ({@link LocalFileSystem.within}). */
  #confinement: Confinement | undefined;

  constructor(options: LocalOptions = {}) {
    super(options);
    if (options.cwd !== undefined && typeof options.cwd !== 'string') throw errors.invalid('cwd must be a string');
    this.cwd = options.cwd;
  }

  /** Absolute, normalised path, relative ones against `cwd` (see {@link localPath}). */
  override normalize(path: unknown): string {
    return localPath(path, this.cwd);
  }

  /** This filesystem, refusing every path whose symbolic links resolve outside `root`. */
  override within(root: string): this {
    const fs = new LocalFileSystem({ ...this.storageOptions, skipInstanceCache: true });
    fs.#confinement = new Confinement(root);
    return fs as this;
  }

  /** Refuses a path outside the confinement root, if any (`followLast: false` for unlink and rename). */
  private async confined(path: string, options?: { followLast: boolean }): Promise<void> {
    await this.#confinement?.check(path, options);
  }

  protected override mapError(err: unknown): FsError {
    return mapLocalError(err);
  }

  private toInfo(path: string, st: Stats): FileInfo {
    const dir = st.isDirectory();
    const info: FileInfo = {
      name: path,
      size: dir ? 0 : st.size,
      type: dir ? 'directory' : 'file',
      mtime: st.mtime,
      mode: st.mode,
    };
    if (!dir) info.etag = versionOf(st);
    return info;
  }

  /** The checksum local files always had (name, size, mtime): the version token is not it. */
  protected override checksumOf(info: FileInfo): string {
    return super.checksumOf({ ...info, etag: undefined });
  }

  /**
   * A directory reached through a symbolic link has its `realPath` (every link resolved),
   * by which a walk knows a link that leads back into a directory it is in.
   */
  protected async _info(path: string): Promise<FileInfo> {
    await this.confined(path);
    const info = this.toInfo(path, await fsp.stat(path));
    if (info.type !== 'directory') return info;
    const real = await fsp.realpath(path);
    if (real !== path) info.realPath = real;
    return info;
  }

  /** Entries as `stat` sees them (a link as what it leads to); a link also has `islink`, and `realPath` if a directory. */
  protected async _ls(path: string): Promise<FileInfo[]> {
    await this.confined(path);
    const entries = await fsp.readdir(path, { withFileTypes: true });
    const base = path === '/' ? '/' : `${path}/`;
    const infos = await Promise.all(
      entries.map(async (d) => {
        try {
          const info = this.toInfo(base + d.name, await fsp.stat(base + d.name));
          if (!d.isSymbolicLink()) return info;
          info.islink = true;
          if (info.type === 'directory') info.realPath = await fsp.realpath(base + d.name);
          return info;
        } catch (err) {
          if ((err as { code?: string }).code === 'ENOENT') return undefined; // dangling link or removed meanwhile
          throw err;
        }
      }),
    );
    return infos.filter((i): i is FileInfo => i !== undefined);
  }

  /**
   * With `etag` (a version from `info`), the file opened must still have it, else
   * `ConditionNotMatch`: bytes read through the open file are then that version's, even if
   * the name is given another file meanwhile.
   */
  protected async _read(
    path: string,
    start: number,
    end: number | undefined,
    { etag }: ReadOptions = {},
  ): Promise<Uint8Array> {
    await this.confined(path);
    if (start === 0 && end === undefined && etag === undefined) return fsp.readFile(path);
    const handle = await fsp.open(path, 'r');
    try {
      const st = await handle.stat();
      checkRegular(st, path);
      checkVersion(st, etag);
      const size = st.size;
      const stop = Math.min(end ?? size, size);
      if (stop <= start) return new Uint8Array(0);
      const buf = Buffer.allocUnsafe(stop - start);
      let filled = 0;
      while (filled < buf.byteLength) {
        const { bytesRead } = await handle.read(buf, filled, buf.byteLength - filled, start + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return filled === buf.byteLength ? buf : buf.subarray(0, filled);
    } finally {
      await handle.close();
    }
  }

  protected override async *_readStream(
    path: string,
    start: number,
    end: number | undefined,
    { signal, etag }: ReadOptions = {},
  ): AsyncGenerator<Uint8Array> {
    await this.confined(path);
    if (end !== undefined && end <= start) return;
    const range = { start, ...(end === undefined ? {} : { end: end - 1 }), highWaterMark: 1024 * 1024 };
    const handle = await fsp.open(path, 'r');
    try {
      const st = await handle.stat();
      checkRegular(st, path);
      checkVersion(st, etag);
    } catch (err) {
      await handle.close();
      throw err;
    }
    const stream = handle.createReadStream(range) as ReturnType<typeof createReadStream>;
    try {
      for await (const chunk of stream) {
        throwIfAborted(signal);
        yield chunk as Buffer;
      }
    } finally {
      stream.destroy();
    }
  }

  protected override async _openReaderInto(path: string): Promise<ReaderInto> {
    await this.confined(path);
    const file = await fsp.open(path, 'r');
    try {
      checkRegular(await file.stat(), path);
    } catch (err) {
      await file.close();
      throw err;
    }
    let position = 0;
    return {
      read: async (into) => {
        const { bytesRead } = await file.read(into, 0, into.byteLength, position);
        position += bytesRead;
        return bytesRead;
      },
      close: () => file.close(),
    };
  }

  protected async _write(path: string, data: Uint8Array, mode: WriteMode): Promise<void> {
    await this.confined(path);
    await writeAtomic(path, data, mode);
  }

  protected override async _openWriter(path: string, options: WriterOptions): Promise<Writer> {
    await this.confined(path);
    return openLocalWriter(path, options.mode, options.append);
  }

  protected override async _openRandomWriter(path: string, options: WriterOptions): Promise<RandomWriter> {
    await this.confined(path);
    return openLocalRandomWriter(path, options.mode);
  }

  protected async _rm(path: string): Promise<void> {
    await this.confined(path, { followLast: false });
    await fsp.unlink(path);
  }

  /** The directory itself is made by one `mkdir`, so of several made at once exactly one succeeds. */
  protected override async _mkdir(path: string, parents: boolean): Promise<void> {
    await this.confined(path);
    if (parents)
      await fsp.mkdir(dirname(path), { recursive: true }).catch((err: unknown) => {
        // A file where a parent should be: `mkdir -p` of it answers EEXIST.
        throw (err as { code?: unknown }).code === 'EEXIST' ? errors.notADirectory(path) : err;
      });
    await fsp.mkdir(path);
  }

  /** `rm -r` of one directory: the files counted first when progress is wanted. */
  protected override async _rmTree(path: string, options: RmTreeOptions): Promise<void> {
    // A path not looked at first is checked as `info` would look at it: through a last link.
    await this.confined(path, { followLast: options.orFile === true });
    if (path === '/') throw errors.invalid('the root directory cannot be removed', path);
    let files = 0;
    if (options.onRemoved) {
      const isDir = options.orFile !== true || (await fsp.lstat(path)).isDirectory();
      files = isDir
        ? (await fsp.readdir(path, { recursive: true, withFileTypes: true })).filter((e) => !e.isDirectory()).length
        : 1;
      options.onTotal?.(files);
    }
    await fsp.rm(path, { recursive: true });
    options.onRemoved?.(files);
  }

  /**
   * A directory holding only dangling symbolic links (which `ls` leaves out) is not empty:
   * `NotEmpty` then says so, and names the first of them.
   */
  protected override async _rmdir(path: string): Promise<void> {
    await this.confined(path);
    try {
      await fsp.rmdir(path);
    } catch (err) {
      if ((err as { code?: string }).code !== 'ENOTEMPTY') throw err;
      const hidden = await danglingLinksIn(path);
      if (hidden === undefined) throw err;
      throw new FsError({
        kind: 'NotEmpty',
        path,
        cause: err,
        message: `directory not empty: it holds ${hidden.count} dangling symbolic link(s), which ls leaves out (${quote(hidden.first)}); rm with recursive removes them`,
      });
    }
  }

  protected override async _copy(src: string, dst: string): Promise<void> {
    await this.confined(dst);
    await this.confined(src);
    checkRegular(await fsp.stat(src), src);
    const landing = await writeTargetOf(dst);
    await ensureParent(landing.path);
    const temp = tempPathFor(landing.path);
    await fsp.copyFile(src, temp).catch((err: unknown) => {
      throw asTarget(err, temp, landing.path);
    });
    // The copy cannot be stopped once started; an abort meanwhile leaves the target as it was.
    const signal = currentSignal();
    if (signal?.aborted === true) {
      await fsp.rm(temp, { force: true });
      throw errors.aborted(signal.reason);
    }
    await commitTemp(temp, landing.path, 'overwrite', landing.stat);
  }

  protected override async _rename(src: string, dst: string): Promise<void> {
    await this.confined(dst, { followLast: false });
    await this.confined(src, { followLast: false });
    await ensureParent(dst);
    await fsp.rename(src, dst);
  }

  protected override async _touch(path: string): Promise<void> {
    await this.confined(path);
    const now = new Date();
    await fsp.utimes(path, now, now);
  }
}

/** A local file's version, as `info().etag`: its inode, modification time (µs) and size. */
function versionOf(st: Stats): string {
  return `${st.ino}-${Math.round(st.mtimeMs * 1000)}-${st.size}`;
}

/**
 * `InvalidArgument` for a named pipe, socket or device: its size says nothing of its bytes,
 * so a copy sized from it would be empty and a ranged read fails (a whole read takes what
 * it gives, as `readFile` does). A regular file or a directory passes.
 */
function checkRegular(st: Stats, path: string): void {
  if (st.isFile() || st.isDirectory()) return;
  throw errors.invalid(
    'not a regular file (a named pipe, socket or device): it cannot be copied or read in ranges; stream it instead (pipeFile of a stream, or `omnifs cp - <target>` from standard input)',
    path,
  );
}

/** `ConditionNotMatch` unless the open file has `etag` (when one is given). */
function checkVersion(st: Stats, etag: string | undefined): void {
  if (etag === undefined || versionOf(st) === etag) return;
  throw errors.versionChanged(etag);
}
