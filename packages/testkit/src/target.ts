/** What a backend hands the conformance suite. */
import type { Capabilities, FileSystem } from '@omnifs/core';

/**
 * One backend under test.
 *
 * ```ts
 * conformanceSuite({
 *   name: 'my-store',
 *   factory: () => new MyStoreFileSystem({ endpoint }),
 *   root: () => `test-bucket/${randomName()}`,
 * });
 * ```
 */
export interface ConformanceTarget {
  /** Shown in the suite's title: `conformance: <name>`. */
  name: string;
  /** Builds the filesystem under test; called once per suite. */
  factory: () => FileSystem | Promise<FileSystem>;
  /**
   * A fresh, empty root for one test (a directory, or `bucket/prefix` on object stores).
   * Called before every test; it need not exist yet (the suite runs `makedirs` on it).
   */
  root: () => string | Promise<string>;
  /**
   * Overrides of what the filesystem declares in `fs.capabilities`; the suite chooses its
   * tests by the merged result.
   */
  capabilities?: Partial<Capabilities>;
  /**
   * What the filesystem declares, known before it is built (`new MyFs(opts).capabilities`).
   * With it, tests that do not apply to the backend are not defined at all, and one test
   * checks that the built filesystem declares exactly this; without it they are chosen
   * when the filesystem is built and those that do not apply show as pending.
   */
  declared?: Capabilities;
  /**
   * Removes what a test left under `root`. Default: `fs.rm(root, { recursive: true })`,
   * ignoring a missing root.
   */
  cleanup?: (fs: FileSystem, root: string) => void | Promise<void>;
  /** Called once after the whole suite (close clients, stop servers). */
  teardown?: (fs: FileSystem) => void | Promise<void>;
  /**
   * Builds an instance whose options hold `secret` in secret-named fields, for the tests
   * that check secrets never show. Default: the filesystem's class with its options plus
   * `password`, `accessToken` and `credentials.secretAccessKey`.
   */
  secretFactory?: (secret: string) => FileSystem | Promise<FileSystem>;
  /** Bytes of the large-file tests (default: a random size between 5 and 9 MiB). */
  largeFileSize?: number;
  /** Mocha timeout for each test, in ms (default: mocha's configured timeout). */
  timeout?: number;
}
