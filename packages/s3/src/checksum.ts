/**
 * CRC32 of request bodies, from the fastest implementation this platform has:
 * `@node-rs/crc32` (SIMD, about three times Node's on large parts), else Node's native
 * `zlib.crc32` (Node 20.15+, 22.2+), else the SDK's JavaScript one. All three give the
 * same checksum; the first is only skipped where its platform binary is not installed.
 */
import { Crc32Js } from '@smithy/core/checksum';
import * as zlib from 'node:zlib';

type Crc32 = (data: Uint8Array) => number;

/** `@node-rs/crc32`'s function, or undefined where its binary does not load. */
function simd(): Crc32 | undefined {
  try {
    const { crc32 } = require('@node-rs/crc32') as { crc32?: (data: Uint8Array) => number };
    return typeof crc32 === 'function' ? crc32 : undefined;
  } catch {
    return undefined;
  }
}

const zlibCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

function javascript(data: Uint8Array): number {
  const hash = new Crc32Js();
  hash.update(data);
  return hash.digestSync();
}

const compute: Crc32 = simd() ?? zlibCrc32 ?? javascript;

/** The CRC32 of `data`, computed in one pass. */
export function crc32(data: Uint8Array): number {
  return compute(data) >>> 0;
}

/** The CRC32 of `data` as S3's `x-amz-checksum-crc32` header carries it (big-endian, base64). */
export function crc32Base64(data: Uint8Array): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(data));
  return out.toString('base64');
}
