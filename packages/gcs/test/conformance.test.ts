/** The shared behaviour suite of @omnifs/testkit, run against GCS on the harness's fake-gcs-server. */
import { bucketTarget, conformanceSuite } from '@omnifs/testkit';
import { GCSFileSystem } from '@omnifs/gcs';
import { freshBucket, makeFs, useGcs } from './helpers';

describe('gcs: conformance', function () {
  const gcs = useGcs();

  conformanceSuite({
    name: 'gcs (fake-gcs-server)',
    ...bucketTarget(
      () => makeFs(gcs.info),
      (fs) => freshBucket(gcs.info, fs),
    ),
    declared: new GCSFileSystem({}).capabilities,
    secretFactory: (secret) =>
      makeFs(gcs.info, {
        token: secret,
        userProject: 'billed',
        storageOptions: { credentials: { client_email: 'x@y', private_key: secret } },
      }),
    timeout: 60_000,
  });
});
