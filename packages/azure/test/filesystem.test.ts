/** AzureBlobFileSystem against Azurite: containers, virtual directories, staged blocks, append blobs, reads, copies, SAS. */
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chunked, expectFsError, rejected } from '@omnifs/testkit';
import { clearInstanceCache, filesystem, FsError, urlToFs } from '@omnifs/core';
import { AzureBlobFileSystem, AzureDeleteError, type AzureBlobOptions } from '@omnifs/azure';
import { freshName } from '../../../test/servers/index';
import { startCountingProxy, type CountingProxy } from '../../../test/faults/counting';
import { connection, freshContainer, makeFs, useAzure } from './helpers';

const MiB = 1024 * 1024;
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('azure: AzureBlobFileSystem', function () {
  this.timeout(120_000);
  const az = useAzure();
  let fs: AzureBlobFileSystem;
  let root: string;

  let proxy: CountingProxy;

  before(async function () {
    fs = makeFs(az.info);
    proxy = await startCountingProxy({ target: new URL(az.info.blobEndpoint).origin });
  });
  after(async function () {
    await proxy?.close();
  });

  /** A filesystem whose requests the counting proxy records. */
  const viaProxy = (extra: AzureBlobOptions = {}): AzureBlobFileSystem =>
    makeFs(az.info, { accountUrl: `${proxy.url}${new URL(az.info.blobEndpoint).pathname}`, ...extra });
  beforeEach(async function () {
    root = await freshContainer(az.info, fs);
  });

  describe('containers', function () {
    it('creates a container with makedirs and lists it at the root', async function () {
      const container = freshName('mk');
      await fs.makedirs(container);
      expect(await fs.ls('')).to.include(container);
      expect(await fs.info(container)).to.include({ name: container, type: 'directory' });
      expect((await fs.info(container)).mtime).to.be.instanceOf(Date);
    });

    it('refuses makedirs of an existing container unless existOk', async function () {
      await expectFsError(fs.makedirs(root), 'AlreadyExists');
      await fs.makedirs(root, { existOk: true });
      await expectFsError(fs.mkdir(root), 'AlreadyExists');
    });

    it('creates the container of a prefix given to makedirs, and refuses mkdir below a missing one', async function () {
      const container = freshName('mkp');
      await expectFsError(fs.mkdir(`${container}/exp`, { createParents: false }), 'NotFound');
      await fs.makedirs(`${container}/exp/run`);
      expect(await fs.isDir(container)).to.equal(true);
    });

    it('removes an empty container with rmdir and refuses a non-empty one', async function () {
      await fs.writeText(`${root}/a.txt`, 'a');
      await expectFsError(fs.rmdir(root), 'NotEmpty', 'ENOTEMPTY');
      expect(await fs.readText(`${root}/a.txt`)).to.equal('a');
      await fs.rm(`${root}/a.txt`);
      await fs.rmdir(root);
      expect(await fs.exists(root)).to.equal(false);
    });

    it('reports a missing container as NotFound', async function () {
      await expectFsError(fs.ls('omnifs-no-such-container'), 'NotFound');
      await expectFsError(fs.catFile('omnifs-no-such-container/k'), 'NotFound');
      expect(await fs.exists('omnifs-no-such-container')).to.equal(false);
    });
  });

  describe('virtual directories', function () {
    beforeEach(async function () {
      await fs.pipe({ [`${root}/dir/a.txt`]: 'a', [`${root}/dir/sub/b.txt`]: 'bb', [`${root}/top.txt`]: 'top' });
    });

    it('reports a prefix as a directory and lists one level', async function () {
      expect(await fs.info(`${root}/dir`)).to.deep.include({ name: `${root}/dir`, type: 'directory', size: 0 });
      expect(await fs.exists(`${root}/di`)).to.equal(false);
      expect(await fs.ls(root)).to.deep.equal([`${root}/dir`, `${root}/top.txt`]);
      const detail = await fs.ls(`${root}/dir`, { detail: true });
      expect(detail.map((e) => [e.name, e.type, e.size])).to.deep.equal([
        [`${root}/dir/a.txt`, 'file', 1],
        [`${root}/dir/sub`, 'directory', 0],
      ]);
      expect(detail[0]).to.include({ blobType: 'BlockBlob' });
    });

    it('finds a tree in one flat listing, with directories when asked', async function () {
      expect(await fs.find(root)).to.deep.equal([`${root}/dir/a.txt`, `${root}/dir/sub/b.txt`, `${root}/top.txt`]);
      expect(await fs.find(root, { withDirs: true })).to.deep.equal([
        root,
        `${root}/dir`,
        `${root}/dir/a.txt`,
        `${root}/dir/sub`,
        `${root}/dir/sub/b.txt`,
        `${root}/top.txt`,
      ]);
      expect(await fs.du(`${root}/dir`)).to.equal(3);
    });

    it('pages through more than 1,000 blobs, by hierarchy and flat', async function () {
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

  describe('uploads', function () {
    it('streams a large body of unknown length as staged blocks, byte-exact', async function () {
      const small = makeFs(az.info, { partSize: 4 * MiB, concurrency: 3 });
      const data = randomBytes(21 * MiB + 123);
      await small.pipeFile(`${root}/big.bin`, chunked(data, 1_234_567));
      expect(sha(await small.catFile(`${root}/big.bin`))).to.equal(sha(data));
      const blocks = await small.service
        .getContainerClient(root.split('/')[0]!)
        .getBlockBlobClient(`${root.split('/').slice(1).concat('big.bin').join('/')}`)
        .getBlockList('committed');
      expect(blocks.committedBlocks?.map((b) => b.size)).to.deep.equal(
        [4, 4, 4, 4, 4].map((n) => n * MiB).concat([1 * MiB + 123]),
      );
    });

    it('commits nothing when a streamed write is aborted', async function () {
      const small = makeFs(az.info, { partSize: 4 * MiB });
      const f = await small.open(`${root}/aborted.bin`, 'wb');
      await f.write(randomBytes(9 * MiB));
      await f.abort();
      expect(await small.exists(`${root}/aborted.bin`)).to.equal(false);
      async function* failing(): AsyncGenerator<Uint8Array> {
        yield randomBytes(5 * MiB);
        throw new Error('source broke');
      }
      const err = await small.pipeFile(`${root}/broken.bin`, failing()).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(String((err as Error).message)).to.contain('source broke');
      expect(await small.exists(`${root}/broken.bin`)).to.equal(false);
    });

    it('creates exclusively with If-None-Match, single or staged', async function () {
      await fs.writeText(`${root}/x.txt`, 'first', { mode: 'create' });
      await expectFsError(fs.writeText(`${root}/x.txt`, 'second', { mode: 'create' }), 'AlreadyExists', 'EEXIST');
      const small = makeFs(az.info, { partSize: 4 * MiB });
      const f = await small.open(`${root}/excl.bin`, 'xb');
      await f.write(randomBytes(9 * MiB));
      await small.writeText(`${root}/excl.bin`, 'winner');
      await expectFsError(f.close(), 'AlreadyExists');
      expect(await fs.readText(`${root}/excl.bin`)).to.equal('winner');
    });
  });

  describe('append blobs', function () {
    const blobType = async (path: string): Promise<unknown> => (await fs.info(path)).blobType;

    it('creates an append blob on a missing path and appends to it', async function () {
      for (const line of ['one\n', 'two\n', 'three\n']) {
        const f = await fs.open(`${root}/log.txt`, 'ab');
        await f.write(line);
        await f.close();
      }
      expect(await fs.readText(`${root}/log.txt`)).to.equal('one\ntwo\nthree\n');
      expect(await blobType(`${root}/log.txt`)).to.equal('AppendBlob');
    });

    it('splits appends larger than 4 MiB into blocks the service accepts', async function () {
      await fs.writeText(`${root}/big.log`, '');
      const data = randomBytes(9 * MiB + 5);
      const w = await fs.openWriter(`${root}/big.log`, { append: true });
      for await (const c of chunked(data, 3 * MiB)) await w.write(c);
      await w.close();
      expect(sha(await fs.catFile(`${root}/big.log`))).to.equal(sha(data));
      const props = await fs.service.getContainerClient(root).getAppendBlobClient('big.log').getProperties();
      expect(props.blobCommittedBlockCount).to.equal(3);
    });

    it('converts a block blob to an append blob, keeping its content, then appends', async function () {
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
      await fs.open(`${root}/l.txt`, 'ab').then(async (f) => {
        await f.write('a');
        await f.close();
      });
      await fs.writeText(`${root}/l.txt`, 'replaced');
      expect(await fs.readText(`${root}/l.txt`)).to.equal('replaced');
      expect(await blobType(`${root}/l.txt`)).to.equal('BlockBlob');
    });

    it('counts an append whose bytes are already at its position as done, and refuses a different one', async function () {
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
      expect(fs.capabilities.append).to.equal(true);
    });
  });

  describe('downloads', function () {
    it('downloads a large blob with parallel ranged reads, byte-exact', async function () {
      const counted = viaProxy({ partSize: 4 * MiB, concurrency: 3 });
      const data = randomBytes(18 * MiB + 7);
      await fs.pipeFile(`${root}/big.bin`, data);
      const dir = await mkdtemp(join(tmpdir(), 'omnifs-az-'));
      try {
        proxy.reset();
        await counted.get(`${root}/big.bin`, join(dir, 'big.bin'));
        expect(sha(await readFile(join(dir, 'big.bin')))).to.equal(sha(data));
        expect(proxy.requests.filter((r) => r.method === 'GET' && r.url.includes('big.bin'))).to.have.length(5); // ceil(18 / 4)
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      const mid = await counted.catFile(`${root}/big.bin`, { start: 3 * MiB, end: 9 * MiB + 3 });
      expect(sha(mid)).to.equal(sha(data.subarray(3 * MiB, 9 * MiB + 3)));
      expect((await counted.catFile(`${root}/big.bin`, { start: 18 * MiB + 100 })).byteLength).to.equal(0);
    });

    it('reads only while the blob keeps the ETag given, quoted or not', async function () {
      await fs.writeText(`${root}/e.bin`, 'first version');
      const etag = await fs.checksum(`${root}/e.bin`);
      expect(etag).not.to.match(/"/);
      expect(Buffer.from(await fs.catFile(`${root}/e.bin`, { start: 0, end: 5, etag })).toString()).to.equal('first');
      expect(Buffer.from(await fs.catFile(`${root}/e.bin`, { etag: `"${etag}"` })).toString()).to.equal(
        'first version',
      );
      await fs.writeText(`${root}/e.bin`, 'second version');
      await expectFsError(fs.catFile(`${root}/e.bin`, { start: 0, end: 5, etag }), 'ConditionNotMatch', 'ESTALE');
      await expectFsError(fs.readChunks(`${root}/e.bin`, { etag }).next(), 'ConditionNotMatch', 'ESTALE');
    });
  });

  describe('copies, moves, deletes and checksums', function () {
    it('copies server-side, keeping the blob type, and moves by copy and delete', async function () {
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
      const files = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`${root}/d/f${i}`, `${i}`]));
      await fs.pipe(files, undefined, { batchSize: 32 });
      proxy.reset();
      await viaProxy().rm(`${root}/d`, { recursive: true });
      expect(proxy.requests.filter((r) => r.url.includes('comp=batch'))).to.have.length(2); // 256 + 44
      expect(proxy.requests.filter((r) => r.method === 'DELETE')).to.have.length(0);
      expect(await fs.find(root)).to.deep.equal([]);
    });

    it('reports the blobs a batch could not delete, and deletes the others', async function () {
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
      const url = await fs.sign(`${root}/up.txt`, { expiresIn: 300, method: 'PUT' });
      const res = await fetch(url, { method: 'PUT', body: 'uploaded', headers: { 'x-ms-blob-type': 'BlockBlob' } });
      expect(res.status).to.equal(201);
      expect(await fs.readText(`${root}/up.txt`)).to.equal('uploaded');
    });

    it('refuses to sign without the account key, saying why', async function () {
      const anon = makeFs(az.info, { accountKey: undefined, anon: true });
      expect(anon.capabilities.sign).to.equal(false);
      const err = await expectFsError(anon.sign(`${root}/s.txt`), 'Unsupported', 'ENOTSUP');
      expect(err.message).to.contain('account key');
    });
  });

  describe('registry and URLs', function () {
    const options = (): Record<string, unknown> => connection(az.info) as Record<string, unknown>;
    afterEach(() => clearInstanceCache());

    it('serves az, abfs, abfss and azure from the registry', function () {
      for (const p of ['az', 'abfs', 'abfss', 'azure']) {
        const f = filesystem(p, options());
        expect(f).to.be.instanceOf(AzureBlobFileSystem);
        expect(f.protocol).to.equal('az');
      }
      expect(filesystem('az', options())).to.equal(filesystem('azure', options()));
    });

    it('turns every URL form into container/path', async function () {
      await fs.writeText(`${root}/u/f.txt`, 'via url');
      const forms = [
        `az://${root}/u/f.txt`,
        `abfs://${root}/u/f.txt`,
        `abfss://${root}/u/f.txt`,
        `azure://${root}/u/f.txt`,
        `abfs://${root}@${az.info.accountName}.dfs.core.windows.net/u/f.txt`,
        `abfss://${root}@${az.info.accountName}.dfs.core.windows.net/u/f.txt`,
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

    it('reads the files the official client wrote, and the other way round', async function () {
      const container = fs.service.getContainerClient(root);
      await container.getBlockBlobClient('sdk.txt').upload('from sdk', 8);
      expect(await fs.readText(`${root}/sdk.txt`)).to.equal('from sdk');
      await fs.writeText(`${root}/omnifs.txt`, 'from omnifs');
      expect((await container.getBlobClient('omnifs.txt').downloadToBuffer()).toString()).to.equal('from omnifs');
    });
  });

  it('wraps every failure in an FsError with context', async function () {
    const err = await rejected(fs.catFile(`${root}/missing.txt`));
    expect(err).to.be.instanceOf(FsError);
    expect(err).to.include({
      kind: 'NotFound',
      code: 'ENOENT',
      protocol: 'az',
      operation: 'cat',
      path: `${root}/missing.txt`,
    });
  });
});
