// The OpenDAL Node binding, compared against in the memory benchmark. It is installed on
// first use into .cache/bench-opendal rather than as a dependency of the repository:
// opendal@0.47.11 names platform packages that the registry does not have, which would
// make `npm ci` refuse the lock file.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const OPENDAL_VERSION = '0.47.11';
export const OPENDAL_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '.cache', 'bench-opendal');

/** Installs opendal@0.47.11 under .cache/bench-opendal when missing; returns an error text or undefined. */
export function ensureOpendal() {
  if (existsSync(join(OPENDAL_DIR, 'node_modules', 'opendal', 'package.json'))) return undefined;
  try {
    execFileSync(
      'npm',
      [
        'install',
        '--no-save',
        '--no-package-lock',
        '--no-audit',
        '--no-fund',
        '--prefix',
        OPENDAL_DIR,
        `opendal@${OPENDAL_VERSION}`,
      ],
      { stdio: 'ignore' },
    );
    return undefined;
  } catch (err) {
    return `npm install opendal@${OPENDAL_VERSION} failed: ${String(err.message).split('\n')[0]}`;
  }
}

/** Loads the binding from .cache/bench-opendal. */
export function requireOpendal() {
  return createRequire(join(OPENDAL_DIR, 'package.json'))('opendal');
}

/** The installed version, or 'not installed'. */
export function opendalVersion() {
  try {
    return createRequire(join(OPENDAL_DIR, 'package.json'))('opendal/package.json').version;
  } catch {
    return 'not installed';
  }
}
