/** The memory backend: a FileSystem over a memfs Volume, using its synchronous API. */
import { posix } from 'node:path';
import { Volume } from 'memfs';
import { FileSystem, type FileInfo, type FsError, type Writer, type WriteMode } from '@omnifs/core';
import {
  errors,
  temporarySibling,
  type CapabilityFacts,
  type ReadOptions,
  type WriterOptions,
} from '@omnifs/core/backend';
import { mapMemoryError } from './errors';
import { MEMORY_OPTION_SCHEMA, type MemoryOptions } from './options';

type Vol = InstanceType<typeof Volume>;
interface Stats {
  isDirectory(): boolean;
  size: number | bigint;
  mtime: Date;
  mtimeMs: number;
  ino: number | bigint;
}

const sharedVolume: Vol = new Volume();

/**
 * Which write each file of a volume was last given by, counted across the process: memfs
 * keeps times to the millisecond, so two writes of one size in one millisecond would
 * otherwise look like one version.
 */
const writes = new WeakMap<Vol, Map<string, number>>();
let lastWrite = 0;

/** Empties the store that memory filesystems share by default (`resetMemoryStore` calls it). */
export function resetSharedVolume(): void {
  sharedVolume.reset();
}

/**
 * Files held in memory, in a memfs Volume.
 *
 * Behaviour:
 * - instances share one store unless `store: 'private'` (or a `volume`) is given;
 * - real directories; writes create missing parents; `ab` appends natively;
 * - streamed writes land under a temporary name and are renamed on `close`, so a
 *   half-written file is never visible.
 */
export class MemoryFileSystem extends FileSystem {
  static override protocols: readonly string[] = ['memory'];
  /** The options it takes (see {@link MemoryOptions}). */
  static override optionSchema = MEMORY_OPTION_SCHEMA;

  /** memfs appends natively and creates exclusively. */
  protected override capabilityFacts(): CapabilityFacts {
    return { ...super.capabilityFacts(), append: true, exclusiveCreate: true };
  }

  /** The memfs Volume behind this instance. */
  readonly volume: Vol;

  constructor(options: MemoryOptions = {}) {
    super(options);
    this.volume = options.volume ?? (options.store === 'private' ? new Volume() : sharedVolume);
  }

  /** Empties this instance's store. */
  reset(): void {
    this.volume.reset();
  }

  protected override mapError(err: unknown): FsError {
    return mapMemoryError(err);
  }

  private toInfo(path: string, st: Stats): FileInfo {
    const dir = st.isDirectory();
    const info: FileInfo = {
      name: path,
      size: dir ? 0 : Number(st.size),
      type: dir ? 'directory' : 'file',
      mtime: st.mtime,
    };
    if (!dir) info.etag = this.versionOf(path, st);
    return info;
  }

  /** A file's version, as `info().etag`: its inode, modification time, size and last write through omnifs. */
  private versionOf(path: string, st: Stats): string {
    return `${st.ino}-${st.mtimeMs}-${st.size}-${writes.get(this.volume)?.get(path) ?? 0}`;
  }

  /** `ConditionNotMatch` unless the file is the version `etag` (when one is given). */
  private checkVersion(path: string, st: Stats, etag: string | undefined): void {
    if (etag === undefined || this.versionOf(path, st) === etag) return;
    throw errors.versionChanged(etag, path);
  }

  /** Marks `path` as written anew; with `tree`, forgets the files under it (moved or removed). */
  private written(path: string, tree = false): void {
    let known = writes.get(this.volume);
    if (known === undefined) writes.set(this.volume, (known = new Map()));
    if (tree) for (const p of known.keys()) if (p.startsWith(`${path}/`)) known.delete(p);
    known.set(path, ++lastWrite);
  }

  /** The checksum memory files always had (name, size, mtime): the version token is not it. */
  protected override checksumOf(info: FileInfo): string {
    return super.checksumOf({ ...info, etag: undefined });
  }

  protected async _info(path: string): Promise<FileInfo> {
    return this.toInfo(path, this.volume.statSync(path) as Stats);
  }

  protected async _ls(path: string): Promise<FileInfo[]> {
    const names = this.volume.readdirSync(path) as string[];
    const base = path.endsWith('/') ? path : `${path}/`;
    return names.map((n) => this.toInfo(base + n, this.volume.statSync(base + n) as Stats));
  }

  /**
   * With `etag` (a version from `info`), the file must still have it, else
   * `ConditionNotMatch`: the chunks of one read are then of one version.
   */
  protected async _read(
    path: string,
    start: number,
    end: number | undefined,
    { etag }: ReadOptions = {},
  ): Promise<Uint8Array> {
    if (start === 0 && end === undefined && etag === undefined) {
      // A whole file in one memfs call (it returns a copy), not open + fstat + read + close.
      // A directory makes it throw EISDIR; the path below turns that into IsADirectory.
      try {
        return this.volume.readFileSync(path) as Buffer;
      } catch (err) {
        if ((err as { code?: string }).code !== 'EISDIR') throw err;
      }
    }
    const fd = this.volume.openSync(path, 'r');
    try {
      const st = this.volume.fstatSync(fd) as Stats;
      if (st.isDirectory()) throw errors.isADirectory(path);
      this.checkVersion(path, st, etag);
      const size = Number(st.size);
      const stop = Math.min(end ?? size, size);
      if (stop <= start) return new Uint8Array(0);
      const buf = Buffer.allocUnsafe(stop - start);
      const n = this.volume.readSync(fd, buf, 0, buf.byteLength, start);
      return n === buf.byteLength ? buf : buf.subarray(0, n);
    } finally {
      this.volume.closeSync(fd);
    }
  }

