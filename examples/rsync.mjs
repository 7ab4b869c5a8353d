// docs/getting-started.md: keeping a copy of a tree up to date, across any two filesystems.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filesystem, rsync } from '@omnifs/core';

const mem = filesystem('memory');
await mem.writeText('/runs/run-1/metrics.json', '{"loss":0.31}');
await mem.writeText('/runs/run-1/notes.txt', 'baseline');
const backup = join(mkdtempSync(join(tmpdir(), 'omnifs-')), 'runs');   // any URL works here

// The first sync copies everything; later ones only what changed.
console.log((await rsync('memory:///runs', backup)).copied.length);     // 2
await mem.writeText('/runs/run-1/notes.txt', 'baseline, second try');
const { copied, unchanged } = await rsync('memory:///runs', backup);
console.log(copied.map((c) => c.src), unchanged);                       // [ '/runs/run-1/notes.txt' ] 1

// deleteMissing removes what the source no longer has; dryRun only says so.
await mem.rm('/runs/run-1/notes.txt');
const plan = await rsync('memory:///runs', backup, { deleteMissing: true, dryRun: true });
console.log(plan.deleted.map((p) => p.slice(backup.length)));           // [ '/run-1/notes.txt' ]
