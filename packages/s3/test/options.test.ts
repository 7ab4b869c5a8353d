/** How S3 options become settings and an S3Client (no server needed). */
import { expect } from 'chai';
import { FsError } from '@omnifs/core';
import { S3FileSystem } from '@omnifs/s3';

function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars))
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  return fn().finally(() => {
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  });
}

describe('s3: options', function () {
  it('uses the given region', async function () {
    expect(await new S3FileSystem({ region: 'eu-west-3' }).client.config.region()).to.equal('eu-west-3');
  });

  it('takes the region from AWS_REGION, then AWS_DEFAULT_REGION, else us-east-1', async function () {
    const none = {
      AWS_REGION: undefined,
      AWS_DEFAULT_REGION: undefined,
      AWS_PROFILE: 'omnifs-no-such-profile',
      AWS_CONFIG_FILE: '/nonexistent',
    };
    await withEnv({ ...none, AWS_REGION: 'ap-south-1' }, async () => {
      expect(await new S3FileSystem({}).client.config.region()).to.equal('ap-south-1');
    });
    await withEnv({ ...none, AWS_DEFAULT_REGION: 'ca-central-1' }, async () => {
      expect(await new S3FileSystem({}).client.config.region()).to.equal('ca-central-1');
    });
    await withEnv(none, async () => {
      expect(await new S3FileSystem({}).client.config.region()).to.equal('us-east-1');
    });
  });

  it('raises part sizes below the S3 minimum to 5 MiB', function () {
    expect(new S3FileSystem({ partSize: 1024 }).capabilities.partSize).to.equal(5 * 1024 * 1024);
    expect(new S3FileSystem({ partSize: 64 * 1024 * 1024 }).capabilities.partSize).to.equal(64 * 1024 * 1024);
  });

  it('reads 8 ranges at once by default, concurrency when only that is given, readConcurrency first', function () {
    expect(new S3FileSystem({}).capabilities).to.include({ concurrency: 4, readConcurrency: 8 });
    expect(new S3FileSystem({ concurrency: 2 }).capabilities).to.include({ concurrency: 2, readConcurrency: 2 });
    expect(new S3FileSystem({ concurrency: 2, readConcurrency: 16 }).capabilities).to.include({
      concurrency: 2,
      readConcurrency: 16,
    });
  });

  it('rejects malformed options with InvalidArgument', function () {
    const bad: Array<Record<string, unknown>> = [
      { partSize: -1 },
      { concurrency: 0 },
      { concurrency: 1.5 },
      { readConcurrency: 0 },
      { readConcurrency: '8' },
      { maxAttempts: 'many' },
      { credentials: { accessKeyId: 'only' } },
      { accessKeyId: 'id' },
      { client: {} },
      { leanRequests: 'no' },
      { endpoint: 'notaurl' },
      { endpoint: 'localhost:9000' },
      { endpoint: 'ftp://127.0.0.1:9000' },
    ];
    for (const options of bad) {
      expect(() => new S3FileSystem(options as never), JSON.stringify(options))
        .to.throw(FsError)
        .with.property('kind', 'InvalidArgument');
    }
  });

  it('does not sign with anon and declares no signed URLs', function () {
    expect(new S3FileSystem({ anon: true }).capabilities.sign).to.equal(false);
    expect(new S3FileSystem({}).capabilities).to.include({
      realDirectories: false,
      exclusiveCreate: true,
      copy: true,
      flatListing: true,
    });
  });
});
