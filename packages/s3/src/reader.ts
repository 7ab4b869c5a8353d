/**
 * Downloads: ranged GetObjects, read by core's ranged-read engine (`readRanges`): the
 * first range streamed as it arrives, the next ones `concurrency` at a time, each pinned
 * to the first response's ETag, yielded in order. Memory stays below partSize x concurrency.
 */
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import {
  checkRangeAnswer,
  fillSink,
  readRanges,
  readRangesAll,
  type BodySink,
  type FetchRange,
} from '@omnifs/core/backend';
import { s3ErrorCode } from './errors';
import type { LeanGetOutput, LeanS3Client } from './client';
import type { S3ReadParams } from './options';

/** What a download needs. */
export interface ReadContext {
  client: S3Client;
  requesterPays: boolean;
  readParams: S3ReadParams;
  partSize: number;
  concurrency: number;
  /** The lean request path, when it is on. */
  lean?: LeanS3Client | undefined;
}

type Body = AsyncIterable<Uint8Array> & { destroy?: () => void };

/** One ranged GetObject of `bucket/key`, as core's engine takes it. */
function getRange(ctx: ReadContext, bucket: string, key: string): FetchRange {
  return async (from, to, etag, signal) => {
    const lean = await ctx.lean?.forBucket(bucket);
    let res: GetObjectCommandOutput & Pick<LeanGetOutput, 'bytes'>;
    try {
      res =
        lean !== undefined
          ? ((await lean.get(bucket, key, [from, to], etag, signal)) as unknown as GetObjectCommandOutput)
          : await ctx.client.send(
              new GetObjectCommand({
                ...ctx.readParams,
                Bucket: bucket,
                Key: key,
                ...(ctx.requesterPays ? { RequestPayer: 'requester' as const } : {}),
                Range: `bytes=${from}-${to - 1}`,
                ...(etag !== undefined ? { IfMatch: etag } : {}),
              }),
              { abortSignal: signal },
            );
    } catch (err) {
      if (s3ErrorCode(err) === 'InvalidRange') return undefined; // start at or past the end
      throw err;
    }
    const body = res.Body as Body;
    const cancel = (): void => body.destroy?.();
    const answer = {
      status: res.$metadata.httpStatusCode ?? 200,
      contentRange: res.ContentRange,
      contentLength: res.ContentLength,
      contentEncoding: res.ContentEncoding,
    };
    // The range asked for, cut by the object's end; or the whole object, when the store ignored the range.
    const { whole, total } = checkRangeAnswer(answer, from, to, cancel);
    return { body, bytes: res.bytes, total, etag: res.ETag, whole, cancel };
  };
}

/**
 * Yields bytes `[start, end)` of an object (`end` undefined: to the end).
 *
 * Behaviour:
 * - a start at or past the end of the object yields nothing;
 * - a missing object fails with the SDK's NoSuchKey (mapped by the caller);
 * - if the object changes between ranges, or no longer has `etag` when one is given, the
 *   read fails (PreconditionFailed) rather than mixing two versions;
 * - stopping early (or `signal`) cancels the requests still in flight.
 */
export function readObject(
  ctx: ReadContext,
  bucket: string,
  key: string,
  start: number,
  end: number | undefined,
  signal?: AbortSignal,
  etag?: string,
): AsyncGenerator<Uint8Array> {
  const { partSize, concurrency } = ctx;
  return readRanges(getRange(ctx, bucket, key), start, end, { partSize, concurrency, etag, signal });
}

/** The bytes {@link readObject} yields, in one buffer (a small object's as they came). */
export function readObjectAll(
  ctx: ReadContext,
  bucket: string,
  key: string,
  start: number,
  end: number | undefined,
  signal?: AbortSignal,
  etag?: string,
): Promise<Uint8Array> {
  const { partSize, concurrency } = ctx;
  return readRangesAll(getRange(ctx, bucket, key), start, end, { partSize, concurrency, etag, signal });
}

/**
 * Reads the `sink.length` bytes of `bucket/key` from `start` into `sink` with one ranged
 * GetObject on the lean path, the bytes copied from the socket straight into its windows;
 * resolves how many came (fewer at the end of the object, 0 past it) once all are written,
 * or undefined where the lean path does not serve the bucket. Pinned to `etag` as
 * {@link readObject} is.
 */
export async function readObjectInto(
  ctx: ReadContext,
  bucket: string,
  key: string,
  start: number,
  sink: BodySink,
  signal?: AbortSignal,
  etag?: string,
): Promise<number | undefined> {
  const lean = await ctx.lean?.forBucket(bucket);
  if (lean === undefined) return undefined;
  let res: Awaited<ReturnType<LeanS3Client['getInto']>>;
  try {
    res = await lean.getInto(bucket, key, start, sink, etag, signal);
  } catch (err) {
    if (s3ErrorCode(err) === 'InvalidRange') return 0; // start at or past the end
    throw err;
  }
  if (res.sunk !== undefined) return res.sunk;
  // No Content-Range on a 200: the store ignored the range and sent the whole object.
  const skip = res.contentRange === undefined && res.status === 200 ? start : 0;
  return fillSink(sink, res.data ?? res.body!, skip);
}
