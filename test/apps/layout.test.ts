/**
 * Protocol packages found the way strict layouts install them: pnpm without hoisting puts
 * each package in a store of its own, where `@omnifs/core` sees only its own dependencies
 * (none), so `filesystem('s3')` must find `@omnifs/s3` where the app has it, whatever
 * directory the process runs in.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, makeApp } from './app';

describe('an app whose @omnifs/core sits in a store of its own (pnpm without hoisting)', function () {
  this.timeout(240_000);
  let app: App;
  let store: string | undefined;

  before(async () => {
    app = await makeApp({
      packages: ['@omnifs/core', '@omnifs/s3', '@omnifs/memory'],
      files: {
        'main.mjs': [
          "import { filesystem } from '@omnifs/core';",
          "process.chdir('/');",
          "const s3 = filesystem('s3', { region: 'eu-west-1' });",
          'console.log(s3.constructor.name);',
          "try { filesystem('gs'); } catch (e) { console.log(e.kind, e.message); }",
        ].join('\n'),
      },
    });
    // core moved to a store outside the app and linked back, as pnpm links it: from
    // there, no node_modules above it holds @omnifs/s3.
    store = mkdtempSync(join(tmpdir(), 'omnifs-store-'));
    mkdirSync(join(store, '@omnifs'));
    renameSync(join(app.dir, 'node_modules', '@omnifs', 'core'), join(store, '@omnifs', 'core'));
    symlinkSync(join(store, '@omnifs', 'core'), join(app.dir, 'node_modules', '@omnifs', 'core'), 'dir');
  });
  after(() => {
    app?.remove();
    if (store) rmSync(store, { recursive: true, force: true });
  });

  it("finds the app's protocol package from the entry script, run from another directory", async () => {
    const r = await app.run('main.mjs');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim().split('\n')).to.deep.equal([
      'S3FileSystem',
      'Unsupported protocol "gs" needs the package @omnifs/gcs: npm install @omnifs/gcs (in a bundle, also import \'@omnifs/gcs\' in the app)',
    ]);
  });
});
