/** Project-local Python virtualenvs under `.cache/servers/<name>/venv`, made with pip. */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  cacheDir,
  digest,
  hasCommand,
  readMarker,
  runInstall,
  ToolchainMissing,
  withInstallLock,
  writeMarker,
} from './util';

/** A virtualenv and the time spent making it. */
export interface PythonVenv {
  /** The venv's directory (its programs are in `bin/`). */
  dir: string;
  /** Milliseconds spent installing; 0 when the cached venv already held `requirements`. */
  installMs: number;
}

/**
 * Makes (once, under an install lock) the venv `name` holding exactly `requirements`;
 * changing them makes it anew. `purpose` says what needs Python, for the message when
 * the machine has none.
 */
export function pythonVenv(name: string, requirements: readonly string[], purpose: string): Promise<PythonVenv> {
  return withInstallLock(name, async () => {
    const base = cacheDir(name);
    const dir = join(base, 'venv');
    const marker = join(base, 'installed');
    const want = digest(...requirements);
    if (readMarker(marker) === want && existsSync(join(dir, 'bin', 'python'))) return { dir, installMs: 0 };
    if (!hasCommand('python3')) {
      throw new ToolchainMissing(
        `${purpose} need Python 3`,
        'install python3 and python3-venv, e.g. apt-get install python3 python3-venv',
      );
    }
    await rm(dir, { recursive: true, force: true });
    const env = { PIP_CACHE_DIR: join(base, 'pip-cache'), PIP_DISABLE_PIP_VERSION_CHECK: '1' };
    let ms = 0;
    try {
      ms += await runInstall(`${name}-venv`, 'python3', ['-m', 'venv', dir], { env });
    } catch (e) {
      throw new ToolchainMissing(
        `cannot create a Python venv: ${(e as Error).message.split('\n')[0]}`,
        'apt-get install python3-venv',
      );
    }
    ms += await runInstall(name, join(dir, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', ...requirements], {
      env,
    });
    writeMarker(marker, want);
    return { dir, installMs: ms };
  });
}
