/** Error kinds of S3 failures, anonymous access, and credentials kept out of errors and serialised instances. */
import { expect } from 'chai';
import { anonymousTests, secretTests, serverErrorTests } from '@omnifs/testkit';
import { S3ServiceException } from '@aws-sdk/client-s3';
import { mapS3Error, S3FileSystem } from '@omnifs/s3';
import { makeFs, useBucket } from './helpers';

/** An error as the SDK builds it from a service response. */
function serviceError(name: string, status: number): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, requestId: 'REQ1' },
    message: `${name} happened`,
  });
}

describe('s3: errors', function () {
  describe('mapS3Error', function () {
    const cases: Array<[string, number, string, boolean]> = [
      ['NoSuchKey', 404, 'NotFound', false],
      ['NoSuchBucket', 404, 'NotFound', false],
      ['NotFound', 404, 'NotFound', false],
      ['AccessDenied', 403, 'PermissionDenied', false],
      ['InvalidAccessKeyId', 403, 'PermissionDenied', false],
      ['PreconditionFailed', 412, 'ConditionNotMatch', false],
      ['SlowDown', 503, 'RateLimited', true],
      ['ThrottlingException', 400, 'RateLimited', true],
      ['ServiceUnavailable', 503, 'RateLimited', true],
      ['InternalError', 500, 'Unexpected', true],
      ['BucketNotEmpty', 409, 'NotEmpty', false],
      ['BucketAlreadyOwnedByYou', 409, 'AlreadyExists', false],
      ['InvalidRange', 416, 'InvalidArgument', false],
      ['NotImplemented', 501, 'Unsupported', false],
    ];
    for (const [code, status, kind, temporary] of cases) {
      it(`maps ${code} (HTTP ${status}) to ${kind}${temporary ? ', temporary' : ''}`, function () {
        const e = mapS3Error(serviceError(code, status));
        expect(e.kind).to.equal(kind);
        expect(e.temporary).to.equal(temporary);
        expect(e.message).to.contain(code).and.contain('REQ1');
      });
    }

    it('falls back on the HTTP status when the code is unknown', function () {
      expect(mapS3Error(serviceError('Unknown', 403)).kind).to.equal('PermissionDenied');
      expect(mapS3Error(serviceError('Unknown', 404)).kind).to.equal('NotFound');
      expect(mapS3Error(serviceError('Weird', 502))).to.include({ kind: 'Unexpected', temporary: true });
      expect(mapS3Error(serviceError('Weird', 429))).to.include({ kind: 'RateLimited', temporary: true });
    });

    it('maps a credential chain that found nothing to PermissionDenied naming the ways to give keys', function () {
      // The shape of @smithy/property-provider's error (the app test in test/apps meets the real one).
      const none = Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
        tryNextLink: false,
      });
      const e = mapS3Error(none);
      expect(e).to.include({ kind: 'PermissionDenied', code: 'EACCES', temporary: false });
      expect(e.message).to.contain('no AWS credentials found').and.contain('AWS_PROFILE').and.contain('`anon: true`');
      expect(e.cause).to.equal(none);
    });

    it('keeps the SDK error as the cause and passes network errors to core', function () {
      const sdk = serviceError('NoSuchKey', 404);
      expect(mapS3Error(sdk).cause).to.equal(sdk);
      const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      expect(mapS3Error(reset)).to.include({ kind: 'Unexpected', temporary: true });
    });
  });

  describe('against the server', function () {
    const store = useBucket();
    serverErrorTests(store, { protocol: 's3' });
    anonymousTests(store, {
      anonymous: () => makeFs(store.info, { anon: true, credentials: undefined }),
      publish: (path, text) => makeFs(store.info, { writeParams: { ACL: 'public-read' } }).writeText(path, text),
    });

    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const token = 'FwoGZXIvYXdzEXAMPLESESSIONTOKEN';
    const ssec = 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=';
    secretTests(store, 'credentials', {
      holders: () => [
        new S3FileSystem({
          endpoint: store.info.endpoint,
          region: store.info.region,
          forcePathStyle: true,
          skipInstanceCache: true,
          credentials: {
            accessKeyId: store.info.credentials.accessKeyId,
            secretAccessKey: secret,
            sessionToken: token,
          },
          readParams: { SSECustomerKey: ssec },
          clientConfig: { credentials: { accessKeyId: 'x', secretAccessKey: secret } },
        }),
        new S3FileSystem({
          endpoint: store.info.endpoint,
          accessKeyId: 'AKIA',
          secretAccessKey: secret,
          sessionToken: token,
          skipInstanceCache: true,
        }),
      ],
      failing: ([leaky]) => [leaky!],
      secrets: () => [secret, token, ssec],
      endpoint: () => store.info.endpoint,
    });
  });
});
