/**
 * Downloads: one ranged Get Blob per call, streamed as it arrives, optionally pinned to an
 * ETag with `If-Match`. Large files are fetched in parallel ranges by core (`get`), from
 * the `partSize` and `concurrency` this backend declares.
 */
import type { BlobClient } from '@azure/storage-blob';
import { FsError } from '@omnifs/core';
import {
  abortError,
  bytesBody,
  checkPinnedAnswer,
  checkRangeAnswer,
  cutWhole,
  collectBytes,
  fillSink,
  throwIfAborted,
  type BodySink,
} from '@omnifs/core/backend';
import type { LeanAzureClient } from './client';
import { azureErrorCode, brokenOff } from './errors';

type Body = AsyncIterable<Uint8Array> & { destroy?: () => void };

/** A blob read on the lean path. */
export interface LeanBlob {
  lean: LeanAzureClient;
  container: string;
  name: string;
}

/** The quoted form the service compares in If-Match (`checksum()` gives ETags unquoted). */
export function quotedEtag(etag: string | undefined): string | undefined {
  return etag === undefined || etag.startsWith('"') ? etag : `"${etag}"`;
}

/**
 * Yields bytes `[start, end)` of a blob (`end` undefined: to the end).
 *
 * Behaviour:
 * - a start at or past the end of the blob yields nothing;
 * - with `etag`, a blob replaced since fails with ConditionNotMet (mapped by the caller),
 *   or with `ConditionNotMatch` when the service ignored `If-Match` and answered with it;
 * - a body cut short fails with a temporary `Unexpected` error (code `ECONNRESET`), never ends early;
 * - stopping early (or `signal`) cancels the request.
 */
export async function* readBlob(
  blob: BlobClient | LeanBlob,
  start: number,
  end: number | undefined,
  signal?: AbortSignal,
  etag?: string,
): AsyncGenerator<Uint8Array> {
  if (end !== undefined && end <= start) return;
  yield* streamed(blob, await getBlob(blob, start, end, signal, etag), signal);
}

/** The bytes {@link readBlob} yields, in one buffer: a small blob's as they came with the answer. */
export async function readBlobAll(
  blob: BlobClient | LeanBlob,
  start: number,
  end: number | undefined,
  signal?: AbortSignal,
  etag?: string,
): Promise<Uint8Array> {
  if (end !== undefined && end <= start) return new Uint8Array(0);
  const got = await getBlob(blob, start, end, signal, etag);
  if (!(got instanceof Uint8Array)) return collectBytes(streamed(blob, got, signal));
  throwIfAborted(signal);
  return got;
}

/** One ranged Get Blob: its body, its bytes when they came whole, undefined past the end. */
async function getBlob(
  blob: BlobClient | LeanBlob,
  start: number,
  end: number | undefined,
  signal: AbortSignal | undefined,
  etag: string | undefined,
): Promise<Body | Buffer | undefined> {
  try {
    if ('lean' in blob) {
      const res = await blob.lean.get(blob.container, blob.name, { start, end, etag: quotedEtag(etag) }, signal);
      return res.body ?? res.data ?? Buffer.alloc(0);
    }
    const res = await blob.download(start, end === undefined ? undefined : end - start, {
      ...(signal ? { abortSignal: signal } : {}),
      ...(etag !== undefined ? { conditions: { ifMatch: quotedEtag(etag) } } : {}),
    });
    const body = res.readableStreamBody as Body | undefined;
    checkPinnedAnswer(res.etag, quotedEtag(etag), () => body?.destroy?.());
    if (body === undefined || (start === 0 && end === undefined)) return body;
    const answer = {
      status: res._response.status,
      contentRange: res.contentRange,
      contentLength: res.contentLength,
      contentEncoding: res.contentEncoding,
    };
    const { whole } = checkRangeAnswer(answer, start, end, () => body.destroy?.());
    return whole ? (cutWhole(body, start, end) as Body) : body;
  } catch (err) {
    if (azureErrorCode(err) === 'InvalidRange') return undefined; // start at or past the end
    throw readFailure(err, signal, false);
  }
}

/** The chunks of a Get Blob's answer, the body released however the reading ends. */
async function* streamed(
  blob: BlobClient | LeanBlob,
  got: Body | Buffer | undefined,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array> {
  if (got === undefined) return;
  const body = got instanceof Uint8Array ? bytesBody(got) : got;
  try {
    for await (const chunk of body) {
      throwIfAborted(signal);
      yield chunk;
    }
  } catch (err) {
    throw readFailure(err, signal, 'lean' in blob);
  } finally {
    body.destroy?.();
  }
}

/** What a failed read throws: the abort, a transport's FsError, or a download broken off. */
function readFailure(err: unknown, signal: AbortSignal | undefined, leanBody: boolean): unknown {
  // Aborting tears the socket down: whatever error that surfaces as, it is the abort.
  if (signal?.aborted) return abortError(signal);
  if (err instanceof FsError) {
    err.name = 'FsError'; // a timeout or abort of the transport (see transport.ts)
    return err;
  }
  // A body whose connection dropped surfaces as an "aborted" stream (the SDK's) or as a
  // network error of the lean path's body: the download broke off.
  if ((err as { name?: unknown } | null)?.name === 'AbortError' || leanBody) return brokenOff(err);
  return err;
}

/**
 * Reads the `sink.length` bytes of a blob from `start` into `sink` with one ranged Get Blob
 * on the lean path, the bytes copied from the socket straight into its windows; resolves
 * how many came (fewer at the end of the blob, 0 past it) once all are written. Pinned and
 * failing as {@link readBlob} does.
 */
export async function readBlobInto(
  blob: LeanBlob,
  start: number,
  sink: BodySink,
  signal?: AbortSignal,
  etag?: string,
): Promise<number> {
  let res: Awaited<ReturnType<LeanAzureClient['getInto']>>;
  try {
    res = await blob.lean.getInto(blob.container, blob.name, start, sink, quotedEtag(etag), signal);
  } catch (err) {
    if (signal?.aborted) throw abortError(signal);
    if (azureErrorCode(err) === 'InvalidRange') return 0; // start at or past the end
    throw err;
  }
  if (res.sunk !== undefined) return res.sunk;
  // No Content-Range on a 200: the service sent the whole blob.
  const skip = res.status === 200 && res.headers['content-range'] === undefined ? start : 0;
  try {
    return await fillSink(sink, res.data ?? res.body!, skip);
  } catch (err) {
    if (signal?.aborted) throw abortError(signal);
    throw err;
  }
}
