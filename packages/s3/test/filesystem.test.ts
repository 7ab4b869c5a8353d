/** S3FileSystem against the harness's S3 server: buckets, prefixes, reads, writes, copies, signed URLs. */
import { expect } from 'chai';
import { expectFsError, rejected } from '@omnifs/testkit';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { clearInstanceCache, filesystem, rsync, urlToFs } from '@omnifs/core';
import { S3FileSystem } from '@omnifs/s3';
import { freshName } from '../../../test/servers/index';
import { startCountingProxy } from '../../../test/faults/counting';
import { connection, countCommands, freshBucket, makeFs, useS3 } from './helpers';

describe('s3: S3FileSystem', function () {
  const s3 = useS3();
  let fs: S3FileSystem;
  let root: string;

  before(function () {
    fs = makeFs(s3.info);
  });
  beforeEach(async function () {
    root = await freshBucket(s3.info, fs);
  });

  describe('buckets', function () {
    it('creates a bucket with makedirs and lists it at the root', async function () {
      if (s3.info.bucket) this.skip(); // an external server gives one fixed bucket
      const bucket = freshName('mk');
      await fs.makedirs(bucket);
      expect(await fs.ls('')).to.include(bucket);
      expect(await fs.isDir(bucket)).to.equal(true);
    });

    it('refuses makedirs of an existing bucket unless existOk', async function () {
      if (s3.info.bucket) this.skip();
      await expectFsError(fs.makedirs(root), 'AlreadyExists');
      await fs.makedirs(root, { existOk: true });
      await expectFsError(fs.mkdir(root), 'AlreadyExists');
    });

    it('creates the bucket of a prefix given to makedirs', async function () {
      if (s3.info.bucket) this.skip();
      const bucket = freshName('mkp');
      await fs.makedirs(`${bucket}/exp/run`);
      expect(await fs.isDir(bucket)).to.equal(true);
    });

    it('removes an empty bucket with rmdir and refuses a non-empty one', async function () {
      if (s3.info.bucket) this.skip();
      await fs.writeText(`${root}/a.txt`, 'a');
      const err = await rejected(fs.rmdir(root));
      expect(err.kind).to.equal('NotEmpty');
      expect(err.code).to.equal('ENOTEMPTY');
      await fs.rm(`${root}/a.txt`);
      await fs.rmdir(root);
      expect(await fs.exists(root)).to.equal(false);
    });
  });

  describe('prefixes as directories', function () {
    beforeEach(async function () {
      await fs.pipe({
        [`${root}/dir/a.txt`]: 'a',
        [`${root}/dir/sub/b.txt`]: 'bb',
        [`${root}/top.txt`]: 'top',
      });
    });

    it('reports a prefix as a directory in info, isDir and isFile', async function () {
      expect(await fs.info(`${root}/dir`)).to.deep.include({ name: `${root}/dir`, type: 'directory', size: 0 });
      expect(await fs.isDir(`${root}/dir/sub`)).to.equal(true);
      expect(await fs.isFile(`${root}/dir`)).to.equal(false);
      expect(await fs.isFile(`${root}/dir/a.txt`)).to.equal(true);
      expect(await fs.exists(`${root}/di`)).to.equal(false);
    });

    it('lists one level with files and subdirectories', async function () {
      expect(await fs.ls(root)).to.deep.equal([`${root}/dir`, `${root}/top.txt`]);
      const detail = await fs.ls(`${root}/dir`, { detail: true });
      expect(detail.map((e) => [e.name, e.type, e.size])).to.deep.equal([
        [`${root}/dir/a.txt`, 'file', 1],
        [`${root}/dir/sub`, 'directory', 0],
      ]);
      expect(detail[0]!.mtime).to.be.instanceOf(Date);
    });

    it('lists a file as itself and a missing prefix as NotFound', async function () {
      expect(await fs.ls(`${root}/top.txt`)).to.deep.equal([`${root}/top.txt`]);
      await expectFsError(fs.ls(`${root}/nothing`), 'NotFound');
    });

    it('finds every key below a prefix in one flat listing, with directories on request', async function () {
      expect(await fs.find(root)).to.deep.equal([`${root}/dir/a.txt`, `${root}/dir/sub/b.txt`, `${root}/top.txt`]);
      expect(await fs.find(root, { withDirs: true })).to.deep.equal([
        root,
        `${root}/dir`,
        `${root}/dir/a.txt`,
        `${root}/dir/sub`,
        `${root}/dir/sub/b.txt`,
        `${root}/top.txt`,
      ]);
      expect(await fs.find(`${root}/dir`, { maxDepth: 1 })).to.deep.equal([`${root}/dir/a.txt`]);
    });

    it('globs across prefixes', async function () {
      expect(await fs.glob(`${root}/**/*.txt`)).to.deep.equal([
        `${root}/dir/a.txt`,
        `${root}/dir/sub/b.txt`,
        `${root}/top.txt`,
      ]);
    });

    it('treats makedirs of a prefix as a no-op that succeeds', async function () {
      await fs.makedirs(`${root}/new/prefix`);
      await fs.makedirs(`${root}/dir`);
      expect(await fs.exists(`${root}/new/prefix`)).to.equal(false);
    });

    it('removes a prefix recursively', async function () {
      await fs.rm(`${root}/dir`, { recursive: true });
      expect(await fs.find(root)).to.deep.equal([`${root}/top.txt`]);
      expect(await fs.exists(`${root}/dir`)).to.equal(false);
    });

    it('refuses rmdir of a non-empty prefix', async function () {
      await expectFsError(fs.rmdir(`${root}/dir`), 'NotEmpty');
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

    it('reads an empty object', async function () {
      await fs.touch(`${root}/empty`);
      expect((await fs.catFile(`${root}/empty`)).byteLength).to.equal(0);
      expect(await fs.size(`${root}/empty`)).to.equal(0);
    });

    it('reads with a RemoteFile: seek, read, iterate', async function () {
      const data = randomBytes(300_000);
      await fs.pipeFile(`${root}/f.bin`, data);
      const f = await fs.open(`${root}/f.bin`, 'rb', { blockSize: 64 * 1024 });
      expect(f.size).to.equal(data.byteLength);
      f.seek(1000);
      expect(Buffer.from(await f.read(10)).equals(data.subarray(1000, 1010))).to.equal(true);
      f.seek(-5, 2);
      expect(Buffer.from(await f.read()).equals(data.subarray(-5))).to.equal(true);
      await f.close();
    });

    it('gives the ETag as the checksum', async function () {
      await fs.writeText(`${root}/c.txt`, 'hello');
      const info = await fs.info(`${root}/c.txt`);
      expect(await fs.checksum(`${root}/c.txt`)).to.equal(String(info.etag).replace(/"/g, ''));
      expect(await fs.checksum(`${root}/c.txt`)).to.equal('5d41402abc4b2a76b9719d911017c592'); // MD5 of a single PUT
    });

    it('creates exclusively with mode create and xb (If-None-Match)', async function () {
      await fs.pipeFile(`${root}/x.txt`, 'first', { mode: 'create' });
      await expectFsError(fs.pipeFile(`${root}/x.txt`, 'second', { mode: 'create' }), 'AlreadyExists');
      await expectFsError(fs.open(`${root}/x.txt`, 'xb'), 'AlreadyExists');
      const f = await fs.open(`${root}/y.txt`, 'xb');
      await f.write('created');
      await f.close();
      expect(await fs.readText(`${root}/y.txt`)).to.equal('created');
      expect(await fs.readText(`${root}/x.txt`)).to.equal('first');
    });

    it('fails an exclusive streamed write when the object appears before close', async function () {
      const f = await fs.open(`${root}/race.txt`, 'xb');
      await f.write('mine');
      await fs.writeText(`${root}/race.txt`, 'theirs');
      const err = await rejected(f.close());
      expect(err.kind).to.equal('AlreadyExists');
      expect(await fs.readText(`${root}/race.txt`)).to.equal('theirs');
    });

    it('appends with ab by rewriting the object', async function () {
      await fs.writeText(`${root}/log.txt`, 'one\n');
      const f = await fs.open(`${root}/log.txt`, 'ab');
      await f.write('two\n');
      await f.close();
      expect(await fs.readText(`${root}/log.txt`)).to.equal('one\ntwo\n');
    });

    it('puts and gets local files (local disk is part of @omnifs/core)', async function () {
      const dir = await mkdtemp(join(tmpdir(), 'omnifs-s3-'));
      try {
        const data = randomBytes(50_000);
        await writeFile(join(dir, 'up.bin'), data);
        await fs.put(join(dir, 'up.bin'), `${root}/up.bin`);
        await fs.get(`${root}/up.bin`, join(dir, 'down.bin'));
        expect((await readFile(join(dir, 'down.bin'))).equals(data)).to.equal(true);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('rsync', function () {
    it('uploads a local tree, then only what changed, and removes what is gone with deleteMissing', async function () {
      const dir = await mkdtemp(join(tmpdir(), 'omnifs-s3-'));
      const counts = countCommands(fs.client);
      try {
        await mkdir(join(dir, 'ckpt', 'sub'), { recursive: true });
        await writeFile(join(dir, 'ckpt', 'a.bin'), randomBytes(1000));
        await writeFile(join(dir, 'ckpt', 'sub', 'b.bin'), randomBytes(2000));
        const first = await rsync(join(dir, 'ckpt'), { fs, path: `${root}/ckpt` });
        expect(first.copied).to.have.length(2);
        expect((await fs.find(`${root}/ckpt`)).sort()).to.deep.equal([`${root}/ckpt/a.bin`, `${root}/ckpt/sub/b.bin`]);
        counts.clear();
        expect(await rsync(join(dir, 'ckpt'), { fs, path: `${root}/ckpt` })).to.deep.equal({
          copied: [],
          deleted: [],
          unchanged: 2,
        });
        expect(counts.get('PutObjectCommand') ?? 0).to.equal(0);
        await writeFile(join(dir, 'ckpt', 'a.bin'), randomBytes(1500));
        await rm(join(dir, 'ckpt', 'sub'), { recursive: true });
        counts.clear();
        const last = await rsync(join(dir, 'ckpt'), `s3://${root}/ckpt`, {
          deleteMissing: true,
          storageOptions: { ...connection(s3.info), skipInstanceCache: true },
        });
        expect(last.copied.map((c) => c.dst)).to.deep.equal([`${root}/ckpt/a.bin`]);
        expect(last.deleted).to.deep.equal([`${root}/ckpt/sub/b.bin`, `${root}/ckpt/sub`]);
        expect(await fs.find(`${root}/ckpt`)).to.deep.equal([`${root}/ckpt/a.bin`]);
        expect(await fs.size(`${root}/ckpt/a.bin`)).to.equal(1500);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('copy and move', function () {
    it('copies an object server-side and keeps the source', async function () {
      await fs.writeText(`${root}/src/a b+c.txt`, 'payload');
      await fs.cp(`${root}/src/a b+c.txt`, `${root}/dst/copy.txt`);
      expect(await fs.readText(`${root}/dst/copy.txt`)).to.equal('payload');
      expect(await fs.exists(`${root}/src/a b+c.txt`)).to.equal(true);
    });

    it('copies a prefix recursively', async function () {
      await fs.pipe({ [`${root}/tree/a`]: 'a', [`${root}/tree/s/b`]: 'b' });
      await fs.cp(`${root}/tree/`, `${root}/copy`, { recursive: true });
      expect(await fs.find(`${root}/copy`)).to.deep.equal([`${root}/copy/a`, `${root}/copy/s/b`]);
    });

    it('moves as copy then delete', async function () {
      await fs.pipe({ [`${root}/m/a`]: 'a', [`${root}/m/s/b`]: 'b' });
      await fs.mv(`${root}/m`, `${root}/moved`);
      expect(await fs.find(root)).to.deep.equal([`${root}/moved/a`, `${root}/moved/s/b`]);
    });
  });

  describe('sign', function () {
    it('gives a presigned GET URL that plain fetch can read', async function () {
      await fs.writeText(`${root}/signed.txt`, 'signed content');
      const url = await fs.sign(`${root}/signed.txt`, { expiresIn: 300 });
      expect(url).to.match(/X-Amz-Signature=/);
      const res = await fetch(url);
      expect(res.status).to.equal(200);
      expect(await res.text()).to.equal('signed content');
    });

    it('gives a presigned PUT URL that plain fetch can upload to', async function () {
      const url = await fs.sign(`${root}/uploaded.txt`, { method: 'PUT', expiresIn: 300 });
      const res = await fetch(url, { method: 'PUT', body: 'sent with fetch' });
      expect(res.status).to.equal(200);
      expect(await fs.readText(`${root}/uploaded.txt`)).to.equal('sent with fetch');
    });
  });

  describe('registry, URLs and environment', function () {
    afterEach(function () {
      for (const k of Object.keys(process.env)) if (k.startsWith('OMNIFS_S3_')) delete process.env[k];
      clearInstanceCache();
    });

    it('serves filesystem("s3") and s3:// URLs, with s3a as an alias', async function () {
      const opts = connection(s3.info) as Record<string, unknown>;
      await fs.writeText(`${root}/u.txt`, 'via url');
      const { fs: viaUrl, path } = urlToFs(`s3://${root}/u.txt`, opts);
      expect(viaUrl).to.be.instanceOf(S3FileSystem);
      expect(path).to.equal(`${root}/u.txt`);
      expect(await viaUrl.readText(path)).to.equal('via url');
      expect(filesystem('s3a', opts)).to.be.instanceOf(S3FileSystem);
      expect(await filesystem('s3', opts).readText(`s3://${root}/u.txt`)).to.equal('via url');
    });

    it('takes options from OMNIFS_S3_* and credentials from AWS_* variables', async function () {
      const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
      process.env.OMNIFS_S3_ENDPOINT = s3.info.endpoint;
      process.env.OMNIFS_S3_REGION = s3.info.region;
      process.env.OMNIFS_S3_FORCE_PATH_STYLE = 'true';
      process.env.AWS_ACCESS_KEY_ID = s3.info.credentials.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = s3.info.credentials.secretAccessKey;
      try {
        const envFs = filesystem('s3', { skipInstanceCache: true });
        expect(envFs.storageOptions).to.deep.include({ endpoint: s3.info.endpoint, forcePathStyle: true });
        await envFs.writeText(`${root}/env.txt`, 'from env');
        expect(await fs.readText(`${root}/env.txt`)).to.equal('from env');
      } finally {
        if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
        else process.env.AWS_ACCESS_KEY_ID = saved.id;
        if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
        else process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
      }
    });

    it('sends the requester-pays header when asked', async function () {
      const proxy = await startCountingProxy({ target: s3.info.endpoint });
      try {
        const payer = makeFs(s3.info, { endpoint: proxy.url, requesterPays: true });
        await payer.writeText(`${root}/p.txt`, 'p');
        expect(await payer.readText(`${root}/p.txt`)).to.equal('p');
        expect(proxy.requests.length).to.be.greaterThan(1);
        expect(proxy.requests.every((r) => r.headerNames.includes('x-amz-request-payer'))).to.equal(true);
      } finally {
        await proxy.close();
      }
    });
  });
});
