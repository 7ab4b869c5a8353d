/**
 * A fresh process's first call: how long a short-lived program (a CLI call, a serverless
 * cold start) waits for its first answer. Each sample is a new Node process that loads
 * the library, makes its filesystem (OpenDAL: its Operator) and asks for the metadata of
 * a 4 KiB object, then asks again; omnifs and OpenDAL alternate, on each store of the race
 * (versitygw, fake-gcs-server, Azurite, MiniDFSCluster). Medians over the processes, in ms
 * from the process's start (`performance.now()`): the library loaded, the first answer;
 * and the second call's own time. On Node 22.1 and later, omnifs runs again with Node's
 * compile cache (`NODE_COMPILE_CACHE`), as a serverless image or a CLI can keep it.
 *
 *   node bench/cold.mjs                           all four stores, 7 processes each
 *   node bench/cold.mjs --stores=azure --samples=5
 *   node bench/cold.mjs --write                   also writes bench/results/cold.md
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const arg = (name, fallback) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a === undefined ? fallback : a.slice(name.length + 3);
};

/** In a sample's process: load, make, ask twice; prints the times as JSON. */
async function child(spec) {
  let call;
  let loaded;
  if (spec.who === 'omnifs') {
    const { filesystem } = await import('@omnifs/core');
    await import(`@omnifs/${spec.backend}`);
    loaded = performance.now();
    const fs = filesystem(spec.protocol, { ...spec.options, skipInstanceCache: true });
    call = () => fs.info(spec.path);
  } else {
    const { requireOpendal } = await import('./lib/opendal.mjs');
    const { Operator } = requireOpendal();
    loaded = performance.now();
    const op = new Operator(...spec.opendal);
    call = () => op.stat('cold/obj');
  }
  await call();
  const first = performance.now();
  await call();
  const second = performance.now() - first;
  process.stdout.write(`${JSON.stringify({ loaded, first, second })}\n`);
  process.exit(0);
}

if (process.env.OMNIFS_COLD_SPEC !== undefined) await child(JSON.parse(process.env.OMNIFS_COLD_SPEC));

const { median } = await import('./lib/harness.mjs');
const { ensureOpendal, opendalVersion } = await import('./lib/opendal.mjs');
const { opendalConfig, omnifsOptions, PROTOCOL } = await import('./race/node-contenders.mjs');
const { startStore } = await import('./race/stores.mjs');

const stores = arg('stores', 's3,gcs,azure,hdfs').split(',');
const samples = Number(arg('samples', 7));
const write = process.argv.includes('--write');
const run = promisify(execFile);
const self = fileURLToPath(import.meta.url);

/** One sample: a new process for `spec` (with `spec.cache`, Node's compile cache in that directory); its times. */
async function sample(spec) {
  const env = { ...process.env, OMNIFS_COLD_SPEC: JSON.stringify(spec) };
  delete env.NODE_COMPILE_CACHE;
  if (spec.cache !== undefined) env.NODE_COMPILE_CACHE = spec.cache;
  const { stdout } = await run(process.execPath, [self], {
    env,
    timeout: 120_000,
  });
  return JSON.parse(stdout.trim().split('\n').pop());
}

/** Node keeps compiled code between processes from 22.1 (`NODE_COMPILE_CACHE`). */
const compileCache = typeof (await import('node:module')).enableCompileCache === 'function';
const rows = [];
const problem = ensureOpendal();
if (problem !== undefined) process.stderr.write(`OpenDAL not available: ${problem}\n`);
for (const kind of stores) {
  const scratch = mkdtempSync(join(os.tmpdir(), 'omnifs-cold-'));
  const st = await startStore(kind, scratch);
  try {
    const conn = st.conns.direct;
    const options = omnifsOptions(kind, conn);
    const root = kind === 'hdfs' ? `/${st.bucket}` : st.bucket;
    const { filesystem } = await import('@omnifs/core');
    await import(`@omnifs/${kind}`);
    const fs = filesystem(PROTOCOL[kind], { ...options, skipInstanceCache: true });
    await fs.pipeFile(`${root}/cold/obj`, Buffer.alloc(4096, 1));
    const omnifs = { who: 'omnifs', backend: kind, protocol: PROTOCOL[kind], options, path: `${root}/cold/obj` };
    const specs = { omnifs };
    if (compileCache) specs['omnifs, compile cache'] = { ...omnifs, cache: join(scratch, 'compile-cache') };
    if (problem === undefined)
      specs.opendal = { who: 'opendal', opendal: opendalConfig({ store: kind, bucket: st.bucket }, conn) };
    const names = Object.keys(specs);
    const got = Object.fromEntries(names.map((n) => [n, []]));
    for (const name of names) await sample(specs[name]); // the files in the page cache, the compile cache filled
    for (let i = 0; i < samples; i++) for (const name of names) got[name].push(await sample(specs[name]));
    for (const name of names) {
      const m = (key) => median(got[name].map((s) => s[key]));
      const row = { store: kind, who: name, loaded: m('loaded'), first: m('first'), second: m('second') };
      rows.push(row);
      process.stderr.write(`${kind} ${name}: ${JSON.stringify(row)}\n`);
    }
  } finally {
    await st.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

const f = (n, d = 0) => (n === undefined ? '–' : n.toFixed(d));
const lines = [
  '# A fresh process: the first answer',
  '',
  `Run ${new Date().toISOString()}, Node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model.split(' ').slice(0, 2).join(' ')}; opendal ${opendalVersion()}.`,
  `Each sample a new Node process: load the library, make the filesystem (OpenDAL: an Operator), metadata of a 4 KiB object, then again. Median of ${samples} processes per contender, alternating; ms from the process's start (Node's own start-up included). ${compileCache ? '"omnifs, compile cache": the same with `NODE_COMPILE_CACHE` set to a directory a first process filled.' : 'Node before 22.1 keeps no compile cache: no row with one.'} \`node bench/cold.mjs --write\`.`,
  '',
  '| store | contender | library loaded (ms) | first answer (ms) | second call (ms) |',
  '| --- | --- | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.store} | ${r.who} | ${f(r.loaded)} | ${f(r.first)} | ${f(r.second, 1)} |`),
  '',
];
process.stdout.write(`${lines.join('\n')}\n`);
if (write) writeFileSync(new URL('./results/cold.md', import.meta.url), lines.join('\n'));
process.exit(0);
