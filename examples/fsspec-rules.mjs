// docs/migration-from-fsspec.md: glob and copy rules held to fsspec, case by case.
import { filesystem } from '@omnifs/core';

const fs = filesystem('memory', { skipInstanceCache: true });
await fs.pipe({ '/w/src/a/f': 'f', '/w/src/b/g/x': 'x', '/w/src/c': 'c' });

// A trailing slash keeps directories; "dir/**" includes dir itself.
console.log(await fs.glob('/w/src/*/'));                  // [ '/w/src/a', '/w/src/b' ]
console.log(await fs.glob('/w/src/b/**'));                // [ '/w/src/b', '/w/src/b/g', '/w/src/b/g/x' ]

// [!..] negates; [^..] is a set holding "^".
console.log(await fs.glob('/w/src/[!a]'));                // [ '/w/src/b', '/w/src/c' ]

// A non-recursive glob copies files only, relative to what they share: here one file.
await fs.cp('/w/src/*/*', '/w/flat/');
console.log(await fs.find('/w/flat'));                    // [ '/w/flat/f' ]

// A list of directories lands under their names, whether the target exists or not.
await fs.cp(['/w/src/a', '/w/src/b'], '/w/list', { recursive: true });
console.log(await fs.find('/w/list'));                    // [ '/w/list/a/f', '/w/list/b/g/x' ]

// Globs match nothing: NotFound, as fsspec's FileNotFoundError.
await fs.cp('/w/src/zz*', '/w/none/').catch((e) => console.log(e.kind));     // NotFound

// cat reads the globs in a list; tail(path, 0) is empty.
console.log(Object.keys(await fs.cat(['/w/src/[c-z]', '/w/src/a/f'])));    // [ '/w/src/c', '/w/src/a/f' ]
console.log((await fs.tail('/w/src/c', 0)).byteLength);                    // 0

// mv with maxDepth moves what lies within it, removes the directories it left empty,
// and leaves deeper entries where they were.
await fs.mv('/w/list', '/w/moved', { recursive: true, maxDepth: 2 });
console.log(await fs.find('/w/moved'), await fs.find('/w/list'));         // [ '/w/moved/a/f' ] [ '/w/list/b/g/x' ]
console.log(await fs.exists('/w/list/a'));                                 // false
