/** GCSFileSystem against fake-gcs-server: buckets, prefixes, placeholders, paging, copies, signed URLs, registry. */
import { expect } from 'chai';
import { expectFsError } from '@omnifs/testkit';
import { clearInstanceCache, filesystem, urlToFs } from '@omnifs/core';
import { mapLimit } from '@omnifs/core/backend';
import { GCSFileSystem } from '@omnifs/gcs';
import { freshName } from '../../../test/servers/index';
import { connection, count, freshBucket, generatedKey, makeFs, recordingProxy, useGcs } from './helpers';

describe('gcs: GCSFileSystem', function () {
  const gcs = useGcs();
  let fs: GCSFileSystem;
  let root: string;

  before(function () {
    fs = makeFs(gcs.info);
  });
  beforeEach(async function () {
    root = await freshBucket(gcs.info, fs);
  });

  describe('buckets', function () {
    it("creates a bucket with makedirs and lists it among the project's buckets", async function () {
      const bucket = freshName('mk');
      await fs.makedirs(bucket);
      expect(await fs.ls('')).to.include(bucket);
      expect(await fs.info(bucket)).to.deep.include({ name: bucket, type: 'directory', size: 0 });
      expect(await fs.isDir(bucket)).to.equal(true);
      expect(await fs.ls(bucket)).to.deep.equal([]);
    });

    it('refuses makedirs of an existing bucket unless existOk', async function () {
      await expectFsError(fs.makedirs(root), 'AlreadyExists');
      await fs.makedirs(root, { existOk: true });
    });

    it('creates the bucket of a prefix given to makedirs', async function () {
      const bucket = freshName('mkp');
      await fs.makedirs(`${bucket}/exp/run`);
      expect(await fs.isDir(bucket)).to.equal(true);
    });

    it('removes an empty bucket with rmdir and refuses a non-empty one', async function () {
      await fs.writeText(`${root}/a.txt`, 'a');
      await expectFsError(fs.rmdir(root), 'NotEmpty', 'ENOTEMPTY');
      await fs.rm(`${root}/a.txt`);
      await fs.rmdir(root);
      expect(await fs.exists(root)).to.equal(false);
    });
  });

  describe('prefixes as directories', function () {
    beforeEach(async function () {
      await fs.pipe({ [`${root}/dir/a.txt`]: 'a', [`${root}/dir/sub/b.txt`]: 'bb', [`${root}/top.txt`]: 'top' });
    });

    it('reports a prefix as a directory in info, isDir and isFile', async function () {
      expect(await fs.info(`${root}/dir`)).to.deep.include({ name: `${root}/dir`, type: 'directory', size: 0 });
      expect(await fs.isDir(`${root}/dir/sub`)).to.equal(true);
      expect(await fs.isFile(`${root}/dir`)).to.equal(false);
      expect(await fs.isFile(`${root}/dir/a.txt`)).to.equal(true);
      expect(await fs.exists(`${root}/di`)).to.equal(false);
    });

    it('lists one level with files and subdirectories, with GCS metadata', async function () {
      expect(await fs.ls(root)).to.deep.equal([`${root}/dir`, `${root}/top.txt`]);
      const detail = await fs.ls(`${root}/dir`, { detail: true });
      expect(detail.map((e) => [e.name, e.type, e.size])).to.deep.equal([
        [`${root}/dir/a.txt`, 'file', 1],
        [`${root}/dir/sub`, 'directory', 0],
      ]);
      expect(detail[0]!.mtime).to.be.instanceOf(Date);
      expect(detail[0]!.etag).to.match(/^\d+$/);
      expect(detail[0]!.generation).to.equal(detail[0]!.etag);
      expect(detail[0]).to.include.keys('md5Hash', 'crc32c', 'contentType', 'storageClass');
    });

    it('treats a prefix/ placeholder object as an empty directory, hidden from listings', async function () {
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

    it('lists a file as itself and a missing prefix as NotFound', async function () {
      expect(await fs.ls(`${root}/top.txt`)).to.deep.equal([`${root}/top.txt`]);
      await expectFsError(fs.ls(`${root}/nothing`), 'NotFound');
    });

    it('finds every object below a prefix in one flat listing, with directories on request', async function () {
      const { proxy, seen } = await recordingProxy(gcs.info);
      try {
        const viaProxy = makeFs(gcs.info, { apiEndpoint: proxy.url });
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
      expect(await fs.find(root, { withDirs: true })).to.deep.equal([
        root,
        `${root}/dir`,
        `${root}/dir/a.txt`,
        `${root}/dir/sub`,
        `${root}/dir/sub/b.txt`,
        `${root}/top.txt`,
      ]);
      expect(await fs.find(`${root}/dir`, { maxDepth: 1 })).to.deep.equal([`${root}/dir/a.txt`]);
      expect(await fs.glob(`${root}/**/*.txt`)).to.deep.equal([
        `${root}/dir/a.txt`,
        `${root}/dir/sub/b.txt`,
        `${root}/top.txt`,
      ]);
    });

    it('treats makedirs of a prefix as a no-op, removes a prefix recursively and refuses rmdir of a non-empty one', async function () {
      await fs.makedirs(`${root}/new/prefix`);
      expect(await fs.exists(`${root}/new/prefix`)).to.equal(false);
      await expectFsError(fs.rmdir(`${root}/dir`), 'NotEmpty');
      await fs.rm(`${root}/dir`, { recursive: true });
      expect(await fs.find(root)).to.deep.equal([`${root}/top.txt`]);
    });
  });

  describe('paging', function () {
    const N = 1105;
    let paged: GCSFileSystem;

    beforeEach(async function () {
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
      paged = makeFs(gcs.info, { listPageSize: 100 });
    });

    it('lists a level of more than 1,000 entries across pages of listPageSize', async function () {
      const { proxy, seen } = await recordingProxy(gcs.info);
      try {
        const viaProxy = makeFs(gcs.info, { apiEndpoint: proxy.url, listPageSize: 100 });
        const even = await viaProxy.ls(`${root}/many/even`);
        expect(even).to.have.length(553);
        expect(new Set(even).size).to.equal(553);
        expect(seen.filter((r) => r.url.includes('pageToken')).length).to.equal(5);
      } finally {
        await proxy.close();
      }
    });

    it('finds every object of a tree across pages', async function () {
      const found = await paged.find(`${root}/many`);
      expect(found).to.have.length(N);
      expect(new Set(found).size).to.equal(N);
    });

    it('deletes them all recursively, concurrently', async function () {
      this.timeout(120_000);
      await paged.rm(`${root}/many`, { recursive: true });
      expect(await fs.find(root)).to.deep.equal([]);
    });
  });

  describe('reading and writing', function () {
    it('reads back what it wrote, whole and by range', async function () {
      await fs.pipeFile(`${root}/r.txt`, '0123456789abcdef');
      expect(await fs.readText(`${root}/r.txt`)).to.equal('0123456789abcdef');
      expect(Buffer.from(await fs.catFile(`${root}/r.txt`, { start: 4, end: 10 })).toString()).to.equal('456789');
      expect(Buffer.from(await fs.tail(`${root}/r.txt`, 3)).toString()).to.equal('def');
      expect(Buffer.from(await fs.catFile(`${root}/r.txt`, { start: 14, end: 100 })).toString()).to.equal('ef');
      expect((await fs.catFile(`${root}/r.txt`, { start: 100 })).byteLength).to.equal(0);
    });

    it('gives the MD5 as the checksum', async function () {
      await fs.writeText(`${root}/c.txt`, 'hello');
      expect(await fs.checksum(`${root}/c.txt`)).to.equal('5d41402abc4b2a76b9719d911017c592');
    });

    it('creates exclusively with mode create and xb (ifGenerationMatch: 0)', async function () {
      await fs.pipeFile(`${root}/x.txt`, 'first', { mode: 'create' });
      await expectFsError(fs.pipeFile(`${root}/x.txt`, 'second', { mode: 'create' }), 'AlreadyExists', 'EEXIST');
      await expectFsError(fs.open(`${root}/x.txt`, 'xb'), 'AlreadyExists');
      const f = await fs.open(`${root}/y.txt`, 'xb');
      await f.write('created');
      await f.close();
      expect(await fs.readText(`${root}/y.txt`)).to.equal('created');
      expect(await fs.readText(`${root}/x.txt`)).to.equal('first');
    });

    it('bills requests to userProject when given', async function () {
      const { proxy, seen } = await recordingProxy(gcs.info);
      try {
        const payer = makeFs(gcs.info, { apiEndpoint: proxy.url, userProject: 'billed-project' });
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

  describe('copy and move', function () {
    it('copies an object server-side and keeps the source', async function () {
      await fs.writeText(`${root}/src/a b+c.txt`, 'payload');
      const { proxy, seen } = await recordingProxy(gcs.info);
      try {
        await makeFs(gcs.info, { apiEndpoint: proxy.url }).cp(`${root}/src/a b+c.txt`, `${root}/dst/copy.txt`);
        expect(count(seen, 'GET', 'media')).to.equal(0);
        expect(seen.some((r) => r.method === 'POST' && /\/(rewriteTo|copyTo)\//.test(r.url))).to.equal(true);
      } finally {
        await proxy.close();
      }
      expect(await fs.readText(`${root}/dst/copy.txt`)).to.equal('payload');
      expect(await fs.exists(`${root}/src/a b+c.txt`)).to.equal(true);
    });

    it('touches an object server-side, keeping its bytes, metadata and content type', async function () {
      const path = `${root}/touched.csv`;
      await fs.storage
        .bucket(root)
        .file('touched.csv')
        .save('a,b\n', {
          resumable: false,
          metadata: { contentType: 'text/csv', metadata: { owner: 'ada' } },
        });
      const before = await fs.info(path);
      const { proxy, seen } = await recordingProxy(gcs.info);
      try {
        await makeFs(gcs.info, { apiEndpoint: proxy.url }).touch(path, { truncate: false });
        expect(count(seen, 'GET', 'media')).to.equal(0);
        expect(seen.filter((r) => r.url.startsWith('/upload/'))).to.deep.equal([]);
      } finally {
        await proxy.close();
      }
      const [meta] = await fs.storage.bucket(root).file('touched.csv').getMetadata();
      expect(meta).to.deep.include({ contentType: 'text/csv', metadata: { owner: 'ada' } });
      expect((await fs.info(path)).etag).to.not.equal(before.etag);
      expect(await fs.readText(path)).to.equal('a,b\n');
    });

    it('copies a prefix recursively and moves as copy then delete', async function () {
      await fs.pipe({ [`${root}/tree/a`]: 'a', [`${root}/tree/s/b`]: 'b' });
      await fs.cp(`${root}/tree/`, `${root}/copy`, { recursive: true });
      expect(await fs.find(`${root}/copy`)).to.deep.equal([`${root}/copy/a`, `${root}/copy/s/b`]);
      await fs.mv(`${root}/copy`, `${root}/moved`);
      expect(await fs.find(root)).to.deep.equal([
        `${root}/moved/a`,
        `${root}/moved/s/b`,
        `${root}/tree/a`,
        `${root}/tree/s/b`,
      ]);
    });
  });

  describe('sign', function () {
    let signer: GCSFileSystem;
    before(function () {
      signer = makeFs(gcs.info, { credentials: generatedKey() });
    });

    it('gives a V4 signed GET URL with the expected query parameters', async function () {
      await fs.writeText(`${root}/signed.txt`, 'signed content');
      const url = new URL(await signer.sign(`${root}/signed.txt`, { expiresIn: 300 }));
      expect(`${url.protocol}//${url.host}`).to.equal(gcs.info.apiEndpoint);
      expect(url.pathname).to.equal(`/${root}/signed.txt`);
      const q = url.searchParams;
      expect(q.get('X-Goog-Algorithm')).to.equal('GOOG4-RSA-SHA256');
      expect(q.get('X-Goog-Credential')).to.match(
        /^omnifs-test@omnifs-test\.iam\.gserviceaccount\.com\/\d{8}\/auto\/storage\/goog4_request$/,
      );
      expect(q.get('X-Goog-Date')).to.match(/^\d{8}T\d{6}Z$/);
      expect(q.get('X-Goog-Expires')).to.equal('300');
      expect(q.get('X-Goog-SignedHeaders')).to.equal('host');
      expect(q.get('X-Goog-Signature')).to.match(/^[0-9a-f]{512}$/);
    });

    it('gives URLs that fake-gcs-server serves for GET and PUT (it does not check the signature)', async function () {
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
      await expectFsError(signer.sign(`${root}/x`, { expiresIn: 8 * 24 * 3600 }), 'InvalidArgument');
    });
  });

  describe('registry and URLs', function () {
    afterEach(function () {
      clearInstanceCache();
    });

    it('serves filesystem("gs"), filesystem("gcs"), gs:// and gcs:// URLs', async function () {
      const opts = connection(gcs.info) as Record<string, unknown>;
      await fs.writeText(`${root}/u.txt`, 'via url');
      const { fs: viaUrl, path } = urlToFs(`gs://${root}/u.txt`, opts);
      expect(viaUrl).to.be.instanceOf(GCSFileSystem);
      expect(path).to.equal(`${root}/u.txt`);
      expect(await viaUrl.readText(path)).to.equal('via url');
      expect(filesystem('gcs', opts)).to.be.instanceOf(GCSFileSystem);
      expect(await filesystem('gs', opts).readText(`gs://${root}/u.txt`)).to.equal('via url');
      expect(await filesystem('gcs', opts).readText(`gcs://${root}/u.txt`)).to.equal('via url');
      expect(viaUrl.unstripProtocol(`${root}/u.txt`)).to.equal(`gs://${root}/u.txt`);
    });
  });
});
