#!/usr/bin/env node
/**
 * Request economy: each row of the "omnifs vs its own SDK" table, run side by side on the
 * test harness's servers (fake-gcs-server, Azurite, MiniDFSCluster, moto). For each row
 * omnifs and the raw client (the SDK; for HDFS plain WebHDFS `fetch`) take turns over
 * three repetitions, each run in a process of its own; medians, ratios, client CPU, the
 * server's CPU where it runs here, and the requests each sent (counted once per contender
 * through the counting proxy, outside the timed runs). Writes bench/results/economy.md.
 *
 *   npm run bench:economy                 every row (about 10 minutes on 2 cores)
 *   node bench/economy.mjs gcs-upload     some rows (names below); writes nothing
 *   BENCH_LARGE_MIB=128 BENCH_REPS=1      smaller runs; the results' title says so
 *
 * Needs `npm run build` (the packages' dist) and the servers the test harness installs.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, URLSearchParams } from 'node:url';
import { median } from './lib/harness.mjs';
import { countKinds } from './lib/requests.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..');
const MiB = 1024 * 1024;
const LARGE = Number(process.env.BENCH_LARGE_MIB ?? 512) * MiB;
const REPS = Number(process.env.BENCH_REPS ?? 3);
const SMALL_PUTS = 100;
const GCS_KEYS = 5000;
const AZURE_KEYS = 5000;
const HDFS_TREE = 1000;
const S3_KEYS = Number(process.env.BENCH_S3_KEYS ?? 10_000);
const S3_RTT_KEYS = 2000;

// ---------------------------------------------------------------- the rows

/**
 * Each row: the server it needs, `seed(env)` run before every timed run (untimed), and one
 * function per contender, run in a child process with `cfg` (what `seed` returned plus
 * the connection), returning `{ ops, bytes }`.
 */
