/** The shared behaviour suite of @omnifs/testkit, run against GCS on the harness's fake-gcs-server. */
import { conformanceSuite, randomName } from '@omnifs/testkit';
import { freshName } from '../../../test/servers/index';
import { GCSFileSystem } from '@omnifs/gcs';
import { makeFs, useGcs } from './helpers';

describe('gcs: conformance', function () {
  const gcs = useGcs();
  let bucket: string;

  conformanceSuite({
    name: 'gcs (fake-gcs-server)',
    factory: async () => {
      const fs = makeFs(gcs.info);
      bucket = gcs.info.bucket ?? freshName('conformance');
      if (!gcs.info.bucket) await fs.storage.createBucket(bucket);
      return fs;
    },
    root: () => `${bucket}/${randomName()}`,
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
