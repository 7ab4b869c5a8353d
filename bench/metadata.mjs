/**
 * Metadata calls one at a time: `info` of an object and `exists` of a missing path
 * (a path is a directory when something lies below it, so omnifs, as fsspec, asks twice:
 * the object, then a one-entry listing; OpenDAL's `stat` asks once), for omnifs and
 * OpenDAL side by side on each store of the race (versitygw, fake-gcs-server, Azurite,
 * MiniDFSCluster). Calls per second and client CPU per call, medians of interleaved
 * repetitions in one process.
 *
 *   node bench/metadata.mjs                       all four stores, 500 calls, 5 repetitions
 *   node bench/metadata.mjs --stores=gcs --calls=200 --reps=3
 *   node bench/metadata.mjs --write               also writes bench/results/metadata.md
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { median } from './lib/harness.mjs';
import { ensureOpendal, opendalVersion, requireOpendal } from './lib/opendal.mjs';
import { opendalConfig, omnifsOptions, PROTOCOL } from './race/node-contenders.mjs';
import { startStore } from './race/stores.mjs';

const arg = (name, fallback) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a === undefined ? fallback : a.slice(name.length + 3);
};
const stores = arg('stores', 's3,gcs,azure,hdfs').split(',');
const calls = Number(arg('calls', 500));
const reps = Number(arg('reps', 5));
const write = process.argv.includes('--write');

/** The two calls of each contender, on an object `obj` and a missing `nope`. */
async function contenders(kind, st) {
  const { filesystem } = await import('@omnifs/core');
  await import(`@omnifs/${kind}`);
  const fs = filesystem(PROTOCOL[kind], { ...omnifsOptions(kind, st.conns.direct), skipInstanceCache: true });
  const root = kind === 'hdfs' ? `/${st.bucket}` : st.bucket;
  await fs.pipeFile(`${root}/obj`, Buffer.alloc(4096, 1));
  const out = {
    omnifs: {
      info: () => fs.info(`${root}/obj`),
      missing: async () => {
        if (await fs.exists(`${root}/nope`)) throw new Error('a missing path exists');
      },
    },
  };
  const problem = ensureOpendal();
  if (problem === undefined) {
    const { Operator } = requireOpendal();
    const op = new Operator(...opendalConfig({ store: kind, bucket: st.bucket }, st.conns.direct));
    out.opendal = {
      info: () => op.stat('obj'),
      missing: () =>
        op.stat('nope').then(
          () => {
            throw new Error('a missing path exists');
          },
          () => undefined,
        ),
    };
  }
  return { calls: out, close: () => fs.destroy?.() };
}

/** Runs `fn` `calls` times one after another: calls per second and CPU ms per call. */
async function timed(fn) {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await fn();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return { perSecond: calls / seconds, cpuMs: (cpu.user + cpu.system) / 1e3 / calls };
}

const rows = [];
for (const kind of stores) {
  const scratch = mkdtempSync(join(os.tmpdir(), 'omnifs-metadata-'));
  const st = await startStore(kind, scratch);
  try {
    const { calls: cs, close } = await contenders(kind, st);
    const names = Object.keys(cs);
    const samples = {};
    for (const name of names) for (const op of ['info', 'missing']) await timed(cs[name][op]); // warm-up
    for (let rep = 0; rep < reps; rep++) {
      const order = names.map((_, i) => names[(i + rep) % names.length]);
      for (const name of order)
        for (const op of ['info', 'missing']) (samples[`${name} ${op}`] ??= []).push(await timed(cs[name][op]));
    }
    for (const op of ['info', 'missing']) {
      const m = (name, key) => median((samples[`${name} ${op}`] ?? []).map((s) => s[key]));
      const row = { store: kind, op, omnifs: m('omnifs', 'perSecond'), omnifsCpu: m('omnifs', 'cpuMs') };
      if (names.includes('opendal'))
        Object.assign(row, { opendal: m('opendal', 'perSecond'), opendalCpu: m('opendal', 'cpuMs') });
      rows.push(row);
      process.stderr.write(`${kind} ${op}: ${JSON.stringify(row)}\n`);
    }
    await close();
  } finally {
    await st.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

const OP = { info: '`info` of a 4 KiB object', missing: '`exists` of a missing path' };
const f = (n, d = 0) =>
  n === undefined || Number.isNaN(n)
    ? '–'
    : n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const lines = [
  '# Metadata calls one at a time',
  '',
  `Run ${new Date().toISOString()}, Node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model.split(' ').slice(0, 2).join(' ')}; opendal ${opendalVersion()}.`,
  `${calls} calls one after another, median of ${reps} interleaved repetitions after a warm-up, one process; client CPU per call from \`process.cpuUsage\`. \`node bench/metadata.mjs --write\`.`,
  '',
  "A missing path is two calls on an object store: the object, then a one-entry listing of `path/` (something below it makes the path a directory, as in fsspec); OpenDAL's `stat` asks for the object only. HDFS answers both with one GETFILESTATUS.",
  '',
  '| store | call | omnifs calls/s | OpenDAL calls/s | omnifs / OpenDAL | omnifs CPU ms/call | OpenDAL CPU ms/call |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map(
    (r) =>
      `| ${r.store} | ${OP[r.op]} | ${f(r.omnifs)} | ${f(r.opendal)} | ${r.opendal ? `${f(r.omnifs / r.opendal, 2)}x` : '–'} | ${f(r.omnifsCpu, 3)} | ${f(r.opendalCpu, 3)} |`,
  ),
  '',
];
process.stdout.write(`${lines.join('\n')}\n`);
if (write) writeFileSync(new URL('./results/metadata.md', import.meta.url), lines.join('\n'));
process.exit(0);