const ROWS = {
  'gcs-upload': {
    title: `GCS: upload a ${LARGE / MiB} MiB file`,
    server: 'gcs',
    unit: 'MB/s',
    async seed(env) {
      return { bucket: await env.gcsBucket(), file: env.largeFile, key: `large/${randomBytes(4).toString('hex')}` };
    },
    async omnifs(cfg, c) {
      await c.gcsFs().put(cfg.file, `${cfg.bucket}/${cfg.key}`);
      return { bytes: LARGE };
    },
    async raw(cfg, c) {
      await c.gcsStorage().bucket(cfg.bucket).upload(cfg.file, { destination: cfg.key });
      return { bytes: LARGE };
    },
  },
  'gcs-list': {
    title: `GCS: list ${GCS_KEYS.toLocaleString('en')} keys`,
    server: 'gcs',
    unit: 's',
    async seed(env) {
      return { bucket: await env.gcsKeys() };
    },
    async omnifs(cfg, c) {
      return { ops: expectCount((await c.gcsFs().find(`${cfg.bucket}/keys`)).length, GCS_KEYS) };
    },
    async raw(cfg, c) {
      const [files] = await c.gcsStorage().bucket(cfg.bucket).getFiles({ prefix: 'keys/' });
      return { ops: expectCount(files.length, GCS_KEYS) };
    },
  },
  'hdfs-rm-tree': {
    title: `HDFS: recursive delete of ${HDFS_TREE.toLocaleString('en')} files`,
    server: 'hdfs',
    unit: 's',
    async seed(env) {
      return { dir: await env.hdfsTree() };
    },
    async omnifs(cfg, c) {
      await c.hdfsFs().rm(cfg.dir, { recursive: true });
      return { ops: HDFS_TREE };
    },
    async raw(cfg, c) {
      const res = await fetch(c.webhdfs(cfg.dir, 'DELETE', { recursive: 'true' }), { method: 'DELETE' });
      if (!(await res.json()).boolean) throw new Error('raw DELETE failed');
      return { ops: HDFS_TREE };
    },
  },
  'hdfs-small-put': {
    title: `HDFS: ${SMALL_PUTS} PUTs of 4 KiB, one at a time`,
    server: 'hdfs',
    unit: 'ops/s',
    async seed() {
      return { dir: `/bench-economy/small-${randomBytes(4).toString('hex')}` };
    },
    async omnifs(cfg, c) {
      const fs = c.hdfsFs();
      const data = randomBytes(4096);
      for (let i = 0; i < SMALL_PUTS; i++) await fs.pipeFile(`${cfg.dir}/f${i}`, data);
      return { ops: SMALL_PUTS };
    },
    async raw(cfg, c) {
      const data = randomBytes(4096);
      for (let i = 0; i < SMALL_PUTS; i++) await rawCreate(c, `${cfg.dir}/f${i}`, data, 'true');
      return { ops: SMALL_PUTS };
    },
  },
  'hdfs-small-put-atomic': {
    title: `HDFS: ${SMALL_PUTS} PUTs of 4 KiB, one at a time; raw also writes a temporary name and renames`,
    server: 'hdfs',
    unit: 'ops/s',
    async seed() {
      return { dir: `/bench-economy/atomic-${randomBytes(4).toString('hex')}` };
    },
    async omnifs(cfg, c) {
      return ROWS['hdfs-small-put'].omnifs(cfg, c);
    },
    // The plan omnifs follows, by hand: no reader ever sees a half-written file under its name.
    async raw(cfg, c) {
      const data = randomBytes(4096);
      for (let i = 0; i < SMALL_PUTS; i++) {
        const temp = `${cfg.dir}/.f${i}.tmp`;
        await rawCreate(c, temp, data, 'false');
        const res = await fetch(
          c.webhdfs(temp, 'RENAME', { destination: `${cfg.dir}/f${i}`, renameoptions: 'OVERWRITE' }),
          { method: 'PUT' },
        );
        if (!res.ok) throw new Error(`raw RENAME: ${res.status}`);
        await res.arrayBuffer();
      }
      return { ops: SMALL_PUTS };
    },
  },
  's3-rm-rtt': {
    title: `S3 at 20 ms RTT: recursive delete of ${S3_RTT_KEYS.toLocaleString('en')} keys in 20 dirs`,
    server: 's3',
    unit: 's',
    latency: 20,
    async seed(env) {
      return { bucket: await env.s3Keys(S3_RTT_KEYS, 20) };
    },
    omnifs: s3RmOmnifs,
    raw: s3RmRaw,
  },
  's3-rm': {
    title: `S3: recursive delete of ${S3_KEYS.toLocaleString('en')} keys`,
    server: 's3',
    unit: 's',
    async seed(env) {
      return { bucket: await env.s3Keys(S3_KEYS, 1) };
    },
    omnifs: s3RmOmnifs,
    raw: s3RmRaw,
  },
  'azure-list': {
    title: `Azure: list ${AZURE_KEYS.toLocaleString('en')} keys`,
    server: 'azure',
    unit: 's',
    async seed(env) {
      return { container: await env.azureKeys() };
    },
    async omnifs(cfg, c) {
      return { ops: expectCount((await c.azureFs().find(`${cfg.container}/keys`)).length, AZURE_KEYS) };
    },
    async raw(cfg, c) {
      let n = 0;
      for await (const _ of c.azureService().getContainerClient(cfg.container).listBlobsFlat({ prefix: 'keys/' })) n++;
      return { ops: expectCount(n, AZURE_KEYS) };
    },
  },
  'azure-upload': {
    title: `Azure: ${LARGE / MiB} MiB upload`,
    server: 'azure',
    unit: 'MB/s',
    async seed(env) {
      return {
        container: await env.azureContainer(),
        file: env.largeFile,
        key: `large/${randomBytes(4).toString('hex')}`,
      };
    },
    async omnifs(cfg, c) {
      await c.azureFs().put(cfg.file, `${cfg.container}/${cfg.key}`);
      return { bytes: LARGE };
    },
    async raw(cfg, c) {
      await c.azureService().getContainerClient(cfg.container).getBlockBlobClient(cfg.key).uploadFile(cfg.file);
      return { bytes: LARGE };
    },
  },
};

/** A raw two-step WebHDFS CREATE of `data` at `path`. */
async function rawCreate(c, path, data, overwrite) {
  const nn = await fetch(c.webhdfs(path, 'CREATE', { overwrite }), { method: 'PUT', redirect: 'manual' });
  await nn.arrayBuffer();
  // The datanode's answer trips fetch (undici: "bad response"): node:http, as the npm webhdfs package does.
  const status = await new Promise((resolve, reject) => {
    const req = httpRequest(nn.headers.get('location'), { method: 'PUT', headers: { 'content-length': data.length } });
    req.on('response', (res) => res.resume().on('end', () => resolve(res.statusCode)));
    req.on('error', reject);
    req.end(data);
  });
  if (status !== 201) throw new Error(`raw CREATE: ${status}`);
}

