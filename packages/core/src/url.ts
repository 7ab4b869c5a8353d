/** URLs to filesystems: `s3://bucket/key`, chained `simplecache::s3://bucket/key`. */
import { errors, FsError } from './errors';
import type { FileSystem } from './filesystem';
import type { RemoteFile } from './file';
import { filesystem, getFileSystemClass } from './registry';
import { checkPath, splitProtocol } from './paths';
import { redactUrl } from './secrets';
import type { OpenMode, OpenOptions } from './types';

/** A filesystem and a path on it, as `urlToFs` returns them. */
export interface FsAndPath {
  fs: FileSystem;
  path: string;
}

/** Options of `urlToFs`: the filesystem's own, or per layer keyed by protocol. */
export type UrlOptions = Record<string, unknown>;

/** Protocols that wrap another filesystem (they take `fs` as an option). */
const WRAPPERS = new Set(['dir', 'simplecache', 'blockcache', 'retry', 'listcache', 'limit', 'timeout']);

/** True for a protocol implemented as a wrapper around another filesystem. */
export function isWrapperProtocol(protocol: string): boolean {
  return WRAPPERS.has(protocol);
}

/** Registers an extra wrapper protocol name (for third-party layers). */
export function registerWrapperProtocol(protocol: string): void {
  WRAPPERS.add(protocol.toLowerCase());
}

function layerOptions(options: UrlOptions, protocol: string, chained: boolean): Record<string, unknown> {
  if (!chained) return options;
  const own = options[protocol];
  return own !== null && typeof own === 'object' && !Array.isArray(own) ? { ...(own as Record<string, unknown>) } : {};
}

/**
 * Parses a URL into a filesystem and a path.
 *
 * Behaviour:
 * - `s3://bucket/key` → the `s3` filesystem and `bucket/key`; a bare path is local;
 * - `a::b::s3://bucket/key` chains layers left (outermost) to right; options for each
 *   layer are keyed by its protocol (`{ s3: {...}, simplecache: {...} }`);
 * - options the URL itself implies (the class's `optionsFromUrl`, e.g. an Azure account
 *   in `abfs://container@account.dfs.core.windows.net/p`) fill in what `options` does not give;
 * - `dir::s3://bucket/prefix` roots the filesystem at the prefix and returns path `''`;
 * - malformed URLs and unknown protocols are `InvalidArgument` / `Unsupported`.
 */
export function urlToFs(url: string, options: UrlOptions = {}): FsAndPath {
  checkPath(url, 'url');
  if (url === '') throw errors.invalid('url must not be empty');
  const parts = url.split('::');
  if (parts.some((p) => p === '')) throw new FsError({ kind: 'InvalidArgument', message: `malformed chained URL ${JSON.stringify(redactUrl(url))}` });
  const chained = parts.length > 1;
  const innermost = parts[parts.length - 1]!;
  const split = splitProtocol(innermost);
  if (split === undefined && /^[a-zA-Z][a-zA-Z0-9+.-]*:(?!\/\/)/.test(innermost) && !/^[a-zA-Z]:[\\/]/.test(innermost)) {
    throw new FsError({ kind: 'InvalidArgument', message: `malformed URL ${JSON.stringify(redactUrl(innermost))}: expected protocol://path` });
  }
  const protocol = split?.protocol ?? 'file';
  const implied = split === undefined ? {} : getFileSystemClass(protocol).optionsFromUrl?.(innermost) ?? {};
  let fs = filesystem(protocol, { ...implied, ...layerOptions(options, protocol, chained) });
  let path = fs.normalize(split === undefined ? innermost : innermost);
  for (let i = parts.length - 2; i >= 0; i--) {
    const layer = parts[i]!.replace(/:\/\/$/, '').toLowerCase();
    if (!WRAPPERS.has(layer)) {
      getFileSystemClass(layer); // unknown → Unsupported with the known list
      throw new FsError({ kind: 'InvalidArgument', message: `"${layer}" cannot wrap another filesystem in a chained URL` });
    }
    const own = layerOptions(options, layer, true);
    if (layer === 'dir') {
      fs = filesystem(layer, { ...own, fs, path });
      path = '';
    } else {
      fs = filesystem(layer, { ...own, fs });
    }
  }
  return { fs, path };
}

/** Opens a URL in one call: `await open('s3://b/k', 'rb')`. */
export async function open(url: string, mode: OpenMode = 'rb', options: UrlOptions & OpenOptions = {}): Promise<RemoteFile> {
  const { blockSize, cacheBlocks, signal, ...rest } = options;
  const { fs, path } = urlToFs(url, rest);
  const openOptions: OpenOptions = {};
  if (blockSize !== undefined) openOptions.blockSize = blockSize;
  if (cacheBlocks !== undefined) openOptions.cacheBlocks = cacheBlocks;
  if (signal !== undefined) openOptions.signal = signal;
  return fs.open(path, mode, openOptions);
}
