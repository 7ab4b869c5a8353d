// docs/getting-started.md: URLs, layers, errors, progress and cancellation.
import { filesystem, urlToFs, FsError } from '@omnifs/core';

const fs = filesystem('memory');
for (let i = 0; i < 5; i++) await fs.writeText(`/data/part-${i}.csv`, `id,value\n${i},${i * i}\n`);

// Chained URLs: a read-through local cache in front of any filesystem.
const { fs: cached, path } = urlToFs('simplecache::memory:///data/part-3.csv');
console.log((await cached.readText(path)).trim().split('\n')[1]);        // 3,9

// A filesystem rooted at a prefix: no path can escape it.
const { fs: rooted } = urlToFs('dir::memory:///data');
console.log(await rooted.ls(''));                                         // [ 'part-0.csv', ... ]

// One error type, with Node's codes.
try {
  await fs.readText('/data/missing.csv');
} catch (err) {
  if (err instanceof FsError) console.log(err.kind, err.code);             // NotFound ENOENT
}

// Progress and cancellation on long work.
const progress = [];
await fs.cp('/data/', '/backup/', { recursive: true, onProgress: (p) => progress.push(p.files) });
console.log(`copied ${progress.at(-1)} files`);                          // copied 5 files
const controller = new AbortController();
controller.abort();
await fs.cp('/data/', '/again/', { recursive: true, signal: controller.signal }).catch((e) => console.log(e.kind)); // Aborted
