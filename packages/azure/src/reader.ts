/**
 * Downloads: one ranged Get Blob per call, streamed as it arrives, optionally pinned to an
 * ETag with `If-Match`. Large files are fetched in parallel ranges by core (`get`), from
 * the `partSize` and `concurrency` this backend declares.
 */
import type { BlobClient } from '@azure/storage-blob';
import { FsError } from '@omnifs/core';
import { abortError, fillSink, throwIfAborted, type BodySink } from '@omnifs/core/backend';
import type { LeanAzureClient } from './client';
import { azureErrorCode } from './errors';

type Body = AsyncIterable<Uint8Array> & { destroy?: () => void };

/** A blob read on the lean path. */
export interface LeanBlob {
  lean: LeanAzureClient;
  container: string;
  name: string;
}

/** Bytes that came whole with the answer's head, as a body. */
function bytesBody(data: Buffer | undefined): Body {
  return {
    async *[Symbol.asyncIterator]() {
      if (data !== undefined && data.byteLength > 0) yield data;
    },
  };
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
 * - with `etag`, a blob replaced since fails with ConditionNotMet (mapped by the caller);
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
  let body: Body | undefined;
  try {
    try {
      if ('lean' in blob) {
        const res = await blob.lean.get(blob.container, blob.name, { start, end, etag: quotedEtag(etag) }, signal);
        body = res.body ?? bytesBody(res.data);
      } else {
        const res = await blob.download(start, end === undefined ? undefined : end - start, {
          ...(signal ? { abortSignal: signal } : {}),
          ...(etag !== undefined ? { conditions: { ifMatch: quotedEtag(etag) } } : {}),
        });
        body = res.readableStreamBody as Body | undefined;
      }
    } catch (err) {
      if (azureErrorCode(err) === 'InvalidRange') return; // start at or past the end
      throw err;
    }
    if (body === undefined) return;
    for await (const chunk of body) {
      throwIfAborted(signal);
      yield chunk;
    }
  } catch (err) {
    // Aborting tears the socket down: whatever error that surfaces as, it is the abort.
    if (signal?.aborted) throw abortError(signal);
    if (err instanceof FsError) {
      err.name = 'FsError'; // a timeout or abort of the transport (see transport.ts)
      throw err;
    }
    // A body whose connection dropped surfaces as an "aborted" stream (the SDK's) or as a
    // network error of the lean path's body: the download broke off.
    if ((err as { name?: unknown } | null)?.name === 'AbortError' || (body !== undefined && 'lean' in blob)) {
      throw new FsError({
        kind: 'Unexpected',
        code: 'ECONNRESET',
        temporary: true,
        message: 'the download broke off before its end',
        cause: err,
      });
    }
    throw err;
  } finally {
    body?.destroy?.();
  }
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
