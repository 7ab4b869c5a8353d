/**
 * CRC32 of request bodies, from the fastest implementation this platform has:
 * `@node-rs/crc32` (SIMD, about three times Node's on large parts), else Node's native
 * `zlib.crc32` (Node 20.15+, 22.2+), else the SDK's JavaScript one. All three give the
 * same checksum; the first is only skipped where its platform binary is not installed.
 */
import { Crc32Js } from '@smithy/core/checksum';
import type { Checksum, ChecksumConstructor } from '@smithy/types';
import * as zlib from 'node:zlib';

type Crc32 = (data: Uint8Array) => number;
/** A CRC32 that continues from the value of the bytes before. */
type Crc32From = (data: Uint8Array, initial?: number) => number;

/** `@node-rs/crc32`'s function, or undefined where its binary does not load. */
function simd(): Crc32From | undefined {
  try {
    const { crc32 } = require('@node-rs/crc32') as { crc32?: Crc32From };
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

const fastest = simd();
const compute: Crc32 = fastest ?? zlibCrc32 ?? javascript;

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

/** A CRC32 the AWS SDK hashes with (its `Checksum`), computed by `crc32`, a chunk at a time. */
function sdkChecksum(crc32: Crc32From): ChecksumConstructor {
  return class Crc32Checksum implements Checksum {
    readonly digestLength = 4;
    private value = 0;

    update(chunk: Uint8Array): void {
      this.value = crc32(chunk, this.value);
    }

    digest(): Promise<Uint8Array> {
      const out = new Uint8Array(4);
      new DataView(out.buffer).setUint32(0, this.value >>> 0, false);
      return Promise.resolve(out);
    }

    reset(): void {
      this.value = 0;
    }
  };
}

/**
 * The CRC32 given to the SDK client (`checksumAlgorithms.CRC32`) for the checksums it
 * computes on the SDK's request path (PutObject, UploadPart) and the answers it checks:
 * `@node-rs/crc32`'s, the same checksum as the SDK's own `zlib.crc32` at about three times
 * its speed; undefined where that binary does not load, and the SDK keeps its own.
 */
export const SdkCrc32: ChecksumConstructor | undefined = fastest === undefined ? undefined : sdkChecksum(fastest);
