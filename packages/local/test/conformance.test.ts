import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filesystem } from '@omnifs/core';
import { conformanceSuite } from '@omnifs/testkit';
import '../src';

conformanceSuite({
  name: 'local',
  factory: () => filesystem('file'),
  root: () => mkdtemp(join(tmpdir(), 'omnifs-local-')),
  cleanup: (_fs, root) => rm(root, { recursive: true, force: true }),
});
