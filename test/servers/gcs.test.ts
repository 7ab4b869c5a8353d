/** Smoke tests of the GCS server (fake-gcs-server) with @google-cloud/storage 7.x, not omnifs. */
import { Storage, type Bucket } from '@google-cloud/storage';
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { freshRoot, useServer, type TestRoot } from './index';

describe('servers: GCS (fake-gcs-server) with @google-cloud/storage', function () {
  const gcs = useServer('gcs');
  let storage: Storage;

  before(function () {
    // apiEndpoint + projectId; never STORAGE_EMULATOR_HOST (it overrides apiEndpoint).
    storage = new Storage({ apiEndpoint: gcs.info.apiEndpoint, projectId: gcs.info.projectId });
  });

  async function root(): Promise<{ r: TestRoot; bucket: Bucket }> {
    const r = freshRoot(gcs.info.bucket);
    if (r.create) await storage.createBucket(r.bucket);
    return { r, bucket: storage.bucket(r.bucket) };
  }

  it('does a simple (non-resumable) upload and reads it back byte-exact', async function () {
    const { r, bucket } = await root();
    const data = randomBytes(200_000);
    await bucket.file(`${r.prefix}simple.bin`).save(data, { resumable: false });
    const [back] = await bucket.file(`${r.prefix}simple.bin`).download();
    expect(back.equals(data)).to.equal(true);
  });

  it('does a resumable upload of several chunks byte-exact', async function () {
    const { r, bucket } = await root();
    const data = randomBytes(3 * 1024 * 1024 + 5);
    const file = bucket.file(`${r.prefix}resumable.bin`);
    await pipeline(
      Readable.from([data.subarray(0, 1_000_000), data.subarray(1_000_000)]),
      file.createWriteStream({ resumable: true, chunkSize: 256 * 1024 * 4 }),
    );
    const [meta] = await file.getMetadata();
    expect(Number(meta.size)).to.equal(data.length);
    const [back] = await file.download();
    expect(back.equals(data)).to.equal(true);
  });

  it('serves a ranged read (inclusive end)', async function () {
    const { r, bucket } = await root();
    await bucket.file(`${r.prefix}r.txt`).save('0123456789abcdef', { resumable: false });
    const [part] = await bucket.file(`${r.prefix}r.txt`).download({ start: 4, end: 9 });
    expect(part.toString()).to.equal('456789');
  });

  it('lists objects by prefix and by delimiter', async function () {
    const { r, bucket } = await root();
    const names = ['a/1.txt', 'a/2.txt', 'a/sub/3.txt', 'b.txt'].map((n) => `${r.prefix}${n}`);
    await Promise.all(names.map((n) => bucket.file(n).save(n, { resumable: false })));
    const [all] = await bucket.getFiles({ prefix: r.prefix });
    expect(all.map((f) => f.name).sort()).to.deep.equal([...names].sort());
    const [files, , resp] = await bucket.getFiles({ prefix: `${r.prefix}a/`, delimiter: '/', autoPaginate: false });
    expect(files.map((f) => f.name).sort()).to.deep.equal([`${r.prefix}a/1.txt`, `${r.prefix}a/2.txt`]);
    expect((resp as { prefixes?: string[] }).prefixes).to.deep.equal([`${r.prefix}a/sub/`]);
  });
});
