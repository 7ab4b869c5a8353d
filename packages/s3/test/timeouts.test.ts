/** S3 against a silent and a stalling server, and over a slow link: timeouts and aborts end every operation. */
import { createServer, type AddressInfo } from 'node:net';
import { expect, expectFsError } from '@omnifs/testkit';
import { sentWriteTests } from '../../../test/faults/sent';
import { timeoutTests } from '../../../test/faults/timeouts';
import { makeFs, useBucket } from './helpers';

describe('s3: timeouts', function () {
  const store = useBucket({}, { once: true });

  timeoutTests({
    make: (endpoint, timeouts) => makeFs(store.info, { endpoint, maxAttempts: 1, ...timeouts }),
    file: 'bucket/dir/file.bin',
    contentType: 'application/xml',
    real: () => ({ url: store.info.endpoint, root: store.root }),
  });
});

describe('s3: writes aborted after they were sent', function () {
  const store = useBucket({}, { once: true });

  for (const leanRequests of [true, false])
    sentWriteTests({
      path: leanRequests ? 'lean' : 'SDK',
      make: (endpoint) => makeFs(store.info, { endpoint, leanRequests, maxAttempts: 1 }),
      file: 'bucket/dir/sent.bin',
      answer: { status: 200, headers: { etag: '"0123456789abcdef0123456789abcdef"' } },
    });
});

describe('s3: a timeout after the retries', function () {
  const store = useBucket({}, { once: true });

  for (const leanRequests of [true, false])
    it(`says how many attempts were made (${leanRequests ? 'lean' : 'SDK'} path)`, async function () {
      const silent = createServer(() => undefined);
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      try {
        const endpoint = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
        const fs = makeFs(store.info, { endpoint, leanRequests, maxAttempts: 2, requestTimeout: 200 });
        const err = await expectFsError(fs.info('bucket/key'), 'Unexpected', 'ETIMEDOUT');
        expect(err.attempts).to.equal(2);
        expect(err.message).to.match(/within 200 ms \(after 2 attempts\)$/);
        expect(err.temporary).to.equal(true);
      } finally {
        silent.close();
      }
    });
});