async function s3RmOmnifs(cfg, c) {
  await c.s3Fs().rm(`${cfg.bucket}/tree`, { recursive: true });
  return { ops: 1 };
}

/** What a script with the SDK does: list the prefix flat, one DeleteObjects per page of 1,000. */
async function s3RmRaw(cfg, c) {
  const { ListObjectsV2Command, DeleteObjectsCommand } = await import('@aws-sdk/client-s3');
  const client = c.s3Client();
  let token;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: cfg.bucket, Prefix: 'tree/', ContinuationToken: token }),
    );
    const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key }));
    if (keys.length > 0)
      await client.send(new DeleteObjectsCommand({ Bucket: cfg.bucket, Delete: { Objects: keys, Quiet: true } }));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return { ops: 1 };
}

function expectCount(n, want) {
  if (n !== want) throw new Error(`listed ${n} keys, expected ${want}`);
  return n;
}

// ---------------------------------------------------------------- child: one timed run

/** Clients of the child process, made on first use from the connection in `cfg`. */
async function clients(cfg) {
  const { filesystem } = await import('@omnifs/core');
  const conn = cfg.conn;
  const opts = { skipInstanceCache: true };
  return {
    gcsFs: () => filesystem('gcs', { apiEndpoint: conn.endpoint, projectId: conn.projectId, ...opts }),
    gcsStorage: () => new conn.Storage({ apiEndpoint: conn.endpoint, projectId: conn.projectId }),
    azureFs: () => filesystem('azure', { connectionString: conn.connectionString, ...opts }),
    azureService: () => conn.BlobServiceClient.fromConnectionString(conn.connectionString),
    hdfsFs: () => filesystem('hdfs', { url: conn.endpoint, user: conn.user, ...opts }),
    webhdfs: (path, op, params = {}) =>
      `${conn.endpoint}/webhdfs/v1${path}?${new URLSearchParams({ op, 'user.name': conn.user, ...params })}`,
    s3Fs: () => filesystem('s3', { ...s3Conn(conn), ...opts }),
    s3Client: () => new conn.S3Client({ ...s3Conn(conn), maxAttempts: 3 }),
  };
}

function s3Conn(conn) {
  return { endpoint: conn.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: conn.credentials };
}

async function child(rowName, contender, cfg) {
  await Promise.all(['@omnifs/gcs', '@omnifs/azure', '@omnifs/hdfs', '@omnifs/s3'].map((p) => import(p)));
  const conn = { ...cfg.conn };
  conn.Storage = (await import('@google-cloud/storage')).Storage;
  conn.BlobServiceClient = (await import('@azure/storage-blob')).BlobServiceClient;
  conn.S3Client = (await import('@aws-sdk/client-s3')).S3Client;
  const c = await clients({ ...cfg, conn });
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const { ops = 1, bytes = 0 } = await ROWS[rowName][contender](cfg, c);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(c0);
  process.stdout.write(
    `BENCH_RESULT ${JSON.stringify({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, ops, bytes })}\n`,
  );
  process.exit(0);
}

// ---------------------------------------------------------------- parent: servers, seeds, turns

function runChild(rowName, contender, cfg) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', rowName, contender], {
      cwd: repo,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    proc.stdin.end(JSON.stringify(cfg));
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
    });
    proc.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (code !== 0 || line === undefined) reject(new Error(`${rowName} ${contender} exited ${code}: ${out}`));
      else resolve(JSON.parse(line.slice('BENCH_RESULT '.length)));
    });
  });
}

/** User + system CPU seconds so far of the processes in process group `pgid` (Linux /proc). */
function processCpu(pgid) {
  if (pgid === undefined) return undefined;
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      if (Number(fields[2]) !== pgid) continue;
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone meanwhile
    }
  }
  return ticks / 100;
}

