/**
 * The lean request path against the SDK's: the same operation failing the same way gives
 * the same FsError (kind, code, temporary, message), both paths make the same number of
 * attempts, and each reads back what the other wrote.
 */
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AccountSASPermissions, ContainerSASPermissions, StorageSharedKeyCredential } from '@azure/storage-blob';
import { filesystem, FsError, RetryFileSystem } from '@omnifs/core';
import { expectFsError, rejected, rejectedShape } from '@omnifs/testkit';
import type { AzureBlobFileSystem } from '@omnifs/azure';
import { startFaultProxy, type FaultProxy } from '../../../test/faults/proxy';
import { freshName } from '../../../test/servers/index';
import { connection, freshContainer, makeFs, useAzure } from './helpers';

const MiB = 1024 * 1024;
const LEAN_CHANNEL = 'omnifs:azure:lean-request';

/** The operations announced on the lean path while `run` runs. */
async function leanOperations(run: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const on = (message: unknown): void => {
    seen.push((message as { operation: string }).operation);
  };
  subscribe(LEAN_CHANNEL, on);
  try {
    await run();
  } finally {
    unsubscribe(LEAN_CHANNEL, on);
  }
  return seen;
}

describe('azure: lean request path', function () {
  this.timeout(60_000);
  const az = useAzure();
  let lean: AzureBlobFileSystem;
  let sdk: AzureBlobFileSystem;
  let root: string;
  let proxy: FaultProxy;
  /** Requests the proxy forwarded, as `METHOD path?query` and which client sent them. */
  let wire: Array<{ request: string; lean: boolean }>;

  const proxied = (extra: Parameters<typeof makeFs>[1] = {}): AzureBlobFileSystem =>
    makeFs(az.info, { accountUrl: `${proxy.url}${new URL(az.info.blobEndpoint).pathname}`, ...extra });

  before(async function () {
    lean = makeFs(az.info, { leanRequests: true });
    sdk = makeFs(az.info, { leanRequests: false });
    root = await freshContainer(az.info, sdk);
    proxy = await startFaultProxy({ target: new URL(az.info.blobEndpoint).origin, seed: 5 });
  });
  beforeEach(function () {
    wire = [];
    proxy.clearRules();
    proxy.resetCounters();
    // A rule that never fires, to see each request as the service gets it.
    proxy.addRule({
      fault: { kind: 'reset' },
      match: (r) => {
        const agent = String(r.headers['user-agent'] ?? '');
        wire.push({ request: `${r.method} ${r.url}`, lean: agent.includes('omnifs-azure') });
        return false;
      },
    });
  });
  after(async function () {
    await proxy?.close();
    lean?.destroy();
    sdk?.destroy();
  });

  /** Runs `op` on both paths and expects the same error from each. */
  async function sameError(op: (fs: AzureBlobFileSystem) => Promise<unknown>): Promise<Record<string, unknown>> {
    const a = await rejectedShape(op(lean));
    const b = await rejectedShape(op(sdk));
    expect(a).to.deep.equal(b);
    return a;
  }

  it('sends the hot operations without the SDK, and everything else through it', async function () {
    const fs = proxied({ leanRequests: true, partSize: 4 * MiB });
    const ops = await leanOperations(async () => {
      await fs.pipeFile(`${root}/hot/a.txt`, 'a');
      await fs.cat(`${root}/hot/a.txt`);
      await fs.info(`${root}/hot/a.txt`);
      await fs.ls(`${root}/hot`);
      await fs.pipeFile(`${root}/hot/big.bin`, randomBytes(9 * MiB));
      await fs.cp(`${root}/hot/a.txt`, `${root}/hot/b.txt`);
      await fs.rmFile(`${root}/hot/b.txt`);
      await fs.rm(`${root}/hot`, { recursive: true });
    });
    fs.destroy();
    expect(new Set(ops)).to.deep.equal(
      new Set([
        'Put Blob',
        'Get Blob',
        'Get Blob Properties',
        'List Blobs',
        'Put Block',
        'Put Block List',
        'Delete Blob',
        'Blob Batch',
      ]),
    );
    // On the wire: every request the lean path announced came from it, the rest from the SDK.
    expect(wire.filter((w) => w.lean)).to.have.length(ops.length);
    const bySdk = wire.filter((w) => !w.lean).map((w) => w.request);
    expect(bySdk.some((r) => r.startsWith('PUT') && !r.includes('comp='))).to.equal(true); // Copy Blob
    expect(bySdk.filter((r) => /comp=(block|list&|batch)/.test(r))).to.deep.equal([]);
  });

  it('is turned off by OMNIFS_AZ_LEAN_REQUESTS=false, and every request then goes through the SDK', async function () {
    const saved = process.env.OMNIFS_AZ_LEAN_REQUESTS;
    process.env.OMNIFS_AZ_LEAN_REQUESTS = 'false';
    try {
      const options = {
        ...connection(az.info),
        accountUrl: `${proxy.url}${new URL(az.info.blobEndpoint).pathname}`,
        skipInstanceCache: true,
      };
      const fs = filesystem('az', options) as unknown as AzureBlobFileSystem;
      const ops = await leanOperations(async () => {
        await fs.pipeFile(`${root}/env/a.txt`, 'a');
        expect(await fs.readText(`${root}/env/a.txt`)).to.equal('a');
      });
      expect(ops).to.deep.equal([]);
      expect(wire.length).to.be.greaterThan(1);
      expect(wire.filter((w) => w.lean)).to.deep.equal([]);
    } finally {
      if (saved === undefined) delete process.env.OMNIFS_AZ_LEAN_REQUESTS;
      else process.env.OMNIFS_AZ_LEAN_REQUESTS = saved;
    }
  });

  it('leaves a token credential over plain HTTP to the SDK, which will not send it there', async function () {
    const credential = {
      getToken: () => Promise.resolve({ token: 'not-a-real-token', expiresOnTimestamp: Date.now() + 3_600_000 }),
    };
    const fs = makeFs(az.info, { accountKey: undefined, credential, accountUrl: az.info.blobEndpoint });
    let err: unknown;
    const ops = await leanOperations(async () => {
      err = await rejected(fs.cat(`${root}/token.txt`));
    });
    expect(ops).to.deep.equal([]);
    // The SDK's bearer policy speaks: it sends tokens over HTTPS only.
    expect((err as FsError).message).to.match(/Bearer .* non-TLS/);
  });

  it('works with a SAS for one container, which cannot read the container properties', async function () {
    const container = freshName('csas');
    await sdk.service.getContainerClient(container).create();
    const sas = new URL(
      await sdk.service.getContainerClient(container).generateSasUrl({
        permissions: ContainerSASPermissions.parse('racwdl'),
        expiresOn: new Date(Date.now() + 3_600_000),
      }),
    ).search;
    const bySas = makeFs(az.info, { accountKey: undefined, sasToken: sas });
    await bySas.pipeFile(`${container}/d/a.txt`, 'a');
    expect(await bySas.isDir(container)).to.equal(true);
    expect(await bySas.exists(container)).to.equal(true);
    expect((await bySas.info(container)).type).to.equal('directory');
    expect(await bySas.glob(`${container}/**`)).to.deep.equal([container, `${container}/d`, `${container}/d/a.txt`]);
    await bySas.makedirs(`${container}/e`, { existOk: true });
    // Another container, which the SAS does not name, is refused as before.
    await expectFsError(bySas.info(root.split('/')[0]!), 'PermissionDenied');
    bySas.destroy();
  });

  it('authorises by a SAS token, and reads a public container anonymously, on the lean path', async function () {
    const sas = new URL(
      sdk.service.generateAccountSasUrl(new Date(Date.now() + 3_600_000), AccountSASPermissions.parse('rwdlc'), 'sco'),
    ).search;
    const bySas = makeFs(az.info, { accountKey: undefined, sasToken: sas, leanRequests: true });
    const ops = await leanOperations(async () => {
      await bySas.pipeFile(`${root}/sas/a.txt`, 'by sas');
      expect(await bySas.readText(`${root}/sas/a.txt`)).to.equal('by sas');
      expect(await bySas.ls(`${root}/sas`)).to.deep.equal([`${root}/sas/a.txt`]);
    });
    expect(ops).to.include.members(['Put Blob', 'Get Blob', 'List Blobs']);
    bySas.destroy();

    const open = freshName('public');
    await sdk.service.getContainerClient(open).create({ access: 'container' });
    await sdk.pipeFile(`${open}/p.txt`, 'public');
    const anon = makeFs(az.info, { accountKey: undefined, anon: true, leanRequests: true });
    const read = await leanOperations(async () => {
      expect(await anon.readText(`${open}/p.txt`)).to.equal('public');
    });
    expect(read).to.include('Get Blob');
    // A write without credentials is refused as the SDK's is.
    const anonSdk = makeFs(az.info, { accountKey: undefined, anon: true, leanRequests: false });
    const refused = await rejectedShape(anon.pipeFile(`${open}/q.txt`, 'no'));
    expect(refused).to.deep.equal(await rejectedShape(anonSdk.pipeFile(`${open}/q.txt`, 'no')));
    expect(refused.kind, JSON.stringify(refused)).to.equal('PermissionDenied');
    anon.destroy();
  });

  it('fails a read of a missing blob with the same NotFound', async function () {
    const e = await sameError((fs) => fs.cat(`${root}/missing.txt`));
    expect(e.kind).to.equal('NotFound');
  });

  it('fails info on a missing blob and a missing container the same way', async function () {
    expect((await sameError((fs) => fs.info(`${root}/missing.txt`))).kind).to.equal('NotFound');
    const container = freshName('nocont');
    expect((await sameError((fs) => fs.info(`${container}/k`))).kind).to.equal('NotFound');
  });

  it('fails reads, writes and listings in a missing container the same way', async function () {
    const container = freshName('nocont');
    expect((await sameError((fs) => fs.cat(`${container}/k`))).kind).to.equal('NotFound');
    expect((await sameError((fs) => fs.pipeFile(`${container}/k`, 'x'))).kind).to.equal('NotFound');
    expect((await sameError((fs) => fs.ls(`${container}/dir`))).kind).to.equal('NotFound');
  });

  it('fails an exclusive create of an existing blob with the same AlreadyExists, in one request or in blocks', async function () {
    await sdk.pipeFile(`${root}/exists.txt`, 'x');
    const one = await sameError((fs) => fs.pipeFile(`${root}/exists.txt`, 'y', { mode: 'create' }));
    expect(one.kind).to.equal('AlreadyExists');
    const big = randomBytes(9 * MiB);
    const parts = await sameError((fs) => fs.pipeFile(`${root}/exists.txt`, big, { mode: 'create' }));
    expect(parts.kind).to.equal('AlreadyExists');
    expect(await sdk.readText(`${root}/exists.txt`)).to.equal('x');
  });

  it('fails a read pinned to another ETag with the same ConditionNotMatch', async function () {
    await sdk.pipeFile(`${root}/pinned.txt`, 'pinned');
    const e = await sameError((fs) => fs.cat(`${root}/pinned.txt`, { etag: '"0x8DEADBEEF"' }));
    expect(e.kind).to.equal('ConditionNotMatch');
  });

  it('fails with a wrong account key the same way: the service checks the signature', async function () {
    const wrong = Buffer.from('k'.repeat(64)).toString('base64');
    await sdk.pipeFile(`${root}/signed.txt`, 's');
    const badLean = makeFs(az.info, { accountKey: wrong, leanRequests: true });
    const badSdk = makeFs(az.info, { accountKey: wrong, leanRequests: false });
    for (const op of [
      (fs: AzureBlobFileSystem) => fs.cat(`${root}/signed.txt`),
      (fs: AzureBlobFileSystem) => fs.pipeFile(`${root}/signed.txt`, 'no'),
      (fs: AzureBlobFileSystem) => fs.ls(root),
    ]) {
      const a = await rejectedShape(op(badLean));
      expect(a).to.deep.equal(await rejectedShape(op(badSdk)));
      expect(a.kind).to.equal('PermissionDenied');
    }
    badLean.destroy();
    expect(await sdk.readText(`${root}/signed.txt`)).to.equal('s');
  });

  it('gives up on the same status errors after the same retries, temporary and persistent alike', async function () {
    await sdk.pipeFile(`${root}/status.txt`, 'x');
    const busy = {
      kind: 'status' as const,
      status: 503,
      body: '<?xml version="1.0" encoding="utf-8"?><Error><Code>ServerBusy</Code><Message>The server is busy.\nRequestId:0</Message></Error>',
      headers: { 'content-type': 'application/xml', 'x-ms-error-code': 'ServerBusy' },
    };
    const faults: Array<{ kind: 'status'; status: number; body?: string; headers?: Record<string, string> }> = [
      busy,
      { kind: 'status', status: 500 },
      { kind: 'status', status: 403 },
    ];
    for (const fault of faults) {
      const seen: Array<Record<string, unknown>> = [];
      const requests: number[] = [];
      for (const leanRequests of [true, false]) {
        proxy.resetCounters();
        const rule = { fault, match: (r: { method: string }) => r.method === 'GET' || r.method === 'HEAD' };
        proxy.addRule(rule);
        const fs = proxied({
          leanRequests,
          pipelineOptions: { retryOptions: { maxTries: 3, retryDelayInMs: 5, maxRetryDelayInMs: 20 } },
        });
        for (const e of [
          await rejectedShape(fs.cat(`${root}/status.txt`)),
          await rejectedShape(fs.info(`${root}/status.txt`)),
        ]) {
          // Without an error document the SDK fails to parse the body (PARSE_ERROR, its own
          // message); the lean path reports the status alone. A 403 is persistent either way.
          if (fault.body === undefined) {
            expect(e.temporary, `${fault.status}`).to.equal(fault.status !== 403);
            delete e.message;
          }
          seen.push(e);
        }
        requests.push(proxy.counters.statuses);
        proxy.clearRules();
        fs.destroy();
      }
      expect(seen.slice(0, 2), `${fault.status}`).to.deep.equal(seen.slice(2));
      // 500 and 503 are tried three times, 403 once: for the GET and the HEAD of each path.
      expect(requests, `attempts for ${fault.status}`).to.deep.equal(fault.status === 403 ? [2, 2] : [6, 6]);
    }
  });

  it('retries a reset connection as the SDK does, and then succeeds', async function () {
    await sdk.pipeFile(`${root}/reset.txt`, 'back');
    const counts: number[] = [];
    for (const leanRequests of [true, false]) {
      proxy.resetCounters();
      proxy.addRule({ fault: { kind: 'reset' }, failNext: 2, match: (r) => r.method === 'GET' });
      const fs = proxied({
        leanRequests,
        pipelineOptions: { retryOptions: { maxTries: 4, retryDelayInMs: 5, maxRetryDelayInMs: 20 } },
      });
      expect(await fs.readText(`${root}/reset.txt`)).to.equal('back');
      counts.push(proxy.counters.resets);
      proxy.clearRules();
      fs.destroy();
    }
    expect(counts).to.deep.equal([2, 2]);
  });

  it('sends the MD5 of a Put Blob body, so bytes damaged on the way are refused, never stored', async function () {
    const md5s: Array<string | undefined> = [];
    proxy.addRule({
      fault: { kind: 'reset' },
      match: (r) => {
        if (r.method === 'PUT' && !r.url.includes('comp=')) md5s.push(r.headers['content-md5'] as string | undefined);
        return false;
      },
    });
    const fs = proxied({ leanRequests: true });
    await fs.pipeFile(`${root}/md5/ok.txt`, 'intact');
    expect(md5s).to.deep.equal([createHash('md5').update('intact').digest('base64')]);
    // One bit flipped on the way: the service refuses it, a temporary error, and the retry
    // layer sends the bytes again.
    proxy.addRule({ fault: { kind: 'corrupt-request' }, failNext: 1, match: (r) => r.method === 'PUT' });
    const err = await rejectedShape(fs.pipeFile(`${root}/md5/damaged.txt`, 'damaged'));
    expect(err, JSON.stringify(err)).to.include({ kind: 'Unexpected', temporary: true });
    expect(String(err.message)).to.match(/: (Md5Mismatch|InvalidOperation): .*MD5/i);
    expect(await sdk.exists(`${root}/md5/damaged.txt`)).to.equal(false);
    proxy.addRule({ fault: { kind: 'corrupt-request' }, failNext: 1, match: (r) => r.method === 'PUT' });
    await new RetryFileSystem({ fs, minDelayMs: 1, maxDelayMs: 5 }).pipeFile(`${root}/md5/damaged.txt`, 'damaged');
    expect(proxy.counters.corruptions).to.equal(2);
    expect(await sdk.readText(`${root}/md5/damaged.txt`)).to.equal('damaged');
    fs.destroy();
  });

  it('writes blobs the SDK reads back, and reads what the SDK wrote, in one request or in blocks', async function () {
    for (const size of [0, 1000, 9 * MiB + 3]) {
      const data = randomBytes(size);
      const options = { partSize: 4 * MiB };
      const viaLean = makeFs(az.info, { ...options, leanRequests: true });
      const viaSdk = makeFs(az.info, { ...options, leanRequests: false });
      await viaLean.pipeFile(`${root}/both/${size}.bin`, data);
      expect(Buffer.from(await viaSdk.catFile(`${root}/both/${size}.bin`)).equals(data)).to.equal(true);
      await viaSdk.pipeFile(`${root}/back/${size}.bin`, data);
      expect(Buffer.from(await viaLean.catFile(`${root}/back/${size}.bin`)).equals(data)).to.equal(true);
      // Both paths see the same properties of either blob, the content type included.
      const strip = (i: Record<string, unknown>): Record<string, unknown> => ({
        ...i,
        etag: undefined,
        mtime: undefined,
      });
      const a = await viaLean.info(`${root}/both/${size}.bin`);
      const b = await viaSdk.info(`${root}/back/${size}.bin`);
      expect(strip({ ...a, name: '' })).to.deep.equal(strip({ ...b, name: '' }));
      expect(await viaLean.info(`${root}/back/${size}.bin`)).to.deep.equal(
        await viaSdk.info(`${root}/back/${size}.bin`),
      );
      viaLean.destroy();
    }
  });

  it('lists the same entries, sizes, times and directories as the SDK, across pages', async function () {
    const dir = `${root}/listing`;
    await lean.pipe(Object.fromEntries(Array.from({ length: 230 }, (_, i) => [`${dir}/f${i}.bin`, 'x'.repeat(i % 7)])));
    await lean.pipe({ [`${dir}/sub/a&b <c>.txt`]: 'abc', [`${dir}/other/deep/d.txt`]: 'd' });
    const paged = { listPageSize: 50 };
    const viaLean = makeFs(az.info, { ...paged, leanRequests: true });
    const viaSdk = makeFs(az.info, { ...paged, leanRequests: false });
    const detail = async (fs: AzureBlobFileSystem) =>
      (await fs.ls(dir, { detail: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    const [l, s] = [await detail(viaLean), await detail(viaSdk)];
    expect(l).to.have.length(232);
    expect(l).to.deep.equal(s);
    expect((await viaLean.find(dir)).sort()).to.deep.equal((await viaSdk.find(dir)).sort());
    viaLean.destroy();
  });

  it('keeps names with spaces, unicode and reserved characters intact both ways', async function () {
    const names = [
      'a b.txt',
      'ü/ñ.txt',
      "q!'()*+=&?#;.txt",
      'x%2Fy %20.txt',
      '<tag>&amp;"x".txt',
      '&#x41;&lt;.txt',
      '😀 ✓.txt',
    ];
    for (const n of names) await lean.pipeFile(`${root}/keys/${n}`, n);
    const want = names.map((n) => `${root}/keys/${n}`).sort();
    expect((await sdk.find(`${root}/keys`)).sort()).to.deep.equal(want);
    expect((await lean.find(`${root}/keys`)).sort()).to.deep.equal(want);
    for (const n of names) expect(await lean.readText(`${root}/keys/${n}`)).to.equal(n);
  });

  it('deletes in batches as the SDK does: blobs gone count as deleted, a leased one is reported', async function () {
    const failures: unknown[] = [];
    for (const leanRequests of [true, false]) {
      const dir = `${root}/batch-${leanRequests}`;
      const names = [...Array.from({ length: 300 }, (_, i) => `f${i}`), 'sp ace & <x>', 'leased'];
      await sdk.pipe(Object.fromEntries(names.map((n) => [`${dir}/${n}`, n])));
      const [container, ...rest] = dir.split('/');
      const lease = sdk.service
        .getContainerClient(container!)
        .getBlobClient(`${[...rest, 'leased'].join('/')}`)
        .getBlobLeaseClient();
      await lease.acquireLease(-1);
      const fs = makeFs(az.info, { leanRequests });
      const ops = await leanOperations(async () => {
        const err = await fs.rm(dir, { recursive: true }).catch((e: unknown) => e);
        failures.push((err as { failed?: unknown }).failed);
      });
      expect(
        ops.filter((o) => o === 'Blob Batch'),
        `lean: ${leanRequests}`,
      ).to.have.length(leanRequests ? 2 : 0);
      expect(await sdk.find(dir)).to.deep.equal([`${dir}/leased`]);
      await lease.releaseLease();
      fs.destroy();
    }
    const [viaLean, viaSdk] = failures as Array<Array<{ path: string }>>;
    expect(viaLean!.map((f) => ({ ...f, path: f.path.replace('batch-true', 'batch') }))).to.deep.equal(
      viaSdk!.map((f) => ({ ...f, path: f.path.replace('batch-false', 'batch') })),
    );
    expect(viaLean).to.deep.equal([
      { path: `${root}/batch-true/leased`, kind: 'ConditionNotMatch', code: 'LeaseIdMissing', temporary: false },
    ]);
  });

  it('signs every request as the SDK would sign it: a proxy re-signs each with the SDK and compares', async function () {
    const credential = new StorageSharedKeyCredential(az.info.accountName, az.info.accountKey);
    let sdkString = '';
    const spy = Object.create(credential) as StorageSharedKeyCredential;
    spy.computeHMACSHA256 = (text: string) => {
      sdkString = text;
      return credential.computeHMACSHA256(text);
    };
    const policy = spy.create(
      { sendRequest: () => Promise.reject(new Error('unused')) } as never,
      {} as never,
    ) as unknown as {
      signRequest(r: unknown): void;
    };
    const checked: string[] = [];
    const wrong: string[] = [];
    proxy.addRule({
      fault: { kind: 'reset' },
      match: (r) => {
        const auth = String(r.headers.authorization ?? '');
        if (String(r.headers['user-agent'] ?? '').includes('omnifs-azure') && auth.startsWith('SharedKey ')) {
          const headers = new Map<string, string>();
          for (const [k, v] of Object.entries(r.headers)) if (typeof v === 'string') headers.set(k, v);
          const sentDate = headers.get('x-ms-date')!;
          policy.signRequest({
            method: r.method,
            url: `http://127.0.0.1${r.url}`,
            headers: {
              get: (n: string) => headers.get(n.toLowerCase()),
              set: (n: string, v: unknown) => headers.set(n.toLowerCase(), String(v)),
              headersArray: () => [...headers].map(([name, value]) => ({ name, value })),
            },
          });
          // The SDK's policy signs the date it sets: sign its string with the date that was sent.
          const expected = credential.computeHMACSHA256(sdkString.replace(/^x-ms-date:.*$/m, `x-ms-date:${sentDate}`));
          (auth.endsWith(`:${expected}`) ? checked : wrong).push(`${r.method} ${r.url}`);
        }
        return false;
      },
    });
    const fs = proxied({ leanRequests: true, partSize: 4 * MiB, listPageSize: 2 });
    const dir = `${root}/signed sp&ce/ü`;
    await fs.pipeFile(`${dir}/a b.txt`, 'a');
    await fs.pipeFile(`${dir}/x.txt`, 'x', { mode: 'create' });
    await fs.pipeFile(`${dir}/big.bin`, randomBytes(5 * MiB));
    await fs.catFile(`${dir}/big.bin`, { start: 3, end: 9 });
    await fs.cat(`${dir}/a b.txt`, { etag: (await fs.info(`${dir}/a b.txt`)).etag! });
    expect(await fs.find(`${root}/signed sp&ce`)).to.have.length(3);
    await fs.rm(`${root}/signed sp&ce`, { recursive: true });
    fs.destroy();
    expect(wrong).to.deep.equal([]);
    for (const op of ['PUT', 'GET', 'HEAD', 'POST'])
      expect(
        checked.some((c) => c.startsWith(op)),
        op,
      ).to.equal(true);
    expect(checked.some((c) => c.includes('comp=block&'))).to.equal(true);
    expect(checked.some((c) => c.includes('marker='))).to.equal(true);
  });

  describe('answers only a service gives', function () {
    let server: Server;
    let url: string;
    /** What the fake service answers to List Blobs and to a blob batch. */
    let answers: { list: string; batch: (boundary: string) => string };
    /** Single Delete Blob requests it got. */
    let singleDeletes = 0;

    before(async function () {
      server = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          if (req.url?.includes('comp=list')) {
            res.writeHead(200, { 'content-type': 'application/xml' });
            res.end(answers.list);
          } else if (req.url?.includes('comp=batch')) {
            const boundary = 'batchresponse_1';
            res.writeHead(202, { 'content-type': `multipart/mixed; boundary=${boundary}` });
            res.end(answers.batch(boundary));
          } else {
            if (req.method === 'DELETE') singleDeletes++;
            res.writeHead(404, { 'x-ms-error-code': 'BlobNotFound' });
            res.end();
          }
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/acct`;
    });
    after(function () {
      server?.close();
    });

    const fake = (): AzureBlobFileSystem =>
      makeFs(az.info, {
        accountName: 'acct',
        accountUrl: url,
        leanRequests: true,
        pipelineOptions: { retryOptions: { maxTries: 1 } },
      });

    it('reads names the service percent-encoded, escaped text, prefixes and the next marker', async function () {
      answers = {
        list:
          '<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="x" ContainerName="c"><Prefix>p/</Prefix><Blobs>' +
          '<Blob><Name Encoded="true">p%2Fa%EF%BF%BE.txt</Name><Properties><Last-Modified>Mon, 30 Nov 2026 08:00:00 GMT</Last-Modified><Etag>0x1</Etag><Content-Length>12</Content-Length><Content-Type>text/plain</Content-Type><BlobType>BlockBlob</BlobType><AccessTier>Cool</AccessTier></Properties></Blob>' +
          '<Blob><Name>p/&lt;b&gt; &amp; c</Name><Properties><Content-Length>0</Content-Length><Content-Type /><BlobType>AppendBlob</BlobType></Properties><Metadata /></Blob>' +
          // Properties in another order than List Blobs writes them: each is still read.
          '<Blob><Name>p/d</Name><Properties><AccessTier>Hot</AccessTier><BlobType>BlockBlob</BlobType><Content-Length>5</Content-Length><Etag>0x2</Etag><Last-Modified>Tue, 01 Dec 2026 08:00:00 GMT</Last-Modified></Properties></Blob>' +
          '<BlobPrefix><Name>p/dir/</Name></BlobPrefix>' +
          '</Blobs><NextMarker /></EnumerationResults>',
        batch: () => '',
      };
      const fs = fake();
      const entries = await fs.ls('c/p', { detail: true });
      const byName = new Map(entries.map((e) => [e.name, e]));
      expect([...byName.keys()].sort()).to.deep.equal(['c/p/<b> & c', 'c/p/a\uFFFE.txt', 'c/p/d', 'c/p/dir']);
      expect(byName.get('c/p/a\uFFFE.txt')).to.deep.include({
        size: 12,
        type: 'file',
        mtime: new Date('2026-11-30T08:00:00Z'),
        etag: '"0x1"', // quoted, as Get Blob Properties gives it
        blobType: 'BlockBlob',
        contentType: 'text/plain',
        accessTier: 'Cool',
      });
      // What an entry lacks is never taken from the next one.
      const append = byName.get('c/p/<b> & c')!;
      expect(append).to.deep.include({ size: 0, blobType: 'AppendBlob', contentType: '' });
      expect(append).to.not.have.any.keys('mtime', 'etag', 'accessTier');
      expect(byName.get('c/p/d')).to.deep.include({
        size: 5,
        mtime: new Date('2026-12-01T08:00:00Z'),
        etag: '"0x2"',
        blobType: 'BlockBlob',
        accessTier: 'Hot',
      });
      expect(byName.get('c/p/dir')).to.deep.include({ type: 'directory' });
      fs.destroy();
    });

    it('reads batch answers by Content-ID; deletes one by one when a batch answer lacks a sub-request', async function () {
      answers = {
        list:
          '<?xml version="1.0" encoding="utf-8"?><EnumerationResults><Blobs>' +
          ['a', 'b', 'c']
            .map((n) => `<Blob><Name>d/${n}</Name><Properties><Content-Length>1</Content-Length></Properties></Blob>`)
            .join('') +
          '</Blobs><NextMarker /></EnumerationResults>',
        batch: (boundary) =>
          [
            ['1', '202 Accepted', ''],
            ['0', '412 Lease', 'x-ms-error-code: LeaseIdMissing\r\n'],
            [
              '2',
              '404 Gone',
              'content-type: application/xml\r\n\r\n<Error><Code>BlobNotFound</Code><Message>Gone.</Message></Error>\r\n',
            ],
          ]
            .map(
              ([id, status, extra]) =>
                `--${boundary}\r\nContent-Type: application/http\r\nContent-ID: ${id}\r\n\r\nHTTP/1.1 ${status}\r\nx-ms-request-id: r\r\n${extra}\r\n`,
            )
            .join('') + `--${boundary}--\r\n`,
      };
      const fs = fake();
      const err = (await fs.rm('c/d', { recursive: true }).catch((e: unknown) => e)) as { failed?: unknown };
      // The leased blob is the first sub-request (Content-ID 0), though its answer came second.
      expect(err.failed).to.deep.equal([
        { path: 'c/d/a', kind: 'ConditionNotMatch', code: 'LeaseIdMissing', temporary: false },
      ]);
      answers.batch = (boundary) =>
        `--${boundary}\r\nContent-Type: application/http\r\nContent-ID: 0\r\n\r\nHTTP/1.1 202 Accepted\r\n\r\n--${boundary}--\r\n`;
      // Which of the three went is not known: each is deleted on its own (the fake has none: gone).
      singleDeletes = 0;
      await fs.rm('c/d', { recursive: true });
      expect(singleDeletes).to.equal(3);
      fs.destroy();
    });
  });
});
