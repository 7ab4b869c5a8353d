/**
 * sdk.ts in the ES module build (scripts/build-esm.mjs puts it in its place): the SDK
 * imported, so that a bundler sees it and bundles it.
 */
import * as sdk from '@azure/storage-blob';
import type { BlobSdk } from './sdk';

/** The SDK. */
export function blobSdk(): BlobSdk {
  return sdk;
}
