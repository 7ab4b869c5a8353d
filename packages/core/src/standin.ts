/**
 * Stand-ins: for a while, a test serves some protocols from another filesystem (the memory
 * stand-in of `@omnifs/memory`). The registry hands out handles, not bare instances: a
 * handle resolves its target on every property access, so an instance made before the
 * stand-in was installed (a module-level `filesystem('s3', ...)`) follows it too, and
 * goes back to the real backend when the stand-in is removed.
 */
import { inspect } from 'node:util';
import type { FileSystem } from './filesystem';

/**
 * What a handle made with `options` is served by while the stand-in is installed: a view
 * of the stand-in for those options (sharing its store, e.g. with their content type for
 * new objects), or undefined for the stand-in itself.
 */
export type StandInView = (options: Readonly<Record<string, unknown>>) => FileSystem | undefined;

interface Installed {
  fs: FileSystem;
  view: StandInView | undefined;
}

/**
 * The stand-ins of the process: on `globalThis` under a `Symbol.for` key, as the registry's
 * tables, so every copy of core in an app (its ESM and CommonJS builds, two installed
 * versions, a copy loaded again after `jest.resetModules()`) sees the stand-in any of them
 * installed, and a handle made by one copy follows a stand-in installed through another.
 */
interface StandInState {
  /** Protocol name → the filesystem that serves it instead of its backend. */
  readonly standIns: Map<string, Installed>;
  /** Every stand-in installed for a protocol and not yet undone, the serving one last. */
  readonly stacks: Map<string, Installed[]>;
  /** The handles {@link standInHandle} made, and what each serves now. */
  readonly handles: WeakMap<FileSystem, () => FileSystem>;
  /** Moves whenever what a stand-in serves changes: one installed, removed, or emptied. */
  generation: number;
}

const STATE_KEY = Symbol.for('omnifs.standins');
const state: StandInState = ((globalThis as { [STATE_KEY]?: StandInState })[STATE_KEY] ??= {
  standIns: new Map(),
  stacks: new Map(),
  handles: new WeakMap(),
  generation: 0,
});
const { standIns, stacks, handles } = state;

/**
 * A number that changes whenever a stand-in is installed or removed, or says its files
 * changed ({@link standInChanged}): the caching layers drop what they hold when it moved,
 * so a cache made before a test's stand-in (or its `reset`) never answers from before.
 */
export function standInGeneration(): number {
  return state.generation;
}

/** Says the files a stand-in serves changed other than through its filesystem (a `reset`). */
export function standInChanged(): void {
  state.generation++;
}

/**
 * Serves every protocol in `protocols` (give each alias: `s3` and `s3a`) from `fs` until
 * the returned function is called. Handles the registry gave out before and after follow;
 * with `view`, each handle is served by `view(its options)` where that is defined (made
 * once per handle and installation).
 *
 * Behaviour: installing over another stand-in replaces it, and undoing restores it, so
 * stand-ins nest; they may be undone in any order (the latest not undone serves); undoing
 * twice is harmless.
 */
export function installStandIn(protocols: readonly string[], fs: FileSystem, view?: StandInView): () => void {
  const names = protocols.map((p) => p.toLowerCase());
  const installed: Installed = { fs, view };
  for (const n of names) {
    const stack = stacks.get(n) ?? [];
    stack.push(installed);
    stacks.set(n, stack);
    standIns.set(n, installed);
  }
  state.generation++;
  let undone = false;
  return () => {
    if (undone) return;
    undone = true;
    state.generation++;
    // Out of its protocols' stacks wherever it stands: stand-ins undone in any order leave
    // the latest one still installed serving, and the real backend once all are undone.
    for (const n of names) {
      const stack = (stacks.get(n) ?? []).filter((s) => s !== installed);
      const top = stack.at(-1);
      if (top === undefined) {
        stacks.delete(n);
        standIns.delete(n);
      } else {
        stacks.set(n, stack);
        standIns.set(n, top);
      }
    }
  };
}

