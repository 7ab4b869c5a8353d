/** Azure against a silent and a stalling server, and over a slow link: timeouts and aborts end every operation. */
import { timeoutTests } from '../../../test/faults/timeouts';
import { freshContainer, makeFs, useAzure } from './helpers';

describe('azure: timeouts', function () {
  const azure = useAzure();
  let root: string;
  before(async function () {
    root = await freshContainer(azure.info, makeFs(azure.info));
  });

  timeoutTests({
    make: (url, timeouts) =>
      makeFs(azure.info, {
        accountUrl: `${url}/${azure.info.accountName}`,
        pipelineOptions: { retryOptions: { maxTries: 1 } },
        ...timeouts,
      }),
    file: 'container/dir/file.bin',
    contentType: 'application/xml',
    real: () => ({ url: new URL(azure.info.blobEndpoint).origin, root }),
  });
});
