/** Local paths as the `file` backend reads them: `file://` URLs, `~`, relative paths. */
import { resolve } from 'node:path';
import { homedir } from 'node:os';
import { errors } from '../errors';
import { checkPath, normalizePath } from '../paths';

/**
 * The absolute, normalised local path of `path`; `file://` URLs, `~/...` and relative
 * paths accepted, relative ones against `cwd` (default `process.cwd()`).
 *
 * Behaviour:
 * - as in fsspec, what follows `file://` or `local://` is a local path: `file:///abs` is
 *   `/abs`, `file://rel` and `file://` are relative to the working directory, `file://~/x`
 *   is in the home directory;
 * - a `file://` URL's percent-escapes are decoded (what `pathToFileURL` writes reads
 *   back), and `file://localhost/abs` is `/abs`.
 */
export function localPath(path: unknown, cwd?: string): string {
  let p = checkPath(path);
  const scheme = /^(file|local):\/\//i.exec(p);
  if (scheme !== null) {
    p = p.slice(scheme[0].length);
    if (scheme[1]!.toLowerCase() === 'file') p = decodeFileUrlPath(p);
  }
  // `~` and `~/...` are the home directory, as in fsspec and a shell.
  if (p === '~' || p.startsWith('~/')) p = homedir() + p.slice(1);
  if (!p.startsWith('/')) p = resolve(cwd ?? process.cwd(), p);
  return normalizePath(p, '/');
}

/**
 * The local path of what follows `file://`: percent-escapes decoded (an escaped `/` or NUL
 * refused), `localhost/` read as `/`; `?` and `#` are part of the name, as fsspec reads them.
 */
function decodeFileUrlPath(rest: string): string {
  if (/^localhost(\/|$)/i.test(rest)) rest = rest.slice('localhost'.length) || '/';
  const bad = /%(2f|00)/i.exec(rest);
  if (bad !== null) throw errors.invalid(`a file URL may not escape / or NUL (${bad[0]})`, `file://${rest}`);
  try {
    return decodeURIComponent(rest);
  } catch {
    throw errors.invalid('malformed file URL: a % that starts no escape (write %25 for %)', `file://${rest}`);
  }
}
