/** The fault proxy in front of the real servers: SDK retries through it, WebHDFS redirects via it. */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { freshName, useServer } from '../servers';
import { startFaultProxy, type FaultProxy } from './proxy';

describe('faults: proxy in front of moto', function () {
  const s3 = useServer('s3');
  let proxy: FaultProxy;
  before(async function () {
    proxy = await startFaultProxy({ target: s3.info.endpoint, seed: 3 });
  });
  after(async function () {
    await proxy?.close();
  });

  it('lets the AWS SDK retry past SlowDown and a reset, ending byte-exact', async function () {
    const client = new S3Client({ ...s3.info, endpoint: proxy.url, maxAttempts: 4 });
    const bucket = freshName();
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    const data = randomBytes(256 * 1024);
    proxy.addRule({ fault: { kind: 'slowdown' }, failNext: 1, match: (r) => r.method === 'PUT' });
    proxy.addRule({ fault: { kind: 'reset' }, failNext: 1, match: (r) => r.method === 'PUT' });
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: data }));
    const back = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    expect(Buffer.from(await back.Body!.transformToByteArray()).equals(data)).to.equal(true);
    expect(proxy.counters).to.include({ slowdowns: 1, resets: 1 });
    client.destroy();
  });
});

describe('faults: proxy in front of WebHDFS', function () {
  const hdfs = useServer('hdfs');
  let proxy: FaultProxy;
  before(async function () {
    proxy = await startFaultProxy({ target: hdfs.info.namenodeUrl, rewriteRedirects: 'loopback' });
  });
  after(async function () {
    await proxy?.close();
  });

  it('routes the datanode redirect through itself, so a two-step CREATE works with fetch', async function () {
    const path = `/webhdfs/v1/${freshName()}/f.bin?user.name=${hdfs.info.user}`;
    const step1 = await fetch(`${proxy.url}${path}&op=CREATE`, { method: 'PUT', redirect: 'manual' });
    const loc = step1.headers.get('location')!;
    expect(loc.startsWith(`${proxy.url}/__via/127.0.0.1:`)).to.equal(true);
    const data = randomBytes(100_000);
    // Through the proxy the datanode's unsolicited 100 Continue is not forwarded.
    const step2 = await fetch(loc, { method: 'PUT', body: data });
    expect(step2.status).to.equal(201);
    const back = await fetch(`${proxy.url}${path}&op=OPEN`);
    expect(Buffer.from(await back.arrayBuffer()).equals(data)).to.equal(true);
  });
});
