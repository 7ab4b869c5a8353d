/**
 * Downloads: one streamed media GET per range, optionally pinned to a generation, with
 * the byte count checked against the response's length so a body cut short is an error,
 * never a short file.
 */
import type { File, Storage } from '@google-cloud/storage';
import { errors, FsError } from '@omnifs/core';
import { gcsStatus } from './errors';

/** What a download needs. */
export interface ReadContext {
  storage: Storage;
  userProject: string | undefined;
}

/** Where a read goes: an object, a byte range, and optionally the generation it must have. */
export interface ReadTarget {
  bucket: string;
  key: string;
  start: number;
  /** Exclusive; undefined reads to the end. */
  end: number | undefined;
  /** Read only this generation: a replaced or deleted object fails instead of mixing versions. */
  generation?: string | undefined;
  signal?: AbortSignal | undefined;
}

function fileOf(ctx: ReadContext, bucket: string, key: string, generation?: string): File {
  const b = ctx.storage.bucket(bucket, ctx.userProject !== undefined ? { userProject: ctx.userProject } : {});
  return generation !== undefined ? b.file(key, { generation: Number(generation) }) : b.file(key);
}

/** An error for a response body that ended before its announced length. */
function shortBody(got: number, expected: number): FsError {
  return new FsError({ kind: 'Unexpected', code: 'ECONNRESET', temporary: true, message: `the download ended after ${got} of ${expected} bytes` });
}

/**
 * Yields bytes `[start, end)` of an object (`end` undefined: to the end).
 *
 * Behaviour:
 * - a start at or past the end of the object yields nothing (416);
 * - a missing object fails with the SDK's 404 (mapped by the caller);
 * - with `generation`, an object replaced or deleted meanwhile fails with
 *   `ConditionNotMatch` (replaced) or the 404 (deleted);
 * - whole-object reads are checked by the SDK's CRC32C; every read is checked against
 *   the response's Content-Length;
 * - stopping early or `signal` destroys the request.
 */
export async function* readObject(ctx: ReadContext, target: ReadTarget): AsyncGenerator<Uint8Array> {
  const { bucket, key, start, end, generation, signal } = target;
  if (end !== undefined && end <= start) return;
  const whole = start === 0 && end === undefined;
  const stream = fileOf(ctx, bucket, key, generation).createReadStream({
    decompress: false,
    ...(whole ? {} : { start, validation: false as const, ...(end !== undefined ? { end: end - 1 } : {}) }),
    ...(ctx.userProject !== undefined ? { userProject: ctx.userProject } : {}),
  });
  let expected: number | undefined;
  stream.on('response', (res: { headers?: Record<string, unknown> }) => {
    const length = Number(res.headers?.['content-length']);
    const encoding = res.headers?.['content-encoding'];
    if (Number.isFinite(length) && (encoding === undefined || encoding === 'identity')) expected = length;
  });
  const onAbort = (): void => {
    stream.destroy(errors.aborted(signal?.reason));
  };
  if (signal?.aborted) throw errors.aborted(signal.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  let got = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      got += chunk.byteLength;
      yield chunk;
    }
    if (expected !== undefined && got !== expected) throw shortBody(got, expected);
  } catch (err) {
    if (signal?.aborted) throw errors.aborted(signal.reason);
    const status = gcsStatus(err);
    if (status === 416) return;
    if (status === 404 && generation !== undefined && (await fileOf(ctx, bucket, key).exists())[0]) {
      throw new FsError({ kind: 'ConditionNotMatch', message: `the object no longer has generation ${generation}`, cause: err });
    }
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    stream.destroy();
  }
}
