/** GCS at size: resumable uploads of unknown length, aborts that leave nothing, concurrent ranged downloads, generation pinning. */
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FsError } from '@omnifs/core';
import { chunked, expectFsError } from '@omnifs/testkit';
import { GCSFileSystem } from '@omnifs/gcs';
import type { FaultProxy } from '../../../test/faults/proxy';
import { count, freshBucket, makeFs, recordingProxy, useGcs, type SeenRequest } from './helpers';

const MiB = 1024 * 1024;
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('gcs: at size', function () {
  this.timeout(180_000);
  const gcs = useGcs();
  let proxy: FaultProxy;
  let seen: SeenRequest[];
  let fs: GCSFileSystem;
  let root: string;

  before(async function () {
    ({ proxy, seen } = await recordingProxy(gcs.info));
    fs = makeFs(gcs.info, { apiEndpoint: proxy.url, partSize: 4 * MiB, concurrency: 4 });
  });
  after(async function () {
    await proxy?.close();
  });
  beforeEach(async function () {
    root = await freshBucket(gcs.info, fs);
    seen.length = 0;
  });

  /** The objects under the test's root (placeholders included). */
  const objects = async (): Promise<string[]> => fs.find(root);

  describe('uploads', function () {
    it('uploads a stream of unknown length (21 MiB) as one resumable session streamed in one request, byte-exact', async function () {
      const data = randomBytes(21 * MiB + 5);
      await fs.pipeFile(`${root}/stream.bin`, Readable.from(chunked(data, 777_777)));
      expect(count(seen, 'POST', 'upload')).to.equal(1); // the session
      expect(count(seen, 'PUT', 'upload')).to.equal(1); // its bytes, in one request (not one per partSize chunk)
      const info = await fs.info(`${root}/stream.bin`);
      expect(info.size).to.equal(data.byteLength);
      expect(sha(await fs.catFile(`${root}/stream.bin`))).to.equal(sha(data));
    });

    it('writes a wb file in chunks and reads it back through createReadStream', async function () {
      const data = randomBytes(9 * MiB + 17);
      const f = await fs.open(`${root}/wb.bin`, 'wb');
      for await (const chunk of chunked(data, 1_000_003)) await f.write(chunk);
      await f.close();
      const chunks: Buffer[] = [];
      for await (const c of fs.createReadStream(`${root}/wb.bin`)) chunks.push(c as Buffer);
      expect(sha(Buffer.concat(chunks))).to.equal(sha(data));
    });

    it('rounds an open blockSize up to the 256 KiB unit: a body within it is one simple upload', async function () {
      const data = randomBytes(200_000);
      const f = await fs.open(`${root}/blocks.bin`, 'wb', { blockSize: 100_000 });
      await f.write(data);
      await f.close();
      expect(count(seen, 'POST', 'upload')).to.equal(1);
      expect(seen.find((r) => r.method === 'POST' && r.kind === 'upload')!.url).to.match(/uploadType=multipart/);
      expect(count(seen, 'PUT', 'upload')).to.equal(0);
      expect(sha(await fs.catFile(`${root}/blocks.bin`))).to.equal(sha(data));
    });

    it('sends a body of at most partSize as one simple upload', async function () {
      await fs.pipeFile(`${root}/small.bin`, Readable.from(chunked(randomBytes(4 * MiB), 100_000)));
      expect(count(seen, 'POST', 'upload')).to.equal(1);
      expect(seen.find((r) => r.method === 'POST' && r.kind === 'upload')!.url).to.match(/uploadType=multipart/);
      expect(count(seen, 'PUT', 'upload')).to.equal(0);
    });

    it('leaves nothing behind and cancels the session when a file is aborted', async function () {
      const f = await fs.open(`${root}/aborted.bin`, 'wb');
      await f.write(randomBytes(9 * MiB));
      expect(count(seen, 'POST', 'upload')).to.equal(1); // the session is open
      await f.abort();
      expect(seen.filter((r) => r.method === 'DELETE' && r.kind === 'upload')).to.have.length(1);
      expect(await objects()).to.deep.equal([]);
      expect(await fs.exists(`${root}/aborted.bin`)).to.equal(false);
    });

    it('leaves nothing behind when the source stream fails', async function () {
      async function* failing(): AsyncGenerator<Uint8Array> {
        yield randomBytes(5 * MiB);
        yield randomBytes(5 * MiB);
        throw new Error('source broke');
      }
      const caught = await fs.pipeFile(`${root}/broken.bin`, failing()).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(String((caught as Error).message)).to.contain('source broke');
      expect(seen.filter((r) => r.method === 'DELETE' && r.kind === 'upload')).to.have.length(1);
      expect(await objects()).to.deep.equal([]);
    });

    it('leaves nothing behind when the signal aborts', async function () {
      const controller = new AbortController();
      async function* slow(): AsyncGenerator<Uint8Array> {
        for (let i = 0; i < 10; i++) {
          if (i === 4) controller.abort();
          yield randomBytes(2 * MiB);
        }
      }
      await expectFsError(fs.pipeFile(`${root}/signal.bin`, slow(), { signal: controller.signal }), 'Aborted');
      expect(await objects()).to.deep.equal([]);
    });

    it('fails an exclusive resumable upload with AlreadyExists when the object is there', async function () {
      const f = await fs.open(`${root}/excl.bin`, 'xb');
      await fs.writeText(`${root}/excl.bin`, 'winner');
      const err = await (async () => {
        await f.write(randomBytes(9 * MiB));
        await f.close();
      })().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(FsError);
      expect((err as FsError).kind).to.equal('AlreadyExists');
      expect(await fs.readText(`${root}/excl.bin`)).to.equal('winner');
    });
  });

  describe('appends', function () {
    it('appends with ab by composing the new bytes onto the object, never reading it back', async function () {
      const old = randomBytes(6 * MiB);
      const added = randomBytes(5 * MiB + 1);
      await fs.pipeFile(`${root}/log.bin`, old);
      seen.length = 0;
      const f = await fs.open(`${root}/log.bin`, 'ab');
      for await (const chunk of chunked(added, 1_000_000)) await f.write(chunk);
      await f.close();
      expect(count(seen, 'GET', 'media')).to.equal(0);
      expect(seen.filter((r) => r.method === 'POST' && r.url.includes('/compose'))).to.have.length(1);
      expect(sha(await fs.catFile(`${root}/log.bin`))).to.equal(sha(Buffer.concat([old, added])));
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
      await fs.writeText(`${root}/log.txt`, 'one\n');
      const f = await fs.open(`${root}/log.txt`, 'ab');
      await f.write(randomBytes(5 * MiB));
      await f.abort();
      expect(await fs.readText(`${root}/log.txt`)).to.equal('one\n');
      expect(await objects()).to.deep.equal([`${root}/log.txt`]);
    });

    it('composes on condition that the object still has the generation it had at open', async function () {
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
    let dir: string;
    beforeEach(async function () {
      dir = await mkdtemp(join(tmpdir(), 'omnifs-gcs-'));
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));

    it('gets a large object as concurrent ranged reads of partSize, byte-exact', async function () {
      const data = randomBytes(18 * MiB + 3);
      await fs.pipeFile(`${root}/big.bin`, data);
      seen.length = 0;
      await fs.get(`${root}/big.bin`, join(dir, 'big.bin'));
      expect(sha(await readFile(join(dir, 'big.bin')))).to.equal(sha(data));
      const media = seen.filter((r) => r.kind === 'media');
      expect(media).to.have.length(5); // ceil(18 MiB / 4 MiB)
      expect(media.every((r) => /generation=\d+/.test(r.url) && typeof r.headers.range === 'string')).to.equal(true);
      const mid = await fs.catFile(`${root}/big.bin`, { start: 3 * MiB, end: 11 * MiB + 3 });
      expect(sha(mid)).to.equal(sha(data.subarray(3 * MiB, 11 * MiB + 3)));
    });

    it('reads only while the object keeps the etag info gave (its generation), or its GCS ETag or MD5', async function () {
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

    it('stops a get in parts on abort, leaving no local file', async function () {
      await fs.pipeFile(`${root}/big.bin`, randomBytes(18 * MiB));
      seen.length = 0;
      const controller = new AbortController();
      await expectFsError(
        fs.get(`${root}/big.bin`, join(dir, 'big.bin'), {
          signal: controller.signal,
          onProgress: (p) => {
            if (p.bytes > 0) controller.abort();
          },
        }),
        'Aborted',
        'ABORT_ERR',
      );
      expect(await readdir(dir)).to.deep.equal([]);
      expect(seen.filter((r) => r.kind === 'media').length).to.be.below(5);
    });
  });
});
