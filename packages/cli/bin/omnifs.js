#!/usr/bin/env node
'use strict';
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
