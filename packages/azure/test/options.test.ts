/** How Azure options and AZURE_STORAGE_* variables become settings and a BlobServiceClient (no server needed). */
import { expect } from 'chai';
import { AnonymousCredential, StorageSharedKeyCredential } from '@azure/storage-blob';
import { clearInstanceCache, filesystem, FsError } from '@omnifs/core';
import { AZURE_SERVICE_VERSION, AzureBlobFileSystem } from '@omnifs/azure';

const KEY = Buffer.from('account-key').toString('base64');
const AZURE_VARS = [
  'AZURE_STORAGE_CONNECTION_STRING',
  'AZURE_STORAGE_ACCOUNT_NAME',
  'AZURE_STORAGE_ACCOUNT_KEY',
  'AZURE_STORAGE_SAS_TOKEN',
  'AZURE_STORAGE_ACCOUNT',
  'AZURE_STORAGE_KEY',
];

function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T): T {
  const all = { ...Object.fromEntries(AZURE_VARS.map((k) => [k, undefined])), ...vars };
  const saved = Object.fromEntries(Object.keys(all).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(all))
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  try {
    return fn();
  } finally {
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  }
}

const make = (options: Record<string, unknown>): AzureBlobFileSystem =>
  new AzureBlobFileSystem({ skipInstanceCache: true, ...options });

