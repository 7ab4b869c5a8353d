/**
 * ObjectStoreFileSystem: the base of bucket-and-key stores (S3, GCS, Azure Blob). Buckets
 * are top-level directories, prefixes behave as directories, keys ending in `/` are
 * directory markers. A store gives its listing and HEAD primitives; this class derives
 * `info`, `isDir`, `ls`, `find` and whole reads from them, once for every store.
 */
import { errors } from './errors';
import { mapLimit } from './batch';
import { concatBytes } from './data';
import { FileSystem } from './filesystem';
import type { ReadOptions } from './base';
import type { CapabilityFacts, FileInfo } from './types';
import { checkObjectStoreUrl } from './url';

/** Batch deletes of one tree in flight at once. */
const TREE_DELETES_IN_FLIGHT = 4;

/** One page of a listing: the objects under a prefix, and (with a delimiter) the common prefixes, each ending in `/`. */
export interface ObjectPage {
  objects: Array<{ key: string; info: FileInfo }>;
  prefixes: string[];
}

/** FileInfo of a bucket or prefix shown as a directory. */
export function dirInfo(name: string, mtime?: Date): FileInfo {
  return mtime === undefined ? { name, size: 0, type: 'directory' } : { name, size: 0, type: 'directory', mtime };
}

/** `bucket/key` → `{ bucket, key }` (`key` is '' for a bucket or the root). */
export function splitObjectPath(path: string): { bucket: string; key: string } {
  const slash = path.indexOf('/');
  return slash === -1 ? { bucket: path, key: '' } : { bucket: path.slice(0, slash), key: path.slice(slash + 1) };
}

/**
 * Base class of object stores.
 *
 * Behaviour it derives:
 * - `info`: the object (HEAD), else a directory when some key starts with `key/`, else
 *   `NotFound`; a bucket is a directory; the root `''` lists the buckets;
 * - `isDir`: one listing (or the bucket's HEAD), never a HEAD of the object;
 * - `ls`: one level with the `/` delimiter, directory markers left out; a missing prefix
 *   is `NotFound`, an object `NotADirectory`;
 * - `find`: one flat listing (every bucket for the root), intermediate prefixes and
 *   markers as directories with `withDirs`;
 * - whole reads collect `_readStream`, which every store implements.
 */
export abstract class ObjectStoreFileSystem extends FileSystem {
  override readonly rootMarker = '' as const;

  /** Keys under prefixes: no directory exists on its own. */
  protected override capabilityFacts(): CapabilityFacts {
    return { ...super.capabilityFacts(), realDirectories: false };
  }

  /** Also refuses user-info (`s3://user:secret@bucket`) and an empty bucket before a key (`s3:///key`). */
  override normalize(path: unknown): string {
    if (typeof path === 'string') checkObjectStoreUrl(path, this.protocols);
    return super.normalize(path);
  }

  /** Pages of keys under `prefix`; `delimiter` groups by `/`; `limit` asks for one page of at most that many keys. */
  protected abstract listPages(
    bucket: string,
    prefix: string,
    delimiter: boolean,
    limit?: number,
  ): AsyncIterable<ObjectPage>;
  /** Every bucket the credentials can see, as directories. */
  protected abstract listBuckets(): Promise<FileInfo[]>;
  /** A bucket as a directory; the store's not-found error when it is missing. */
  protected abstract bucketInfo(bucket: string): Promise<FileInfo>;
  /** One object's metadata, named `path`; the store's not-found error when it is missing. */
  protected abstract objectInfo(bucket: string, key: string, path: string): Promise<FileInfo>;
  /** Streams bytes of an object (stores read natively, in ranges). */
  protected abstract override _readStream(
    path: string,
    start: number,
    end: number | undefined,
    options?: ReadOptions,
  ): AsyncGenerator<Uint8Array>;

  private isMissing(err: unknown): boolean {
    return this.mapError(err).kind === 'NotFound';
  }

  /** True when some key starts with `key/`. */
  protected async prefixExists(bucket: string, key: string): Promise<boolean> {
    for await (const page of this.listPages(bucket, `${key}/`, true, 1))
      return page.objects.length > 0 || page.prefixes.length > 0;
    return false;
  }

  protected async _info(path: string): Promise<FileInfo> {
    if (path === '') return dirInfo('');
    const { bucket, key } = splitObjectPath(path);
    if (key === '') return this.bucketInfo(bucket);
    try {
      return await this.objectInfo(bucket, key, path);
    } catch (err) {
      if (!this.isMissing(err)) throw err;
    }
    if (await this.prefixExists(bucket, key)) return dirInfo(path);
    throw errors.notFound(path);
  }

