/**
 * The `dir` layer: a filesystem rooted at a directory or prefix of another. Paths are
 * relative to the root, and none can escape it.
 */
import { defineOptions } from '../options';
import { errors } from '../errors';
import { FileSystem } from '../filesystem';
import { derivedHandle } from '../standin';
import { checkPath, isUnder, joinPath, normalizePath, relativeTo, stripProtocol } from '../paths';
import { WrapperFileSystem, type WrapperOptions, WRAPPER_OPTIONS } from './wrapper';

/** Options of {@link DirFileSystem}. */
export interface DirOptions extends WrapperOptions {
  /** The root on the wrapped filesystem (`/data/run-1`, `bucket/prefix`). */
  path: string;
}

/**
 * A view of `fs` below `path`.
 *
 * Behaviour:
 * - `''` (or `/`) is the root; `a/b` is `<path>/a/b` on the wrapped filesystem;
 * - `..` that would climb above the root is an `InvalidArgument` FsError, as is an
 *   absolute URL of another protocol; names in results are relative to the root;
 * - on a filesystem with symbolic links (local disk) a path whose links resolve outside
 *   the root is refused too, for reads and writes (`PermissionDenied`, `EACCES`).
 */
export class DirFileSystem extends WrapperFileSystem {
  static override protocols: readonly string[] = ['dir'];
  /** The options the layer takes. */
  static override optionSchema = defineOptions<DirOptions>({
    ...WRAPPER_OPTIONS,
    path: 'string',
  });
  override readonly rootMarker = '' as const;
  /** The root on the wrapped filesystem, normalised. */
  readonly root: string;

  constructor(options: DirOptions) {
    if (typeof options?.path !== 'string')
      throw errors.invalid('dir needs { path: string }, the root on the wrapped filesystem');
    // Confined per instance served: a handle made before a stand-in follows it.
    const fs =
      options.fs instanceof FileSystem
        ? derivedHandle(options.fs, (served) => served.within(served.normalize(options.path)))
        : options.fs;
    super({ ...options, fs });
    this.root = this.fs.normalize(options.path);
  }

  override normalize(path: unknown): string {
    const raw = checkPath(path);
    if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(raw) && stripProtocol(raw, ['dir']) === raw) {
      throw errors.invalid('a dir filesystem takes paths relative to its root, not URLs', raw);
    }
    return normalizePath(stripProtocol(raw, ['dir']), '');
  }

  protected override toInner(path: string): string {
    const inner = joinPath(this.root, path) || this.root;
    if (!isUnder(inner, this.root)) throw errors.invalid('path escapes the dir root', path);
    return inner;
  }

  protected override fromInner(path: string): string {
    return relativeTo(path, this.root);
  }
}
