/**
 * The two ends of a copy scenario. `cp` copies within the filesystem under test; `put`
 * reads from a local directory (node:fs) and `get` writes to one, so the same scenario
 * runs for all three.
 */
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FsError, type CopyOptions, type FileSystem } from '@omnifs/core';
import type { SuiteContext } from './context';
import { fixtureContent, joinPath } from './helpers';

/** One end of a transfer, with the few operations a scenario needs. */
export interface Side {
  /** The directory scenarios work in. */
  readonly base: string;
  join(...parts: string[]): string;
  /** Writes the fixture files (relative to `dir`). */
  writeFiles(dir: string, files: readonly string[]): Promise<void>;
  /** Makes `dir` an existing directory; on object stores by writing a `dummy` file in it. */
  makeDir(dir: string): Promise<void>;
  /** Files below `dir`, relative, sorted; the `dummy` of `makeDir` left out. [] when missing. */
  files(dir: string): Promise<string[]>;
  /** Files and directories below `dir`, relative, sorted, directories ending in `/`; the `dummy` of `makeDir` left out. */
  entries(dir: string): Promise<string[]>;
  isFile(path: string): Promise<boolean>;
  isDir(path: string): Promise<boolean>;
  exists(path: string): Promise<boolean>;
  /** True when empty directories exist on this side. */
  readonly realDirectories: boolean;
  /** Removes `dir` and everything below. */
  remove(dir: string): Promise<void>;
}

/** The name of the placeholder file that makes a prefix exist on object stores. */
export const DUMMY = 'dummy';

/** A Side on the filesystem under test. */
export function fsSide(ctx: SuiteContext, base: string): Side {
  const fs: FileSystem = ctx.fs;
  return {
    base,
    realDirectories: ctx.caps.realDirectories,
    join: (...parts) => joinPath(...parts),
    async writeFiles(dir, files) {
      for (const f of files) await fs.pipeFile(joinPath(dir, f), fixtureContent(f));
    },
    async makeDir(dir) {
      await fs.makedirs(dir, { existOk: true });
      if (!ctx.caps.realDirectories) await fs.touch(joinPath(dir, DUMMY));
    },
    async files(dir) {
      const top = fs.normalize(dir);
      const found = await fs.find(dir);
      return found
        .map((f) => f.slice(top.length + 1))
        .filter((f) => f !== DUMMY)
        .sort();
    },
    async entries(dir) {
      const top = fs.normalize(dir);
      const found = await fs.find(dir, { withDirs: true, detail: true });
      return found
        .filter((e) => e.name !== top)
        .map((e) => e.name.slice(top.length + 1) + (e.type === 'directory' ? '/' : ''))
        .filter((f) => f !== DUMMY)
        .sort();
    },
    isFile: (p) => fs.isFile(p),
    isDir: (p) => fs.isDir(p),
    exists: (p) => fs.exists(p),
    async remove(dir) {
      try {
        await fs.rm(dir, { recursive: true });
      } catch (err) {
        if (!(err instanceof FsError && err.kind === 'NotFound')) throw err;
      }
    },
  };
}

async function statOrUndefined(path: string): Promise<import('node:fs').Stats | undefined> {
  return stat(path).catch(() => undefined);
}

/** A Side on a local directory, read and written with node:fs directly. */
export function localSide(base: string): Side {
  const walk = async (dir: string, rel: string, out: string[], withDirs = false): Promise<void> => {
    for (const e of await readdir(join(dir, rel), { withFileTypes: true })) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) {
        if (withDirs) out.push(`${r}/`);
        await walk(dir, r, out, withDirs);
      } else {
        out.push(r);
      }
    }
  };
  return {
    base,
    realDirectories: true,
    join: (...parts) => join(...parts),
    async writeFiles(dir, files) {
      for (const f of files) {
        await mkdir(dirname(join(dir, f)), { recursive: true });
        await writeFile(join(dir, f), fixtureContent(f));
      }
    },
    async makeDir(dir) {
      await mkdir(dir, { recursive: true });
    },
    async files(dir) {
      if (!(await statOrUndefined(dir))?.isDirectory()) return (await statOrUndefined(dir)) ? [''] : [];
      const out: string[] = [];
      await walk(dir, '', out);
      return out.sort();
    },
    async entries(dir) {
      if (!(await statOrUndefined(dir))?.isDirectory()) return [];
      const out: string[] = [];
      await walk(dir, '', out, true);
      return out.sort();
    },
    isFile: async (p) => (await statOrUndefined(p))?.isFile() === true,
    isDir: async (p) => (await statOrUndefined(p))?.isDirectory() === true,
    exists: async (p) => (await statOrUndefined(p)) !== undefined,
    remove: (dir) => rm(dir, { recursive: true, force: true }),
  };
}

/** A transfer under test: `cp`, `put` or `get`, with its source and target sides. */
export interface Transfer {
  name: 'cp' | 'put' | 'get';
  source: Side;
  target: Side;
  run(src: string | string[], dst: string | string[], options?: CopyOptions): Promise<void>;
}

/** Builds the sides of `cp`, `put` or `get` for the current test. */
export async function makeTransfer(ctx: SuiteContext, name: Transfer['name']): Promise<Transfer> {
  const remote = fsSide(ctx, ctx.root);
  const local = name === 'cp' ? undefined : localSide(await ctx.localDir());
  const source = name === 'put' ? local! : remote;
  const target = name === 'get' ? local! : remote;
  const run = (src: string | string[], dst: string | string[], options: CopyOptions = {}): Promise<void> =>
    name === 'cp'
      ? ctx.fs.cp(src, dst, options)
      : name === 'put'
        ? ctx.fs.put(src, dst, options)
        : ctx.fs.get(src, dst, options);
  return { name, source, target, run };
}
