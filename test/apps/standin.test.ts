/**
 * The memory stand-in as a user meets it: an app whose module creates
 * `filesystem('s3', { region })` at import time, tested with mocha and with node:test,
 * with no credentials, and an S3 endpoint that counts every connection it gets.
 */
import { expect } from 'chai';
import { createServer, type Server, type Socket } from 'node:net';
import { type App, makeApp } from './app';

const STORAGE = `// The application's storage module: its S3 filesystem is made once, at import time.
import { filesystem } from '@omnifs/core';

export const s3 = filesystem('s3', { region: 'eu-west-1' });

export async function saveReport(name, rows) {
  await s3.writeText(\`reports/\${name}.csv\`, rows.map((row) => row.join(',')).join('\\n'));
}
`;

/** The same test for both runners; `imports` brings node:test's describe, it and hooks (mocha has them as globals). */
const testBody = (imports: string): string => `${imports}
import assert from 'node:assert/strict';
import { memoryStandIn } from '@omnifs/memory';
import { s3, saveReport } from '../src/storage.mjs';

describe('saveReport', () => {
  let standIn;
  before(() => { standIn = memoryStandIn(['s3']); });
  beforeEach(async () => {
    standIn.reset();
    await s3.makedirs('reports');
  });
  after(() => standIn.restore());

  it('writes the rows as CSV to the bucket', async () => {
    await saveReport('q4', [['a', 1], ['b', 2]]);
    assert.deepEqual(standIn.files(), { 's3://reports/q4.csv': 'a,1\\nb,2' });
    assert.equal(standIn.calls.put, 1);
    assert.equal(String(s3), 'MemoryStandIn(s3)');
  });

  it('fails as S3 does when the bucket is missing', async () => {
    await s3.rmdir('reports');
    await assert.rejects(saveReport('q4', []), { kind: 'NotFound', code: 'ENOENT' });
  });

  it('surfaces a throttled write as a temporary error', async () => {
    standIn.failNext('put', 'RateLimited');
    await assert.rejects(saveReport('q4', []), { kind: 'RateLimited', temporary: true });
  });
});
`;

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
      dependencies: { mocha: '^11.8.0' },
      files: {
        'src/storage.mjs': STORAGE,
        'test/report.mocha.mjs': testBody('// mocha: describe, it and the hooks are globals.'),
        'test/report.node-test.mjs': testBody("import { after, before, beforeEach, describe, it } from 'node:test';"),
        'real.mjs': "import { saveReport } from './src/storage.mjs';\nawait saveReport('q4', [['a', 1]]).catch((e) => console.log(e.kind));\n",
      },
    });
  });
  after(async () => {
    app?.remove();
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => endpoint?.close(resolve));
  });

  /** No credentials anywhere; every S3 request would go to the counting endpoint. */
  const env = (): Record<string, string> => ({ OMNIFS_S3_ENDPOINT: `http://127.0.0.1:${(endpoint.address() as { port: number }).port}` });

  it('passes under mocha, and nothing reaches S3', async () => {
    const before = connections;
    const r = await app.runBin('mocha', { args: ['test/report.mocha.mjs'], env: env() });
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.match(/3 passing/);
    expect(r.stdout).to.not.match(/failing|pending/);
    expect(connections - before).to.equal(0);
  });

  it('passes under node:test, and nothing reaches S3', async () => {
    const before = connections;
    const r = await app.run('--test', { args: ['test/report.node-test.mjs'], env: env() });
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.match(/# pass 3/).and.match(/# fail 0/);
    expect(connections - before).to.equal(0);
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
