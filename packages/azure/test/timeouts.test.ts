/** Azure against a silent and a stalling server, and over a slow link: timeouts and aborts end every operation. */
import { useStore } from '@omnifs/testkit';
import { timeoutTests } from '../../../test/faults/timeouts';
import { freshContainer, makeFs, useAzure } from './helpers';

describe('azure: timeouts', function () {
  const azure = useAzure();
  const store = useStore(
    () => makeFs(azure.info),
    (fs) => freshContainer(azure.info, fs),
    { once: true },
  );

  timeoutTests({
    make: (url, timeouts) =>
      makeFs(azure.info, {
        accountUrl: `${url}/${azure.info.accountName}`,
        pipelineOptions: { retryOptions: { maxTries: 1 } },
        ...timeouts,
      }),
    file: 'container/dir/file.bin',
    contentType: 'application/xml',
    real: () => ({ url: new URL(azure.info.blobEndpoint).origin, root: store.root }),
  });
});
