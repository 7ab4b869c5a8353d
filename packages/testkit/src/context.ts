/** The state each topic of the suite reads: the filesystem, its capabilities, this test's root. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsError, type Capabilities, type FileSystem } from '@omnifs/core';
import { DEFAULT_CAPABILITIES } from '@omnifs/core/backend';
import { joinPath } from './helpers';
import type { ConformanceTarget } from './target';

/**
 * What a topic's tests use. `fs`, `caps` and `root` are set by the suite's hooks, so
 * read them inside `it` and hooks, never while the suite is being defined.
 */
export class SuiteContext {
  #fs: FileSystem | undefined;
  #caps: Capabilities | undefined;
  #root: string | undefined;
  #localDirs: string[] = [];

  constructor(readonly target: ConformanceTarget) {}

  /** The filesystem under test. */
  get fs(): FileSystem {
    if (this.#fs === undefined) throw new Error('the filesystem is only available inside tests');
    return this.#fs;
  }

  /** What the filesystem declares, with the target's overrides. */
  get caps(): Capabilities {
    if (this.#caps === undefined) throw new Error('capabilities are only available inside tests');
    return this.#caps;
  }

  /** This test's fresh root. */
  get root(): string {
    if (this.#root === undefined) throw new Error('the root is only available inside tests');
    return this.#root;
  }

  /** A path below this test's root. */
  path(...parts: string[]): string {
    return joinPath(this.root, ...parts);
  }

  /** A fresh local directory (node:fs) for put/get; removed after the test. */
  async localDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'omnifs-testkit-'));
    this.#localDirs.push(dir);
    return dir;
  }

  /** Builds the filesystem (suite `before`). */
  async setUp(): Promise<void> {
    this.#fs = await this.target.factory();
    this.#caps = { ...DEFAULT_CAPABILITIES, ...this.#fs.capabilities, ...this.target.capabilities };
  }

  /** Gives the next test a fresh root (`beforeEach`). */
  async enter(): Promise<void> {
    this.#root = await this.target.root();
    await this.fs.makedirs(this.#root, { existOk: true });
  }

  /** Removes what the test left (`afterEach`). */
  async leave(): Promise<void> {
    const dirs = this.#localDirs.splice(0);
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
    const root = this.#root;
    this.#root = undefined;
    if (root === undefined) return;
    if (this.target.cleanup) {
      await this.target.cleanup(this.fs, root);
      return;
    }
    try {
      await this.fs.rm(root, { recursive: true });
    } catch (err) {
      if (!(err instanceof FsError && err.kind === 'NotFound')) throw err;
    }
  }

  /** Runs the target's teardown (suite `after`). */
  async tearDown(): Promise<void> {
    if (this.#fs !== undefined) await this.target.teardown?.(this.#fs);
  }
}
