/** GCS at size: resumable uploads of unknown length, aborts that leave nothing, concurrent ranged downloads, generation pinning. */
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { abandonedUploadTests, chunked, expectFsError, partedDownloadTests, useStore, sha256 } from '@omnifs/testkit';
import type { FaultProxy } from '../../../test/faults/proxy';
import { count, freshBucket, makeFs, recordingProxy, savedBySdk, useGcs, type SeenRequest } from './helpers';

const MiB = 1024 * 1024;

describe('gcs: at size', function () {
  this.timeout(180_000);
  const gcs = useGcs();
  let proxy: FaultProxy;
  let seen: SeenRequest[];

  before(async function () {
    ({ proxy, seen } = await recordingProxy(gcs.info));
  });
  after(async function () {
    await proxy?.close();
  });
  const store = useStore(
    () => makeFs(gcs.info, { apiEndpoint: proxy.url, partSize: 4 * MiB, concurrency: 4 }),
    (fs) => freshBucket(gcs.info, fs),
  );
  beforeEach(function () {
    seen.length = 0;
  });

  /** The objects under the test's root (placeholders included). */
  const objects = async (): Promise<string[]> => store.fs.find(store.root);
  /** Asserts that one resumable session was cancelled. */
  const cancelled = (): void => {
    expect(seen.filter((r) => r.method === 'DELETE' && r.kind === 'upload')).to.have.length(1);
  };

  describe('uploads', function () {
    it('uploads a stream of unknown length (21 MiB) as one resumable session streamed in one request, byte-exact', async function () {
      const { fs, root } = store;
      const data = randomBytes(21 * MiB + 5);
      await fs.pipeFile(`${root}/stream.bin`, Readable.from(chunked(data, 777_777)));
      expect(count(seen, 'POST', 'upload')).to.equal(1); // the session
      expect(count(seen, 'PUT', 'upload')).to.equal(1); // its bytes, in one request (not one per partSize chunk)
      const info = await fs.info(`${root}/stream.bin`);
      expect(info.size).to.equal(data.byteLength);
      expect(sha256(await fs.catFile(`${root}/stream.bin`))).to.equal(sha256(data));
    });

    it('stores a resumable upload with the checksums the SDK gets and the type the name gives', async function () {
      const { fs, root } = store;
      const data = randomBytes(5 * MiB + 3);
      await fs.pipeFile(`${root}/big.json`, Readable.from(chunked(data, 1_000_000)));
      expect(count(seen, 'POST', 'upload')).to.equal(1);
      const sdk = await savedBySdk(fs, root, 'sdk.json', data, true);
      const lean = await fs.info(`${root}/big.json`);
      expect(lean).to.deep.include({ md5Hash: sdk.md5Hash, crc32c: sdk.crc32c, size: sdk.size });
      expect(lean.md5Hash).to.equal(createHash('md5').update(data).digest('base64'));
      // In the session's metadata, as a simple upload of that name has it (fake-gcs-server
      // ignores the SDK's X-Upload-Content-Type header, which GCS reads).
      expect(lean.contentType).to.equal('application/json');
      await fs.pipeFile(`${root}/small.json`, '{}');
      expect((await fs.info(`${root}/small.json`)).contentType).to.equal('application/json');
    });

    it('fails a resumable upload in create mode with AlreadyExists when the object exists, leaving it as it was', async function () {
      const { fs, root } = store;
      await fs.pipeFile(`${root}/taken.bin`, 'first');
      await expectFsError(fs.pipeFile(`${root}/taken.bin`, randomBytes(5 * MiB), { mode: 'create' }), 'AlreadyExists');
      expect(Buffer.from(await fs.catFile(`${root}/taken.bin`)).toString()).to.equal('first');
      expect(await objects()).to.deep.equal([`${root}/taken.bin`]);
    });

    it('writes a wb file in chunks and reads it back through createReadStream', async function () {
      const { fs, root } = store;
      const data = randomBytes(9 * MiB + 17);
      const f = await fs.open(`${root}/wb.bin`, 'wb');
      for await (const chunk of chunked(data, 1_000_003)) await f.write(chunk);
      await f.close();
      const chunks: Buffer[] = [];
      for await (const c of fs.createReadStream(`${root}/wb.bin`)) chunks.push(c as Buffer);
      expect(sha256(Buffer.concat(chunks))).to.equal(sha256(data));
    });

    it('rounds an open blockSize up to the 256 KiB unit: a body within it is one simple upload', async function () {
      const { fs, root } = store;
      const data = randomBytes(200_000);
      const f = await fs.open(`${root}/blocks.bin`, 'wb', { blockSize: 100_000 });
      await f.write(data);
      await f.close();
      expect(count(seen, 'POST', 'upload')).to.equal(1);
      expect(seen.find((r) => r.method === 'POST' && r.kind === 'upload')!.url).to.match(/uploadType=multipart/);
      expect(count(seen, 'PUT', 'upload')).to.equal(0);
      expect(sha256(await fs.catFile(`${root}/blocks.bin`))).to.equal(sha256(data));
    });

    it('sends a body of at most partSize as one simple upload', async function () {
      const { fs, root } = store;
      await fs.pipeFile(`${root}/small.bin`, Readable.from(chunked(randomBytes(4 * MiB), 100_000)));
      expect(count(seen, 'POST', 'upload')).to.equal(1);
      expect(seen.find((r) => r.method === 'POST' && r.kind === 'upload')!.url).to.match(/uploadType=multipart/);
      expect(count(seen, 'PUT', 'upload')).to.equal(0);
    });

    abandonedUploadTests(store, {
      partSize: 4 * MiB,
      started: () => expect(count(seen, 'POST', 'upload')).to.equal(1), // the session is open
      cancelled,
    });
  });

  describe('appends', function () {
    it('appends with ab by composing the new bytes onto the object, never reading it back', async function () {
      const { fs, root } = store;
      const old = randomBytes(6 * MiB);
      const added = randomBytes(5 * MiB + 1);
      await fs.pipeFile(`${root}/log.bin`, old);
      seen.length = 0;
      const f = await fs.open(`${root}/log.bin`, 'ab');
      for await (const chunk of chunked(added, 1_000_000)) await f.write(chunk);
      await f.close();
      expect(count(seen, 'GET', 'media')).to.equal(0);
      expect(seen.filter((r) => r.method === 'POST' && r.url.includes('/compose'))).to.have.length(1);
      expect(sha256(await fs.catFile(`${root}/log.bin`))).to.equal(sha256(Buffer.concat([old, added])));
      expect(await objects()).to.deep.equal([`${root}/log.bin`]); // the temporary part is gone
      const info = await fs.info(`${root}/log.bin`);
      const md5 = createHash('md5')
        .update(Buffer.concat([old, added]))
        .digest('hex');
      // GCS keeps no MD5 for composite objects (the checksum is then the CRC32C); fake-gcs-server computes one.
      expect(await fs.checksum(`${root}/log.bin`)).to.equal(
        info.md5Hash === undefined ? `crc32c:${Buffer.from(String(info.crc32c), 'base64').toString('hex')}` : md5,
      );
    });

    it('leaves the object as it was and no part behind when an append is aborted', async function () {
      const { fs, root } = store;
      await fs.writeText(`${root}/log.txt`, 'one\n');
      const f = await fs.open(`${root}/log.txt`, 'ab');
      await f.write(randomBytes(5 * MiB));
      await f.abort();
      expect(await fs.readText(`${root}/log.txt`)).to.equal('one\n');
      expect(await objects()).to.deep.equal([`${root}/log.txt`]);
    });

    it('composes on condition that the object still has the generation it had at open', async function () {
      const { fs, root } = store;
      await fs.writeText(`${root}/log.txt`, 'one\n');
      const { generation } = await fs.info(`${root}/log.txt`);
      const f = await fs.open(`${root}/log.txt`, 'ab');
      await f.write('two\n');
      await f.close();
      const compose = seen.filter((r) => r.method === 'POST' && r.url.includes('/compose'));
      expect(compose).to.have.length(1);
      // GCS refuses the compose with 412 (ConditionNotMatch) once the object was replaced; fake-gcs-server ignores the condition.
      expect(compose[0]!.url).to.contain(`ifGenerationMatch=${String(generation)}`);
      expect(await fs.readText(`${root}/log.txt`)).to.equal('one\ntwo\n');
    });

    it('maps a refused compose to ConditionNotMatch and deletes the temporary part', async function () {
      const { fs, root } = store;
      await fs.writeText(`${root}/log.txt`, 'one\n');
      const f = await fs.open(`${root}/log.txt`, 'ab');
      await f.write('two\n');
      const refused =
        '{"error":{"code":412,"message":"At least one of the pre-conditions you specified did not hold.","errors":[{"reason":"conditionNotMet"}]}}';
      proxy.addRule({
        fault: { kind: 'status', status: 412, body: refused, headers: { 'content-type': 'application/json' } },
        failNext: 1,
        match: (r) => r.url.includes('/compose'),
      });
      await expectFsError(f.close(), 'ConditionNotMatch', 'ESTALE');
      expect(await fs.readText(`${root}/log.txt`)).to.equal('one\n');
      expect(await objects()).to.deep.equal([`${root}/log.txt`]);
    });
  });

  describe('listings', function () {
    it('leave the page size to the service and ask only the fields a FileInfo shows', async function () {
      const { fs, root } = store;
      const entries: Record<string, string> = {};
      for (let i = 0; i < 20; i++) entries[`${root}/many/k${String(i).padStart(4, '0')}`] = 'x';
      await fs.pipe(entries, undefined, { batchSize: 32 });
      await fs.writeText(`${root}/many/typed.json`, '{}');
      seen.length = 0;
      const found = await fs.find(`${root}/many`, { detail: true });
      expect(found).to.have.length(21);
      const lists = seen.filter((r) => r.method === 'GET' && /\/o(\?|$)/.test(r.url));
      expect(lists).to.have.length(1);
      const q = new URL(lists[0]!.url, 'http://x').searchParams;
      expect(q.has('maxResults')).to.equal(false);
      expect(q.get('fields')).to.match(/^items\(name,size,updated,generation,.*\),prefixes,nextPageToken$/);
      const info = found.find((i) => i.name === `${root}/many/typed.json`)!;
      expect(info).to.include({ size: 2, type: 'file' });
      expect(info.generation).to.be.a('string');
      expect(info.md5Hash).to.be.a('string');
      expect(info.mtime).to.be.instanceOf(Date);
    });
  });

  describe('downloads', function () {
    partedDownloadTests(store, {
      partSize: 4 * MiB,
      reset: () => {
        seen.length = 0;
      },
      downloads: () => seen.filter((r) => r.kind === 'media').length,
      checkDownloads: () => {
        const media = seen.filter((r) => r.kind === 'media');
        expect(media.every((r) => /generation=\d+/.test(r.url) && typeof r.headers.range === 'string')).to.equal(true);
      },
    });

    it('reads only while the object keeps the etag info gave (its generation), or its GCS ETag or MD5', async function () {
      const { fs, root } = store;
      await fs.pipeFile(`${root}/e.bin`, 'first version');
      const info = await fs.info(`${root}/e.bin`);
      const etag = String(info.etag);
      expect(etag).to.equal(info.generation);
      expect(Buffer.from(await fs.catFile(`${root}/e.bin`, { start: 0, end: 5, etag })).toString()).to.equal('first');
      expect(Buffer.from(await fs.catFile(`${root}/e.bin`, { etag: String(info.gcsEtag) })).toString()).to.equal(
        'first version',
      );
      const md5 = await fs.checksum(`${root}/e.bin`);
      expect(Buffer.from(await fs.catFile(`${root}/e.bin`, { etag: md5 })).toString()).to.equal('first version');
      await fs.pipeFile(`${root}/e.bin`, 'second version');
      await expectFsError(fs.catFile(`${root}/e.bin`, { start: 0, end: 5, etag }), 'ConditionNotMatch', 'ESTALE');
      await expectFsError(fs.catFile(`${root}/e.bin`, { etag: md5 }), 'ConditionNotMatch');
      await expectFsError(fs.readChunks(`${root}/e.bin`, { etag }).next(), 'ConditionNotMatch');
      await fs.rm(`${root}/e.bin`);
      await expectFsError(fs.catFile(`${root}/e.bin`, { etag }), 'NotFound');
    });
  });
});
