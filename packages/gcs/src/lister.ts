/**
 * Listing buckets and objects: one directory level with the `/` delimiter, or a whole tree
 * in one flat listing, paging through `pageToken`s.
 */
import type { Bucket, File, FileMetadata, GetFilesOptions, Storage } from '@google-cloud/storage';
import type { FileInfo } from '@omnifs/core';

/** What every listing request needs. */
export interface ListContext {
  storage: Storage;
  userProject: string | undefined;
  pageSize: number;
}

/** One page's worth of a listing. */
interface Page {
  objects: File[];
  prefixes: string[];
}

/** Pages of objects under a prefix, with or without the `/` delimiter; `limit` stops after one page of that size. */
export async function* listPages(ctx: ListContext, bucket: string, prefix: string, delimiter: boolean, limit?: number): AsyncGenerator<Page> {
  let pageToken: string | undefined;
  const b = ctx.storage.bucket(bucket);
  do {
    const query: GetFilesOptions = {
      prefix,
      autoPaginate: false,
      maxResults: limit ?? ctx.pageSize,
      ...(delimiter ? { delimiter: '/' } : {}),
      ...(pageToken !== undefined ? { pageToken } : {}),
      ...(ctx.userProject !== undefined ? { userProject: ctx.userProject } : {}),
    };
    const [objects, next, response] = await b.getFiles(query);
    const prefixes = (response as { prefixes?: unknown } | undefined)?.prefixes;
    yield { objects, prefixes: Array.isArray(prefixes) ? prefixes.filter((p): p is string => typeof p === 'string') : [] };
    pageToken = (next as { pageToken?: string } | null | undefined)?.pageToken;
  } while (pageToken !== undefined && pageToken !== '' && limit === undefined);
}

/** FileInfo of an object from its metadata. */
export function objectInfo(bucket: string, meta: FileMetadata): FileInfo {
  const info: FileInfo = { name: `${bucket}/${meta.name ?? ''}`, size: Number(meta.size ?? 0), type: 'file' };
  if (meta.updated !== undefined) info.mtime = new Date(meta.updated);
  if (meta.generation !== undefined) {
    info.etag = String(meta.generation);
    info.generation = String(meta.generation);
  }
  if (meta.metageneration !== undefined) info.metageneration = String(meta.metageneration);
  if (meta.md5Hash !== undefined) info.md5Hash = meta.md5Hash;
  if (meta.crc32c !== undefined) info.crc32c = meta.crc32c;
  if (meta.etag !== undefined) info.gcsEtag = meta.etag;
  if (meta.contentType !== undefined) info.contentType = meta.contentType;
  if (meta.storageClass !== undefined) info.storageClass = meta.storageClass;
  return info;
}

/** FileInfo of a prefix or bucket shown as a directory. */
export function dirInfo(name: string): FileInfo {
  return { name, size: 0, type: 'directory' };
}

/** FileInfo of a bucket. */
export function bucketInfo(bucket: Bucket): FileInfo {
  const info = dirInfo(bucket.name);
  const created = bucket.metadata?.timeCreated;
  if (typeof created === 'string') info.mtime = new Date(created);
  return info;
}

/** Every bucket of the project, as directories. */
export async function listBuckets(ctx: ListContext): Promise<FileInfo[]> {
  const [buckets] = await ctx.storage.getBuckets(ctx.userProject !== undefined ? { userProject: ctx.userProject } : {});
  return buckets.map(bucketInfo);
}

/**
 * Entries directly under `prefix` ('' or ending with '/'): objects as files, common
 * prefixes as directories. A directory placeholder (the object `prefix` itself) is left out.
 */
export async function listLevel(ctx: ListContext, bucket: string, prefix: string): Promise<{ entries: FileInfo[]; sawMarker: boolean }> {
  const entries: FileInfo[] = [];
  let sawMarker = false;
  for await (const page of listPages(ctx, bucket, prefix, true)) {
    for (const obj of page.objects) {
      if (obj.name === prefix) {
        sawMarker = true;
        continue;
      }
      entries.push(objectInfo(bucket, obj.metadata));
    }
    for (const p of page.prefixes) entries.push(dirInfo(`${bucket}/${p.slice(0, -1)}`));
  }
  return { entries, sawMarker };
}

/**
 * Everything under `prefix` ('' or ending with '/') in one flat listing. Objects ending in
 * '/' (directory placeholders) count as directories; with `withDirs`, every intermediate
 * prefix is a directory entry too.
 */
export async function listTree(ctx: ListContext, bucket: string, prefix: string, withDirs: boolean): Promise<FileInfo[]> {
  const files: FileInfo[] = [];
  const dirs = new Set<string>();
  for await (const page of listPages(ctx, bucket, prefix, false)) {
    for (const obj of page.objects) {
      const key = obj.name;
      const isMarker = key.endsWith('/');
      if (!isMarker) files.push(objectInfo(bucket, obj.metadata));
      if (!withDirs) continue;
      const segments = key.slice(prefix.length).replace(/\/+$/, '').split('/');
      const upTo = isMarker ? segments.length : segments.length - 1;
      for (let i = 1; i <= upTo; i++) {
        const d = segments.slice(0, i).join('/');
        if (d !== '') dirs.add(`${bucket}/${prefix}${d}`);
      }
    }
  }
  return [...files, ...[...dirs].map(dirInfo)];
}
