/** GCSFileSystem against fake-gcs-server: buckets, prefixes, placeholders, paging, copies, signed URLs, registry. */
import { expect } from 'chai';
import { expectFsError, layoutTests, registryTests, writePrefixFixture } from '@omnifs/testkit';
import { filesystem } from '@omnifs/core';
import { mapLimit, type ObjectPage } from '@omnifs/core/backend';
import { GCSFileSystem } from '@omnifs/gcs';
import { connection, count, generatedKey, makeFs, recordingProxy, useBucket } from './helpers';

describe('gcs: GCSFileSystem', function () {
  const store = useBucket();
  layoutTests(store, {
    word: 'bucket',
    fixed: () => store.info.bucket !== undefined,
    fileEntry: (entry) => {
      expect(entry.etag).to.match(/^\d+$/);
      expect(entry.generation).to.equal(entry.etag);
      expect(entry).to.include.keys('md5Hash', 'crc32c', 'contentType', 'storageClass');
    },
  });

  describe('prefixes as directories, as GCS keeps them', function () {
    beforeEach(() => writePrefixFixture(store));

    it('treats a prefix/ placeholder object as an empty directory, hidden from listings', async function () {
      const { fs, root } = store;
      const [bucket, ...rest] = root.split('/');
      const key = [...rest, 'empty/'].join('/');
      await fs.storage.bucket(bucket!).file(key).save('', { resumable: false });
      expect(await fs.info(`${root}/empty`)).to.deep.include({ type: 'directory' });
      expect(await fs.ls(`${root}/empty`)).to.deep.equal([]);
      expect(await fs.ls(root)).to.include(`${root}/empty`);
      expect(await fs.find(root, { withDirs: true })).to.include(`${root}/empty`);
      expect(await fs.find(root)).to.not.include(`${root}/empty`);
      await fs.rmdir(`${root}/empty`);
      expect(await fs.exists(`${root}/empty`)).to.equal(false);
    });

    it('finds every object below a prefix with one listing request and no delimiter', async function () {
      const { root } = store;
      const { proxy, seen } = await recordingProxy(store.info);
      try {
        const viaProxy = makeFs(store.info, { apiEndpoint: proxy.url });
        expect(await viaProxy.find(root)).to.deep.equal([
          `${root}/dir/a.txt`,
          `${root}/dir/sub/b.txt`,
          `${root}/top.txt`,
        ]);
        expect(seen.filter((r) => r.url.includes('/o?'))).to.have.length(1);
        expect(seen.some((r) => r.url.includes('delimiter'))).to.equal(false);
      } finally {
        await proxy.close();
      }
    });
  });

  describe('paging', function () {
    const N = 1105;
    let paged: GCSFileSystem;

    beforeEach(async function () {
      const { fs, root } = store;
      this.timeout(120_000);
      const [bucket, ...rest] = root.split('/');
      const prefix = rest.length > 0 ? `${rest.join('/')}/` : '';
      const b = fs.storage.bucket(bucket!);
      await mapLimit(
        Array.from({ length: N }, (_, i) => i),
        32,
        (i) =>
          b
            .file(`${prefix}many/${i % 2 === 0 ? 'even' : 'odd'}/k${String(i).padStart(5, '0')}`)
            .save('x', { resumable: false }),
      );
      paged = makeFs(store.info, { listPageSize: 100 });
    });

    it('lists a level of more than 1,000 entries across pages of listPageSize', async function () {
      const { root } = store;
      const { proxy, seen } = await recordingProxy(store.info);
      try {
        const viaProxy = makeFs(store.info, { apiEndpoint: proxy.url, listPageSize: 100 });
        const even = await viaProxy.ls(`${root}/many/even`);
        expect(even).to.have.length(553);
        expect(new Set(even).size).to.equal(553);
        expect(seen.filter((r) => r.url.includes('pageToken')).length).to.equal(5);
      } finally {
        await proxy.close();
      }
    });

    it('asks for the next page while the first is read, and aborts it when the reader stops', async function () {
      const { root } = store;
      const { proxy, seen } = await recordingProxy(store.info);
      const viaProxy = makeFs(store.info, { apiEndpoint: proxy.url, listPageSize: 100 });
      try {
        const [bucket, ...rest] = root.split('/');
        const prefix = `${rest.length > 0 ? `${rest.join('/')}/` : ''}many/`;
        const lister = viaProxy as unknown as { listPages(bucket: string, prefix: string): AsyncIterable<ObjectPage> };
        const pages = lister.listPages(bucket!, prefix)[Symbol.asyncIterator]();
        const first = await pages.next();
        expect(first.value.objects).to.have.length(100);
        const lists = (): number => seen.filter((r) => /\/b\/[^/]+\/o\?/.test(r.url)).length;
        // The second page's request is on its way before the caller asks for it.
        for (let i = 0; i < 100 && lists() < 2; i++) await new Promise((r) => setTimeout(r, 20));
        expect(lists()).to.equal(2);
        await pages.return?.();
        await new Promise((r) => setTimeout(r, 100));
        expect(lists()).to.equal(2);
        expect(await viaProxy.find(`${root}/many`)).to.have.length(N);
      } finally {
        await proxy.close();
      }
    });

    it('finds every object of a tree across pages', async function () {
      const { root } = store;
      const found = await paged.find(`${root}/many`);
      expect(found).to.have.length(N);
      expect(new Set(found).size).to.equal(N);
    });

    it('deletes them all recursively, concurrently', async function () {
      const { fs, root } = store;
      this.timeout(120_000);
      await paged.rm(`${root}/many`, { recursive: true });
      expect(await fs.find(root)).to.deep.equal([]);
    });
  });

  describe('reading and writing', function () {
    it('gives the MD5 as the checksum', async function () {
      const { fs, root } = store;
      await fs.writeText(`${root}/c.txt`, 'hello');
      expect(await fs.checksum(`${root}/c.txt`)).to.equal('5d41402abc4b2a76b9719d911017c592');
    });

    it('bills requests to userProject when given', async function () {
      const { root } = store;
      const { proxy, seen } = await recordingProxy(store.info);
      try {
        const payer = makeFs(store.info, { apiEndpoint: proxy.url, userProject: 'billed-project' });
        await payer.writeText(`${root}/p.txt`, 'p');
        expect(await payer.readText(`${root}/p.txt`)).to.equal('p');
        expect(await payer.ls(root)).to.deep.equal([`${root}/p.txt`]);
        expect(seen.length).to.be.greaterThan(2);
        expect(seen.every((r) => r.url.includes('userProject=billed-project'))).to.equal(true);
      } finally {
        await proxy.close();
      }
    });
  });

  describe('copy without download', function () {
    it('copies an object server-side, never reading its bytes', async function () {
      const { fs, root } = store;
      await fs.writeText(`${root}/src/a b+c.txt`, 'payload');
      const { proxy, seen } = await recordingProxy(store.info);
      try {
        await makeFs(store.info, { apiEndpoint: proxy.url }).cp(`${root}/src/a b+c.txt`, `${root}/dst/copy.txt`);
        expect(count(seen, 'GET', 'media')).to.equal(0);
        expect(seen.some((r) => r.method === 'POST' && /\/(rewriteTo|copyTo)\//.test(r.url))).to.equal(true);
      } finally {
        await proxy.close();
      }
      expect(await fs.readText(`${root}/dst/copy.txt`)).to.equal('payload');
      expect(await fs.exists(`${root}/src/a b+c.txt`)).to.equal(true);
    });

    it('touches an object server-side, keeping its bytes, metadata and content type', async function () {
      const { fs, root } = store;
      const [bucket = '', ...prefix] = root.split('/');
      const key = [...prefix, 'touched.csv'].join('/');
      const path = `${bucket}/${key}`;
      await fs.storage
        .bucket(bucket)
        .file(key)
        .save('a,b\n', {
          resumable: false,
          metadata: { contentType: 'text/csv', metadata: { owner: 'ada' } },
        });
      const before = await fs.info(path);
      const { proxy, seen } = await recordingProxy(store.info);
      try {
        await makeFs(store.info, { apiEndpoint: proxy.url }).touch(path, { truncate: false });
        expect(count(seen, 'GET', 'media')).to.equal(0);
        expect(seen.filter((r) => r.url.startsWith('/upload/'))).to.deep.equal([]);
      } finally {
        await proxy.close();
      }
      const [meta] = await fs.storage.bucket(bucket).file(key).getMetadata();
      expect(meta).to.deep.include({ contentType: 'text/csv', metadata: { owner: 'ada' } });
      expect((await fs.info(path)).etag).to.not.equal(before.etag);
      expect(await fs.readText(path)).to.equal('a,b\n');
    });
  });

  describe('sign', function () {
    let signer: GCSFileSystem;
    before(function () {
      signer = makeFs(store.info, { credentials: generatedKey() });
    });

    it('gives a V4 signed GET URL with the expected query parameters', async function () {
      const { fs, root } = store;
      await fs.writeText(`${root}/signed.txt`, 'signed content');
      const url = new URL(await signer.sign(`${root}/signed.txt`, { expiresIn: 300 }));
      expect(`${url.protocol}//${url.host}`).to.equal(store.info.apiEndpoint);
      expect(url.pathname).to.equal(`/${root}/signed.txt`);
      const q = url.searchParams;
      expect(q.get('X-Goog-Algorithm')).to.equal('GOOG4-RSA-SHA256');
      expect(q.get('X-Goog-Credential')).to.match(
        /^omnifs-test@omnifs-test\.iam\.gserviceaccount\.com\/\d{8}\/auto\/storage\/goog4_request$/,
      );
      expect(q.get('X-Goog-Date')).to.match(/^\d{8}T\d{6}Z$/);
      // The SDK counts whole seconds of its own clock from the expiry given: 299 when a
      // second turned between the two readings.
      expect(q.get('X-Goog-Expires')).to.be.oneOf(['300', '299']);
      expect(q.get('X-Goog-SignedHeaders')).to.equal('host');
      expect(q.get('X-Goog-Signature')).to.match(/^[0-9a-f]{512}$/);
    });

    it('gives URLs that fake-gcs-server serves for GET and PUT (it does not check the signature)', async function () {
      const { fs, root } = store;
      await fs.writeText(`${root}/signed.txt`, 'signed content');
      const get = await fetch(await signer.sign(`${root}/signed.txt`, { expiresIn: 300 }));
      expect(get.status).to.equal(200);
      expect(await get.text()).to.equal('signed content');
      const put = await fetch(await signer.sign(`${root}/uploaded.txt`, { method: 'PUT', expiresIn: 300 }), {
        method: 'PUT',
        body: 'sent with fetch',
      });
      expect(put.status).to.equal(200);
      expect(await fs.readText(`${root}/uploaded.txt`)).to.equal('sent with fetch');
      const tampered = new URL(await signer.sign(`${root}/signed.txt`, { expiresIn: 300 }));
      tampered.searchParams.set('X-Goog-Signature', '0'.repeat(512));
      expect((await fetch(tampered)).status).to.equal(200); // a real GCS answers 403 SignatureDoesNotMatch
    });

    it('refuses an expiry beyond the 7 days V4 allows', async function () {
      const { root } = store;
      await expectFsError(signer.sign(`${root}/x`, { expiresIn: 8 * 24 * 3600 }), 'InvalidArgument');
    });
  });

  describe('what killed appends leave', function () {
    it('hides the part of an append that never composed, and cleanup removes it', async function () {
      const { fs, root } = store;
      await fs.pipe({
        [`${root}/logs/run.log`]: 'base\n',
        [`${root}/logs/.run.log.0123456789ab.omnifs-append`]: 'part',
      });
      expect(await fs.ls(`${root}/logs`)).to.deep.equal([`${root}/logs/run.log`]);
      expect(await fs.find(root)).to.deep.equal([`${root}/logs/run.log`]);
      const dry = await fs.cleanup(root, { olderThan: 0, dryRun: true });
      expect(dry.removed.map((d) => [d.kind, d.path, d.size])).to.deep.equal([
        ['temporary', `${root}/logs/.run.log.0123456789ab.omnifs-append`, 4],
      ]);
      expect((await fs.cleanup(root)).kept.map((d) => d.path)).to.deep.equal([
        `${root}/logs/.run.log.0123456789ab.omnifs-append`,
      ]);
      await fs.cleanup(root, { olderThan: 0 });
      expect(await fs.exists(`${root}/logs/.run.log.0123456789ab.omnifs-append`)).to.equal(false);
      expect(await fs.readText(`${root}/logs/run.log`)).to.equal('base\n');
    });
  });

  describe('registry and URLs', function () {
    registryTests(store, {
      type: GCSFileSystem,
      names: ['gs', 'gcs'],
      options: () => connection(store.info) as Record<string, unknown>,
    });

    it('gives a new instance once STORAGE_EMULATOR_HOST is set, not the one made before', async function () {
      const { root } = store;
      const saved = process.env.STORAGE_EMULATOR_HOST;
      try {
        delete process.env.STORAGE_EMULATOR_HOST;
        const options = { projectId: store.info.projectId, anon: true };
        const before = filesystem('gs', options);
        process.env.STORAGE_EMULATOR_HOST = new URL(store.info.apiEndpoint).host;
        const after = filesystem('gs', options);
        expect(after).to.not.equal(before);
        await after.writeText(`${root}/via-emulator.txt`, 'e');
        expect(await store.fs.readText(`${root}/via-emulator.txt`)).to.equal('e');
      } finally {
        if (saved === undefined) delete process.env.STORAGE_EMULATOR_HOST;
        else process.env.STORAGE_EMULATOR_HOST = saved;
      }
    });
  });
});
