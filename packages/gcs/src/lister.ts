/**
 * Listing buckets and objects: pages with or without the `/` delimiter, through
 * `pageToken`s. Core's ObjectStoreFileSystem makes directories of them.
 */
import type { Bucket, File, FileMetadata, GetFilesOptions, Storage } from '@google-cloud/storage';
import { type FileInfo } from '@omnifs/core';
import { dirInfo } from '@omnifs/core/backend';

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
export async function* listPages(
  ctx: ListContext,
  bucket: string,
  prefix: string,
  delimiter: boolean,
  limit?: number,
): AsyncGenerator<Page> {
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
    yield {
      objects,
      prefixes: Array.isArray(prefixes) ? prefixes.filter((p): p is string => typeof p === 'string') : [],
    };
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