async function main() {
  const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const rows = only.length > 0 ? only : Object.keys(ROWS);
  for (const r of rows) if (!ROWS[r]) throw new Error(`unknown row ${r}; rows: ${Object.keys(ROWS).join(', ')}`);
  const { tsImport } = await import('tsx/esm/api');
  const servers = await tsImport('../test/servers/index.ts', import.meta.url);
  const { startCountingProxy } = await tsImport('../test/faults/counting.ts', import.meta.url);
  const { startFaultProxy } = await tsImport('../test/faults/proxy.ts', import.meta.url);
  const { filesystem } = await import('@omnifs/core');
  await Promise.all(['@omnifs/gcs', '@omnifs/azure', '@omnifs/hdfs', '@omnifs/s3'].map((p) => import(p)));
  const tmp = mkdtempSync(join(os.tmpdir(), 'omnifs-economy-'));
  const needsLarge = rows.some((r) => ROWS[r].unit === 'MB/s');
  const largeFile = join(tmp, 'large.bin');
  if (needsLarge) writeFileSync(largeFile, randomBytes(LARGE));

  const started = {};
  const server = async (kind) => (started[kind] ??= await servers.ensureServer(kind));
  /** The connection a child gets for a server, through `endpoint` when given (a proxy). */
  const connOf = async (kind, endpoint) => {
    const s = (await server(kind)).info;
    if (kind === 'gcs') return { endpoint: endpoint ?? s.apiEndpoint, projectId: s.projectId };
    if (kind === 'azure') {
      const blob = endpoint ? `${endpoint}${new URL(s.blobEndpoint).pathname}` : s.blobEndpoint;
      return { connectionString: s.connectionString.replace(/BlobEndpoint=[^;]+/, `BlobEndpoint=${blob}`) };
    }
    if (kind === 'hdfs') return { endpoint: endpoint ?? s.namenodeUrl, user: s.user };
    return { endpoint: endpoint ?? s.endpoint, credentials: s.credentials };
  };
  const upstream = async (kind) => {
    const s = (await server(kind)).info;
    return {
      gcs: s.apiEndpoint,
      azure: s.blobEndpoint && new URL(s.blobEndpoint ?? 'http://x').origin,
      hdfs: s.namenodeUrl,
      s3: s.endpoint,
    }[kind];
  };
  const fsOf = async (kind) => {
    const c = await connOf(kind);
    if (kind === 'gcs') return filesystem('gcs', { apiEndpoint: c.endpoint, projectId: c.projectId });
    if (kind === 'azure') return filesystem('azure', { connectionString: c.connectionString });
    if (kind === 'hdfs') return filesystem('hdfs', { url: c.endpoint, user: c.user });
    return filesystem('s3', { ...s3Conn(c) });
  };
  const seedFiles = async (fs, base, n, dirs) => {
    const entries = {};
    for (let i = 0; i < n; i++)
      entries[`${base}/${dirs > 1 ? `d${i % dirs}/` : ''}k${String(i).padStart(6, '0')}`] = 'x';
    await fs.pipe(entries, undefined, { batchSize: 32 });
  };
  const name = () => `economy${randomBytes(5).toString('hex')}`;
  /** A new, empty bucket (container) on the `kind` server. */
  const freshBucket = (kind) => async () => {
    const b = name();
    await (await fsOf(kind)).mkdir(b);
    return b;
  };
  /** One bucket per server holding `n` keys under `keys/`, seeded on first use. */
  const seeded = {};
  const seededKeys = (kind, n) => () =>
    (seeded[kind] ??= (async () => {
      const b = await freshBucket(kind)();
      await seedFiles(await fsOf(kind), `${b}/keys`, n, 1);
      return b;
    })());
  const env = {
    largeFile,
    gcsBucket: freshBucket('gcs'),
    gcsKeys: seededKeys('gcs', GCS_KEYS),
    azureContainer: freshBucket('azure'),
    azureKeys: seededKeys('azure', AZURE_KEYS),
    hdfsTree: async () => {
      const dir = `/bench-economy/tree-${randomBytes(4).toString('hex')}`;
      await seedFiles(await fsOf('hdfs'), dir, HDFS_TREE, 10);
      return dir;
    },
    s3Keys: async (n, dirs) => {
      const b = name();
      const fs = await fsOf('s3');
      await fs.mkdir(b);
      await seedFiles(fs, `${b}/tree`, n, dirs);
      return b;
    },
  };

  const results = [];
  for (const rowName of rows) {
    const row = ROWS[rowName];
    const srv = await server(row.server);
    let latency;
    if (row.latency) {
      latency = await startFaultProxy({ target: await upstream(row.server) });
      latency.addRule({ fault: { kind: 'delay', ms: row.latency } });
    }
    const samples = { omnifs: [], raw: [] };
    for (let rep = 0; rep < REPS; rep++) {
      for (const contender of rep % 2 === 0 ? ['omnifs', 'raw'] : ['raw', 'omnifs']) {
        const cfg = { ...(await row.seed(env)), conn: await connOf(row.server, latency?.url) };
        const before = processCpu(srv.proc?.child.pid);
        const s = await runChild(rowName, contender, cfg);
        const after = processCpu(srv.proc?.child.pid);
        if (before !== undefined && after !== undefined) s.serverCpuSeconds = after - before;
        samples[contender].push(s);
        process.stderr.write(`${rowName} ${contender} rep ${rep + 1}: ${s.seconds.toFixed(3)} s\n`);
      }
    }
    const counts = {};
    for (const contender of ['omnifs', 'raw']) {
      const proxy = await startCountingProxy({ target: latency?.url ?? (await upstream(row.server)) });
      try {
        const cfg = { ...(await row.seed(env)), conn: await connOf(row.server, proxy.url) };
        proxy.reset();
        await runChild(rowName, contender, cfg);
        counts[contender] = { total: proxy.requests.length, kinds: countKinds(proxy.requests) };
      } finally {
        await proxy.close();
      }
    }
    await latency?.close();
    results.push({ rowName, row, samples, counts });
    process.stderr.write(`${report([results.at(-1)])}\n`);
  }
  await servers.stopAllServers();
  rmSync(tmp, { recursive: true, force: true });
  const md = report(results);
  process.stdout.write(`${md}\n`);
  if (only.length === 0) writeFileSync(join(here, 'results', 'economy.md'), md);
}