  /** A bucket, or a prefix with something below it: one request, where `_info` may take two. */
  protected override async _isDir(path: string): Promise<boolean> {
    if (path === '') return true;
    const { bucket, key } = splitObjectPath(path);
    if (key !== '') return this.prefixExists(bucket, key);
    await this.bucketInfo(bucket);
    return true;
  }

  protected async _ls(path: string): Promise<FileInfo[]> {
    if (path === '') return this.listBuckets();
    const { bucket, key } = splitObjectPath(path);
    const prefix = key === '' ? '' : `${key}/`;
    const entries: FileInfo[] = [];
    let sawMarker = false;
    for await (const page of this.listPages(bucket, prefix, true)) {
      for (const o of page.objects) {
        if (o.key === prefix) sawMarker = true;
        else entries.push(o.info);
      }
      for (const p of page.prefixes) entries.push(dirInfo(`${bucket}/${p.slice(0, -1)}`));
    }
    if (entries.length > 0 || sawMarker) return entries;
    if (key === '') {
      await this.bucketInfo(bucket); // an empty bucket lists as nothing, a missing one is NotFound
      return entries;
    }
    try {
      await this.objectInfo(bucket, key, path);
    } catch (err) {
      if (this.isMissing(err)) throw errors.notFound(path);
      throw err;
    }
    throw errors.notADirectory(path);
  }

  protected override async _find(path: string, withDirs: boolean): Promise<FileInfo[]> {
    if (path === '') {
      const buckets = await this.listBuckets();
      const trees = await mapLimit(buckets, 8, (b) => this.listTree(b.name, '', withDirs));
      return [...(withDirs ? buckets : []), ...trees.flat()];
    }
    const { bucket, key } = splitObjectPath(path);
    const entries = await this.listTree(bucket, key === '' ? '' : `${key}/`, withDirs);
    if (withDirs && entries.length > 0) entries.push(dirInfo(path));
    return entries;
  }

  /**
   * Everything under `prefix` ('' or ending with '/') in one flat listing. Keys ending in
   * '/' (directory markers) count as directories; with `withDirs`, every intermediate
   * prefix is a directory entry too.
   */
  private async listTree(bucket: string, prefix: string, withDirs: boolean): Promise<FileInfo[]> {
    const files: FileInfo[] = [];
    const dirs = new Set<string>();
    for await (const page of this.listPages(bucket, prefix, false)) {
      for (const { key, info } of page.objects) {
        const isMarker = key.endsWith('/');
        if (!isMarker) files.push(info);
        if (!withDirs) continue;
        const segments = key.slice(prefix.length).replace(/\/+$/, '').split('/');
        const upTo = isMarker ? segments.length : segments.length - 1;
        for (let i = 1; i <= upTo; i++) {
          const d = segments.slice(0, i).join('/');
          if (d !== '') dirs.add(`${bucket}/${prefix}${d}`);
        }
      }
    }
    return [...files, ...[...dirs].map((d) => dirInfo(d))];
  }

  /**
   * Deletes every key under the prefix (markers included) as the flat listing's pages
   * arrive, each page's batch in flight while the next page is listed; a bucket is then
   * removed itself.
   */
  protected override async _rmTree(
    path: string,
    options: { signal?: AbortSignal; onRemoved?: (files: number) => void },
  ): Promise<void> {
    const { bucket, key } = splitObjectPath(path);
    const remove = async (keys: string[]): Promise<void> => {
      const paths = keys.map((k) => `${bucket}/${k}`);
      if (this._rmMany) await this._rmMany(paths);
      else await mapLimit(paths, 16, (p) => this._rm(p));
      options.onRemoved?.(keys.filter((k) => !k.endsWith('/')).length);
    };
    const inFlight = new Set<Promise<void>>();
    let failure: unknown;
    for await (const page of this.listPages(bucket, key === '' ? '' : `${key}/`, false)) {
      options.signal?.throwIfAborted();
      if (failure !== undefined) break;
      for (let i = 0; i < page.objects.length; i += 1000) {
        const batch = remove(page.objects.slice(i, i + 1000).map((o) => o.key)).catch((err: unknown) => {
          failure ??= err;
        });
        inFlight.add(batch);
        void batch.finally(() => inFlight.delete(batch));
        if (inFlight.size >= TREE_DELETES_IN_FLIGHT) await Promise.race(inFlight);
      }
    }
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure;
    if (key === '') await this._rmdir(bucket);
  }

  protected async _read(
    path: string,
    start: number,
    end: number | undefined,
    options: ReadOptions = {},
  ): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of this._readStream(path, start, end, options)) {
      chunks.push(chunk);
      total += chunk.byteLength;
    }
    return chunks.length === 0 ? new Uint8Array(0) : concatBytes(chunks, total);
  }
}
