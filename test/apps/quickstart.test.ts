import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type App, makeApp } from './app';

describe('an app outside the workspace', function () {
  this.timeout(180_000);
  let app: App;

  before(async () => {
    app = await makeApp({
      packages: ['@omnifs/core', '@omnifs/memory', '@omnifs/local'],
      files: {
        'quickstart.mjs': readFileSync(join(__dirname, '..', '..', 'examples', 'quickstart.mjs'), 'utf8'),
        'main.cjs':
          "const { filesystem, isFsError } = require('@omnifs/core');\n" +
          "const fs = filesystem('memory');\n" +
          "fs.readText('/nope').catch((e) => console.log(isFsError(e), e.code));\n",
      },
    });
  });
  after(() => app?.remove());

  it('installs the packed packages and runs the README example with ESM import', async () => {
    const r = await app.run('quickstart.mjs');
    expect(r.stderr).to.equal('');
    expect(r.code).to.equal(0);
    expect(r.stdout).to.contain("'/exp/run-1/notes.txt'").and.contain('loss=0.31');
  });

  it('loads with CommonJS require and reports a missing file as ENOENT', async () => {
    const r = await app.run('main.cjs');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal('true ENOENT');
  });

  it('resolves @omnifs packages from the app, not from the workspace', async () => {
    const r = await app.run('where.cjs', {});
    expect(r.code).to.not.equal(0); // no such file yet: the run reports it
    app.write('where.cjs', "console.log(require.resolve('@omnifs/core'));\n");
    const w = await app.run('where.cjs');
    expect(w.stdout.trim().startsWith(app.dir)).to.equal(true);
  });
});