describe('azure: options', function () {
  it('sends the lean requests at the service version of the SDK it depends on', function () {
    const fs = make({ accountName: 'acct', accountKey: KEY });
    const context = (fs.service as unknown as { storageClientContext: { version: string } }).storageClientContext;
    expect(AZURE_SERVICE_VERSION).to.equal(context.version);
  });

  it('builds the public endpoint from the account name, or the cloud of endpointSuffix', function () {
    withEnv({}, () => {
      expect(make({ accountName: 'acct', accountKey: KEY }).service.url).to.equal(
        'https://acct.blob.core.windows.net/',
      );
      expect(make({ accountName: 'acct', endpointSuffix: 'core.usgovcloudapi.net' }).service.url).to.equal(
        'https://acct.blob.core.usgovcloudapi.net/',
      );
    });
  });

  it('uses accountUrl or endpoint as given, and takes an Azurite account from its path', function () {
    withEnv({}, () => {
      const fs = make({ accountUrl: 'http://127.0.0.1:10000/devstoreaccount1', accountKey: KEY });
      expect(fs.service.url).to.equal('http://127.0.0.1:10000/devstoreaccount1');
      expect(fs.service.accountName).to.equal('devstoreaccount1');
      expect((fs.service.credential as StorageSharedKeyCredential).accountName).to.equal('devstoreaccount1');
      expect(make({ endpoint: 'https://acct.blob.core.windows.net/', anon: true }).service.url).to.equal(
        'https://acct.blob.core.windows.net/',
      );
    });
  });

  it('authorises by key, SAS token, token credential, or nothing', function () {
    withEnv({}, () => {
      expect(make({ accountName: 'acct', accountKey: KEY }).service.credential).to.be.instanceOf(
        StorageSharedKeyCredential,
      );
      const sas = make({ accountName: 'acct', sasToken: '?sv=1&sig=abc' });
      expect(sas.service.credential).to.be.instanceOf(AnonymousCredential);
      expect(sas.service.url).to.equal('https://acct.blob.core.windows.net/?sv=1&sig=abc');
      const token = { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 60_000 }) };
      expect(make({ accountName: 'acct', credential: token }).service.credential).to.equal(token);
      expect(make({ accountName: 'acct', anon: true }).service.credential).to.be.instanceOf(AnonymousCredential);
      expect(make({ accountName: 'acct', credential: token }).capabilities.sign).to.equal(false);
      expect(make({ accountName: 'acct', accountKey: KEY }).capabilities.sign).to.equal(true);
    });
  });

  it('takes a SAS in the account URL as a SAS token: sign says so, and anon is refused with it', async function () {
    await withEnv({}, async () => {
      const inUrl = make({ accountUrl: 'https://acct.blob.core.windows.net/?sv=1&sig=abc' });
      const err = await inUrl.sign('c/k.txt').then(
        () => undefined,
        (e: unknown) => e as FsError,
      );
      expect(err).to.be.instanceOf(FsError).and.include({ kind: 'Unsupported' });
      expect(err!.message).to.include('authorised by a SAS token: give accountKey').and.not.include('sig=abc');
      expect(() => make({ accountUrl: 'https://acct.blob.core.windows.net/?sv=1&sig=abc', anon: true }))
        .to.throw(FsError)
        .with.property('message')
        .that.includes('anon cannot be combined with sasToken');
    });
  });

  it('lets a connection string decide account, endpoint and key', function () {
    withEnv({}, () => {
      const cs = `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${KEY};BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;`;
      const fs = make({ connectionString: cs, accountName: 'ignored' });
      expect(fs.service.url).to.equal('http://127.0.0.1:10000/devstoreaccount1');
      expect(fs.service.credential).to.be.instanceOf(StorageSharedKeyCredential);
      expect(make({ connectionString: 'UseDevelopmentStorage=true' }).service.url).to.equal(
        'http://127.0.0.1:10000/devstoreaccount1',
      );
    });
  });

  it('reads AZURE_STORAGE_* variables when no credential option is given, explicit options winning', function () {
    const cs = `DefaultEndpointsProtocol=https;AccountName=fromenvcs;AccountKey=${KEY};EndpointSuffix=core.windows.net`;
    withEnv({ AZURE_STORAGE_CONNECTION_STRING: cs }, () => {
      expect(make({}).service.url).to.equal('https://fromenvcs.blob.core.windows.net/');
      expect(make({ accountName: 'mine', anon: true }).service.url).to.equal('https://mine.blob.core.windows.net/');
      expect(make({ accountName: 'mine', anon: true }).service.credential).to.be.instanceOf(AnonymousCredential);
    });
    withEnv({ AZURE_STORAGE_ACCOUNT_NAME: 'envacct', AZURE_STORAGE_ACCOUNT_KEY: KEY }, () => {
      const fs = make({});
      expect(fs.service.url).to.equal('https://envacct.blob.core.windows.net/');
      expect(fs.service.credential).to.be.instanceOf(StorageSharedKeyCredential);
      expect(make({ accountName: 'other' }).service.url).to.equal('https://other.blob.core.windows.net/');
    });
    withEnv({ AZURE_STORAGE_ACCOUNT_NAME: 'envacct', AZURE_STORAGE_SAS_TOKEN: 'sv=1&sig=x' }, () => {
      expect(make({}).service.url).to.equal('https://envacct.blob.core.windows.net/?sv=1&sig=x');
      expect(make({ accountKey: KEY }).service.credential).to.be.instanceOf(StorageSharedKeyCredential);
    });
  });

  it('takes OMNIFS_AZ_* variables through the registry', function () {
    withEnv({}, () => {
      process.env.OMNIFS_AZ_ACCOUNT_NAME = 'omnienv';
      process.env.OMNIFS_AZ_PART_SIZE = String(16 * 1024 * 1024);
      try {
        const fs = filesystem('az', { skipInstanceCache: true });
        expect(fs.service.url).to.equal('https://omnienv.blob.core.windows.net/');
        expect(fs.capabilities.partSize).to.equal(16 * 1024 * 1024);
      } finally {
        delete process.env.OMNIFS_AZ_ACCOUNT_NAME;
        delete process.env.OMNIFS_AZ_PART_SIZE;
        clearInstanceCache();
      }
    });
  });

  it('declares its capabilities from the options', function () {
    withEnv({}, () => {
      expect(make({ accountName: 'acct', partSize: 1024 * 1024, concurrency: 8 }).capabilities).to.deep.include({
        realDirectories: false,
        append: true,
        exclusiveCreate: true,
        copy: true,
        rangedRead: true,
        flatListing: true,
        partSize: 1024 * 1024,
        concurrency: 8,
        sign: false,
      });
    });
  });

  it('names the nearest option for a typo, never showing a secret of the wrong type', function () {
    expect(() => new AzureBlobFileSystem({ accountName: 'acct', accountKye: KEY } as never)).to.throw(
      FsError,
      "unknown option 'accountKye' for az; did you mean 'accountKey'?",
    );
    expect(() => new AzureBlobFileSystem({ accountName: 'acct', accountKey: 12345 } as never)).to.throw(
      FsError,
      "option 'accountKey' of az must be a string, got number",
    );
  });

  it('reads 8 ranges at once by default, concurrency when only that is given, readConcurrency first', function () {
    const caps = (options: Record<string, unknown>) => make({ accountName: 'acct', ...options }).capabilities;
    expect(caps({})).to.include({ concurrency: 4, readConcurrency: 8 });
    expect(caps({ concurrency: 2 })).to.include({ concurrency: 2, readConcurrency: 2 });
    expect(caps({ concurrency: 2, readConcurrency: 16 })).to.include({ concurrency: 2, readConcurrency: 16 });
  });

  it('rejects malformed options with InvalidArgument', function () {
    withEnv({}, () => {
      const bad: Array<Record<string, unknown>> = [
        {},
        { accountName: 'Bad_Name' },
        { accountName: 'acct', partSize: 0 },
        { accountName: 'acct', partSize: 5000 * 1024 * 1024 },
        { accountName: 'acct', concurrency: 1.5 },
        { accountName: 'acct', readConcurrency: 0 },
        { accountName: 'acct', readConcurrency: 65 },
        { accountName: 'acct', listPageSize: 6000 },
        { accountName: 'acct', accountKey: 42 },
        { accountName: 'acct', credential: {} },
        { accountName: 'acct', anon: 'yes' },
        { accountName: 'acct', anon: true, accountKey: KEY },
        { accountUrl: 'ftp://x/y' },
        { accountUrl: 'not a url' },
        { connectionString: 'garbage' },
        { accountName: 'acct', pipelineOptions: 3 },
      ];
      for (const options of bad) {
        expect(() => make(options), JSON.stringify(options))
          .to.throw(FsError)
          .with.property('kind', 'InvalidArgument');
      }
    });
  });
});
