#!/usr/bin/env node
/**
 * The race (issue 15): omnifs against the raw SDKs, OpenDAL's Node binding and fsspec's
 * s3fs / gcsfs / adlfs / webhdfs on S3 (versitygw), GCS (fake-gcs-server), Azure Blob
 * (Azurite) and HDFS (MiniDFSCluster), with the emulator's own ceiling (raw HTTP).
 *
 *   node bench/race.mjs                 full sizes, 3 repetitions; writes bench/results/race.md,
 *                                       race.json, race-<store>.svg and the race section of
 *                                       docs/performance.md
 *   node bench/race.mjs --quick         small sizes, 1 repetition; prints, writes nothing
 *   --stores=s3,gcs   --contenders=omnifs,opendal   --rows=put1,get1   --reps=5   --write
 *   --sizes=one:100,batch:1000,latency:200,largeMiB:256,keys:2000   (for every store raced; each
 *                     store's own are in bench/race/rows.mjs: S3 lists 10,000 keys, the others 500)
 *   --out=race-gcs    writes bench/results/race-gcs.md (and .json, .svg) instead of race.*;
 *                     docs/performance.md shows each store from the newest result file that has it
 *   --rerender=race   rewrites bench/results/race.md (and the SVGs, the docs) from race.json
 *   --cold            no warm-up pass: the small-request rows measure a fresh process (WARM_ROWS)
 *   --docs            only rewrites the race section of docs/performance.md from bench/results/race*.json
 *
 * Every contender runs in a process of its own per repetition (bench/race/child.mjs, or
 * bench/race/fsspec_child.py for the fsspec peers) so that the CPU and peak RSS measured
 * are the client's alone; the contenders take turns in an order shifted each repetition by an
 * even share of them (with 3 repetitions, each contender runs once early, once midway and once
 * late in a round).
 */
import { spawn } from 'node:child_process';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killGatewaysNow, stopBenchServers } from './lib/servers.mjs';
import { patternBuffer } from './lib/workload.mjs';
import { pageReporting, reportingWarning, touchFreeMemory } from './race/pages.mjs';
import { ensurePeers, PYTHON } from './race/peers.mjs';
import { agent, mapLimit, rawStore } from './race/raw.mjs';
import { writeDocs, writeReport } from './race/report.mjs';
import { LATENCY_TIMES, LIST_TIMES, ROWS, SMALL, seedKeys, sizes, WARM_DELETE_KEYS, WARM_ROWS } from './race/rows.mjs';
import { startStore } from './race/stores.mjs';

const here = dirname(fileURLToPath(import.meta.url));
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const MiB = 1024 * 1024;
const SOURCE_KEY = 'large/source';

/** Contenders per store, in the order of the tables: [id, runtime, label]. */
export const CONTENDERS = {
  s3: [
    ['omnifs', 'node', 'omnifs'],
    ['omnifs-sdk', 'node', 'omnifs via SDK'],
    ['sdk', 'node', 'raw AWS SDK'],
    ['opendal', 'node', 'OpenDAL'],
    ['fsspec', 'python', 's3fs'],
    ['ceiling', 'node', 'ceiling (raw HTTP)'],
  ],
  gcs: [
    ['omnifs', 'node', 'omnifs'],
    ['sdk', 'node', 'raw @google-cloud/storage'],
    ['opendal', 'node', 'OpenDAL'],
    ['fsspec', 'python', 'gcsfs'],
    ['ceiling', 'node', 'ceiling (raw HTTP)'],
  ],
  azure: [
    ['omnifs', 'node', 'omnifs'],
    ['omnifs-sdk', 'node', 'omnifs via SDK'],
    ['sdk', 'node', 'raw @azure/storage-blob'],
    ['opendal', 'node', 'OpenDAL'],
    ['fsspec', 'python', 'adlfs'],
    ['ceiling', 'node', 'ceiling (raw HTTP)'],
  ],
  hdfs: [
    ['omnifs', 'node', 'omnifs'],
    ['sdk', 'node', 'npm webhdfs'],
    ['opendal', 'node', 'OpenDAL'],
    ['fsspec', 'python', 'fsspec webhdfs'],
    ['ceiling', 'node', 'ceiling (raw HTTP)'],
  ],
};

