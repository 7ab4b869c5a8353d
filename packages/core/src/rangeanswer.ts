/**
 * Ranged reads checked against their answer's `Content-Range`: a store, or a cache in
 * between, that answers another range than the one asked for (aligned to its blocks, cut
 * to a size of its own) would otherwise have its bytes put where the asked ones belong.
 * The answer must start where the read asked and reach the end asked for, or the object's.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { FsError } from './errors';
import { throwIfAborted } from './batch';

/** A `Content-Range: bytes first-last/total` as read; `total` undefined for `*`. */
export interface ContentRange {
  first: number;
  last: number;
  total: number | undefined;
}

/**
 * Parses `bytes first-last/total` (`total` may be `*`; `last` is `first - 1` for no bytes at
 * the object's end); undefined for anything else.
 */
export function parseContentRange(value: unknown): ContentRange | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(value);
  if (m === null) return undefined;
  const first = Number(m[1]);
  const last = Number(m[2]);
  const total = m[3] === '*' ? undefined : Number(m[3]);
  // No bytes at the object's end (`bytes 10-9/10`, Azurite's answer to a read from there) is a range too.
  const emptyAtEnd = last === first - 1 && first === total;
  if ((last < first && !emptyAtEnd) || (total !== undefined && last >= total)) return undefined;
  return { first, last, total };
}

/** What a ranged read's answer turned out to be. */
export interface RangeAnswer {
  /** The store ignored the range and sent the whole object (200 without `Content-Range`): the caller cuts it. */
  whole: boolean;
  /** The object's size, where `Content-Range` gives it. */
  total?: number | undefined;
}

/** The fields of an answer {@link checkRangeAnswer} reads. */
export interface RangeAnswerHead {
  status: number;
  contentRange: unknown;
  /** The answer's `Content-Length`, where it has one. */
  contentLength?: unknown;
  /** The answer's `Content-Encoding`: a length of encoded bytes is not compared. */
  contentEncoding?: unknown;
}

/**
 * What the answer to a read of bytes `[start, end)` (`end` undefined: to the object's end)
 * that sent a `Range` holds: its range when it is the one asked for (cut only by the
 * object's end), undefined when it is the whole object (200 without `Content-Range`), or
 * else a phrase saying what it is.
 */
function rangeOf(head: RangeAnswerHead, start: number, end: number | undefined): ContentRange | string | undefined {
  if (head.status === 200 && head.contentRange === undefined) return undefined;
  const range = parseContentRange(head.contentRange);
  if (range === undefined)
    return head.contentRange === undefined
      ? `a ${head.status} answer without Content-Range`
      : `an unreadable Content-Range (${String(head.contentRange).slice(0, 80)})`;
  const { first, last, total } = range;
  // The end the answer must reach: the one asked, cut to the object's end where known.
  const stop = total === undefined ? end : Math.min(end ?? total, total);
  const reaches = stop === undefined || (total === undefined ? last + 1 <= stop : last + 1 === stop);
  if (first !== start || !reaches) return `bytes ${first}-${last}`;
  const length = Number(head.contentLength);
  if (head.contentEncoding === undefined && head.contentLength !== undefined && length !== last - first + 1)
    return `bytes ${first}-${last} in a body of ${String(head.contentLength)} bytes`;
  return range;
}

/**
 * Checks the answer to a read of bytes `[start, end)` (`end` undefined: to the object's
 * end) that sent a `Range`: a whole object (200 without `Content-Range`) is returned as
 * such for the caller to cut; a ranged answer must be the range asked for, cut only by
 * the object's end. Any other fails with `Unexpected` (EIO), `release` (the answer's body
 * left unread) called first.
 */
export function checkRangeAnswer(
  head: RangeAnswerHead,
  start: number,
  end: number | undefined,
  release?: () => void,
): RangeAnswer {
  const range = rangeOf(head, start, end);
  if (typeof range === 'string') {
    release?.();
    const asked = `bytes ${start}-${end === undefined ? '' : end - 1}`;
    throw new FsError({
      kind: 'Unexpected',
      message: `the store answered another range than the one asked for: asked for ${asked}, got ${range}`,
    });
  }
  return range === undefined ? { whole: true } : { whole: false, total: range.total };
}

/** The {@link RangeAnswerHead} of an answer's status and headers. */
export function rangeHead(status: number, headers: IncomingHttpHeaders): RangeAnswerHead {
  return {
    status,
    contentRange: headers['content-range'],
    contentLength: headers['content-length'],
    contentEncoding: headers['content-encoding'],
  };
}

/** {@link checkRangeAnswer} of an answer's status and headers, its streamed body released when it fails. */
export function checkRangeHeaders(
  answer: { status: number; headers: IncomingHttpHeaders; body?: { destroy(): void } | undefined },
  start: number,
  end: number | undefined,
): RangeAnswer {
  return checkRangeAnswer(rangeHead(answer.status, answer.headers), start, end, () => answer.body?.destroy());
}

/** True when an answer to a read of `[start, end)` is that range (for a sink to take its body). */
export function isRangeAsked(status: number, headers: IncomingHttpHeaders, start: number, end: number): boolean {
  return (
    (status === 206 || headers['content-range'] !== undefined) &&
    typeof rangeOf(rangeHead(status, headers), start, end) === 'object'
  );
}

/** Bytes `[start, end)` of a whole-object body. */
export async function* sliceWhole(
  body: AsyncIterable<Uint8Array>,
  start: number,
  end: number | undefined,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array> {
  let pos = 0;
  for await (const chunk of body) {
    throwIfAborted(signal);
    const from = Math.max(start - pos, 0);
    const to = end === undefined ? chunk.byteLength : Math.min(chunk.byteLength, end - pos);
    pos += chunk.byteLength;
    if (to > from) yield chunk.subarray(from, to);
    if (end !== undefined && pos >= end) return;
  }
}

/**
 * Bytes `[start, end)` of a whole-object answer (a store that ignored the range): a
 * subarray of bytes in hand, else the body's chunks cut, `destroy` releasing the body.
 */
export function cutWhole<B extends AsyncIterable<Uint8Array> & { destroy?: () => void }>(
  answer: B | Uint8Array,
  start: number,
  end: number | undefined,
): Uint8Array | (AsyncIterable<Uint8Array> & { destroy: () => void }) {
  if (answer instanceof Uint8Array) return answer.subarray(Math.min(start, answer.byteLength), end);
  return Object.assign(sliceWhole(answer, start, end, undefined), { destroy: () => answer.destroy?.() });
}
