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
import { dirInfo, type ListRequest } from '@omnifs/core/backend';
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

/** Pages of ListObjectsV2 for a prefix, with or without a delimiter. */
export async function* listPages(
  ctx: ListContext,
  bucket: string,
  prefix: string,
  { delimiter = false, limit: maxKeys }: ListRequest = {},
): AsyncGenerator<Page> {
  const lean = await ctx.lean?.forBucket(bucket);
  let token: string | undefined;
  if (lean !== undefined) {
    do {
      const page = await lean.listPage(bucket, { prefix, delimiter, token, maxKeys }, ctx.signal);
      yield page;
      token = page.next;
    } while (token !== undefined && maxKeys === undefined);
    return;
  }
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
