// What the timeouts cost on the hot path: a 256 MiB download over loopback HTTP with plain
// `fetch` and with core's `timedFetch` (idle timer re-armed per chunk), and `info` on the
// memory filesystem without and with a `signal`. Run after `npm run build`:
//   node bench/timeouts.mjs
import { createServer } from 'node:http';
import { DEFAULT_TIMEOUTS, filesystem } from '@omnifs/core';
import { timedFetch } from '@omnifs/core/backend';
import '@omnifs/memory';

const MiB = 1024 * 1024;
const SIZE = Number(process.env.BENCH_TIMEOUTS_MIB ?? 256) * MiB;
const block = Buffer.alloc(MiB, 7);
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-length': String(SIZE) });
  let sent = 0;
  const more = () => {
    while (sent < SIZE) {
      sent += block.length;
      if (!res.write(block)) return res.once('drain', more);
    }
    res.end();
  };
  more();
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/`;

async function drain(res) {
  let n = 0;
  for await (const chunk of res.body) n += chunk.byteLength;
  if (n !== SIZE) throw new Error(`got ${n} bytes`);
}

const contenders = {
  fetch: async () => drain(await fetch(url)),
  timedFetch: async () => drain(await timedFetch(url, {}, DEFAULT_TIMEOUTS, 'data')),
};
const rows = [];
for (const run of Object.values(contenders)) await run(); // warm-up
for (let pass = 0; pass < 3; pass++) {
  for (const [name, run] of Object.entries(contenders)) {
    const t = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    await run();
    const used = process.cpuUsage(cpu);
    rows.push([name, Number(process.hrtime.bigint() - t) / 1e6, (used.user + used.system) / 1000]);
  }
}
server.close();
// CPU time (client and server share the process) is steadier than wall time on a busy machine.
const best = (name, i) => Math.min(...rows.filter((r) => r[0] === name).map((r) => r[i]));
console.log(`| ${SIZE / MiB} MiB over loopback, best of 3 | MB/s | CPU ms |`);
console.log('| --- | --- | --- |');
for (const name of Object.keys(contenders)) {
  console.log(`| ${name} | ${(SIZE / 1e6 / (best(name, 1) / 1000)).toFixed(0)} | ${best(name, 2).toFixed(0)} |`);
}

const fs = filesystem('memory', { skipInstanceCache: true });
await fs.writeText('/a.txt', 'x');
const N = 200_000;
const signal = new AbortController().signal;
for (const [name, opts] of [
  ['info', undefined],
  ['info with signal', { signal }],
]) {
  for (let i = 0; i < 20_000; i++) await fs.info('/a.txt', opts);
  const t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await fs.info('/a.txt', opts);
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  console.log(`| memory ${name} | ${(N / (ms / 1000)).toFixed(0)} ops/s |`);
}
