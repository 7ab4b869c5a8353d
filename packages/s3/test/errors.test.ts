/** Error kinds of S3 failures, anonymous access, and credentials kept out of errors and serialised instances. */
import { expect } from 'chai';
import { expectFsError, rejected } from '@omnifs/testkit';
import { inspect } from 'node:util';
import { S3ServiceException } from '@aws-sdk/client-s3';
import { mapS3Error, S3FileSystem } from '@omnifs/s3';
import { freshBucket, makeFs, useS3 } from './helpers';

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

    it('keeps the SDK error as the cause and passes network errors to core', function () {
      const sdk = serviceError('NoSuchKey', 404);
      expect(mapS3Error(sdk).cause).to.equal(sdk);
      const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      expect(mapS3Error(reset)).to.include({ kind: 'Unexpected', temporary: true });
    });
  });

  describe('against the server', function () {
    const s3 = useS3();
    let fs: S3FileSystem;
    let root: string;

    before(function () {
      fs = makeFs(s3.info);
    });
    beforeEach(async function () {
      root = await freshBucket(s3.info, fs);
    });

    it('reports a missing key as NotFound / ENOENT with context', async function () {
      const err = await rejected(fs.catFile(`${root}/missing.txt`));
      expect(err).to.include({
        kind: 'NotFound',
        code: 'ENOENT',
        protocol: 's3',
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

    it('reports reading a prefix as IsADirectory and bad paths as InvalidArgument', async function () {
      await fs.writeText(`${root}/d/f`, 'x');
      await expectFsError(fs.open(`${root}/d`, 'rb'), 'IsADirectory');
      await expectFsError(fs.rmFile(`${root}/d`), 'IsADirectory');
      await expectFsError(fs.writeText('', 'x'), 'InvalidArgument');
      await expectFsError(fs.info(`${root}/a\0b`), 'InvalidArgument');
    });

    it('refuses anonymous access to a private object with PermissionDenied', async function () {
      await fs.writeText(`${root}/private.txt`, 'secret data');
      const anon = makeFs(s3.info, { anon: true, credentials: undefined });
      const err = await rejected(anon.catFile(`${root}/private.txt`));
      expect(err).to.include({ kind: 'PermissionDenied', code: 'EACCES' });
      await expectFsError(anon.sign(`${root}/private.txt`), 'Unsupported');
    });

    it('lets anonymous requests read a public-read object', async function () {
      const [bucket, ...rest] = root.split('/');
      const key = [...rest, 'public.txt'].join('/');
      const pub = makeFs(s3.info, { writeParams: { ACL: 'public-read' } });
      await pub.writeText(`${bucket}/${key}`, 'for everyone');
      const anon = makeFs(s3.info, { anon: true, credentials: undefined });
      expect(await anon.readText(`${bucket}/${key}`)).to.equal('for everyone');
    });

    it('keeps credentials out of messages, JSON, inspect and toString', async function () {
      const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
      const token = 'FwoGZXIvYXdzEXAMPLESESSIONTOKEN';
      const ssec = 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=';
      const leaky = new S3FileSystem({
        endpoint: s3.info.endpoint,
        region: s3.info.region,
        forcePathStyle: true,
        skipInstanceCache: true,
        credentials: { accessKeyId: s3.info.credentials.accessKeyId, secretAccessKey: secret, sessionToken: token },
        readParams: { SSECustomerKey: ssec },
        clientConfig: { credentials: { accessKeyId: 'x', secretAccessKey: secret } },
      });
      const err = await rejected(leaky.info(`${root}/missing`));
      const flat = new S3FileSystem({
        endpoint: s3.info.endpoint,
        accessKeyId: 'AKIA',
        secretAccessKey: secret,
        sessionToken: token,
        skipInstanceCache: true,
      });
      const shown = [
        err.message,
        String(err),
        JSON.stringify(err),
        inspect(err, { depth: 6 }),
        JSON.stringify(leaky),
        inspect(leaky, { depth: 6 }),
        String(leaky),
        JSON.stringify(flat),
        inspect(flat, { depth: 6 }),
      ].join('\n');
      expect(shown).to.not.contain(secret);
      expect(shown).to.not.contain(token);
      expect(shown).to.not.contain(ssec);
      expect(JSON.stringify(leaky)).to.contain(s3.info.endpoint);
    });
  });
});
