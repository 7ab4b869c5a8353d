/**
 * The `simplecache` layer: whole files copied to a local cache directory on first read,
 * then served from there. Writes through the layer go to the wrapped filesystem and drop
 * the cached copy.
 */
import { createReadStream, mkdirSync, mkdtempSync, promises as fsp } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WriteMode } from '../types';
import type { RandomWriter, Writer } from '../writer';
import type { WriterOptions } from '../filesystem';
import { WrapperFileSystem, type WrapperOptions } from './wrapper';

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

  private localName(path: string): string {
    return join(this.cacheDir, createHash('sha256').update(`${this.fs.protocol}\0${path}`).digest('hex'));
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
      for await (const chunk of this.fs.readChunks(path)) await handle.write(chunk);
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

  protected override async *_readStream(path: string, start: number, end: number | undefined): AsyncGenerator<Uint8Array> {
    if (end !== undefined && end <= start) return;
    const stream = createReadStream(await this.cached(path), { start, ...(end === undefined ? {} : { end: end - 1 }) });
    for await (const chunk of stream) yield chunk as Buffer;
  }

  protected override async _write(path: string, data: Uint8Array, mode: WriteMode): Promise<void> {
    await this.drop(path);
    await super._write(path, data, mode);
  }

  private async dropping(path: string, open: () => Promise<Writer>): Promise<Writer> {
    await this.drop(path);
    const inner = await open();
    return { write: (c) => inner.write(c), abort: (r) => inner.abort(r), close: async () => {
      await inner.close();
      await this.drop(path);
    } };
  }

  protected override _openWriter(path: string, options: WriterOptions): Promise<Writer> {
    return this.dropping(path, () => super._openWriter(path, options));
  }

  protected override _openAppendByCopy(path: string, options: WriterOptions): Promise<Writer> {
    return this.dropping(path, () => super._openAppendByCopy(path, options));
  }

  protected override async _openRandomWriter(path: string, options: WriterOptions): Promise<RandomWriter> {
    await this.drop(path);
    const inner = await super._openRandomWriter(path, options);
    return { writeAt: (d, at) => inner.writeAt(d, at), abort: (r) => inner.abort(r), close: async () => {
      await inner.close();
      await this.drop(path);
    } };
  }

  protected override async _rm(path: string): Promise<void> {
    await this.drop(path);
    await super._rm(path);
  }

  protected override async _copy(src: string, dst: string): Promise<void> {
    await this.drop(dst);
    await super._copy(src, dst);
  }

  protected override async _rmMany(paths: string[]): Promise<void> {
    await Promise.all(paths.map((p) => this.drop(p)));
    await super._rmMany(paths);
  }
}
