/** Azure Blob through the fault proxy: every transfer ends byte-exact or with a clear error, never short. */
import { expect } from 'chai';
import { FsError } from '@omnifs/core';
import { chunked } from '@omnifs/testkit';
import { startFaultProxy } from '../../../test/faults/proxy';
import { flakyUploadTest, throttledReadTest, useFaultProxy } from '../../../test/faults/stores';
import { accountSas } from '../../../test/faults/backends';
import { cutDownloadTests, ignoredRangeTests } from '../../../test/faults/downloads';
import type { AzureBlobFileSystem, AzureBlobOptions } from '@omnifs/azure';
import { leanFromEnv, makeFs, useAzure, useContainer } from './helpers';

const MiB = 1024 * 1024;

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
  const faults = useFaultProxy(async () => ({
    proxy: await startFaultProxy({ target: new URL(az.info.blobEndpoint).origin, seed: 7 }),
  }));
  const store = useContainer();
  const target = { faults, store, throttle: SERVER_BUSY };

  const viaProxy = (maxTries: number, extra: AzureBlobOptions = {}): AzureBlobFileSystem =>
    makeFs(az.info, {
      accountUrl: `${faults.proxy.url}${new URL(az.info.blobEndpoint).pathname}`,
      partSize: 4 * MiB,
      pipelineOptions: { retryOptions: { maxTries, retryDelayInMs: 10, maxRetryDelayInMs: 50 } },
      ...extra,
    });

  flakyUploadTest(target, {
    what: 'staged-block upload',
    viaProxy: () => viaProxy(8),
    size: 17 * MiB + 9,
    body: (data) => chunked(data, 999_999),
  });

  cutDownloadTests({
    proxy: () => faults.proxy,
    direct: () => store.fs,
    viaProxy: () => viaProxy(3),
    root: () => store.root,
    size: 10 * MiB,
    cutAfter: MiB,
    isDownload: (r) => r.method === 'GET',
    code: 'ECONNRESET',
    // The lean path reads each part of a get whole into its buffer, and retries it; the SDK path streams it.
    partsRetried: leanFromEnv().leanRequests !== false,
  });

  // By an account SAS: Shared Key signs x-ms-range, which the proxy drops. On both paths:
  // the lean client's reads and the SDK's download each cut a whole blob themselves.
  for (const leanRequests of [true, false]) {
    describe(leanRequests ? 'lean requests' : 'SDK requests', function () {
      ignoredRangeTests({
        proxy: () => faults.proxy,
        direct: () => store.fs,
        viaProxy: () => viaProxy(3, { accountKey: undefined, sasToken: accountSas(az.info), leanRequests }),
        root: () => store.root,
        size: 12 * MiB,
      });
    });
  }

  throttledReadTest(target, { viaProxy: () => viaProxy(2), attempts: 2, message: 'ServerBusy' });

  it('appends each block at most once through resets and 500s: the blob holds exactly the appends that succeeded', async function () {
    const { proxy } = faults;
    const { fs: direct, root } = store;
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

  it('deletes blob by blob when a blob batch fails as a whole (500), once, without waiting for retries', async function () {
    const { proxy } = faults;
    const { fs: direct, root } = store;
    await direct.pipe({ [`${root}/d/a`]: 'a', [`${root}/d/b`]: 'b', [`${root}/e/c`]: 'c' });
    const fs = viaProxy(4);
    let batches = 0;
    proxy.addRule({
      fault: { kind: 'status', status: 500 },
      match: (r) => r.url.includes('comp=batch') && ++batches > 0,
    });
    const t0 = Date.now();
    await fs.rm(`${root}/d`, { recursive: true });
    expect(await direct.find(`${root}/d`)).to.deep.equal([]);
    expect(batches).to.equal(1); // not retried: the blobs went one by one at once
    expect(Date.now() - t0).to.be.below(3000);
    // A failure that may pass: the next removal asks a batch again.
    await fs.rm(`${root}/e`, { recursive: true });
    expect(batches).to.equal(2);
    proxy.clearRules();
    expect(await direct.find(`${root}/e`)).to.deep.equal([]);
  });
});
