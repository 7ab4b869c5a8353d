/**
 * @omnifs/azure: Azure Blob Storage (and Azurite) on @azure/storage-blob. Installing it
 * makes `filesystem('az')` and `az://`, `abfs://`, `abfss://`, `azure://` URLs work.
 *
 * ```ts
 * import { filesystem } from '@omnifs/core';
 * const fs = filesystem('az', { accountName: 'myaccount', accountKey: process.env.KEY });
 * await fs.put('./model.bin', 'container/exp/model.bin');
 * ```
 */
import { registerImplementation, type FileSystemClass } from '@omnifs/core';
import { AzureBlobFileSystem } from './filesystem';
import type { AzureBlobOptions } from './options';

declare module '@omnifs/core' {
  interface ProtocolRegistry {
    az: { options: AzureBlobOptions; fs: AzureBlobFileSystem };
    abfs: { options: AzureBlobOptions; fs: AzureBlobFileSystem };
    abfss: { options: AzureBlobOptions; fs: AzureBlobFileSystem };
    azure: { options: AzureBlobOptions; fs: AzureBlobFileSystem };
  }
}

export { AzureBlobFileSystem } from './filesystem';
/** The error of a deletion of many blobs where some failed (core's {@link DeleteError}). */
export { DeleteError as AzureDeleteError, type FailedDelete } from '@omnifs/core';
export { mapAzureError, azureErrorCode, azureStatus } from './errors';
export {
  createServiceClient,
  AZURE_OPTION_SCHEMA,
  AZURE_SERVICE_VERSION,
  parseConnectionString,
  DEFAULT_AZURE_CONCURRENCY,
  DEFAULT_AZURE_PART_SIZE,
  MAX_APPEND_BLOCK_SIZE,
  MAX_BLOCK_SIZE,
  MAX_LIST_PAGE_SIZE,
  type AzureBlobOptions,
  type AzureTokenCredential,
} from './options';

/** Registers `az`, `abfs`, `abfss` and `azure` (done on import). */
export function register(): void {
  for (const p of AzureBlobFileSystem.protocols)
    registerImplementation(p, AzureBlobFileSystem as unknown as FileSystemClass, { clobber: true });
}

register();
