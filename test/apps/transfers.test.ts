/**
 * Large files, the way an app moves them: the packed packages installed outside the
 * workspace, a filesystem made at import time in a child process whose environment holds
 * only the store's own variables, and a file several parts long uploaded with `put` and
 * downloaded with `get` (ranged parts, each read from the socket through two windows and
 * written in place), byte for byte, with progress to the end.
 */
import { expect } from 'chai';
import { freshName, useServer } from '../servers/index';
import { type App, makeApp } from './app';

/**
 * Made at import time from the protocol's options (JSON); puts a random file of `size`
 * bytes and gets it back, printing whether the copy is the same, the last progress of each
 * transfer, and the files left in the download directory.
 */
const MOVE = `import { filesystem } from '@omnifs/core';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const [protocol, json, dir, size] = process.argv.slice(2);
const fs = filesystem(protocol, JSON.parse(json));
const sha = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');
try {
  const local = mkdtempSync(join(tmpdir(), 'move-'));
  writeFileSync(join(local, 'src.bin'), randomBytes(Number(size)));
  await fs.makedirs(dir, { existOk: true });
  const up = [];
  await fs.put(join(local, 'src.bin'), dir + '/big.bin', { onProgress: (p) => up.push(p) });
  const down = [];
  await fs.get(dir + '/big.bin', join(local, 'out', 'big.bin'), { onProgress: (p) => down.push(p) });
  console.log(JSON.stringify({
    same: sha(join(local, 'src.bin')) === sha(join(local, 'out', 'big.bin')),
    up: up.at(-1),
    down: down.at(-1),
    left: readdirSync(join(local, 'out')),
  }));
} catch (err) {
  console.log(JSON.stringify({ error: err.message, code: err.code }));
}
`;

describe('an app moves a large file', function () {
  this.timeout(300_000);
  const s3 = useServer('s3');
  const gcs = useServer('gcs');
  const azure = useServer('azure');
  const hdfs = useServer('hdfs');
  let app: App;
  /** Four parts of the default 8 MiB and a few bytes. */
  const SIZE = 3 * 8 * 1024 * 1024 + 1_234_567;

  before(async () => {
    app = await makeApp({
      packages: ['@omnifs/core', '@omnifs/s3', '@omnifs/gcs', '@omnifs/azure', '@omnifs/hdfs'],
      files: { 'move.mjs': MOVE },
    });
  });
  after(() => app?.remove());

  const move = async (protocol: string, options: object, dir: string, env: Record<string, string>) => {
    const r = await app.run('move.mjs', { env, args: [protocol, JSON.stringify(options), dir, String(SIZE)] });
    expect(r.code, r.stderr).to.equal(0);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };
  const whole = { bytes: SIZE, totalBytes: SIZE, files: 1, totalFiles: 1 };

  it('s3: with keys from the environment and no region, byte-exact both ways', async () => {
    const env = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };
    const out = await move('s3', { endpoint: s3.info.endpoint, forcePathStyle: true }, freshName('move'), env);
    expect(out).to.deep.equal({ same: true, up: whole, down: whole, left: ['big.bin'] });
  });

  it('gcs: with the project from GOOGLE_CLOUD_PROJECT, byte-exact both ways', async () => {
    const env = { GOOGLE_CLOUD_PROJECT: gcs.info.projectId };
    const out = await move('gs', { apiEndpoint: gcs.info.apiEndpoint }, freshName('move'), env);
    expect(out).to.deep.equal({ same: true, up: whole, down: whole, left: ['big.bin'] });
  });

  it('azure: with AZURE_STORAGE_CONNECTION_STRING alone, byte-exact both ways', async () => {
    const env = { AZURE_STORAGE_CONNECTION_STRING: azure.info.connectionString };
    const out = await move('az', {}, freshName('move'), env);
    expect(out).to.deep.equal({ same: true, up: whole, down: whole, left: ['big.bin'] });
  });

  it('hdfs: with OMNIFS_HDFS_URL and HADOOP_USER_NAME alone, byte-exact both ways (ranged OPENs)', async () => {
    const env = { OMNIFS_HDFS_URL: hdfs.info.namenodeUrl, HADOOP_USER_NAME: hdfs.info.user };
    const out = await move('hdfs', {}, `/${freshName('move')}`, env);
    expect(out).to.deep.equal({ same: true, up: whole, down: whole, left: ['big.bin'] });
  });
});