  protected async _write(path: string, data: Uint8Array, mode: WriteMode): Promise<void> {
    this.withParents(path, () => this.volume.writeFileSync(path, data, { flag: mode === 'create' ? 'wx' : 'w' }));
    this.written(path);
  }

  protected override async _openWriter(path: string, options: WriterOptions): Promise<Writer> {
    // An exclusive create finds anything there, a directory too: AlreadyExists, as O_EXCL says.
    if (options.mode === 'create' && !options.append && this.volume.existsSync(path)) throw errors.alreadyExists(path);
    this.refuseDirectory(path);
    if (options.append) {
      const fd = this.withParents(path, () => this.volume.openSync(path, 'a'));
      return this.fdWriter(
        fd,
        () => this.written(path),
        () => this.written(path),
      );
    }
    if (options.mode === 'create' && this.volume.existsSync(path)) throw errors.alreadyExists(path);
    const temp = temporarySibling(path);
    const fd = this.withParents(path, () => this.volume.openSync(temp, 'w'));
    return this.fdWriter(
      fd,
      () => {
        if (options.mode === 'create' && this.volume.existsSync(path)) {
          this.volume.unlinkSync(temp);
          throw errors.alreadyExists(path);
        }
        try {
          this.refuseDirectory(path);
        } catch (err) {
          this.volume.unlinkSync(temp);
          throw err;
        }
        this.replaceFile(temp, path);
        this.written(path);
      },
      () => this.volume.unlinkSync(temp),
    );
  }

  private fdWriter(fd: number, commit: () => void, discard: () => void): Writer {
    let open = true;
    const finish = (): void => {
      if (!open) throw errors.invalid('write after close or abort');
      open = false;
      this.volume.closeSync(fd);
    };
    return {
      write: async (chunk) => {
        if (!open) throw errors.invalid('write after close or abort');
        this.volume.writeSync(fd, chunk);
      },
      close: async () => {
        finish();
        commit();
      },
      abort: async () => {
        if (!open) return;
        finish();
        discard();
      },
    };
  }

  protected async _rm(path: string): Promise<void> {
    if (this.volume.statSync(path).isDirectory()) throw errors.isADirectory(path);
    this.volume.unlinkSync(path);
    writes.get(this.volume)?.delete(path);
  }

  /** The directory itself is made by one `mkdir`, so of several made at once exactly one succeeds. */
  protected override async _mkdir(path: string, parents: boolean): Promise<void> {
    if (parents) this.volume.mkdirSync(posix.dirname(path), { recursive: true });
    this.volume.mkdirSync(path);
  }

  protected override async _rmdir(path: string): Promise<void> {
    this.volume.rmdirSync(path);
  }

  protected override async _copy(src: string, dst: string): Promise<void> {
    this.withParents(dst, () => this.volume.copyFileSync(src, dst));
    this.written(dst);
  }

  protected override async _rename(src: string, dst: string): Promise<void> {
    const tree = this.volume.statSync(src).isDirectory();
    this.withParents(dst, () => this.replaceFile(src, dst));
    this.written(dst, tree);
    if (tree) this.written(src, true);
  }

  protected override async _touch(path: string): Promise<void> {
    const now = new Date();
    this.volume.utimesSync(path, now, now);
    this.written(path);
  }

  /**
   * Renames `from` to `to`, replacing a file there. memfs miscounts a directory's entries
   * when a rename replaces a file (the emptied directory then cannot be removed), so the
   * old file is unlinked first; both steps are synchronous, so no reader sees the gap.
   */
  private replaceFile(from: string, to: string): void {
    const replaced = from !== to && this.volume.existsSync(to) && !this.volume.statSync(to).isDirectory();
    if (replaced) this.volume.unlinkSync(to);
    this.volume.renameSync(from, to);
  }

  /** Writing over a directory is `IsADirectory` (memfs would rename a file over it). */
  private refuseDirectory(path: string): void {
    if (this.volume.existsSync(path) && this.volume.statSync(path).isDirectory()) throw errors.isADirectory(path);
  }

  /** Runs `fn`; when the parent directory is missing, creates it and runs `fn` again. */
  private withParents<T>(path: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if ((err as { code?: string }).code !== 'ENOENT') throw err;
      this.volume.mkdirSync(path.slice(0, path.lastIndexOf('/')) || '/', { recursive: true });
      return fn();
    }
  }
}
