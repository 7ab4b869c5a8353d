/** GCS through the fault proxy: every transfer ends byte-exact or with a clear error, never short, and leaves nothing half-written. */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createHash, randomBytes } from 'node:crypto';
import { IdempotencyStrategy } from '@google-cloud/storage';
import { RetryFileSystem } from '@omnifs/core';
import { chunked, expectFsError, sha256 } from '@omnifs/testkit';
import { GCSDeleteError, type GCSFileSystem } from '@omnifs/gcs';
import type { Fault } from '../../../test/faults/proxy';
import { throttledReadTest, useFaultProxy } from '../../../test/faults/stores';
import { cutDownloadTests, ignoredRangeTests } from '../../../test/faults/downloads';
import { makeFs, recordingProxy, savedBySdk, useGcs, type SeenRequest, useBucket } from './helpers';

const MiB = 1024 * 1024;
const REPO_ROOT = join(__dirname, '..', '..', '..');
const execNode = promisify(execFile);

/** Runs `node args` in the repository (so it finds the built packages), with `env` added. */
function runNode(args: string[], env: Record<string, string>): Promise<{ stdout: string }> {
  return execNode(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, timeout: 60_000 });
}

describe('gcs: faults', function () {
  this.timeout(120_000);
  const gcs = useGcs();
  let seen: SeenRequest[];
  const faults = useFaultProxy(async () => {
    const recording = await recordingProxy(gcs.info);
    seen = recording.seen;
    return recording;
  });
  const store = useBucket();
  beforeEach(function () {
    seen.length = 0;
  });
  /** The proxy answers, in GCS's place, with this status and JSON body. */
  const answer = (status: number, body: object): Fault => ({
    kind: 'status',
    status,
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  /** GCS's answer when it throttles. */
  const UNAVAILABLE = answer(503, { error: { code: 503, message: 'Service Unavailable' } });

  /** A filesystem through the proxy whose SDK retries `maxRetries` times, waiting at most a second. */
  const viaProxy = (maxRetries: number): GCSFileSystem =>
    makeFs(gcs.info, {
      apiEndpoint: faults.proxy.url,
      partSize: MiB,
      storageOptions: {
        retryOptions: { maxRetries, maxRetryDelay: 1, retryDelayMultiplier: 1, autoRetry: maxRetries > 0 },
      },
    });

  it('reads metadata, listings and objects past 503s, 500s and resets (SDK retries, then the retry layer), byte-exact', async function () {
    const { proxy } = faults;
    const { fs: direct, root } = store;
    const data = randomBytes(3 * MiB);
    await direct.pipeFile(`${root}/flaky.bin`, data);
    const fs = new RetryFileSystem({ fs: viaProxy(6), minDelayMs: 1, maxAttempts: 8 });
    proxy.addRule({ fault: { kind: 'slowdown' }, rate: 0.15, match: (r) => r.method === 'GET' });
    proxy.addRule({ fault: { kind: 'status', status: 500 }, rate: 0.1, match: (r) => r.method === 'GET' });
    proxy.addRule({ fault: { kind: 'reset' }, rate: 0.1, match: (r) => r.method === 'GET' });
    for (let i = 0; i < 4; i++) {
      expect(await fs.ls(root)).to.deep.equal([`${root}/flaky.bin`]);
      expect((await fs.info(`${root}/flaky.bin`)).size).to.equal(data.byteLength);
      expect(sha256(await fs.catFile(`${root}/flaky.bin`))).to.equal(sha256(data));
    }
    expect(proxy.counters.slowdowns + proxy.counters.statuses + proxy.counters.resets).to.be.greaterThan(0);
  });

  cutDownloadTests({
    proxy: () => faults.proxy,
    direct: () => store.fs,
    viaProxy: () => viaProxy(0),
    root: () => store.root,
    size: 5 * MiB + 11,
    cutAfter: MiB / 2,
    isDownload: (r) => r.method === 'GET' && r.url.includes('alt=media'),
    code: 'ECONNRESET',
  });

  ignoredRangeTests({
    proxy: () => faults.proxy,
    direct: () => store.fs,
    viaProxy: () => viaProxy(0),
    root: () => store.root,
    size: 5 * MiB + 11,
  });

  // Reads are retried by the retry layer, not the SDK: one request.
  throttledReadTest({ faults, store, throttle: UNAVAILABLE }, { viaProxy: () => viaProxy(1), attempts: 1 });

  it('gives up on persistent 503s with a persistent RateLimited error once the retry layer gave up', async function () {
    const { proxy } = faults;
    const { fs: direct, root } = store;
    await direct.writeText(`${root}/busy.txt`, 'x');
    proxy.addRule({ fault: UNAVAILABLE });
    const retried = await expectFsError(
      new RetryFileSystem({ fs: viaProxy(1), minDelayMs: 1, maxAttempts: 3 }).readText(`${root}/busy.txt`),
      'RateLimited',
    );
    expect(retried).to.include({ persistent: true, temporary: false });
    expect(proxy.counters.statuses).to.equal(3);
  });

  /** Resets the next resumable upload request that carries data (not the final status query). */
  const resetOneDataRequest = (): void =>
    faults.proxy.addRule({
      fault: { kind: 'reset' },
      failNext: 1,
      match: (r) =>
        r.method === 'PUT' && r.url.includes('upload_id=') && !/^bytes \*/.test(String(r.headers['content-range'])),
    });

  it('fails a resumable upload whose data request is reset with a temporary error, cancelling the session and leaving no object', async function () {
    const { proxy } = faults;
    const { fs: direct, root } = store;
    resetOneDataRequest();
    const data = randomBytes(4 * MiB + 3);
    const err = await expectFsError(
      viaProxy(3).pipeFile(`${root}/never.bin`, chunked(data, 500_000)),
      'Unexpected',
      'ECONNRESET',
    );
    expect(err.message).to.not.contain('upload_id');
    expect(err.temporary).to.equal(true);
    expect(proxy.counters.resets).to.equal(1);
    expect(seen.filter((r) => r.method === 'DELETE' && r.url.includes('upload_id='))).to.have.length(1);
    expect(await direct.exists(`${root}/never.bin`)).to.equal(false);
  });

  it('lands an upload byte-exact through the retry layer when its data request is reset', async function () {
    const { proxy } = faults;
    const { fs: direct, root } = store;
    resetOneDataRequest();
    const data = randomBytes(4 * MiB + 3);
    await new RetryFileSystem({ fs: viaProxy(3), minDelayMs: 1 }).pipeFile(`${root}/again.bin`, data);
    expect(proxy.counters.resets).to.equal(1);
    expect(sha256(await direct.catFile(`${root}/again.bin`))).to.equal(sha256(data));
  });

  it('removes an object a resumable upload stored with other bytes than were sent, and fails with a temporary EIO', async function () {
    const { proxy } = faults;
    const { fs: direct, root } = store;
    proxy.addRule({
      fault: { kind: 'corrupt-request' },
      failNext: 1,
      match: (r) => r.method === 'PUT' && r.url.includes('upload_id='),
    });
    const data = randomBytes(3 * MiB + 7);
    const err = await expectFsError(
      viaProxy(0).pipeFile(`${root}/flipped.bin`, chunked(data, 700_000)),
      'Unexpected',
      'EIO',
    );
    expect(err.temporary).to.equal(true);
    expect(err.message).to.match(/stored with other bytes than were sent; the object was removed$/);
    expect(proxy.counters.corruptions).to.equal(1);
    expect(seen.filter((r) => r.method === 'DELETE' && r.url.includes('/o/'))).to.have.length(1);
    expect(await direct.exists(`${root}/flipped.bin`)).to.equal(false);
  });

  describe('simple uploads', function () {
    const isUpload = (r: { method: string; url: string }): boolean =>
      r.method === 'POST' && r.url.startsWith('/upload/');

    it('writes a small object as one multipart POST that GCS stores as the SDK would: type, metadata, MD5', async function () {
      const { fs: direct, root } = store;
      const text = '{"a": 1}';
      await viaProxy(0).pipeFile(`${root}/doc.json`, text);
      const uploads = seen.filter(isUpload);
      expect(uploads).to.have.length(1);
      expect(uploads[0]!.url).to.match(/[?&]uploadType=multipart(&|$)/);
      // The SDK's own simple upload of the same bytes, for comparison.
      const sdk = await savedBySdk(direct, root, 'sdk.json', text, false);
      const lean = await direct.info(`${root}/doc.json`);
      expect(lean.contentType).to.equal('application/json');
      expect(lean).to.deep.include({ contentType: sdk.contentType, md5Hash: sdk.md5Hash, size: sdk.size });
      expect(lean.md5Hash).to.equal(createHash('md5').update(text).digest('base64'));
      await viaProxy(0).pipeFile(`${root}/blob`, 'x');
      expect((await direct.info(`${root}/blob`)).contentType).to.equal('application/octet-stream');
    });

    it('is refused by GCS when its bytes are damaged on the way: nothing stored, a temporary error', async function () {
      const { proxy } = faults;
      const { fs: direct, root } = store;
      // A byte of the data flipped (the multipart head before it is well under 1,000 bytes).
      proxy.addRule({ fault: { kind: 'corrupt-request', at: 40_000 }, failNext: 1, match: isUpload });
      const data = randomBytes(100_000);
      const err = await expectFsError(viaProxy(0).pipeFile(`${root}/damaged.bin`, data), 'Unexpected');
      expect(err.temporary).to.equal(true);
      // CRC32C where @node-rs/crc32 loads, else MD5.
      expect(err.message).to.match(/(CRC32C|MD5 hash) .*doesn't match/);
      expect(proxy.counters.corruptions).to.equal(1);
      expect(await direct.exists(`${root}/damaged.bin`)).to.equal(false);
      // Sent again, the bytes arrive whole.
      await viaProxy(0).pipeFile(`${root}/damaged.bin`, data);
      expect(sha256(await direct.catFile(`${root}/damaged.bin`))).to.equal(sha256(data));
    });

    it('checks with MD5 where @node-rs/crc32 does not load: damaged bytes refused, whole ones stored', async function () {
      const { proxy } = faults;
      const { fs: direct, root } = store;
      // A process where the native CRC32C cannot load: simple and resumable uploads declare MD5.
      const script = [
        "const Module = require('node:module');",
        'const load = Module._load;',
        "Module._load = function (name, ...rest) { if (name === '@node-rs/crc32') throw new Error('no binary'); return load.call(this, name, ...rest); };",
        "const { filesystem } = require('@omnifs/core'); require('@omnifs/gcs');",
        "const fs = filesystem('gcs', { apiEndpoint: process.env.EP, projectId: process.env.PROJECT, skipInstanceCache: true, partSize: 1024 * 1024 });",
        "const data = require('node:crypto').randomBytes(100000);",
        '(async () => {',
        "  const damaged = await fs.pipeFile(process.env.TARGET, data).then(() => 'stored', (err) => `${err.kind} ${err.temporary} ${err.message}`);",
        '  await fs.pipeFile(process.env.TARGET, data);',
        "  const big = Buffer.alloc(3 * 1024 * 1024 + 5, 7); await fs.pipeFile(process.env.TARGET + '.big', big);",
        "  const hash = (b) => require('node:crypto').createHash('sha256').update(b).digest('hex');",
        '  console.log(JSON.stringify({ damaged, sent: hash(data), bigSent: hash(big) }));',
        '})().catch((err) => { console.error(err); process.exit(1); });',
      ].join('\n');
      proxy.addRule({ fault: { kind: 'corrupt-request', at: 40_000 }, failNext: 1, match: isUpload });
      const { stdout } = await runNode(['-e', script], {
        EP: proxy.url,
        PROJECT: gcs.info.projectId,
        TARGET: `${root}/md5.bin`,
      });
      const out = JSON.parse(stdout) as { damaged: string; sent: string; bigSent: string };
      expect(out.damaged).to.match(/^Unexpected true .*MD5 hash .*doesn't match/);
      expect(proxy.counters.corruptions).to.equal(1);
      expect(sha256(await direct.catFile(`${root}/md5.bin`))).to.equal(out.sent);
      expect(sha256(await direct.catFile(`${root}/md5.bin.big`))).to.equal(out.bigSent);
      // The 3 MiB write went as a resumable session (partSize 1 MiB), checked with MD5 as it was sent.
      expect(seen.some((r) => r.method === 'PUT' && r.url.includes('upload_id='))).to.equal(true);
    });

    it('retries an exclusive create past a 503 as retryOptions say, and an overwrite not at all', async function () {
      const { proxy } = faults;
      const { fs: direct, root } = store;
      proxy.addRule({ fault: UNAVAILABLE, failNext: 1, match: isUpload });
      await viaProxy(2).pipeFile(`${root}/once.txt`, 'created', { mode: 'create' });
      expect(seen.filter(isUpload)).to.have.length(2);
      expect(await direct.readText(`${root}/once.txt`)).to.equal('created');
      seen.length = 0;
      proxy.addRule({ fault: UNAVAILABLE, failNext: 1, match: isUpload });
      const err = await expectFsError(viaProxy(2).pipeFile(`${root}/once.txt`, 'replaced'), 'RateLimited');
      expect(err.temporary).to.equal(true);
      expect(seen.filter(isUpload)).to.have.length(1);
      expect(await direct.readText(`${root}/once.txt`)).to.equal('created');
    });

    it('removes an object stored with other bytes than were sent, and fails with a temporary error', async function () {
      const { proxy } = faults;
      const { root } = store;
      const [bucket = '', ...prefix] = root.split('/');
      // A server that answers with the checksums of other bytes, as if it had stored them.
      const stored = {
        bucket,
        name: [...prefix, 'odd.txt'].join('/'),
        generation: '1234',
        md5Hash: 'AAAAAAAAAAAAAAAAAAAAAA==',
        crc32c: 'AAAAAA==',
      };
      proxy.addRule({
        fault: {
          kind: 'status',
          status: 200,
          body: JSON.stringify(stored),
          headers: { 'content-type': 'application/json' },
        },
        failNext: 1,
        match: isUpload,
      });
      const err = await expectFsError(viaProxy(0).pipeFile(`${root}/odd.txt`, 'sent'), 'Unexpected', 'EIO');
      expect(err.temporary).to.equal(true);
      expect(err.message).to.match(
        /the object was stored with (CRC32C AAAAAA==|MD5 AAAAAAAAAAAAAAAAAAAAAA==), not the \S+ of the bytes sent; it was removed$/,
      );
      const removal = seen.filter((r) => r.method === 'DELETE');
      expect(removal).to.have.length(1);
      expect(removal[0]!.url).to.match(/[?&]ifGenerationMatch=1234(&|$)/);
    });
  });

  describe('metadata, listings and single deletes, sent by omnifs', function () {
    const isJson = (r: SeenRequest): boolean => r.kind === 'json';
    const objectUrl = (path: string): string => {
      const [bucket = '', ...key] = path.split('/');
      return `/storage/v1/b/${bucket}/o/${encodeURIComponent(key.join('/'))}`;
    };

    it('reads metadata with one objects.get, a missing path with one more one-entry objects.list, a level with one objects.list', async function () {
      const { fs: direct, root } = store;
      await direct.writeText(`${root}/dir/m.txt`, 'metadata');
      const fs = viaProxy(0);
      const info = await fs.info(`${root}/dir/m.txt`);
      expect(info).to.deep.include({ name: `${root}/dir/m.txt`, size: 8, type: 'file', contentType: 'text/plain' });
      expect(info.generation).to.match(/^\d+$/);
      expect(seen.map((r) => [r.method, r.url.split('?')[0]])).to.deep.equal([['GET', objectUrl(`${root}/dir/m.txt`)]]);
      seen.length = 0;
      expect(await fs.exists(`${root}/dir/none`)).to.equal(false);
      expect(seen.map((r) => r.method)).to.deep.equal(['GET', 'GET']);
      expect(seen[0]!.url.split('?')[0]).to.equal(objectUrl(`${root}/dir/none`));
      expect(seen[1]!.url).to.match(/\/o\?.*maxResults=1(&|$)/);
      seen.length = 0;
      expect(await fs.ls(`${root}/dir`)).to.deep.equal([`${root}/dir/m.txt`]);
      expect(seen.map((r) => r.method)).to.deep.equal(['GET']);
      expect(seen[0]!.url).to.match(/\/o\?.*delimiter=%2F/);
      expect(seen[0]!.url).to.not.include('maxResults');
      await expectFsError(fs.info(`${root}/dir/none`), 'NotFound', 'ENOENT');
    });

    it('reads a bucket with one buckets.get: a directory with its creation time; a missing one is NotFound', async function () {
      const { root } = store;
      const [bucket = ''] = root.split('/');
      const fs = viaProxy(0);
      const info = await fs.info(bucket);
      expect(info).to.deep.include({ name: bucket, type: 'directory' });
      expect(info.mtime).to.be.instanceOf(Date);
      expect(seen.map((r) => [r.method, r.url.split('?')[0]])).to.deep.equal([['GET', `/storage/v1/b/${bucket}`]]);
      await expectFsError(fs.info(`${bucket}-missing`), 'NotFound', 'ENOENT');
    });

    it('retries a metadata read past a 503 as retryOptions say, and not at all with autoRetry off', async function () {
      const { proxy } = faults;
      const { fs: direct, root } = store;
      await direct.writeText(`${root}/busy.txt`, 'x');
      const isObjectGet = (r: { method: string; url: string }): boolean =>
        r.method === 'GET' && r.url.startsWith(objectUrl(`${root}/busy.txt`)) && !r.url.includes('alt=media');
      proxy.addRule({ fault: UNAVAILABLE, failNext: 1, match: isObjectGet });
      expect((await viaProxy(2).info(`${root}/busy.txt`)).size).to.equal(1);
      expect(seen.filter(isObjectGet)).to.have.length(2);
      seen.length = 0;
      proxy.addRule({ fault: UNAVAILABLE, failNext: 1, match: isObjectGet });
      const err = await expectFsError(viaProxy(0).info(`${root}/busy.txt`), 'RateLimited');
      expect(err.temporary).to.equal(true);
      expect(seen.filter(isObjectGet)).to.have.length(1);
    });

    it('maps a refused metadata read to PermissionDenied with the service message', async function () {
      const { proxy } = faults;
      const { fs: direct, root } = store;
      await direct.writeText(`${root}/secret.txt`, 'x');
      proxy.addRule({
        fault: {
          kind: 'status',
          status: 403,
          body: '{"error":{"code":403,"message":"caller has no storage.objects.get access","errors":[{"reason":"forbidden"}]}}',
          headers: { 'content-type': 'application/json' },
        },
        failNext: 1,
        match: (r) => r.method === 'GET' && !r.url.includes('alt=media'),
      });
      const err = await expectFsError(viaProxy(2).info(`${root}/secret.txt`), 'PermissionDenied', 'EACCES');
      expect(err.message).to.include('caller has no storage.objects.get access');
      expect(seen.filter(isJson)).to.have.length(1);
    });

    it('stops waiting for a metadata read when the signal aborts', async function () {
      const { proxy } = faults;
      const { fs: direct, root } = store;
      await direct.writeText(`${root}/slow.txt`, 'x');
      proxy.addRule({ fault: { kind: 'delay', ms: 5000 }, failNext: 1, match: (r) => r.method === 'GET' });
      const started = Date.now();
      await expectFsError(viaProxy(0).info(`${root}/slow.txt`, { signal: AbortSignal.timeout(100) }), 'Aborted');
      expect(Date.now() - started).to.be.lessThan(3000);
    });

    it('removes one file with one DELETE, retried past a 503 only under RetryAlways', async function () {
      const { proxy } = faults;
      const { fs: direct, root } = store;
      await direct.writeText(`${root}/gone.txt`, 'x');
      const isDelete = (r: { method: string }): boolean => r.method === 'DELETE';
      proxy.addRule({ fault: UNAVAILABLE, failNext: 1, match: isDelete });
      await expectFsError(viaProxy(2).rmFile(`${root}/gone.txt`), 'RateLimited');
      expect(seen.filter(isDelete)).to.have.length(1);
      expect(await direct.exists(`${root}/gone.txt`)).to.equal(true);
      seen.length = 0;
      proxy.addRule({ fault: UNAVAILABLE, failNext: 1, match: isDelete });
      const always = makeFs(gcs.info, {
        apiEndpoint: faults.proxy.url,
        storageOptions: {
          retryOptions: { maxRetries: 2, maxRetryDelay: 1, idempotencyStrategy: IdempotencyStrategy.RetryAlways },
        },
      });
      await always.rmFile(`${root}/gone.txt`);
      expect(seen.filter(isDelete).map((r) => r.url.split('?')[0])).to.deep.equal([
        objectUrl(`${root}/gone.txt`),
        objectUrl(`${root}/gone.txt`),
      ]);
      expect(seen.filter((r) => r.url.startsWith('/batch/'))).to.have.length(0);
      expect(await direct.exists(`${root}/gone.txt`)).to.equal(false);
    });
  });

  describe('server-side copies (objects.rewrite) aborted while in progress', function () {
    const isRewrite = (r: { method: string; url: string }): boolean =>
      r.method === 'POST' && r.url.includes('/rewriteTo/');
    const rewrites = (): SeenRequest[] => seen.filter(isRewrite);
    /** GCS's answer to a rewrite call that copied part of the object: call again with the token. */
    const NOT_DONE = answer(200, {
      kind: 'storage#rewriteResponse',
      totalBytesRewritten: '1048576',
      objectSize: '3145739',
      done: false,
      rewriteToken: 'token-1',
    });

    /**
     * `cp` or `mv` of a 3 MiB object through the proxy, the signal aborted as the first
     * rewrite call reaches the proxy (`fault` then answers it), or with `'answered'` once
     * the service's answer to it is back at the proxy, just before it is passed on (so the
     * answer comes within the grace however loaded the machine): how the call ended, how
     * long after the abort, and the source and target as the store has them once any
     * rewrite still running has had time to finish.
     */
    async function abortAtRewrite(
      op: 'cp' | 'mv',
      fault: Fault | 'answered',
    ): Promise<{ error: unknown; afterAbortMs: number; src: boolean; dst: string | undefined }> {
      const { proxy } = faults;
      const { fs: direct, root } = store;
      const data = randomBytes(3 * MiB + 11);
      await direct.pipeFile(`${root}/src.bin`, data);
      const controller = new AbortController();
      let abortAt = Infinity;
      const abort = (): void => {
        abortAt = Date.now();
        controller.abort();
      };
      if (fault === 'answered')
        proxy.addRule({ fault: { kind: 'before-answer', run: abort }, failNext: 1, match: isRewrite });
      else
        proxy.addRule({
          fault,
          failNext: 1,
          match: (r) => {
            if (isRewrite(r)) abort();
            return isRewrite(r);
          },
        });
      const fs = viaProxy(0);
      const error = await fs[op](`${root}/src.bin`, `${root}/dst.bin`, { signal: controller.signal }).then(
        () => undefined,
        (e: unknown) => e,
      );
      const afterAbortMs = Date.now() - abortAt;
      expect(controller.signal.aborted).to.equal(true);
      // Long enough for a rewrite the client left running (the SDK's next call, a delayed answer) to land.
      await new Promise((r) => setTimeout(r, 500));
      const copied = await direct.cat(`${root}/dst.bin`).then(
        (b) => sha256(b),
        () => undefined,
      );
      expect(copied === undefined || copied === sha256(data), 'a partial copy').to.equal(true);
      return { error, afterAbortMs, src: await direct.exists(`${root}/src.bin`), dst: copied };
    }

    it('resolves a cp whose one rewrite call the service finished within the grace: the copy is there', async function () {
      const { error, dst } = await abortAtRewrite('cp', 'answered');
      expect(error).to.equal(undefined);
      expect(dst).to.be.a('string');
      expect(rewrites()).to.have.length(1);
    });

    it('keeps the source of a mv aborted once its copy was finished, and says it was aborted', async function () {
      const { error, src, dst } = await abortAtRewrite('mv', 'answered');
      await expectFsError(Promise.reject(error), 'Aborted', 'ABORT_ERR');
      expect({ src, copied: dst !== undefined }).to.deep.equal({ src: true, copied: true });
    });

    it('sends no further rewrite call once the signal aborted, and creates nothing (cp and mv)', async function () {
      for (const op of ['cp', 'mv'] as const) {
        seen.length = 0;
        const { error, src, dst } = await abortAtRewrite(op, NOT_DONE);
        const err = await expectFsError(Promise.reject(error), 'Aborted', 'ABORT_ERR');
        expect(err.message, op).to.not.contain('may have carried it out');
        expect(rewrites(), op).to.have.length(1);
        expect({ src, dst }, op).to.deep.equal({ src: true, dst: undefined });
      }
    });

    it('ends after the grace, not at the answer, saying the service may have copied it; a mv keeps its source', async function () {
      for (const op of ['cp', 'mv'] as const) {
        const { error, afterAbortMs, src } = await abortAtRewrite(op, { kind: 'delay', ms: 1_000 });
        const err = await expectFsError(Promise.reject(error), 'Aborted', 'ABORT_ERR');
        expect(err.message, op).to.contain('after the request was sent: the service may have carried it out');
        // The grace is 50 ms; the bound leaves room for a loaded machine, not for the answer.
        expect(afterAbortMs, op).to.be.below(500);
        // Whether the copy landed is the service's affair (here the proxy dropped the call); the source stays.
        expect(src, op).to.equal(true);
      }
    });

    it('copies call after call with the rewrite token until the service says done', async function () {
      const { proxy } = faults;
      const { fs: direct, root } = store;
      await direct.writeText(`${root}/a.txt`, 'rewritten');
      const generation = (await direct.info(`${root}/a.txt`)).etag;
      proxy.addRule({ fault: NOT_DONE, failNext: 1, match: isRewrite });
      await viaProxy(0).cp(`${root}/a.txt`, `${root}/b.txt`);
      expect(await direct.readText(`${root}/b.txt`)).to.equal('rewritten');
      const queries = rewrites().map((r) => Object.fromEntries(new URL(r.url, 'http://x').searchParams));
      expect(queries).to.deep.equal([
        { sourceGeneration: generation },
        { sourceGeneration: generation, rewriteToken: 'token-1' },
      ]);
    });
  });

  it('deletes many objects with batch requests of 100 deletes, none one by one', async function () {
    const { fs: direct, root } = store;
    const files = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`${root}/many/f${i}`, `${i}`]));
    await direct.pipe(files, undefined, { batchSize: 32 });
    seen.length = 0;
    await viaProxy(0).rm(`${root}/many`, { recursive: true });
    expect(seen.filter((r) => r.method === 'POST' && r.url.startsWith('/batch/storage/v1'))).to.have.length(2);
    expect(seen.filter((r) => r.method === 'DELETE')).to.have.length(0);
    expect(await direct.find(root)).to.deep.equal([]);
  });

  it('reports the objects a batch could not delete, from the answers of the batch request', async function () {
    const { proxy } = faults;
    const { fs: direct, root } = store;
    await direct.pipe({ [`${root}/d/a`]: 'a', [`${root}/d/b`]: 'b', [`${root}/d/c`]: 'c', [`${root}/d/e`]: 'e' });
    const forbidden =
      '{"error":{"code":403,"message":"no storage.objects.delete access","errors":[{"reason":"forbidden"}]}}';
    const answer = (id: number, status: number, body = ''): string =>
      `--b0\r\nContent-Type: application/http\r\nContent-ID: <response-${id}>\r\n\r\n` +
      `HTTP/1.1 ${status} X\r\nContent-Type: application/json\r\n\r\n${body}\r\n`;
    proxy.addRule({
      fault: {
        kind: 'status',
        status: 200,
        body: `${answer(1, 204)}${answer(2, 403, forbidden)}${answer(3, 403, forbidden)}${answer(4, 404)}--b0--\r\n`,
        headers: { 'content-type': 'multipart/mixed; boundary=b0' },
      },
      failNext: 1,
      match: (r) => r.method === 'POST' && r.url.startsWith('/batch/storage/v1'),
    });
    const err = (await viaProxy(0)
      .rm(`${root}/d`, { recursive: true })
      .then(
        () => undefined,
        (e: unknown) => e,
      )) as GCSDeleteError | undefined;
    expect(err).to.be.instanceOf(GCSDeleteError);
    expect(err!.kind).to.equal('PermissionDenied');
    expect(err!.failed.map((f) => [f.path, f.code])).to.deep.equal([
      [`${root}/d/b`, 'forbidden'],
      [`${root}/d/c`, 'forbidden'],
    ]);
    expect(err!.message).to.contain('could not delete 2 of 4 objects');
    await viaProxy(0).rm(`${root}/d`, { recursive: true }); // the service answers for itself again
    expect(await direct.find(root)).to.deep.equal([]);
  });
});
