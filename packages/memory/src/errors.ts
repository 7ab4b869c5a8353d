/** memfs throws Node-style errors with `code`; core's mapping covers them. */
import { type FsError } from '@omnifs/core';
import { toFsError } from '@omnifs/core/backend';

/** Maps a memfs error to an FsError by its Node code (ENOENT → NotFound, ...). */
export function mapMemoryError(err: unknown): FsError {
  return toFsError(err);
}
