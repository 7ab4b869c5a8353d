/** Converting what callers pass as file content. */
import { Readable } from 'node:stream';
import { FsError } from './errors';

/** Bytes in any form accepted by whole-file writes. */
export type Bytes = Uint8Array | ArrayBuffer | string;

/** Content accepted by `pipeFile`: bytes, or a stream / async iterable of them. */
export type Source = Bytes | AsyncIterable<Uint8Array | string> | ReadableStream<Uint8Array>;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}

/** Converts bytes or a string (UTF-8) to a Uint8Array; anything else is `InvalidArgument`. */
export function toBytes(data: unknown, what = 'data'): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new FsError({
    kind: 'InvalidArgument',
    message: `${what} must be a string, Buffer, Uint8Array or ArrayBuffer, got ${describe(data)}`,
  });
}

/**
 * Bytes as a Node `Buffer` over the same memory (no copy), so what a read gives prints and
 * decodes as text (`toString()`) whichever backend or path produced it.
 */
export function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** True for values that are streamed rather than held whole. */
export function isStreamSource(data: unknown): data is AsyncIterable<Uint8Array | string> | ReadableStream<Uint8Array> {
  if (data === null || typeof data !== 'object') return false;
  if (data instanceof Uint8Array || ArrayBuffer.isView(data) || data instanceof ArrayBuffer) return false;
  return Symbol.asyncIterator in data || typeof (data as ReadableStream).getReader === 'function';
}

/** Iterates a streamed source as Uint8Array chunks. */
export async function* iterateSource(
  data: AsyncIterable<Uint8Array | string> | ReadableStream<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  const iterable: AsyncIterable<unknown> =
    Symbol.asyncIterator in data ? (data as AsyncIterable<unknown>) : Readable.fromWeb(data as never);
  for await (const chunk of iterable) yield toBytes(chunk, 'stream chunk');
}

/** Joins chunks into one Uint8Array. */
export function concatBytes(chunks: readonly Uint8Array[], total?: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  return Buffer.concat(chunks, total);
}

/** The chunks of a stream in one Uint8Array (a single chunk as it came). */
export async function collectBytes(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of source) {
    chunks.push(chunk);
    total += chunk.byteLength;
  }
  return chunks.length === 0 ? new Uint8Array(0) : concatBytes(chunks, total);
}

/** Bytes in hand as a body (a class: one is made per small read, and closures would cost more). */
class BytesBody implements AsyncIterable<Uint8Array> {
  constructor(private readonly data: Uint8Array | undefined) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    if (this.data !== undefined && this.data.byteLength > 0) yield this.data;
  }

  destroy(): void {}
}

/** Bytes in hand as a body: read once, nothing to cancel. */
export function bytesBody(data: Uint8Array | undefined): AsyncIterable<Uint8Array> & { destroy(): void } {
  return new BytesBody(data);
}
