/**
 * The lean request path against the SDK's: the same operation failing the same way gives
 * the same FsError (kind, code, temporary, message), both paths make the same number of
 * attempts, and each reads back what the other wrote.
 */
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { AccountSASPermissions, StorageSharedKeyCredential } from '@azure/storage-blob';
import { filesystem, FsError, RetryFileSystem } from '@omnifs/core';
import { rejected, rejectedShape } from '@omnifs/testkit';
import type { AzureBlobFileSystem } from '@omnifs/azure';
import { startFaultProxy, type FaultProxy } from '../../../test/faults/proxy';
import { freshName } from '../../../test/servers/index';
import { readBatchAnswer } from '../src/batch';
import { scanBlobList } from '../src/client';
import { stringToSign } from '../src/sharedkey';
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
          // Without an error document the SDK fails to parse the body (PARSE_ERROR, which it
          // counts as temporary even on a 403); the lean path reports the status alone.
          if (fault.body === undefined) {
            if (leanRequests) expect(e.temporary, `${fault.status}`).to.equal(fault.status !== 403);
            delete e.message;
            delete e.temporary;
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

  it('reads batch answers by Content-ID, and refuses one that lacks a sub-request', function () {
    const part = (id: number, status: string, extra = ''): string =>
      `--b1\r\nContent-Type: application/http\r\nContent-ID: ${id}\r\n\r\nHTTP/1.1 ${status}\r\nx-ms-request-id: r\r\n${extra}\r\n`;
    const body =
      part(1, '202 Accepted') +
      part(0, '412 Lease', 'x-ms-error-code: LeaseIdMissing\r\n') +
      part(
        2,
        '404 Gone',
        'content-type: application/xml\r\n\r\n<Error><Code>BlobNotFound</Code><Message>Gone.\nRequestId:1</Message></Error>\r\n',
      ) +
      '--b1--\r\n';
    expect(readBatchAnswer('multipart/mixed; boundary=b1', body, 3)).to.deep.equal([
      { status: 412, code: 'LeaseIdMissing', message: undefined },
      { status: 202, code: undefined, message: undefined },
      { status: 404, code: 'BlobNotFound', message: 'Gone.' },
    ]);
    expect(() => readBatchAnswer('multipart/mixed; boundary=b1', body, 4)).to.throw(/sub-request 3/);
    expect(() => readBatchAnswer('application/xml', body, 3)).to.throw(/boundary/);
  });

  it('signs the string the SDK signs, for every header and query the lean path sends', function () {
    const credential = new StorageSharedKeyCredential(az.info.accountName, az.info.accountKey);
    let sdkString = '';
    const spy = Object.create(credential) as StorageSharedKeyCredential;
    spy.computeHMACSHA256 = (s: string) => {
      sdkString = s;
      return credential.computeHMACSHA256(s);
    };
    const policy = spy.create(
      { sendRequest: () => Promise.reject(new Error('unused')) } as never,
      {} as never,
    ) as unknown as {
      signRequest(r: unknown): void;
    };
    const cases: Array<{
      method: string;
      path: string;
      query: Record<string, string>;
      headers: Record<string, string>;
    }> = [
      {
        method: 'PUT',
        path: '/devstoreaccount1/c/a%20b/%C3%BC.txt',
        query: {},
        headers: {
          'content-length': '5',
          'content-type': 'application/octet-stream',
          'if-none-match': '*',
          'x-ms-blob-type': 'BlockBlob',
          'x-ms-meta-omnifswriteid': 'w1',
          'x-ms-meta-a-b': '1',
          'x-ms-meta-ab': '2',
          'x-ms-meta-a1': '3',
          'x-ms-meta-a_b': '4',
          'x-ms-meta-a--b': '5',
          'x-ms-version': '2026-04-06',
          'x-ms-client-request-id': 'id',
        },
      },
      {
        method: 'GET',
        path: '/devstoreaccount1/c/x',
        query: {},
        headers: { 'x-ms-range': 'bytes=0-99', 'if-match': '"0x1"', 'x-ms-version': '2026-04-06' },
      },
      {
        method: 'PUT',
        path: '/devstoreaccount1/c/x',
        query: { comp: 'block', blockid: 'YWJj+/==', timeout: '30' },
        headers: { 'content-length': '0', 'x-ms-version': '2026-04-06' },
      },
      {
        method: 'GET',
        path: '/devstoreaccount1/c',
        query: {
          restype: 'container',
          comp: 'list',
          prefix: 'a b/ü&=?',
          delimiter: '/',
          marker: 'm!k',
          maxresults: '5',
        },
        headers: { 'x-ms-version': '2026-04-06' },
      },
    ];
    for (const c of cases) {
      const headers = new Map(Object.entries(c.headers));
      const search = new URLSearchParams(c.query).toString().replace(/\+/g, '%20');
      policy.signRequest({
        method: c.method,
        url: `http://127.0.0.1:10000${c.path}${search === '' ? '' : `?${search}`}`,
        headers: {
          get: (n: string) => headers.get(n.toLowerCase()),
          set: (n: string, v: unknown) => headers.set(n.toLowerCase(), String(v)),
          headersArray: () => [...headers].map(([name, value]) => ({ name, value })),
        },
      });
      // The SDK's policy sets the date it signs: sign with the same one.
      const ours = stringToSign(az.info.accountName, {
        ...c,
        headers: { ...c.headers, 'x-ms-date': headers.get('x-ms-date')! },
      });
      expect(ours, `${c.method} ${c.path}`).to.equal(sdkString);
    }
  });

  it('reads names the service percent-encoded, escaped text, prefixes and the next marker from a listing', function () {
    const xml =
      '<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="x" ContainerName="c"><Prefix>p/</Prefix><MaxResults>3</MaxResults><Blobs>' +
      '<Blob><Name Encoded="true">p%2Fa%EF%BF%BE.txt</Name><Properties><Last-Modified>Mon, 30 Nov 2026 08:00:00 GMT</Last-Modified><Etag>0x1</Etag><Content-Length>12</Content-Length><Content-Type>text/plain</Content-Type><BlobType>BlockBlob</BlobType><AccessTier>Cool</AccessTier></Properties></Blob>' +
      '<Blob><Name>p/&lt;b&gt; &amp; c</Name><Properties><Content-Length>0</Content-Length><Content-Type /><BlobType>AppendBlob</BlobType></Properties><Metadata /></Blob>' +
      '<BlobPrefix><Name>p/dir/</Name></BlobPrefix>' +
      '</Blobs><NextMarker>2!8!next</NextMarker></EnumerationResults>';
    const page = scanBlobList(xml);
    expect(page.blobs.map((b) => b.name)).to.deep.equal(['p/a\uFFFE.txt', 'p/<b> & c']);
    expect(page.blobs[0]!.properties).to.deep.equal({
      contentLength: 12,
      lastModified: new Date('2026-11-30T08:00:00Z'),
      etag: '0x1',
      blobType: 'BlockBlob',
      contentType: 'text/plain',
      accessTier: 'Cool',
    });
    expect(page.blobs[1]!.properties).to.deep.equal({ contentLength: 0, contentType: '', blobType: 'AppendBlob' });
    expect(page.prefixes).to.deep.equal(['p/dir/']);
    expect(page.next).to.equal('2!8!next');
    expect(scanBlobList('<EnumerationResults><Blobs></Blobs><NextMarker /></EnumerationResults>').next).to.equal(
      undefined,
    );
  });
});
