/**
 * What the comparisons with fsspec share: the version asked, the venv holding it, the
 * exception each omnifs error kind stands for, and the random trees its scripts describe.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { FsError, type FileSystem } from '@omnifs/core';
import { pythonVenv } from '../servers/python';
import { IS_CI, say, ToolchainMissing } from '../servers/util';

export const FSSPEC = 'fsspec==2026.9.0';

/** fsspec's exception for each omnifs error kind the calls compared can meet. */
const EXCEPTION: Record<string, string> = {
  NotFound: 'FileNotFoundError',
  NotADirectory: 'NotADirectoryError',
  IsADirectory: 'IsADirectoryError',
  AlreadyExists: 'FileExistsError',
  InvalidArgument: 'ValueError',
};

/** The name of the Python exception `err` stands for; other errors are thrown on. */
export function exceptionOf(err: unknown): string {
  if (!(err instanceof FsError)) throw err;
  return EXCEPTION[err.kind] ?? err.kind;
}

/** A tree as the scripts make it: files (holding "content of <path>") and directories. */
export interface Tree {
  seed: number;
  files: string[];
  dirs: string[];
}

/**
 * Runs `script` (in this directory) with `args` in the venv holding {@link FSSPEC}; the
 * JSON lines it printed, less the last, which says fsspec's version. Skips the test
 * (`ctx`) without Python, unless on CI.
 */
export async function askFsspec<T>(
  ctx: Mocha.Context,
  script: string,
  args: string[],
): Promise<{ cases: T[]; version: string }> {
  let python: string;
  try {
    python = join((await pythonVenv('fsspec', [FSSPEC], 'the comparisons with fsspec')).dir, 'bin', 'python');
  } catch (e) {
    if (e instanceof ToolchainMissing && !IS_CI) {
      say(`skipping the comparisons with fsspec: ${e.message}`);
      ctx.skip();
    }
    throw e;
  }
  const { stdout } = await promisify(execFile)(python, [join(__dirname, script), ...args], {
    maxBuffer: 256 * 1024 * 1024,
  });
  const lines = stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as T & { fsspec?: string });
  const version = lines.pop()!.fsspec!;
  return { cases: lines, version };
}

/** Makes `tree` under a new root of `fs` (a memory or local filesystem); returns the root and how to remove it. */
export async function makeTree(
  protocol: string,
  fs: FileSystem,
  tree: Tree,
): Promise<{ root: string; drop: () => Promise<void> }> {
  if (protocol === 'file') {
    // Made with node:fs (the tree is the setting, not what is compared), in memory where
    // the machine has a tmpfs: thousands of small trees are made and removed.
    const root = join(mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'omnifs-fsspec-')), 'r');
    for (const d of ['', ...tree.dirs]) mkdirSync(join(root, d), { recursive: true });
    for (const f of tree.files) {
      mkdirSync(dirname(join(root, f)), { recursive: true });
      writeFileSync(join(root, f), `content of ${f}`);
    }
    return { root, drop: async () => rmSync(dirname(root), { recursive: true, force: true }) };
  }
  const top = `/fsspec-oracle-${tree.seed}-${Math.random().toString(36).slice(2)}`;
  const root = `${top}/r`;
  await fs.makedirs(root);
  for (const d of tree.dirs) await fs.makedirs(`${root}/${d}`, { existOk: true });
  await fs.pipe(Object.fromEntries(tree.files.map((f) => [`${root}/${f}`, `content of ${f}`])));
  return { root, drop: () => fs.rm(top, { recursive: true }) };
}
