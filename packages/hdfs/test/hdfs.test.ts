/** What is special to HDFS: the WebHDFS protocol steps, native append, listing pages, errors and secrets. */
import { expect } from 'chai';
import { rejected } from '@omnifs/testkit';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { filesystem, FsError, urlToFs } from '@omnifs/core';
import { HDFSFileSystem, mapHdfsError, WebHdfsError, webhdfsBase, type HDFSOptions } from '@omnifs/hdfs';
import { startCountingProxy, type CountingProxy } from '../../../test/faults/counting';
import { startFaultProxy, type FaultProxy } from '../../../test/faults/proxy';
import { expectReadsOfOneVersion, makeFs, useFreshDir, useHdfs } from './helpers';

const MiB = 1024 * 1024;
const opOf = (url: string): string | undefined => new URL(url, 'http://x').searchParams.get('op') ?? undefined;

describe('hdfs: WebHDFS specifics', function () {
  this.timeout(60_000);
  const hdfs = useHdfs();
  let fs: HDFSFileSystem;
  let dir: string;

  useFreshDir(
    hdfs,
    'hdfs',
    (f, d) => {
      fs = f;
      dir = d;
    },
    { made: true },
  );

  describe('native append', () => {
    let proxy: CountingProxy;
    beforeEach(async () => {
      proxy = await startCountingProxy({ target: hdfs.info.namenodeUrl });
    });
    afterEach(async () => {
      await proxy.close();
    });

    it('sends only the appended bytes, with APPEND, never rewriting the file', async () => {
      const head = randomBytes(2_500_000); // three blocks of the cluster's 1 MiB
      await fs.pipeFile(`${dir}/log.bin`, head);
      const viaProxy = makeFs(hdfs.info, { url: proxy.url });
      const tail = randomBytes(1000);
      const f = await viaProxy.open(`${dir}/log.bin`, 'ab');
      await f.write(tail.subarray(0, 400));
      await f.write(tail.subarray(400));
      await f.close();
      expect(proxy.bytesSent()).to.equal(1000);
      const ops = proxy.requests.map((r) => `${r.method} ${opOf(r.url)}`);
      // The file's length (where tell() starts, and a directory refused), then the namenode step and the datanode data.
      expect(ops).to.deep.equal(['GET GETFILESTATUS', 'POST APPEND', 'POST APPEND']);
      expect(proxy.requests[2]!.upstream).to.not.equal(new URL(hdfs.info.namenodeUrl).host);
      expect(Buffer.from(await fs.catFile(`${dir}/log.bin`)).equals(Buffer.concat([head, tail]))).to.equal(true);
    });

    it('streams a new file through one datanode request, renamed into place on close', async () => {
      const viaProxy = makeFs(hdfs.info, { url: proxy.url });
      const w = await viaProxy.openWriter(`${dir}/new.bin`);
      const data = randomBytes(3_000_000);
      for (let i = 0; i < data.length; i += 256 * 1024) await w.write(data.subarray(i, i + 256 * 1024));
      expect(await fs.exists(`${dir}/new.bin`)).to.equal(false);
      await w.close();
      const posts = proxy.requests.filter((r) => r.method === 'POST' && r.bytes > 0);
      expect(posts.map((r) => r.bytes)).to.deep.equal([data.length]);
      expect(proxy.requests.map((r) => opOf(r.url))).to.include('RENAME');
      expect(Buffer.from(await fs.catFile(`${dir}/new.bin`)).equals(data)).to.equal(true);
      expect(await fs.ls(dir)).to.deep.equal([`${dir}/new.bin`]);
    });

    it('puts a local file above 1 MiB read into the writer buffers, in one APPEND', async () => {
      const viaProxy = makeFs(hdfs.info, { url: proxy.url });
      // Which way the bytes reach the writer: read into the room it lends, or handed over in chunks.
      const calls = { filled: 0, write: 0 };
      const openWriter = viaProxy.openWriter.bind(viaProxy);
      viaProxy.openWriter = async (...args: Parameters<typeof viaProxy.openWriter>) => {
        const w = (await openWriter(...args)) as Awaited<ReturnType<typeof openWriter>> & {
          filled(n: number): Promise<void>;
        };
        const [filled, write] = [w.filled.bind(w), w.write.bind(w)];
        w.filled = (n) => (calls.filled++, filled(n));
        w.write = (chunk) => (calls.write++, write(chunk));
        return w;
      };
      const local = await mkdtemp(join(tmpdir(), 'omnifs-hdfs-put-'));
      try {
        for (const size of [MiB + 1, 3 * MiB + 5, 8 * MiB + 1, 13 * MiB + 3]) {
          const data = randomBytes(size);
          await writeFile(join(local, 'src.bin'), data);
          proxy.reset();
          calls.filled = calls.write = 0;
          await viaProxy.put(join(local, 'src.bin'), `${dir}/put-${size}.bin`);
          expect(calls.write, `size ${size}`).to.equal(0);
          expect(calls.filled, `size ${size}`).to.be.greaterThan(0);
          const ops = proxy.requests.map((r) => `${r.method} ${opOf(r.url)}`);
          expect(
            proxy.requests.filter((r) => r.bytes > 0).map((r) => r.bytes),
            `size ${size}`,
          ).to.deep.equal([size]);
          expect(ops, `size ${size}`).to.deep.equal([
            'GET GETFILESTATUS', // what the target is (a directory takes the file inside)
            'PUT CREATE',
            'PUT CREATE',
            'POST APPEND',
            'POST APPEND',
            'PUT RENAME',
          ]);
          expect(Buffer.from(await fs.catFile(`${dir}/put-${size}.bin`)).equals(data), `size ${size}`).to.equal(true);
        }
        expect(await fs.ls(dir)).to.have.length(4);
        // A file within 1 MiB comes in chunks and is written whole.
        proxy.reset();
        calls.filled = calls.write = 0;
        await writeFile(join(local, 'small.bin'), randomBytes(MiB));
        await viaProxy.put(join(local, 'small.bin'), `${dir}/small.bin`);
        expect(calls.filled).to.equal(0);
        expect(calls.write).to.be.greaterThan(0);
        expect(proxy.requests.map((r) => `${r.method} ${opOf(r.url)}`)).to.deep.equal([
          'GET GETFILESTATUS',
          'PUT CREATE',
          'PUT CREATE',
          'PUT RENAME',
        ]);
      } finally {
        await rm(local, { recursive: true, force: true });
      }
    });

    it('sends the buffers it lends in turn, reusing each, and writes a filled file within 1 MiB whole', async () => {
      type Filled = { space(): Uint8Array; filled(n: number): Promise<void>; close(): Promise<void> };
      const viaProxy = makeFs(hdfs.info, { url: proxy.url });
      for (const size of [1000, 5 * MiB + 3]) {
        const data = randomBytes(size);
        const w = (await viaProxy.openWriter(`${dir}/filled-${size}.bin`)) as unknown as Filled;
        const rooms = new Set<ArrayBufferLike>();
        for (let at = 0; at < size;) {
          const room = w.space();
          rooms.add(room.buffer);
          const n = Math.min(room.byteLength, size - at, 300_000);
          room.set(data.subarray(at, at + n));
          await w.filled(n);
          at += n;
        }
        proxy.reset();
        await w.close();
        expect(Buffer.from(await fs.catFile(`${dir}/filled-${size}.bin`)).equals(data), `size ${size}`).to.equal(true);
        if (size > MiB) expect(rooms.size, 'the first buffer and four lent ones').to.equal(5);
        else
          expect(proxy.requests.map((r) => `${r.method} ${opOf(r.url)}`)).to.deep.equal([
            'PUT CREATE',
            'PUT CREATE',
            'PUT RENAME',
          ]);
      }
      expect(await fs.ls(dir)).to.have.length(2);
    });

    it('stops a put of a local file on abort midway, leaving nothing behind', async () => {
      const local = await mkdtemp(join(tmpdir(), 'omnifs-hdfs-abort-'));
      try {
        await writeFile(join(local, 'src.bin'), randomBytes(12 * MiB));
        const controller = new AbortController();
        const putting = fs.put(join(local, 'src.bin'), `${dir}/aborted.bin`, {
          signal: controller.signal,
          onProgress: (p) => {
            if (p.bytes >= 3 * MiB) controller.abort();
          },
        });
        expect((await rejected(putting)).kind).to.equal('Aborted');
        expect(await fs.ls(dir)).to.deep.equal([]);
      } finally {
        await rm(local, { recursive: true, force: true });
      }
    });

    it('refuses to be written and filled at once, or filled past the room it lent', async () => {
      type Fillable = { space(): Uint8Array; filled(n: number): Promise<void>; write(c: Uint8Array): Promise<void> };
      const filling = (await fs.openWriter(`${dir}/a.bin`)) as unknown as Fillable & { abort(): Promise<void> };
      const room = filling.space();
      expect((await rejected(filling.write(randomBytes(10)))).kind).to.equal('InvalidArgument');
      expect((await rejected(filling.filled(room.byteLength + 1))).kind).to.equal('InvalidArgument');
      await filling.abort();
      const writing = (await fs.openWriter(`${dir}/b.bin`)) as unknown as Fillable & { abort(): Promise<void> };
      await writing.write(randomBytes(10));
      expect(() => writing.space()).to.throw(/space on a writer being written/);
      await writing.abort();
      expect(await fs.ls(dir)).to.deep.equal([]);
    });

    it('writes a small new file as one CREATE carrying its bytes, then the RENAME', async () => {
      const viaProxy = makeFs(hdfs.info, { url: proxy.url });
      const data = randomBytes(4096);
      await viaProxy.pipeFile(`${dir}/small.bin`, data);
      const w = await viaProxy.openWriter(`${dir}/streamed.bin`);
      await w.write(data.subarray(0, 1000));
      await w.write(data.subarray(1000));
      expect(await fs.exists(`${dir}/streamed.bin`)).to.equal(false);
      await w.close();
      const ops = proxy.requests.map((r) => `${r.method} ${opOf(r.url)}`);
      expect(ops).to.deep.equal(['PUT CREATE', 'PUT CREATE', 'PUT RENAME', 'PUT CREATE', 'PUT CREATE', 'PUT RENAME']);
      expect(proxy.requests.filter((r) => r.bytes > 0).map((r) => r.bytes)).to.deep.equal([4096, 4096]);
      expect(Buffer.from(await fs.catFile(`${dir}/small.bin`)).equals(data)).to.equal(true);
      expect(Buffer.from(await fs.catFile(`${dir}/streamed.bin`)).equals(data)).to.equal(true);
      expect(await fs.ls(dir)).to.deep.equal([`${dir}/small.bin`, `${dir}/streamed.bin`]);
    });

    it('creates a small file exclusively with CREATE, SETXATTR and a RENAME that refuses an existing one', async () => {
      const viaProxy = makeFs(hdfs.info, { url: proxy.url });
      await viaProxy.writeText(`${dir}/x.txt`, 'first', { mode: 'create' });
      const ops = proxy.requests.map((r) => `${r.method} ${opOf(r.url)}`);
      expect(ops).to.deep.equal(['PUT CREATE', 'PUT CREATE', 'PUT SETXATTR', 'PUT RENAME']);
      expect((await rejected(viaProxy.writeText(`${dir}/x.txt`, 'second', { mode: 'create' }))).kind).to.equal(
        'AlreadyExists',
      );
      expect(await fs.readText(`${dir}/x.txt`)).to.equal('first');
      expect(await fs.ls(dir)).to.deep.equal([`${dir}/x.txt`]);
    });

    it('refuses to write a file over a directory, empty or not (create: AlreadyExists), leaving it as it was', async () => {
      await fs.makedirs(`${dir}/empty`);
      await fs.writeText(`${dir}/full/x`, 'x');
      for (const target of [`${dir}/empty`, `${dir}/full`]) {
        expect((await rejected(fs.writeText(target, 'f'))).kind).to.equal('IsADirectory');
        const w = await fs.openWriter(target);
        await w.write(randomBytes(10));
        expect((await rejected(w.close())).kind).to.equal('IsADirectory');
        expect((await rejected(fs.writeText(target, 'f', { mode: 'create' }))).kind).to.equal('AlreadyExists');
      }
      expect((await fs.info(`${dir}/empty`)).type).to.equal('directory');
      expect(await fs.find(dir, { withDirs: true })).to.deep.equal([
        dir,
        `${dir}/empty`,
        `${dir}/full`,
        `${dir}/full/x`,
      ]);
    });
  });

  describe('overwrite', () => {
    it('keeps the old content readable until the new file is closed', async () => {
      await fs.writeText(`${dir}/f.txt`, 'old');
      const f = await fs.open(`${dir}/f.txt`, 'wb');
      await f.write('new content');
      expect(await fs.readText(`${dir}/f.txt`)).to.equal('old');
      await f.close();
      expect(await fs.readText(`${dir}/f.txt`)).to.equal('new content');
    });

    it('sets the replication and block size of new files from the options', async () => {
      const custom = makeFs(hdfs.info, { replication: 1, blockSize: 2 * 1024 * 1024, permission: '640' });
      await custom.writeText(`${dir}/opt.txt`, 'x');
      const info = await fs.info(`${dir}/opt.txt`);
      expect(info).to.include({ replication: 1, blockSize: 2 * 1024 * 1024, permission: '640' });
    });
  });

  describe('reads', () => {
    it('reads ranges across block boundaries and streams a multi-block file', async () => {
      const data = randomBytes(2_200_000);
      await fs.pipeFile(`${dir}/big.bin`, data);
      const mid = await fs.catFile(`${dir}/big.bin`, { start: 1_048_000, end: 1_049_000 });
      expect(Buffer.from(mid).equals(data.subarray(1_048_000, 1_049_000))).to.equal(true);
      const chunks: Buffer[] = [];
      for await (const c of fs.createReadStream(`${dir}/big.bin`, { start: 100 })) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).equals(data.subarray(100))).to.equal(true);
    });

    it('fails a long read that names no version when the file is replaced under it, never mixing the two', async () => {
      await expectReadsOfOneVersion(fs, dir);
    });

    it('asks nothing more for a short read, its length known before or from the answer', async () => {
      const proxy = await startCountingProxy({ target: hdfs.info.namenodeUrl });
      try {
        await fs.pipeFile(`${dir}/small.bin`, randomBytes(1000));
        const viaProxy = makeFs(hdfs.info, { url: proxy.url });
        await viaProxy.catFile(`${dir}/small.bin`, { start: 0, end: 1000 });
        await viaProxy.catFile(`${dir}/small.bin`);
        for await (const _ of viaProxy.readChunks(`${dir}/small.bin`, { start: 10 }));
        expect(proxy.requests.filter((r) => opOf(r.url) === 'GETFILESTATUS')).to.have.length(0);
      } finally {
        await proxy.close();
      }
    });

    /**
     * Writes `size` random bytes, gets them to local disk through a counting proxy with
     * `options`, checks them byte-exact, and returns the ranges the datanode was asked for.
     */
    async function datanodeRangesOfGet(size: number, options: HDFSOptions): Promise<number[][]> {
      const proxy = await startCountingProxy({ target: hdfs.info.namenodeUrl });
      const local = await mkdtemp(join(tmpdir(), 'omnifs-hdfs-get-'));
      try {
        const data = randomBytes(size);
        await fs.pipeFile(`${dir}/big.bin`, data);
        const viaProxy = makeFs(hdfs.info, { url: proxy.url, ...options });
        await viaProxy.get(`${dir}/big.bin`, join(local, 'big.bin'));
        expect((await readFile(join(local, 'big.bin'))).equals(data)).to.equal(true);
        expect(await readdir(local)).to.deep.equal(['big.bin']);
        // Each part: OPEN on the namenode, then on the datanode it redirects to.
        const namenode = new URL(hdfs.info.namenodeUrl).host;
        return proxy.requests
          .filter((r) => opOf(r.url) === 'OPEN' && r.upstream !== namenode)
          .map((r) => new URL(r.url, 'http://x').searchParams)
          .map((q) => [Number(q.get('offset') ?? 0), Number(q.get('length'))])
          .sort((a, b) => a[0]! - b[0]!);
      } finally {
        await proxy.close();
        await rm(local, { recursive: true, force: true });
      }
    }

    it('gets a large file as ranged OPENs at once, each from the datanode into its place', async () => {
      expect(makeFs(hdfs.info, { partSize: MiB, readConcurrency: 3 }).capabilities).to.include({
        readPartSize: MiB,
        readConcurrency: 3,
      });
      const ranges = await datanodeRangesOfGet(5 * MiB + 3, { partSize: MiB, readConcurrency: 3 });
      expect(ranges).to.deep.equal([...[0, 1, 2, 3, 4].map((i) => [i * MiB, MiB]), [5 * MiB, 3]]);
    });

    it('gets a file larger than 32 MiB in 32 MiB OPENs by default', async () => {
      expect(await datanodeRangesOfGet(32 * MiB + 5, {})).to.deep.equal([
        [0, 32 * MiB],
        [32 * MiB, 5],
      ]);
    });

    it('streams a large file in one OPEN with readConcurrency 1', async () => {
      const proxy = await startCountingProxy({ target: hdfs.info.namenodeUrl });
      const local = await mkdtemp(join(tmpdir(), 'omnifs-hdfs-get-'));
      try {
        const data = randomBytes(3 * MiB);
        await fs.pipeFile(`${dir}/big.bin`, data);
        const viaProxy = makeFs(hdfs.info, { url: proxy.url, partSize: MiB, readConcurrency: 1 });
        await viaProxy.get(`${dir}/big.bin`, join(local, 'big.bin'));
        expect((await readFile(join(local, 'big.bin'))).equals(data)).to.equal(true);
        expect(proxy.requests.filter((r) => opOf(r.url) === 'OPEN')).to.have.length(2);
      } finally {
        await proxy.close();
        await rm(local, { recursive: true, force: true });
      }
    });
  });

  describe('listing', () => {
    it('pages with LISTSTATUS_BATCH past the cluster limit of 1000 entries', async () => {
      const names = Array.from({ length: 1010 }, (_, i) => `d${String(i).padStart(4, '0')}`);
      for (let i = 0; i < names.length; i += 50) {
        await Promise.all(names.slice(i, i + 50).map((n) => fs.client.bool('PUT', `${dir}/many/${n}`, 'MKDIRS')));
      }
      const proxy = await startCountingProxy({ target: hdfs.info.namenodeUrl });
      try {
        const listed = await makeFs(hdfs.info, { url: proxy.url }).ls(`${dir}/many`);
        expect(listed).to.deep.equal(names.map((n) => `${dir}/many/${n}`));
        expect(proxy.requests.filter((r) => opOf(r.url) === 'LISTSTATUS_BATCH').length).to.equal(2);
      } finally {
        await proxy.close();
      }
    });

    it('falls back to LISTSTATUS where the cluster has no LISTSTATUS_BATCH', async () => {
      await fs.writeText(`${dir}/a.txt`, 'a');
      await fs.makedirs(`${dir}/sub`);
      const remote = {
        RemoteException: {
          exception: 'IllegalArgumentException',
          javaClassName: 'java.lang.IllegalArgumentException',
          message: 'Invalid value for webhdfs parameter "op": No enum constant ...LISTSTATUS_BATCH',
        },
      };
      const proxy: FaultProxy = await startFaultProxy({ target: hdfs.info.namenodeUrl });
      proxy.addRule({
        fault: {
          kind: 'status',
          status: 400,
          body: JSON.stringify(remote),
          headers: { 'content-type': 'application/json' },
        },
        match: (r) => opOf(r.url) === 'LISTSTATUS_BATCH',
      });
      try {
        const old = makeFs(hdfs.info, { url: proxy.url });
        expect((await old.ls(dir, { detail: true })).map((e) => [e.name, e.type])).to.deep.equal([
          [`${dir}/a.txt`, 'file'],
          [`${dir}/sub`, 'directory'],
        ]);
        expect(proxy.counters.statuses).to.equal(1); // asked once, then LISTSTATUS only
      } finally {
        await proxy.close();
      }
    });
  });

  describe('names', () => {
    it('renames a directory in one RENAME and touches a file with SETTIMES', async () => {
      await fs.writeText(`${dir}/a/x.txt`, 'x');
      await fs.mv(`${dir}/a`, `${dir}/b`);
      expect(await fs.find(dir)).to.deep.equal([`${dir}/b/x.txt`]);
      const before = await fs.modified(`${dir}/b/x.txt`);
      await new Promise((r) => setTimeout(r, 20));
      await fs.touch(`${dir}/b/x.txt`, { truncate: false });
      expect((await fs.modified(`${dir}/b/x.txt`)).getTime()).to.be.greaterThan(before.getTime());
      expect(await fs.readText(`${dir}/b/x.txt`)).to.equal('x');
    });

    it('drops the authority of hdfs:// and webhdfs:// paths', async () => {
      await fs.writeText(`hdfs://namenode:8020${dir}/u.txt`, 'u');
      expect(await fs.readText(`webhdfs://other:9870${dir}/u.txt`)).to.equal('u');
      expect(fs.normalize('hdfs://nn')).to.equal('/');
      const { fs: viaUrl, path } = urlToFs(`hdfs://namenode:8020${dir}/u.txt`, {
        url: hdfs.info.namenodeUrl,
        user: hdfs.info.user,
      });
      expect(viaUrl).to.be.instanceOf(HDFSFileSystem);
      expect(path).to.equal(`${dir}/u.txt`);
      expect(await viaUrl.readText(path)).to.equal('u');
    });
  });

  describe('error kinds', () => {
    it("maps the namenode's RemoteExceptions", async () => {
      await fs.writeText(`${dir}/file`, 'f');
      await fs.writeText(`${dir}/full/x`, 'x');
      expect((await rejected(fs.info(`${dir}/missing`))).kind).to.equal('NotFound');
      expect((await rejected(fs.writeText(`${dir}/file/below`, 'y'))).kind).to.equal('NotADirectory');
      expect((await rejected(fs.rmdir(`${dir}/full`))).kind).to.equal('NotEmpty');
      expect((await rejected(fs.writeText(`${dir}/file`, 'z', { mode: 'create' }))).kind).to.equal('AlreadyExists');
      expect((await rejected(fs.catFile(dir))).kind).to.equal('IsADirectory');
      const e = await rejected(fs.catFile(`${dir}/missing`));
      expect(e.code).to.equal('ENOENT');
      expect(e.message).to.match(/^hdfs cat ".*missing": OPEN failed with HTTP 404 FileNotFoundException/);
    });

    it('maps failover, safe mode and 503 to temporary errors', () => {
      const err = (status: number, exception?: string, message = ''): FsError =>
        mapHdfsError(
          new WebHdfsError(
            status,
            'GETFILESTATUS',
            exception === undefined ? undefined : { exception, message },
            'http://nn/webhdfs/v1/x',
          ),
        );
      expect(err(403, 'StandbyException', 'Operation category READ is not supported in state standby')).to.include({
        kind: 'RateLimited',
        temporary: true,
      });
      expect(err(403, 'RetriableException')).to.include({ kind: 'RateLimited', temporary: true });
      expect(err(403, 'SafeModeException')).to.include({ temporary: true });
      expect(err(503)).to.include({ kind: 'RateLimited', temporary: true });
      expect(err(500, 'IOException', 'boom')).to.include({ kind: 'Unexpected', temporary: true });
      // OPEN while a file's block has no datanode location yet (just written or replaced).
      const block = 'Block could not be located. Path=/x, offset=0';
      expect(err(403, 'IOException', block)).to.include({ kind: 'Unexpected', temporary: true });
      expect(err(403, 'IOException', 'boom')).to.include({ kind: 'PermissionDenied', temporary: false });
      expect(err(403, 'AccessControlException', 'Permission denied: user=x')).to.include({
        kind: 'PermissionDenied',
        temporary: false,
      });
      expect(err(404, 'FileNotFoundException', 'File does not exist: /x')).to.include({
        kind: 'NotFound',
        temporary: false,
      });
      expect(err(403, 'FileAlreadyExistsException')).to.include({ kind: 'AlreadyExists' });
      expect(err(403, 'PathIsNotEmptyDirectoryException')).to.include({ kind: 'NotEmpty' });
      expect(err(403, 'ParentNotDirectoryException')).to.include({ kind: 'NotADirectory' });
      expect(err(401)).to.include({ kind: 'PermissionDenied' });
    });

    it('says how to authenticate when a Kerberos namenode answers 401', async () => {
      // What a namenode with hadoop.http.authentication.type=kerberos answers a request without SPNEGO.
      const namenode = createServer((_req, res) => {
        res.writeHead(401, { 'www-authenticate': 'Negotiate', 'content-type': 'text/html;charset=iso-8859-1' });
        res.end(
          '<html><head><title>Error 401 Authentication required</title></head><body><h2>HTTP ERROR 401</h2></body></html>',
        );
      });
      await new Promise<void>((ok) => namenode.listen(0, '127.0.0.1', ok));
      try {
        const fs = makeFs(hdfs.info, { url: `http://127.0.0.1:${(namenode.address() as AddressInfo).port}` });
        const e = await rejected(fs.info('/x'));
        expect(e).to.include({ kind: 'PermissionDenied', code: 'EACCES', temporary: false });
        expect(e.message)
          .to.include('Authentication required')
          .and.include('authHeaders')
          .and.include('delegationToken');
      } finally {
        await new Promise((ok) => namenode.close(ok));
      }
    });

    it('connects to the datanode while the namenode answers, as soon as it knows one', async () => {
      // A namenode that takes 100 ms to redirect, and a datanode that closes every connection
      // after its answer (of known length, as a datanode's is: a read of unknown length asks
      // the namenode for the file's version).
      const times = { datanode: [] as number[], answered: [] as number[], written: [] as string[] };
      const datanode = createServer((req, res) => {
        const parts: Buffer[] = [];
        req.on('data', (b: Buffer) => parts.push(b));
        req.on('end', () => {
          if (req.method === 'PUT') times.written.push(Buffer.concat(parts).toString());
          res.writeHead(req.method === 'PUT' ? 201 : 200, { connection: 'close', 'content-length': 5 }).end('bytes');
        });
      });
      datanode.on('connection', () => times.datanode.push(Date.now()));
      const namenode = createServer((req, res) => {
        const op = opOf(req.url!);
        if (op === 'RENAME') return void res.end(); // a namenode's answer to RENAME with renameoptions: no body
        const port = (datanode.address() as AddressInfo).port;
        setTimeout(() => {
          times.answered.push(Date.now());
          res.writeHead(307, { location: `http://127.0.0.1:${port}${req.url}` }).end();
        }, 100);
      });
      for (const server of [datanode, namenode]) await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
      const fake = makeFs(hdfs.info, { url: `http://127.0.0.1:${(namenode.address() as AddressInfo).port}` });
      try {
        for (const path of ['/a', '/b']) expect(Buffer.from(await fake.catFile(path)).toString()).to.equal('bytes');
        for (const path of ['/c', '/d']) await fake.pipeFile(path, `to ${path}`);
      } finally {
        for (const server of [datanode, namenode]) {
          server.closeAllConnections();
          server.close();
        }
      }
      expect(times.written).to.deep.equal(['to /c', 'to /d']);
      // One connection per exchange; each but the first opened before the namenode's redirect came.
      expect(times.datanode).to.have.length(4);
      for (const i of [1, 2, 3]) expect(times.datanode[i]).to.be.below(times.answered[i]! - 50);
    });

    it('reports a namenode that does not answer as a temporary error', async () => {
      const server = createServer();
      await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
      const port = (server.address() as AddressInfo).port;
      await new Promise((ok) => server.close(ok)); // nothing listens there any more
      const down = makeFs(hdfs.info, { url: `http://127.0.0.1:${port}` });
      const e = await rejected(down.info('/x'));
      expect(e).to.include({ code: 'ECONNREFUSED', temporary: true });
      expect(e.message).to.match(/^hdfs info "\/x"/);
    });
  });

  describe('options and registry', () => {
    it('builds the WebHDFS base from url, or host and port', () => {
      expect(webhdfsBase({ url: 'http://nn:9870' })).to.equal('http://nn:9870/webhdfs/v1');
      expect(webhdfsBase({ url: 'http://nn:9870/webhdfs/v1/' })).to.equal('http://nn:9870/webhdfs/v1');
      expect(webhdfsBase({ url: 'webhdfs://nn:9870' })).to.equal('http://nn:9870/webhdfs/v1');
      expect(webhdfsBase({ host: 'nn', https: true })).to.equal('https://nn:9870/webhdfs/v1');
      expect(webhdfsBase({ host: 'nn', port: 50070 })).to.equal('http://nn:50070/webhdfs/v1');
    });

    it('refuses a missing namenode and bad numeric options with InvalidArgument', () => {
      for (const opts of [
        {},
        { url: 'not a url' },
        { url: 'ftp://nn' },
        { host: 'nn', port: 0 },
        { url: 'http://nn', replication: 0 },
        { url: 'http://nn', permission: 'rw' },
      ]) {
        expect(() => new HDFSFileSystem(opts))
          .to.throw()
          .with.property('kind', 'InvalidArgument');
      }
    });

    it('says which port to use when url names the RPC port, as hdfs:// or as http://', async () => {
      expect(() => new HDFSFileSystem({ url: 'hdfs://nn:8020' })).to.throw(
        FsError,
        "hdfs option url names the namenode's WebHDFS (HTTP) endpoint, e.g. http://namenode:9870; " +
          'hdfs:// names the RPC port, which WebHDFS does not use',
      );
      // The harness's cluster reports its RPC port; another cluster has Hadoop's default.
      const rpcUrl = new URL(hdfs.info.namenodeUrl);
      rpcUrl.port = String(hdfs.info.rpcPort ?? 8020);
      const rpc = makeFs({ ...hdfs.info, namenodeUrl: rpcUrl.origin });
      const err = await rpc.ls('/').catch((e: unknown) => e);
      expect(err).to.be.instanceOf(FsError).and.include({ kind: 'InvalidArgument', code: 'EINVAL', temporary: false });
      expect((err as FsError).message).to.include(
        "the url names a Hadoop RPC port; WebHDFS is on the namenode's HTTP port, 9870 by default",
      );
    });

    it('gives writes to the RPC port the same hint, though the port answers them with no HTTP', async () => {
      // A Hadoop IPC port answers only a GET with its page; a PUT, POST or DELETE gets a
      // binary RPC error and the connection closed.
      const rpcUrl = new URL(hdfs.info.namenodeUrl);
      rpcUrl.port = String(hdfs.info.rpcPort ?? 8020);
      const rpc = makeFs({ ...hdfs.info, namenodeUrl: rpcUrl.origin });
      const hint = "the url names a Hadoop RPC port; WebHDFS is on the namenode's HTTP port, 9870 by default";
      const writes: Array<[string, () => Promise<unknown>]> = [
        ['writeText (CREATE)', () => rpc.writeText(`${dir}/x.txt`, 'x')],
        ['open ab (APPEND)', () => rpc.open(`${dir}/x.txt`, 'ab')],
        ['client DELETE', () => rpc.client.bool('DELETE', `${dir}/d`, 'DELETE')],
      ];
      for (const [what, write] of writes) {
        const err = mapHdfsError(
          await write().then(
            () => undefined,
            (e: unknown) => e,
          ),
        );
        expect(err, what).to.include({ kind: 'InvalidArgument', temporary: false });
        expect(err.message, what).to.include(hint);
      }
    });

    it('keeps the error of a write whose connection an HTTP namenode drops (no RPC-port hint)', async () => {
      const namenode = createServer((req, res) => {
        if (req.method !== 'GET') return req.socket.destroy();
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"RemoteException":{"exception":"FileNotFoundException","message":"File does not exist: /"}}');
      });
      await new Promise<void>((ok) => namenode.listen(0, '127.0.0.1', ok));
      try {
        const fs = makeFs(hdfs.info, { url: `http://127.0.0.1:${(namenode.address() as AddressInfo).port}` });
        const e = await rejected(fs.writeText('/x.txt', 'x'));
        expect(e.kind).to.not.equal('InvalidArgument');
        expect(e.message).to.not.include('RPC port');
      } finally {
        await new Promise((ok) => namenode.close(ok));
      }
    });

    it('is what filesystem("hdfs") and filesystem("webhdfs") give', () => {
      const opts = { url: hdfs.info.namenodeUrl, user: hdfs.info.user };
      expect(filesystem('hdfs', opts)).to.be.instanceOf(HDFSFileSystem);
      expect(filesystem('webhdfs', opts)).to.be.instanceOf(HDFSFileSystem);
    });
  });

  describe('the REST client', () => {
    it('sends any WebHDFS operation: json, answer (a redirect allowed when asked), WebHdfsError otherwise', async () => {
      await fs.writeText(`${dir}/a/one.txt`, 'one');
      await fs.writeText(`${dir}/a/two.txt`, 'two!');
      type Summary = { ContentSummary: { fileCount: number; directoryCount: number; length: number } };
      const summary = await fs.client.json<Summary>('GET', `${dir}/a`, 'GETCONTENTSUMMARY');
      expect(summary.ContentSummary).to.include({ fileCount: 2, directoryCount: 1, length: 7 });
      const redirect = await fs.client.answer('PUT', `${dir}/b.txt`, 'CREATE', {}, true);
      expect(redirect.status).to.equal(307);
      expect(redirect.headers.location).to.match(/^http:\/\/.*op=CREATE/);
      const failure = (p: Promise<unknown>): Promise<unknown> =>
        p.then(
          () => undefined,
          (err: unknown) => err,
        );
      const refused = await failure(fs.client.answer('PUT', `${dir}/b.txt`, 'CREATE'));
      expect(refused).to.be.instanceOf(WebHdfsError);
      expect((refused as WebHdfsError).status).to.equal(307);
      const missing = await failure(fs.client.answer('GET', `${dir}/nope`, 'GETFILESTATUS'));
      expect(missing).to.be.instanceOf(WebHdfsError);
      expect(mapHdfsError(missing).kind).to.equal('NotFound');
      expect(await fs.exists(`${dir}/b.txt`)).to.equal(false);
    });
  });

  describe('secrets', () => {
    const secret = `SECRET${randomBytes(6).toString('hex')}`;

    it('keeps the delegation token and auth hook out of toJSON, inspect and toString', () => {
      const s = makeFs(hdfs.info, {
        delegationToken: secret,
        authHeaders: () => ({ authorization: `Negotiate ${secret}` }),
        headers: { 'x-trace': 'ok' },
      });
      const shown = [JSON.stringify(s), inspect(s), String(s)].join('\n');
      expect(shown).to.not.include(secret);
      expect(JSON.stringify(s)).to.include('"delegationToken":"***"').and.include('"authHeaders":"***"');
    });

    it("sends the auth hook's headers and keeps the token out of error messages and causes", async () => {
      const seen: (string | undefined)[] = [];
      const proxy = await startFaultProxy({ target: hdfs.info.namenodeUrl });
      proxy.addRule({
        fault: { kind: 'delay', ms: 0 },
        match: (r) => {
          seen.push(r.headers.authorization);
          return false;
        },
      });
      const body = {
        RemoteException: {
          exception: 'InvalidToken',
          javaClassName: 'org.apache.hadoop.security.token.SecretManager$InvalidToken',
          message: `token (${secret}) can't be found in cache; url=http://nn/webhdfs/v1/x?op=OPEN&delegation=${secret}`,
        },
      };
      proxy.addRule({
        fault: { kind: 'status', status: 403, body: JSON.stringify(body) },
        match: (r) => r.url.includes('missing'),
      });
      try {
        const s = makeFs(hdfs.info, {
          url: proxy.url,
          delegationToken: secret,
          authHeaders: async () => ({ authorization: 'Negotiate abc' }),
        });
        const e = await rejected(s.info(`${dir}/missing`));
        expect(e.kind).to.equal('PermissionDenied');
        const cause = e.cause as WebHdfsError;
        const text = [e.message, String(e), e.stack, cause.message, cause.url, inspect(e, { depth: 5 })].join('\n');
        expect(text).to.not.include(secret);
        expect(cause.url).to.include('delegation=***');
        expect(seen).to.include('Negotiate abc');
      } finally {
        await proxy.close();
      }
    });
  });
});
