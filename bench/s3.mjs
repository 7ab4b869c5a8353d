#!/usr/bin/env node
/**
 * S3 benchmark: omnifs (@omnifs/s3) against the raw AWS SDK (client-s3, lib-storage) on
 * versitygw (posix backend on tmpfs, loopback), in one run. Writes bench/results/s3.md and
 * bench/results/s3.json.
 *
 *   node bench/s3.mjs                  1 GiB large file, 1,000 small files, 10,000 keys
 *   node bench/s3.mjs --quick          64 MiB, 200 small files, 2,000 keys; writes nothing
 *   node bench/s3.mjs --only=get       only some workloads (put, get, find, small; comma-separated);
 *                                      writes nothing
 *
 * Workloads (each contender runs in a process of its own, so its peak RSS is its own):
 * - large put / get: omnifs `put` / `get` vs lib-storage `Upload`, one `GetObject` stream,
 *   and a raw loop of ranged GetObjects, with the same part size and concurrency;
 * - small files through a proxy adding 20 ms of round-trip latency: omnifs `put` of a
 *   directory with `batchSize` vs omnifs `put` one file at a time, and the raw SDK's
 *   sequential and concurrent PutObject for reference;
 * - `find` over 10,000 keys vs a raw ListObjectsV2 paging loop.
 *
 * Needs `npm run build` and Go (versitygw is installed with `go install` on first use into
 * .cache/bench/bin). `VERSITYGW_BIN` points at an existing binary instead.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { startLatencyProxy, startVersitygw, VERSITYGW_VERSION } from './lib/servers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..');
const ACCESS = 'omnifsbench';
const SECRET = 'omnifsbench-secret';
const MiB = 1024 * 1024;
const PART = 8 * MiB;
const CONCURRENCY = 4;
const BATCH = 32;

// ---------------------------------------------------------------- child: one contender

async function child(id, cfg) {
  const { S3Client, PutObjectCommand, GetObjectCommand, ListObjectsV2Command } = await import('@aws-sdk/client-s3');
  const { Upload } = await import('@aws-sdk/lib-storage');
  const { filesystem } = await import('@omnifs/core');
  await import('@omnifs/s3');
  const conn = (endpoint) => ({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS, secretAccessKey: SECRET },
  });
  const endpoint = cfg.latency ? cfg.proxyEndpoint : cfg.endpoint;
  const client = new S3Client({ ...conn(endpoint), maxAttempts: 3 });
  const fs = filesystem('s3', { ...conn(endpoint), partSize: PART, concurrency: CONCURRENCY, skipInstanceCache: true });
  const B = cfg.bucket;
  const t0 = process.hrtime.bigint();
  let ops = 1;
  let bytes = 0;
  switch (id) {
    case 'put-raw': {
      await new Upload({
        client,
        params: { Bucket: B, Key: `large/${cfg.tag}`, Body: createReadStream(cfg.largeFile) },
        partSize: PART,
        queueSize: CONCURRENCY,
      }).done();
      bytes = cfg.largeSize;
      break;
    }
    case 'put-omnifs': {
      await fs.put(cfg.largeFile, `${B}/large/${cfg.tag}`);
      bytes = cfg.largeSize;
      break;
    }
    case 'get-raw': {
      const res = await client.send(new GetObjectCommand({ Bucket: B, Key: 'large/source' }));
      await pipeline(res.Body, createWriteStream(cfg.out));
      bytes = cfg.largeSize;
      break;
    }
    case 'get-raw-ranged': {
      const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
      const { open } = await import('node:fs/promises');
      const size = (await client.send(new HeadObjectCommand({ Bucket: B, Key: 'large/source' }))).ContentLength;
      const parts = Math.ceil(size / PART);
      const fh = await open(cfg.out, 'w');
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < parts) {
            const i = next++;
            const res = await client.send(
              new GetObjectCommand({
                Bucket: B,
                Key: 'large/source',
                Range: `bytes=${i * PART}-${Math.min(size, (i + 1) * PART) - 1}`,
              }),
            );
            const buf = await res.Body.transformToByteArray();
            await fh.write(buf, 0, buf.byteLength, i * PART);
          }
        }),
      );
      await fh.close();
      bytes = cfg.largeSize;
      break;
    }
    case 'get-omnifs': {
      await fs.get(`${B}/large/source`, cfg.out);
      bytes = cfg.largeSize;
      break;
    }
    case 'small-seq-raw':
    case 'small-batch-raw': {
      const width = id === 'small-batch-raw' ? BATCH : 1;
      let next = 0;
      await Promise.all(
        Array.from({ length: width }, async () => {
          while (next < cfg.smallNames.length) {
            const name = cfg.smallNames[next++];
            await client.send(
              new PutObjectCommand({
                Bucket: B,
                Key: `small/${cfg.tag}/${name}`,
                Body: readFileSync(join(cfg.smallDir, name)),
              }),
            );
          }
        }),
      );
      ops = cfg.smallNames.length;
      break;
    }
    case 'small-seq-omnifs': {
      for (const name of cfg.smallNames) await fs.put(join(cfg.smallDir, name), `${B}/small/${cfg.tag}/${name}`);
      ops = cfg.smallNames.length;
      break;
    }
    case 'small-batch-omnifs': {
      await fs.put(`${cfg.smallDir}/`, `${B}/small/${cfg.tag}`, { recursive: true, batchSize: BATCH });
      ops = cfg.smallNames.length;
      break;
    }
    case 'find-raw': {
      let token;
      let n = 0;
      do {
        const res = await client.send(
          new ListObjectsV2Command({ Bucket: B, Prefix: 'keys/', ContinuationToken: token }),
        );
        n += res.Contents?.length ?? 0;
        token = res.IsTruncated ? res.NextContinuationToken : undefined;
      } while (token);
      if (n !== cfg.keys) throw new Error(`raw listing saw ${n} keys, expected ${cfg.keys}`);
      ops = n;
      break;
    }
    case 'find-omnifs': {
      const found = await fs.find(`${B}/keys`);
      if (found.length !== cfg.keys) throw new Error(`find saw ${found.length} keys, expected ${cfg.keys}`);
      ops = found.length;
      break;
    }
    default:
      throw new Error(`unknown contender ${id}`);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  // VmHWM: this process's own peak (ru_maxrss can carry the parent's peak over fork + exec).
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  const maxRssMiB = hwm ? Number(hwm[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
  client.destroy();
  fs.destroy();
  process.stdout.write(`${JSON.stringify({ id, seconds, ops, bytes, maxRssMiB })}\n`);
}

// ---------------------------------------------------------------- parent: servers and runs

/** Runs one contender in a child process (asynchronously: the latency proxy lives in this one). */
function runChild(id, cfg) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', id, JSON.stringify(cfg)], {
      cwd: repo,
      env: { ...process.env, AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d) => {
      out += d;
    });
    proc.stderr.on('data', (d) => {
      err += d;
    });
    proc.on('close', (code) => {
      if (code !== 0) reject(new Error(`${id} failed:\n${err}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()));
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sha = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

async function main() {
  const quick = process.argv.includes('--quick');
  const onlyArg = process.argv.find((a) => a.startsWith('--only='));
  const only = onlyArg === undefined ? undefined : new Set(onlyArg.slice('--only='.length).split(','));
  const wanted = (workload) => only === undefined || only.has(workload);
  const largeMiB = quick ? 64 : Number(process.env.BENCH_S3_LARGE_MIB ?? 1024);
  const smallCount = quick ? 200 : 1000;
  const keyCount = quick ? 2000 : 10_000;
  const reps = quick ? 1 : 3;
  const rtt = 20;
  const scratch = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'omnifs-bench-s3-'));
  const dataDir = join(scratch, 'gw');
  mkdirSync(dataDir);
  const gw = await startVersitygw(dataDir, ACCESS, SECRET);
  const proxy = await startLatencyProxy(Number(new URL(gw.endpoint).port), rtt);
  const interrupted = () => {
    gw.stop();
    rmSync(scratch, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  try {
    const { S3Client, CreateBucketCommand, PutObjectCommand } = await import('@aws-sdk/client-s3');
    const { Upload } = await import('@aws-sdk/lib-storage');
    const client = new S3Client({
      endpoint: gw.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: ACCESS, secretAccessKey: SECRET },
    });
    const bucket = `bench-${randomBytes(4).toString('hex')}`;
    await client.send(new CreateBucketCommand({ Bucket: bucket }));

    // Data: one large file, small files, 10,000 keys.
    const largeFile = join(scratch, 'large.bin');
    const ws = createWriteStream(largeFile);
    for (let i = 0; i < largeMiB; i++) if (!ws.write(randomBytes(MiB))) await new Promise((r) => ws.once('drain', r));
    await new Promise((r) => ws.end(r));
    const largeSize = largeMiB * MiB;
    await new Upload({
      client,
      params: { Bucket: bucket, Key: 'large/source', Body: createReadStream(largeFile) },
      partSize: PART,
      queueSize: CONCURRENCY,
    }).done();
    const smallDir = join(scratch, 'small');
    mkdirSync(smallDir);
    const smallNames = Array.from({ length: smallCount }, (_, i) => `f${String(i).padStart(5, '0')}.bin`);
    for (const n of smallNames) writeFileSync(join(smallDir, n), randomBytes(4096));
    let next = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < keyCount) {
          const i = next++;
          await client.send(
            new PutObjectCommand({ Bucket: bucket, Key: `keys/d${String(i % 100).padStart(3, '0')}/k${i}`, Body: 'x' }),
          );
        }
      }),
    );
    client.destroy();

    const base = {
      endpoint: gw.endpoint,
      proxyEndpoint: proxy.endpoint,
      bucket,
      largeFile,
      largeSize,
      smallDir,
      smallNames,
      keys: keyCount,
    };
    const results = {};
    const record = (r) => {
      (results[r.id] ??= []).push(r);
    };
    for (let rep = 0; rep < reps; rep++) {
      if (wanted('put'))
        for (const id of rep % 2 ? ['put-omnifs', 'put-raw'] : ['put-raw', 'put-omnifs'])
          record(await runChild(id, { ...base, tag: `${id}-${rep}` }));
      if (wanted('get'))
        for (const id of rep % 2
          ? ['get-omnifs', 'get-raw-ranged', 'get-raw']
          : ['get-raw', 'get-raw-ranged', 'get-omnifs']) {
          const out = join(scratch, `${id}.bin`);
          record(await runChild(id, { ...base, out }));
          if (rep === 0 && sha(out) !== sha(largeFile)) throw new Error(`${id} downloaded different bytes`);
          rmSync(out);
        }
      if (wanted('find'))
        for (const id of ['find-raw', 'find-omnifs', 'find-raw', 'find-omnifs']) record(await runChild(id, base));
    }
    const smallReps = !wanted('small') ? 0 : quick ? 1 : 2;
    for (let rep = 0; rep < smallReps; rep++) {
      for (const id of ['small-batch-omnifs', 'small-batch-raw', 'small-seq-omnifs', 'small-seq-raw']) {
        record(await runChild(id, { ...base, latency: true, tag: `${id}-${rep}` }));
      }
    }

    const summary = Object.fromEntries(
      Object.entries(results).map(([id, rs]) => {
        const s = median(rs.map((r) => r.seconds));
        return [
          id,
          {
            seconds: s,
            runs: rs.length,
            mbps: rs[0].bytes ? rs[0].bytes / MiB / s : undefined,
            opsPerSec: rs[0].ops / s,
            maxRssMiB: Math.max(...rs.map((r) => r.maxRssMiB)),
          },
        ];
      }),
    );
    const ratio = (a, b) => (summary[a] && summary[b] ? summary[b].seconds / summary[a].seconds : NaN);
    const checks = [
      {
        what: `put ${largeMiB} MiB: omnifs vs lib-storage Upload`,
        value: ratio('put-omnifs', 'put-raw'),
        target: 0.95,
      },
      {
        what: `get ${largeMiB} MiB: omnifs vs one GetObject stream`,
        value: ratio('get-omnifs', 'get-raw'),
        target: 0.95,
      },
      {
        what: `get ${largeMiB} MiB: omnifs vs raw ranged GetObjects (same part size and concurrency)`,
        value: ratio('get-omnifs', 'get-raw-ranged'),
        target: 0.95,
      },
      {
        what: `peak RSS of omnifs put / get (MiB)`,
        value: Math.max(...['put-omnifs', 'get-omnifs'].filter((id) => summary[id]).map((id) => summary[id].maxRssMiB)),
        target: 200,
        lower: true,
      },
      {
        what: `${smallCount} small files, ${rtt} ms RTT: omnifs put batched (batchSize ${BATCH}) vs omnifs put one at a time`,
        value: ratio('small-batch-omnifs', 'small-seq-omnifs'),
        target: 10,
      },
      {
        what: `${smallCount} small files, ${rtt} ms RTT: omnifs put batched vs raw sequential PutObject`,
        value: ratio('small-batch-omnifs', 'small-seq-raw'),
        target: 10,
      },
      {
        what: `find over ${keyCount} keys: omnifs time / raw ListObjectsV2 loop time`,
        value: 1 / ratio('find-omnifs', 'find-raw'),
        target: 1.1,
        lower: true,
      },
    ];
    const env = `Node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, versitygw ${VERSITYGW_VERSION} (posix on tmpfs), part ${PART / MiB} MiB x ${CONCURRENCY}, median of ${reps} (large, find: ${reps * 2}) runs`;
    const rows = Object.entries(summary).map(
      ([id, s]) =>
        `| ${id} | ${s.seconds.toFixed(3)} | ${s.mbps ? s.mbps.toFixed(1) : '–'} | ${s.opsPerSec.toFixed(1)} | ${s.maxRssMiB.toFixed(0)} | ${s.runs} |`,
    );
    const md = [
      '# S3 benchmark: omnifs vs the raw AWS SDK on versitygw',
      '',
      env,
      '',
      '| contender | median s | MiB/s | ops/s | peak RSS MiB | runs |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      ...rows,
      '',
      '| check | value | target | met |',
      '| --- | ---: | ---: | --- |',
      ...checks
        .filter((c) => Number.isFinite(c.value))
        .map(
          (c) =>
            `| ${c.what} | ${c.value.toFixed(2)} | ${c.lower ? '<' : '>='} ${c.target} | ${(c.lower ? c.value < c.target : c.value >= c.target) ? 'yes' : 'no'} |`,
        ),
      '',
    ].join('\n');
    process.stdout.write(`${md}\n`);
    if (!quick && only === undefined) {
      mkdirSync(join(here, 'results'), { recursive: true });
      writeFileSync(join(here, 'results', 's3.md'), md);
      writeFileSync(
        join(here, 'results', 's3.json'),
        `${JSON.stringify({ environment: env, summary, checks, date: new Date().toISOString() }, null, 2)}\n`,
      );
    }
  } finally {
    proxy.stop();
    gw.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  child(process.argv[3], JSON.parse(process.argv[4])).catch((err) => {
    process.stderr.write(`${err?.stack ?? err}\n`);
    process.exit(1);
  });
} else {
  main().catch((err) => {
    process.stderr.write(`${err?.stack ?? err}\n`);
    process.exitCode = 1;
  });
}