function figure(row, s) {
  const t = median(s.map((x) => x.seconds));
  if (row.unit === 'MB/s') return { t, value: s[0].bytes / t / 1e6, better: 'higher' };
  if (row.unit === 'ops/s') return { t, value: s[0].ops / t, better: 'higher' };
  return { t, value: t, better: 'lower' };
}

function report(results) {
  const lines = [
    '# Request economy: omnifs vs the raw SDK',
    '',
    `\`npm run bench:economy\` on ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(2)} at the end;`,
    `${REPS} interleaved repetitions, medians; each run in a process of its own. "x raw" is omnifs's`,
    "throughput over the raw client's (>= 1.00x: omnifs as fast or faster). CPU is the median",
    "run's, client process and server process apart; requests were counted once per contender",
    'through the counting proxy.',
    '',
    '| work | omnifs | raw | x raw | client CPU omnifs / raw | server CPU omnifs / raw | requests omnifs | requests raw |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const { row, samples, counts } of results) {
    const o = figure(row, samples.omnifs);
    const r = figure(row, samples.raw);
    const ratio = o.better === 'higher' ? o.value / r.value : r.value / o.value;
    const fmt = (v) => (row.unit === 's' ? `${v.toFixed(3)} s` : `${v.toFixed(1)} ${row.unit}`);
    const cpu = (s, k) => {
      const v = median(s.map((x) => x[k]).filter((x) => x !== undefined));
      return Number.isFinite(v) ? `${v.toFixed(2)} s` : 'n/a';
    };
    const n = (c) => (c ? `${c.total}: ${c.kinds}` : 'n/a');
    lines.push(
      `| ${row.title} | ${fmt(o.value)} | ${fmt(r.value)} | ${ratio.toFixed(2)}x | ${cpu(samples.omnifs, 'cpuSeconds')} / ${cpu(samples.raw, 'cpuSeconds')} | ${cpu(samples.omnifs, 'serverCpuSeconds')} / ${cpu(samples.raw, 'serverCpuSeconds')} | ${n(counts.omnifs)} | ${n(counts.raw)} |`,
    );
  }
  return lines.join('\n');
}

if (process.argv[2] === '--child') {
  const cfg = JSON.parse(readFileSync(0, 'utf8'));
  await child(process.argv[3], process.argv[4], cfg);
} else {
  await main();
}
