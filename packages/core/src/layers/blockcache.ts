/**
 * The `blockcache` layer: reads served from fixed-size blocks of the wrapped filesystem's
 * files, kept in memory and fetched on first use, for workloads that read the same parts
 * of large remote files again and again (column chunks of Parquet files, index pages).
 */
import { defineOptions } from '../options';
import type { ReadOptions } from '../base';
import type { FileInfo } from '../types';
import { FsError } from '../errors';
import { isUnder } from '../paths';
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
 * - a read asking for an `etag` is served from that version's blocks; a file changed by
 *   another client is read anew once a block of the version known is refused, and a stream
 *   (or an open file) keeps to one version, failing with `ConditionNotMatch` if it is gone.
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

  /** Drops the blocks of one file (or of every file below a directory), or of every file. */
  clearCache(path?: string): void {
    if (path === undefined) {
      this.blocks.clear();
      this.versions.clear();
      return;
    }
    const p = this.normalize(path);
    for (const file of [...this.versions.keys()]) if (isUnder(file, p)) this.versions.delete(file);
    for (const key of [...this.blocks.keys()]) if (isUnder(key.slice(0, key.indexOf('\0')), p)) this.blocks.delete(key);
  }

  /**
   * Size and version of a file, looked up at most once per `ttlMs` (and again after a
   * stand-in changed); `fresh` looks it up now.
   */
  private identity(path: string, fresh = false): Promise<FileInfo> {
    if (this.generation !== standInGeneration()) {
      this.generation = standInGeneration();
      this.clearCache();
    }
    const now = Date.now();
    const known = this.versions.get(path);
    if (!fresh && known !== undefined && known.expires > now) return known.info;
    const info = super._infoForRead(path);
    const entry = { info, expires: now + this.ttlMs };
    this.versions.set(path, entry);
    info.catch(() => {
      if (this.versions.get(path) === entry) this.versions.delete(path);
    });
    return info;
  }

  /** The identity of the version `etag`: the one known, else looked up again; undefined when the file is not that version. */
  private async identityOf(path: string, etag: string): Promise<FileInfo | undefined> {
    const known = await this.identity(path);
    if (known.etag === etag) return known;
    const now = await this.identity(path, true);
    return now.etag === etag ? now : undefined;
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
    fetching.catch(() => {
      if (this.blocks.get(key) === fetching) this.blocks.delete(key);
    });
    while (this.blocks.size > this.maxBlocks) this.blocks.delete(this.blocks.keys().next().value as string);
    return fetching;
  }

  /** Bytes `[start, stop)` of the version `info`, from its blocks. */
  private async fromBlocks(
    path: string,
    info: FileInfo,
    start: number,
    end: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Uint8Array> {
    const stop = Math.min(end ?? info.size, info.size);
    if (stop <= start) return new Uint8Array(0);
    const first = Math.floor(start / this.blockSize);
    const last = Math.floor((stop - 1) / this.blockSize);
    const parts = await Promise.all(
      Array.from({ length: last - first + 1 }, (_, i) => this.block(path, info, first + i, signal)),
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

  /**
   * From the blocks of the file's version. A read kept to an `etag` is served from that
   * version's blocks (looked up again when the one known is another). A read without one
   * uses the version known; when the file has changed since (a block of that version is
   * `ConditionNotMatch`), its blocks are dropped and the read is served from the version
   * there now.
   */
  protected override async _read(
    path: string,
    start: number,
    end: number | undefined,
    options: ReadOptions = {},
  ): Promise<Uint8Array> {
    throwIfAborted(options.signal);
    if (options.etag !== undefined) {
      const info = await this.identityOf(path, options.etag);
      // Not that version (or a directory): the wrapped filesystem's answer.
      if (info?.type !== 'file') return super._read(path, start, end, options);
      return this.fromBlocks(path, info, start, end, options.signal);
    }
    const info = await this.identity(path);
    if (info.type !== 'file') return super._read(path, start, end, options); // the wrapped filesystem's error
    try {
      return await this.fromBlocks(path, info, start, end, options.signal);
    } catch (err) {
      if (!(err instanceof FsError && err.kind === 'ConditionNotMatch')) throw err;
      this.clearCache(path);
      const now = await this.identity(path, true);
      if (now.type !== 'file') return super._read(path, start, end, options);
      return this.fromBlocks(path, now, start, end, options.signal);
    }
  }

  /** Declined: reads go through the cache's blocks. */
  protected override async _readInto(): Promise<undefined> {
    return undefined;
  }

  /**
   * Streams through the cache, one block at a time, every block of one version: the one
   * `options.etag` names, else the one there when the stream starts (looked up then).
   */
  protected override async *_readStream(
    path: string,
    start: number,
    end: number | undefined,
    options: ReadOptions = {},
  ): AsyncGenerator<Uint8Array> {
    const info =
      options.etag === undefined ? await this.identity(path, true) : await this.identityOf(path, options.etag);
    if (info?.type !== 'file') {
      yield* super._readStream(path, start, end, options);
      return;
    }
    if (options.etag === undefined && typeof info.etag === 'string' && info.etag !== '')
      options = { ...options, etag: info.etag };
    const stop = Math.min(end ?? Infinity, info.size);
    for (let pos = start; pos < stop;) {
      const next = Math.min(nextBlock(pos, this.blockSize), stop);
      const chunk = await this._read(path, pos, next, options);
      if (chunk.byteLength === 0) return;
      pos += chunk.byteLength;
      yield chunk;
    }
  }

  /** A change through the layer drops the blocks of the file, or of the files below the directory, it changed. */
  protected override async forget(path: string): Promise<void> {
    this.clearCache(path);
  }
}

/** Where the block after the one holding `pos` starts. */
function nextBlock(pos: number, blockSize: number): number {
  return (Math.floor(pos / blockSize) + 1) * blockSize;
}
