/**
 * The `blockcache` layer: reads served from fixed-size blocks of the wrapped filesystem's
 * files, kept in memory and fetched on first use, for workloads that read the same parts
 * of large remote files again and again (column chunks of Parquet files, index pages).
 */
import { defineOptions } from '../options';
import type { ReadOptions } from '../base';
import type { FileInfo } from '../types';
import { throwIfAborted } from '../batch';
import { standInGeneration } from '../standin';
import { nonNegativeOption, positiveOption, WrapperFileSystem, type WrapperOptions, WRAPPER_OPTIONS } from './wrapper';

/** Options of {@link BlockCacheFileSystem}. */
export interface BlockCacheOptions extends WrapperOptions {
  /** Bytes per block (default 4 MiB). */
  blockSize?: number;
  /** Most blocks kept across all files, the least recently used dropped first (default 32). */
  maxBlocks?: number;
  /**
   * How long a file's size and version (ETag, else modification time) are trusted before
   * they are looked up again, ms (default 10000). A file changed by another client is
   * seen after at most this long; its old blocks are never mixed with new ones.
   */
  ttlMs?: number;
}

/**
 * Caches blocks of files in memory.
 *
 * Behaviour:
 * - a read asks only for the blocks it lacks, all at once, each pinned to the version of
 *   the file it belongs to; concurrent reads of one block share one request;
 * - memory stays below `blockSize x maxBlocks`;
 * - any change through the layer drops the file's blocks at once; `clearCache()` drops
 *   everything;
 * - a read that asks for an `etag` goes to the wrapped filesystem, uncached.
 */
export class BlockCacheFileSystem extends WrapperFileSystem {
  static override protocols: readonly string[] = ['blockcache'];
  /** The options the layer takes. */
  static override optionSchema = defineOptions<BlockCacheOptions>({
    ...WRAPPER_OPTIONS,
    blockSize: 'number',
    maxBlocks: 'number',
    ttlMs: 'number',
  });
  /** Bytes per block. */
  readonly blockSize: number;
  private readonly maxBlocks: number;
  private readonly ttlMs: number;
  /** Blocks by `path \0 version \0 index`, least recently used first. */
  private readonly blocks = new Map<string, Promise<Uint8Array>>();
  private readonly versions = new Map<string, { info: Promise<FileInfo>; expires: number }>();
  /** The stand-ins' generation the blocks were cached in (a new one drops them). */
  private generation = standInGeneration();

  constructor(options: BlockCacheOptions) {
    super(options);
    this.blockSize = Math.floor(positiveOption('blockSize', options.blockSize, 4 * 1024 * 1024));
    this.maxBlocks = Math.floor(positiveOption('maxBlocks', options.maxBlocks, 32));
    this.ttlMs = nonNegativeOption('ttlMs', options.ttlMs, 10_000);
  }

  /** Blocks held now (fetched or being fetched). */
  get cachedBlocks(): number {
    return this.blocks.size;
  }

  /** Drops the blocks of one file, or of every file. */
  clearCache(path?: string): void {
    if (path === undefined) {
      this.blocks.clear();
      this.versions.clear();
      return;
    }
    const p = this.normalize(path);
    this.versions.delete(p);
    for (const key of [...this.blocks.keys()]) if (key.startsWith(`${p}\0`)) this.blocks.delete(key);
  }

  /** Size and version of a file, looked up at most once per `ttlMs` (and again after a stand-in changed). */
  private identity(path: string): Promise<FileInfo> {
    if (this.generation !== standInGeneration()) {
      this.generation = standInGeneration();
      this.clearCache();
    }
    const now = Date.now();
    const known = this.versions.get(path);
    if (known !== undefined && known.expires > now) return known.info;
    const info = super._info(path);
    this.versions.set(path, { info, expires: now + this.ttlMs });
    info.catch(() => this.versions.delete(path));
    return info;
  }

  private block(path: string, info: FileInfo, index: number, signal: AbortSignal | undefined): Promise<Uint8Array> {
    const version =
      typeof info.etag === 'string' && info.etag !== '' ? info.etag : `${info.size}:${info.mtime?.getTime() ?? ''}`;
    const key = `${path}\0${version}\0${index}`;
    const hit = this.blocks.get(key);
    if (hit !== undefined) {
      this.blocks.delete(key);
      this.blocks.set(key, hit);
      return hit;
    }
    const start = index * this.blockSize;
    const end = Math.min(start + this.blockSize, info.size);
    const pin: ReadOptions = typeof info.etag === 'string' && info.etag !== '' ? { etag: info.etag } : {};
    const fetching = super._read(path, start, end, { ...pin, ...(signal ? { signal } : {}) });
    this.blocks.set(key, fetching);
    fetching.catch(() => this.blocks.delete(key));
    while (this.blocks.size > this.maxBlocks) this.blocks.delete(this.blocks.keys().next().value as string);
    return fetching;
  }

  protected override async _read(
    path: string,
    start: number,
    end: number | undefined,
    options: ReadOptions = {},
  ): Promise<Uint8Array> {
    if (options.etag !== undefined) return super._read(path, start, end, options);
    throwIfAborted(options.signal);
    const info = await this.identity(path);
    if (info.type !== 'file') return super._read(path, start, end, options); // the wrapped filesystem's error
    const stop = Math.min(end ?? info.size, info.size);
    if (stop <= start) return new Uint8Array(0);
    const first = Math.floor(start / this.blockSize);
    const last = Math.floor((stop - 1) / this.blockSize);
    const parts = await Promise.all(
      Array.from({ length: last - first + 1 }, (_, i) => this.block(path, info, first + i, options.signal)),
    );
    const out = new Uint8Array(stop - start);
    let filled = 0;
    for (let i = 0; i < parts.length; i++) {
      const blockStart = (first + i) * this.blockSize;
      const from = Math.max(start - blockStart, 0);
      const piece = parts[i]!.subarray(from, Math.min(parts[i]!.byteLength, stop - blockStart));
      out.set(piece, filled);
      filled += piece.byteLength;
    }
    return filled === out.byteLength ? out : out.subarray(0, filled);
  }

  /** Declined: reads go through the cache's blocks. */
  protected override async _readInto(): Promise<undefined> {
    return undefined;
  }

  /** Streams through the cache, one block at a time. */
  protected override async *_readStream(
    path: string,
    start: number,
    end: number | undefined,
    options: ReadOptions = {},
  ): AsyncGenerator<Uint8Array> {
    if (options.etag !== undefined) {
      yield* super._readStream(path, start, end, options);
      return;
    }
    const stop = Math.min(end ?? Infinity, (await this.identity(path)).size);
    for (let pos = start; pos < stop;) {
      const next = Math.min((Math.floor(pos / this.blockSize) + 1) * this.blockSize, stop);
      const chunk = await this._read(path, pos, next, options);
      if (chunk.byteLength === 0) return;
      pos += chunk.byteLength;
      yield chunk;
    }
  }

  /** A change through the layer drops the file's blocks. */
  protected override async forget(path: string): Promise<void> {
    this.clearCache(path);
  }
}
