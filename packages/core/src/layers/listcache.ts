/**
 * The listing-cache layer: `info` and `ls` answers kept for a while, dropped on every
 * write made through the layer.
 */
import { defineOptions } from '../options';
import type { FileInfo } from '../types';
import { isUnder } from '../paths';
import { standInGeneration } from '../standin';
import { nonNegativeOption, positiveOption, WrapperFileSystem, type WrapperOptions, WRAPPER_OPTIONS } from './wrapper';

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
 * - a change made by another client is seen after at most `ttlMs`, but at once by reads
 *   that are sized from the file (`open`, `tail`, negative ranges, `readBlock`), which
 *   look it up afresh; a stand-in installed, removed or reset drops every answer.
 */
export class ListingCacheFileSystem extends WrapperFileSystem {
  static override protocols: readonly string[] = ['listcache'];
  /** The options the layer takes. */
  static override optionSchema = defineOptions<ListingCacheOptions>({
    ...WRAPPER_OPTIONS,
    ttlMs: 'number',
    maxEntries: 'number',
  });
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly infos = new Map<string, Entry<FileInfo>>();
  private readonly listings = new Map<string, Entry<FileInfo[]>>();
  /** The stand-ins' generation the answers were cached in (a new one drops them). */
  private generation = standInGeneration();

  constructor(options: ListingCacheOptions) {
    super(options);
    this.ttlMs = nonNegativeOption('ttlMs', options.ttlMs, 10_000);
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
    if (this.generation !== standInGeneration()) {
      this.generation = standInGeneration();
      this.invalidateAll();
    }
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

  /**
   * Afresh, and kept as the cached answer: a read sized from a stale size would give a
   * prefix of the file, or the wrong bytes of it.
   */
  protected override _infoForRead(path: string): Promise<FileInfo> {
    const fresh = super._infoForRead(path);
    this.infos.delete(path);
    return this.cachedCall(this.infos, path, () => fresh);
  }

  /** From the cached `info`, so a listing cache answers it too. */
  protected override async _isDir(path: string): Promise<boolean> {
    return (await this.infoOrUndefined(path))?.type === 'directory';
  }

  protected override _ls(path: string): Promise<FileInfo[]> {
    return this.cachedCall(this.listings, path, () => super._ls(path));
  }

  /** A change through the layer drops the answers about its path. */
  protected override async forget(path: string): Promise<void> {
    this.invalidate(path);
  }
}
