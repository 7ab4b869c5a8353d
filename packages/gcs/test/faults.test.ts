/** GCS through the fault proxy: every transfer ends byte-exact or with a clear error, never short, and leaves nothing half-written. */
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { RetryFileSystem } from '@omnifs/core';
import { chunked, expectFsError } from '@omnifs/testkit';
import { GCSDeleteError, type GCSFileSystem } from '@omnifs/gcs';
import type { FaultProxy } from '../../../test/faults/proxy';
import { cutDownloadTests } from '../../../test/faults/downloads';
import { freshBucket, makeFs, recordingProxy, useGcs, type SeenRequest } from './helpers';

const MiB = 1024 * 1024;
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('gcs: faults', function () {
  this.timeout(120_000);
  const gcs = useGcs();
  let proxy: FaultProxy;
  let seen: SeenRequest[];
  let clearFaults: () => void;
  let direct: GCSFileSystem;
  let root: string;

  before(async function () {
    ({ proxy, seen, clearFaults } = await recordingProxy(gcs.info));
    direct = makeFs(gcs.info);
  });
  after(async function () {
    await proxy?.close();
  });
  beforeEach(async function () {
    clearFaults();
    proxy.resetCounters();
    seen.length = 0;
    root = await freshBucket(gcs.info, direct);
  });

  /** A filesystem through the proxy whose SDK retries `maxRetries` times, waiting at most a second. */
  const viaProxy = (maxRetries: number): GCSFileSystem =>
    makeFs(gcs.info, {
      apiEndpoint: proxy.url,
      partSize: MiB,
      storageOptions: {
        retryOptions: { maxRetries, maxRetryDelay: 1, retryDelayMultiplier: 1, autoRetry: maxRetries > 0 },
      },
    });

  it('reads metadata, listings and objects past 503s, 500s and resets (SDK retries, then the retry layer), byte-exact', async function () {
    const data = randomBytes(3 * MiB);
    await direct.pipeFile(`${root}/flaky.bin`, data);
    const fs = new RetryFileSystem({ fs: viaProxy(6), minDelayMs: 1, maxAttempts: 8 });
    proxy.addRule({ fault: { kind: 'slowdown' }, rate: 0.15, match: (r) => r.method === 'GET' });
    proxy.addRule({ fault: { kind: 'status', status: 500 }, rate: 0.1, match: (r) => r.method === 'GET' });
    proxy.addRule({ fault: { kind: 'reset' }, rate: 0.1, match: (r) => r.method === 'GET' });
    for (let i = 0; i < 4; i++) {
      expect(await fs.ls(root)).to.deep.equal([`${root}/flaky.bin`]);
      expect((await fs.info(`${root}/flaky.bin`)).size).to.equal(data.byteLength);
      expect(sha(await fs.catFile(`${root}/flaky.bin`))).to.equal(sha(data));
    }
    expect(proxy.counters.slowdowns + proxy.counters.statuses + proxy.counters.resets).to.be.greaterThan(0);
  });

  cutDownloadTests({
    proxy: () => proxy,
    direct: () => direct,
    viaProxy: () => viaProxy(0),
    root: () => root,
    size: 5 * MiB + 11,
    cutAfter: MiB / 2,
    isDownload: (r) => r.method === 'GET' && r.url.includes('alt=media'),
    code: 'UND_ERR_SOCKET',
  });

  it('gives up on persistent 503s with a temporary RateLimited error, persistent once the retry layer gave up', async function () {
    await direct.writeText(`${root}/busy.txt`, 'x');
    proxy.addRule({
      fault: {
        kind: 'status',
        status: 503,
        body: '{"error":{"code":503,"message":"Service Unavailable"}}',
        headers: { 'content-type': 'application/json' },
      },
    });
    const err = await expectFsError(viaProxy(1).readText(`${root}/busy.txt`), 'RateLimited', 'EAGAIN');
    expect(err.temporary).to.equal(true);
    expect(proxy.counters.statuses).to.equal(1); // reads are retried by the retry layer, not the SDK
    const retried = await expectFsError(
      new RetryFileSystem({ fs: viaProxy(1), minDelayMs: 1, maxAttempts: 3 }).readText(`${root}/busy.txt`),
      'RateLimited',
    );
    expect(retried).to.include({ persistent: true, temporary: false });
    expect(proxy.counters.statuses).to.equal(4);
  });

  it('fails a resumable upload whose data request is reset with a temporary error, cancelling the session and leaving no object', async function () {
    proxy.addRule({
      fault: { kind: 'reset' },
      failNext: 1,
      match: (r) =>
        r.method === 'PUT' && r.url.includes('upload_id=') && !/^bytes \*/.test(String(r.headers['content-range'])),
    });
    const data = randomBytes(4 * MiB + 3);
    const err = await expectFsError(
      viaProxy(3).pipeFile(`${root}/never.bin`, chunked(data, 500_000)),
      'Unexpected',
      'ECONNRESET',
    );
    expect(err.message).to.not.contain('upload_id');
    expect(err.temporary).to.equal(true);
    expect(proxy.counters.resets).to.equal(1);
    expect(seen.filter((r) => r.method === 'DELETE' && r.url.includes('upload_id='))).to.have.length(1);
    expect(await direct.exists(`${root}/never.bin`)).to.equal(false);
  });

  it('lands an upload byte-exact through the retry layer when its data request is reset', async function () {
    proxy.addRule({
      fault: { kind: 'reset' },
      failNext: 1,
      match: (r) =>
        r.method === 'PUT' && r.url.includes('upload_id=') && !/^bytes \*/.test(String(r.headers['content-range'])),
    });
    const data = randomBytes(4 * MiB + 3);
    await new RetryFileSystem({ fs: viaProxy(3), minDelayMs: 1 }).pipeFile(`${root}/again.bin`, data);
    expect(proxy.counters.resets).to.equal(1);
    expect(sha(await direct.catFile(`${root}/again.bin`))).to.equal(sha(data));
  });

  it('reports the objects it could not delete and deletes the others', async function () {
    await direct.pipe({ [`${root}/d/a`]: 'a', [`${root}/d/b`]: 'b', [`${root}/d/c`]: 'c', [`${root}/d/e`]: 'e' });
    const forbidden =
      '{"error":{"code":403,"message":"no storage.objects.delete access","errors":[{"reason":"forbidden"}]}}';
    proxy.addRule({
      fault: { kind: 'status', status: 403, body: forbidden, headers: { 'content-type': 'application/json' } },
      match: (r) => r.method === 'DELETE' && /%2Fb$|\/d%2Fb\?|d%2Fb$/.test(r.url),
    });
    proxy.addRule({
      fault: { kind: 'status', status: 403, body: forbidden, headers: { 'content-type': 'application/json' } },
      match: (r) => r.method === 'DELETE' && /d%2Fc(\?|$)/.test(r.url),
    });
    const err = (await viaProxy(0)
      .rm(`${root}/d`, { recursive: true })
      .then(
        () => undefined,
        (e: unknown) => e,
      )) as GCSDeleteError | undefined;
    expect(err).to.be.instanceOf(GCSDeleteError);
    expect(err!.kind).to.equal('PermissionDenied');
    expect(err!.failed.map((f) => f.path).sort()).to.deep.equal([`${root}/d/b`, `${root}/d/c`]);
    expect(err!.message).to.contain('could not delete 2 of 4 objects');
    expect(await direct.find(`${root}/d`)).to.deep.equal([`${root}/d/b`, `${root}/d/c`]);
  });
});
