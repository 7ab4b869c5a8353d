/** S3 against a silent and a stalling server, and over a slow link: timeouts and aborts end every operation. */
import { useStore } from '@omnifs/testkit';
import { timeoutTests } from '../../../test/faults/timeouts';
import { freshBucket, makeFs, useS3 } from './helpers';

describe('s3: timeouts', function () {
  const s3 = useS3();
  const store = useStore(
    () => makeFs(s3.info),
    (fs) => freshBucket(s3.info, fs),
    { once: true },
  );

  timeoutTests({
    make: (endpoint, timeouts) => makeFs(s3.info, { endpoint, maxAttempts: 1, ...timeouts }),
    file: 'bucket/dir/file.bin',
    contentType: 'application/xml',
    real: () => ({ url: s3.info.endpoint, root: store.root }),
  });
});
