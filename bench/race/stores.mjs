/**
 * The four stores of the race, each on loopback: S3 on versitygw (posix backend on tmpfs),
 * GCS on fake-gcs-server (memory), Azure Blob on Azurite (memory), HDFS on MiniDFSCluster.
 * `startStore(kind, scratch)` starts the server, makes a fresh bucket (container, HDFS
 * directory) and the proxies, and returns the connections a contender gets.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { startCappedProxy, startLatencyProxy, startVersitygw, testServers } from '../lib/servers.mjs';
import { agent, request } from './raw.mjs';
import { CAP_BYTES_PER_SEC, LATENCY_MS } from './rows.mjs';

const ACCESS = 'omnifsbench';
const SECRET = 'omnifsbench-secret';

/** A connection with its endpoint moved to a proxy's. */
function through(store, conn, proxy) {
  const key = { s3: 'endpoint', gcs: 'apiEndpoint', azure: 'blobEndpoint', hdfs: 'namenodeUrl' }[store];
  const u = new URL(conn[key]);
  const p = new URL(proxy.endpoint);
  u.port = p.port;
  return { ...conn, [key]: u.toString().replace(/\/$/, '') };
}

async function s3(scratch) {
  const dataDir = join(scratch, 'gw');
  mkdirSync(dataDir);
  const gw = await startVersitygw(dataDir, ACCESS, SECRET);
  const conn = { endpoint: gw.endpoint, region: 'us-east-1', accessKeyId: ACCESS, secretAccessKey: SECRET };
  const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3');
  const client = new S3Client({
    endpoint: gw.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS, secretAccessKey: SECRET },
  });
  const bucket = `race-${randomBytes(4).toString('hex')}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  client.destroy();
  return {
    conn,
    bucket,
    server: 'versitygw v1.8.0 (posix backend on tmpfs)',
    pid: gw.pid,
    stop: async () => gw.stop(),
  };
}

async function gcs() {
  const { ensureServer, stopServer } = await testServers();
  const srv = await ensureServer('gcs');
  const conn = { apiEndpoint: srv.info.apiEndpoint, projectId: srv.info.projectId };
  const bucket = `race-${randomBytes(4).toString('hex')}`;
  await request(agent(1), 'POST', `${conn.apiEndpoint}/storage/v1/b?project=${conn.projectId}`, {
    body: Buffer.from(JSON.stringify({ name: bucket })),
    headers: { 'content-type': 'application/json' },
  });
  return {
    conn,
    bucket,
    server: 'fake-gcs-server (memory backend)',
    pid: srv.proc?.child.pid,
    stop: () => stopServer('gcs'),
  };
}

async function azure() {
  const { ensureServer, stopServer } = await testServers();
  const srv = await ensureServer('azure');
  const { accountName, accountKey, blobEndpoint } = srv.info;
  const sb = createRequire(import.meta.url)('@azure/storage-blob');
  const cred = new sb.StorageSharedKeyCredential(accountName, accountKey);
  const bucket = `race-${randomBytes(4).toString('hex')}`;
  await new sb.BlobServiceClient(blobEndpoint, cred).getContainerClient(bucket).create();
  const sas = sb
    .generateAccountSASQueryParameters(
      {
        expiresOn: new Date(Date.now() + 24 * 3600e3),
        permissions: sb.AccountSASPermissions.parse('rwdlac'),
        resourceTypes: sb.AccountSASResourceTypes.parse('sco').toString(),
        services: sb.AccountSASServices.parse('b').toString(),
      },
      cred,
    )
    .toString();
  const conn = { accountName, accountKey, blobEndpoint, sas };
  return {
    conn,
    bucket,
    server: 'Azurite 3.35.0 (in memory)',
    pid: srv.proc?.child.pid,
    stop: () => stopServer('azure'),
  };
}

async function hdfs() {
  const { ensureServer, stopServer } = await testServers();
  const srv = await ensureServer('hdfs');
  const conn = { namenodeUrl: srv.info.namenodeUrl, user: srv.info.user };
  const bucket = `race-${randomBytes(4).toString('hex')}`;
  await request(agent(1), 'PUT', `${conn.namenodeUrl}/webhdfs/v1/${bucket}?op=MKDIRS&user.name=${conn.user}`);
  return {
    conn,
    bucket,
    server: 'Hadoop 3.5.0 MiniDFSCluster, 1 datanode (WebHDFS)',
    pid: srv.proc?.child.pid,
    stop: () => stopServer('hdfs'),
  };
}

/** Starts a store with its latency proxy (and, for S3, its bandwidth-capping proxy). */
export async function startStore(kind, scratch) {
  const s = await { s3, gcs, azure, hdfs }[kind](scratch);
  const key = { s3: 'endpoint', gcs: 'apiEndpoint', azure: 'blobEndpoint', hdfs: 'namenodeUrl' }[kind];
  const port = Number(new URL(s.conn[key]).port);
  const latency = await startLatencyProxy(port, LATENCY_MS);
  const capped = await startCappedProxy(port, CAP_BYTES_PER_SEC);
  return {
    ...s,
    conns: { direct: s.conn, latency: through(kind, s.conn, latency), capped: through(kind, s.conn, capped) },
    stop: async () => {
      latency.stop();
      capped.stop();
      await s.stop();
    },
  };
}
