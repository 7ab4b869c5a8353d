/**
 * CRC32C from `@node-rs/crc32` (native SIMD code, about five times faster than hashing MD5
 * with node:crypto and far faster than the SDK's JavaScript CRC32C), where its platform
 * binary loads: for the checks of omnifs's resumable uploads and the SDK's own. Without
 * it, uploads are checked with MD5.
 */
import type { CRC32CValidator, CRC32CValidatorGenerator } from '@google-cloud/storage';

type Crc32c = (data: Uint8Array, initial?: number) => number;

/** `@node-rs/crc32`'s CRC32C, or undefined where its binary does not load. */
function load(): Crc32c | undefined {
  try {
    const { crc32c } = require('@node-rs/crc32') as { crc32c?: Crc32c };
    return typeof crc32c === 'function' ? crc32c : undefined;
  } catch {
    return undefined;
  }
}

const native = load();

/** `@node-rs/crc32`'s CRC32C (`crc32c(data, running)`), or undefined where its binary does not load. */
export const nativeCrc32c: Crc32c | undefined = native;

/** A running CRC32C, given to GCS in base64 of its big-endian bytes. */
class NativeCrc32c implements CRC32CValidator {
  private value = 0;

  constructor(private readonly crc32c: Crc32c) {}

  update(data: Buffer): void {
    this.value = this.crc32c(data, this.value);
  }

  toString(): string {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(this.value >>> 0);
    return out.toString('base64');
  }

  validate(value: string): boolean {
    return value === this.toString();
  }
}

/** The Storage option `crc32cGenerator` on native CRC32C; undefined where it does not load. */
export const nativeCrc32cGenerator: CRC32CValidatorGenerator | undefined =
  native === undefined ? undefined : () => new NativeCrc32c(native);
