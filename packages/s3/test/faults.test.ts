/** S3 through the fault proxy: every transfer ends byte-exact or with a clear error, never short. */
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { FsError } from '@omnifs/core';
import { startFaultProxy, type FaultProxy } from '../../../test/faults/proxy';
import { cutDownloadTests } from '../../../test/faults/downloads';
import { S3DeleteError, type S3FileSystem } from '@omnifs/s3';
import { freshBucket, irregularChunks, makeFs, openUploads, useS3 } from './helpers';

const MiB = 1024 * 1024;
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('s3: faults', function () {
  this.timeout(120_000);
  const s3 = useS3();
  let proxy: FaultProxy;
  let direct: S3FileSystem;
  let root: string;

  before(async function () {
    proxy = await startFaultProxy({ target: s3.info.endpoint, seed: 7 });
    direct = makeFs(s3.info);
  });
  after(async function () {
    await proxy?.close();
  });
  beforeEach(async function () {
    proxy.clearRules();
    proxy.resetCounters();
    root = await freshBucket(s3.info, direct);
  });

  const viaProxy = (maxAttempts: number): S3FileSystem =>
    makeFs(s3.info, { endpoint: proxy.url, maxAttempts, partSize: 5 * MiB });

  it('retries past SlowDown, 500 and resets during a multipart upload and ends byte-exact', async function () {
    const fs = viaProxy(6);
    proxy.addRule({ fault: { kind: 'slowdown' }, rate: 0.15 });
    proxy.addRule({ fault: { kind: 'status', status: 500 }, rate: 0.1 });
    proxy.addRule({ fault: { kind: 'reset' }, rate: 0.05 });
    const data = randomBytes(21 * MiB);
    await fs.pipeFile(`${root}/flaky.bin`, irregularChunks(data));
    proxy.clearRules();
    expect(proxy.counters.slowdowns + proxy.counters.statuses + proxy.counters.resets).to.be.greaterThan(0);
    expect(sha(await direct.catFile(`${root}/flaky.bin`))).to.equal(sha(data));
    expect(await openUploads(direct.client, root)).to.deep.equal([]);
  });

  cutDownloadTests({
    proxy: () => proxy,
    direct: () => direct,
    viaProxy: () => viaProxy(3),
    root: () => root,
    size: 12 * MiB,
    cutAfter: MiB,
    isDownload: (r) => r.method === 'GET',
    code: 'ECONNRESET',
  });

  it('gives up on persistent 503s with a temporary RateLimited error', async function () {
    await direct.writeText(`${root}/busy.txt`, 'x');
    const fs = viaProxy(2);
    proxy.addRule({ fault: { kind: 'slowdown' } });
    const err = await fs.readText(`${root}/busy.txt`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(FsError);
    expect(err).to.include({ kind: 'RateLimited', temporary: true, code: 'EAGAIN' });
    expect(proxy.counters.slowdowns).to.equal(2);
  });

  it('reports the keys a DeleteObjects request could not delete', async function () {
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

  it('aborts the multipart upload when completing it fails for good', async function () {
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
