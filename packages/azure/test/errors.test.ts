/** Error kinds of Azure failures, anonymous access, and secrets kept out of errors and serialised instances. */
import { expect } from 'chai';
import { inspect } from 'node:util';
import { RestError } from '@azure/storage-blob';
import { expectFsError, rejected } from '@omnifs/testkit';
import { AzureBlobFileSystem, mapAzureError } from '@omnifs/azure';
import { freshContainer, makeFs, useAzure } from './helpers';

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
    const az = useAzure();
    let fs: AzureBlobFileSystem;
    let root: string;

    before(function () {
      fs = makeFs(az.info);
    });
    beforeEach(async function () {
      root = await freshContainer(az.info, fs);
    });

    it('reports a missing blob as NotFound / ENOENT with context', async function () {
      const err = await rejected(fs.catFile(`${root}/missing.txt`));
      expect(err).to.include({
        kind: 'NotFound',
        code: 'ENOENT',
        protocol: 'az',
        operation: 'cat',
        path: `${root}/missing.txt`,
      });
      expect(err.message).to.match(/^az cat ".*missing\.txt": BlobNotFound/);
      await expectFsError(fs.info(`${root}/missing.txt`), 'NotFound');
      await expectFsError(fs.rmFile(`${root}/missing.txt`), 'NotFound');
    });

    it('reports reading a virtual directory as IsADirectory and bad paths as InvalidArgument', async function () {
      await fs.writeText(`${root}/d/f`, 'x');
      await expectFsError(fs.open(`${root}/d`, 'rb'), 'IsADirectory');
      await expectFsError(fs.rmFile(`${root}/d`), 'IsADirectory');
      await expectFsError(fs.writeText('', 'x'), 'InvalidArgument');
      await expectFsError(fs.writeText(root, 'x'), 'IsADirectory');
    });

    it('refuses anonymous access to a private container with PermissionDenied', async function () {
      await fs.writeText(`${root}/private.txt`, 'secret data');
      const anon = makeFs(az.info, { accountKey: undefined, anon: true });
      await expectFsError(anon.catFile(`${root}/private.txt`), 'PermissionDenied', 'EACCES');
    });

    it('lets anonymous requests read a container with public blob access', async function () {
      await fs.service.getContainerClient(root).setAccessPolicy('blob');
      await fs.writeText(`${root}/public.txt`, 'for everyone');
      const anon = makeFs(az.info, { accountKey: undefined, anon: true });
      expect(await anon.readText(`${root}/public.txt`)).to.equal('for everyone');
    });

    it('refuses a wrong account key with PermissionDenied', async function () {
      const wrong = makeFs(az.info, { accountKey: Buffer.from('not the key').toString('base64') });
      await expectFsError(wrong.ls(root), 'PermissionDenied', 'EACCES');
    });

    it('keeps keys, SAS tokens and connection strings out of messages, JSON, inspect and toString', async function () {
      const key = Buffer.from('a-very-secret-account-key-0123456789').toString('base64');
      const sas = 'sv=2024-01-01&ss=b&srt=sco&sp=rl&se=2030-01-01T00:00:00Z&sig=SECRETSIGNATUREvalue%3D';
      const cs = `DefaultEndpointsProtocol=http;AccountName=${az.info.accountName};AccountKey=${key};BlobEndpoint=${az.info.blobEndpoint};`;
      const byKey = makeFs(az.info, { accountKey: key });
      const bySas = makeFs(az.info, { accountKey: undefined, sasToken: sas });
      const byCs = new AzureBlobFileSystem({
        connectionString: cs,
        skipInstanceCache: true,
        pipelineOptions: { retryOptions: { maxTries: 1 } },
      });
      const byUrl = new AzureBlobFileSystem({ accountUrl: `${az.info.blobEndpoint}?${sas}`, skipInstanceCache: true });
      const errs = await Promise.all([byKey, bySas, byCs, byUrl].map((f) => rejected(f.info(`${root}/missing`))));
      const shown = [
        ...errs.flatMap((e) => [e.message, String(e), JSON.stringify(e), inspect(e, { depth: 6 })]),
        ...[byKey, bySas, byCs, byUrl].flatMap((f) => [JSON.stringify(f), inspect(f, { depth: 6 }), String(f)]),
      ].join('\n');
      expect(shown).to.not.contain(key);
      expect(shown).to.not.contain('SECRETSIGNATURE');
      expect(shown).to.not.contain(az.info.accountKey);
      expect(JSON.stringify(byKey)).to.contain(az.info.blobEndpoint);
    });
  });
});
