/**
 * An Azure app whose requests all take the lean path never loads `@azure/storage-blob`
 * (110-160 ms of a fresh process's start): the packed packages installed outside the
 * workspace, a filesystem made at import time from the account in the environment, the
 * hot operations done (small and multi-block writes, reads, ranged download, listing,
 * metadata, recursive delete), then a SAS URL signed, which loads the SDK on first use.
 */
import { expect } from 'chai';
import { freshName, useServer } from '../servers/index';
import { type App, makeApp } from './app';

/**
 * Made at import time; prints what it read back and whether the SDK was loaded after the
 * hot operations and after `sign`.
 */
const WORK = `import { filesystem } from '@omnifs/core';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const [json, dir] = process.argv.slice(2);
const fs = filesystem('az', JSON.parse(json));
const sdkLoaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('@azure/storage-blob'));
const sha = (b) => createHash('sha256').update(b).digest('hex');
try {
  const local = mkdtempSync(join(tmpdir(), 'lazy-'));
  const big = randomBytes(2 * 8 * 1024 * 1024 + 12345);
  writeFileSync(join(local, 'big.bin'), big);
  await fs.pipe(dir + '/a.txt', 'alpha');
  await fs.put(join(local, 'big.bin'), dir + '/sub/big.bin');
  await fs.get(dir + '/sub/big.bin', join(local, 'back.bin'));
  const out = {
    text: await fs.readText(dir + '/a.txt'),
    size: (await fs.info(dir + '/sub/big.bin')).size,
    same: sha(readFileSync(join(local, 'back.bin'))) === sha(big),
    listed: await fs.find(dir),
    missing: await fs.exists(dir + '/nope'),
  };
  await fs.rm(dir + '/sub', { recursive: true });
  out.after = await fs.find(dir);
  out.sdkAfterWork = sdkLoaded();
  out.signed = new URL(await fs.sign(dir + '/a.txt', { expiresIn: 60 })).searchParams.has('sig');
  out.sdkAfterSign = sdkLoaded();
  console.log(JSON.stringify(out));
} catch (err) {
  console.log(JSON.stringify({ error: err.message, code: err.code }));
}
`;

describe('an Azure app loads the SDK only for what the lean path does not send', function () {
  this.timeout(300_000);
  const azure = useServer('azure');
  let app: App;
  let container: string;

  before(async () => {
    app = await makeApp({ packages: ['@omnifs/core', '@omnifs/azure'], files: { 'work.mjs': WORK } });
    // The container is made beforehand: creating one is not a lean operation.
    const { AzureBlobFileSystem } = await import('@omnifs/azure');
    const fs = new AzureBlobFileSystem({
      accountName: azure.info.accountName,
      accountKey: azure.info.accountKey,
      accountUrl: azure.info.blobEndpoint,
      skipInstanceCache: true,
    });
    container = azure.info.container ?? freshName('lazy');
    if (azure.info.container === undefined) await fs.mkdir(container);
  });
  after(() => app?.remove());

  const work = async (env: Record<string, string>) => {
    const dir = `${container}/${freshName('w')}`;
    const r = await app.run('work.mjs', {
      env: {
        AZURE_STORAGE_ACCOUNT_NAME: azure.info.accountName,
        AZURE_STORAGE_ACCOUNT_KEY: azure.info.accountKey,
        ...env,
      },
      args: [JSON.stringify({ accountUrl: azure.info.blobEndpoint }), dir],
    });
    expect(r.code, r.stderr).to.equal(0);
    return { dir, out: JSON.parse(r.stdout) as Record<string, unknown> };
  };

  it('with the account key from the environment: writes, reads, lists and deletes without it', async () => {
    const { dir, out } = await work({});
    expect(out).to.deep.equal({
      text: 'alpha',
      size: 2 * 8 * 1024 * 1024 + 12345,
      same: true,
      listed: [`${dir}/a.txt`, `${dir}/sub/big.bin`],
      missing: false,
      after: [`${dir}/a.txt`],
      sdkAfterWork: false,
      signed: true,
      sdkAfterSign: true,
    });
  });

  it('with leanRequests off, through the SDK, the same answers', async () => {
    const { dir, out } = await work({ OMNIFS_AZ_LEAN_REQUESTS: 'false' });
    expect(out).to.deep.include({
      text: 'alpha',
      same: true,
      listed: [`${dir}/a.txt`, `${dir}/sub/big.bin`],
      after: [`${dir}/a.txt`],
      sdkAfterWork: true,
    });
  });
});
