/**
 * The memory stand-in: for the length of a test suite, protocols such as `s3` are served
 * from memory, with the rules of the store they replace, and the test sees what happened
 * (files, request counts) and can inject failures and latency.
 */
import { FsError, getFileSystemClass, type ErrorKind, type FileSystem } from '@omnifs/core';
import {
  checkMethodOptions,
  installStandIn,
  KNOWN_IMPLEMENTATIONS,
  localPath,
  NODE_CODES,
  splitProtocol,
  standInChanged,
  type StandInView,
} from '@omnifs/core/backend';
import { MemoryFileSystem, resetSharedVolume } from './filesystem';
import { MemoryObjectStore, type StoreView } from './objectstore';
import { serviceError, STORE_RULES, type StoreRules } from './rules';
import { instrument, OPERATIONS, type Operation, type Recorder } from './recorder';

export { OPERATIONS, type Operation } from './recorder';

/** Options of {@link memoryStandIn}. */
export interface StandInOptions {
  /** Milliseconds every request waits before it runs (default 0); also settable on the handle. */
  latencyMs?: number;
}

/** Options of {@link StandIn.failNext}. */
export interface FailOptions {
  /** How many of the next requests fail (default 1). */
  times?: number;
}

/**
 * A running stand-in (see {@link memoryStandIn}).
 *
 * ```ts
 * const standIn = memoryStandIn(['s3']);
 * standIn.failNext('put', 'RateLimited');
 * // ... code under test ...
 * expect(standIn.files()).to.deep.equal({ 's3://reports/q4.csv': 'a,1' });
 * expect(standIn.calls.put).to.equal(2);
 * standIn.restore();
 * ```
 */
export interface StandIn {
  /** Every protocol name served, aliases included (`['s3', 's3a']`). */
  readonly protocols: readonly string[];
  /** Requests made so far, by operation (see {@link Operation}), over all its protocols. */
  readonly calls: Readonly<Record<Operation, number>>;
  /** Milliseconds every request waits before it runs. */
  latencyMs: number;
  /** The stand-in filesystem of a protocol (default: the first one given). */
  fs(protocol?: string): FileSystem;
  /**
   * Makes the next request of `operation` (or the next `times`) fail with the error the
   * real backend raises for `kind` (default `Unexpected`, a 500): same kind, code and
   * `temporary` (`RateLimited` is S3's SlowDown, GCS's 429, Azure's ServerBusy).
   */
  failNext(operation: Operation, kind?: ErrorKind, options?: FailOptions): void;
  /** Every file as `protocol://path` → its content as UTF-8 text. */
  files(): Record<string, string>;
  /** Every file as `protocol://path` → a copy of its bytes. */
  snapshot(): Record<string, Uint8Array>;
  /**
   * Writes files given as `protocol://path` → content, creating buckets as needed; a key
   * ending in `/` is a directory marker, as written by other S3 tools.
   */
  seed(files: Record<string, string | Uint8Array>): void;
  /** Empties the stores, zeroes `calls` and drops pending failures. */
  reset(): void;
  /** Gives the protocols back to their real backends (safe to call twice). */
  restore(): void;
}

interface Served {
  names: string[];
  canonical: string;
  fs: MemoryObjectStore | MemoryFileSystem;
  rules: StoreRules | undefined;
}

/**
 * The running stand-ins, the process's as the stand-in itself is: one set for every copy
 * of this package (`jest.resetModules()` loads another), so `resetMemoryStore()` from any
 * copy empties them all.
 */
const active: Set<StandIn> = ((globalThis as Record<symbol, unknown>)[Symbol.for('omnifs.memory.activeStandIns')] ??=
  new Set<StandIn>()) as Set<StandIn>;

/** Resets every running stand-in (`resetMemoryStore` calls it). */
export function resetStandIns(): void {
  for (const s of active) s.reset();
}

/** Empties the shared store and the stores of running stand-ins (for test `afterEach` hooks). */
export function resetMemoryStore(): void {
  resetSharedVolume();
  resetStandIns();
  standInChanged();
}

