/**
 * The registry: protocol name → FileSystem class, loaded lazily from its package the
 * first time it is asked for, with instance caching and options from the environment.
 */
import { createRequire } from 'node:module';
import { FsError } from './errors';
import type { FileSystem } from './filesystem';
import { checkPath } from './paths';

/** A FileSystem class as the registry builds it. */
export interface FileSystemClass {
  new (options?: Record<string, unknown>): FileSystem;
  readonly protocols: readonly string[];
  /**
   * Options a URL of this protocol implies (e.g. the account in
   * `abfs://container@account.dfs.core.windows.net/path`); `urlToFs` uses them where the
   * caller's options say nothing else.
   */
  optionsFromUrl?(url: string): Record<string, unknown>;
}

/** Where a known protocol's implementation lives: a package and its export. */
export interface KnownImplementation {
  pkg: string;
  exportName: string;
}

const known = (pkg: string, exportName: string): KnownImplementation => ({ pkg, exportName });

/** Protocols omnifs knows, with the package that implements each. */
export const KNOWN_IMPLEMENTATIONS: Record<string, KnownImplementation> = {
  file: known('@omnifs/local', 'LocalFileSystem'),
  local: known('@omnifs/local', 'LocalFileSystem'),
  memory: known('@omnifs/memory', 'MemoryFileSystem'),
  s3: known('@omnifs/s3', 'S3FileSystem'),
  s3a: known('@omnifs/s3', 'S3FileSystem'),
  gs: known('@omnifs/gcs', 'GCSFileSystem'),
  gcs: known('@omnifs/gcs', 'GCSFileSystem'),
  az: known('@omnifs/azure', 'AzureBlobFileSystem'),
  abfs: known('@omnifs/azure', 'AzureBlobFileSystem'),
  abfss: known('@omnifs/azure', 'AzureBlobFileSystem'),
  azure: known('@omnifs/azure', 'AzureBlobFileSystem'),
  hdfs: known('@omnifs/hdfs', 'HDFSFileSystem'),
  webhdfs: known('@omnifs/hdfs', 'HDFSFileSystem'),
};

/** Layers shipped in core, loaded on first use. */
const BUILTIN_LAYERS: Readonly<Record<string, () => FileSystemClass>> = {
  dir: () => (require('./layers/dir') as { DirFileSystem: FileSystemClass }).DirFileSystem,
  retry: () => (require('./layers/retry') as { RetryFileSystem: FileSystemClass }).RetryFileSystem,
  simplecache: () => (require('./layers/simplecache') as { SimpleCacheFileSystem: FileSystemClass }).SimpleCacheFileSystem,
  blockcache: () => (require('./layers/blockcache') as { BlockCacheFileSystem: FileSystemClass }).BlockCacheFileSystem,
  listcache: () => (require('./layers/listcache') as { ListingCacheFileSystem: FileSystemClass }).ListingCacheFileSystem,
  limit: () => (require('./layers/limit') as { LimitFileSystem: FileSystemClass }).LimitFileSystem,
  timeout: () => (require('./layers/timeout') as { TimeoutFileSystem: FileSystemClass }).TimeoutFileSystem,
};

const registry = new Map<string, FileSystemClass>();
const instances = new Map<string, FileSystem>();

/**
 * Adds or replaces the implementation of a protocol.
 *
 * Behaviour: replacing an already registered protocol needs `clobber: true`, otherwise it is
 * an `AlreadyExists` FsError. The class's own `protocols` are not registered implicitly.
 */
export function registerImplementation(protocol: string, implementation: FileSystemClass, options: { clobber?: boolean } = {}): void {
  const name = checkProtocol(protocol);
  if (typeof implementation !== 'function') {
    throw new FsError({ kind: 'InvalidArgument', message: `implementation of "${name}" must be a FileSystem class` });
  }
  const existing = registry.get(name);
  if (existing !== undefined && existing !== implementation && !options.clobber) {
    throw new FsError({ kind: 'AlreadyExists', message: `protocol "${name}" is already registered (pass { clobber: true } to replace it)` });
  }
  registry.set(name, implementation);
}

/**
 * Declares that `protocol` is implemented by `exportName` of package `pkg`, loaded on first
 * use (how third-party backends make themselves known without being imported first).
 */
export function registerKnownImplementation(protocol: string, where: KnownImplementation): void {
  const name = checkProtocol(protocol);
  if (typeof where?.pkg !== 'string' || typeof where.exportName !== 'string') {
    throw new FsError({ kind: 'InvalidArgument', message: 'a known implementation needs { pkg, exportName } strings' });
  }
  KNOWN_IMPLEMENTATIONS[name] = { pkg: where.pkg, exportName: where.exportName };
}

/** Removes a registered implementation; a known protocol then loads its package again. */
export function unregisterImplementation(protocol: string): void {
  registry.delete(checkProtocol(protocol));
}

/** Every protocol that can be asked for: registered ones and the known packages. */
export function availableProtocols(): string[] {
  return [...new Set([...Object.keys(KNOWN_IMPLEMENTATIONS), ...Object.keys(BUILTIN_LAYERS), ...registry.keys()])].sort();
}

