// docs/migration-from-fsspec.md: the fsspec habits, in omnifs.
import { filesystem, urlToFs, rsync, FsError } from '@omnifs/core';

// fs = fsspec.filesystem("memory")
const fs = filesystem('memory');

// fs.pipe_file(path, data); fs.cat_file(path, start, end)
await fs.pipeFile('/proj/data/a.csv', 'x,y\n1,2\n');
console.log((await fs.catFile('/proj/data/a.csv', { start: 0, end: 3 })).toString()); // x,y

// with fs.open(path, "wb") as f: f.write(...); with fs.open(path) as f: f.seek(4); f.read(3)
const f = await fs.open('/proj/data/b.csv', 'wb');
await f.write('x,y\n3,4\n');
await f.close();
const r = await fs.open('/proj/data/b.csv');
await r.seek(4);
console.log(String(await r.read(3)));                                // 3,4
await r.close();

// fs.glob("/proj/**/*.csv"), fs.find(path, withdirs=True), fs.du(path)
console.log(await fs.glob('/proj/**/*.csv'));                        // [ '/proj/data/a.csv', '/proj/data/b.csv' ]
console.log(await fs.du('/proj'));                                    // 16

// fs.copy(src, dst, recursive=True); callback=... becomes onProgress
await fs.cp('/proj/data/', '/backup/data/', { recursive: true, onProgress: () => {} });
console.log(await fs.ls('/backup/data'));                             // [ '/backup/data/a.csv', '/backup/data/b.csv' ]

// fsspec.core.url_to_fs("simplecache::memory://proj/data/a.csv")
const { fs: cached, path } = urlToFs('simplecache::memory:///proj/data/a.csv');
console.log((await cached.readText(path)).split('\n')[1]);            // 1,2

// fsspec.generic.rsync(source, destination, delete_missing=True)
console.log((await rsync('memory:///proj', 'memory:///mirror', { deleteMissing: true })).copied.length); // 2

// FileNotFoundError becomes an FsError with Node's code
await fs.catFile('/nope').catch((e) => console.log(e instanceof FsError, e.kind, e.code)); // true NotFound ENOENT
