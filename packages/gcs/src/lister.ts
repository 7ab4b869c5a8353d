/**
 * Listing buckets and objects: pages with or without the `/` delimiter, through
 * `pageToken`s. Core's ObjectStoreFileSystem makes directories of them.
 *
 * Each page is one `objects.list` call sent by omnifs itself ({@link listObjectsPage}),
 * as large as the service allows (no `maxResults` unless `listPageSize` is set: GCS then
 * sends 1,000 entries, its maximum), asking only for the fields a FileInfo shows
 * ({@link LIST_FIELDS}); so is each page of `buckets.list`.
 */
import type { BucketMetadata, FileMetadata } from '@google-cloud/storage';
import type { FileInfo } from '@omnifs/core';
import { dirInfo, pagesAhead, type ListRequest, type PageAnswer } from '@omnifs/core/backend';
import { listBucketsPage, listObjectsPage, type ApiContext } from './client';

/** What every listing request needs. */
export interface ListContext extends ApiContext {
  /** Entries per request; undefined lets the service choose (GCS: its maximum, 1,000). */
  pageSize: number | undefined;
}

/** What a listing asks GCS for: the fields {@link objectInfo} reads, the prefixes and the next page's token. */
export const LIST_FIELDS =
  'items(name,size,updated,generation,metageneration,md5Hash,crc32c,etag,contentType,storageClass),prefixes,nextPageToken';

/** One page's worth of a listing. */
interface Page {
  objects: FileMetadata[];
  prefixes: string[];
}

/**
 * Pages of objects under a prefix, with or without the `/` delimiter; `limit` stops after
 * one page of that size. Each next page is asked for before this one is handed on (core's
 * `pagesAhead`).
 */
export async function* listPages(
  ctx: ListContext,
  bucket: string,
  prefix: string,
  { delimiter = false, limit }: ListRequest = {},
): AsyncGenerator<Page> {
  const fetch = async (pageToken: string | undefined, signal: AbortSignal): Promise<PageAnswer<Page>> => {
    const page = await listObjectsPage(
      ctx,
      bucket,
      {
        prefix,
        delimiter: delimiter ? '/' : undefined,
        pageToken,
        maxResults: limit ?? ctx.pageSize,
        fields: LIST_FIELDS,
      },
      signal,
    );
    const next = page.nextPageToken === '' ? undefined : page.nextPageToken;
    return { next, page: () => ({ objects: page.items ?? [], prefixes: page.prefixes ?? [] }) };
  };
  yield* pagesAhead(fetch, { firstOnly: limit !== undefined });
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

/** FileInfo of a bucket, from its metadata. */
export function bucketInfo(name: string, meta: BucketMetadata | undefined): FileInfo {
  const info = dirInfo(name);
  const created = meta?.timeCreated;
  if (typeof created === 'string') info.mtime = new Date(created);
  return info;
}

/** Every bucket of the project, as directories, a page of `buckets.list` at a time. */
export async function listBuckets(ctx: ListContext): Promise<FileInfo[]> {
  const out: FileInfo[] = [];
  let pageToken: string | undefined;
  do {
    const page = await listBucketsPage(ctx, pageToken);
    for (const b of page.items ?? []) if (typeof b.name === 'string') out.push(bucketInfo(b.name, b));
    pageToken = page.nextPageToken;
  } while (pageToken !== undefined && pageToken !== '');
  return out;
}