/** Empties the instance cache. */
export function clearInstanceCache(): void {
  instances.clear();
}

function checkProtocol(protocol: unknown): string {
  if (typeof protocol !== 'string' || protocol === '') {
    throw new FsError({ kind: 'InvalidArgument', message: `protocol must be a non-empty string, got ${protocol === '' ? 'an empty string' : typeof protocol}` });
  }
  const name = protocol.toLowerCase();
  if (!/^[a-z][a-z0-9+.-]*$/.test(name)) {
    throw new FsError({ kind: 'InvalidArgument', message: `protocol ${JSON.stringify(protocol)} is not a valid name` });
  }
  return name;
}

function requireFrom(pkg: string): Record<string, unknown> {
  const attempts = [require, createRequire(`${process.cwd()}/`)];
  let lastError: unknown;
  for (const req of attempts) {
    try {
      return req(pkg) as Record<string, unknown>;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== 'MODULE_NOT_FOUND' || !String((err as Error).message).includes(pkg)) throw err;
      lastError = err;
    }
  }
  throw lastError;
}

/** The class for a protocol, loading its package on first use. */
export function getFileSystemClass(protocol: string): FileSystemClass {
  const name = checkProtocol(protocol);
  const registered = registry.get(name);
  if (registered !== undefined) return registered;
  const layer = BUILTIN_LAYERS[name];
  if (layer !== undefined) {
    const cls = layer();
    registry.set(name, cls);
    return cls;
  }
  const where = KNOWN_IMPLEMENTATIONS[name];
  if (where === undefined) {
    throw new FsError({ kind: 'Unsupported', message: `unknown protocol "${name}"; known protocols: ${availableProtocols().join(', ')}` });
  }
  let mod: Record<string, unknown>;
  try {
    mod = requireFrom(where.pkg);
  } catch (err) {
    throw new FsError({
      kind: 'Unsupported',
      message: `protocol "${name}" needs the package ${where.pkg}: npm install ${where.pkg}`,
      cause: err,
    });
  }
  const cls = mod[where.exportName] as FileSystemClass | undefined;
  if (typeof cls !== 'function') {
    throw new FsError({ kind: 'Unexpected', message: `${where.pkg} does not export ${where.exportName}` });
  }
  if (!registry.has(name)) registry.set(name, cls);
  return cls;
}

/** `OMNIFS_S3_ENDPOINT=...` → `{ endpoint: '...' }`; `true`, `false` and numbers are parsed. */
export function optionsFromEnv(protocol: string, env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const prefix = `OMNIFS_${protocol.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_`;
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(env)) {
    if (!key.startsWith(prefix) || raw === undefined || key.length === prefix.length) continue;
    const name = key.slice(prefix.length).toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    out[name] = raw === 'true' ? true : raw === 'false' ? false : /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  }
  return out;
}

const objectIds = new WeakMap<object, number>();
let nextObjectId = 1;

/** A cache key for options: plain data by value, functions and class instances by identity. */
function cacheKey(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'function') return `fn#${idOf(value)}`;
    return JSON.stringify(value) ?? 'undefined';
  }
  if (Array.isArray(value)) return `[${value.map(cacheKey).join(',')}]`;
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto !== Object.prototype && proto !== null) return `obj#${idOf(value)}`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${cacheKey((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

function idOf(value: object): number {
  let id = objectIds.get(value);
  if (id === undefined) {
    id = nextObjectId++;
    objectIds.set(value, id);
  }
  return id;
}

/**
 * A filesystem for a protocol. Synchronous; every I/O method of the result is async.
 *
 * Behaviour:
 * - an unknown protocol, or one whose package is not installed, is an `Unsupported`
 *   FsError naming the known protocols or the `npm install` to run;
 * - options from `OMNIFS_<PROTOCOL>_<OPTION>` variables fill in what is not given;
 * - equal protocol and options give the same instance, unless `skipInstanceCache`.
 */
export function filesystem(protocol: string, options: Record<string, unknown> = {}): FileSystem {
  const name = checkProtocol(protocol);
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new FsError({ kind: 'InvalidArgument', message: `options must be an object, got ${options === null ? 'null' : Array.isArray(options) ? 'array' : typeof options}` });
  }
  const cls = getFileSystemClass(name);
  const canonical = cls.protocols[0] ?? name;
  const { skipInstanceCache, ...rest } = options;
  const merged = { ...optionsFromEnv(canonical), ...(canonical !== name ? optionsFromEnv(name) : {}), ...rest };
  if (skipInstanceCache) return new cls(merged);
  const key = `${canonical}:${cls.name}:${cacheKey(merged)}`;
  let fs = instances.get(key);
  if (fs === undefined) {
    fs = new cls(merged);
    instances.set(key, fs);
  }
  return fs;
}

/** The local-disk filesystem that `put` and `get` use; needs `@omnifs/local`. */
export function localFileSystem(): FileSystem {
  return filesystem('file');
}

/** Validates a URL argument. */
export function checkUrl(url: unknown): string {
  return checkPath(url, 'url');
}
