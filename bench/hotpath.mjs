#!/usr/bin/env node
/**
 * What one small GET costs the client, layer by layer, away from any real server.
 *
 *   node bench/hotpath.mjs              both parts, printed
 *   --gets=2000 --rounds=15 --calls=200000 --write   (writes bench/results/hotpath.md)
 *
 * 1. Over the wire: a server in a child process answers every request at once with the same
 *    206 and 4 KiB (its work is a string search and one write), and this process sends GETs
 *    64 at a time through each layer in turn, interleaved rounds, medians: the bench's bare
 *    HTTP client (bench/race/bare.mjs), core's `Http1Pool`, the pool with omnifs's timeouts
 *    (`sendPooled`), @omnifs/s3's lean GetObject (signed), `catFile`, and OpenDAL's `read`
 *    where its binding is installed (bench/lib/opendal.mjs). Client CPU per GET
 *    (`process.cpuUsage`, OpenDAL's native threads included) and GETs per second.
 * 2. In process: the pool answers at once without a socket (its `request` replaced), so
 *    only omnifs's own JavaScript runs: S3's lean GetObject and `catFile`, and HDFS's
 *    `catFile` (OPEN answered with a redirect, then the datanode's bytes). Microseconds per
 *    call, the median of rounds of `calls` calls one after the other.
 *
 * Reaches into the backends' private fields (`lean`, its `pool`): a benchmark of their
 * internals, not an example of the API.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BarePool } from './race/bare.mjs';
import { mapLimit } from './race/raw.mjs';
import { median } from './lib/harness.mjs';
import { ensureOpendal, opendalVersion, requireOpendal } from './lib/opendal.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, dflt) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a === undefined ? dflt : Number(a.slice(name.length + 3));
};
const SIZE = 4096;

// ---------------------------------------------------------------- the canned server

function serve() {
  const body = Buffer.alloc(SIZE, 7);
  const head =
    'HTTP/1.1 206 Partial Content\r\nAccept-Ranges: bytes\r\nContent-Length: 4096\r\n' +
    'Content-Range: bytes 0-4095/4096\r\nContent-Type: application/octet-stream\r\n' +
    'ETag: "0123456789abcdef0123456789abcdef"\r\nLast-Modified: Fri, 04 Dec 2026 18:00:00 GMT\r\n' +
    'x-amz-request-id: 0123456789ABCDEF\r\nDate: Fri, 04 Dec 2026 18:00:00 GMT\r\n\r\n';
  const answer = Buffer.concat([Buffer.from(head, 'latin1'), body]);
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    let tail = '';
    socket.on('data', (chunk) => {
      const text = tail + chunk.toString('latin1');
      let n = 0;
      let at = 0;
      for (let i = text.indexOf('\r\n\r\n'); i >= 0; i = text.indexOf('\r\n\r\n', at)) {
        n++;
        at = i + 4;
      }
      tail = text.slice(at);
      if (n > 0) socket.write(n === 1 ? answer : Buffer.concat(Array(n).fill(answer)));
    });
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
}

function startServer() {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (d) => resolve({ port: Number(String(d).trim()), stop: () => child.kill() }));
  });
}

function check(bytes) {
  if (bytes.byteLength !== SIZE) throw new Error(`a GET gave ${bytes.byteLength} bytes, not ${SIZE}`);
}

async function overTheWire(gets, rounds) {
  const { filesystem } = await import('@omnifs/core');
  const { Http1Pool, sendPooled } = await import('@omnifs/core/backend');
  await import('@omnifs/s3');
  const server = await startServer();
  const endpoint = `http://127.0.0.1:${server.port}`;
  const fs = filesystem('s3', {
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench-secret' },
    skipInstanceCache: true,
  });
  const keys = Array.from({ length: gets }, (_, i) => `b/k/${i}`);
  const paths = keys.map((k) => `/${k}?X-Amz-Signature=0123456789abcdef`);
  const range = { range: 'bytes=0-8388607' };
  const bare = new BarePool(64);
  const pool = new Http1Pool({ maxSockets: 64 });
  const req = (path) => ({
    method: 'GET',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: server.port,
    path,
    headers: { ...range },
  });
  const lean = fs.lean;
  const layers = {
    'bare client': () =>
      mapLimit(paths, 64, async (p) => check((await bare.send('GET', `${endpoint}${p}`, { headers: range })).body)),
    Http1Pool: () => mapLimit(paths, 64, async (p) => check((await pool.request(req(p))).data)),
    'sendPooled (timeouts)': () =>
      mapLimit(paths, 64, async (p) =>
        check((await sendPooled(pool, req(p), { timeouts: lean.options.timeouts, stream: true })).data),
      ),
    'S3 lean GetObject': () =>
      mapLimit(keys, 64, async (k) => check((await lean.get('b', k.slice(2), [0, 8388608], undefined)).bytes)),
    'S3 catFile': () => mapLimit(keys, 64, async (k) => check(await fs.catFile(k))),
  };
  if (ensureOpendal() === undefined) {
    const { Operator } = requireOpendal();
    const op = new Operator('s3', {
      bucket: 'b',
      endpoint,
      region: 'us-east-1',
      access_key_id: 'bench',
      secret_access_key: 'bench-secret',
    });
    layers[`OpenDAL ${opendalVersion()} read`] = () =>
      mapLimit(keys, 64, async (k) => check(await op.read(k.slice(2))));
  }
  const samples = Object.fromEntries(Object.keys(layers).map((k) => [k, []]));
  try {
    for (const run of Object.values(layers)) await run(); // warm-up: connections open, code compiled
    for (let r = 0; r < rounds; r++) {
      for (const [name, run] of Object.entries(layers)) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await run();
        const ms = performance.now() - t0;
        const cpu = process.cpuUsage(c0);
        samples[name].push({ perSec: (gets / ms) * 1000, cpuUs: (cpu.user + cpu.system) / gets });
      }
    }
  } finally {
    bare.close();
    pool.destroy();
    fs.destroy();
    server.stop();
  }
  return Object.entries(samples).map(([name, s]) => ({
    name,
    perSec: median(s.map((x) => x.perSec)),
    cpuUs: median(s.map((x) => x.cpuUs)),
  }));
}

// ---------------------------------------------------------------- in process

async function inProcess(calls) {
  const { filesystem } = await import('@omnifs/core');
  const { Http1Pool } = await import('@omnifs/core/backend');
  await import('@omnifs/s3');
  await import('@omnifs/hdfs');
  const data = Buffer.alloc(SIZE, 1);
  const answer = (status, fields, body) => {
    const headers = Object.create(null); // as core's parser makes them
    Object.assign(headers, fields);
    return { status, headers, data: body };
  };
  const ranged = answer(206, { 'content-length': '4096', 'content-range': 'bytes 0-4095/4096', etag: '"e"' }, data);
  const s3 = filesystem('s3', {
    endpoint: 'http://127.0.0.1:9',
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench-secret' },
    skipInstanceCache: true,
  });
  s3.lean.pool.request = async () => ranged;
  // HDFS goes through core's shared pool: every pool of this process answers as a cluster would.
  Http1Pool.prototype.request = async function (req) {
    if (req.port === 9870) {
      const location = `http://127.0.0.1:9864${req.path}&namenoderpcaddress=localhost:8020`;
      return answer(307, { location, 'content-length': '0' }, Buffer.alloc(0));
    }
    return answer(200, { 'content-length': '4096' }, data);
  };
  Http1Pool.prototype.preconnect = () => {};
  const hdfs = filesystem('webhdfs', { url: 'http://127.0.0.1:9870', user: 'bench', skipInstanceCache: true });
  const cases = {
    'S3 lean GetObject': (i) => s3.lean.get('b', `k/${i & 1023}`, [0, 8388608], undefined).then((r) => check(r.bytes)),
    'S3 catFile': (i) => s3.catFile(`b/k/${i & 1023}`).then(check),
    'HDFS catFile (OPEN, redirect, read)': (i) => hdfs.catFile(`/d/k/${i & 1023}`).then(check),
  };
  const out = [];
  for (const [name, call] of Object.entries(cases)) {
    const rounds = [];
    for (let r = 0; r < 6; r++) {
      const t0 = performance.now();
      for (let i = 0; i < calls; i++) await call(i);
      rounds.push(((performance.now() - t0) * 1000) / calls);
    }
    out.push({ name, us: median(rounds.slice(1)) }); // the first round warms the code
  }
  return out;
}

function runInProcessChild(calls) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--in-process', `--calls=${calls}`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(JSON.parse(text)) : reject(new Error(`exit ${code}`))));
  });
}

// ---------------------------------------------------------------- main

async function main() {
  if (process.argv.includes('--serve')) return serve();
  const calls = arg('calls', 200_000);
  if (process.argv.includes('--in-process')) {
    process.stdout.write(JSON.stringify(await inProcess(calls)));
    return;
  }
  const gets = arg('gets', 2000);
  const rounds = arg('rounds', 15);
  const started = new Date();
  const wire = await overTheWire(gets, rounds);
  const local = await runInProcessChild(calls);
  const lines = [
    '# What one small GET costs the client',
    '',
    `Run ${started.toISOString()}, Node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'CPU'}; ` +
      `\`node bench/hotpath.mjs\` (bench/hotpath.mjs says what each row measures).`,
    '',
    `## Over the wire: ${gets} GETs of 4 KiB, 64 in flight, a server that answers at once (medians of ${rounds} rounds)`,
    '',
    '| layer | GETs/s | client CPU per GET (us) |',
    '| --- | ---: | ---: |',
    ...wire.map((w) => `| ${w.name} | ${Math.round(w.perSec).toLocaleString('en-US')} | ${w.cpuUs.toFixed(1)} |`),
    '',
    `## In process: the pool answers without a socket (median of five rounds of ${calls.toLocaleString('en-US')} calls)`,
    '',
    '| call | us per call |',
    '| --- | ---: |',
    ...local.map((l) => `| ${l.name} | ${l.us.toFixed(2)} |`),
    '',
  ];
  const md = lines.join('\n');
  process.stdout.write(`${md}\n`);
  if (process.argv.includes('--write')) writeFileSync(join(here, 'results', 'hotpath.md'), md);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
