/**
 * The registry: protocol name → FileSystem class, loaded lazily from its package the
 * first time it is asked for, with instance caching and options from the environment.
 */
import { createRequire } from 'node:module';
import { isAbsolute } from 'node:path';
import { FsError } from './errors';
import type { FileSystem } from './filesystem';
import type {
  BlockCacheFileSystem,
  BlockCacheOptions,
  DirFileSystem,
  DirOptions,
  LimitFileSystem,
  LimitOptions,
  ListingCacheFileSystem,
  ListingCacheOptions,
  RetryFileSystem,
  RetryOptions,
  SimpleCacheFileSystem,
  SimpleCacheOptions,
  TimeoutFileSystem,
  TimeoutLayerOptions,
} from './layers/index';
import type { LocalFileSystem, LocalOptions } from './local/index';
import { checkPath } from './paths';
import { provideLocalDisk } from './localdisk';
import { standInFor, standInHandle } from './standin';
import { ownOptionSchema, parseEnvValue, validateOptions, type OptionSchema } from './options';
import type { EnvironmentSetting } from './types';

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
  /** The options the class takes; `filesystem()` checks them (see `defineOptions`). */
  readonly optionSchema?: OptionSchema | undefined;
  /** Environment variables read when an instance is made; part of the instance cache's key. */
  readonly environment?: readonly string[];
  /** What the environment configures, with `options` in force, secrets hidden (see `FileSystemBase.environmentSettings`). */
  environmentSettings?(env?: NodeJS.ProcessEnv, options?: Readonly<Record<string, unknown>>): EnvironmentSetting[];
}

/**
 * Protocol name → its options and filesystem class, for typing `filesystem()`. Each
 * protocol package adds its own names by declaration merging:
 *
 * ```ts
 * declare module '@omnifs/core' {
 *   interface ProtocolRegistry {
 *     s3: { options: S3Options; fs: S3FileSystem };
 *   }
 * }
 * ```
 *
 * A protocol not named here (a third-party one) is still accepted, with generic types.
 */
export interface ProtocolRegistry {
  file: { options: LocalOptions; fs: LocalFileSystem };
  local: { options: LocalOptions; fs: LocalFileSystem };
  dir: { options: DirOptions; fs: DirFileSystem };
  retry: { options: RetryOptions; fs: RetryFileSystem };
  simplecache: { options: SimpleCacheOptions; fs: SimpleCacheFileSystem };
  blockcache: { options: BlockCacheOptions; fs: BlockCacheFileSystem };
  listcache: { options: ListingCacheOptions; fs: ListingCacheFileSystem };
  limit: { options: LimitOptions; fs: LimitFileSystem };
  timeout: { options: TimeoutLayerOptions; fs: TimeoutFileSystem };
}

/** The options type of `filesystem(protocol)`: the registered one, else any record. */
export type OptionsOf<P extends string> = P extends keyof ProtocolRegistry
  ? ProtocolRegistry[P] extends { options: infer O extends object }
    ? O
    : Record<string, unknown>
  : Record<string, unknown>;

/** The filesystem type `filesystem(protocol)` returns: the registered class, else `FileSystem`. */
export type FileSystemOf<P extends string> = P extends keyof ProtocolRegistry
  ? ProtocolRegistry[P] extends { fs: infer F extends FileSystem }
    ? F
    : FileSystem
  : FileSystem;

/** Where a known protocol's implementation lives: a package and its export. */
export interface KnownImplementation {
  pkg: string;
  exportName: string;
  /** The class's `urlAuthority` when it is `'host'`, known before its package is loaded (a stand-in needs it). */
  urlAuthority?: 'host';
}

const known = (pkg: string, exportName: string, urlAuthority?: 'host'): KnownImplementation =>
  urlAuthority === undefined ? { pkg, exportName } : { pkg, exportName, urlAuthority };

/**
 * The registry's state, one per process: kept on `globalThis` under a `Symbol.for` key, so
 * every copy of core in an app (its ESM and CommonJS builds, or two installed versions)
 * registers into and reads from the same tables.
 */
interface RegistryState {
  readonly known: Record<string, KnownImplementation>;
  readonly registry: Map<string, FileSystemClass>;
  readonly instances: Map<string, FileSystem>;
  readonly objectIds: WeakMap<object, number>;
  nextObjectId: number;
}

