#!/usr/bin/env node
/**
 * The requests fsspec's backends (s3fs, gcsfs, adlfs, fsspec's WebHDFS) send for the
 * operations whose omnifs counts test/requests.test.ts asserts, counted at the same
 * counting proxy in front of the same harness servers. Prints a markdown table.
 *
 *   python3 -m venv /tmp/venv-peers && /tmp/venv-peers/bin/pip install s3fs gcsfs adlfs
 *   PEERS_PYTHON=/tmp/venv-peers/bin/python node bench/peers-requests.mjs [s3 gcs azure hdfs]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { countKinds } from './lib/requests.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const python = process.env.PEERS_PYTHON ?? 'python3';
const backends = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['s3', 'gcs', 'azure', 'hdfs'];
const PEER = { s3: 's3fs', gcs: 'gcsfs', azure: 'adlfs', hdfs: 'fsspec WebHDFS' };

const { tsImport } = await import('tsx/esm/api');
const servers = await tsImport('../test/servers/index.ts', import.meta.url);
const { startCountingProxy } = await tsImport('../test/faults/counting.ts', import.meta.url);

const rows = {};
for (const kind of backends) {
  const { info } = await servers.ensureServer(kind);
  const upstream = { s3: info.endpoint, gcs: info.apiEndpoint, hdfs: info.namenodeUrl }[kind];
  const proxy = await startCountingProxy({ target: upstream ?? new URL(info.blobEndpoint).origin });
  const control = createServer((req, res) => {
    if (req.url === '/reset') proxy.reset();
    res.end(req.url === '/requests' ? JSON.stringify(countKinds(proxy.requests)) : '');
  });
  await new Promise((r) => control.listen(0, '127.0.0.1', r));
  const root = `peers${randomBytes(5).toString('hex')}`;
  const { filesystem } = await import('@omnifs/core');
  await import(`@omnifs/${kind}`);
  const conn = {
    s3: () => ({ endpoint: info.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: info.credentials }),
    gcs: () => ({ apiEndpoint: info.apiEndpoint, projectId: info.projectId }),
    azure: () => ({ connectionString: info.connectionString }),
    hdfs: () => ({ url: info.namenodeUrl, user: info.user }),
  }[kind]();
  await filesystem(kind, conn).mkdir(kind === 'hdfs' ? `/${root}` : root);
  const env = {
    ...process.env,
    OMNIFS_PEER_URL: proxy.url,
    OMNIFS_PEER_CONTROL: `http://127.0.0.1:${control.address().port}`,
    PEER_ROOT: kind === 'hdfs' ? `/${root}` : root,
  };
  if (kind === 's3') {
    env.AWS_ACCESS_KEY_ID = info.credentials.accessKeyId;
    env.AWS_SECRET_ACCESS_KEY = info.credentials.secretAccessKey;
  }
  if (kind === 'gcs') {
    env.GCS_PROJECT = info.projectId;
    // gcsfs otherwise asks each bucket's type over gRPC first (not HTTP: the proxy would not see it).
    env.GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT = 'false';
  }
  if (kind === 'azure') {
    const blob = `${proxy.url}${new URL(info.blobEndpoint).pathname}`;
    env.AZURE_CONNECTION_STRING = info.connectionString.replace(/BlobEndpoint=[^;]+/, `BlobEndpoint=${blob}`);
  }
  if (kind === 'hdfs') env.HDFS_USER = info.user;
  // Asynchronous: the proxy answers in this process while the script runs.
  const run = await new Promise((resolve) => {
    const out = [];
    const err = [];
    const child = spawn(python, [join(here, 'peers_requests.py'), kind], { env });
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('close', (code) =>
      resolve({ code, out: Buffer.concat(out).toString(), err: Buffer.concat(err).toString() }),
    );
  });
  control.close();
  await proxy.close();
  if (run.code !== 0) {
    process.stderr.write(`${PEER[kind]} failed:\n${run.err}\n`);
    continue;
  }
  rows[kind] = JSON.parse(run.out.trim().split('\n').at(-1));
}
await servers.stopAllServers();

const ops = ['info', 'ls', 'find', 'put', 'get', 'cp', 'rmTree'];
const done = backends.filter((k) => rows[k] !== undefined);
const lines = [
  `| operation | ${done.map((k) => PEER[k]).join(' | ')} |`,
  `| --- | ${done.map(() => '---').join(' | ')} |`,
  ...ops.map((op) => `| ${op} | ${done.map((k) => rows[k][op]).join(' | ')} |`),
];
process.stdout.write(`${lines.join('\n')}\n`);
