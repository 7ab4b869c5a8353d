/** S3 through the fault proxy: every transfer ends byte-exact or with a clear error, never short. */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { FsError } from '@omnifs/core';
import { currentSignal } from '@omnifs/core/backend';
import { CreateMultipartUploadCommand } from '@aws-sdk/client-s3';
import { startFaultProxy } from '../../../test/faults/proxy';
import { flakyUploadTest, throttledReadTest, useFaultProxy } from '../../../test/faults/stores';
import { cutDownloadTests, ignoredRangeTests } from '../../../test/faults/downloads';
import { S3DeleteError, type S3FileSystem } from '@omnifs/s3';
import { irregularChunks, leanFromEnv, makeFs, openUploads, useS3, useBucket } from './helpers';

const MiB = 1024 * 1024;

describe('s3: faults', function () {
  this.timeout(120_000);
  const s3 = useS3();
  const faults = useFaultProxy(async () => ({ proxy: await startFaultProxy({ target: s3.info.endpoint, seed: 7 }) }));
  const store = useBucket();
  const target = { faults, store, throttle: { kind: 'slowdown' } } as const;

  const viaProxy = (maxAttempts: number): S3FileSystem =>
    makeFs(s3.info, { endpoint: faults.proxy.url, maxAttempts, partSize: 5 * MiB });

  flakyUploadTest(target, {
    what: 'multipart upload',
    viaProxy: () => viaProxy(6),
    size: 21 * MiB,
    body: irregularChunks,
    pending: () => openUploads(store.fs.client, store.root),
  });

  cutDownloadTests({
    proxy: () => faults.proxy,
    direct: () => store.fs,
    viaProxy: () => viaProxy(3),
    root: () => store.root,
    size: 12 * MiB,
    cutAfter: MiB,
    isDownload: (r) => r.method === 'GET',
    code: 'ECONNRESET',
    // The lean path reads each part of a get whole into its buffer; the SDK path streams it.
    partsRetried: leanFromEnv().leanRequests !== false,
  });

  ignoredRangeTests({
    proxy: () => faults.proxy,
    direct: () => store.fs,
    viaProxy: () => viaProxy(3),
    root: () => store.root,
    size: 12 * MiB,
  });

  throttledReadTest(target, { viaProxy: () => viaProxy(2), attempts: 2 });

  it('reports the keys a DeleteObjects request could not delete', async function () {
    const { proxy } = faults;
    const { fs: direct, root } = store;
    const [bucket, ...rest] = root.split('/');
    const prefix = rest.length > 0 ? `${rest.join('/')}/` : '';
    await direct.pipe({ [`${root}/d/a`]: 'a', [`${root}/d/b`]: 'b', [`${root}/d/c`]: 'c' });
    const fs = viaProxy(1);
    const body =
      `<?xml version="1.0" encoding="UTF-8"?><DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
      `<Deleted><Key>${prefix}d/a</Key></Deleted>` +
      `<Error><Key>${prefix}d/b</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>` +
      `<Error><Key>${prefix}d/c</Key><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error></DeleteResult>`;
    proxy.addRule({
      fault: { kind: 'status', status: 200, body, headers: { 'content-type': 'application/xml' } },
      failNext: 1,
      match: (r) => r.method === 'POST' && /[?&]delete/.test(r.url),
    });
    const err = (await fs.rm(`${root}/d`, { recursive: true }).then(
      () => undefined,
      (e: unknown) => e,
    )) as S3DeleteError | undefined;
    expect(err).to.be.instanceOf(S3DeleteError);
    expect(err!.kind).to.equal('PermissionDenied');
    expect(err!.failed.map((f) => [f.path, f.code])).to.deep.equal([
      [`${bucket}/${prefix}d/b`, 'AccessDenied'],
      [`${bucket}/${prefix}d/c`, 'InternalError'],
    ]);
    expect(err!.message).to.contain('could not delete 2 of 3 objects').and.contain(`${prefix}d/b (AccessDenied)`);
  });

  // S3 sends a completion's 200 before it knows the outcome; a failure then comes as an error document.
  const internalError =
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InternalError</Code>' +
    '<Message>We encountered an internal error. Please try again.</Message></Error>';

  it('completes a multipart upload whose completion first answers 200 with an error inside', async function () {
    const { proxy } = faults;
    const { fs: direct, root } = store;
    proxy.addRule({
      fault: { kind: 'status', status: 200, body: internalError, headers: { 'content-type': 'application/xml' } },
      failNext: 1,
      match: (r) => r.method === 'POST' && /uploadId=/.test(r.url),
    });
    const data = randomBytes(11 * MiB + 3);
    await viaProxy(3).pipeFile(`${root}/second.bin`, irregularChunks(data));
    proxy.clearRules();
    expect(proxy.counters.statuses).to.be.at.least(1);
    expect(Buffer.compare(await direct.cat(`${root}/second.bin`), data)).to.equal(0);
    expect(await openUploads(direct.client, root)).to.deep.equal([]);
  });

  it('never reports a completion answered 200 with an error inside as written', async function () {
    const { proxy } = faults;
    const { fs: direct, root } = store;
    proxy.addRule({
      fault: { kind: 'status', status: 200, body: internalError, headers: { 'content-type': 'application/xml' } },
      match: (r) => r.method === 'POST' && /uploadId=/.test(r.url),
    });
    const err = await viaProxy(2)
      .pipeFile(`${root}/failed.bin`, irregularChunks(randomBytes(11 * MiB)))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    proxy.clearRules();
    expect(err).to.be.instanceOf(FsError);
    expect((err as FsError).message).to.contain('We encountered an internal error');
    expect(await openUploads(direct.client, root)).to.deep.equal([]);
    expect(await direct.exists(`${root}/failed.bin`)).to.equal(false);
  });

  for (const maxAttempts of [1, 3]) {
    it(`reports a multipart upload written when the answer to its completion is lost (maxAttempts ${maxAttempts})`, async function () {
      const { proxy } = faults;
      const { fs: direct, root } = store;
      proxy.addRule({
        fault: { kind: 'lose-answer' },
        failNext: 1,
        match: (r) => r.method === 'POST' && /uploadId=/.test(r.url),
      });
      const data = randomBytes(11 * MiB + 5);
      await viaProxy(maxAttempts).pipeFile(`${root}/lost-${maxAttempts}.bin`, irregularChunks(data));
      proxy.clearRules();
      expect(proxy.counters.lostAnswers).to.equal(1);
      expect(Buffer.compare(await direct.cat(`${root}/lost-${maxAttempts}.bin`), data)).to.equal(0);
      expect(await openUploads(direct.client, root)).to.deep.equal([]);
    });
  }

  it('aborts the upload when the signal aborts while CreateMultipartUpload is answered', async function () {
    const { fs: direct, root } = store;
    const fs = makeFs(s3.info, { partSize: 5 * MiB });
    // The service starts the upload; its answer is slow, and lost to a request the signal cut.
    const send = fs.client.send.bind(fs.client) as (c: unknown, o?: { abortSignal?: AbortSignal }) => Promise<unknown>;
    (fs.client as { send: unknown }).send = async (command: unknown, options?: { abortSignal?: AbortSignal }) => {
      const answer = await send(command, options);
      if (!(command instanceof CreateMultipartUploadCommand)) return answer;
      const signal = options?.abortSignal ?? currentSignal();
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, 300);
        signal?.addEventListener('abort', () => (clearTimeout(timer), reject(new Error('cut'))), { once: true });
      });
      return answer;
    };
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const err = await fs
      .pipeFile(`${root}/started.bin`, irregularChunks(randomBytes(11 * MiB)), { signal: controller.signal })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).to.be.instanceOf(FsError).and.include({ kind: 'Aborted' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await openUploads(direct.client, root)).to.deep.equal([]);
    expect(await direct.exists(`${root}/started.bin`)).to.equal(false);
  });

  it('aborts the multipart upload when completing it fails for good', async function () {
    const { proxy } = faults;
    const { fs: direct, root } = store;
    const fs = viaProxy(1);
    proxy.addRule({
      fault: { kind: 'status', status: 500 },
      match: (r) => r.method === 'POST' && /uploadId=/.test(r.url),
    });
    const err = await fs.pipeFile(`${root}/never.bin`, irregularChunks(randomBytes(11 * MiB))).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(FsError);
    expect((err as FsError).temporary).to.equal(true);
    proxy.clearRules();
    expect(await openUploads(direct.client, root)).to.deep.equal([]);
    expect(await direct.exists(`${root}/never.bin`)).to.equal(false);
  });
});