const STATE_KEY = Symbol.for('omnifs.registry');
const state: RegistryState = ((globalThis as { [STATE_KEY]?: RegistryState })[STATE_KEY] ??= {
  // No prototype: a protocol named `constructor` or `toString` is simply unknown.
  known: Object.assign(Object.create(null) as Record<string, KnownImplementation>, {
    memory: known('@omnifs/memory', 'MemoryFileSystem'),
    s3: known('@omnifs/s3', 'S3FileSystem'),
    s3a: known('@omnifs/s3', 'S3FileSystem'),
    gs: known('@omnifs/gcs', 'GCSFileSystem'),
    gcs: known('@omnifs/gcs', 'GCSFileSystem'),
    az: known('@omnifs/azure', 'AzureBlobFileSystem'),
    abfs: known('@omnifs/azure', 'AzureBlobFileSystem'),
    abfss: known('@omnifs/azure', 'AzureBlobFileSystem'),
    azure: known('@omnifs/azure', 'AzureBlobFileSystem'),
    hdfs: known('@omnifs/hdfs', 'HDFSFileSystem', 'host'),
    webhdfs: known('@omnifs/hdfs', 'HDFSFileSystem', 'host'),
  }),
  registry: new Map(),
  instances: new Map(),
  objectIds: new WeakMap(),
  nextObjectId: 1,
});

/** Protocols omnifs knows, with the package that implements each. */
export const KNOWN_IMPLEMENTATIONS: Record<string, KnownImplementation> = state.known;

/** Layers and the local-disk filesystem, shipped in core and loaded on first use. */
const BUILTIN_LAYERS: Readonly<Record<string, () => FileSystemClass>> = {
  dir: () => (require('./layers/dir') as { DirFileSystem: FileSystemClass }).DirFileSystem,
  retry: () => (require('./layers/retry') as { RetryFileSystem: FileSystemClass }).RetryFileSystem,
  simplecache: () =>
    (require('./layers/simplecache') as { SimpleCacheFileSystem: FileSystemClass }).SimpleCacheFileSystem,
  blockcache: () => (require('./layers/blockcache') as { BlockCacheFileSystem: FileSystemClass }).BlockCacheFileSystem,
  listcache: () =>
    (require('./layers/listcache') as { ListingCacheFileSystem: FileSystemClass }).ListingCacheFileSystem,
  limit: () => (require('./layers/limit') as { LimitFileSystem: FileSystemClass }).LimitFileSystem,
  file: () => (require('./local/filesystem') as { LocalFileSystem: FileSystemClass }).LocalFileSystem,
  local: () => (require('./local/filesystem') as { LocalFileSystem: FileSystemClass }).LocalFileSystem,
  timeout: () => (require('./layers/timeout') as { TimeoutFileSystem: FileSystemClass }).TimeoutFileSystem,
};

const { registry, instances } = state;

/**
 * Adds or replaces the implementation of a protocol.
 *
 * Behaviour: replacing an already registered protocol needs `clobber: true`, otherwise it is
 * an `AlreadyExists` FsError. The class's own `protocols` are not registered implicitly.
 */