/**
 * The protocol names `p` brings (see {@link protocolFamily}), the registry asked once.
 * Refuses what cannot name a protocol (`s3://`, `s3:`, `'S3 '`) and a name neither omnifs
 * knows nor a package registered (`aws`): the stand-in would serve nothing the app uses,
 * and the app would reach the real service.
 */
function familyToServe(p: string): string[] {
  const invalid = (why: string): FsError =>
    new FsError({ kind: 'InvalidArgument', message: `memoryStandIn: ${JSON.stringify(p)} ${why}` });
  if (!/^[a-z][a-z0-9+.-]*$/i.test(p)) {
    const bare = /^([a-z][a-z0-9+.-]*)(:|:\/\/)?\s*$/i.exec(p.trim());
    throw invalid(`is not a protocol name${bare ? `; write '${bare[1]}'` : ''}`);
  }
  const name = p.toLowerCase();
  const known = knownFamily(name);
  if (known !== undefined) return known;
  try {
    return registeredFamily(name, getFileSystemClass(name));
  } catch {
    const names = Object.keys(KNOWN_IMPLEMENTATIONS).sort().join(', ');
    throw invalid(`is no protocol omnifs knows (${names}) nor one a loaded package registered`);
  }
}

/** Refuses options that are not an object, and option names `method` does not take (`signal` among them). */
function checkKeys(options: object, known: readonly string[], method: string): void {
  if (options === null || typeof options !== 'object')
    throw new FsError({ kind: 'InvalidArgument', message: `${method}'s options must be an object` });
  checkMethodOptions(options, method, known, { signal: false });
}

/** The protocol names served by one implementation: `s3` → `['s3', 's3a']`, `gcs` → `['gs', 'gcs']`. */
export function protocolFamily(protocol: string): string[] {
  const name = protocol.toLowerCase();
  const known = knownFamily(name);
  if (known !== undefined) return known;
  try {
    return registeredFamily(name, getFileSystemClass(name));
  } catch {
    return [name]; // not installed: the stand-in serves the name alone
  }
}

/** The names omnifs's table gives the implementation of `name`; undefined for a name not in it. */
function knownFamily(name: string): string[] | undefined {
  const where = KNOWN_IMPLEMENTATIONS[name];
  if (where === undefined) return undefined;
  return Object.entries(KNOWN_IMPLEMENTATIONS)
    .filter(([, w]) => w.pkg === where.pkg && w.exportName === where.exportName)
    .map(([p]) => p);
}

/** `name` and the names its registered class serves. */
function registeredFamily(name: string, cls: { readonly protocols: readonly string[] }): string[] {
  return [...new Set([name, ...cls.protocols])];
}

function named<T extends abstract new (...args: never[]) => unknown>(cls: T, names: string[]): T {
  Object.defineProperty(cls, 'protocols', { value: names });
  // Paths as the real backend reads them: `hdfs://nameservice/a` is `/a`.
  Object.defineProperty(cls, 'urlAuthority', { value: urlAuthorityOf(names) });
  Object.defineProperty(cls, 'name', { value: 'MemoryStandIn' });
  return cls;
}

/** The real class's `urlAuthority` (from the known table when its package is not installed). */
function urlAuthorityOf(names: string[]): 'path' | 'host' {
  for (const name of names) {
    if (KNOWN_IMPLEMENTATIONS[name]?.urlAuthority === 'host') return 'host';
    try {
      if ((getFileSystemClass(name) as { urlAuthority?: string }).urlAuthority === 'host') return 'host';
    } catch {
      // not installed: the known table decides
    }
  }
  return 'path';
}

/**
 * Local disk's stand-in: paths read as the local backend reads them, relative ones,
 * `file://rel` and `file://` against the working directory, `~` as the home directory.
 */
class LocalDiskStandIn extends MemoryFileSystem {
  override normalize(path: unknown): string {
    return localPath(path);
  }
}

function build(names: string[]): Served {
  const canonical = names[0]!;
  const rules = STORE_RULES[canonical];
  if (rules !== undefined) {
    const cls = named(
      class extends MemoryObjectStore {
        constructor(options: object = {}, view?: StoreView) {
          super(rules!, options, view);
        }
      },
      names,
    );
    return { names, canonical, rules, fs: new cls() };
  }
  const cls = named(class extends (names.includes('file') ? LocalDiskStandIn : MemoryFileSystem) {}, names);
  return { names, canonical, rules: undefined, fs: new cls({ store: 'private' }) };
}

