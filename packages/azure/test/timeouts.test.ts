/** Azure against a silent and a stalling server, and over a slow link: timeouts and aborts end every operation. */
import { expect } from 'chai';
import { startFaultProxy } from '../../../test/faults/proxy';
import { sentWriteTests } from '../../../test/faults/sent';
import { timeoutTests } from '../../../test/faults/timeouts';
import { makeFs, useContainer } from './helpers';

describe('azure: timeouts', function () {
  const store = useContainer({}, { once: true });

  timeoutTests({
    make: (url, timeouts) =>
      makeFs(store.info, {
        accountUrl: `${url}/${store.info.accountName}`,
        pipelineOptions: { retryOptions: { maxTries: 1 } },
        ...timeouts,
      }),
    file: 'container/dir/file.bin',
    contentType: 'application/xml',
    real: () => ({ url: new URL(store.info.blobEndpoint).origin, root: store.root }),
  });

  it('waits for a slow answer to a sent upload under requestTimeout, not idleTimeout', async function () {
    const proxy = await startFaultProxy({ target: new URL(store.info.blobEndpoint).origin });
    try {
      proxy.addRule({ fault: { kind: 'delay', ms: 1200 }, match: (r) => r.method === 'PUT' });
      const fs = makeFs(store.info, {
        accountUrl: `${proxy.url}/${store.info.accountName}`,
        pipelineOptions: { retryOptions: { maxTries: 1 } },
        idleTimeout: 300,
        requestTimeout: 10_000,
      });
      const { root } = store;
      await fs.writeText(`${root}/slow-answer.txt`, 'x'.repeat(100_000));
      expect(proxy.counters.delays).to.be.greaterThan(0);
      expect(await fs.readText(`${root}/slow-answer.txt`)).to.have.length(100_000);
    } finally {
      await proxy.close();
    }
  });
});

describe('azure: writes aborted after they were sent', function () {
  const store = useContainer({}, { once: true });

  for (const leanRequests of [true, false])
    sentWriteTests({
      path: leanRequests ? 'lean' : 'SDK',
      make: (url) =>
        makeFs(store.info, {
          accountUrl: `${url}/${store.info.accountName}`,
          leanRequests,
          pipelineOptions: { retryOptions: { maxTries: 1 } },
        }),
      file: 'container/dir/sent.bin',
      answer: {
        status: 201,
        headers: {
          etag: '"0x8D0000000000000"',
          'last-modified': new Date().toUTCString(),
          'x-ms-version': '2025-01-05',
        },
      },
    });
});
