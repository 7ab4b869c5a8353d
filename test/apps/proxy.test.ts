/**
 * An app behind a company proxy: the packed packages installed outside the workspace, run
 * with `HTTP_PROXY` set, each store named by a host only the proxy reaches: a name only it
 * resolves (GCS, HDFS), or 127.0.0.2, where nothing listens (the S3 and Azure emulators
 * read a host name as a bucket or account, an address as path style). Every request,
 * omnifs's own and the SDK's, has to go through the proxy for the work to be done.
 */
import { expect } from 'chai';
import { freshName, useServer } from '../servers/index';
import { startHttpProxy, type HttpProxy } from '../servers/http-proxy';
import { type App, makeApp } from './app';

/** Makes a directory, writes, copies, lists, reads and removes; prints the outcome as JSON. */
const ROUNDTRIP = `import { filesystem } from '@omnifs/core';
const [protocol, json, dir] = process.argv.slice(2);
try {
  const fs = filesystem(protocol, JSON.parse(json));
  await fs.makedirs(dir, { existOk: true });
  await fs.writeText(dir + '/a.txt', 'hello');
  await fs.cp(dir + '/a.txt', dir + '/b.txt');
  const names = (await fs.ls(dir)).map((p) => p.slice(p.lastIndexOf('/') + 1));
  const text = await fs.readText(dir + '/b.txt');
  await fs.rm(dir, { recursive: true });
  console.log(JSON.stringify({ names, text }));
} catch (err) {
  console.log(JSON.stringify({ error: err.message, code: err.code }));
}
`;

/** `url` with its host replaced by `host`. */
const renamed = (url: string, host: string): string => {
  const u = new URL(url);
  u.hostname = host;
  return u.toString().replace(/\/$/, '');
};

describe('an app behind an HTTP proxy (HTTP_PROXY)', function () {
  this.timeout(300_000);
  const s3 = useServer('s3');
  const gcs = useServer('gcs');
  const azure = useServer('azure');
  const hdfs = useServer('hdfs');
  let app: App;
  let proxy: HttpProxy;
  const hosts = { '127.0.0.2': '127.0.0.1', 'gcs.test': '127.0.0.1', 'hdfs.test': '127.0.0.1' };

  before(async () => {
    proxy = await startHttpProxy({ hosts });
    app = await makeApp({
      packages: ['@omnifs/core', '@omnifs/s3', '@omnifs/gcs', '@omnifs/azure', '@omnifs/hdfs'],
      files: { 'roundtrip.mjs': ROUNDTRIP },
    });
  });
  after(async () => {
    app?.remove();
    await proxy?.stop();
  });

  const run = async (protocol: string, options: object, dir: string, env: Record<string, string>) => {
    const r = await app.run('roundtrip.mjs', { env, args: [protocol, JSON.stringify(options), dir] });
    expect(r.code, r.stderr).to.equal(0);
    return JSON.parse(r.stdout) as { names?: string[]; text?: string; error?: string; code?: string };
  };

  const stores: Array<[string, string, () => object, () => string]> = [
    [
      's3',
      '127.0.0.2',
      () => ({
        endpoint: renamed(s3.info.endpoint, '127.0.0.2'),
        forcePathStyle: true,
        region: s3.info.region,
        credentials: s3.info.credentials,
      }),
      () => freshName('proxied'),
    ],
    [
      'gs',
      'gcs.test',
      () => ({ apiEndpoint: renamed(gcs.info.apiEndpoint, 'gcs.test'), projectId: gcs.info.projectId }),
      () => freshName('proxied'),
    ],
    [
      'az',
      '127.0.0.2',
      () => ({
        accountName: azure.info.accountName,
        accountKey: azure.info.accountKey,
        accountUrl: renamed(azure.info.blobEndpoint, '127.0.0.2'),
      }),
      () => freshName('proxied'),
    ],
    [
      'hdfs',
      'hdfs.test',
      () => ({ url: renamed(hdfs.info.namenodeUrl, 'hdfs.test'), user: hdfs.info.user }),
      () => `/${freshName('proxied')}`,
    ],
  ];

  for (const [protocol, host, options, dir] of stores) {
    it(`${protocol}: every request goes through the proxy, and the work is done`, async () => {
      const before = proxy.log.length;
      const out = await run(protocol, options(), dir(), { HTTP_PROXY: proxy.url });
      expect(out).to.deep.equal({ names: ['a.txt', 'b.txt'], text: 'hello' });
      const seen = proxy.log.slice(before).filter((r) => r.target.includes(host));
      expect(seen.length, 'requests through the proxy').to.be.greaterThan(3);
    });
  }

  it('s3: the SDK calls go through the proxy too (tunnelled), beside omnifs own requests', async () => {
    const before = proxy.log.length;
    const [, , options, dir] = stores[0]!;
    expect(await run('s3', options(), dir(), { HTTP_PROXY: proxy.url })).to.include({ text: 'hello' });
    const methods = new Set(proxy.log.slice(before).map((r) => r.method));
    expect([...methods]).to.include.members(['CONNECT', 'PUT', 'GET']);
  });

  it('without the proxy variable the same app cannot reach a host only the proxy resolves', async () => {
    const [, , options, dir] = stores[0]!;
    expect(await run('s3', options(), dir(), {})).to.include({ code: 'ECONNREFUSED' });
    const [, , gcsOptions, gcsDir] = stores[1]!;
    expect((await run('gs', gcsOptions(), gcsDir(), {})).code).to.be.oneOf(['ENOTFOUND', 'EAI_AGAIN']);
  });
});
