/** Checks of the arguments of public methods. */
import { errors, FsError } from './errors';
import { hasTrailingSlash } from './paths';
import { checkMethodOptions } from './options';
import type { FileInfo, RangeOptions, WriteMode } from './types';
import type { ReadOptions } from './base';

const RANGE = ['start', 'end', 'etag', 'onProgress'] as const;
/** Options of the methods that work on a tree: `mv`, `rm`. */
const TREE = ['recursive', 'maxDepth', 'batchSize', 'onProgress'] as const;
const COPY = [...TREE, 'onError'] as const;

/**
 * The options each public method takes (`signal` is taken by all). A name not listed is
 * refused, never ignored: add it here when a method learns a new option.
 */
export const METHOD_OPTIONS = {
  catFile: RANGE,
  cat: [...RANGE, 'batchSize', 'onError'],
  catRanges: ['batchSize', 'onError'],
  sizes: ['batchSize'],
  readBlock: ['delimiter'],
  pipeFile: ['mode', 'onProgress', 'writeId'],
  pipe: ['mode', 'onProgress', 'batchSize', 'writeId'],
  writeText: ['mode', 'onProgress', 'encoding'],
  touch: ['truncate'],
  open: ['blockSize', 'cacheBlocks'],
  openWriter: ['mode', 'append', 'writeId'],
  openRandomWriter: ['mode'],
  readChunks: RANGE,
  createReadStream: RANGE,
  createWriteStream: ['mode'],
  cp: COPY,
  put: COPY,
  get: COPY,
  mv: TREE,
  rm: TREE,
  rmFiles: ['batchSize', 'onProgress', 'recursive', 'maxDepth'],
  copyFile: ['mode', 'onProgress', 'source'],
  mkdir: ['createParents'],
  makedirs: ['existOk'],
  sign: ['expiresIn', 'method'],
  ls: ['detail'],
  find: ['maxDepth', 'withDirs', 'detail'],
  walk: ['maxDepth', 'topDown', 'onError'],
  glob: ['maxDepth', 'detail'],
  du: ['total', 'maxDepth', 'withDirs'],
  rsync: ['update', 'deleteMissing', 'dryRun', 'storageOptions', 'batchSize', 'onProgress'],
  info: [],
  exists: [],
  isFile: [],
  isDir: [],
  size: [],
  modified: [],
  checksum: [],
  rmdir: [],
} as const satisfies Record<string, readonly string[]>;

/** A public method whose options are checked. */
export type CheckedMethod = keyof typeof METHOD_OPTIONS;

/**
 * The options argument of a public method: `undefined` and `null` mean none; anything
 * else that is not an object is `InvalidArgument` (not a TypeError from deep inside).
 * With `method`, an option that method does not take is `InvalidArgument` too.
 */
export function optionsOf<T>(options: T, method?: CheckedMethod): T {
  if (options === undefined || options === null) return {} as T;
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw errors.invalid(`options must be an object, got ${Array.isArray(options) ? 'an array' : typeof options}`);
  }
  if (method !== undefined) checkMethodOptions(options, method, METHOD_OPTIONS[method]);
  // `maxDepth: null` is fsspec's `maxdepth=None`: no limit, as when it is not given.
  if ((options as { maxDepth?: unknown }).maxDepth === null) {
    const { maxDepth: _none, ...rest } = options as { maxDepth?: unknown };
    return rest as T;
  }
  return options;
}

/**
 * The options of a ranged read: as {@link optionsOf}, with a `null` bound (fsspec's `None`)
 * taken as none: from the start, to the end.
 */
export function rangeOptionsOf<T extends { start?: number | null; end?: number | null }>(
  options: T,
  method: CheckedMethod,
): T & { start?: number; end?: number } {
  const o = optionsOf(options, method);
  if (o.start !== null && o.end !== null) return o as T & { start?: number; end?: number };
  const { start, end, ...rest } = o;
  return {
    ...rest,
    ...(start === null || start === undefined ? {} : { start }),
    ...(end === null || end === undefined ? {} : { end }),
  } as T & { start?: number; end?: number };
}

/** Refuses the empty path as the target of a write or removal; returns the path. */
export function checkTargetPath<T>(path: T): T {
  if (path === '') throw errors.invalid('path must not be empty for a write or removal');
  return path;
}

