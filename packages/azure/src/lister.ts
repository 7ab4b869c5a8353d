/**
 * Listing containers and blobs: pages by hierarchy (the `/` delimiter) or flat, through
 * continuation tokens. Core's ObjectStoreFileSystem makes directories of them.
 */
import type { BlobItem, BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { type FileInfo } from '@omnifs/core';
import { dirInfo, pagesAhead, type ListRequest, type PageAnswer } from '@omnifs/core/backend';
import type { LeanAzureClient, LeanBlobItem } from './client';
import { quotedEtag } from './reader';

/** What every listing request needs. */
export interface ListContext {
  service: BlobServiceClient;
  /** Entries per request. */
  pageSize: number;
  /** The lean request path, when it is on. */
  lean?: LeanAzureClient | undefined;
}

/** One page of a listing. */
interface Page {
  blobs: LeanBlobItem[];
  prefixes: string[];
}

/**
 * Pages of blobs under `prefix`, by hierarchy (`delimiter`) or flat; `limit` stops after
 * the first page of that size. On the lean path each next page is asked for before this
 * one is handed on (core's `pagesAhead`).
 */
export async function* listPages(
  ctx: ListContext,
  container: string,
  prefix: string,
  { delimiter = false, limit }: ListRequest = {},
): AsyncGenerator<Page> {
  const lean = ctx.lean;
  if (lean !== undefined) {
    const maxResults = limit ?? ctx.pageSize;
    const fetch = (marker: string | undefined, signal: AbortSignal): Promise<PageAnswer<Page>> =>
      lean.listPage(container, { prefix, delimiter, marker, maxResults }, signal);
    yield* pagesAhead(fetch, { firstOnly: limit !== undefined });
    return;
  }
  const client: ContainerClient = ctx.service.getContainerClient(container);
  const settings = { maxPageSize: limit ?? ctx.pageSize };
  const pages = delimiter
    ? client.listBlobsByHierarchy('/', { prefix }).byPage(settings)
    : client.listBlobsFlat({ prefix }).byPage(settings);
  for await (const page of pages) {
    const segment = page.segment as { blobItems: BlobItem[]; blobPrefixes?: Array<{ name: string }> };
    yield { blobs: segment.blobItems, prefixes: (segment.blobPrefixes ?? []).map((p) => p.name) };
    if (limit !== undefined) return;
  }
}

/** FileInfo of a listed blob. */
export function blobInfo(container: string, blob: LeanBlobItem): FileInfo {
  const p = blob.properties;
  const info: FileInfo = { name: `${container}/${blob.name}`, size: p.contentLength ?? 0, type: 'file' };
  if (p.lastModified !== undefined) info.mtime = p.lastModified;
  // Listings give the ETag bare, Get Blob Properties quoted: one form for both.
  if (p.etag !== undefined) info.etag = quotedEtag(p.etag);
  if (p.blobType !== undefined) info.blobType = p.blobType;
  if (p.contentType !== undefined) info.contentType = p.contentType;
  if (p.accessTier !== undefined) info.accessTier = p.accessTier;
  return info;
}

/** Every container the credentials can see, as directories. */
export async function listContainers(ctx: ListContext): Promise<FileInfo[]> {
  const out: FileInfo[] = [];
  for await (const page of ctx.service.listContainers().byPage({ maxPageSize: ctx.pageSize })) {
    for (const c of page.containerItems) out.push(dirInfo(c.name, c.properties.lastModified));
  }
  return out;
}
