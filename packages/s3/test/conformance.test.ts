/** The shared behaviour suite of @omnifs/testkit, run against S3 on the harness's server. */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { conformanceSuite, randomName } from '@omnifs/testkit';
import { freshName } from '../../../test/servers/index';
import { S3FileSystem } from '@omnifs/s3';
import { leanFromEnv, makeFs, useS3 } from './helpers';

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
  describe(`s3: conformance (${path})`, function () {
    const s3 = useS3();
    let bucket: string;

    conformanceSuite({
      name: `s3 (moto, ${path})`,
      factory: async () => {
        const fs = makeFs(s3.info, leanRequests === undefined ? {} : { leanRequests });
        bucket = s3.info.bucket ?? freshName('conformance');
        if (!s3.info.bucket) await fs.client.send(new CreateBucketCommand({ Bucket: bucket }));
        return fs;
      },
      root: () => `${bucket}/${randomName()}`,
      declared: new S3FileSystem({ region: 'us-east-1' }).capabilities,
      secretFactory: (secret) =>
        makeFs(s3.info, {
          ...(leanRequests === undefined ? {} : { leanRequests }),
          credentials: { accessKeyId: 'conformance', secretAccessKey: secret, sessionToken: secret },
        }),
      teardown: (fs) => (fs as S3FileSystem).destroy(),
      timeout: 60_000,
    });
  });
}
