import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filesystem } from '@omnifs/core';
import { conformanceSuite } from '@omnifs/testkit';
import { LocalFileSystem } from '@omnifs/local';

conformanceSuite({
  name: 'local',
  factory: () => filesystem('file'),
  declared: new LocalFileSystem().capabilities,
  root: () => mkdtemp(join(tmpdir(), 'omnifs-local-')),
  cleanup: (_fs, root) => rm(root, { recursive: true, force: true }),
});
