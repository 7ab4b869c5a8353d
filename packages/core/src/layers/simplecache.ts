/**
 * The `simplecache` layer: whole files copied to a local cache directory on first read,
 * then served from there. Writes through the layer go to the wrapped filesystem and drop
 * the cached copy.
 */
import { defineOptions } from '../options';
import { mkdirSync, mkdtempSync, promises as fsp, rmSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { standInGeneration } from '../standin';
import { FsError } from '../errors';
import { isUnder } from '../paths';
import type { ReadOptions } from '../base';
import type { FileInfo } from '../types';
import { WrapperFileSystem, type WrapperOptions, WRAPPER_OPTIONS } from './wrapper';

/** The cache directories made in the OS temp dir, removed when the process exits. */
const temporaryDirs = new Set<string>();

/** Removes `dir` (and what it holds) when the process exits, as the temp dir of fsspec's simplecache is. */
function removedAtExit(dir: string): void {
  if (temporaryDirs.size === 0)
    process.once('exit', () => {
      for (const d of temporaryDirs) rmSync(d, { recursive: true, force: true });
    });
  temporaryDirs.add(dir);
}

/** A cached copy and the version it holds, where known. */
interface Copy {
  file: string;
  version: string | undefined;
}

/** The version `info` names, if any. */
function versionOf(info: FileInfo): string | undefined {
  return typeof info.etag === 'string' && info.etag !== '' ? info.etag : undefined;
}

/** True for the error of a read kept to a version that is gone. */
function isVersionChange(err: unknown): boolean {
  return err instanceof FsError && err.kind === 'ConditionNotMatch';
}

/** Options of {@link SimpleCacheFileSystem}. */
export interface SimpleCacheOptions extends WrapperOptions {
  /** Where cached files live, kept (default: a new directory under the OS temp dir, removed when the process exits). */
  cacheDir?: string;
}

/**
 * Caches whole files locally.
 *
 * Behaviour:
 * - the first read of a file downloads it whole (streamed, to a temporary name, then
 *   renamed); later reads, ranged or not, are local;
 * - a change made by another client is not seen by plain reads until `clearCache()`; a
 *   read kept to a version (`open`, `tail`, a read with `etag`) that the copy is not of
 *   fetches the file again; a change made through this layer drops the cached copy at
 *   once, and a first read running then starts again;
 * - concurrent first reads of one file share a single download.
 */
export class SimpleCacheFileSystem extends WrapperFileSystem {
  static override protocols: readonly string[] = ['simplecache'];
  /** The options the layer takes. */
  static override optionSchema = defineOptions<SimpleCacheOptions>({
    ...WRAPPER_OPTIONS,
    cacheDir: { type: 'string', fsspec: ['cache_storage'] },
  });
  /** The cache directory. */
  readonly cacheDir: string;
  private readonly downloads = new Map<string, Promise<Copy>>();
  /** The version of each cached copy whose version is known, by local name. */
  private readonly versions = new Map<string, string>();
  /** Changes made through the layer, by local name: a download that saw one start again. */
  private readonly epochs = new Map<string, number>();
  /** The path of each copy held or being fetched, by local name (a directory changed drops those below it). */
  private readonly paths = new Map<string, string>();

  constructor(options: SimpleCacheOptions) {
    super(options);
    if (options.cacheDir !== undefined) {
      mkdirSync(options.cacheDir, { recursive: true });
      this.cacheDir = options.cacheDir;
    } else {
      this.cacheDir = mkdtempSync(join(tmpdir(), 'omnifs-simplecache-'));
      removedAtExit(this.cacheDir);
    }
  }

  /** The cached copy's name; one made while a stand-in served differs by its generation. */
  private localName(path: string): string {
    // Named by the file the innermost filesystem holds: two `dir` layers with other roots
    // sharing a cache directory do not share copies of their like-named files.
    const { fs, path: inner } = this.locate(path);
    const generation = standInGeneration();
    const key = generation === 0 ? `${fs.protocol}\0${inner}` : `${fs.protocol}\0${generation}\0${inner}`;
    return join(this.cacheDir, createHash('sha256').update(key).digest('hex'));
  }

  /** The local copy of `path`, downloading it first when needed. */
  async cached(path: string): Promise<string> {
    return (await this.copyOf(this.normalize(path))).file;
  }

  /**
   * The local copy of `path` and its version (undefined when not known: a copy found in
   * the cache directory, or a store without versions). With `etag`, a copy of another
   * version is replaced by one of that version.
   */
  private async copyOf(path: string, etag?: string): Promise<Copy> {
    const local = this.localName(path);
    this.paths.set(local, path);
    for (;;) {
      let running = this.downloads.get(local);
      if (running === undefined) {
        running = this.download(path, local, etag);
        const mine = running;
        this.downloads.set(local, mine);
        const forget = (): void => {
          if (this.downloads.get(local) === mine) this.downloads.delete(local);
        };
        mine.then(forget, forget);
      }
      const copy = await running;
      if (etag === undefined || copy.version === etag) return copy;
      // Another version than the one asked for: dropped (once no other download replaced it), then fetched again.
      if (this.downloads.get(local) === undefined) {
        this.versions.delete(local);
        await fsp.rm(local, { force: true });
        this.changed(local);
        return this.copyOf(path, etag);
      }
    }
  }

  private async download(path: string, local: string, etag: string | undefined): Promise<Copy> {
    try {
      await fsp.access(local);
      return { file: local, version: this.versions.get(local) };
    } catch {
      // not cached yet
    }
    for (let attempt = 1; ; attempt++) {
      const epoch = this.epochs.get(local) ?? 0;
      // The version fetched is the one asked for, else the one there now.
      const version = etag ?? versionOf(await super._infoForRead(path));
      const temp = `${local}.${randomBytes(4).toString('hex')}.tmp`;
      const handle = await fsp.open(temp, 'w');
      try {
        const pin = version === undefined ? {} : { etag: version };
        for await (const chunk of super._readStream(path, 0, undefined, pin)) await handle.write(chunk);
        await handle.close();
        // A write through the layer landed meanwhile: this copy may be of the version before it.
        if ((this.epochs.get(local) ?? 0) !== epoch && attempt < 3) {
          await fsp.unlink(temp);
          continue;
        }
        await fsp.rename(temp, local);
        if (version === undefined) this.versions.delete(local);
        else this.versions.set(local, version);
        return { file: local, version };
      } catch (err) {
        await handle.close().catch(() => undefined);
        await fsp.unlink(temp).catch(() => undefined);
        // Replaced by another client while it was fetched: fetched again, as it is now.
        if (etag === undefined && version !== undefined && isVersionChange(err) && attempt < 3) continue;
        throw err;
      }
    }
  }

  /** Counts a change to the copy `local`: a download running now starts again. */
  private changed(local: string): void {
    this.epochs.set(local, (this.epochs.get(local) ?? 0) + 1);
  }

  /** Opens the local copy (fetched again if it was dropped before it could be opened). */
  private async openCopy(path: string, etag: string | undefined): Promise<FileHandle> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fsp.open((await this.copyOf(path, etag)).file, 'r');
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'ENOENT' || attempt === 3) throw err;
      }
    }
  }

  /** Drops one cached file, or all of them. */
  async clearCache(path?: string): Promise<void> {
    if (path !== undefined) {
      await this.drop(this.normalize(path));
      return;
    }
    for (const local of this.downloads.keys()) this.changed(local);
    this.versions.clear();
    this.paths.clear();
    await fsp.rm(this.cacheDir, { recursive: true, force: true });
    await fsp.mkdir(this.cacheDir, { recursive: true });
  }

  /**
   * Drops the copy of `path`, and those of the files below it if it is a directory; a
   * download running now starts again rather than keep what it fetched.
   */
  private async drop(path: string): Promise<void> {
    const locals = new Set([this.localName(path)]);
    for (const [local, p] of this.paths) if (isUnder(p, path)) locals.add(local);
    await Promise.all(
      [...locals].map((local) => {
        this.changed(local);
        this.versions.delete(local);
        this.paths.delete(local);
        return fsp.rm(local, { force: true });
      }),
    );
  }

  protected override async _read(
    path: string,
    start: number,
    end: number | undefined,
    options: ReadOptions = {},
  ): Promise<Uint8Array> {
    const handle = await this.openCopy(path, options.etag);
    try {
      const size = (await handle.stat()).size;
      const stop = Math.min(end ?? size, size);
      if (stop <= start) return new Uint8Array(0);
      const buf = Buffer.alloc(stop - start);
      const { bytesRead } = await handle.read(buf, 0, buf.byteLength, start);
      return buf.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  /** Declined: reads go through the cached copy. */
  protected override async _readInto(): Promise<undefined> {
    return undefined;
  }

  protected override async *_readStream(
    path: string,
    start: number,
    end: number | undefined,
    options: ReadOptions = {},
  ): AsyncGenerator<Uint8Array> {
    if (end !== undefined && end <= start) return;
    const handle = await this.openCopy(path, options.etag);
    const stream = handle.createReadStream({ start, ...(end === undefined ? {} : { end: end - 1 }) });
    for await (const chunk of stream) yield chunk as Buffer;
  }

  /** A change through the layer drops the cached copy (of each file below a directory changed). */
  protected override forget(path: string): Promise<void> {
    return this.drop(path);
  }
}
