/**
 * logsync as an app meets it, installed from the packed packages outside the workspace:
 * with a GCS target that never answers, failures show on stderr as they happen, close()
 * ends by its deadline, and nothing of logsync keeps the process alive afterwards (the
 * silent server resets its connections after 4 s, as a dead route eventually does: a
 * request the backend itself keeps open ends with it). logsync does the retrying, so the
 * GCS client's own retries are off: left on, their backoff (1 + 2 + 4 + 8 + 16 s) keeps
 * the process alive about 31 s after close() has returned.
 */
import { expect } from 'chai';
import { type App, makeApp } from '../../../test/apps/app';
import { startBlackhole, type Blackhole } from './helpers/blackhole';

const MAIN = `import { createLogSync } from '@omnifs/logsync';
const log = await createLogSync({
  logDir: 'gs://bucket/runs', experiment: 'run-1', syncIntervalMs: 300,
  storageOptions: { apiEndpoint: process.env.ENDPOINT, projectId: 'p', storageOptions: { retryOptions: { autoRetry: false } } },
  retry: { attemptTimeoutMs: 400 },
});
for (let i = 0; i < 100; i++) log.info('line ' + i);
await log.epochEnd(1, { loss: 0.5 });
await new Promise((r) => setTimeout(r, 1500));
const started = Date.now();
try {
  await log.close({ timeoutMs: 2000 });
  console.log('closed');
} catch (err) {
  console.log('close failed', err.code, Date.now() - started < 3000, err.message.includes(log.spoolDir));
}
`;

describe('logsync in an app with no network', function () {
  this.timeout(240_000);
  let app: App;
  let silent: Blackhole;

  before(async () => {
    silent = await startBlackhole(undefined, { dropAfterMs: 4000 });
    app = await makeApp({
      packages: ['@omnifs/core', '@omnifs/local', '@omnifs/logsync', '@omnifs/gcs'],
      files: { 'main.mjs': MAIN },
    });
  });
  after(async () => {
    app?.remove();
    await silent?.close();
  });

  it('reports failed syncs on stderr as they happen, close() keeps its deadline, the process exits', async () => {
    const r = await app.run('main.mjs', { env: { ENDPOINT: silent.url }, timeoutMs: 30_000 });
    expect(r.stdout.trim(), r.stderr).to.equal('close failed ETIMEDOUT true true');
    expect(r.signal, r.stderr).to.equal(null);
    expect(r.code, r.stderr).to.equal(0);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('[logsync]'));
    expect(lines.length, r.stderr).to.be.within(1, 2);
    expect(lines[0]).to.match(/no answer within 400 ms/);
    expect(r.ms).to.be.lessThan(15_000);
  });
});
