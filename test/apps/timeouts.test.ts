import { expect } from 'chai';
import { type App, makeApp } from './app';
import { startSilentServer, type TestServer } from '../faults/timeouts';

/** An app lists a bucket on a server that accepts connections and never answers. */
const MAIN = `import { filesystem } from '@omnifs/core';
import '@omnifs/s3';
const fs = filesystem('s3');
const wait = process.argv[2];
const started = Date.now();
const signal = wait ? AbortSignal.timeout(Number(wait)) : undefined;
let abortedAt;
signal?.addEventListener('abort', () => (abortedAt = Date.now()));
try {
  await fs.ls('bucket/dir', signal ? { signal } : {});
  console.log('listed');
} catch (e) {
  const now = Date.now();
  const afterAbort = abortedAt === undefined ? null : now - abortedAt;
  console.log(JSON.stringify({ kind: e.kind, code: e.code, temporary: e.temporary, ms: now - started, afterAbort }));
}
`;

describe('an app whose S3 endpoint never answers', function () {
  this.timeout(180_000);
  let app: App;
  let silent: TestServer;

  before(async () => {
    silent = await startSilentServer();
    app = await makeApp({ packages: ['@omnifs/core', '@omnifs/s3'], files: { 'main.mjs': MAIN } });
  });
  after(async () => {
    app?.remove();
    await silent?.close();
  });

  const env = (): Record<string, string> => ({
    OMNIFS_S3_ENDPOINT: silent.url,
    OMNIFS_S3_FORCE_PATH_STYLE: 'true',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'app-key',
    AWS_SECRET_ACCESS_KEY: 'app-secret',
  });

  it("gets a temporary ETIMEDOUT within its configured timeout, the SDK's retries included", async () => {
    const r = await app.run('main.mjs', {
      env: { ...env(), OMNIFS_S3_REQUEST_TIMEOUT: '300', OMNIFS_S3_IDLE_TIMEOUT: '300' },
      timeoutMs: 20_000,
    });
    expect(r.code, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout) as { kind: string; code: string; temporary: boolean; ms: number };
    expect(out).to.include({ code: 'ETIMEDOUT', temporary: true });
    expect(out.ms).to.be.below(4000); // three attempts of 300 ms and the SDK's backoff
  });

  it('with the default timeouts, is stopped by AbortSignal.timeout at once', async () => {
    const r = await app.run('main.mjs', { env: env(), args: ['500'], timeoutMs: 20_000 });
    expect(r.code, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout) as { kind: string; ms: number; afterAbort: number | null };
    expect(out.kind).to.equal('Aborted');
    // The abort fires no earlier than 500 ms (later when the machine is busy); the call ends
    // soon after it, where the default request timeout would have taken a minute.
    expect(out.ms).to.be.at.least(500);
    expect(out.afterAbort).to.be.a('number').and.to.be.below(1_000);
  });
});