/**
 * `path` as the file a write creates: not empty, and without a trailing slash, which names
 * a directory (`IsADirectory`, POSIX's answer to creating `x/`; an object store would
 * otherwise write the object `x`, beside or instead of the directory meant).
 */
export function checkFilePath<T>(path: T): T {
  checkTargetPath(path);
  if (typeof path === 'string' && hasTrailingSlash(path))
    throw new FsError({
      kind: 'IsADirectory',
      message: 'a path ending in "/" names a directory: a file cannot be written there',
    });
  return path;
}

/**
 * Refuses an `onError` of `walk`, `cp`, `put` or `get` that is not `'raise'`, `'omit'` or
 * a function (`InvalidArgument`); undefined is the method's default.
 */
export function checkOnError(onError: unknown): void {
  if (onError === undefined || onError === 'raise' || onError === 'omit' || typeof onError === 'function') return;
  const hint = onError === 'ignore' ? " (fsspec's \"ignore\" is 'omit')" : '';
  throw errors.invalid(`onError must be 'raise', 'omit' or a function, got ${JSON.stringify(onError)}${hint}`);
}

/** A write mode: `overwrite` (default) or `create`. */
export function checkMode(mode: unknown): WriteMode {
  if (mode === undefined || mode === 'overwrite') return 'overwrite';
  if (mode === 'create') return 'create';
  throw errors.invalid(`mode must be 'overwrite' or 'create', got ${JSON.stringify(mode)}`);
}

/** An open mode, with the short forms (`r`, `w`, `a`, `x`) accepted. */
export function normalizeOpenMode(mode: unknown): 'rb' | 'wb' | 'ab' | 'xb' {
  switch (mode) {
    case 'rb':
    case 'r':
      return 'rb';
    case 'wb':
    case 'w':
      return 'wb';
    case 'ab':
    case 'a':
      return 'ab';
    case 'xb':
    case 'x':
      return 'xb';
    default:
      throw errors.invalid(`mode must be one of rb, wb, ab, xb, got ${JSON.stringify(mode)}`);
  }
}

/** The `etag` and `signal` of range options, as `_read` and `_readStream` take them; a bad etag is `InvalidArgument`. */
export function readOptionsOf(options: RangeOptions): ReadOptions | undefined {
  const { etag, signal } = options;
  if (etag !== undefined && (typeof etag !== 'string' || etag === ''))
    throw errors.invalid(`etag must be a non-empty string, got ${JSON.stringify(etag)}`);
  if (etag === undefined && signal === undefined) return undefined;
  return { ...(etag === undefined ? {} : { etag }), ...(signal ? { signal } : {}) };
}

/** The read options that pin a read to the version `info` names (its ETag), none where it has none. */
export function pinTo(info: FileInfo): { etag?: string } {
  return typeof info.etag === 'string' && info.etag !== '' ? { etag: info.etag } : {};
}

/** A caller's `source` FileInfo for `path` (its name the same path once `normalize`d), named `path`. */
export function checkSource(source: unknown, path: string, normalize: (name: string) => string): FileInfo {
  const info = source as Partial<FileInfo> | null;
  if (typeof info !== 'object' || info === null || typeof info.name !== 'string' || normalize(info.name) !== path)
    throw errors.invalid(`source must be the FileInfo of ${path}`, path);
  if (info.type !== 'file' && info.type !== 'directory')
    throw errors.invalid(`source.type must be 'file' or 'directory', got ${JSON.stringify(info.type)}`, path);
  if (typeof info.size !== 'number' || !Number.isInteger(info.size) || info.size < 0)
    throw errors.invalid(`source.size must be an integer >= 0, got ${JSON.stringify(info.size)}`, path);
  return { ...(info as FileInfo), name: path };
}

/** The longest a SigV4 or GCS V4 signed URL may last: 7 days. */
export const V4_SIGNED_URL_MAX_SECONDS = 7 * 24 * 3600;

/** `InvalidArgument` for an `expiresIn` past what V4 signing allows (S3 SigV4, GCS V4). */
export function checkV4Expiry(expiresIn: number): void {
  if (expiresIn > V4_SIGNED_URL_MAX_SECONDS)
    throw errors.invalid(`V4 signed URLs last at most 7 days (${V4_SIGNED_URL_MAX_SECONDS} seconds), got ${expiresIn}`);
}
