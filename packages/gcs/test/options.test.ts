/** How GCS options become settings and a Storage client (no server needed). */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { clearInstanceCache, filesystem, FsError } from '@omnifs/core';
import { GCSFileSystem } from '@omnifs/gcs';
import { CRC32C_DEFAULT_VALIDATOR_GENERATOR, Storage } from '@google-cloud/storage';
import { generatedKey } from './helpers';

describe('gcs: options', function () {
  afterEach(function () {
    for (const k of Object.keys(process.env))
      if (k.startsWith('OMNIFS_GS_') || k.startsWith('OMNIFS_GCS_')) delete process.env[k];
    clearInstanceCache();
  });

  it('declares an object store with append (compose), exclusive create, server-side copy, flat listing and parts', function () {
    expect(new GCSFileSystem({}).capabilities).to.deep.equal({
      realDirectories: false,
      append: true,
      exclusiveCreate: true,
      copy: true,
      rename: false,
      rangedRead: true,
      sign: false,
      touch: true,
      mtime: true,
      flatListing: true,
      batchDelete: true,
      treeDelete: true,
      randomWrite: false,
      appendByCopy: false,
      partSize: 8 * 1024 * 1024,
      concurrency: 4,
      readConcurrency: 8,
      batchSize: 256,
    });
  });

  it("computes upload checksums with a native CRC32C that agrees with the SDK's own", function () {
    const data = randomBytes(3 * 1024 * 1024 + 5);
    const native = new GCSFileSystem({}).storage.crc32cGenerator();
    const sdk = CRC32C_DEFAULT_VALIDATOR_GENERATOR();
    expect(native.constructor).to.not.equal(sdk.constructor);
    for (const part of [data.subarray(0, 1000), data.subarray(1000)]) {
      native.update(part);
      sdk.update(part);
    }
    expect(native.toString()).to.equal(sdk.toString());
    expect(native.validate(sdk.toString())).to.equal(true);
    expect(native.validate('AAAAAA==')).to.equal(false);
  });

  it('takes partSize in multiples of 256 KiB, concurrency and readConcurrency (concurrency by default, when given)', function () {
    const fs = new GCSFileSystem({ partSize: 5 * 256 * 1024, concurrency: 9 });
    expect(fs.capabilities).to.include({ partSize: 5 * 256 * 1024, concurrency: 9, readConcurrency: 9 });
    expect(new GCSFileSystem({ readConcurrency: 3 }).capabilities).to.include({ concurrency: 4, readConcurrency: 3 });
  });

  it('refuses a partSize that is not a multiple of 256 KiB, saying so', function () {
    const err = (() => {
      try {
        new GCSFileSystem({ partSize: 5 * 1024 * 1024 + 1 });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).to.be.instanceOf(FsError).with.property('kind', 'InvalidArgument');
    expect((err as FsError).message).to.contain('multiple of 256 KiB');
  });

  it('rejects malformed options with InvalidArgument', function () {
    const bad: Array<Record<string, unknown>> = [
      { partSize: -1 },
      { partSize: 'big' },
      { concurrency: 0 },
      { concurrency: 1.5 },
      { readConcurrency: -1 },
      { listPageSize: 5000 },
      { credentials: { client_email: 'only@x' } },
      { credentials: 'key' },
      { anon: true, token: 't' },
      { token: 't', keyFilename: '/k.json' },
      { token: '' },
      { storage: {} },
      { apiEndpoint: 'not a url' },
      { userProject: 7 },
      { storageOptions: 'x' },
    ];
    for (const options of bad) {
      expect(() => new GCSFileSystem(options as never), JSON.stringify(options))
        .to.throw(FsError)
        .with.property('kind', 'InvalidArgument');
    }
  });

  it('signs only with a service-account key (credentials or keyFilename)', function () {
    expect(new GCSFileSystem({ credentials: generatedKey() }).capabilities.sign).to.equal(true);
    expect(new GCSFileSystem({ keyFilename: '/path/key.json' }).capabilities.sign).to.equal(true);
    expect(new GCSFileSystem({ token: 'ya29.x' }).capabilities.sign).to.equal(false);
    expect(new GCSFileSystem({ anon: true }).capabilities.sign).to.equal(false);
  });

  it('sends credentials to googleapis.com endpoints only, unless told otherwise', function () {
    expect(new GCSFileSystem({ apiEndpoint: 'http://127.0.0.1:4443' }).storage.useAuthWithCustomEndpoint).to.equal(
      false,
    );
    expect(
      new GCSFileSystem({ apiEndpoint: 'https://storage-abc.p.googleapis.com' }).storage.useAuthWithCustomEndpoint,
    ).to.equal(true);
    expect(
      new GCSFileSystem({ apiEndpoint: 'https://gcs.internal', useAuthWithCustomEndpoint: true }).storage
        .useAuthWithCustomEndpoint,
    ).to.equal(true);
    expect(new GCSFileSystem({ apiEndpoint: 'http://127.0.0.1:4443' }).storage.apiEndpoint).to.equal(
      'http://127.0.0.1:4443',
    );
  });

  it('uses a given Storage client and passes storageOptions through', function () {
    const storage = new Storage({ projectId: 'given' });
    expect(new GCSFileSystem({ storage }).storage).to.equal(storage);
    const fs = new GCSFileSystem({
      projectId: 'p',
      storageOptions: { retryOptions: { maxRetries: 7 }, userAgent: 'omnifs-test' },
    });
    expect(fs.storage.retryOptions.maxRetries).to.equal(7);
    expect(fs.storage.projectId).to.equal('p');
  });

  it('takes a Storage client by its shape, as one from another copy of @google-cloud/storage is', function () {
    const real = new Storage({ projectId: 'given' });
    const otherCopy = Object.assign(Object.create(null) as object, {
      bucket: real.bucket.bind(real),
      createBucket: real.createBucket.bind(real),
      getBuckets: real.getBuckets.bind(real),
    }) as Storage;
    expect(new GCSFileSystem({ storage: otherCopy }).storage).to.equal(otherCopy);
    expect(() => new GCSFileSystem({ storage: { bucket: () => undefined } as never })).to.throw(
      FsError,
      'must be a Storage client',
    );
  });

  it('names the nearest option for a typo', function () {
    expect(() => new GCSFileSystem({ projectID: 'p' } as never)).to.throw(
      FsError,
      "unknown option 'projectID' for gs; did you mean 'projectId'?",
    );
  });

  it('takes options from OMNIFS_GS_* through the registry, for gs and gcs alike', function () {
    process.env.OMNIFS_GS_PROJECT_ID = 'from-env';
    process.env.OMNIFS_GS_PART_SIZE = String(512 * 1024);
    process.env.OMNIFS_GS_API_ENDPOINT = 'http://127.0.0.1:1';
    const fs = filesystem('gs', { skipInstanceCache: true });
    expect(fs).to.be.instanceOf(GCSFileSystem);
    expect(fs.storageOptions).to.deep.include({
      projectId: 'from-env',
      partSize: 512 * 1024,
      apiEndpoint: 'http://127.0.0.1:1',
    });
    expect(fs.capabilities.partSize).to.equal(512 * 1024);
    expect(filesystem('gcs', { skipInstanceCache: true }).storage.projectId).to.equal('from-env');
  });
});
