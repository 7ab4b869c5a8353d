/** CRC32 of request bodies: Node's native `zlib.crc32` (Node 20.15+, 22.2+), else the SDK's JavaScript one. */
import { Crc32Js } from '@smithy/core/checksum';
import zlib from 'node:zlib';

const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** The CRC32 of `data`, computed in one pass. */
export function crc32(data: Uint8Array): number {
  if (native !== undefined) return native(data) >>> 0;
  const hash = new Crc32Js();
  hash.update(data);
  return hash.digestSync();
}

/** The CRC32 of `data` as S3's `x-amz-checksum-crc32` header carries it (big-endian, base64). */
export function crc32Base64(data: Uint8Array): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(data));
  return out.toString('base64');
}
