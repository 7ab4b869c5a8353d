/**
 * Confinement below a root on local disk: the real path an operation would touch, with
 * every symbolic link resolved, must stay below the root's real path.
 */
import { promises as fsp } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { FsError } from '../errors';
import { isUnder } from '../paths';

/** Links followed before giving up (as the kernel's ELOOP). */
const MAX_LINKS = 40;

/**
 * The real path `path` names: its links resolved as far as they exist; a missing tail is
 * joined to the real path of what exists, and a dangling link is followed to its target.
 */
async function realPathOf(path: string, hops = 0): Promise<string> {
  if (hops > MAX_LINKS)
    throw new FsError({ kind: 'InvalidArgument', message: 'too many levels of symbolic links', code: 'ELOOP', path });
  try {
    return await fsp.realpath(path);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
  }
  const st = await fsp.lstat(path).catch(() => undefined);
  if (st?.isSymbolicLink()) return realPathOf(resolve(dirname(path), await fsp.readlink(path)), hops + 1);
  const parent = dirname(path);
  if (parent === path) return path;
  return join(await realPathOf(parent, hops + 1), basename(path));
}

/** Checks paths against one root, resolving the root's own links once. */
export class Confinement {
  readonly #root: string;
  #real: Promise<string> | undefined;

  constructor(root: string) {
    this.#root = root;
  }

  /**
   * Refuses `path` when what it names resolves outside the root: `PermissionDenied`
   * (`EACCES`). With `followLast: false` the last name is the entry itself (unlink and
   * rename act on a link, not on what it points to).
   */
  async check(path: string, { followLast = true }: { followLast?: boolean } = {}): Promise<void> {
    this.#real ??= realPathOf(this.#root);
    const root = await this.#real;
    const real = followLast ? await realPathOf(path) : join(await realPathOf(dirname(path)), basename(path));
    if (!isUnder(real, root)) {
      throw new FsError({
        kind: 'PermissionDenied',
        code: 'EACCES',
        message: 'a symbolic link leads outside the dir root',
        path,
      });
    }
  }
}
