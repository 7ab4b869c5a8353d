/**
 * The listing-cache layer: `info` and `ls` answers kept for a while, dropped on every
 * write made through the layer.
 */
import type { FileInfo, WriteMode } from '../types';
import type { RandomWriter, Writer } from '../writer';
import type { WriterOptions } from '../filesystem';
import { isUnder } from '../paths';
import { positiveOption, WrapperFileSystem, type WrapperOptions } from './wrapper';

/** Options of {@link ListingCacheFileSystem}. */
export interface ListingCacheOptions extends WrapperOptions {
  /** How long an answer stays valid, ms (default 10000). */
  ttlMs?: number;
  /** Most answers kept; the oldest go first (default 10000). */
  maxEntries?: number;
}

interface Entry<T> {
  value: Promise<T>;
  expires: number;
}

/**
 * Caches listings and metadata.
 *
 * Behaviour:
 * - an answer is reused until `ttlMs` passes;
 * - any write, delete, copy or mkdir through the layer drops every cached answer for the
 *   path, its ancestors and its descendants, so the layer's own changes are seen at once;
 * - a change made by another client is seen after at most `ttlMs`.
 */
export class ListingCacheFileSystem extends WrapperFileSystem {
  static override protocols: readonly string[] = ['listcache'];
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly infos = new Map<string, Entry<FileInfo>>();
  private readonly listings = new Map<string, Entry<FileInfo[]>>();

  constructor(options: ListingCacheOptions) {
    super(options);
    this.ttlMs = positiveOption('ttlMs', options.ttlMs, 10_000, true);
    this.maxEntries = Math.floor(positiveOption('maxEntries', options.maxEntries, 10_000));
  }

  /** Drops every cached answer. */
  invalidateAll(): void {
    this.infos.clear();
    this.listings.clear();
  }

  /** Drops answers about `path`, its ancestors and its descendants. */
  invalidate(path: string): void {
    for (const cache of [this.infos, this.listings] as Array<Map<string, unknown>>) {
      for (const key of [...cache.keys()]) {
        if (isUnder(key, path) || isUnder(path, key)) cache.delete(key);
      }
    }
  }

  private cachedCall<T>(cache: Map<string, Entry<T>>, path: string, fn: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = cache.get(path);
    if (hit !== undefined && hit.expires > now) return hit.value;
    const value = fn();
    cache.set(path, { value, expires: now + this.ttlMs });
    value.catch(() => cache.delete(path));
    while (cache.size > this.maxEntries) cache.delete(cache.keys().next().value as string);
    return value;
  }

  protected override _info(path: string): Promise<FileInfo> {
    return this.cachedCall(this.infos, path, () => super._info(path));
  }

  /** From the cached `info`, so a listing cache answers it too. */
  protected override async _isDir(path: string): Promise<boolean> {
    return (await this.infoOrUndefined(path))?.type === 'directory';
  }

  protected override _ls(path: string): Promise<FileInfo[]> {
    return this.cachedCall(this.listings, path, () => super._ls(path));
  }

  private async mutate<T>(paths: string[], fn: () => Promise<T>): Promise<T> {
    for (const p of paths) this.invalidate(p);
    try {
      return await fn();
    } finally {
      for (const p of paths) this.invalidate(p);
    }
  }

  protected override _write(path: string, data: Uint8Array, mode: WriteMode): Promise<void> {
    return this.mutate([path], () => super._write(path, data, mode));
  }

  private async invalidating(path: string, open: () => Promise<Writer>): Promise<Writer> {
    const inner = await this.mutate([path], open);
    return { write: (c) => inner.write(c), abort: (r) => this.mutate([path], () => inner.abort(r)), close: () => this.mutate([path], () => inner.close()) };
  }

  protected override _openWriter(path: string, options: WriterOptions): Promise<Writer> {
    return this.invalidating(path, () => super._openWriter(path, options));
  }

  protected override _openAppendByCopy(path: string, options: WriterOptions): Promise<Writer> {
    return this.invalidating(path, () => super._openAppendByCopy(path, options));
  }

  protected override async _openRandomWriter(path: string, options: WriterOptions): Promise<RandomWriter> {
    const inner = await this.mutate([path], () => super._openRandomWriter(path, options));
    return { writeAt: (d, at) => inner.writeAt(d, at), abort: (r) => this.mutate([path], () => inner.abort(r)), close: () => this.mutate([path], () => inner.close()) };
  }

  protected override _rm(path: string): Promise<void> {
    return this.mutate([path], () => super._rm(path));
  }

  protected override _rmMany(paths: string[]): Promise<void> {
    return this.mutate(paths, () => super._rmMany(paths));
  }

  protected override _copy(src: string, dst: string): Promise<void> {
    return this.mutate([dst], () => super._copy(src, dst));
  }

  protected override _mkdir(path: string, parents: boolean): Promise<void> {
    return this.mutate([path], () => super._mkdir(path, parents));
  }

  protected override _rmdir(path: string): Promise<void> {
    return this.mutate([path], () => super._rmdir(path));
  }

  protected override _touch(path: string): Promise<void> {
    return this.mutate([path], () => super._touch(path));
  }
}
