/**
 * `@azure/storage-blob`, loaded on first use (110-160 ms of a fresh process's start): a
 * filesystem whose requests all take the lean path never loads it. The ES module build,
 * which bundlers read, imports it instead (sdk.esm.ts), so a bundle includes it.
 */
import type * as BlobSdkModule from '@azure/storage-blob';

/** The SDK's exports. */
export type BlobSdk = typeof BlobSdkModule;

let sdk: BlobSdk | undefined;

/** The SDK, loaded by the first call. */
export function blobSdk(): BlobSdk {
  return (sdk ??= require('@azure/storage-blob') as BlobSdk);
}
