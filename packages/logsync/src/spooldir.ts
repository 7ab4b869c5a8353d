/** Where a spool lives by default, and walking its folder. */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';

/** A deterministic default spool directory for a target: a restart of the run finds it. */
export function defaultSpoolDir(experiment: string, target: string): string {
  const hash = createHash('sha256').update(target).digest('hex').slice(0, 12);
  const safe = experiment.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64);
  return join(tmpdir(), 'omnifs-logsync', `${safe}-${hash}`);
}

/** Every file under `dir` as a `/`-separated relative name, sorted, without the top-level folder `skip`. */
export function filesUnder(dir: string, skip: string): string[] {
  const out: string[] = [];
  const walk = (at: string, prefix: string): void => {
    for (const entry of fs.readdirSync(at, { withFileTypes: true })) {
      const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      if (rel === skip) continue;
      if (entry.isDirectory()) walk(join(at, entry.name), rel);
      else if (entry.isFile()) out.push(rel);
    }
  };
  walk(dir, '');
  return out.sort();
}

/** Removes `dir` and its subdirectories when they hold no file. */
export function removeEmptyDirs(dir: string): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) if (e.isDirectory()) removeEmptyDirs(join(dir, e.name));
  try {
    fs.rmdirSync(dir);
  } catch {
    // not empty: something else lives here
  }
}
