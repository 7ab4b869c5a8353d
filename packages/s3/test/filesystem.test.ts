/** S3FileSystem against the harness's S3 server: buckets, prefixes, reads, writes, copies, signed URLs. */
import { expect } from 'chai';
import { expectFsError, layoutTests, registryTests, rejected } from '@omnifs/testkit';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'node:http';
import { randomBytes } from 'node:crypto';
import { filesystem, rsync } from '@omnifs/core';
import { S3FileSystem } from '@omnifs/s3';
import { GetObjectTaggingCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { startCountingProxy } from '../../../test/faults/counting';
import { connection, countCommands, makeFs, useBucket } from './helpers';

describe('s3: S3FileSystem', function () {
  const store = useBucket();

  layoutTests(store, { word: 'bucket', fixed: () => store.info.bucket !== undefined });

  describe('reading and writing, as S3 does', function () {
    it('reads an empty object', async function () {
      const { fs, root } = store;
      await fs.touch(`${root}/empty`);
      expect((await fs.catFile(`${root}/empty`)).byteLength).to.equal(0);
      expect(await fs.size(`${root}/empty`)).to.equal(0);
    });

    it('reads a small file with one GetObject, a larger one in ranges pinned to the first', async function () {
      const { root } = store;
      const proxy = await startCountingProxy({ target: store.info.endpoint });
      try {
        for (const leanRequests of [true, false]) {
          const fs = makeFs(store.info, { endpoint: proxy.url, leanRequests, partSize: 5 * 1024 * 1024 });
          const small = randomBytes(5000);
          const large = randomBytes(5 * 1024 * 1024 + 100);
          await fs.pipe({ [`${root}/small.bin`]: small, [`${root}/large.bin`]: large });
          proxy.reset();
          expect(Buffer.from(await fs.catFile(`${root}/small.bin`)).equals(small), `lean: ${leanRequests}`).to.equal(
            true,
          );
          expect(proxy.requests.map((r) => r.method)).to.deep.equal(['GET']);
          proxy.reset();
          expect(Buffer.from(await fs.catFile(`${root}/large.bin`)).equals(large), `lean: ${leanRequests}`).to.equal(
            true,
          );
          expect(proxy.requests.map((r) => r.method)).to.deep.equal(['GET', 'GET']);
          expect(proxy.requests[0]!.headerNames).to.not.include('if-match');
          expect(proxy.requests[1]!.headerNames).to.include('if-match');
          expect(
            Buffer.from(await fs.catFile(`${root}/large.bin`, { start: 10, end: 4010 })).equals(
              large.subarray(10, 4010),
            ),
          ).to.equal(true);
        }
      } finally {
        await proxy.close();
      }
    });

    it('frees the connection of a read stream destroyed early: later reads do not wait for it', async function () {
      const { root } = store;
      // Through the SDK, on an agent of two sockets: one held by each stream left open would
      // leave the next read waiting for a socket.
      const fs = makeFs(store.info, {
        partSize: 5 * 1024 * 1024,
        concurrency: 2,
        idleTimeout: 60_000,
        clientConfig: { requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: 2 }) } },
      });
      try {
        const data = randomBytes(20 * 1024 * 1024);
        await fs.pipeFile(`${root}/early.bin`, data);
        const work = async (): Promise<string> => {
          for (let i = 0; i < 3; i++) {
            const stream = fs.createReadStream(`${root}/early.bin`);
            stream.on('error', () => undefined); // destroyed: what it meets after is no matter
            await new Promise((r) => stream.once('data', r));
            stream.destroy();
            await new Promise((r) => stream.once('close', r));
          }
          return Buffer.from(await fs.catFile(`${root}/early.bin`, { start: 0, end: 10 })).toString('hex');
        };
        // Well within the idle timeout, which would end a held body (and free its socket) at last.
        let timer: NodeJS.Timeout | undefined;
        const waited = new Promise<string>((r) => (timer = setTimeout(() => r('still waiting after 20 s'), 20_000)));
        const running = work();
        running.catch(() => undefined); // what it comes to after a failed check is no matter
        expect(await Promise.race([running, waited]).finally(() => clearTimeout(timer))).to.equal(
          data.subarray(0, 10).toString('hex'),
        );
      } finally {
        fs.destroy();
      }
    });

    it('reads a block cut on newlines with one HeadObject and one GetObject pinned to it', async function () {
      const { root } = store;
      const proxy = await startCountingProxy({ target: store.info.endpoint });
      try {
        const lines = Array.from({ length: 40_000 }, (_, i) => `row ${i},${'v'.repeat(i % 120)}\n`).join('');
        for (const leanRequests of [true, false]) {
          const fs = makeFs(store.info, { endpoint: proxy.url, leanRequests });
          await fs.pipeFile(`${root}/rows.csv`, lines);
          proxy.reset();
          const block = await fs.readBlock(`${root}/rows.csv`, 1_000_000, 1_000_000, { delimiter: '\n' });
          const start = lines.indexOf('\n', 1_000_000) + 1;
          const end = lines.indexOf('\n', 2_000_000) + 1;
          expect(block.toString(), `lean: ${leanRequests}`).to.equal(lines.slice(start, end));
          expect(proxy.requests.map((r) => r.method)).to.deep.equal(['HEAD', 'GET']);
          expect(proxy.requests[1]!.headerNames).to.include('if-match');
        }
      } finally {
        await proxy.close();
      }
    });

    it('reads with a RemoteFile: seek, read, iterate', async function () {
      const { fs, root } = store;
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
      const { fs, root } = store;
      await fs.writeText(`${root}/c.txt`, 'hello');
      const info = await fs.info(`${root}/c.txt`);
      expect(await fs.checksum(`${root}/c.txt`)).to.equal(String(info.etag).replace(/"/g, ''));
      expect(await fs.checksum(`${root}/c.txt`)).to.equal('5d41402abc4b2a76b9719d911017c592'); // MD5 of a single PUT
    });

    it('fails an exclusive streamed write when the object appears before close', async function () {
      const { fs, root } = store;
      const f = await fs.open(`${root}/race.txt`, 'xb');
      await f.write('mine');
      await fs.writeText(`${root}/race.txt`, 'theirs');
      const err = await rejected(f.close());
      expect(err.kind).to.equal('AlreadyExists');
      expect(await fs.readText(`${root}/race.txt`)).to.equal('theirs');
    });

    it('appends with ab by rewriting the object', async function () {
      const { fs, root } = store;
      await fs.writeText(`${root}/log.txt`, 'one\n');
      const f = await fs.open(`${root}/log.txt`, 'ab');
      await f.write('two\n');
      await f.close();
      expect(await fs.readText(`${root}/log.txt`)).to.equal('one\ntwo\n');
    });

    it('ab looks the object up once, tell() starting at its end (small, large, missing)', async function () {
      const { fs, root } = store;
      const large = 5 * 1024 * 1024 + 3;
      await fs.writeText(`${root}/ab/small.txt`, 'one\n');
      await fs.pipe(`${root}/ab/large.bin`, Buffer.alloc(large, 120));
      const counts = countCommands(fs.client);
      const cases: Array<[string, number]> = [
        ['small.txt', 4],
        ['large.bin', large],
        ['missing.txt', 0],
      ];
      for (const [name, size] of cases) {
        counts.clear();
        const f = await fs.open(`${root}/ab/${name}`, 'ab');
        expect(f.tell(), name).to.equal(size);
        await f.write('two\n');
        expect(f.tell(), name).to.equal(size + 4);
        await f.close();
        expect(counts.get('HeadObjectCommand'), `${name}: one HeadObject`).to.equal(1);
        expect(counts.get('ListObjectsV2Command') ?? 0, `${name}: no listing`).to.equal(0);
        expect(await fs.size(`${root}/ab/${name}`)).to.equal(size + 4);
        expect((await fs.tail(`${root}/ab/${name}`, 4)).toString()).to.equal('two\n');
      }
    });

    it('puts and gets local files (local disk is part of @omnifs/core)', async function () {
      const { fs, root } = store;
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

    it('gives a new object the content type of its name, unless writeParams names one', async function () {
      const { root } = store;
      const dir = await mkdtemp(join(tmpdir(), 'omnifs-s3-'));
      try {
        await writeFile(join(dir, 'photo.png'), randomBytes(100));
        for (const leanRequests of [true, false]) {
          const fs = makeFs(store.info, { leanRequests, partSize: 5 * 1024 * 1024 });
          const at = `${root}/${String(leanRequests)}`;
          await fs.pipe(`${at}/index.html`, '<p>hi</p>');
          await fs.put(join(dir, 'photo.png'), `${at}/photo.png`);
          await fs.pipe(`${at}/no-extension`, 'x');
          // Streamed in parts: CreateMultipartUpload carries it.
          const big = await fs.open(`${at}/table.csv`, 'wb');
          for (let i = 0; i < 6; i++) await big.write(Buffer.alloc(1024 * 1024, 97));
          await big.close();
          const named = makeFs(store.info, { leanRequests, writeParams: { ContentType: 'text/plain' } });
          await named.pipe(`${at}/page.html`, 'plain');
          const types: Record<string, string | undefined> = {};
          for (const e of await fs.ls(at, { detail: true }))
            types[e.name.slice(at.length + 1)] = (await fs.info(e.name)).contentType as string | undefined;
          expect(types, `lean: ${String(leanRequests)}`).to.deep.equal({
            'index.html': 'text/html',
            'no-extension': 'application/octet-stream',
            'page.html': 'text/plain',
            'photo.png': 'image/png',
            'table.csv': 'text/csv',
          });
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
    it('keeps the content type, metadata and tags on a copy, a touch and an append, also in parts', async function () {
      const { root } = store;
      const head = async (fs: S3FileSystem, key: string) =>
        fs.client.send(new HeadObjectCommand({ Bucket: root.split('/')[0], Key: key }));
      const tagsOf = async (fs: S3FileSystem, key: string) =>
        (await fs.client.send(new GetObjectTaggingCommand({ Bucket: root.split('/')[0], Key: key }))).TagSet;
      const prefix = root.split('/').slice(1).join('/');
      const keyOf = (path: string): string => (prefix === '' ? path : `${prefix}/${path}`);
      for (const leanRequests of [true, false]) {
        const writeParams = {
          ContentType: 'text/x-report',
          CacheControl: 'max-age=60',
          Metadata: { team: 'ml' },
          Tagging: 'team=ml&stage=raw%20data',
        };
        const writer = makeFs(store.info, { leanRequests, writeParams });
        // The copying filesystem's own tags go on new objects, not on copies of tagged ones.
        const fs = makeFs(store.info, {
          leanRequests,
          writeParams: { Tagging: 'owner=copier' },
          partSize: 5 * 1024 * 1024,
          multipartCopyThreshold: 5 * 1024 * 1024,
        });
        const at = `lean-${String(leanRequests)}`;
        await writer.pipe(`${root}/${at}/small.txt`, 'a');
        await writer.pipe(`${root}/${at}/large.txt`, Buffer.alloc(6 * 1024 * 1024, 97));
        const counts = countCommands(fs.client);
        await fs.cp(`${root}/${at}/small.txt`, `${root}/${at}/small.bin`);
        await fs.cp(`${root}/${at}/large.txt`, `${root}/${at}/large.bin`);
        expect(counts.get('UploadPartCopyCommand'), 'the large copy goes in parts').to.equal(2);
        await fs.touch(`${root}/${at}/large.txt`, { truncate: false });
        expect(counts.get('UploadPartCopyCommand'), 'so does a touch of the large one').to.equal(4);
        for (const name of ['small.txt', 'large.txt']) {
          const f = await fs.open(`${root}/${at}/${name}`, 'ab');
          await f.write('b');
          await f.close();
        }
        expect(counts.get('UploadPartCopyCommand'), 'an append to the large one copies it in a part').to.equal(5);
        expect(await fs.readText(`${root}/${at}/small.txt`)).to.equal('ab');
        expect((await fs.tail(`${root}/${at}/large.txt`, 2)).toString()).to.equal('ab');
        for (const name of ['small.bin', 'large.bin', 'small.txt', 'large.txt']) {
          const h = await head(fs, keyOf(`${at}/${name}`));
          expect({ type: h.ContentType, cache: h.CacheControl, meta: h.Metadata }, `${at}/${name}`).to.deep.equal({
            type: 'text/x-report',
            cache: 'max-age=60',
            meta: { team: 'ml' },
          });
          expect((await fs.info(`${root}/${at}/${name}`)).contentType).to.equal('text/x-report');
          expect(h.TagCount, `${at}/${name}`).to.equal(2);
          expect(await tagsOf(fs, keyOf(`${at}/${name}`)), `${at}/${name}`).to.have.deep.members([
            { Key: 'team', Value: 'ml' },
            { Key: 'stage', Value: 'raw data' },
          ]);
        }
      }
    });
  });

  describe('rsync', function () {
    it('uploads a local tree, then only what changed, and removes what is gone with deleteMissing', async function () {
      const { fs, root } = store;
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
          storageOptions: { ...connection(store.info), skipInstanceCache: true },
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

  describe('keys no path names', function () {
    it('refuses to copy a tree holding a//b or a/./b before anything is copied', async function () {
      const { fs, root } = store;
      const { PutObjectCommand } = await import('@aws-sdk/client-s3');
      const [Bucket = '', ...prefix] = root.split('/');
      for (const name of ['mk/a.txt', 'mk//double.txt', 'mk/./dot.txt', 'mk/z.txt'])
        await fs.client.send(new PutObjectCommand({ Bucket, Key: [...prefix, name].join('/'), Body: name }));
      expect(await fs.find(`${root}/mk`)).to.include(`${root}/mk//double.txt`);
      const local = await mkdtemp(join(tmpdir(), 'omnifs-s3-keys-'));
      try {
        for (const copy of [
          () => fs.cp(`${root}/mk`, `${root}/copy`, { recursive: true }),
          () => fs.get(`${root}/mk`, join(local, 'out'), { recursive: true }),
        ]) {
          const err = await rejected(copy());
          expect(err).to.include({ kind: 'InvalidArgument', code: 'EINVAL' });
          expect(err.message).to.match(/\/mk\/(\.|\/double\.txt|\.\/dot\.txt)" has (an empty|a "\.") segment/);
        }
        expect(await fs.exists(`${root}/copy`)).to.equal(false);
        expect(await readdir(local)).to.deep.equal([]);
        await fs.rm(`${root}/mk`, { recursive: true });
        expect(await fs.exists(`${root}/mk`)).to.equal(false);
      } finally {
        await rm(local, { recursive: true, force: true });
      }
    });

    it('lists a directory marker that holds bytes as a file, and a copy of its tree refuses it', async function () {
      const { fs, root } = store;
      const { PutObjectCommand } = await import('@aws-sdk/client-s3');
      const [Bucket = '', ...prefix] = root.split('/');
      for (const [name, body] of [
        ['mb/a.txt', 'a'],
        ['mb/full/', 'bytes in a marker'],
        ['mb/empty/', ''],
      ])
        await fs.client.send(new PutObjectCommand({ Bucket, Key: [...prefix, name].join('/'), Body: body }));
      expect(await fs.find(`${root}/mb`)).to.deep.equal([`${root}/mb/a.txt`, `${root}/mb/full/`]);
      const err = await rejected(fs.cp(`${root}/mb`, `${root}/mb-copy`, { recursive: true }));
      expect(err).to.include({ kind: 'InvalidArgument', code: 'EINVAL' });
      expect(err.message).to.include(`${root}/mb/full/ cannot be read`);
      expect(await fs.exists(`${root}/mb-copy`)).to.equal(false);
      await fs.rm(`${root}/mb`, { recursive: true });
      expect(await fs.exists(`${root}/mb`)).to.equal(false);
    });

    it('reads and removes neither a key with .. , . or // nor its twin, refusing the name', async function () {
      const { fs, root } = store;
      const { PutObjectCommand } = await import('@aws-sdk/client-s3');
      const [Bucket = '', ...prefix] = root.split('/');
      const keys = ['tw/x/../y', 'tw/y', 'tw/a/./f', 'tw/a/f', 'tw/a//g', 'tw/a/g'];
      for (const name of keys)
        await fs.client.send(new PutObjectCommand({ Bucket, Key: [...prefix, name].join('/'), Body: name }));
      const listed = await fs.find(`${root}/tw`);
      expect(listed).to.have.members(keys.map((k) => `${root}/${k}`));
      for (const odd of ['tw/x/../y', 'tw/a/./f', 'tw/a//g']) {
        await expectFsError(fs.readText(`${root}/${odd}`), 'InvalidArgument', 'EINVAL');
        await expectFsError(fs.rm(`${root}/${odd}`), 'InvalidArgument', 'EINVAL');
        await expectFsError(fs.info(`${root}/${odd}`), 'InvalidArgument', 'EINVAL');
      }
      for (const twin of ['tw/y', 'tw/a/f', 'tw/a/g']) expect(await fs.readText(`${root}/${twin}`)).to.equal(twin);
      expect(await fs.find(`${root}/tw`)).to.have.members(listed);
      await fs.rm(`${root}/tw`, { recursive: true });
      expect(await fs.exists(`${root}/tw`)).to.equal(false);
    });
  });

  describe('touch', function () {
    it('touches an object server-side, keeping its bytes, metadata and content headers', async function () {
      const { fs, root } = store;
      const { HeadObjectCommand, PutObjectCommand } = await import('@aws-sdk/client-s3');
      const [Bucket = '', ...prefix] = root.split('/');
      const Key = [...prefix, 'touched.csv'].join('/');
      const headers = { ContentType: 'text/csv', CacheControl: 'max-age=60', Metadata: { owner: 'ada' } };
      await fs.client.send(new PutObjectCommand({ Bucket, Key, Body: 'a,b\n', ...headers }));
      const counts = countCommands(fs.client);
      await fs.touch(`${Bucket}/${Key}`, { truncate: false });
      expect(Object.fromEntries(counts)).to.deep.equal({ HeadObjectCommand: 2, CopyObjectCommand: 1 });
      const head = await fs.client.send(new HeadObjectCommand({ Bucket, Key }));
      expect(head).to.deep.include(headers);
      expect(await fs.readText(`${Bucket}/${Key}`)).to.equal('a,b\n');
    });
  });

  describe('sign', function () {
    it('gives a presigned GET URL that plain fetch can read', async function () {
      const { fs, root } = store;
      await fs.writeText(`${root}/signed.txt`, 'signed content');
      const url = await fs.sign(`${root}/signed.txt`, { expiresIn: 300 });
      expect(url).to.match(/X-Amz-Signature=/);
      const res = await fetch(url);
      expect(res.status).to.equal(200);
      expect(await res.text()).to.equal('signed content');
    });

    it('gives a presigned PUT URL that plain fetch can upload to', async function () {
      const { fs, root } = store;
      const url = await fs.sign(`${root}/uploaded.txt`, { method: 'PUT', expiresIn: 300 });
      const res = await fetch(url, { method: 'PUT', body: 'sent with fetch' });
      expect(res.status).to.equal(200);
      expect(await fs.readText(`${root}/uploaded.txt`)).to.equal('sent with fetch');
    });

    it('refuses an expiry beyond the 7 days SigV4 allows, with InvalidArgument', async function () {
      const { fs, root } = store;
      const err = await rejected(fs.sign(`${root}/x`, { expiresIn: 8 * 24 * 3600 }));
      expect(err).to.include({ kind: 'InvalidArgument', code: 'EINVAL' });
      expect(err.message).to.include('at most 7 days');
      expect(await fs.sign(`${root}/x`, { expiresIn: 7 * 24 * 3600 })).to.match(/X-Amz-Expires=604800/);
    });
  });

  describe('registry, URLs and environment', function () {
    registryTests(store, {
      type: S3FileSystem,
      names: ['s3', 's3a'],
      options: () => connection(store.info) as Record<string, unknown>,
      envPrefix: 'OMNIFS_S3_',
    });

    it('takes options from OMNIFS_S3_* and credentials from AWS_* variables', async function () {
      const { fs, root } = store;
      const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
      process.env.OMNIFS_S3_ENDPOINT = store.info.endpoint;
      process.env.OMNIFS_S3_REGION = store.info.region;
      process.env.OMNIFS_S3_FORCE_PATH_STYLE = 'true';
      process.env.AWS_ACCESS_KEY_ID = store.info.credentials.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = store.info.credentials.secretAccessKey;
      try {
        const envFs = filesystem('s3', { skipInstanceCache: true });
        expect(envFs.storageOptions).to.deep.include({ endpoint: store.info.endpoint, forcePathStyle: true });
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
      const { root } = store;
      const proxy = await startCountingProxy({ target: store.info.endpoint });
      try {
        const payer = makeFs(store.info, { endpoint: proxy.url, requesterPays: true });
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
