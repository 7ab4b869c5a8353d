// The README's first example: one interface over memory and local disk.
import { filesystem, urlToFs } from '@omnifs/core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const mem = filesystem('memory');
await mem.writeText('/exp/run-1/notes.txt', 'loss=0.31\n');
await mem.pipeFile('/exp/run-1/weights.bin', new Uint8Array([1, 2, 3, 4]));
console.log(await mem.ls('/exp/run-1'));                // [ '/exp/run-1/notes.txt', '/exp/run-1/weights.bin' ]
console.log(await mem.glob('/exp/**/*.txt'));           // [ '/exp/run-1/notes.txt' ]

const local = mkdtempSync(join(tmpdir(), 'omnifs-'));
await mem.get('/exp/run-1/', `${local}/run-1/`, { recursive: true });   // memory -> disk
const { fs, path } = urlToFs(`file://${local}/run-1/notes.txt`);
console.log(await fs.readText(path));                   // loss=0.31
