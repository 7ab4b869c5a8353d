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
        'backend.mjs': readFileSync(join(__dirname, '..', '..', 'examples', 'backend.mjs'), 'utf8'),
        'from-fsspec.mjs': readFileSync(join(__dirname, '..', '..', 'examples', 'from-fsspec.mjs'), 'utf8'),
        'read-blocks.mjs': readFileSync(join(__dirname, '..', '..', 'examples', 'read-blocks.mjs'), 'utf8'),
        'copy-live-dir.mjs': readFileSync(join(__dirname, '..', '..', 'examples', 'copy-live-dir.mjs'), 'utf8'),
        'backend.cjs':
          "const core = require('@omnifs/core');\n" +
          "const backend = require('@omnifs/core/backend');\n" +
          'console.log(backend.ObjectStoreFileSystem.prototype instanceof core.FileSystem,\n' +
          '  typeof backend.MultipartWriter, typeof core.MultipartWriter, typeof backend.errors.notFound);\n',
        'types.mts':
          "import { filesystem, type FileInfo } from '@omnifs/core';\n" +
          "import { errors, type CapabilityFacts, type ReadOptions } from '@omnifs/core/backend';\n" +
          'const facts: CapabilityFacts = { realDirectories: false };\n' +
          'const read: ReadOptions = {};\n' +
          "const info: FileInfo = { name: 'a', size: 0, type: 'file' };\n" +
          "console.log(filesystem('memory').protocol, errors.notFound('a').code, facts, read, info.name);\n" +
          '// Reads are typed as Buffers, whose toString(encoding) takes an encoding.\n' +
          "export const text = async (): Promise<string> => (await filesystem('memory').catFile('/a')).toString('latin1');\n" +
          "export const first = async (): Promise<string> => (await (await filesystem('memory').open('/a')).read(1)).toString('hex');\n" +
          "export const block = async (): Promise<string> => (await filesystem('memory').readBlock('/a', 0, null, { delimiter: '\\n' })).toString('utf8');\n",
        'tsconfig.json': JSON.stringify({
          compilerOptions: {
            module: 'node16',
            moduleResolution: 'node16',
            strict: true,
            noEmit: true,
            skipLibCheck: true,
            types: [],
          },
          files: ['types.mts'],
        }),
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

  it('runs the fsspec habits example: bytes read, from a whole file or an open one, print as text', async () => {
    const r = await app.run('from-fsspec.mjs');
    expect(r.stderr).to.equal('');
    expect(r.code).to.equal(0);
    expect(r.stdout.split('\n').slice(0, 2)).to.deep.equal(['x,y', '3,4']);
  });

  it('runs the read_block example: a file of records read in blocks cut on newlines', async () => {
    const r = await app.run('read-blocks.mjs');
    expect(r.stderr).to.equal('');
    expect(r.code).to.equal(0);
    expect(r.stdout.trim().split('\n')).to.deep.equal(['7 10000', '{"step":0,"l', '{"step":0,"loss":1}']);
  });

  it('runs the copy-live-dir example: a file removed mid-copy is skipped by cp -r, or fails it', async () => {
    const r = await app.run('copy-live-dir.mjs');
    expect(r.stderr).to.equal('');
    expect(r.code).to.equal(0);
    expect(r.stdout.trim().split('\n')).to.deep.equal([
      "[ 'app.log', 'app.log.1' ]",
      "[ 'NotFound app.log.2' ]",
      'ENOENT',
    ]);
  });

  it('loads with CommonJS require and reports a missing file as ENOENT', async () => {
    const r = await app.run('main.cjs');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal('true ENOENT');
  });

  it('gives backend authors @omnifs/core/backend, with ESM import, CommonJS require and types', async () => {
    const esm = await app.run('backend.mjs');
    expect(esm.stderr).to.equal('');
    expect(esm.stdout).to.contain('{ copy: true, rename: false, realDirectories: false }');
    const cjs = await app.run('backend.cjs');
    expect(cjs.code, cjs.stderr).to.equal(0);
    // One copy of core behind both entries; writer helpers are for backends, not users.
    expect(cjs.stdout.trim()).to.equal('true function undefined function');
    const tsc = await app.run(require.resolve('typescript/bin/tsc'), { args: ['-p', 'tsconfig.json'] });
    expect(tsc.stdout + tsc.stderr).to.equal('');
    expect(tsc.code).to.equal(0);
  });

  it('resolves @omnifs packages from the app, not from the workspace', async () => {
    const r = await app.run('where.cjs', {});
    expect(r.code).to.not.equal(0); // no such file yet: the run reports it
    app.write('where.cjs', "console.log(require.resolve('@omnifs/core'));\n");
    const w = await app.run('where.cjs');
    expect(w.stdout.trim().startsWith(app.dir)).to.equal(true);
  });
});
