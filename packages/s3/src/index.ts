/**
 * @omnifs/s3: Amazon S3 and S3-compatible stores on @aws-sdk/client-s3 v3. Installing it
 * makes `filesystem('s3')` and `s3://` / `s3a://` URLs work.
 *
 * ```ts
 * import { filesystem } from '@omnifs/core';
 * const fs = filesystem('s3', { region: 'eu-west-1' });
 * await fs.put('./model.bin', 'bucket/exp/model.bin');
 * ```
 */
import { registerImplementation, type FileSystemClass } from '@omnifs/core';
import { S3FileSystem } from './filesystem';
import type { S3Options } from './options';

declare module '@omnifs/core' {
  interface ProtocolRegistry {
    s3: { options: S3Options; fs: S3FileSystem };
    s3a: { options: S3Options; fs: S3FileSystem };
  }
}

export { S3FileSystem } from './filesystem';
/** The error of a deletion of many keys where some failed (core's {@link DeleteError}). */
export { DeleteError as S3DeleteError, type FailedDelete } from '@omnifs/core';
export { mapS3Error, s3ErrorCode, s3Status } from './errors';
export {
  createClient,
  S3_OPTION_SCHEMA,
  DEFAULT_S3_CONCURRENCY,
  DEFAULT_S3_PART_SIZE,
  MIN_PART_SIZE,
  type S3CredentialProvider,
  type S3Options,
  type S3ReadParams,
  type S3StaticCredentials,
  type S3WriteParams,
} from './options';

/** Registers `s3` and `s3a` (done on import). */
export function register(): void {
  for (const p of S3FileSystem.protocols)
    registerImplementation(p, S3FileSystem as unknown as FileSystemClass, { clobber: true });
}

register();
