/** S3 against a silent and a stalling server, and over a slow link: timeouts and aborts end every operation. */
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
