/**
 * The lean request path against the SDK's: the same operation failing the same way gives
 * the same FsError (kind, code, temporary, status words, message), and both paths write
 * objects the other reads back, checksums included.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { filesystem } from '@omnifs/core';
import { rejectedShape } from '@omnifs/testkit';
import type { S3FileSystem } from '@omnifs/s3';
import { startFaultProxy, type FaultProxy } from '../../../test/faults/proxy';
import { freshName } from '../../../test/servers/index';
import { connection, freshBucket, makeFs, useS3 } from './helpers';

/** The commands a filesystem sends through the SDK's middleware, and those it sends on the lean path. */
function probe(fs: S3FileSystem): { sdk: string[]; lean: string[]; stop(): void } {
  const out = { sdk: [] as string[], lean: [] as string[], stop: () => unsubscribe(LEAN_CHANNEL, onLean) };
  const onLean = (message: unknown): void => {
    const { client, command } = message as { client: unknown; command: string };
    if (client === fs.client) out.lean.push(command);
  };
  subscribe(LEAN_CHANNEL, onLean);
  fs.client.middlewareStack.add(
    ((next: (a: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
      out.sdk.push(context.commandName ?? '?');
      return next(args);
    }) as never,
    { step: 'initialize', name: `sdkProbe${Math.random()}` },
  );
  return out;
}

const LEAN_CHANNEL = 'omnifs:s3:lean-request';

/** The `x-amz-checksum-crc32` of each PUT the proxy passes on, as the service gets it, until its rules are cleared. */
function crc32sSent(proxy: FaultProxy): Array<string | string[] | undefined> {
  const sent: Array<string | string[] | undefined> = [];
  // A rule that never fires, to see each request's headers.
  proxy.addRule({
    fault: { kind: 'reset' },
    match: (r) => {
      if (r.method === 'PUT') sent.push(r.headers['x-amz-checksum-crc32']);
      return false;
    },
  });
  return sent;
}

describe('s3: lean request path', function () {
  this.timeout(60_000);
  const s3 = useS3();
  let lean: S3FileSystem;
  let sdk: S3FileSystem;
  let root: string;
  let proxy: FaultProxy;

  before(async function () {
    lean = makeFs(s3.info, { leanRequests: true });
    sdk = makeFs(s3.info, { leanRequests: false });
    root = await freshBucket(s3.info, sdk);
    proxy = await startFaultProxy({ target: s3.info.endpoint, seed: 3 });
  });
  after(async function () {
    await proxy?.close();
    lean?.destroy();
    sdk?.destroy();
  });

  /** Runs `op` on both paths and expects the same error from each. */
  async function sameError(op: (fs: S3FileSystem) => Promise<unknown>): Promise<Record<string, unknown>> {
    const a = await rejectedShape(op(lean));
    const b = await rejectedShape(op(sdk));
    expect(a).to.deep.equal(b);
    return a;
  }

  it('sends the hot operations without the SDK, and everything else through it', async function () {
    const sent = probe(lean);
    await lean.pipeFile(`${root}/hot/a.txt`, 'a');
    await lean.cat(`${root}/hot/a.txt`);
    await lean.info(`${root}/hot/a.txt`);
    await lean.ls(`${root}/hot`);
    await lean.pipeFile(`${root}/hot/big.bin`, randomBytes(9 * 1024 * 1024));
    await lean.cp(`${root}/hot/a.txt`, `${root}/hot/b.txt`);
    await lean.rm(`${root}/hot`, { recursive: true });
    sent.stop();
    const hot = [
      'PutObjectCommand',
      'GetObjectCommand',
      'HeadObjectCommand',
      'ListObjectsV2Command',
      'UploadPartCommand',
      // The commit point of a multipart upload: an abort after it was sent waits briefly for its answer.
      'CompleteMultipartUploadCommand',
    ];
    expect(sent.lean).to.include.members([...hot, 'DeleteObjectsCommand']);
    expect(sent.sdk.filter((c) => hot.includes(c))).to.deep.equal([]);
    expect(sent.sdk).to.include.members(['CreateMultipartUploadCommand', 'CopyObjectCommand']);
  });

  it('is turned off by OMNIFS_S3_LEAN_REQUESTS=false, and every request then goes through the SDK', async function () {
    const saved = process.env.OMNIFS_S3_LEAN_REQUESTS;
    process.env.OMNIFS_S3_LEAN_REQUESTS = 'false';
    try {
      const fs = filesystem('s3', { ...connection(s3.info), skipInstanceCache: true }) as unknown as S3FileSystem;
      const sent = probe(fs);
      await fs.pipeFile(`${root}/env/a.txt`, 'a');
      expect(await fs.readText(`${root}/env/a.txt`)).to.equal('a');
      sent.stop();
      expect(sent.sdk).to.include.members(['PutObjectCommand', 'GetObjectCommand']);
      expect(sent.lean).to.deep.equal([]);
      fs.destroy();
    } finally {
      if (saved === undefined) delete process.env.OMNIFS_S3_LEAN_REQUESTS;
      else process.env.OMNIFS_S3_LEAN_REQUESTS = saved;
    }
  });

  it('fails a read of a missing key with the same NotFound', async function () {
    const e = await sameError((fs) => fs.cat(`${root}/missing.txt`));
    expect(e.kind).to.equal('NotFound');
  });

  it('fails info on a missing key and a missing bucket the same way', async function () {
    await sameError((fs) => fs.info(`${root}/missing.txt`));
    const bucket = freshName('nobucket');
    await sameError((fs) => fs.info(`${bucket}/k`));
  });

  it('fails reads, writes and listings in a missing bucket the same way', async function () {
    const bucket = freshName('nobucket');
    expect((await sameError((fs) => fs.cat(`${bucket}/k`))).kind).to.equal('NotFound');
    expect((await sameError((fs) => fs.pipeFile(`${bucket}/k`, 'x'))).kind).to.equal('NotFound');
    await sameError((fs) => fs.ls(`${bucket}/dir`));
  });

  it('fails an exclusive create of an existing object with the same AlreadyExists', async function () {
    await sdk.pipeFile(`${root}/exists.txt`, 'x');
    const e = await sameError((fs) => fs.pipeFile(`${root}/exists.txt`, 'y', { mode: 'create' }));
    expect(e.kind).to.equal('AlreadyExists');
  });

  it('fails a read pinned to another ETag with the same ConditionNotMatch', async function () {
    await sdk.pipeFile(`${root}/pinned.txt`, 'pinned');
    const e = await sameError((fs) => fs.cat(`${root}/pinned.txt`, { etag: '"0123456789abcdef0123456789abcdef"' }));
    expect(e.kind).to.equal('ConditionNotMatch');
  });

  it('fails a read answered with another range than the one asked for with the same EIO', async function () {
    const data = randomBytes(3000);
    await sdk.pipeFile(`${root}/shifted.bin`, data);
    proxy.clearRules();
    proxy.addRule({ fault: { kind: 'answer-range', range: (first, last) => [first - 1, last] } });
    const via = {
      lean: makeFs(s3.info, { endpoint: proxy.url, leanRequests: true }),
      sdk: makeFs(s3.info, { endpoint: proxy.url, leanRequests: false }),
    };
    try {
      const ranged = (fs: S3FileSystem): Promise<unknown> =>
        fs.catFile(`${root}/shifted.bin`, { start: 100, end: 2000 });
      const a = await rejectedShape(ranged(via.lean));
      const b = await rejectedShape(ranged(via.sdk));
      expect(a).to.deep.equal(b);
      expect(a.kind).to.equal('Unexpected');
      expect(a.code).to.equal('EIO');
      expect(proxy.counters.rangesRewritten).to.equal(2);
      proxy.clearRules();
      for (const fs of [via.lean, via.sdk])
        expect(Buffer.from((await ranged(fs)) as Uint8Array).equals(data.subarray(100, 2000))).to.equal(true);
    } finally {
      proxy.clearRules();
      via.lean.destroy();
      via.sdk.destroy();
    }
  });

  it('gives up on the same status errors after the same retries, temporary and persistent alike', async function () {
    const via = (leanRequests: boolean): S3FileSystem =>
      makeFs(s3.info, { endpoint: proxy.url, maxAttempts: 2, leanRequests });
    await sdk.pipeFile(`${root}/status.txt`, 'x');
    for (const fault of [
      { kind: 'slowdown' as const },
      { kind: 'status' as const, status: 500 },
      { kind: 'status' as const, status: 403 },
    ]) {
      const seen: Array<Record<string, unknown>> = [];
      const requests: number[] = [];
      for (const leanRequests of [true, false]) {
        proxy.clearRules();
        proxy.resetCounters();
        proxy.addRule({ fault });
        const fs = via(leanRequests);
        // A GET and a HEAD; without an S3 error document the SDK's message is its own parse
        // error, the rest must agree.
        for (const e of [
          await rejectedShape(fs.cat(`${root}/status.txt`)),
          await rejectedShape(fs.info(`${root}/status.txt`)),
        ]) {
          if (fault.kind === 'status') delete e.message;
          seen.push(e);
        }
        requests.push(proxy.counters.requests);
        fs.destroy();
      }
      proxy.clearRules();
      expect(seen.slice(0, 2), JSON.stringify(fault)).to.deep.equal(seen.slice(2));
      expect(requests[0], `requests for ${JSON.stringify(fault)}`).to.equal(requests[1]);
    }
  });

  it('writes objects the SDK reads back, and reads what the SDK wrote, in one request or in parts', async function () {
    const MiB = 1024 * 1024;
    for (const size of [0, 1000, 12 * MiB]) {
      const data = randomBytes(size);
      await lean.pipeFile(`${root}/both/${size}.bin`, data);
      expect(Buffer.from(await sdk.catFile(`${root}/both/${size}.bin`)).equals(data)).to.equal(true);
      await sdk.pipeFile(`${root}/back/${size}.bin`, data);
      expect(Buffer.from(await lean.catFile(`${root}/back/${size}.bin`)).equals(data)).to.equal(true);
    }
  });

  it('sends the standard CRC32 of a body, big-endian and base64, as x-amz-checksum-crc32', async function () {
    const sent = crc32sSent(proxy);
    const via = makeFs(s3.info, { endpoint: proxy.url, leanRequests: true });
    try {
      await via.pipeFile(`${root}/crc/nine.txt`, '123456789');
      await via.pipeFile(`${root}/crc/empty.txt`, '');
    } finally {
      proxy.clearRules();
      via.destroy();
    }
    expect(sent).to.deep.equal([Buffer.from([0xcb, 0xf4, 0x39, 0x26]).toString('base64'), 'AAAAAA==']);
    expect(await sdk.readText(`${root}/crc/nine.txt`)).to.equal('123456789');
  });

  it('has the SDK send the standard CRC32 of each body computed natively, in one request or in parts', async function () {
    const MiB = 1024 * 1024;
    const sent = crc32sSent(proxy);
    const via = makeFs(s3.info, { endpoint: proxy.url, leanRequests: false, partSize: 5 * MiB });
    // The checksum the SDK is given; its updates are counted while the SDK hashes the bodies.
    const Crc32 = via.client.config.checksumAlgorithms?.CRC32;
    expect(Crc32, 'the CRC32 given to the SDK').to.be.a('function');
    const update = Crc32!.prototype.update as (this: unknown, chunk: Uint8Array) => void;
    let hashed = 0;
    Crc32!.prototype.update = function (this: unknown, chunk: Uint8Array): void {
      hashed += chunk.byteLength;
      update.call(this, chunk);
    };
    const large = randomBytes(12 * MiB);
    try {
      await via.pipeFile(`${root}/crc-sdk/nine.txt`, '123456789');
      await via.pipeFile(`${root}/crc-sdk/large.bin`, large);
    } finally {
      Crc32!.prototype.update = update;
      proxy.clearRules();
      via.destroy();
    }
    const crc = (b: Uint8Array): string => {
      const out = Buffer.alloc(4);
      out.writeUInt32BE(zlibCrc32(b));
      return out.toString('base64');
    };
    const parts = [large.subarray(0, 5 * MiB), large.subarray(5 * MiB, 10 * MiB), large.subarray(10 * MiB)];
    expect(sent[0]).to.equal(Buffer.from([0xcb, 0xf4, 0x39, 0x26]).toString('base64'));
    expect([...sent.slice(1)].sort()).to.deep.equal(parts.map(crc).sort());
    expect(hashed, 'bytes hashed by the CRC32 given').to.equal(9 + large.byteLength);
    expect(Buffer.from(await lean.catFile(`${root}/crc-sdk/large.bin`)).equals(large)).to.equal(true);
  });

  it("keeps an app's own CRC32 for the SDK, and a client it gives as it is", async function () {
    class AppCrc32 {
      private value = 0;
      update(chunk: Uint8Array): void {
        this.value = zlibCrc32(chunk, this.value);
      }
      digest(): Promise<Uint8Array> {
        const out = Buffer.alloc(4);
        out.writeUInt32BE(this.value);
        return Promise.resolve(out);
      }
      reset(): void {
        this.value = 0;
      }
    }
    const own = makeFs(s3.info, { leanRequests: false, clientConfig: { checksumAlgorithms: { CRC32: AppCrc32 } } });
    const given = makeFs(s3.info, { client: sdk.client });
    try {
      expect(own.client.config.checksumAlgorithms?.CRC32).to.equal(AppCrc32);
      await own.pipeFile(`${root}/crc-app/nine.txt`, '123456789');
      expect(await lean.readText(`${root}/crc-app/nine.txt`)).to.equal('123456789');
      expect(given.client).to.equal(sdk.client);
    } finally {
      own.destroy();
    }
  });

  it('lists the same entries, sizes, times and directories as the SDK, across pages', async function () {
    const dir = `${root}/listing`;
    await lean.pipe(
      Object.fromEntries(Array.from({ length: 1005 }, (_, i) => [`${dir}/f${i}.bin`, 'x'.repeat(i % 7)])),
    );
    await lean.pipe({ [`${dir}/sub/a&b <c>.txt`]: 'abc', [`${dir}/other/deep/d.txt`]: 'd' });
    const detail = async (fs: S3FileSystem) =>
      (await fs.ls(dir, { detail: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    const [viaLean, viaSdk] = [await detail(lean), await detail(sdk)];
    expect(viaLean).to.have.length(1007);
    expect(viaLean).to.deep.equal(viaSdk);
    expect((await lean.find(dir)).sort()).to.deep.equal((await sdk.find(dir)).sort());
  });

  it('keeps keys with spaces, unicode and reserved characters intact both ways', async function () {
    const names = [
      'a b.txt',
      'ü/ñ.txt',
      "q!'()*+=&?#.txt",
      'x%2Fy.txt',
      '<tag>&amp;"x".txt',
      '&#x41;&lt;.txt',
      '😀 ✓.txt',
    ];
    for (const n of names) await lean.pipeFile(`${root}/keys/${n}`, n);
    expect((await sdk.find(`${root}/keys`)).sort()).to.deep.equal(names.map((n) => `${root}/keys/${n}`).sort());
    expect((await lean.find(`${root}/keys`)).sort()).to.deep.equal(names.map((n) => `${root}/keys/${n}`).sort());
    for (const n of names) expect(await lean.readText(`${root}/keys/${n}`)).to.equal(n);
  });

  it('follows a bucket in another region as the SDK does, and signs for that region from then on', async function () {
    // A service where bucket "far" lives in eu-west-1: a request signed for another region
    // gets S3's 301 PermanentRedirect naming the bucket's region.
    const seen: string[] = [];
    const server = createServer((req, res) => {
      const region = /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(String(req.headers.authorization))?.[1] ?? '';
      seen.push(`${req.method} ${region}`);
      req.resume();
      if (region !== 'eu-west-1') {
        res.writeHead(301, { 'x-amz-bucket-region': 'eu-west-1', 'content-type': 'application/xml' });
        res.end('<Error><Code>PermanentRedirect</Code><Message>Use the bucket region.</Message></Error>');
        return;
      }
      if (req.method === 'PUT') res.writeHead(200, { etag: '"e"', 'content-length': '0' }).end();
      else res.writeHead(206, { 'content-range': 'bytes 0-4/5', 'content-length': '5', etag: '"e"' }).end('hello');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const requests = async (leanRequests: boolean): Promise<string[]> => {
        const fs = makeFs({ ...s3.info, endpoint }, { leanRequests, region: 'us-east-1', maxAttempts: 1 });
        const from = seen.length;
        expect(await fs.readText('far/a.txt')).to.equal('hello');
        await fs.pipeFile('far/b.txt', 'bytes');
        expect(await fs.readText('far/a.txt')).to.equal('hello');
        fs.destroy();
        return seen.slice(from);
      };
      // The SDK follows each request's redirect on its own; the lean path keeps the region.
      expect(await requests(false)).to.deep.equal([
        'GET us-east-1',
        'GET eu-west-1',
        'PUT us-east-1',
        'PUT eu-west-1',
        'GET us-east-1',
        'GET eu-west-1',
      ]);
      expect(await requests(true)).to.deep.equal(['GET us-east-1', 'GET eu-west-1', 'PUT eu-west-1', 'GET eu-west-1']);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
  it('reads a list page as the SDK does when fields come in another order, or are missing', async function () {
    // A service writing what ListObjectsV2 allows but versitygw and moto do not: an entry
    // without StorageClass, one with its fields in another order and an Owner, one bare.
    const page =
      '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      '<Name>b</Name><Prefix>p/</Prefix><KeyCount>3</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>' +
      '<Contents><Key>p/a</Key><LastModified>2026-12-01T08:00:00.000Z</LastModified><ETag>&quot;e1&quot;</ETag><Size>3</Size></Contents>' +
      '<Contents><Size>5</Size><StorageClass>GLACIER</StorageClass><Owner><ID>o</ID></Owner><ETag>&quot;e2&quot;</ETag>' +
      '<LastModified>2026-12-02T08:00:00.000Z</LastModified><Key>p/b &amp; c</Key></Contents>' +
      '<Contents><Key>p/d</Key><Size>0</Size></Contents>' +
      '</ListBucketResult>';
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/xml' }).end(page);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const listing = async (leanRequests: boolean): Promise<unknown[]> => {
        const fs = makeFs({ ...s3.info, endpoint }, { leanRequests, region: 'us-east-1', maxAttempts: 1 });
        const probed = probe(fs);
        const entries = await fs.ls('b/p', { detail: true });
        expect(leanRequests ? probed.lean : probed.sdk).to.include('ListObjectsV2Command');
        probed.stop();
        fs.destroy();
        return entries.sort((x, y) => (x.name < y.name ? -1 : 1));
      };
      const lean = await listing(true);
      expect(lean).to.deep.equal(await listing(false));
      expect(lean.map((e) => (e as { name: string }).name)).to.deep.equal(['b/p/a', 'b/p/b & c', 'b/p/d']);
      expect(lean[1]).to.deep.include({ size: 5, etag: '"e2"', mtime: new Date('2026-12-02T08:00:00Z') });
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