/** Rows each store runs: the bandwidth-capped get (the moonshot) is S3's. */
const rowsFor = (store) => ROWS.map((r) => r.id).filter((id) => id !== 'capped' || store === 's3');

function arg(name) {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a === undefined ? undefined : a.slice(name.length + 3).split(',');
}

/** The contenders' processes running now (killed with the race). */
const children = new Set();
/** The exit code once the race is killed by a signal (0 before): no contender starts after, no report is written. */
let stopping = 0;

/** Runs one contender's child process; resolves with its rows (a crash becomes an error on each row). */
function runChild(runtime, cfgFile, rows) {
  return new Promise((resolve) => {
    if (stopping) return resolve(rows.map((row) => ({ row, error: 'the race was stopped' })));
    const cmd = runtime === 'python' ? PYTHON : process.execPath;
    const script = runtime === 'python' ? join(here, 'race', 'fsspec_child.py') : join(here, 'race', 'child.mjs');
    const proc = spawn(cmd, runtime === 'python' ? [script, cfgFile] : ['--expose-gc', script, cfgFile], {
      cwd: join(here, '..'),
      env: { ...process.env, PYTHONWARNINGS: 'ignore' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(proc);
    let out = '';
    let err = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.stderr.on('data', (d) => (err += d));
    proc.on('close', (code) => {
      children.delete(proc);
      const got = out
        .split('\n')
        .filter((l) => l.startsWith('RACE_ROW '))
        .map((l) => JSON.parse(l.slice(9)));
      const seen = new Set(got.map((r) => r.row));
      for (const row of rows)
        if (!seen.has(row)) got.push({ row, error: `process exited ${code}: ${err.trim().split('\n').pop()}` });
      resolve(got);
    });
  });
}

async function writeLarge(file, mib) {
  const ws = createWriteStream(file);
  const chunk = patternBuffer(MiB);
  for (let i = 0; i < mib; i++) {
    chunk.writeUInt32LE(i, 0);
    if (!ws.write(Buffer.from(chunk))) await new Promise((r) => ws.once('drain', r));
  }
  await new Promise((r) => ws.end(r));
}

/**
 * Stores started again before each contender's run: Azurite frees the memory of deleted
 * blobs only every 10 minutes and serves more slowly as it holds more (a race moving 1 GiB
 * per contender filled its in-memory store, half the machine's memory, by the third
 * repetition; restarted once per repetition, the 1 GiB download of whoever ran first took
 * 1.2 s and of whoever ran fifth or sixth 3-9 s).
 */
const RESTART_EACH_RUN = new Set(['azure']);

/** 4 KiB objects written, read and deleted by {@link warmServer}, and MiB of the large object it reads. */
const SERVER_WARM_OBJECTS = 1000;
const SERVER_WARM_RANGED_MIB = 256;

/**
 * Untimed work for a server just started, before a contender meets it: 4 KiB objects
 * written, read back (on HDFS renamed) and deleted 8 at a time, and 256 MiB of the large
 * object read in 8 MiB ranges. MiniDFSCluster's JVM and Azurite's V8 compile their request
 * paths over the first thousands of requests: without this, the contender that ran first after a start met
 * a slower server than the rest (HDFS, 200 GETs one at a time: 1.15 s first, 0.40-0.57 s
 * for the same client later; GCS, 200 PUTs: 1.25 s first, 0.34-0.47 s later).
 */
async function warmServer(raw, largeSize) {
  const keys = Array.from({ length: SERVER_WARM_OBJECTS }, (_, i) => `warm-server/f${i}`);
  const body = patternBuffer(SMALL);
  await mapLimit(keys, 8, (k) => raw.put(k, body));
  await mapLimit(keys, 8, (k) => raw.get(k));
  if (raw.rename) {
    // HDFS: omnifs's writes end with a RENAME, which the first of them would otherwise compile.
    await mapLimit(keys, 8, (k) => raw.rename(k, `${k}.renamed`));
    await mapLimit(keys, 8, (k) => raw.del(`${k}.renamed`));
  } else await mapLimit(keys, 8, (k) => raw.del(k));
  if (largeSize === undefined) return 0;
  const part = 8 * MiB;
  const upTo = Math.min(largeSize, SERVER_WARM_RANGED_MIB * MiB);
  const ranges = [];
  for (let at = 0; at < upTo; at += part) ranges.push([at, Math.min(at + part, upTo)]);
  await mapLimit(ranges, 8, (r) => raw.get(SOURCE_KEY, r));
  return upTo / MiB;
}

async function raceStore(store, opts, scratch, peers, log) {
  const s = opts.sizes[store];
  const results = [];
  const largeFile = join(scratch, `large-${s.largeMiB}.bin`);
  if (!existsSync(largeFile)) await writeLarge(largeFile, s.largeMiB);
  const largeSize = statSync(largeFile).size;
  const rows = rowsFor(store).filter((r) => !opts.rows || opts.rows.includes(r));
  let st;
  let raw;
  let warmedMiB = 0;
  /**
   * Starts the store, with the object every download reads (so that a download does not
   * depend on the contender's upload), and warms it.
   */
  const start = async () => {
    st = await startStore(store, scratch);
    raw = rawStore({ store, conn: st.conn, bucket: st.bucket }, agent(64));
    const large = rows.includes('download') || rows.includes('capped');
    if (large) await raw.put(SOURCE_KEY, createReadStream(largeFile), largeSize);
    const t0 = performance.now();
    warmedMiB = await warmServer(raw, large ? largeSize : undefined);
    process.stderr.write(`[${store}] server warmed in ${((performance.now() - t0) / 1e3).toFixed(1)} s\n`);
  };
  await start();
  let used = false;
  try {
    const contenders = CONTENDERS[store].filter(([id]) => !opts.contenders || opts.contenders.includes(id));
    for (let rep = 0; rep < s.reps; rep++) {
      // Turns shifted by an even share of the contenders each repetition, so that every
      // contender's repetitions fall early, midway and late in a round (shifted by one, the
      // first contender ran first, then last, then next to last: its median a late turn).
      const shift = Math.floor((rep * contenders.length) / s.reps);
      const order = contenders.map((_, i) => contenders[(i + shift) % contenders.length]);
      for (const [id, runtime, label] of order) {
        const tag = `${id}-${rep}`;
        const unavailable = runtime === 'python' ? peers.python : id === 'opendal' ? peers.opendal : undefined;
        if (unavailable !== undefined) {
          for (const row of rows) results.push({ store, id, label, rep, row, unavailable });
          continue;
        }
        if (used && RESTART_EACH_RUN.has(store)) {
          await st.stop();
          st = undefined;
          await start();
        }
        used = true;
        const seedPrefix = `seed/${tag}`;
        if (rows.includes('list') || rows.includes('delete'))
          await mapLimit(seedKeys(seedPrefix, s.keys), 64, (k) => raw.put(k, Buffer.from('x')));
        const warmDeletePrefix = `${seedPrefix}-warm`;
        const warmDelete = s.warm && rows.includes('delete');
        if (warmDelete)
          await mapLimit(seedKeys(warmDeletePrefix, WARM_DELETE_KEYS), 64, (k) => raw.put(k, Buffer.from('x')));
        const cfg = {
          store,
          contender: id,
          bucket: st.bucket,
          conns: st.conns,
          prefix: `run/${tag}`,
          seedPrefix,
          sizes: s,
          largeFile,
          largeSize,
          sourceKey: SOURCE_KEY,
          outFile: join(scratch, `out-${tag}.bin`),
          rows,
          warm: s.warm,
          warmRows: WARM_ROWS,
          ...(warmDelete && { warmDelete: { prefix: warmDeletePrefix, keys: WARM_DELETE_KEYS } }),
          serverPid: st.pid,
        };
        const cfgFile = join(scratch, `cfg-${store}-${tag}.json`);
        writeFileSync(cfgFile, JSON.stringify(cfg));
        const load = os.loadavg()[0];
        const got = await runChild(runtime, cfgFile, rows);
        for (const r of got) results.push({ store, id, label, rep, load, ...r });
        log(store, label, rep, got);
        // The stores keep objects in memory, and some (Azurite, fake-gcs-server) slow down as
        // they hold more: drop what this run wrote, and the seeds a failed delete left, so
        // each contender meets the same server.
        const written = [`${cfg.prefix}/large`, `${cfg.prefix}/warmup`];
        if (rows.includes('list') || rows.includes('delete')) written.push(...seedKeys(seedPrefix, s.keys));
        if (warmDelete) written.push(...seedKeys(warmDeletePrefix, WARM_DELETE_KEYS));
        for (const [dir, n] of [
          ['one', s.one],
          ['batch', s.batch],
          ['lat', s.latency],
        ])
          for (let i = 0; i < n; i++) written.push(`${cfg.prefix}/${dir}/f${i}`);
        await mapLimit(written, 64, (k) => raw.del(k).catch(() => {}));
      }
    }
  } finally {
    await st?.stop();
  }
  return { results, server: st.server, warmedMiB };
}

/**
 * Scratch directories of races that did not end (killed): on tmpfs they hold memory, a
 * gigabyte each, and a machine short of it slows every contender's figures.
 */
function warnOfLeftovers(root) {
  const left = readdirSync(root).filter((n) => n.startsWith('omnifs-race-'));
  if (left.length === 0) return;
  const bytes = left.reduce((sum, n) => sum + dirBytes(join(root, n)), 0);
  process.stderr.write(
    `warning: ${left.length} scratch dir(s) of earlier races hold ${(bytes / 2 ** 30).toFixed(1)} GiB in ${root} ` +
      `(${left.join(', ')}); remove them unless a race is running: rm -rf ${root}/omnifs-race-*\n`,
  );
}

/** The bytes of the files below `dir`. */
function dirBytes(dir) {
  let sum = 0;
  try {
    for (const e of readdirSync(dir, { withFileTypes: true }))
      sum += e.isDirectory()
        ? dirBytes(join(dir, e.name))
        : (statSync(join(dir, e.name), { throwIfNoEntry: false })?.size ?? 0);
  } catch {
    // Removed meanwhile: nothing to count.
  }
  return sum;
}

async function main() {
  if (process.argv.includes('--docs')) return writeDocs(CONTENDERS);
  const again = arg('rerender')?.[0];
  if (again !== undefined) {
    const { meta, results } = JSON.parse(readFileSync(join(here, 'results', `${again}.json`), 'utf8'));
    const stores = [...new Set(results.map((r) => r.store))];
    return writeReport(results, meta, { write: true, stores, contenders: CONTENDERS, out: again });
  }
  const quick = process.argv.includes('--quick');
  const stores = arg('stores') ?? ['s3', 'gcs', 'azure', 'hdfs'];
  const given = {};
  const reps = arg('reps');
  if (reps) given.reps = Number(reps[0]);
  for (const kv of arg('sizes') ?? []) {
    const [k, v] = kv.split(':');
    const names = Object.keys(sizes(quick, 's3'));
    if (!names.includes(k) || !(Number(v) > 0)) throw new Error(`--sizes takes ${names.join(', ')} as name:number`);
    given[k] = Number(v);
  }
  const warm = !process.argv.includes('--cold');
  // The warm-up also lists what it wrote, and removes a small tree where a delete row
  // follows (the report says so for runs that did).
  const perStore = (store) => ({
    ...sizes(quick, store),
    ...given,
    warm,
    warmList: warm,
    warmDelete: warm,
    listTimes: LIST_TIMES,
    latencyTimes: LATENCY_TIMES,
    // Before the rows whose peak RSS is shown: V8's memory-reducing GC (the report says so for runs that did).
    rssCollect: 'memory-reducing',
  });
  const s = Object.fromEntries(stores.map((store) => [store, perStore(store)]));
  const opts = { sizes: s, rows: arg('rows'), contenders: arg('contenders') };
  const write = process.argv.includes('--write') || (!quick && !opts.rows && !opts.contenders);
  const started = new Date();
  const pagesStart = pageReporting();
  const pagesWarning = reportingWarning(pagesStart);
  if (pagesWarning !== undefined) process.stderr.write(pagesWarning);
  const touched = write ? touchFreeMemory(pagesStart) : undefined;
  if (touched !== undefined)
    process.stderr.write(`touched ${touched.GiB.toFixed(1)} GiB of free memory in ${touched.seconds.toFixed(1)} s\n`);
  const loadStart = os.loadavg();
  const peers = ensurePeers();
  const scratchRoot = existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  warnOfLeftovers(scratchRoot);
  const scratch = mkdtempSync(join(scratchRoot, 'omnifs-race-'));
  const cleanup = () => {
    try {
      rmSync(scratch, { recursive: true, force: true, maxRetries: 3 });
    } catch (err) {
      process.stderr.write(`could not remove ${scratch}: ${err?.message ?? err}\n`);
    }
  };
  // However the race ends (the test harness's own signal handler may end the process
  // first), the contender and versitygw go, then the scratch dir they write into.
  process.once('exit', () => {
    for (const proc of children) proc.kill('SIGKILL');
    killGatewaysNow();
    cleanup();
  });
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ])
    process.once(signal, () => {
      stopping = code;
      for (const proc of children) proc.kill('SIGKILL');
      stopBenchServers().finally(() => process.exit(code));
    });
  const log = (store, label, rep, rows) => {
    const brief = rows.map((r) =>
      r.error ? `${r.row} ERROR` : r.unavailable ? `${r.row} n/a` : `${r.row} ${r.seconds.toFixed(2)}s`,
    );
    process.stderr.write(`[${store} rep ${rep}] ${label}: ${brief.join(', ')}\n`);
    for (const r of rows) if (r.error) process.stderr.write(`    ${r.row}: ${r.error}\n`);
  };
  const all = [];
  const servers = {};
  const warmedMiB = {};
  try {
    for (const store of stores) {
      try {
        const raced = await raceStore(store, opts, scratch, peers, log);
        all.push(...raced.results);
        servers[store] = raced.server;
        warmedMiB[store] = raced.warmedMiB;
      } catch (err) {
        process.stderr.write(`${store}: could not race: ${err?.stack ?? err}\n`);
        servers[store] = `not run: ${String(err?.message ?? err).split('\n')[0]}`;
      }
    }
  } finally {
    await stopBenchServers();
    cleanup();
  }
  if (stopping) process.exit(stopping);
  const meta = {
    date: started.toISOString(),
    seconds: (Date.now() - started.getTime()) / 1000,
    node: process.version,
    cpus: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}`,
    loadStart,
    loadEnd: os.loadavg(),
    ...(pagesStart === undefined
      ? {}
      : { pageReporting: { start: pagesStart, end: pageReporting(), ...(touched && { touched }) } }),
    quick,
    serverWarm: {
      objects: SERVER_WARM_OBJECTS,
      // What warmServer read of the large object, per store: none where no row downloads it.
      rangedMiB: warmedMiB,
      restartEachRun: [...RESTART_EACH_RUN],
      renamed: ['hdfs'],
    },
    sizes: s,
    peers: peers.versions,
    servers,
  };
  writeReport(all, meta, { write, stores, contenders: CONTENDERS, out: arg('out')?.[0] ?? 'race' });
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
