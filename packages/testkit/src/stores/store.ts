/**
 * The object store under test in the store topics (`stores/*.ts`): a filesystem built
 * once per suite and a fresh `bucket[/prefix]` root per test. A store package's test file
 * builds it with {@link useStore} and hands it, with its specifics, to each topic.
 */
import type { FileSystem } from '@omnifs/core';
import { randomName } from '../helpers';
import type { ConformanceTarget } from '../target';

/** The filesystem and this test's root; read them inside tests and hooks only. */
export interface Store<F extends FileSystem = FileSystem> {
  readonly fs: F;
  /** `bucket` or `bucket/prefix`, fresh for each test. */
  readonly root: string;
}

/** When the roots are made. */
export interface UseStoreOptions {
  /** One root for the whole suite instead of one per test. */
  readonly once?: boolean;
}

/**
 * Registers the hooks that build the filesystem (`before`) and a fresh root for each
 * test (`beforeEach`, or `before` with `once`), inside the caller's `describe`.
 *
 * ```ts
 * const store = useStore(() => makeFs(s3.info), (fs) => freshBucket(s3.info, fs));
 * it('writes', () => store.fs.writeText(`${store.root}/a`, 'a'));
 * ```
 */
export function useStore<F extends FileSystem>(
  open: () => F,
  freshRoot: (fs: F) => Promise<string>,
  options: UseStoreOptions = {},
): Store<F> {
  let fs: F | undefined;
  let root: string | undefined;
  before(function () {
    fs = open();
  });
  (options.once ? before : beforeEach)(async function () {
    root = await freshRoot(fs!);
  });
  return {
    get fs(): F {
      if (fs === undefined) throw new Error('the filesystem is only available inside tests');
      return fs;
    },
    get root(): string {
      if (root === undefined) throw new Error('the root is only available inside tests');
      return root;
    },
  };
}

/** A {@link Store} on a harness server, with the server's `info` (read inside tests and hooks only). */
export type ServerStore<F extends FileSystem, I> = Store<F> & { readonly info: I };

/**
 * {@link useStore} on a server whose `info` the harness gives once it runs: the filesystem
 * is `open(info)`, each root `freshRoot(info, fs)`, and the store carries that `info`.
 */
export function useServerStore<F extends FileSystem, I>(
  server: { readonly info: I },
  open: (info: I) => F,
  freshRoot: (info: I, fs: F) => Promise<string>,
  options: UseStoreOptions = {},
): ServerStore<F, I> {
  const store = useStore(
    () => open(server.info),
    (fs) => freshRoot(server.info, fs),
    options,
  );
  return {
    get fs(): F {
      return store.fs;
    },
    get root(): string {
      return store.root;
    },
    get info(): I {
      return server.info;
    },
  };
}

/** `root` split into its bucket and the key prefix below it (`''` or ending in `/`). */
export function bucketAndPrefix(root: string): { bucket: string; prefix: string } {
  const [bucket, ...rest] = root.split('/');
  return { bucket: bucket!, prefix: rest.length > 0 ? `${rest.join('/')}/` : '' };
}

/**
 * The `factory` and `root` of a {@link ConformanceTarget} on an object store: the
 * filesystem and a fresh bucket made once (by `freshRoot`, as for {@link useStore}), and a
 * fresh prefix in that bucket for each test.
 */
export function bucketTarget<F extends FileSystem>(
  open: () => F,
  freshRoot: (fs: F) => Promise<string>,
): Pick<ConformanceTarget, 'factory' | 'root'> {
  let base: string | undefined;
  return {
    factory: async () => {
      const fs = open();
      base = await freshRoot(fs);
      return fs;
    },
    root: () => `${base!}/${randomName()}`,
  };
}
