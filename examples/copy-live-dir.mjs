// A recursive copy of a directory that changes while it runs: a file removed after the
// copy listed it is skipped, as fsspec's copy skips it, and onError hears of it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { filesystem } from '@omnifs/core';

const fs = filesystem('file');
const dir = mkdtempSync(join(tmpdir(), 'omnifs-live-'));

/** Copies logs/ to `to` while a log rotation removes the oldest file mid-copy. */
async function copyWhileRotating(to, onError) {
  mkdirSync(join(dir, 'logs'), { recursive: true });
  for (const name of ['app.log', 'app.log.1', 'app.log.2']) writeFileSync(join(dir, 'logs', name), `${name}\n`);
  let rotated = false;
  await fs.cp(join(dir, 'logs'), join(dir, to), {
    recursive: true,
    batchSize: 1, // one file at a time, in name order
    onProgress: ({ files }) => {
      if (files === 1 && !rotated) rmSync(join(dir, 'logs', 'app.log.2'));
      rotated ||= files === 1;
    },
    onError,
  });
}

const skipped = [];
await copyWhileRotating('backup', (err) => skipped.push(`${err.kind} ${basename(err.path)}`));
console.log((await fs.ls(join(dir, 'backup'))).map((p) => basename(p))); // [ 'app.log', 'app.log.1' ]
console.log(skipped); // [ 'NotFound app.log.2' ]

// onError: 'raise' (the default of put, get, mv and copies without recursive) fails instead.
console.log(await copyWhileRotating('strict', 'raise').catch((err) => err.code)); // ENOENT
rmSync(dir, { recursive: true });
