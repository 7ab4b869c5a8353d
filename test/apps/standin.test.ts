/**
 * The memory stand-in as a user meets it: the app of examples/testing/, whose module creates
 * `filesystem('s3', { region })` at import time, tested with mocha, node:test, jest and
 * vitest, with no credentials, and an S3 endpoint that counts every connection it gets.
 */
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { type App, makeApp } from './app';

const EXAMPLES = join(__dirname, '..', '..', 'examples', 'testing');
const example = (file: string): string => readFileSync(join(EXAMPLES, file), 'utf8');

describe('an app tested with the memory stand-in', function () {
  this.timeout(240_000);
  let app: App;
  let endpoint: Server;
  let connections = 0;
  const sockets = new Set<Socket>();

  before(async () => {
    endpoint = createServer((socket) => {
      connections++;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.destroy();
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    app = await makeApp({
      packages: ['@omnifs/core', '@omnifs/s3', '@omnifs/memory'],
      dependencies: { mocha: '^11.8.0', jest: '^30.0.0', vitest: '^3.2.0' },
      files: {
        ...Object.fromEntries(
          [
            'report.mjs',
            'report.test.mjs',
            'report.node-test.mjs',
            'report.jest.test.mjs',
            'report.vitest.test.mjs',
            'content-type.mjs',
          ].map((f) => [f, example(f)]),
        ),
        'gcs.mjs': [
          "import { urlToFs } from '@omnifs/core';",
          "import { memoryStandIn } from '@omnifs/memory';",
          "const standIn = memoryStandIn(['s3', 'gs']);",
          "const { fs, path } = urlToFs('gcs://bucket/k.txt');",
          "await fs.makedirs('bucket');",
          "await fs.writeText(path, 'x');",
          'console.log(JSON.stringify(standIn.files()));',
          'standIn.restore();',
          "try { urlToFs('gcs://bucket/k.txt'); } catch (e) { console.log(e.code, e.message.includes('npm install @omnifs/gcs')); }",
        ].join('\n'),
        'dir.mjs': [
          "import { urlToFs } from '@omnifs/core';",
          "import { memoryStandIn } from '@omnifs/memory';",
          "const { fs: logs } = urlToFs('dir::s3://bucket/logs');",
          "const standIn = memoryStandIn(['s3']);",
          "await urlToFs('s3://bucket').fs.makedirs('bucket');",
          "await logs.writeText('a.txt', 'a');",
          'console.log(JSON.stringify(standIn.files()));',
          'standIn.restore();',
          "await logs.writeText('b.txt', 'b').catch((e) => console.log(e.kind, e.code));",
        ].join('\n'),
        'reset-report.cjs': [
          "const { filesystem } = require('@omnifs/core');",
          "const s3 = filesystem('s3', { region: 'eu-west-1' });",
          'exports.s3 = s3;',
          "exports.saveReport = (name, rows) => s3.writeText(`reports/${name}.csv`, rows.map((r) => r.join(',')).join('\\n'));",
        ].join('\n'),
        'reset.jest.test.cjs': [
          'let standIn, report;',
          'beforeEach(async () => {',
          '  jest.resetModules();',
          "  report = require('./reset-report.cjs');",
          "  standIn = require('@omnifs/memory').memoryStandIn(['s3']);",
          "  await report.s3.makedirs('reports');",
          '});',
          'afterEach(() => standIn.restore());',
          "for (const name of ['q1', 'q2', 'q3']) {",
          '  it(`saves ${name} to memory`, async () => {',
          "    await report.saveReport(name, [['a', 1]]);",
          "    expect(standIn.files()).toEqual({ [`s3://reports/${name}.csv`]: 'a,1' });",
          '  });',
          '}',
        ].join('\n'),
        'two-cores.cjs': [
          "const first = require('@omnifs/core');",
          "const s3 = first.filesystem('s3', { region: 'eu-west-1' });",
          '// A second copy of core, as a library with its own version brings: the stand-in goes in there.',
          'for (const k of Object.keys(require.cache)) if (/[\\\\/]@omnifs[\\\\/]/.test(k)) delete require.cache[k];',
          "const second = require('@omnifs/core');",
          "const standIn = require('@omnifs/memory').memoryStandIn(['s3']);",
          '(async () => {',
          "  await s3.makedirs('bucket');",
          "  await s3.writeText('bucket/k.txt', 'x');",
          "  console.log(first === second, JSON.stringify(standIn.files()), second.filesystem('s3', { region: 'eu-west-1' }).constructor.name);",
          '  standIn.restore();',
          '})();',
        ].join('\n'),
        'real.mjs':
          "import { saveReport } from './report.mjs';\nawait saveReport('q4', [['a', 1]]).catch((e) => console.log(e.kind));\n",
        'local.mjs': [
          "import { existsSync } from 'node:fs';",
          "import { filesystem, urlToFs } from '@omnifs/core';",
          "import { memoryStandIn } from '@omnifs/memory';",
          "const standIn = memoryStandIn(['file']);",
          "await urlToFs('file://rel/a.txt').fs.writeText('file://rel/a.txt', 'a');",
          "await filesystem('local').writeText('rel/b.txt', 'b');",
          'console.log(JSON.stringify(Object.keys(standIn.files())), existsSync("rel"));',
          'standIn.restore();',
          "const abs = process.cwd() + '/abs';",
          "for (const url of ['file://rel/a.txt', `file://${abs}/c.txt`, `file://localhost${abs}/d.txt`]) {",
          '  const { fs, path } = urlToFs(url);',
          '  await fs.writeText(path, url);',
          '  console.log(path);',
          '}',
        ].join('\n'),
      },
    });
  });
  after(async () => {
    app?.remove();
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => endpoint?.close(resolve));
  });

  /** No credentials anywhere; every S3 request would go to the counting endpoint. */
  const env = (): Record<string, string> => ({
    OMNIFS_S3_ENDPOINT: `http://127.0.0.1:${(endpoint.address() as { port: number }).port}`,
  });

  it('passes under mocha, and nothing reaches S3', async () => {
    const before = connections;
    const r = await app.runBin('mocha', { args: ['report.test.mjs'], env: env() });
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout)
      .to.match(/2 passing/)
      .and.not.match(/failing|pending/);
    expect(connections - before).to.equal(0);
  });

  it('passes under node:test, and nothing reaches S3', async () => {
    const before = connections;
    // The TAP reporter on every Node version (Node 24 prints `spec` when not on a terminal).
    const r = await app.run('--test', { args: ['--test-reporter=tap', 'report.node-test.mjs'], env: env() });
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout)
      .to.match(/# pass 2/)
      .and.match(/# fail 0/);
    expect(connections - before).to.equal(0);
  });

  it('passes under jest (native ESM), and nothing reaches S3', async () => {
    const before = connections;
    const r = await app.run('node_modules/jest/bin/jest.js', {
      args: ['--ci', 'report.jest'],
      env: { ...env(), NODE_OPTIONS: '--experimental-vm-modules' },
    });
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stderr).to.match(/Tests:\s+2 passed, 2 total/);
    expect(connections - before).to.equal(0);
  });

  it('passes under vitest, and nothing reaches S3', async () => {
    const before = connections;
    const r = await app.runBin('vitest', { args: ['run', 'report.vitest'], env: env() });
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.match(/Tests\s+2 passed \(2\)/);
    expect(connections - before).to.equal(0);
  });

  it('passes under jest with jest.resetModules() before each test, and nothing reaches S3', async () => {
    const before = connections;
    const r = await app.run('node_modules/jest/bin/jest.js', { args: ['--ci', 'reset.jest'], env: env() });
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stderr).to.match(/Tests:\s+3 passed, 3 total/);
    expect(connections - before).to.equal(0);
  });

  it('redirects an instance made by another copy of core, and nothing reaches S3', async () => {
    const before = connections;
    const r = await app.run('two-cores.cjs', { env: env() });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal('false {"s3://bucket/k.txt":"x"} MemoryStandIn');
    expect(connections - before).to.equal(0);
  });

  it("stores the content type a module-level instance's writeParams name, and nothing reaches S3", async () => {
    const before = connections;
    const r = await app.run('content-type.mjs', { env: env() });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal('content types as on S3');
    expect(connections - before).to.equal(0);
  });

  it('serves gcs:// from memory though @omnifs/gcs is not installed, until restored', async () => {
    const r = await app.run('gcs.mjs');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim().split('\n')).to.deep.equal(['{"gs://bucket/k.txt":"x"}', 'ENOTSUP true']);
  });

  it('serves a chained URL made at import time, before the stand-in, and gives it back after', async () => {
    const before = connections;
    const r = await app.run('dir.mjs', {
      env: { ...env(), AWS_ACCESS_KEY_ID: 'AKIAFAKE', AWS_SECRET_ACCESS_KEY: 'fake', OMNIFS_S3_MAX_ATTEMPTS: '1' },
    });
    expect(r.code, r.stderr).to.equal(0);
    const [files, after] = r.stdout.trim().split('\n');
    expect(JSON.parse(files!)).to.deep.equal({ 's3://bucket/logs/a.txt': 'a' });
    // Restored: the second write goes to the endpoint, which hangs up.
    expect(after).to.equal('Unexpected ECONNRESET');
    expect(connections - before).to.be.greaterThan(0);
  });

  it('reads file://rel and relative paths against the working directory, stand-in or disk, as fsspec', async () => {
    const r = await app.run('local.mjs');
    expect(r.code, r.stderr).to.equal(0);
    // The stand-in keeps the files where the disk would have them, and writes nothing there.
    expect(r.stdout.trim().split('\n')).to.deep.equal([
      `${JSON.stringify([`file://${app.dir}/rel/a.txt`, `file://${app.dir}/rel/b.txt`])} false`,
      `${app.dir}/rel/a.txt`,
      `${app.dir}/abs/c.txt`,
      `${app.dir}/abs/d.txt`,
    ]);
    expect(readFileSync(join(app.dir, 'rel', 'a.txt'), 'utf8')).to.equal('file://rel/a.txt');
    expect(readFileSync(join(app.dir, 'abs', 'd.txt'), 'utf8')).to.equal(`file://localhost${app.dir}/abs/d.txt`);
    expect(existsSync('/rel/a.txt')).to.equal(false);
  });

  it('reaches the endpoint without the stand-in (so a silent endpoint above means no request)', async () => {
    const before = connections;
    const r = await app.run('real.mjs', {
      env: { ...env(), AWS_ACCESS_KEY_ID: 'AKIAFAKE', AWS_SECRET_ACCESS_KEY: 'fake', OMNIFS_S3_MAX_ATTEMPTS: '1' },
    });
    expect(r.code, r.stderr).to.equal(0);
    expect(connections - before).to.be.greaterThan(0);
  });
});

describe('docs/testing-with-memory.md', () => {
  it('shows the examples of examples/testing exactly as they are, one per test runner', () => {
    const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'testing-with-memory.md'), 'utf8');
    const shown = [...doc.matchAll(/<!-- example: examples\/testing\/(\S+) -->\n```[a-z]*\n([\s\S]*?)```/g)];
    expect(shown.map((m) => m[1])).to.deep.equal([
      'report.mjs',
      'report.test.mjs',
      'report.node-test.mjs',
      'report.jest.test.mjs',
      'report.vitest.test.mjs',
      'content-type.mjs',
    ]);
    for (const [, file, code] of shown) expect(code, file).to.equal(example(file!));
  });
});
