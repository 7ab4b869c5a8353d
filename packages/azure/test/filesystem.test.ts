/** AzureBlobFileSystem against Azurite: containers, virtual directories, staged blocks, append blobs, reads, copies, SAS. */
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import {
  abandonedUploadTests,
  chunked,
  etagReadTests,
  expectFsError,
  layoutTests,
  partedDownloadTests,
  registryTests,
  sha256,
  useStore,
} from '@omnifs/testkit';
import { urlToFs } from '@omnifs/core';
import { AzureBlobFileSystem, AzureDeleteError, type AzureBlobOptions } from '@omnifs/azure';
import { startCountingProxy, type CountingProxy } from '../../../test/faults/counting';
import { connection, freshContainer, makeFs, useContainer } from './helpers';

const MiB = 1024 * 1024;

describe('azure: AzureBlobFileSystem', function () {
  this.timeout(120_000);
  const store = useContainer();
  let proxy: CountingProxy;

  before(async function () {
    proxy = await startCountingProxy({ target: new URL(store.info.blobEndpoint).origin });
  });
  after(async function () {
    await proxy?.close();
  });

  /** A filesystem whose requests the counting proxy records. */
  const viaProxy = (extra: AzureBlobOptions = {}): AzureBlobFileSystem =>
    makeFs(store.info, { accountUrl: `${proxy.url}${new URL(store.info.blobEndpoint).pathname}`, ...extra });

  layoutTests(store, {
    word: 'container',
    fixed: () => store.info.container !== undefined,
    bucketEntry: (info) => expect(info.mtime).to.be.instanceOf(Date),
    fileEntry: (entry) => expect(entry).to.include({ blobType: 'BlockBlob' }),
  });
  etagReadTests(store);

  describe('virtual directories', function () {
    it('pages through more than 1,000 blobs, by hierarchy and flat', async function () {
      const { fs, root } = store;
      const paged = viaProxy({ listPageSize: 250 });
      const names = Array.from({ length: 1100 }, (_, i) => `${root}/many/f${String(i).padStart(4, '0')}`);
      await fs.pipe(Object.fromEntries(names.map((n) => [n, 'x'])), undefined, { batchSize: 32 });
      await fs.writeText(`${root}/many/sub/deep.txt`, 'd');
      proxy.reset();
      const level = await paged.ls(`${root}/many`);
      expect(proxy.requests.filter((r) => r.url.includes('comp=list'))).to.have.length(5); // ceil(1101 / 250)
      expect(level).to.have.length(1101);
      expect(level.slice(0, 1100)).to.deep.equal(names);
      expect(level[1100]).to.equal(`${root}/many/sub`);
      expect(await paged.find(`${root}/many`)).to.have.length(1101);
      await paged.rm(`${root}/many`, { recursive: true });
      expect(await paged.exists(`${root}/many`)).to.equal(false);
    });
  });

  describe('reads', function () {
    it('reads a small blob with one Get Blob, whole or a range of it, on the lean and SDK paths', async function () {
      const { root } = store;
      const data = randomBytes(5000);
      await store.fs.pipeFile(`${root}/small.bin`, data);
      for (const leanRequests of [true, false]) {
        const fs = viaProxy({ leanRequests });
        proxy.reset();
        expect(Buffer.from(await fs.catFile(`${root}/small.bin`)).equals(data), `lean: ${leanRequests}`).to.equal(true);
        expect(proxy.requests.map((r) => r.method)).to.deep.equal(['GET']);
        const middle = await fs.catFile(`${root}/small.bin`, { start: 100, end: 4000 });
        expect(Buffer.from(middle).equals(data.subarray(100, 4000)), `lean: ${leanRequests}`).to.equal(true);
        expect(await fs.catFile(`${root}/small.bin`, { start: 6000, end: 7000 })).to.have.length(0);
      }
    });
  });

  describe('uploads', function () {
    it('streams a large body of unknown length as staged blocks, byte-exact', async function () {
      const { root } = store;
      const small = makeFs(store.info, { partSize: 4 * MiB, concurrency: 3 });
      const data = randomBytes(21 * MiB + 123);
      await small.pipeFile(`${root}/big.bin`, chunked(data, 1_234_567));
      expect(sha256(await small.catFile(`${root}/big.bin`))).to.equal(sha256(data));
      const blocks = await small.service
        .getContainerClient(root.split('/')[0]!)
        .getBlockBlobClient(`${root.split('/').slice(1).concat('big.bin').join('/')}`)
        .getBlockList('committed');
      expect(blocks.committedBlocks?.map((b) => b.size)).to.deep.equal(
        [4, 4, 4, 4, 4].map((n) => n * MiB).concat([1 * MiB + 123]),
      );
    });

    it('gives a new blob the content type of its name, on the lean and SDK paths', async function () {
      for (const leanRequests of [true, false]) {
        const fs = makeFs(store.info, { leanRequests, partSize: 4 * MiB });
        const at = `${store.root}/${String(leanRequests)}`;
        await fs.pipe(`${at}/index.html`, '<p>hi</p>');
        await fs.pipe(`${at}/no-extension`, 'x');
        // Staged blocks: Put Block List carries it.
        await fs.pipeFile(`${at}/table.csv`, chunked(Buffer.alloc(9 * MiB, 97), MiB));
        const log = await fs.open(`${at}/events.json`, 'ab'); // a new append blob
        await log.write('{}\n');
        await log.close();
        const types: Record<string, unknown> = {};
        for (const e of await fs.ls(at, { detail: true }))
          types[e.name.slice(at.length + 1)] = (await fs.info(e.name)).contentType;
        expect(types, `lean: ${String(leanRequests)}`).to.deep.equal({
          'events.json': 'application/json',
          'index.html': 'text/html',
          'no-extension': 'application/octet-stream',
          'table.csv': 'text/csv',
        });
      }
    });
  });

  describe('in parts of 4 MiB, through the counting proxy', function () {
    const parted = useStore(
      () => viaProxy({ partSize: 4 * MiB, concurrency: 3 }),
      (fs) => freshContainer(store.info, fs),
    );
    abandonedUploadTests(parted, { partSize: 4 * MiB });
    partedDownloadTests(parted, {
      partSize: 4 * MiB,
      reset: () => proxy.reset(),
      downloads: () => proxy.requests.filter((r) => r.method === 'GET' && r.url.includes('big.bin')).length,
    });
  });

  describe('append blobs', function () {
    const blobType = async (path: string): Promise<unknown> => (await store.fs.info(path)).blobType;

    it('creates an append blob on a missing path and appends to it', async function () {
      const { fs, root } = store;
      for (const line of ['one\n', 'two\n', 'three\n']) {
        const f = await fs.open(`${root}/log.txt`, 'ab');
        await f.write(line);
        await f.close();
      }
      expect(await fs.readText(`${root}/log.txt`)).to.equal('one\ntwo\nthree\n');
      expect(await blobType(`${root}/log.txt`)).to.equal('AppendBlob');
    });

    it('splits appends larger than 4 MiB into blocks the service accepts', async function () {
      const { fs, root } = store;
      await fs.writeText(`${root}/big.log`, '');
      const data = randomBytes(9 * MiB + 5);
      const w = await fs.openWriter(`${root}/big.log`, { append: true });
      for await (const c of chunked(data, 3 * MiB)) await w.write(c);
      await w.close();
      expect(sha256(await fs.catFile(`${root}/big.log`))).to.equal(sha256(data));
      const props = await fs.service.getContainerClient(root).getAppendBlobClient('big.log').getProperties();
      expect(props.blobCommittedBlockCount).to.equal(3);
    });

    it('converts a block blob to an append blob, keeping its content, then appends', async function () {
      const { fs, root } = store;
      await fs.writeText(`${root}/was-block.txt`, 'old content\n');
      expect(await blobType(`${root}/was-block.txt`)).to.equal('BlockBlob');
      const f = await fs.open(`${root}/was-block.txt`, 'ab');
      await f.write('new line\n');
      await f.close();
      expect(await fs.readText(`${root}/was-block.txt`)).to.equal('old content\nnew line\n');
      expect(await blobType(`${root}/was-block.txt`)).to.equal('AppendBlob');
      expect(await fs.find(root)).to.deep.equal([`${root}/was-block.txt`]);
      const snapshots: string[] = [];
      for await (const b of fs.service.getContainerClient(root).listBlobsFlat({ includeSnapshots: true }))
        if (b.snapshot) snapshots.push(b.snapshot);
      expect(snapshots).to.deep.equal([]);
    });

    it('overwrites an append blob with a block blob on wb', async function () {
      const { fs, root } = store;
      await fs.open(`${root}/l.txt`, 'ab').then(async (f) => {
        await f.write('a');
        await f.close();
      });
      await fs.writeText(`${root}/l.txt`, 'replaced');
      expect(await fs.readText(`${root}/l.txt`)).to.equal('replaced');
      expect(await blobType(`${root}/l.txt`)).to.equal('BlockBlob');
    });

    it('counts an append whose bytes are already at its position as done, and refuses a different one', async function () {
      const { fs, root } = store;
      await fs.writeText(`${root}/race.log`, '');
      await fs.open(`${root}/race.log`, 'ab').then(async (f) => {
        await f.write('start\n');
        await f.close();
      });
      // Two writers opened at the same size: as if one request were sent twice.
      const [a, b, c] = await Promise.all([1, 2, 3].map(() => fs.openWriter(`${root}/race.log`, { append: true })));
      await a!.write(Buffer.from('same\n'));
      await a!.close();
      await b!.write(Buffer.from('same\n'));
      await b!.close();
      expect(await fs.readText(`${root}/race.log`)).to.equal('start\nsame\n');
      await c!.write(Buffer.from('other\n'));
      await expectFsError(c!.close(), 'ConditionNotMatch', 'ESTALE');
      expect(await fs.readText(`${root}/race.log`)).to.equal('start\nsame\n');
    });

    it('touches an append blob without rewriting it or changing its type', async function () {
      const { fs, root } = store;
      await fs.open(`${root}/t.log`, 'ab').then(async (f) => {
        await f.write('kept\n');
        await f.close();
      });
      const before = await fs.info(`${root}/t.log`);
      await new Promise((r) => setTimeout(r, 1100)); // Last-Modified has a resolution of one second
      await fs.touch(`${root}/t.log`, { truncate: false });
      const after = await fs.info(`${root}/t.log`);
      expect(after.mtime!.getTime()).to.be.greaterThan(before.mtime!.getTime());
      expect(after).to.include({ blobType: 'AppendBlob', size: 5 });
      expect(await fs.readText(`${root}/t.log`)).to.equal('kept\n');
    });

    it('declares native append', function () {
      const { fs } = store;
      expect(fs.capabilities.append).to.equal(true);
    });
  });

  describe('copies, moves, deletes and checksums', function () {
    it('copies server-side, keeping the blob type, and moves by copy and delete', async function () {
      const { fs, root } = store;
      await fs.writeText(`${root}/src.txt`, 'payload');
      await fs.cp(`${root}/src.txt`, `${root}/copy.txt`);
      expect(await fs.readText(`${root}/copy.txt`)).to.equal('payload');
      await fs.open(`${root}/app.log`, 'ab').then(async (f) => {
        await f.write('line\n');
        await f.close();
      });
      await fs.cp(`${root}/app.log`, `${root}/app-copy.log`);
      expect((await fs.info(`${root}/app-copy.log`)).blobType).to.equal('AppendBlob');
      await fs.mv(`${root}/src.txt`, `${root}/moved.txt`);
      expect(await fs.exists(`${root}/src.txt`)).to.equal(false);
      expect(await fs.readText(`${root}/moved.txt`)).to.equal('payload');
    });

    it('deletes many blobs with batch requests', async function () {
      const { fs, root } = store;
      const files = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`${root}/d/f${i}`, `${i}`]));
      await fs.pipe(files, undefined, { batchSize: 32 });
      proxy.reset();
      await viaProxy().rm(`${root}/d`, { recursive: true });
      expect(proxy.requests.filter((r) => r.url.includes('comp=batch'))).to.have.length(2); // 256 + 44
      expect(proxy.requests.filter((r) => r.method === 'DELETE')).to.have.length(0);
      expect(await fs.find(root)).to.deep.equal([]);
    });

    it('reports the blobs a batch could not delete, and deletes the others', async function () {
      const { fs, root } = store;
      await fs.pipe({ [`${root}/l/a`]: 'a', [`${root}/l/leased`]: 'b', [`${root}/l/c`]: 'c' });
      const leased = fs.service.getContainerClient(root).getBlobClient('l/leased');
      const lease = leased.getBlobLeaseClient();
      await lease.acquireLease(-1); // a leased blob cannot be deleted without its lease id
      try {
        const err = (await fs.rm(`${root}/l`, { recursive: true }).then(
          () => undefined,
          (e: unknown) => e,
        )) as AzureDeleteError | undefined;
        expect(err).to.be.instanceOf(AzureDeleteError);
        expect(err!.failed).to.deep.equal([
          { path: `${root}/l/leased`, kind: 'ConditionNotMatch', code: 'LeaseIdMissing', temporary: false },
        ]);
        expect(err!.kind).to.equal('ConditionNotMatch');
        expect(err!.message)
          .to.contain('could not delete 1 of 3 objects')
          .and.contain(`${root}/l/leased (LeaseIdMissing)`);
        expect(await fs.find(root)).to.deep.equal([`${root}/l/leased`]);
      } finally {
        await lease.releaseLease();
      }
    });

    it('gives the ETag as checksum, and a different one after a change', async function () {
      const { fs, root } = store;
      await fs.writeText(`${root}/c.txt`, 'one');
      const first = await fs.checksum(`${root}/c.txt`);
      expect(first).to.equal((await fs.info(`${root}/c.txt`)).etag!.replace(/"/g, ''));
      expect((await fs.info(`${root}/c.txt`)).contentMD5).to.equal(createHash('md5').update('one').digest('base64'));
      await fs.writeText(`${root}/c.txt`, 'two');
      expect(await fs.checksum(`${root}/c.txt`)).to.not.equal(first);
    });
  });

  describe('SAS URLs', function () {
    it('signs a GET that plain fetch can read', async function () {
      const { fs, root } = store;
      await fs.writeText(`${root}/s.txt`, 'shared');
      const url = await fs.sign(`${root}/s.txt`, { expiresIn: 300 });
      expect(url)
        .to.match(/[?&]sig=/)
        .and.match(/[?&]sp=r(&|$)/);
      const res = await fetch(url);
      expect(res.status).to.equal(200);
      expect(await res.text()).to.equal('shared');
    });

    it('signs a PUT that plain fetch can upload with', async function () {
      const { fs, root } = store;
      const url = await fs.sign(`${root}/up.txt`, { expiresIn: 300, method: 'PUT' });
      const res = await fetch(url, { method: 'PUT', body: 'uploaded', headers: { 'x-ms-blob-type': 'BlockBlob' } });
      expect(res.status).to.equal(201);
      expect(await fs.readText(`${root}/up.txt`)).to.equal('uploaded');
    });

    it('refuses to sign without the account key, saying why', async function () {
      const { root } = store;
      const anon = makeFs(store.info, { accountKey: undefined, anon: true });
      expect(anon.capabilities.sign).to.equal(false);
      const err = await expectFsError(anon.sign(`${root}/s.txt`), 'Unsupported', 'ENOTSUP');
      expect(err.message).to.contain('account key');
    });
  });

  describe('registry and URLs', function () {
    const options = (): Record<string, unknown> => connection(store.info) as Record<string, unknown>;

    registryTests(store, {
      type: AzureBlobFileSystem,
      names: ['az', 'abfs', 'abfss', 'azure'],
      options,
    });

    it('turns abfs URLs naming the account into container/path', async function () {
      const { fs, root } = store;
      await fs.writeText(`${root}/u/f.txt`, 'via url');
      const forms = [
        `abfs://${root}@${store.info.accountName}.dfs.core.windows.net/u/f.txt`,
        `abfss://${root}@${store.info.accountName}.dfs.core.windows.net/u/f.txt`,
      ];
      for (const url of forms) {
        const { fs: f, path } = urlToFs(url, options());
        expect(path, url).to.equal(`${root}/u/f.txt`);
        expect(await f.readText(path), url).to.equal('via url');
        expect(await fs.readText(url), url).to.equal('via url');
      }
    });

    it('takes the account from an abfs host when the options give none', function () {
      const { fs: f, path } = urlToFs('abfss://data@myaccount.dfs.core.windows.net/logs/a.txt');
      expect(path).to.equal('data/logs/a.txt');
      expect((f as AzureBlobFileSystem).service.url).to.equal('https://myaccount.blob.core.windows.net/');
      const china = urlToFs('abfs://data@acct2.dfs.core.chinacloudapi.cn/x').fs as AzureBlobFileSystem;
      expect(china.service.url).to.equal('https://acct2.blob.core.chinacloudapi.cn/');
      const explicit = urlToFs('abfs://data@myaccount.dfs.core.windows.net/x', { accountName: 'other' })
        .fs as AzureBlobFileSystem;
      expect(explicit.service.url).to.equal('https://other.blob.core.windows.net/');
    });

    it('refuses a password before the @ of an abfs URL, never showing it', async function () {
      for (const url of [
        'abfs://data:s3cr3t-pw@myaccount.dfs.core.windows.net/x.txt',
        'abfss://data:s3cr3t-pw@myaccount.dfs.core.windows.net/x.txt',
      ]) {
        const err = await expectFsError(() => urlToFs(url), 'InvalidArgument');
        expect(err.message).to.include("has a password before '@'").and.not.include('s3cr3t-pw');
      }
    });

    it('reads the files the official client wrote, and the other way round', async function () {
      const { fs, root } = store;
      const container = fs.service.getContainerClient(root);
      await container.getBlockBlobClient('sdk.txt').upload('from sdk', 8);
      expect(await fs.readText(`${root}/sdk.txt`)).to.equal('from sdk');
      await fs.writeText(`${root}/omnifs.txt`, 'from omnifs');
      expect((await container.getBlobClient('omnifs.txt').downloadToBuffer()).toString()).to.equal('from omnifs');
    });
  });
});
