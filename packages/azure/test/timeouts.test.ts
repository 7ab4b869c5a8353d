/** Azure against a silent and a stalling server, and over a slow link: timeouts and aborts end every operation. */
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
});
