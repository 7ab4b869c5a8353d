#!/usr/bin/env node
/**
 * S3 request paths side by side: omnifs with `leanRequests: false` (every request through
 * the AWS SDK) against the default lean path, in one run on versitygw (posix on tmpfs,
 * `--keep-alive --quiet`), contenders interleaved, each run in a process of its own.
 *
 *   node bench/s3-lean.mjs            2,000 small requests, 1,000 files at 20 ms, 1 GiB, 3 runs
 *   node bench/s3-lean.mjs --quick    500 small requests, 200 files, 128 MiB, 1 run
 *
 * Workloads: sequential 4 KiB PUTs and GETs (rate and client CPU per request, from
 * process.cpuUsage), 1,000 x 4 KiB GETs at concurrency 64, a directory of 4 KiB files put
 * through a proxy adding 20 ms of round trip with the default batching, recursive delete of
 * those files, and a large file up and down (MB/s and client CPU per GiB). Prints a markdown
 * table; writes nothing. `VERSITYGW_BIN` points at a binary; else bench/s3.mjs's install is used.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './lib/servers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..');
const ACCESS = 'omnifsbench';
const SECRET = 'omnifsbench-secret';
const MiB = 1024 * 1024;
const KiB4 = 4096;

// ---------------------------------------------------------------- child: one path, one workload

async function child(cfg) {
  const { filesystem } = await import('@omnifs/core');
  await import('@omnifs/s3');
  const endpoint = cfg.latency ? cfg.proxyEndpoint : cfg.endpoint;
  const fs = filesystem('s3', {
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS, secretAccessKey: SECRET },
    leanRequests: cfg.lean,
    skipInstanceCache: true,
  });
  const B = cfg.bucket;
  const dir = `${B}/${cfg.tag}`;
  const body = new Uint8Array(KiB4).fill(7);
  let ops = 0;
  let bytes = 0;
  let run;
  switch (cfg.workload) {
    case 'put-seq':
      run = async () => {
        for (let i = 0; i < cfg.n; i++) await fs.pipeFile(`${dir}/s${i}`, body);
        ops = cfg.n;
      };
      break;
    case 'get-seq':
      for (let i = 0; i < cfg.n; i++) await fs.pipeFile(`${dir}/s${i}`, body);
      run = async () => {
        for (let i = 0; i < cfg.n; i++) await fs.cat(`${dir}/s${i}`);
        ops = cfg.n;
      };
      break;
    case 'get-64':
      for (let i = 0; i < 64; i++) await fs.pipeFile(`${dir}/s${i}`, body);
      run = async () => {
        let next = 0;
        await Promise.all(
          Array.from({ length: 64 }, async () => {
            while (next < cfg.n) await fs.cat(`${dir}/s${next++ % 64}`);
          }),
        );
        ops = cfg.n;
      };
      break;
    case 'put-dir-20ms':
      run = async () => {
        await fs.put(`${cfg.smallDir}/`, `${dir}/d`, { recursive: true });
        ops = cfg.files;
      };
      break;
    case 'rm-dir':
      await fs.put(`${cfg.smallDir}/`, `${dir}/d`, { recursive: true });
      run = async () => {
        await fs.rm(`${dir}/d`, { recursive: true });
        ops = cfg.files;
      };
      break;
    case 'large-put':
      run = async () => {
        await fs.put(cfg.largeFile, `${dir}/large`);
        bytes = cfg.largeSize;
      };
      break;
    case 'large-get':
      await fs.put(cfg.largeFile, `${dir}/large`);
      run = async () => {
        await fs.get(`${dir}/large`, join(cfg.scratch, `down-${cfg.tag}`));
        bytes = cfg.largeSize;
      };
      break;
    default:
      throw new Error(`unknown workload ${cfg.workload}`);
  }
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await run();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  rmSync(join(cfg.scratch, `down-${cfg.tag}`), { force: true });
  if (cfg.workload.startsWith('large')) await fs.rm(`${dir}/large`); // tmpfs holds one copy at a time
  fs.destroy();
  process.stdout.write(`${JSON.stringify({ seconds, ops, bytes, cpuSeconds })}\n`);
}

// ---------------------------------------------------------------- parent

async function startVersitygw(dataDir) {
  const bin = process.env.VERSITYGW_BIN ?? join(repo, '.cache', 'bench', 'bin', 'versitygw');
  if (!existsSync(bin)) throw new Error(`no versitygw at ${bin}: run node bench/s3.mjs --quick once to install it`);
  const port = await freePort();
  const proc = spawn(bin, ['--port', `127.0.0.1:${port}`, '--keep-alive', '--quiet', 'posix', dataDir], {
    env: { ...process.env, ROOT_ACCESS_KEY: ACCESS, ROOT_SECRET_KEY: SECRET },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(endpoint);
      return { endpoint, stop: () => proc.kill('SIGTERM') };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  proc.kill('SIGTERM');
  throw new Error('versitygw did not answer');
}

/** A TCP proxy adding `rttMs` of round trip (half each way), order preserved. */
async function startLatencyProxy(targetPort, rttMs) {
  const delayed = (from, to) => {
    from.on('data', (chunk) => setTimeout(() => to.write(chunk), rttMs / 2));
    from.on('end', () => setTimeout(() => to.end(), rttMs / 2));
    from.on('error', () => to.destroy());
  };
  const server = net.createServer((c) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    delayed(c, upstream);
    delayed(upstream, c);
  });
  const port = await freePort();
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => server.close() };
}