export function registerImplementation(
  protocol: string,
  implementation: FileSystemClass,
  options: { clobber?: boolean } = {},
): void {
  const name = checkProtocol(protocol);
  if (typeof implementation !== 'function') {
    throw new FsError({ kind: 'InvalidArgument', message: `implementation of "${name}" must be a FileSystem class` });
  }
  const existing = registry.get(name);
  if (existing !== undefined && existing !== implementation && !options.clobber) {
    throw new FsError({
      kind: 'AlreadyExists',
      message: `protocol "${name}" is already registered (pass { clobber: true } to replace it)`,
    });
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
  return [
    ...new Set([...Object.keys(KNOWN_IMPLEMENTATIONS), ...Object.keys(BUILTIN_LAYERS), ...registry.keys()]),
  ].sort();
}

/** Empties the instance cache. */
export function clearInstanceCache(): void {
  instances.clear();
}

function checkProtocol(protocol: unknown): string {
  if (typeof protocol !== 'string' || protocol === '') {
    throw new FsError({
      kind: 'InvalidArgument',
      message: `protocol must be a non-empty string, got ${protocol === '' ? 'an empty string' : typeof protocol}`,
    });
  }
  const name = protocol.toLowerCase();
  if (!/^[a-z][a-z0-9+.-]*$/.test(name)) {
    throw new FsError({ kind: 'InvalidArgument', message: `protocol ${JSON.stringify(protocol)} is not a valid name` });
  }
  return name;
}

/** Thrown by {@link requireFrom} when the package itself is found nowhere. */
class PackageMissing extends Error {}

/**
 * Loads `pkg` from core's own place, else from the app's entry script's directory, else
 * from the working directory: under a strict layout (pnpm without hoisting, Yarn PnP)
 * core sees only its own dependencies, and the app's protocol packages are the app's.
 * A package found whose own dependency is missing fails with that error, not as missing.
 */
function requireFrom(pkg: string): Record<string, unknown> {
  const places = [process.argv[1], `${process.cwd()}/`].filter((p): p is string => typeof p === 'string' && p !== '');
  const attempts = [require, ...places.map((p) => createRequire(isAbsolute(p) ? p : `${process.cwd()}/`))];
  for (const req of attempts) {
    try {
      return req(pkg) as Record<string, unknown>;
    } catch (err) {
      if ((err as { code?: string }).code !== 'MODULE_NOT_FOUND' || missingModule(err) !== pkg) throw err;
    }
  }
  throw new PackageMissing(`Cannot find module '${pkg}'`);
}

/**
 * The module a `MODULE_NOT_FOUND` error says is missing: Node's "Cannot find module 'x'",
 * or Yarn PnP's "... tried to access x, but it isn't declared ...".
 */
function missingModule(err: unknown): string | undefined {
  const message = String((err as Error)?.message ?? '');
  return (/^Cannot find module '([^']+)'/.exec(message) ?? / tried to access ([^\s,]+),/.exec(message))?.[1];
}

/** The first line of an error's message (Node's require errors add their require stack). */
function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0]!;
}

/** fsspec's layers omnifs has no twin of, and what comes nearest here. */
const FSSPEC_NEAREST: Readonly<Record<string, string>> = {
  filecache:
    "fsspec's filecache (whole files on disk, with metadata to check them) is not provided; simplecache:: keeps whole files on disk unchecked, blockcache:: blocks in memory pinned to each file's version",
  cached: "fsspec's cached (blocks on disk) is blockcache:: here, its blocks kept in memory",
};

