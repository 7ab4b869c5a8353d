/**
 * Listing containers and blobs: one virtual-directory level with the `/` delimiter, or a
 * whole tree in one flat listing, paging through continuation tokens.
 */
import type { BlobItem, BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import type { FileInfo } from '@omnifs/core';

/** What every listing request needs. */
export interface ListContext {
  service: BlobServiceClient;
  /** Entries per request. */
  pageSize: number;
}

/** One page of a listing. */
interface Page {
  blobs: BlobItem[];
  prefixes: string[];
}

/** Pages of blobs under `prefix`, by hierarchy (`delimiter`) or flat; `limit` stops after the first page of that size. */
export async function* listPages(ctx: ListContext, container: string, prefix: string, delimiter: boolean, limit?: number): AsyncGenerator<Page> {
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
export function blobInfo(container: string, blob: BlobItem): FileInfo {
  const p = blob.properties;
  const info: FileInfo = { name: `${container}/${blob.name}`, size: p.contentLength ?? 0, type: 'file' };
  if (p.lastModified !== undefined) info.mtime = p.lastModified;
  if (p.etag !== undefined) info.etag = p.etag;
  if (p.blobType !== undefined) info.blobType = p.blobType;
  if (p.contentType !== undefined) info.contentType = p.contentType;
  if (p.accessTier !== undefined) info.accessTier = p.accessTier;
  return info;
}

/** FileInfo of a virtual directory or container. */
export function dirInfo(name: string, mtime?: Date): FileInfo {
  return mtime === undefined ? { name, size: 0, type: 'directory' } : { name, size: 0, type: 'directory', mtime };
}

/** Every container the credentials can see, as directories. */
export async function listContainers(ctx: ListContext): Promise<FileInfo[]> {
  const out: FileInfo[] = [];
  for await (const page of ctx.service.listContainers().byPage({ maxPageSize: ctx.pageSize })) {
    for (const c of page.containerItems) out.push(dirInfo(c.name, c.properties.lastModified));
  }
  return out;
}

/**
 * Entries directly under `prefix` ('' or ending with '/'): blobs as files, virtual
 * directories as directories. A directory marker (a blob named `prefix` itself) is left out.
 */
export async function listLevel(ctx: ListContext, container: string, prefix: string): Promise<{ entries: FileInfo[]; sawMarker: boolean }> {
  const entries: FileInfo[] = [];
  let sawMarker = false;
  for await (const page of listPages(ctx, container, prefix, true)) {
    for (const blob of page.blobs) {
      if (blob.name === prefix) {
        sawMarker = true;
        continue;
      }
      entries.push(blobInfo(container, blob));
    }
    for (const p of page.prefixes) entries.push(dirInfo(`${container}/${p.slice(0, -1)}`));
  }
  return { entries, sawMarker };
}

/**
 * Everything under `prefix` ('' or ending with '/') in one flat listing. Blobs ending in
 * '/' (directory markers) count as directories; with `withDirs`, every intermediate
 * virtual directory is a directory entry too.
 */
export async function listTree(ctx: ListContext, container: string, prefix: string, withDirs: boolean): Promise<FileInfo[]> {
  const files: FileInfo[] = [];
  const dirs = new Set<string>();
  for await (const page of listPages(ctx, container, prefix, false)) {
    for (const blob of page.blobs) {
      const isMarker = blob.name.endsWith('/');
      if (!isMarker) files.push(blobInfo(container, blob));
      if (!withDirs) continue;
      const segments = blob.name.slice(prefix.length).replace(/\/+$/, '').split('/');
      const upTo = isMarker ? segments.length : segments.length - 1;
      for (let i = 1; i <= upTo; i++) {
        const d = segments.slice(0, i).join('/');
        if (d !== '') dirs.add(`${container}/${prefix}${d}`);
      }
    }
  }
  return [...files, ...[...dirs].map((d) => dirInfo(d))];
}
