/** The shared behaviour suite of @omnifs/testkit, run against Azure Blob on the harness's Azurite. */
import { bucketTarget, conformanceSuite } from '@omnifs/testkit';
import { AzureBlobFileSystem } from '@omnifs/azure';
import { freshContainer, makeFs, useAzure } from './helpers';

describe('azure: conformance', function () {
  const az = useAzure();

  conformanceSuite({
    name: 'azure (Azurite)',
    ...bucketTarget(
      () => makeFs(az.info),
      (fs) => freshContainer(az.info, fs),
    ),
    declared: new AzureBlobFileSystem({ accountName: 'declared', accountKey: 'a2V5' }).capabilities,
    secretFactory: (secret) => makeFs(az.info, { accountKey: secret }),
    timeout: 60_000,
  });
});