/** The class for a protocol, loading its package on first use. */
export function getFileSystemClass(protocol: string): FileSystemClass {
  const name = checkProtocol(protocol);
  const registered = registry.get(name);
  if (registered !== undefined) return registered;
  const layer = Object.hasOwn(BUILTIN_LAYERS, name) ? BUILTIN_LAYERS[name] : undefined;
  if (layer !== undefined) {
    const cls = layer();
    registry.set(name, cls);
    return cls;
  }
  const where = Object.hasOwn(KNOWN_IMPLEMENTATIONS, name) ? KNOWN_IMPLEMENTATIONS[name] : undefined;
  if (where === undefined) {
    const nearest = Object.hasOwn(FSSPEC_NEAREST, name) ? `; ${FSSPEC_NEAREST[name]}` : '';
    throw new FsError({
      kind: 'Unsupported',
      message: `unknown protocol "${name}"${nearest}; known protocols: ${availableProtocols().join(', ')}`,
    });
  }
  let mod: Record<string, unknown>;
  try {
    mod = requireFrom(where.pkg);
  } catch (err) {
    if (err instanceof PackageMissing) {
      throw new FsError({
        kind: 'Unsupported',
        message:
          `protocol "${name}" needs the package ${where.pkg}: npm install ${where.pkg}` +
          ` (in a bundle, also import '${where.pkg}' in the app)`,
        cause: err,
      });
    }
    throw new FsError({
      kind: 'Unexpected',
      message: `protocol "${name}": ${where.pkg} is installed but does not load (${firstLine(err)}): reinstall it`,
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

/** Options from `OMNIFS_<PROTOCOL>_<OPTION>` variables, and the variable that gave each. */
export interface EnvOptions {
  options: Record<string, unknown>;
  /** Option name → variable name, for messages. */
  sources: Record<string, string>;
}

/**
 * `OMNIFS_S3_ENDPOINT=...` → `{ endpoint: '...' }`, with each value parsed as the schema's
 * type (`true`/`false`, numbers, JSON objects); without a schema `true`, `false` and
 * numbers are parsed.
 */
export function envOptions(protocol: string, schema?: OptionSchema, env: NodeJS.ProcessEnv = process.env): EnvOptions {
  const prefix = `OMNIFS_${protocol.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_`;
  const options: Record<string, unknown> = {};
  const sources: Record<string, string> = {};
  for (const [key, raw] of Object.entries(env)) {
    if (!key.startsWith(prefix) || raw === undefined || key.length === prefix.length) continue;
    const name = key
      .slice(prefix.length)
      .toLowerCase()
      .replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    options[name] = parseEnvValue(raw, schema !== undefined && Object.hasOwn(schema, name) ? schema[name] : undefined);
    sources[name] = key;
  }
  return { options, sources };
}

/** `OMNIFS_S3_ENDPOINT=...` → `{ endpoint: '...' }` (see {@link envOptions}). */
export function optionsFromEnv(
  protocol: string,
  env: NodeJS.ProcessEnv = process.env,
  schema?: OptionSchema,
): Record<string, unknown> {
  return envOptions(protocol, schema, env).options;
}

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
  let id = state.objectIds.get(value);
  if (id === undefined) {
    id = state.nextObjectId++;
    state.objectIds.set(value, id);
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
 * - an option the protocol does not take, or of the wrong type, is `InvalidArgument`
 *   naming the nearest valid option (and the variable, for one from the environment);
 * - equal protocol and options give the same instance, unless `skipInstanceCache`;
 * - typed: `filesystem('s3', options)` takes `S3Options` and returns `S3FileSystem` once
 *   `@omnifs/s3` is installed (see {@link ProtocolRegistry}).
 * - the result is a handle that a stand-in (`useMemoryFor` of `@omnifs/memory`) redirects
 *   while it is installed, whenever the handle was made.
 */
export function filesystem<P extends string>(protocol: P, options?: OptionsOf<P>): FileSystemOf<P>;
export function filesystem(protocol: string, given: object = {}): FileSystemOf<string> {
  const name = checkProtocol(protocol);
  const options = given as Record<string, unknown>;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new FsError({
      kind: 'InvalidArgument',
      message: `options must be an object, got ${options === null ? 'null' : Array.isArray(options) ? 'array' : typeof options}`,
    });
  }
  let cls: FileSystemClass;
  try {
    cls = getFileSystemClass(name);
  } catch (err) {
    // A stand-in serves a protocol whose package is not installed (until it is removed).
    if (standInFor(name) === undefined) throw err;
    return standInHandle([name], undefined, options, err);
  }
  const canonical = cls.protocols[0] ?? name;
  const { skipInstanceCache, ...rest } = options;
  const schema = ownOptionSchema(cls);
  const fromEnv = envOptions(canonical, schema);
  const aliasEnv = canonical !== name ? envOptions(name, schema) : { options: {}, sources: {} };
  const merged = { ...fromEnv.options, ...aliasEnv.options, ...rest };
  if (schema !== undefined) {
    const sources: Record<string, string> = { ...fromEnv.sources, ...aliasEnv.sources };
    for (const k of Object.keys(rest)) delete sources[k];
    validateOptions({ ...merged, skipInstanceCache }, schema, name, sources);
  }
  // A handle, not the bare instance, so a stand-in installed later (useMemoryFor) redirects it.
  if (skipInstanceCache) return standInHandle([name, ...cls.protocols], new cls(merged), merged);
  const environment = Object.fromEntries((cls.environment ?? []).map((v) => [v, process.env[v]]));
  const key = `${canonical}:${cls.name}:${cacheKey(merged)}:${cacheKey(environment)}`;
  let fs = instances.get(key);
  if (fs === undefined) {
    fs = standInHandle([name, ...cls.protocols], new cls(merged), merged);
    instances.set(key, fs);
  }
  return fs;
}

/** The local-disk filesystem that `put` and `get` use (core's own, `file`). */
export function localFileSystem(): FileSystem {
  return filesystem('file');
}

provideLocalDisk(localFileSystem);

/** Validates a URL argument. */
export function checkUrl(url: unknown): string {
  return checkPath(url, 'url');
}
