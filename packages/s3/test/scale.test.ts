/** S3 at scale: 1,000+ keys, multipart uploads of unknown length, aborts, concurrent ranged reads, big copies. */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { RetryFileSystem } from '@omnifs/core';
import { mapLimit, type ObjectPage } from '@omnifs/core/backend';
import { abandonedUploadTests, etagReadTests, partedDownloadTests, sha256 } from '@omnifs/testkit';
import { countCommands, irregularChunks, makeFs, openUploads, useBucket } from './helpers';

const MiB = 1024 * 1024;

describe('s3: at scale', function () {
  this.timeout(180_000);
  const store = useBucket({ partSize: 5 * MiB, concurrency: 4 });
  let counts: Map<string, number>;
  before(function () {
    counts = countCommands(store.fs.client);
  });
  beforeEach(function () {
    counts.clear();
  });

  describe('1,000+ keys', function () {
    const N = 1234;
    let keys: string[];

    beforeEach(async function () {
      const { fs, root } = store;
      const [bucket, ...rest] = root.split('/');
      const prefix = rest.length > 0 ? `${rest.join('/')}/` : '';
      keys = Array.from({ length: N }, (_, i) => `many/${i % 2 === 0 ? 'even' : 'odd'}/k${String(i).padStart(5, '0')}`);
      await mapLimit(keys, 32, (k) =>
        fs.client.send(new PutObjectCommand({ Bucket: bucket!, Key: `${prefix}${k}`, Body: k })),
      );
      counts.clear();
    });

    it('lists a directory of more than 1,000 entries across pages', async function () {
      const { fs, root } = store;
      const even = await fs.ls(`${root}/many/even`);
      expect(even).to.have.length(N / 2);
      expect(new Set(even).size).to.equal(N / 2);
      const flat = await fs.ls(`${root}/many/odd`, { detail: true });
      expect(flat.every((e) => e.type === 'file' && e.size === 'many/odd/k00001'.length)).to.equal(true);
    });

    it('finds every key in one paged flat listing', async function () {
      const { fs, root } = store;
      const found = await fs.find(`${root}/many`);
      expect(found).to.have.length(N);
      expect(found).to.deep.equal(keys.map((k) => `${root}/${k}`).sort());
      expect(counts.get('ListObjectsV2Command')).to.equal(2);
    });

    it('asks for the next page while the first is read, and aborts it when the reader stops', async function () {
      const { fs, root } = store;
      const [bucket, ...rest] = root.split('/');
      const prefix = `${rest.length > 0 ? `${rest.join('/')}/` : ''}many/`;
      const lister = fs as unknown as { listPages(bucket: string, prefix: string): AsyncIterable<ObjectPage> };
      const pages = lister.listPages(bucket!, prefix)[Symbol.asyncIterator]();
      const first = await pages.next();
      expect(first.done).to.equal(false);
      expect(first.value.objects).to.have.length(1000);
      expect(counts.get('ListObjectsV2Command')).to.equal(2);
      await pages.return?.();
      await new Promise((r) => setTimeout(r, 50));
      expect(counts.get('ListObjectsV2Command')).to.equal(2);
      expect(await fs.find(`${root}/many`)).to.have.length(N);
    });

    it('deletes them recursively in DeleteObjects batches of 1,000', async function () {
      const { fs, root } = store;
      await fs.rm(`${root}/many`, { recursive: true });
      expect(counts.get('DeleteObjectsCommand')).to.equal(2);
      expect(counts.get('DeleteObjectCommand') ?? 0).to.be.at.most(3); // directory markers of the emptied prefixes
      expect(await fs.find(root)).to.deep.equal([]);
    });
  });

  describe('uploads', function () {
    it('uploads a stream of unknown length (40 MiB) as multipart and reads it back byte-exact', async function () {
      const { fs, root } = store;
      const data = randomBytes(40 * MiB);
      await fs.pipeFile(`${root}/stream.bin`, Readable.from(irregularChunks(data)));
      expect(counts.get('CreateMultipartUploadCommand')).to.equal(1);
      expect(counts.get('UploadPartCommand')).to.equal(8);
      expect(counts.get('PutObjectCommand') ?? 0).to.equal(0);
      const info = await fs.info(`${root}/stream.bin`);
      expect(info.size).to.equal(data.byteLength);
      expect(String(info.etag)).to.match(/-8"?$/);
      expect(sha256(await fs.catFile(`${root}/stream.bin`))).to.equal(sha256(data));
    });

    it('writes a wb file through createWriteStream and reads it back through createReadStream', async function () {
      const { fs, root } = store;
      const data = randomBytes(12 * MiB + 17);
      await new Promise<void>((resolve, reject) => {
        const w = fs.createWriteStream(`${root}/ws.bin`);
        w.on('error', reject).on('finish', resolve);
        Readable.from(irregularChunks(data)).pipe(w);
      });
      const chunks: Buffer[] = [];
      for await (const c of fs.createReadStream(`${root}/ws.bin`)) chunks.push(c as Buffer);
      expect(sha256(Buffer.concat(chunks))).to.equal(sha256(data));
    });

    it('sends a small body as one PutObject', async function () {
      const { fs, root } = store;
      await fs.pipeFile(`${root}/small.bin`, Readable.from(irregularChunks(randomBytes(MiB))));
      expect(counts.get('PutObjectCommand')).to.equal(1);
      expect(counts.get('CreateMultipartUploadCommand') ?? 0).to.equal(0);
    });

    it('puts one local file with one listing (is the target a directory?) and one PutObject', async function () {
      const { fs, root } = store;
      const dir = await mkdtemp(join(tmpdir(), 'omnifs-s3-'));
      try {
        await writeFile(join(dir, 'one.bin'), randomBytes(4096));
        await fs.put(join(dir, 'one.bin'), `${root}/up/one.bin`);
        expect(Object.fromEntries(counts)).to.deep.equal({ ListObjectsV2Command: 1, PutObjectCommand: 1 });
        counts.clear();
        await fs.makedirs(`${root}/up/into`);
        await fs.pipeFile(`${root}/up/into/marker`, 'x');
        counts.clear();
        await fs.put(join(dir, 'one.bin'), `${root}/up/into`);
        expect(await fs.exists(`${root}/up/into/one.bin`)).to.equal(true);
        expect(counts.get('HeadObjectCommand') ?? 0).to.equal(1); // the exists() above
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('appends to an object of 5 MiB or more by part-copy, sending only the new bytes', async function () {
      const { fs, root } = store;
      const old = randomBytes(6 * MiB);
      await fs.pipeFile(`${root}/log.bin`, old);
      const more = randomBytes(1000);
      const rest = randomBytes(7 * MiB);
      counts.clear();
      const f = await fs.open(`${root}/log.bin`, 'ab');
      await f.write(more);
      await f.close();
      expect(counts.get('UploadPartCopyCommand')).to.equal(1);
      expect(counts.get('UploadPartCommand')).to.equal(1);
      expect(counts.get('GetObjectCommand') ?? 0).to.equal(0);
      counts.clear();
      const g = await fs.open(`${root}/log.bin`, 'ab');
      await g.write(rest);
      await g.close();
      expect(counts.get('UploadPartCopyCommand')).to.equal(1);
      expect(counts.get('UploadPartCommand')).to.equal(2); // 5 MiB parts
      expect(counts.get('GetObjectCommand') ?? 0).to.equal(0);
      counts.clear();
      const wrapped = new RetryFileSystem({ fs }); // a layer passes the append through
      const h = await wrapped.open(`${root}/log.bin`, 'ab');
      await h.write(more);
      await h.close();
      expect(counts.get('UploadPartCopyCommand')).to.equal(1);
      expect(counts.get('GetObjectCommand') ?? 0).to.equal(0);
      expect(sha256(await fs.catFile(`${root}/log.bin`))).to.equal(sha256(Buffer.concat([old, more, rest, more])));
      expect(await openUploads(fs.client, root)).to.deep.equal([]);
    });

    it('appends to a smaller object by rewriting it, and leaves the object as it was on abort', async function () {
      const { fs, root } = store;
      await fs.pipeFile(`${root}/small-log.bin`, 'first\n');
      counts.clear();
      const f = await fs.open(`${root}/small-log.bin`, 'ab');
      await f.write('second\n');
      await f.close();
      expect(counts.get('GetObjectCommand')).to.equal(1);
      expect(counts.get('UploadPartCopyCommand') ?? 0).to.equal(0);
      expect(await fs.readText(`${root}/small-log.bin`)).to.equal('first\nsecond\n');
      await fs.pipeFile(`${root}/big-log.bin`, randomBytes(5 * MiB));
      const before = await fs.checksum(`${root}/big-log.bin`);
      const g = await fs.open(`${root}/big-log.bin`, 'ab');
      await g.write(randomBytes(6 * MiB));
      await g.abort();
      expect(await fs.checksum(`${root}/big-log.bin`)).to.equal(before);
      expect(await openUploads(fs.client, root)).to.deep.equal([]);
    });

    abandonedUploadTests(store, {
      partSize: 5 * MiB,
      pending: () => openUploads(store.fs.client, store.root),
      started: () => expect(counts.get('UploadPartCommand')).to.be.at.least(1),
      cancelled: () => expect(counts.get('AbortMultipartUploadCommand')).to.equal(1),
    });
  });

  describe('downloads and copies', function () {
    partedDownloadTests(store, {
      partSize: 5 * MiB,
      reset: () => counts.clear(),
      downloads: () => counts.get('GetObjectCommand') ?? 0,
    });
    etagReadTests(store);

    it('copies objects above the threshold with UploadPartCopy', async function () {
      const { root } = store;
      const big = makeFs(store.info, { partSize: 5 * MiB, multipartCopyThreshold: 5 * MiB });
      const bigCounts = countCommands(big.client);
      const data = randomBytes(12 * MiB);
      await big.pipeFile(`${root}/orig.bin`, data);
      await big.cp(`${root}/orig.bin`, `${root}/copied.bin`);
      expect(bigCounts.get('UploadPartCopyCommand')).to.equal(3);
      expect(bigCounts.get('CopyObjectCommand') ?? 0).to.equal(0);
      expect(sha256(await big.catFile(`${root}/copied.bin`))).to.equal(sha256(data));
      expect(await openUploads(big.client, root)).to.deep.equal([]);
    });
  });
});