function injected(served: Served, kind: ErrorKind): FsError {
  if (served.rules === undefined) {
    return new FsError({
      kind,
      message: `injected ${kind} (${served.canonical} stand-in)`,
      temporary: kind === 'RateLimited' || kind === 'Unexpected',
    });
  }
  const which = (
    {
      NotFound: 'noSuchKey',
      ConditionNotMatch: 'conditionFailed',
      NotEmpty: 'bucketNotEmpty',
      AlreadyExists: 'bucketExists',
    } as const
  )[kind as string];
  return serviceError(served.rules, which ?? kind, kind);
}

/**
 * The views of an object store's stand-in for handles whose options change what it
 * writes (S3's `writeParams.ContentType`): the same buckets, counts and failures.
 */
function viewsOf(served: Served, recorder: Recorder): StandInView | undefined {
  const { fs, rules } = served;
  if (!(fs instanceof MemoryObjectStore) || rules?.newObjectType === undefined) return undefined;
  const cls = fs.constructor as new (options?: object, view?: StoreView) => MemoryObjectStore;
  return (options) => {
    const newType = rules.newObjectType!(options);
    if (newType === undefined) return undefined;
    const view = new cls({}, { buckets: fs.buckets, newType });
    instrument(view, recorder, (kind) => injected(served, kind));
    return view;
  };
}

function entries(served: Served): Array<[string, Uint8Array]> {
  const out: Array<[string, Uint8Array]> = [];
  if (served.fs instanceof MemoryObjectStore) {
    for (const [bucket, b] of served.fs.buckets) {
      for (const [key, obj] of b.objects) out.push([`${served.canonical}://${bucket}/${key}`, obj.data.slice()]);
    }
  } else {
    for (const [path, content] of Object.entries(served.fs.volume.toJSON())) {
      if (content !== null) out.push([`${served.canonical}://${path}`, new Uint8Array(Buffer.from(content))]);
    }
  }
  return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Serves `protocols` (and their aliases: `s3` brings `s3a`, `gs` brings `gcs`, `az` brings
 * `abfs`, `abfss` and `azure`) from memory until `restore()`.
 *
 * Behaviour:
 * - every filesystem the registry hands out for them follows, also one made before the
 *   call (a module-level `filesystem('s3', { region })`); `restore()` brings the real
 *   backend back to the same handles;
 * - S3, GCS and Azure stand-ins follow their store's rules (buckets must exist, no empty
 *   directories, exclusive create, ETags, the same error kinds); other protocols get a
 *   private memory filesystem with real directories, `file` reading relative paths and
 *   `file://rel` against the working directory as local disk does;
 * - the stores are private to the stand-in: nothing shows in `filesystem('memory')`;
 * - a protocol whose package is not installed is served too, until `restore()`.
 */
