/** The shared behaviour suite of @omnifs/testkit, run against Azure Blob on the harness's Azurite. */
import { conformanceSuite, randomName } from '@omnifs/testkit';
import { freshName } from '../../../test/servers/index';
import { AzureBlobFileSystem } from '@omnifs/azure';
import { makeFs, useAzure } from './helpers';

describe('azure: conformance', function () {
  const az = useAzure();
  let container: string;

  conformanceSuite({
    name: 'azure (Azurite)',
    factory: async () => {
      const fs = makeFs(az.info);
      container = az.info.container ?? freshName('conformance');
      if (!az.info.container) await fs.service.getContainerClient(container).create();
      return fs;
    },
    root: () => `${container}/${randomName()}`,
    declared: new AzureBlobFileSystem({ accountName: 'declared', accountKey: 'a2V5' }).capabilities,
    secretFactory: (secret) => makeFs(az.info, { accountKey: secret }),
    timeout: 60_000,
  });
});
