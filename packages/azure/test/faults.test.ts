/** Azure Blob through the fault proxy: every transfer ends byte-exact or with a clear error, never short. */
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { FsError } from '@omnifs/core';
import { chunked, expectFsError } from '@omnifs/testkit';
import { startFaultProxy, type FaultProxy } from '../../../test/faults/proxy';
import { cutDownloadTests } from '../../../test/faults/downloads';
import type { AzureBlobFileSystem } from '@omnifs/azure';
import { freshContainer, makeFs, useAzure } from './helpers';

const MiB = 1024 * 1024;
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Azure's answer when an account is throttled. */
const SERVER_BUSY = {
  kind: 'status',
  status: 503,
  body: '<?xml version="1.0" encoding="utf-8"?><Error><Code>ServerBusy</Code><Message>The server is busy.</Message></Error>',
  headers: { 'content-type': 'application/xml', 'x-ms-error-code': 'ServerBusy' },
} as const;

describe('azure: faults', function () {
  this.timeout(120_000);
  const az = useAzure();
  let proxy: FaultProxy;
  let direct: AzureBlobFileSystem;
  let root: string;

  before(async function () {
    proxy = await startFaultProxy({ target: new URL(az.info.blobEndpoint).origin, seed: 7 });
    direct = makeFs(az.info);
  });
  after(async function () {
    await proxy?.close();
  });
  beforeEach(async function () {
    proxy.clearRules();
    proxy.resetCounters();
    root = await freshContainer(az.info, direct);
  });

  const viaProxy = (maxTries: number): AzureBlobFileSystem =>
    makeFs(az.info, {
      accountUrl: `${proxy.url}${new URL(az.info.blobEndpoint).pathname}`,
      partSize: 4 * MiB,
      pipelineOptions: { retryOptions: { maxTries, retryDelayInMs: 10, maxRetryDelayInMs: 50 } },
    });

  it('retries past ServerBusy, 500 and resets during a staged-block upload and ends byte-exact', async function () {
    const fs = viaProxy(8);
    proxy.addRule({ fault: SERVER_BUSY, rate: 0.15 });
    proxy.addRule({ fault: { kind: 'status', status: 500 }, rate: 0.1 });
    proxy.addRule({ fault: { kind: 'reset' }, rate: 0.05 });
    const data = randomBytes(17 * MiB + 9);
    await fs.pipeFile(`${root}/flaky.bin`, chunked(data, 999_999));
    proxy.clearRules();
    expect(proxy.counters.statuses + proxy.counters.resets).to.be.greaterThan(0);
    expect(sha(await direct.catFile(`${root}/flaky.bin`))).to.equal(sha(data));
  });

  cutDownloadTests({
    proxy: () => proxy,
    direct: () => direct,
    viaProxy: () => viaProxy(3),
    root: () => root,
    size: 10 * MiB,
    cutAfter: MiB,
    isDownload: (r) => r.method === 'GET',
    code: 'ECONNRESET',
  });

  it('gives up on persistent ServerBusy with a temporary RateLimited error', async function () {
    await direct.writeText(`${root}/busy.txt`, 'x');
    const fs = viaProxy(2);
    proxy.addRule({ fault: SERVER_BUSY });
    const err = await expectFsError(fs.readText(`${root}/busy.txt`), 'RateLimited', 'EAGAIN');
    expect(err.temporary).to.equal(true);
    expect(err.message).to.contain('ServerBusy');
    expect(proxy.counters.statuses).to.equal(2);
  });

  it('appends each block at most once through resets and 500s: the blob holds exactly the appends that succeeded', async function () {
    const fs = viaProxy(6);
    proxy.addRule({ fault: { kind: 'reset' }, rate: 0.2 });
    proxy.addRule({ fault: { kind: 'status', status: 500 }, rate: 0.1 });
    const landed: string[] = [];
    for (let i = 0; i < 30; i++) {
      const line = `line ${i}\n`;
      try {
        const w = await fs.openWriter(`${root}/app.log`, { append: true });
        await w.write(Buffer.from(line));
        await w.close();
        landed.push(line);
      } catch (err) {
        expect(err).to.be.instanceOf(FsError);
        expect((err as FsError).temporary).to.equal(true);
      }
    }
    proxy.clearRules();
    expect(proxy.counters.statuses + proxy.counters.resets).to.be.greaterThan(0);
    expect(landed.length).to.be.greaterThan(20);
    expect(await direct.readText(`${root}/app.log`)).to.equal(landed.join(''));
  });

  it('reports the blobs a batch delete could not delete', async function () {
    await direct.pipe({ [`${root}/d/a`]: 'a', [`${root}/d/b`]: 'b' });
    const fs = viaProxy(1);
    proxy.addRule({ fault: { kind: 'status', status: 500 }, match: (r) => r.url.includes('comp=batch') });
    const err = await fs.rm(`${root}/d`, { recursive: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(FsError);
    expect((err as FsError).temporary).to.equal(true);
    proxy.clearRules();
    expect(await direct.find(`${root}/d`)).to.deep.equal([`${root}/d/a`, `${root}/d/b`]);
  });
});