export function memoryStandIn(protocols: readonly string[], options: StandInOptions = {}): StandIn {
  if (!Array.isArray(protocols) || protocols.length === 0 || protocols.some((p) => typeof p !== 'string' || p === '')) {
    throw new FsError({ kind: 'InvalidArgument', message: 'memoryStandIn needs a non-empty list of protocol names' });
  }
  const families = protocols.map(familyToServe);
  checkKeys(options, ['latencyMs'], 'memoryStandIn');
  const latency = options.latencyMs ?? 0;
  if (!Number.isFinite(latency) || latency < 0)
    throw new FsError({ kind: 'InvalidArgument', message: `latencyMs must be a number >= 0, got ${String(latency)}` });
  const served: Served[] = [];
  for (const names of families) {
    if (!served.some((s) => s.names.includes(names[0]!))) served.push(build(names));
  }
  const recorder: Recorder = {
    calls: Object.fromEntries(OPERATIONS.map((o) => [o, 0])) as Record<Operation, number>,
    failures: new Map(),
    latencyMs: latency,
  };
  const undo = served.map((s) => {
    instrument(s.fs, recorder, (kind) => injected(s, kind));
    return installStandIn(s.names, s.fs, viewsOf(s, recorder));
  });
  const servedBy = (url: string): Served => {
    const protocol = splitProtocol(url)?.protocol.toLowerCase();
    const s = served.find((x) => protocol !== undefined && x.names.includes(protocol));
    if (s === undefined)
      throw new FsError({
        kind: 'InvalidArgument',
        message: `${JSON.stringify(url)} is not a URL of ${served.flatMap((x) => x.names).join(', ')}`,
      });
    return s;
  };
  const handle: StandIn = {
    protocols: served.flatMap((s) => s.names),
    calls: recorder.calls,
    get latencyMs() {
      return recorder.latencyMs;
    },
    set latencyMs(ms: number) {
      if (!Number.isFinite(ms) || ms < 0)
        throw new FsError({ kind: 'InvalidArgument', message: `latencyMs must be a number >= 0, got ${String(ms)}` });
      recorder.latencyMs = ms;
    },
    fs: (protocol) => (protocol === undefined ? served[0]! : servedBy(`${protocol}://`)).fs,
    failNext(operation, kind = 'Unexpected', o = {}) {
      if (!OPERATIONS.includes(operation))
        throw new FsError({
          kind: 'InvalidArgument',
          message: `unknown operation ${JSON.stringify(operation)}; one of ${OPERATIONS.join(', ')}`,
        });
      if (typeof kind !== 'string' || !Object.hasOwn(NODE_CODES, kind))
        throw new FsError({
          kind: 'InvalidArgument',
          message: `unknown error kind ${JSON.stringify(kind)}; one of ${Object.keys(NODE_CODES).join(', ')}`,
        });
      checkKeys(o, ['times'], 'failNext');
      const times = o.times ?? 1;
      if (!Number.isSafeInteger(times) || times < 1)
        throw new FsError({
          kind: 'InvalidArgument',
          message: `failNext's times must be a whole number >= 1, got ${JSON.stringify(times) ?? String(times)}`,
        });
      const queue = recorder.failures.get(operation) ?? [];
      for (let i = 0; i < times; i++) queue.push(kind);
      recorder.failures.set(operation, queue);
    },
    files: () => Object.fromEntries(served.flatMap(entries).map(([k, v]) => [k, Buffer.from(v).toString('utf8')])),
    snapshot: () => Object.fromEntries(served.flatMap(entries)),
    seed(files) {
      standInChanged();
      for (const [url, content] of Object.entries(files)) {
        const data = typeof content === 'string' ? new Uint8Array(Buffer.from(content)) : content;
        const s = servedBy(url);
        const raw = url.replace(/^[^:]+:\/\//, '');
        if (s.fs instanceof MemoryObjectStore) {
          const slash = raw.indexOf('/');
          if (slash <= 0 || slash === raw.length - 1) {
            throw new FsError({
              kind: 'InvalidArgument',
              message: `seed needs ${s.canonical}://bucket/key, got ${JSON.stringify(url)}`,
            });
          }
          s.fs.seed(raw.slice(0, slash), raw.slice(slash + 1), data);
        } else {
          const path = s.fs.normalize(url);
          s.fs.volume.mkdirSync(path.slice(0, path.lastIndexOf('/')) || '/', { recursive: true });
          s.fs.volume.writeFileSync(path, data);
        }
      }
    },
    reset() {
      for (const s of served) s.fs.reset();
      standInChanged(); // caching layers drop what they hold
      for (const o of OPERATIONS) recorder.calls[o] = 0;
      recorder.failures.clear();
    },
    restore() {
      for (const u of undo) u();
      active.delete(handle);
    },
  };
  active.add(handle);
  return handle;
}

/**
 * Serves `protocols` from memory until the returned function is called (the short form
 * of {@link memoryStandIn} for a `before`/`after` pair).
 *
 * ```ts
 * let restore: () => void;
 * before(() => { restore = useMemoryFor(['s3', 'gs']); });
 * after(() => restore());
 * ```
 */
export function useMemoryFor(protocols: readonly string[]): () => void {
  const standIn = memoryStandIn(protocols);
  return () => standIn.restore();
}
