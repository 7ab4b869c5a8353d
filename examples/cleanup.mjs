// Debris of killed writes: hidden from listings, removed by cleanup once old enough.
import { filesystem } from '@omnifs/core';
import '@omnifs/local';
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'omnifs-gc-'));
const fs = filesystem('file');
await fs.writeText(`${dir}/model.bin`, 'weights');
// What a process killed during `fs.writeText(dir + '/big.bin', ...)` leaves beside its target:
const debris = join(dir, '.big.bin.omnifs-0123456789ab.tmp');
writeFileSync(debris, 'half of it');
const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
utimesSync(debris, twoDaysAgo, twoDaysAgo);

console.log((await fs.ls(dir)).map((p) => p.slice(dir.length)));   // [ '/model.bin' ]
const dry = await fs.cleanup(dir, { dryRun: true });                // older than a day by default
console.log(dry.removed.map((d) => d.kind));                        // [ 'temporary' ]
const done = await fs.cleanup(dir);
console.log(done.removed.length, (await fs.find(dir)).length);      // 1 1
