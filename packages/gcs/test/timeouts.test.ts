/** GCS against a silent and a stalling server, and over a slow link: timeouts and aborts end every operation. */
import { timeoutTests } from '../../../test/faults/timeouts';
import { makeFs, useBucket } from './helpers';

describe('gcs: timeouts', function () {
  const store = useBucket({}, { once: true });

  timeoutTests({
    make: (apiEndpoint, timeouts) =>
      makeFs(store.info, { apiEndpoint, storageOptions: { retryOptions: { autoRetry: false } }, ...timeouts }),
    file: 'bucket/dir/file.bin',
    // A JSON answer cut after a few bytes.
    contentType: 'application/json',
    real: () => ({ url: store.info.apiEndpoint, root: store.root }),
  });
});
