/** The shared behaviour suite of @omnifs/testkit, run against Azure Blob on the harness's Azurite. */
import { bucketTarget, conformanceSuite } from '@omnifs/testkit';
import { AzureBlobFileSystem } from '@omnifs/azure';
import { freshContainer, leanFromEnv, makeFs, useAzure } from './helpers';

/** Whether the suites' filesystems take the lean path (the filesystem's default unless the environment says). */
function defaultLean(): boolean {
  return leanFromEnv().leanRequests ?? true;
}

/**
 * The suite once on the filesystem's default request path and once on the other one
 * (the lean path and the SDK's), so each behaviour is checked on both.
 */
for (const leanRequests of [undefined, !defaultLean()]) {
  const path = leanRequests === undefined ? 'default requests' : leanRequests ? 'lean requests' : 'SDK requests';
  const lean = leanRequests === undefined ? {} : { leanRequests };
  describe(`azure: conformance (${path})`, function () {
    const az = useAzure();

    conformanceSuite({
      name: `azure (Azurite, ${path})`,
      ...bucketTarget(
        () => makeFs(az.info, lean),
        (fs) => freshContainer(az.info, fs),
      ),
      declared: new AzureBlobFileSystem({ accountName: 'declared', accountKey: 'a2V5' }).capabilities,
      secretFactory: (secret) => makeFs(az.info, { ...lean, accountKey: secret }),
      teardown: (fs) => (fs as AzureBlobFileSystem).destroy(),
      timeout: 60_000,
    });
  });
}
