/**
 * Listing buckets and keys: pages of ListObjectsV2 (with or without a delimiter, through
 * continuation tokens) and ListBuckets. Core's ObjectStoreFileSystem makes directories of them.
 */
import {
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type _Object,
  type ListObjectsV2CommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Debris, FileInfo } from '@omnifs/core';
import { dirInfo, pagesAhead, type ListRequest, type PageAnswer } from '@omnifs/core/backend';
import type { LeanS3Client } from './client';

/** What every listing request needs. */
export interface ListContext {
  client: S3Client;
  requesterPays: boolean;
  signal?: AbortSignal;
  /** The lean request path, when it is on. */
  lean?: LeanS3Client | undefined;
}

/** One page's worth of a listing. */
interface Page {
  objects: _Object[];
  prefixes: string[];
}

/**
 * Pages of ListObjectsV2 for a prefix, with or without a delimiter; with `limit`, the
 * first page alone. Each next page is asked for before this one is handed on (core's
 * `pagesAhead`).
 */
export async function* listPages(
  ctx: ListContext,
  bucket: string,
  prefix: string,
  { delimiter = false, limit: maxKeys }: ListRequest = {},
): AsyncGenerator<Page> {
  const lean = await ctx.lean?.forBucket(bucket);
  const fetch =
    lean !== undefined
      ? (token: string | undefined, signal: AbortSignal): Promise<PageAnswer<Page>> =>
          lean.listPage(bucket, { prefix, delimiter, token, maxKeys }, signal)
      : (token: string | undefined, signal: AbortSignal): Promise<PageAnswer<Page>> =>
          sdkPage(ctx, { bucket, prefix, delimiter, token, maxKeys }, signal);
  yield* pagesAhead(fetch, { signal: ctx.signal, firstOnly: maxKeys !== undefined });
}

/** One page of ListObjectsV2 through the SDK. */
async function sdkPage(
  ctx: ListContext,
  page: { bucket: string; prefix: string; delimiter: boolean; token: string | undefined; maxKeys: number | undefined },
  signal: AbortSignal,
): Promise<PageAnswer<Page>> {
  const input: ListObjectsV2CommandInput = {
    Bucket: page.bucket,
    Prefix: page.prefix,
    ...(page.delimiter ? { Delimiter: '/' } : {}),
    ...(page.token !== undefined ? { ContinuationToken: page.token } : {}),
    ...(page.maxKeys !== undefined ? { MaxKeys: page.maxKeys } : {}),
    ...(ctx.requesterPays ? { RequestPayer: 'requester' as const } : {}),
  };
  const res = await ctx.client.send(new ListObjectsV2Command(input), { abortSignal: signal });
  const next = res.IsTruncated === true && res.NextContinuationToken ? res.NextContinuationToken : undefined;
  return {
    next,
    page: () => ({
      objects: res.Contents ?? [],
      prefixes: (res.CommonPrefixes ?? []).map((p) => p.Prefix).filter((p): p is string => typeof p === 'string'),
    }),
  };
}

/** FileInfo of a listed object. */
export function objectInfo(bucket: string, obj: _Object): FileInfo {
  const info: FileInfo = { name: `${bucket}/${obj.Key ?? ''}`, size: obj.Size ?? 0, type: 'file' };
  if (obj.LastModified !== undefined) info.mtime = obj.LastModified;
  if (obj.ETag !== undefined) info.etag = obj.ETag;
  if (obj.StorageClass !== undefined) info.storageClass = obj.StorageClass;
  return info;
}

/** Every bucket the credentials can see, as directories. */
export async function listBuckets(ctx: ListContext): Promise<FileInfo[]> {
  const out: FileInfo[] = [];
  let token: string | undefined;
  do {
    const res = await ctx.client.send(
      new ListBucketsCommand(token !== undefined ? { ContinuationToken: token } : {}),
      ctx.signal ? { abortSignal: ctx.signal } : {},
    );
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

/** Multipart uploads begun and never completed or aborted below `prefix`, through every page. */
export async function* listUploads(ctx: ListContext, bucket: string, prefix: string): AsyncGenerator<Debris> {
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  do {
    const res = await ctx.client.send(
      new ListMultipartUploadsCommand({
        Bucket: bucket,
        Prefix: prefix,
        ...(keyMarker !== undefined ? { KeyMarker: keyMarker } : {}),
        ...(uploadIdMarker !== undefined ? { UploadIdMarker: uploadIdMarker } : {}),
        ...(ctx.requesterPays ? { RequestPayer: 'requester' as const } : {}),
      }),
      ctx.signal ? { abortSignal: ctx.signal } : {},
    );
    for (const u of res.Uploads ?? []) {
      if (u.Key === undefined || u.UploadId === undefined) continue;
      yield {
        kind: 'upload',
        path: `${bucket}/${u.Key}`,
        uploadId: u.UploadId,
        ...(u.Initiated ? { started: u.Initiated } : {}),
      };
    }
    const more = res.IsTruncated === true && (res.NextKeyMarker !== undefined || res.NextUploadIdMarker !== undefined);
    keyMarker = more ? res.NextKeyMarker : undefined;
    uploadIdMarker = more ? res.NextUploadIdMarker : undefined;
  } while (keyMarker !== undefined || uploadIdMarker !== undefined);
}