function runChild(cfg) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', JSON.stringify(cfg)], {
      cwd: repo,
      env: { ...process.env, AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.on('close', (code) => {
      if (code !== 0) reject(new Error(`${cfg.workload} (${cfg.lean ? 'lean' : 'sdk'}) failed`));
      else resolve(JSON.parse(out.trim().split('\n').pop()));
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main() {
  const quick = process.argv.includes('--quick');
  const only = process.argv
    .find((a) => a.startsWith('--only='))
    ?.slice(7)
    .split(',');
  const n = quick ? 500 : 2000;
  const files = quick ? 200 : 1000;
  const largeSize = (quick ? 128 : Number(process.env.BENCH_S3_LARGE_MIB ?? 1024)) * MiB;
  const reps = quick ? 1 : 3;
  const scratch = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'omnifs-bench-lean-'));
  const dataDir = join(scratch, 'gw');
  mkdirSync(dataDir);
  const smallDir = join(scratch, 'small');
  mkdirSync(smallDir);
  for (let i = 0; i < files; i++) writeFileSync(join(smallDir, `f${i}`), new Uint8Array(KiB4).fill(i % 251));
  const largeFile = join(scratch, 'large.bin');
  const chunk = Buffer.alloc(MiB);
  for (let i = 0; i < MiB; i++) chunk[i] = (i * 31) & 0xff;
  writeFileSync(largeFile, Buffer.concat(Array.from({ length: largeSize / MiB }, () => chunk)));
  const gw = await startVersitygw(dataDir);
  const proxy = await startLatencyProxy(Number(new URL(gw.endpoint).port), 20);
  const bucket = 'leanbench';
  mkdirSync(join(dataDir, bucket));
  const workloads = [
    ['put-seq', `${n} x 4 KiB PUT, one at a time`, 'ops'],
    ['get-seq', `${n} x 4 KiB GET, one at a time`, 'ops'],
    ['get-64', `${n} x 4 KiB GET, 64 at once`, 'ops'],
    ['put-dir-20ms', `put of ${files} x 4 KiB files, 20 ms RTT, default batching`, 'ops', true],
    ['rm-dir', `recursive rm of ${files} keys`, 'ops'],
    ['large-put', `${largeSize / MiB} MiB upload`, 'bytes'],
    ['large-get', `${largeSize / MiB} MiB download`, 'bytes'],
  ].filter(([id]) => only === undefined || only.includes(id));
  const results = new Map();
  let tag = 0;
  try {
    for (let rep = 0; rep < reps; rep++) {
      for (const [id, , , latency] of workloads) {
        for (const lean of rep % 2 === 0 ? [false, true] : [true, false]) {
          const cfg = {
            workload: id,
            lean,
            latency: latency === true,
            endpoint: gw.endpoint,
            proxyEndpoint: proxy.endpoint,
            bucket,
            tag: `t${tag++}`,
            n,
            files,
            smallDir,
            largeFile,
            largeSize,
            scratch,
          };
          const r = await runChild(cfg);
          const key = `${id}:${lean}`;
          results.set(key, [...(results.get(key) ?? []), r]);
        }
      }
    }
  } finally {
    proxy.stop();
    gw.stop();
  }
  const rows = ['| work | SDK path | lean path | ratio | client CPU, SDK → lean |', '| --- | --: | --: | --: | --: |'];
  for (const [id, what, unit] of workloads) {
    const cell = (lean) => {
      const rs = results.get(`${id}:${lean}`);
      const rate = median(rs.map((r) => (unit === 'ops' ? r.ops : r.bytes / 1e6) / r.seconds));
      const cpu =
        unit === 'ops'
          ? median(rs.map((r) => (r.cpuSeconds * 1000) / r.ops))
          : median(rs.map((r) => r.cpuSeconds / (r.bytes / 2 ** 30)));
      return { rate, cpu };
    };
    const sdk = cell(false);
    const lean = cell(true);
    const u = unit === 'ops' ? '/s' : ' MB/s';
    const cu = unit === 'ops' ? ' ms/op' : ' s/GiB';
    rows.push(
      `| ${what} | ${sdk.rate.toFixed(0)}${u} | ${lean.rate.toFixed(0)}${u} | ${(lean.rate / sdk.rate).toFixed(2)}x | ` +
        `${sdk.cpu.toFixed(2)} → ${lean.cpu.toFixed(2)}${cu} |`,
    );
  }
  const env = `Node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, versitygw (posix on tmpfs), median of ${reps}`;
  process.stdout.write(`${env}\n\n${rows.join('\n')}\n`);
  rmSync(scratch, { recursive: true, force: true });
}

if (process.argv[2] === '--child') await child(JSON.parse(process.argv[3]));
else await main();
