/** URLs to filesystems: `s3://bucket/key`, chained `simplecache::s3://bucket/key`. */
import { errors, FsError } from './errors';
import type { FileSystem } from './filesystem';
import type { RemoteFile } from './file';
import { availableProtocols, filesystem, getFileSystemClass } from './registry';
import { ownOptionSchema, unknownOptionMessage } from './options';
import { checkPath, splitProtocol } from './paths';
import { redactUrl } from './secrets';
import { standInFor } from './standin';
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

/** True for an options key that holds the options of one layer (`{ s3: {...} }`). */
function isLayerKey(key: string, value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && availableProtocols().includes(key);
}

/** The protocols of a URL's layers, outermost first: `simplecache::s3://b/k` → `['simplecache', 's3']`. */
export function urlProtocols(url: string): string[] {
  return url.split('::').map((part, i, all) => {
    if (i < all.length - 1) return part.replace(/:\/\/$/, '').toLowerCase();
    return splitProtocol(part)?.protocol ?? 'file';
  });
}

/** Names under which options for a layer of `protocol` may be keyed: the name and its class's aliases. */
function namesOf(protocol: string): Set<string> {
  try {
    return new Set([protocol, ...getFileSystemClass(protocol).protocols]);
  } catch (err) {
    if (standInFor(protocol) === undefined) throw err; // a stand-in serves it without its package
    return new Set([protocol]);
  }
}

/**
 * What to do with options that do not concern a URL: `'refuse'` them (`InvalidArgument`),
 * or, for options `'shared'` by several URLs (rsync), leave out those keyed by a protocol
 * the URL lacks and flat ones its outermost layer does not take.
 */
export type OtherOptions = 'refuse' | 'shared';

/**
 * The options of each layer of a chain (outermost first), split as fsspec does: options
 * keyed by a layer's protocol (or an alias of it) go to that layer, the rest to the
 * outermost one (see {@link OtherOptions} for the rest).
 */
export function layerOptionsOf(
  protocols: readonly string[],
  options: UrlOptions,
  others: OtherOptions = 'refuse',
): Array<Record<string, unknown>> {
  const outer = others === 'shared' ? ownOptionSchema(getFileSystemClass(protocols[0]!)) : undefined;
  const names = protocols.map(namesOf);
  const out = protocols.map(() => ({}) as Record<string, unknown>);
  for (const [key, value] of Object.entries(options)) {
    const layer = names.findIndex((n) => n.has(key));
    if (layer >= 0 && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      Object.assign(out[layer]!, value);
    } else if (layer >= 0) {
      const got = value === null ? 'null' : typeof value;
      throw errors.invalid(`options keyed by protocol '${key}' must be an object, got ${got}`);
    } else if (isLayerKey(key, value)) {
      if (others === 'refuse') {
        const layers = protocols.join(', ');
        throw errors.invalid(
          `options for '${key}' were given, but the URL has no ${key} layer (its layers: ${layers})`,
        );
      }
    } else if (outer === undefined || Object.hasOwn(outer, key) || key === 'skipInstanceCache') {
      out[0]![key] = value;
    }
  }
  return out;
}

/**
 * Checks options shared by several URLs: each keyed entry must name a layer of one of
 * them and each flat one must be taken by the outermost layer of one of them.
 */
export function checkSharedOptions(urls: readonly string[], options: UrlOptions): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw errors.invalid('storage options must be an object');
  }
  const chains = urls.map(urlProtocols);
  const keyed = Object.fromEntries(Object.entries(options).filter(([k, v]) => isLayerKey(k, v)));
  layerOptionsOf([...new Set(chains.flat())], keyed, 'refuse');
  const outers = chains.map((c) => ownOptionSchema(getFileSystemClass(c[0]!)));
  if (outers.some((s) => s === undefined)) return;
  for (const key of Object.keys(options)) {
    if (isLayerKey(key, options[key]) || key === 'skipInstanceCache') continue;
    if (outers.some((s) => Object.hasOwn(s!, key))) continue;
    const names = new Set(outers.flatMap((s) => Object.keys(s!)));
    throw errors.invalid(unknownOptionMessage(key, [...new Set(chains.map((c) => c[0]))].join(' or '), names));
  }
}

/** Refuses a flat option that the outermost layer lacks but an inner one takes, saying where it belongs. */
function checkFlatOptions(protocols: readonly string[], options: UrlOptions): void {
  if (protocols.length < 2) return;
  const outer = ownOptionSchema(getFileSystemClass(protocols[0]!));
  if (outer === undefined) return;
  for (const key of Object.keys(options)) {
    if (Object.hasOwn(outer, key) || key === 'skipInstanceCache') continue;
    const inner = protocols.slice(1).find((p) => {
      const schema = ownOptionSchema(getFileSystemClass(p));
      return schema !== undefined && Object.hasOwn(schema, key);
    });
    if (inner !== undefined) {
      const where = `give it as { ${inner}: { ${key}: ... } }`;
      throw errors.invalid(`option '${key}' is for the ${inner} layer of the chained URL: ${where}`);
    }
  }
}

