/**
 * The `simplecache` layer: whole files copied to a local cache directory on first read,
 * then served from there. Writes through the layer go to the wrapped filesystem and drop
 * the cached copy.
 */
import { defineOptions } from '../options';
import { createReadStream, mkdirSync, mkdtempSync, promises as fsp } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { standInGeneration } from '../standin';
import { WrapperFileSystem, type WrapperOptions, WRAPPER_OPTIONS } from './wrapper';

/** Options of {@link SimpleCacheFileSystem}. */
export interface SimpleCacheOptions extends WrapperOptions {
  /** Where cached files live (default: a new directory under the OS temp dir). */
  cacheDir?: string;
}

/**
 * Caches whole files locally.
 *
 * Behaviour:
 * - the first read of a file downloads it whole (streamed, to a temporary name, then
 *   renamed); later reads, ranged or not, are local;
 * - a change made by another client is not seen until `clearCache()`; a change made
 *   through this layer drops the cached copy at once;
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
  private readonly downloads = new Map<string, Promise<string>>();

  constructor(options: SimpleCacheOptions) {
    super(options);
    if (options.cacheDir !== undefined) {
      mkdirSync(options.cacheDir, { recursive: true });
      this.cacheDir = options.cacheDir;
    } else {
      this.cacheDir = mkdtempSync(join(tmpdir(), 'omnifs-simplecache-'));
    }
  }

  /** The cached copy's name; one made while a stand-in served differs by its generation. */
  private localName(path: string): string {
    const generation = standInGeneration();
    const key = generation === 0 ? `${this.fs.protocol}\0${path}` : `${this.fs.protocol}\0${generation}\0${path}`;
    return join(this.cacheDir, createHash('sha256').update(key).digest('hex'));
  }

  /** The local copy of `path`, downloading it first when needed. */
  cached(path: string): Promise<string> {
    const local = this.localName(path);
    let running = this.downloads.get(local);
    if (running === undefined) {
      running = this.download(path, local);
      this.downloads.set(local, running);
      const forget = (): void => void this.downloads.delete(local);
      running.then(forget, forget);
    }
    return running;
  }

  private async download(path: string, local: string): Promise<string> {
    try {
      await fsp.access(local);
      return local;
    } catch {
      // not cached yet
    }
    const temp = `${local}.${randomBytes(4).toString('hex')}.tmp`;
    const handle = await fsp.open(temp, 'w');
    try {
      for await (const chunk of super._readStream(path, 0, undefined)) await handle.write(chunk);
      await handle.close();
      await fsp.rename(temp, local);
      return local;
    } catch (err) {
      await handle.close().catch(() => undefined);
      await fsp.unlink(temp).catch(() => undefined);
      throw err;
    }
  }

  /** Drops one cached file, or all of them. */
  async clearCache(path?: string): Promise<void> {
    if (path !== undefined) {
      await fsp.rm(this.localName(this.normalize(path)), { force: true });
      return;
    }
    await fsp.rm(this.cacheDir, { recursive: true, force: true });
    await fsp.mkdir(this.cacheDir, { recursive: true });
  }

  private async drop(path: string): Promise<void> {
    await fsp.rm(this.localName(path), { force: true });
  }

  protected override async _read(path: string, start: number, end: number | undefined): Promise<Uint8Array> {
    const handle = await fsp.open(await this.cached(path), 'r');
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
  ): AsyncGenerator<Uint8Array> {
    if (end !== undefined && end <= start) return;
    const stream = createReadStream(await this.cached(path), { start, ...(end === undefined ? {} : { end: end - 1 }) });
    for await (const chunk of stream) yield chunk as Buffer;
  }

  /** A change through the layer drops the cached copy. */
  protected override forget(path: string): Promise<void> {
    return this.drop(path);
  }
}
