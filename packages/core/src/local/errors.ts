/** node:fs errors carry Node codes; core's mapping covers them. */
import { toFsError, type FsError } from '../errors';

/** Maps a node:fs error to an FsError by its code (ENOENT → NotFound, EACCES → PermissionDenied, ...). */
export function mapLocalError(err: unknown): FsError {
  return toFsError(err);
}
