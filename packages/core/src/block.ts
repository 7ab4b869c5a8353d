/**
 * Where a block of a file starts and ends when it is cut on a delimiter (fsspec's
 * `read_block`): blocks asked for at `0, n, 2n, ...` with length `n` cover the file once,
 * each a run of whole records, reading the block and a little past its end.
 */
import { asBuffer } from './data';
import { errors } from './errors';

/** Reads bytes `[start, end)` of the file (of one version). */
export type RangeReader = (start: number, end: number) => Promise<Uint8Array>;

/** How far past the block's end its one read goes, to find the delimiter that ends it. */
const SCAN_START = 64 * 1024;
/** A record running on past that is scanned in reads twice as large each time, up to this. */
const SCAN_MAX = 4 * 1024 * 1024;

/** The delimiter as bytes; undefined for none. A string is UTF-8. */
export function checkDelimiter(delimiter: unknown): Buffer | undefined {
  if (delimiter === undefined || delimiter === null) return undefined;
  if (typeof delimiter === 'string' || delimiter instanceof Uint8Array) {
    if (delimiter.length > 0) return Buffer.from(delimiter);
  }
  throw errors.invalid(`delimiter must be a non-empty string or Uint8Array, got ${describe(delimiter)}`);
}

function describe(value: unknown): string {
  if (value instanceof Uint8Array) return 'an empty Uint8Array';
  return typeof value === 'string' ? '""' : typeof value;
}

/**
 * The position just past the first `delimiter` that starts at or after `from`, reading
 * forward in growing pieces; undefined when there is none before `size`.
 */
async function pastDelimiter(
  read: RangeReader,
  size: number,
  from: number,
  delimiter: Buffer,
): Promise<number | undefined> {
  let pos = from;
  let carry = Buffer.alloc(0); // the last delimiter.length - 1 bytes, for a delimiter cut in two
  let piece = SCAN_START;
  while (pos < size) {
    const bytes = await read(pos, Math.min(size, pos + piece));
    if (bytes.byteLength === 0) break;
    const window =
      carry.byteLength > 0
        ? Buffer.concat([carry, bytes])
        : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const at = window.indexOf(delimiter);
    if (at >= 0) return pos - carry.byteLength + at + delimiter.byteLength;
    pos += bytes.byteLength;
    carry = Buffer.from(window.subarray(Math.max(0, window.byteLength - (delimiter.byteLength - 1))));
    piece = Math.min(piece * 2, SCAN_MAX);
  }
  return undefined;
}

/**
 * The block `offset`/`length` of a file of `size` bytes, as fsspec's `read_block` cuts it:
 * without a delimiter, the bytes asked for (up to the end of the file); with one, from
 * just past the first delimiter that starts at or after `offset` (from 0 when `offset` is
 * 0) to just past the first one that starts at or after `offset + length` (the end of the
 * file when there is none). `length` undefined is to the end of the file.
 *
 * One read, of the block and {@link SCAN_START} bytes more, finds both ends unless a
 * record runs on past that; only then is more read.
 */
export async function readBlockOf(
  read: RangeReader,
  size: number,
  offset: number,
  length: number | undefined,
  delimiter: Buffer | undefined,
): Promise<Buffer> {
  if (offset >= size) return Buffer.alloc(0);
  const stop = length === undefined ? size : Math.min(size, offset + length);
  if (delimiter === undefined) return stop > offset ? asBuffer(await read(offset, stop)) : Buffer.alloc(0);
  if (stop === 0) return Buffer.alloc(0);
  const windowEnd = Math.min(size, stop + Math.max(SCAN_START, 2 * delimiter.byteLength));
  const window = asBuffer(await read(offset, windowEnd));
  let start = 0;
  if (offset > 0) {
    const at = window.indexOf(delimiter);
    // None in the window: the first one after offset starts past stop, so it ends the block too.
    if (at < 0) return Buffer.alloc(0);
    start = offset + at + delimiter.byteLength;
  }
  const at = window.indexOf(delimiter, stop - offset);
  let end: number;
  if (at >= 0) end = offset + at + delimiter.byteLength;
  else if (windowEnd >= size) end = size;
  else end = (await pastDelimiter(read, size, windowEnd - delimiter.byteLength + 1, delimiter)) ?? size;
  if (end <= start) return Buffer.alloc(0);
  if (end <= windowEnd) return window.subarray(start - offset, end - offset);
  return Buffer.concat([window.subarray(start - offset), asBuffer(await read(windowEnd, end))]);
}
