/** Error kinds of Azure failures, anonymous access, and secrets kept out of errors and serialised instances. */
import { expect } from 'chai';
import { RestError } from '@azure/storage-blob';
import { anonymousTests, expectFsError, secretTests, serverErrorTests } from '@omnifs/testkit';
import { AzureBlobFileSystem, mapAzureError } from '@omnifs/azure';
import { makeFs, useContainer } from './helpers';

/** An error as the SDK builds it from a service response. */
function serviceError(code: string, status: number): RestError {
  return new RestError(`${code} happened\nRequestId:0f0e0d0c-0000-1111-2222-333344445555\nTime:2026-01-01T00:00:00Z`, {
    code,
    statusCode: status,
  });
}

describe('azure: errors', function () {
  describe('mapAzureError', function () {
    const cases: Array<[string, number, string, boolean]> = [
      ['BlobNotFound', 404, 'NotFound', false],
      ['ContainerNotFound', 404, 'NotFound', false],
      ['AuthorizationFailure', 403, 'PermissionDenied', false],
      ['AuthenticationFailed', 403, 'PermissionDenied', false],
      ['ConditionNotMet', 412, 'ConditionNotMatch', false],
      ['AppendPositionConditionNotMet', 412, 'ConditionNotMatch', false],
      ['BlobAlreadyExists', 409, 'AlreadyExists', false],
      ['ContainerAlreadyExists', 409, 'AlreadyExists', false],
      ['ContainerBeingDeleted', 409, 'ConditionNotMatch', true],
      ['ServerBusy', 503, 'RateLimited', true],
      ['TooManyRequests', 429, 'RateLimited', true],
      ['InternalError', 500, 'Unexpected', true],
      ['OperationTimedOut', 500, 'Unexpected', true],
      ['InvalidRange', 416, 'InvalidArgument', false],
      ['InvalidBlobType', 409, 'Unsupported', false],
      ['Md5Mismatch', 400, 'Unexpected', true],
      ['PARSE_ERROR', 200, 'Unexpected', true],
      ['PARSE_ERROR', 403, 'PermissionDenied', false],
      ['PARSE_ERROR', 503, 'RateLimited', true],
      ['InvalidOperation', 400, 'Unexpected', false],
    ];
    for (const [code, status, kind, temporary] of cases) {
      it(`maps ${code} (HTTP ${status}) to ${kind}${temporary ? ', temporary' : ''}`, function () {
        const e = mapAzureError(serviceError(code, status));
        expect(e.kind).to.equal(kind);
        expect(e.temporary).to.equal(temporary);
        expect(e.message).to.equal(`${code}: ${code} happened (request id 0f0e0d0c-0000-1111-2222-333344445555)`);
      });
    }

    it('falls back on the HTTP status when there is no code (HEAD requests)', function () {
      const status = (s: number): RestError => new RestError('', { statusCode: s });
      expect(mapAzureError(status(404)).kind).to.equal('NotFound');
      expect(mapAzureError(status(403)).kind).to.equal('PermissionDenied');
      expect(mapAzureError(status(412)).kind).to.equal('ConditionNotMatch');
      expect(mapAzureError(status(409)).kind).to.equal('AlreadyExists');
      expect(mapAzureError(status(502))).to.include({ kind: 'Unexpected', temporary: true });
      expect(mapAzureError(status(503))).to.include({ kind: 'RateLimited', temporary: true });
    });

    it('treats network failures as temporary and keeps the cause', function () {
      const reset = new RestError('socket hang up', { code: 'ECONNRESET' });
      expect(mapAzureError(reset)).to.include({ kind: 'Unexpected', temporary: true });
      expect(mapAzureError(new RestError('send failed', { code: 'REQUEST_SEND_ERROR' })).temporary).to.equal(true);
      const sdk = serviceError('BlobNotFound', 404);
      expect(mapAzureError(sdk).cause).to.equal(sdk);
      const short = mapAzureError(
        new Error('Data corruption failure: received less data than required and reached maxRetires limitation.'),
      );
      expect(short).to.include({ kind: 'Unexpected', code: 'ECONNRESET', temporary: true });
    });
  });

  describe('against Azurite', function () {
    const store = useContainer();
    serverErrorTests(store, { protocol: 'az', missingMessage: /^az cat ".*missing\.txt": BlobNotFound/ });
    anonymousTests(store, {
      anonymous: () => makeFs(store.info, { accountKey: undefined, anon: true }),
      publish: async (path, text) => {
        await store.fs.service.getContainerClient(store.root).setAccessPolicy('blob');
        await store.fs.writeText(path, text);
      },
    });

    it('reports writing to a container as IsADirectory', async function () {
      await expectFsError(store.fs.writeText(store.root, 'x'), 'IsADirectory');
    });

    it('refuses a wrong account key with PermissionDenied', async function () {
      const wrong = makeFs(store.info, { accountKey: Buffer.from('not the key').toString('base64') });
      await expectFsError(wrong.ls(store.root), 'PermissionDenied', 'EACCES');
    });

    const key = Buffer.from('a-very-secret-account-key-0123456789').toString('base64');
    const sas = 'sv=2024-01-01&ss=b&srt=sco&sp=rl&se=2030-01-01T00:00:00Z&sig=SECRETSIGNATUREvalue%3D';
    secretTests(store, 'keys, SAS tokens and connection strings', {
      holders: () => [
        makeFs(store.info, { accountKey: key }),
        makeFs(store.info, { accountKey: undefined, sasToken: sas }),
        new AzureBlobFileSystem({
          connectionString: `DefaultEndpointsProtocol=http;AccountName=${store.info.accountName};AccountKey=${key};BlobEndpoint=${store.info.blobEndpoint};`,
          skipInstanceCache: true,
          pipelineOptions: { retryOptions: { maxTries: 1 } },
        }),
        new AzureBlobFileSystem({ accountUrl: `${store.info.blobEndpoint}?${sas}`, skipInstanceCache: true }),
      ],
      secrets: () => [key, 'SECRETSIGNATURE', store.info.accountKey],
      endpoint: () => store.info.blobEndpoint,
    });
  });
});
