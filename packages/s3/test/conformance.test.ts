/** The shared behaviour suite of @omnifs/testkit, run against S3 on the harness's server. */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { conformanceSuite, randomName } from '@omnifs/testkit';
import { freshName } from '../../../test/servers/index';
import { S3FileSystem } from '@omnifs/s3';
import { makeFs, useS3 } from './helpers';

describe('s3: conformance', function () {
  const s3 = useS3();
  let bucket: string;

  conformanceSuite({
    name: 's3 (moto)',
    factory: async () => {
      const fs = makeFs(s3.info);
      bucket = s3.info.bucket ?? freshName('conformance');
      if (!s3.info.bucket) await fs.client.send(new CreateBucketCommand({ Bucket: bucket }));
      return fs;
    },
    root: () => `${bucket}/${randomName()}`,
    declared: new S3FileSystem({ region: 'us-east-1' }).capabilities,
    secretFactory: (secret) =>
      makeFs(s3.info, { credentials: { accessKeyId: 'conformance', secretAccessKey: secret, sessionToken: secret } }),
    teardown: (fs) => (fs as S3FileSystem).destroy(),
    timeout: 60_000,
  });
});
