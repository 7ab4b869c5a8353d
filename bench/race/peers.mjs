/**
 * The peers the race compares with, installed on first use into the cache (never as
 * dependencies of the repository): OpenDAL's Node binding (bench/lib/opendal.mjs) and
 * fsspec's s3fs, gcsfs, adlfs and webhdfs from PyPI in a virtualenv under .cache/bench/venv.
 * A peer that cannot be installed is reported unavailable, the run goes on.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureOpendal, opendalVersion } from '../lib/opendal.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const VENV = join(repo, '.cache', 'bench', 'venv');
export const PYTHON = join(VENV, 'bin', 'python');

/** What pip installs (the versions measured); changing the list reinstalls. */
export const PY_REQUIREMENTS = [
  'fsspec==2026.9.0',
  's3fs==2026.9.0',
  'gcsfs==2026.10.1',
  'adlfs==2026.8.0',
  'requests==2.34.2',
];

/** Creates the venv and installs the fsspec peers unless already there; returns an error text or undefined. */
export function ensurePythonPeers() {
  const marker = join(VENV, 'omnifs-bench-requirements');
  const want = PY_REQUIREMENTS.join(' ');
  if (existsSync(PYTHON) && existsSync(marker) && readFileSync(marker, 'utf8') === want) return undefined;
  try {
    process.stderr.write(`installing ${want} into ${VENV} (once)...\n`);
    if (!existsSync(PYTHON)) execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'ignore' });
    execFileSync(PYTHON, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...PY_REQUIREMENTS], {
      stdio: 'ignore',
    });
    writeFileSync(marker, want);
    return undefined;
  } catch (err) {
    return `pip install of the fsspec peers failed: ${String(err.message).split('\n')[0]}`;
  }
}

/** Installs every peer; returns `{ opendal, python }`, each an error text or undefined, and the versions. */
export function ensurePeers() {
  const opendal = ensureOpendal();
  const python = ensurePythonPeers();
  let pyVersions = '';
  if (python === undefined) {
    try {
      pyVersions = execFileSync(
        PYTHON,
        [
          '-c',
          'import fsspec,s3fs,gcsfs,adlfs;print(" ".join(f"{m.__name__} {m.__version__}" for m in (fsspec,s3fs,gcsfs,adlfs)))',
        ],
        { encoding: 'utf8' },
      ).trim();
    } catch {
      pyVersions = 'fsspec peers (versions unknown)';
    }
  }
  return { opendal, python, versions: `opendal ${opendalVersion()}; ${pyVersions || 'no fsspec peers'}` };
}
