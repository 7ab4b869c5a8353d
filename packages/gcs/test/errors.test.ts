/** Error kinds of GCS failures, credentials on the wire, and secrets kept out of errors and serialised instances. */
import { expect } from 'chai';
import { inspect } from 'node:util';
import { ApiError } from '@google-cloud/storage';
import { expectFsError, rejected } from '@omnifs/testkit';
import { mapGcsError, GCSFileSystem } from '@omnifs/gcs';
import { freshBucket, generatedKey, makeFs, recordingProxy, useGcs } from './helpers';

/** An error as the SDK builds it from a JSON API response. */
function apiError(code: number, reason: string | undefined, message: string): ApiError {
  type Body = ConstructorParameters<typeof ApiError>[0] & object;
  return new ApiError({
    code,
    message,
    errors: reason === undefined ? [] : [{ reason, message }],
    response: {},
  } as unknown as Body);
}

describe('gcs: errors', function () {
  describe('mapGcsError', function () {
    const cases: Array<[number, string | undefined, string, string, boolean]> = [
      [404, 'notFound', 'No such object: b/k', 'NotFound', false],
      [403, 'forbidden', 'x does not have storage.objects.get access', 'PermissionDenied', false],
      [401, 'required', 'Anonymous caller', 'PermissionDenied', false],
      [
        412,
        'conditionNotMet',
        'At least one of the pre-conditions you specified did not hold.',
        'ConditionNotMatch',
        false,
      ],
      [409, 'conflict', 'The requested bucket name is not available.', 'AlreadyExists', false],
      [409, 'conflict', 'The bucket you tried to delete is not empty.', 'NotEmpty', false],
      [412, 'conditionNotMet', 'bucket must be empty prior to deletion', 'NotEmpty', false],
      [429, 'rateLimitExceeded', 'The rate of change requests to the object is too high.', 'RateLimited', true],
      [503, 'backendError', 'Service Unavailable', 'RateLimited', true],
      [500, 'backendError', 'Backend Error', 'Unexpected', true],
      [502, undefined, 'Bad Gateway', 'Unexpected', true],
      [408, undefined, 'Request Timeout', 'Unexpected', true],
      [400, 'invalid', 'Invalid bucket name', 'InvalidArgument', false],
      [
        416,
        undefined,
        '<Error><Code>InvalidRange</Code><Message>The requested range cannot be satisfied.</Message></Error>',
        'InvalidArgument',
        false,
      ],
      [501, 'notImplemented', 'Not Implemented', 'Unsupported', false],
    ];
    for (const [code, reason, message, kind, temporary] of cases) {
      it(`maps HTTP ${code}${reason ? ` ${reason}` : ''} "${message.slice(0, 40)}" to ${kind}${temporary ? ', temporary' : ''}`, function () {
        const e = mapGcsError(apiError(code, reason, message));
        expect(e.kind).to.equal(kind);
        expect(e.temporary).to.equal(temporary);
        expect(e.message).to.contain(`HTTP ${code}`);
        expect(e.message).not.to.contain('<Error>');
      });
    }

    it('keeps the SDK error as the cause and passes network errors to core as temporary', function () {
      const sdk = apiError(404, 'notFound', 'gone');
      expect(mapGcsError(sdk).cause).to.equal(sdk);
      const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      expect(mapGcsError(reset)).to.include({ kind: 'Unexpected', temporary: true });
      const gaxios = Object.assign(new Error('Forbidden'), { code: 'ERR_BAD_REQUEST', response: { status: 403 } });
      expect(mapGcsError(gaxios).kind).to.equal('PermissionDenied');
    });
  });

  describe('against the server', function () {
    const gcs = useGcs();
    let fs: GCSFileSystem;
    let root: string;

    before(function () {
      fs = makeFs(gcs.info);
    });
    beforeEach(async function () {
      root = await freshBucket(gcs.info, fs);
    });

    it('reports a missing object as NotFound / ENOENT with context', async function () {
      const err = await rejected(fs.catFile(`${root}/missing.txt`));
      expect(err).to.include({
        kind: 'NotFound',
        code: 'ENOENT',
        protocol: 'gs',
        operation: 'cat',
        path: `${root}/missing.txt`,
      });
      await expectFsError(fs.info(`${root}/missing.txt`), 'NotFound');
      await expectFsError(fs.rmFile(`${root}/missing.txt`), 'NotFound');
    });

    it('reports a missing bucket as NotFound', async function () {
      await expectFsError(fs.catFile('omnifs-no-such-bucket-x1/k'), 'NotFound');
      await expectFsError(fs.ls('omnifs-no-such-bucket-x1'), 'NotFound');
      expect(await fs.exists('omnifs-no-such-bucket-x1')).to.equal(false);
    });

    it('reports reading a prefix or bucket as IsADirectory and bad paths as InvalidArgument', async function () {
      await fs.writeText(`${root}/d/f`, 'x');
      await expectFsError(fs.open(`${root}/d`, 'rb'), 'IsADirectory');
      await expectFsError(fs.catFile(root.split('/')[0]!), 'IsADirectory');
      await expectFsError(fs.rmFile(`${root}/d`), 'IsADirectory');
      await expectFsError(fs.writeText('', 'x'), 'InvalidArgument');
      await expectFsError(fs.info(`${root}/a\0b`), 'InvalidArgument');
    });

    it('reports a bucket that already exists as AlreadyExists and a non-empty one as NotEmpty', async function () {
      if (gcs.info.bucket) this.skip(); // an external server gives one fixed bucket
      await expectFsError(fs.mkdir(root), 'AlreadyExists', 'EEXIST');
      const conflict = await fs.storage.createBucket(root).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(mapGcsError(conflict).kind).to.equal('AlreadyExists');
      await fs.writeText(`${root}/a`, 'a');
      await expectFsError(fs.rmdir(root), 'NotEmpty', 'ENOTEMPTY');
    });

    it('refuses to sign without a private key, saying why', async function () {
      await fs.writeText(`${root}/s.txt`, 's');
      const err = await expectFsError(fs.sign(`${root}/s.txt`), 'Unsupported', 'ENOTSUP');
      expect(err.message).to.contain('private key');
      await expectFsError(makeFs(gcs.info, { anon: true }).sign(`${root}/s.txt`), 'Unsupported');
    });

    it('sends no credentials with anon and the access token with token', async function () {
      await fs.writeText(`${root}/public.txt`, 'for everyone');
      const { proxy, seen } = await recordingProxy(gcs.info);
      try {
        const anon = makeFs(gcs.info, { apiEndpoint: proxy.url, anon: true });
        expect(await anon.readText(`${root}/public.txt`)).to.equal('for everyone');
        expect(seen.length).to.be.greaterThan(0);
        expect(seen.every((r) => r.headers.authorization === undefined)).to.equal(true);
        seen.length = 0;
        const withToken = makeFs(gcs.info, {
          apiEndpoint: proxy.url,
          token: 'ya29.omnifs-test-token',
          useAuthWithCustomEndpoint: true,
        });
        await withToken.writeText(`${root}/t.txt`, 'with a token');
        expect(await withToken.readText(`${root}/t.txt`)).to.equal('with a token');
        expect(seen.length).to.be.greaterThan(1);
        expect(seen.every((r) => r.headers.authorization === 'Bearer ya29.omnifs-test-token')).to.equal(true);
      } finally {
        await proxy.close();
      }
    });

    it('keeps keys and tokens out of messages, JSON, inspect and toString', async function () {
      const key = generatedKey();
      const token = 'ya29.a0AfH6SMBsecretsecretsecret';
      const leaky = new GCSFileSystem({
        apiEndpoint: gcs.info.apiEndpoint,
        projectId: gcs.info.projectId,
        credentials: key,
        skipInstanceCache: true,
        storageOptions: { credentials: key },
      });
      const tokenFs = new GCSFileSystem({
        apiEndpoint: gcs.info.apiEndpoint,
        projectId: gcs.info.projectId,
        token,
        skipInstanceCache: true,
      });
      const err = await rejected(leaky.info(`${root}/missing`));
      const err2 = await rejected(tokenFs.info(`${root}/missing`));
      const keyBody = key.private_key.split('\n')[1]!;
      const shown = [
        err.message,
        String(err),
        JSON.stringify(err),
        inspect(err, { depth: 6 }),
        inspect(err2, { depth: 6 }),
        JSON.stringify(leaky),
        inspect(leaky, { depth: 6 }),
        String(leaky),
        JSON.stringify(tokenFs),
        inspect(tokenFs, { depth: 6 }),
        String(tokenFs),
      ].join('\n');
      expect(shown).to.not.contain(keyBody);
      expect(shown).to.not.contain(token);
      expect(JSON.stringify(leaky)).to.contain(gcs.info.apiEndpoint);
    });
  });
});
