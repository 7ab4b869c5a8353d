/** Error kinds of GCS failures, credentials on the wire, and secrets kept out of errors and serialised instances. */
import { expect } from 'chai';
import { ApiError } from '@google-cloud/storage';
import { expectFsError, secretTests, serverErrorTests } from '@omnifs/testkit';
import { mapGcsError, GCSFileSystem } from '@omnifs/gcs';
import { generatedKey, makeFs, recordingProxy, useBucket } from './helpers';

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
        400,
        'invalid',
        'Provided MD5 hash "AAAAAAAAAAAAAAAAAAAAAA==" doesn\'t match calculated MD5 hash "XUFAKrxLKna5cZ2REBfFkg==".',
        'Unexpected',
        true,
      ],
      [400, 'invalid', 'Provided CRC32C "AAAAAA==" doesn\'t match calculated CRC32C "EVz6ig==".', 'Unexpected', true],
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

    it("maps the SDK's upload checksum mismatch to a temporary EIO that says what is left", function () {
      const removed = Object.assign(new Error('The uploaded data did not match the data from the server.'), {
        code: 'FILE_NO_UPLOAD',
      });
      expect(mapGcsError(removed)).to.include({
        kind: 'Unexpected',
        code: 'EIO',
        temporary: true,
        message: 'the object was stored with other bytes than were sent; the object was removed',
        cause: removed,
      });
      const kept = Object.assign(new Error('The uploaded data did not match; the delete failed.'), {
        code: 'FILE_NO_UPLOAD_DELETE',
      });
      expect(mapGcsError(kept)).to.include({ kind: 'Unexpected', code: 'EIO', temporary: true });
      expect(mapGcsError(kept).message).to.match(/removing the object failed/);
    });
  });

  describe('against the server', function () {
    const store = useBucket();
    serverErrorTests(store, { protocol: 'gs' });

    it('reports reading a bucket as IsADirectory', async function () {
      await expectFsError(store.fs.catFile(store.root.split('/')[0]!), 'IsADirectory');
    });

    it('maps the conflict of creating a bucket that already exists to AlreadyExists', async function () {
      const { fs, root } = store;
      if (store.info.bucket) this.skip(); // an external server gives one fixed bucket
      const conflict = await fs.storage.createBucket(root).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(mapGcsError(conflict).kind).to.equal('AlreadyExists');
    });

    it('refuses to sign without a private key, saying why', async function () {
      const { fs, root } = store;
      await fs.writeText(`${root}/s.txt`, 's');
      const err = await expectFsError(fs.sign(`${root}/s.txt`), 'Unsupported', 'ENOTSUP');
      expect(err.message).to.contain('private key');
      await expectFsError(makeFs(store.info, { anon: true }).sign(`${root}/s.txt`), 'Unsupported');
    });

    it('sends no credentials with anon and the access token with token', async function () {
      const { fs, root } = store;
      await fs.writeText(`${root}/public.txt`, 'for everyone');
      const { proxy, seen } = await recordingProxy(store.info);
      try {
        const anon = makeFs(store.info, { apiEndpoint: proxy.url, anon: true });
        expect(await anon.readText(`${root}/public.txt`)).to.equal('for everyone');
        expect(seen.length).to.be.greaterThan(0);
        expect(seen.every((r) => r.headers.authorization === undefined)).to.equal(true);
        seen.length = 0;
        const withToken = makeFs(store.info, {
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

    const token = 'ya29.a0AfH6SMBsecretsecretsecret';
    const key = generatedKey();
    secretTests(store, 'keys and tokens', {
      holders: () => [
        new GCSFileSystem({
          apiEndpoint: store.info.apiEndpoint,
          projectId: store.info.projectId,
          credentials: key,
          skipInstanceCache: true,
          storageOptions: { credentials: key },
        }),
        new GCSFileSystem({
          apiEndpoint: store.info.apiEndpoint,
          projectId: store.info.projectId,
          token,
          skipInstanceCache: true,
        }),
      ],
      secrets: () => [key.private_key.split('\n')[1]!, token],
      endpoint: () => store.info.apiEndpoint,
    });
  });
});
