/**
 * Downloads: ranged GETs. The first range is streamed as it arrives; when the object is
 * larger, the following ranges are fetched `concurrency` at a time, each pinned to the
 * first response's ETag, and yielded in order. Memory stays below partSize x concurrency.
 */
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { abortError, throwIfAborted } from '@omnifs/core';
import { s3ErrorCode } from './errors';
import type { LeanS3Client } from './client';
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

/** `bytes a-b/total` → total. */
function totalOf(res: GetObjectCommandOutput): number | undefined {
  const m = /\/(\d+)\s*$/.exec(res.ContentRange ?? '');
  return m ? Number(m[1]) : undefined;
}

function linkedController(signal: AbortSignal | undefined): AbortController {
  const controller = new AbortController();
  if (signal?.aborted) controller.abort(signal.reason);
  else signal?.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
  return controller;
}

type Body = AsyncIterable<Uint8Array> & { destroy?: () => void };

/** The chunks of a body as they arrived (no concatenation: one copy less per part). */
async function collect(body: Body): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return chunks;
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
export async function* readObject(
  ctx: ReadContext,
  bucket: string,
  key: string,
  start: number,
  end: number | undefined,
  signal?: AbortSignal,
  etag?: string,
): AsyncGenerator<Uint8Array> {
  try {
    yield* readRanges(ctx, bucket, key, start, end, signal, etag);
  } catch (err) {
    // Aborting tears sockets down: whatever error that surfaces as, it is the abort.
    if (signal?.aborted) throw abortError(signal);
    throw err;
  }
}

async function* readRanges(
  ctx: ReadContext,
  bucket: string,
  key: string,
  start: number,
  end: number | undefined,
  signal?: AbortSignal,
  etag?: string,
): AsyncGenerator<Uint8Array> {
  if (end !== undefined && end <= start) return;
  const controller = linkedController(signal);
  const base = {
    ...ctx.readParams,
    Bucket: bucket,
    Key: key,
    ...(ctx.requesterPays ? { RequestPayer: 'requester' as const } : {}),
  };
  const lean = await ctx.lean?.forBucket(bucket);
  const get = (from: number, to: number, etag?: string): Promise<GetObjectCommandOutput> =>
    lean !== undefined
      ? (lean.get(
          bucket,
          key,
          [from, to],
          etag,
          controller.signal,
        ) as Promise<unknown> as Promise<GetObjectCommandOutput>)
      : ctx.client.send(
          new GetObjectCommand({
            ...base,
            Range: `bytes=${from}-${to - 1}`,
            ...(etag !== undefined ? { IfMatch: etag } : {}),
          }),
          { abortSignal: controller.signal },
        );
  const firstEnd = Math.min(start + ctx.partSize, end ?? Infinity);
  let first: GetObjectCommandOutput;
  try {
    first = await get(start, firstEnd, etag);
  } catch (err) {
    if (s3ErrorCode(err) === 'InvalidRange') return; // start at or past the end
    throw err;
  }
  if (first.ContentRange === undefined && (first.$metadata.httpStatusCode ?? 200) === 200) {
    // The store ignored the Range header and sent the whole object: cut it locally.
    yield* sliceWhole(first.Body as Body, start, end, signal);
    return;
  }
  const total = totalOf(first);
  const stop = Math.min(end ?? total ?? firstEnd, total ?? Infinity);
  const pending: Array<Promise<Uint8Array[]>> = [];
  let next = firstEnd;
  const fill = (): void => {
    while (pending.length < ctx.concurrency && next < stop) {
      const from = next;
      const to = Math.min(next + ctx.partSize, stop);
      next = to;
      const p = get(from, to, first.ETag).then((res) => collect(res.Body as Body));
      p.catch(() => undefined); // observed when its turn comes
      pending.push(p);
    }
  };
  try {
    fill();
    for await (const chunk of first.Body as Body) {
      throwIfAborted(signal);
      yield chunk;
    }
    while (pending.length > 0) {
      const chunks = await pending.shift()!;
      fill();
      for (const chunk of chunks) {
        throwIfAborted(signal);
        yield chunk;
      }
    }
  } finally {
    if (pending.length > 0 || next < stop) controller.abort();
    (first.Body as Body | undefined)?.destroy?.();
  }
}

/** Bytes `[start, end)` of a whole-object body. */
async function* sliceWhole(
  body: Body,
  start: number,
  end: number | undefined,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array> {
  let pos = 0;
  try {
    for await (const chunk of body) {
      throwIfAborted(signal);
      const from = Math.max(start - pos, 0);
      const to = end === undefined ? chunk.byteLength : Math.min(chunk.byteLength, end - pos);
      pos += chunk.byteLength;
      if (to > from) yield chunk.subarray(from, to);
      if (end !== undefined && pos >= end) return;
    }
  } finally {
    body.destroy?.();
  }
}
