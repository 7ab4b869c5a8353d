#!/usr/bin/env node
'use strict';
// Compiled code is kept between runs (Node 22.1+): once the cache is warm a command starts
// 10-40 ms sooner (bench/cli-cold.mjs). NODE_COMPILE_CACHE=dir moves the cache,
// NODE_DISABLE_COMPILE_CACHE=1 turns it off; where it cannot be kept, nothing changes.
const { enableCompileCache } = require('node:module');
if (typeof enableCompileCache === 'function') enableCompileCache();
// The `omnifs` executable as npm links it. It is a file of the repository, not of the build,
// so the link exists even before `npm run build` has produced dist/.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const built = join(__dirname, '..', 'dist', 'bin.js');
if (!existsSync(built)) {
  process.stderr.write('omnifs: the CLI is not built yet: run `npm run build` in the omnifs repository\n');
  process.exit(1);
}
require(built);
