/**
 * @omnifs/gcs: Google Cloud Storage on @google-cloud/storage 7. Installing it makes
 * `filesystem('gs')` / `filesystem('gcs')` and `gs://` / `gcs://` URLs work.
 *
 * ```ts
 * import { filesystem } from '@omnifs/core';
 * const fs = filesystem('gs', { projectId: 'my-project' });
 * await fs.put('./model.bin', 'bucket/exp/model.bin');
 * ```
 */
import { registerImplementation, type FileSystemClass } from '@omnifs/core';
import { GCSFileSystem } from './filesystem';
import type { GCSOptions } from './options';

declare module '@omnifs/core' {
  interface ProtocolRegistry {
    gs: { options: GCSOptions; fs: GCSFileSystem };
    gcs: { options: GCSOptions; fs: GCSFileSystem };
  }
}

export { GCSFileSystem } from './filesystem';
/** The error of a deletion of many objects where some failed (core's {@link DeleteError}). */
export { DeleteError as GCSDeleteError, type FailedDelete } from '@omnifs/core';
export { mapGcsError, gcsReason, gcsStatus } from './errors';
export {
  createStorage,
  GCS_OPTION_SCHEMA,
  DEFAULT_GCS_CONCURRENCY,
  DEFAULT_GCS_PART_SIZE,
  GCS_CHUNK_UNIT,
  MAX_LIST_PAGE_SIZE,
  type GCSOptions,
  type GCSServiceAccountKey,
} from './options';

/** Registers `gs` and `gcs` (done on import). */
export function register(): void {
  for (const p of GCSFileSystem.protocols)
    registerImplementation(p, GCSFileSystem as unknown as FileSystemClass, { clobber: true });
}

register();
