// docs/api.md: a large file of records read in blocks, as fsspec's read_block (dask) reads it.
import { filesystem } from '@omnifs/core';

const fs = filesystem('memory');
const rows = Array.from({ length: 10_000 }, (_, i) => JSON.stringify({ step: i, loss: 1 / (i + 1) }));
await fs.writeText('/logs/train.jsonl', rows.join('\n') + '\n');

// Blocks of 64 KiB cut on newlines: each holds whole records, together every record once.
const size = await fs.size('/logs/train.jsonl');
const blockSize = 64 * 1024;
const offsets = [];
for (let at = 0; at < size; at += blockSize) offsets.push(at);
const counts = await Promise.all(
  offsets.map(async (at) => {
    const block = await fs.readBlock('/logs/train.jsonl', at, blockSize, { delimiter: '\n' });
    return block.toString().split('\n').filter(Boolean).map((line) => JSON.parse(line)).length;
  }),
);
console.log(offsets.length, counts.reduce((a, b) => a + b, 0)); // 7 10000
console.log(String(await fs.readBlock('/logs/train.jsonl', 0, 12))); // {"step":0,"l
console.log(String(await fs.readBlock('/logs/train.jsonl', 0, 12, { delimiter: '\n' })).trim()); // {"step":0,"loss":1}
