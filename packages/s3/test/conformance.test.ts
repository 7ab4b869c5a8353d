/** The shared behaviour suite of @omnifs/testkit, run against S3 on the harness's server. */
import { bucketTarget, conformanceSuite } from '@omnifs/testkit';
import { S3FileSystem } from '@omnifs/s3';
import { freshBucket, makeFs, useS3 } from './helpers';

describe('s3: conformance', function () {
  const s3 = useS3();

  conformanceSuite({
    name: 's3 (moto)',
    ...bucketTarget(
      () => makeFs(s3.info),
      (fs) => freshBucket(s3.info, fs),
    ),
    declared: new S3FileSystem({ region: 'us-east-1' }).capabilities,
    secretFactory: (secret) =>
      makeFs(s3.info, { credentials: { accessKeyId: 'conformance', secretAccessKey: secret, sessionToken: secret } }),
    teardown: (fs) => (fs as S3FileSystem).destroy(),
    timeout: 60_000,
  });
});
