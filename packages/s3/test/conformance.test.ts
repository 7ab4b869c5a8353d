/** The shared behaviour suite of @omnifs/testkit, run against S3 on the harness's server. */
import { bucketTarget, conformanceSuite } from '@omnifs/testkit';
import { S3FileSystem } from '@omnifs/s3';
import { freshBucket, leanFromEnv, makeFs, useS3 } from './helpers';

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
  describe(`s3: conformance (${path})`, function () {
    const s3 = useS3();

    conformanceSuite({
      name: `s3 (moto, ${path})`,
      ...bucketTarget(
        () => makeFs(s3.info, lean),
        (fs) => freshBucket(s3.info, fs),
      ),
      declared: new S3FileSystem({ region: 'us-east-1' }).capabilities,
      secretFactory: (secret) =>
        makeFs(s3.info, {
          ...lean,
          credentials: { accessKeyId: 'conformance', secretAccessKey: secret, sessionToken: secret },
        }),
      teardown: (fs) => (fs as S3FileSystem).destroy(),
      timeout: 60_000,
    });
  });
}
