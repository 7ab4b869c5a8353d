/**
 * Listing buckets and keys: one directory level with a delimiter, or a whole tree in one
 * flat listing, paging through ListObjectsV2 continuation tokens.
 */
import {
  ListBucketsCommand, ListObjectsV2Command, type _Object, type ListObjectsV2CommandInput, type S3Client,
} from '@aws-sdk/client-s3';
import type { FileInfo } from '@omnifs/core';

/** What every listing request needs. */
export interface ListContext {
  client: S3Client;
  requesterPays: boolean;
  signal?: AbortSignal;
}

/** One page's worth of a listing. */
interface Page {
  objects: _Object[];
  prefixes: string[];
}

/** Pages of ListObjectsV2 for a prefix, with or without a delimiter. */
export async function* listPages(ctx: ListContext, bucket: string, prefix: string, delimiter: boolean, maxKeys?: number): AsyncGenerator<Page> {
  let token: string | undefined;
  do {
    const input: ListObjectsV2CommandInput = {
      Bucket: bucket,
      Prefix: prefix,
      ...(delimiter ? { Delimiter: '/' } : {}),
      ...(token !== undefined ? { ContinuationToken: token } : {}),
      ...(maxKeys !== undefined ? { MaxKeys: maxKeys } : {}),
      ...(ctx.requesterPays ? { RequestPayer: 'requester' as const } : {}),
    };
    const res = await ctx.client.send(new ListObjectsV2Command(input), ctx.signal ? { abortSignal: ctx.signal } : {});
    yield {
      objects: res.Contents ?? [],
      prefixes: (res.CommonPrefixes ?? []).map((p) => p.Prefix).filter((p): p is string => typeof p === 'string'),
    };
    token = res.IsTruncated ? res.NextContinuationToken : undefined;
  } while (token !== undefined && maxKeys === undefined);
}

/** FileInfo of a listed object. */
export function objectInfo(bucket: string, obj: _Object): FileInfo {
  const info: FileInfo = { name: `${bucket}/${obj.Key ?? ''}`, size: obj.Size ?? 0, type: 'file' };
  if (obj.LastModified !== undefined) info.mtime = obj.LastModified;
  if (obj.ETag !== undefined) info.etag = obj.ETag;
  if (obj.StorageClass !== undefined) info.storageClass = obj.StorageClass;
  return info;
}

/** FileInfo of a prefix or bucket shown as a directory. */
export function dirInfo(name: string): FileInfo {
  return { name, size: 0, type: 'directory' };
}

/** Every bucket the credentials can see, as directories. */
export async function listBuckets(ctx: ListContext): Promise<FileInfo[]> {
  const out: FileInfo[] = [];
  let token: string | undefined;
  do {
    const res = await ctx.client.send(new ListBucketsCommand(token !== undefined ? { ContinuationToken: token } : {}), ctx.signal ? { abortSignal: ctx.signal } : {});
    for (const b of res.Buckets ?? []) {
      if (b.Name === undefined) continue;
      const info = dirInfo(b.Name);
      if (b.CreationDate !== undefined) info.mtime = b.CreationDate;
      out.push(info);
    }
    token = res.ContinuationToken;
  } while (token !== undefined && token !== '');
  return out;
}

/**
 * Entries directly under `prefix` ('' or ending with '/'): objects as files, common
 * prefixes as directories. A directory marker (the key `prefix` itself) is left out.
 */
export async function listLevel(ctx: ListContext, bucket: string, prefix: string): Promise<{ entries: FileInfo[]; sawMarker: boolean }> {
  const entries: FileInfo[] = [];
  let sawMarker = false;
  for await (const page of listPages(ctx, bucket, prefix, true)) {
    for (const obj of page.objects) {
      if (obj.Key === prefix) {
        sawMarker = true;
        continue;
      }
      entries.push(objectInfo(bucket, obj));
    }
    for (const p of page.prefixes) entries.push(dirInfo(`${bucket}/${p.slice(0, -1)}`));
  }
  return { entries, sawMarker };
}

/**
 * Everything under `prefix` ('' or ending with '/') in one flat listing. Keys ending in
 * '/' (directory markers) count as directories; with `withDirs`, every intermediate
 * prefix is a directory entry too.
 */
export async function listTree(ctx: ListContext, bucket: string, prefix: string, withDirs: boolean): Promise<FileInfo[]> {
  const files: FileInfo[] = [];
  const dirs = new Set<string>();
  for await (const page of listPages(ctx, bucket, prefix, false)) {
    for (const obj of page.objects) {
      const key = obj.Key;
      if (key === undefined) continue;
      const isMarker = key.endsWith('/');
      if (!isMarker) files.push(objectInfo(bucket, obj));
      if (!withDirs) continue;
      const rel = key.slice(prefix.length).replace(/\/+$/, '');
      const segments = rel.split('/');
      const upTo = isMarker ? segments.length : segments.length - 1;
      for (let i = 1; i <= upTo; i++) {
        const d = segments.slice(0, i).join('/');
        if (d !== '') dirs.add(`${bucket}/${prefix}${d}`);
      }
    }
  }
  return [...files, ...[...dirs].map(dirInfo)];
}
