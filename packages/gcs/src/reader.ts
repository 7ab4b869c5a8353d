/**
 * Downloads: one ranged media GET per read, authorized by the SDK's auth client and sent
 * over core's keep-alive pool (`streamRequest`), optionally pinned with
 * `ifGenerationMatch`. The SDK's own read stream is not used: when a connection drops
 * mid-body it never ends (its node-fetch 2 body waits forever), where this fails at once.
 * The byte count is checked against the response's length, so a body cut short is an
 * error, never a short file. Bytes come as the service sends them: with
 * `accept-encoding: identity`, GCS decompresses gzip-encoded objects itself, except those
 * with `Cache-Control: no-transform`, which read as their stored (compressed) bytes.
 */
import { FsError } from '@omnifs/core';
import {
  abortError,
  checkRangeHeaders,
  collectBytes,
  fillSink,
  formQuery,
  rangedSink,
  streamAnswer,
  type BodySink,
  type Http1Answer,
} from '@omnifs/core/backend';
import { answerError, authHeaders, objectMetadata, type ApiContext } from './client';

/** What a download needs. */
export type ReadContext = ApiContext;

/** Where a read goes: an object, a byte range, and optionally the generation it must have. */
export interface ReadTarget {
  bucket: string;
  key: string;
  start: number;
  /** Exclusive; undefined reads to the end. */
  end: number | undefined;
  /** Read only while the object has this generation (`ifGenerationMatch`). */
  generation?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** The media URL of an object. */
function mediaUrl(ctx: ReadContext, target: ReadTarget): string {
  const { generation } = target;
  // Both: GCS compares ifGenerationMatch with the live object (412 once replaced); emulators
  // that ignore it (fake-gcs-server) answer 404 for a generation that is gone.
  const q = formQuery({ alt: 'media', generation, ifGenerationMatch: generation, userProject: ctx.userProject });
  return `${ctx.storage.apiEndpoint}/storage/v1/b/${encodeURIComponent(target.bucket)}/o/${encodeURIComponent(target.key)}?${q}`;
}

/** True when the object exists now, whatever its generation. */
async function liveObjectExists(ctx: ReadContext, target: ReadTarget): Promise<boolean> {
  return objectMetadata(ctx, target.bucket, target.key).then(
    () => true,
    (err: unknown) => ((err as { code?: unknown }).code === 404 ? false : Promise.reject(err)),
  );
}

function replaced(generation: string): FsError {
  return new FsError({ kind: 'ConditionNotMatch', message: `the object no longer has generation ${generation}` });
}

/** An error for a response body that ended before its announced length. */
function shortBody(got: number, expected: number): FsError {
  return new FsError({
    kind: 'Unexpected',
    code: 'ECONNRESET',
    temporary: true,
    message: `the download ended after ${got} of ${expected} bytes`,
  });
}

/**
 * Yields bytes `[start, end)` of an object (`end` undefined: to the end).
 *
 * Behaviour:
 * - a start at or past the end of the object yields nothing (416);
 * - a missing object fails with a 404 (NotFound, mapped by the caller); with
 *   `generation`, an object replaced meanwhile fails with `ConditionNotMatch` (GCS's
 *   412, or a 404 for the generation while the object exists);
 * - a server that ignores the range (a transcoded object) is answered by slicing locally;
 * - a body shorter than its Content-Length fails with a temporary error;
 * - stopping early or `signal` cancels the request.
 */
export async function* readObject(ctx: ReadContext, target: ReadTarget): AsyncGenerator<Uint8Array> {
  const { start, end, signal } = target;
  if (end !== undefined && end <= start) return;
  let res: Http1Answer | undefined;
  try {
    res = await requestRange(ctx, target);
    if (res !== undefined) yield* answerBytes(res, target);
  } catch (err) {
    if (signal?.aborted) throw abortError(signal);
    throw err;
  } finally {
    // Stopped early, failed or done: a body still arriving is dropped with its connection
    // (a body read to its end has already given its connection back; this does nothing then).
    res?.body?.destroy();
  }
}

/**
 * The bytes {@link readObject} yields, in one buffer: an answer that came whole with its
 * head (a small object) is taken as it came, with no stream.
 */
export async function readObjectAll(ctx: ReadContext, target: ReadTarget): Promise<Uint8Array> {
  const { start, end, signal } = target;
  if (end !== undefined && end <= start) return new Uint8Array(0);
  let res: Http1Answer | undefined;
  try {
    res = await requestRange(ctx, target);
    if (res === undefined) return new Uint8Array(0);
    if (res.body !== undefined) return await collectBytes(answerBytes(res, target));
    const data = res.data ?? Buffer.alloc(0);
    const [skip, stop] = wanted(res, target);
    return skip === 0 && stop >= data.byteLength ? data : data.subarray(Math.min(skip, data.byteLength), stop);
  } catch (err) {
    if (signal?.aborted) throw abortError(signal);
    throw err;
  } finally {
    res?.body?.destroy();
  }
}

/** The bytes of an answer that were asked for; a body that ends short fails. */
async function* answerBytes(res: Http1Answer, target: ReadTarget): AsyncGenerator<Uint8Array> {
  const [skip, stop] = wanted(res, target);
  const length = Number(res.headers['content-length'] ?? NaN);
  let pos = 0;
  let got = 0;
  const chunks: AsyncIterable<Uint8Array> | Uint8Array[] = res.body ?? (res.data?.byteLength ? [res.data] : []);
  for await (const chunk of chunks) {
    got += chunk.byteLength;
    const from = Math.max(skip - pos, 0);
    const to = Math.min(chunk.byteLength, stop - pos);
    pos += chunk.byteLength;
    if (to > from) yield from === 0 && to === chunk.byteLength ? chunk : chunk.subarray(from, to);
    if (pos >= stop) return;
  }
  if (Number.isFinite(length) && got !== length) throw shortBody(got, length);
}

/** Bytes `[skip, stop)` of an answer to keep: all of a ranged one, the range of a whole object. */
function wanted(res: Http1Answer, { start, end }: ReadTarget): [number, number] {
  const whole = (start > 0 || end !== undefined) && res.status === 200; // the whole object came: cut it here
  return [whole ? start : 0, whole && end !== undefined ? end : Infinity];
}

/**
 * Reads the `sink.length` bytes of an object from `target.start` into `sink` with one
 * ranged media GET, the bytes copied from the socket straight into its windows; resolves
 * how many came (fewer at the end of the object, 0 past it) once all are written. Pinned
 * and failing as {@link readObject} does; a server that ignores the range is read from the
 * offset.
 */
export async function readObjectInto(ctx: ReadContext, target: ReadTarget, sink: BodySink): Promise<number> {
  const { start, signal } = target;
  try {
    const res = await requestRange(ctx, { ...target, end: start + sink.length }, sink);
    if (res === undefined) return 0;
    if (res.sunk !== undefined) return res.sunk;
    return await fillSink(sink, res.data ?? res.body!, res.status === 200 ? start : 0);
  } catch (err) {
    if (signal?.aborted) throw abortError(signal);
    throw err;
  }
}

/**
 * The answer to one ranged media GET of `target`, its status checked (undefined for a
 * start past the end); with `sink`, a ranged answer (206) goes there.
 */
async function requestRange(ctx: ReadContext, target: ReadTarget, sink?: BodySink): Promise<Http1Answer | undefined> {
  const { start, end, signal } = target;
  const url = mediaUrl(ctx, target);
  if (signal?.aborted) throw abortError(signal);
  const ranged = start > 0 || end !== undefined;
  const res = await streamAnswer(
    url,
    {
      headers: {
        ...(await authHeaders(ctx.storage, url)),
        'accept-encoding': 'identity',
        ...(ranged ? { range: `bytes=${start}-${end !== undefined ? end - 1 : ''}` } : {}),
      },
      signal,
    },
    ctx.timeouts,
    sink && rangedSink(sink, start),
  );
  if (res.status === 416) return undefined;
  if (res.status === 404 && target.generation !== undefined) {
    if (await liveObjectExists(ctx, target)) throw replaced(target.generation);
  }
  if (res.status < 200 || res.status > 299) throw answerError(res.status, res.data?.toString('utf8') ?? '');
  // The range asked for, cut by the object's end; or the whole object, which the caller cuts.
  if (ranged) checkRangeHeaders(res, start, end);
  return res;
}
