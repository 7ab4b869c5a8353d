/** node:fs errors carry Node codes; core's mapping covers them. */
import { promises as fsp } from 'node:fs';
import { toFsError, type FsError } from '../errors';

/** Maps a node:fs error to an FsError by its code (ENOENT → NotFound, EACCES → PermissionDenied, ...). */
export function mapLocalError(err: unknown): FsError {
  return toFsError(err);
}

/**
 * When every entry of `dir` is a symbolic link leading nowhere (entries `ls` leaves out),
 * how many there are and the first one's path; otherwise (or when `dir` cannot be read)
 * `undefined`.
 */
export async function danglingLinksIn(dir: string): Promise<{ count: number; first: string } | undefined> {
  const entries = await fsp.readdir(dir, { withFileTypes: true }).catch(() => []);
  if (entries.length === 0 || entries.some((e) => !e.isSymbolicLink())) return undefined;
  const paths = entries.map((e) => `${dir === '/' ? '' : dir}/${e.name}`).sort();
  for (const p of paths) {
    const leadsSomewhere = await fsp.stat(p).then(
      () => true,
      () => false,
    );
    if (leadsSomewhere) return undefined;
  }
  return { count: paths.length, first: paths[0]! };
}
