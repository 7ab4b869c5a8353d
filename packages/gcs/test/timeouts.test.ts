/** GCS against a silent and a stalling server, and over a slow link: timeouts and aborts end every operation. */
import { useStore } from '@omnifs/testkit';
import { timeoutTests } from '../../../test/faults/timeouts';
import { freshBucket, makeFs, useGcs } from './helpers';

describe('gcs: timeouts', function () {
  const gcs = useGcs();
  const store = useStore(
    () => makeFs(gcs.info),
    (fs) => freshBucket(gcs.info, fs),
    { once: true },
  );

  timeoutTests({
    make: (apiEndpoint, timeouts) =>
      makeFs(gcs.info, { apiEndpoint, storageOptions: { retryOptions: { autoRetry: false } }, ...timeouts }),
    file: 'bucket/dir/file.bin',
    // A JSON answer cut after a few bytes.
    contentType: 'application/json',
    real: () => ({ url: gcs.info.apiEndpoint, root: store.root }),
  });
});