/**
 * Parses a URL into a filesystem and a path.
 *
 * Behaviour:
 * - `s3://bucket/key` → the `s3` filesystem and `bucket/key`; a bare path is local;
 * - `a::b::s3://bucket/key` chains layers left (outermost) to right;
 * - options keyed by a layer's protocol (`{ s3: {...}, simplecache: {...} }`) go to that
 *   layer and the others to the outermost layer, as in fsspec; options keyed by a
 *   protocol that is not in the URL are `InvalidArgument`;
 * - options the URL itself implies (the class's `optionsFromUrl`, e.g. an Azure account
 *   in `abfs://container@account.dfs.core.windows.net/p`) fill in what `options` does not give;
 * - `dir::s3://bucket/prefix` roots the filesystem at the prefix and returns path `''`;
 * - malformed URLs and unknown protocols are `InvalidArgument` / `Unsupported`.
 */
export function urlToFs(url: string, options: UrlOptions = {}): FsAndPath {
  return resolveUrl(url, options, 'refuse');
}

/**
 * `urlToFs`, choosing what happens to options that do not concern the URL (see {@link OtherOptions}).
 */
export function resolveUrl(url: string, options: UrlOptions, others: OtherOptions): FsAndPath {
  checkPath(url, 'url');
  if (url === '') throw errors.invalid('url must not be empty');
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw errors.invalid('url options must be an object');
  }
  const parts = url.split('::');
  if (parts.some((p) => p === ''))
    throw new FsError({ kind: 'InvalidArgument', message: `malformed chained URL ${JSON.stringify(redactUrl(url))}` });
  const innermost = parts[parts.length - 1]!;
  const split = splitProtocol(innermost);
  if (
    split === undefined &&
    /^[a-zA-Z][a-zA-Z0-9+.-]*:(?!\/\/)/.test(innermost) &&
    !/^[a-zA-Z]:[\\/]/.test(innermost)
  ) {
    throw new FsError({
      kind: 'InvalidArgument',
      message: `malformed URL ${JSON.stringify(redactUrl(innermost))}: expected protocol://path`,
    });
  }
  const protocols = urlProtocols(url);
  for (const layer of protocols.slice(0, -1)) {
    if (!WRAPPERS.has(layer)) {
      getFileSystemClass(layer); // unknown → Unsupported with the known list
      throw new FsError({
        kind: 'InvalidArgument',
        message: `"${layer}" cannot wrap another filesystem in a chained URL`,
      });
    }
  }
  const protocol = protocols[protocols.length - 1]!;
  const perLayer = layerOptionsOf(protocols, options, others);
  checkFlatOptions(protocols, perLayer[0]!);
  let implied: Record<string, unknown> = {};
  try {
    if (split !== undefined) implied = getFileSystemClass(protocol).optionsFromUrl?.(innermost) ?? {};
  } catch (err) {
    if (standInFor(protocol) === undefined) throw err; // a stand-in serves it without its package
  }
  let fs = filesystem(protocol, { ...implied, ...perLayer[protocols.length - 1] });
  let path = fs.normalize(innermost);
  for (let i = protocols.length - 2; i >= 0; i--) {
    const layer = protocols[i]!;
    if (layer === 'dir') {
      fs = filesystem(layer, { ...perLayer[i], fs, path });
      path = '';
    } else {
      fs = filesystem(layer, { ...perLayer[i], fs });
    }
  }
  return { fs, path };
}

/**
 * Refuses user-info in a URL of an object store (`s3://user:secret@bucket/key`): bucket
 * names cannot hold `@`, and credentials belong in options, never in a path that may be
 * logged. The message shows the URL with the user-info redacted. Also refuses an empty
 * bucket before a key (`s3:///key`); `s3://` alone names the root (the bucket list), as in fsspec.
 */
export function checkObjectStoreUrl(path: string, protocols: readonly string[]): void {
  const split = splitProtocol(path);
  if (split === undefined || !protocols.includes(split.protocol)) return;
  checkObjectStoreAuthority(path, split);
}

/** {@link checkObjectStoreUrl} of a URL already split, whose protocol is the store's. */
export function checkObjectStoreAuthority(path: string, split: { protocol: string; rest: string }): void {
  const authority = split.rest.split('/', 1)[0]!;
  if (authority.includes('@')) {
    const url = redactUrl(path);
    throw errors.invalid(`URL ${url} has user-info before '@': give credentials as options, not in the URL`);
  }
  if (authority === '' && split.rest.length > 0 && /[^/]/.test(split.rest)) {
    const url = redactUrl(path);
    const expected = `${split.protocol}://bucket/key`;
    throw errors.invalid(`URL ${url} has an empty bucket name before the key (expected ${expected})`);
  }
}

/** Opens a URL in one call: `await open('s3://b/k', 'rb')`. */
export async function open(
  url: string,
  mode: OpenMode = 'rb',
  options: UrlOptions & OpenOptions = {},
): Promise<RemoteFile> {
  const { blockSize, cacheBlocks, signal, ...rest } = options;
  const { fs, path } = urlToFs(url, rest);
  const openOptions: OpenOptions = {};
  if (blockSize !== undefined) openOptions.blockSize = blockSize;
  if (cacheBlocks !== undefined) openOptions.cacheBlocks = cacheBlocks;
  if (signal !== undefined) openOptions.signal = signal;
  return fs.open(path, mode, openOptions);
}

/**
 * An address given as a URL or as `host:port` (as curl, gcsfs and the proxy variables take
 * it), as a URL string: `host:port` becomes `http://host:port`; one with a scheme is kept.
 */
export function withHttpScheme(value: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
}