/** The stand-in serving `protocol` now, if any. */
export function standInFor(protocol: string): FileSystem | undefined {
  return standIns.get(protocol.toLowerCase())?.fs;
}

/**
 * A handle on `real` (the backend's instance, made with `options`) that resolves to the
 * stand-in of any of `names` while one is installed (to its view for `options`, if it has
 * one). With `real` undefined (the backend's package is not installed), `missing` is
 * thrown when no stand-in serves the handle.
 */
export function standInHandle(
  names: readonly string[],
  real: FileSystem | undefined,
  options: Readonly<Record<string, unknown>>,
  missing?: unknown,
): FileSystem {
  const keys = [...new Set(names.map((n) => n.toLowerCase()))];
  const views = new WeakMap<Installed, FileSystem>();
  const served = (s: Installed): FileSystem => {
    if (s.view === undefined) return s.fs;
    let v = views.get(s);
    if (v === undefined) views.set(s, (v = s.view(options) ?? s.fs));
    return v;
  };
  const current = (): FileSystem => {
    if (standIns.size > 0) {
      for (const k of keys) {
        const s = standIns.get(k);
        if (s !== undefined) return served(s);
      }
    }
    if (real === undefined) throw missing;
    return real;
  };
  const handle = handleOver(current);
  handles.set(handle, current);
  return handle;
}

/**
 * `derive(fs)`, or, for a handle of the registry, a handle that serves `derive` of the
 * instance the handle serves at each access (made once per instance): a filesystem built
 * from a module-level handle (the `dir` layer's confined view) follows a stand-in
 * installed after it, and goes back when the stand-in is removed.
 */
export function derivedHandle(fs: FileSystem, derive: (served: FileSystem) => FileSystem): FileSystem {
  const current = handles.get(fs);
  if (current === undefined) return derive(fs);
  const made = new WeakMap<FileSystem, FileSystem>();
  const derived = (): FileSystem => {
    const served = current();
    let d = made.get(served);
    if (d === undefined) made.set(served, (d = derive(served)));
    return d;
  };
  const handle = handleOver(derived);
  handles.set(handle, derived);
  return handle;
}

/** A proxy that forwards every access to the filesystem `current` returns at that moment. */
function handleOver(current: () => FileSystem): FileSystem {
  // Methods are bound to the instance they came from (its private fields need the real `this`).
  const bound = new WeakMap<object, Map<PropertyKey, unknown>>();
  const method = (target: FileSystem, prop: PropertyKey, fn: (...args: unknown[]) => unknown): unknown => {
    let methods = bound.get(target);
    if (methods === undefined) bound.set(target, (methods = new Map()));
    let b = methods.get(prop);
    if (b === undefined || (b as { original?: unknown }).original !== fn) {
      b = Object.assign(fn.bind(target), { original: fn });
      methods.set(prop, b);
    }
    return b;
  };
  // The proxy's own target is an empty shell, so no invariant ties it to one instance;
  // util.inspect looks at the shell, which shows the current instance.
  const shell = { [inspect.custom]: (_depth: number, options: object) => inspect(current(), options) };
  return new Proxy(shell, {
    get(_shell, prop) {
      const target = current();
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function' || prop === 'constructor') return value;
      return method(target, prop, value as (...args: unknown[]) => unknown);
    },
    set: (_shell, prop, value) => Reflect.set(current(), prop, value),
    has: (_shell, prop) => Reflect.has(current(), prop),
    getPrototypeOf: () => Reflect.getPrototypeOf(current()),
    ownKeys: () => Reflect.ownKeys(current()),
    getOwnPropertyDescriptor: (_shell, prop) => {
      const d = Reflect.getOwnPropertyDescriptor(current(), prop);
      return d === undefined ? undefined : { ...d, configurable: true };
    },
    defineProperty: (_shell, prop, descriptor) => Reflect.defineProperty(current(), prop, descriptor),
    deleteProperty: (_shell, prop) => Reflect.deleteProperty(current(), prop),
  }) as unknown as FileSystem;
}
