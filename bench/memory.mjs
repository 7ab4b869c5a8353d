/**
 * Many small files in memory: write 20,000 files of 4 KiB, then read each back, one call at
 * a time (each awaited), through @omnifs/memory's pipeFile/catFile, through memfs's own
 * synchronous API on the same files, and through the OpenDAL Node binding's memory service.
 */
import { Volume } from 'memfs';
import { MemoryFileSystem } from '@omnifs/memory';
import { runIfMain, unavailable } from './lib/harness.mjs';
import { checkSame, filesFor, sampleIndexes, smallFiles } from './lib/workload.mjs';
import { requireOpendal } from './lib/opendal.mjs';
import { now, since } from './lib/timer.mjs';

const COUNT = Number(process.env.BENCH_FILES ?? 20_000);
const SIZE = 4096;
const ROOT = '/bench';

function workload() {
  const w = smallFiles(COUNT, SIZE);
  w.paths = w.names.map((n) => `${ROOT}/${n}`);
  return w;
}

/** A round that writes every file, then reads every file, checking sizes as it goes. */
async function writeThenRead(w, write, read, n) {
  const t0 = now();
  for (let i = 0; i < n; i++) await write(w.paths[i], w.contents[i]);
  const tw = since(t0);
  const t1 = now();
  let total = 0;
  for (let i = 0; i < n; i++) total += (await read(w.paths[i])).byteLength;
  const tr = since(t1);
  if (total !== n * w.size) throw new Error(`read ${total} bytes, wrote ${n * w.size}`);
  return { ops: 2 * n, bytes: 2 * n * w.size, phases: { write: tw, read: tr } };
}

function syncWriteThenRead(w, write, read, n) {
  const t0 = now();
  for (let i = 0; i < n; i++) write(w.paths[i], w.contents[i]);
  const tw = since(t0);
  const t1 = now();
  let total = 0;
  for (let i = 0; i < n; i++) total += read(w.paths[i]).byteLength;
  const tr = since(t1);
  if (total !== n * w.size) throw new Error(`read ${total} bytes, wrote ${n * w.size}`);
  return { ops: 2 * n, bytes: 2 * n * w.size, phases: { write: tw, read: tr } };
}

function freshVolume(vol, w) {
  vol.reset();
  for (const d of w.dirs) vol.mkdirSync(`${ROOT}/${d}`, { recursive: true });
}

function verifyWith(w, read) {
  return async () => {
    for (const i of sampleIndexes(w.count)) checkSame(w.paths[i], await read(w.paths[i]), w.contents[i]);
  };
}

function loadOpendal() {
  try {
    return requireOpendal();
  } catch (err) {
    throw unavailable(`opendal@0.47.11 did not load: ${String(err.message).split('\n')[0]}`);
  }
}

const definition = {
  name: 'memory',
  title: `Memory: pipe + cat of ${COUNT.toLocaleString('en')} files of 4 KiB`,
  description:
    `Each round writes ${COUNT.toLocaleString('en')} files of ${SIZE / 1024} KiB (100 directories, created before the round), ` +
    'then reads each one back; every call is awaited before the next. One op is one file written or read; ' +
    'MB/s counts the bytes written plus the bytes read.',
  rounds: { warmup: 1, reps: 9 },
  passes: 3,
  baseline: 'memfs',
  targets: [
    { subject: 'omnifs', against: 'memfs', min: 1 / 1.2, label: '@omnifs/memory within 1.2x of memfs sync API' },
    { subject: 'opendal', against: 'memfs', label: 'OpenDAL memory (async) vs memfs sync API' },
    { subject: 'omnifs', against: 'opendal', label: '@omnifs/memory vs OpenDAL memory (async)' },
  ],
  contenders: [
    {
      id: 'memfs',
      label: 'memfs sync API (writeFileSync/readFileSync)',
      kind: 'baseline',
      setup: () => ({ w: workload(), vol: new Volume() }),
      beforeRound: (s) => freshVolume(s.vol, s.w),
      round: (s, _i, ctx) =>
        syncWriteThenRead(
          s.w,
          (p, d) => s.vol.writeFileSync(p, d),
          (p) => s.vol.readFileSync(p),
          filesFor(s.w, ctx),
        ),
      verify: (s) => verifyWith(s.w, async (p) => s.vol.readFileSync(p))(),
    },
    {
      id: 'omnifs',
      label: '@omnifs/memory pipeFile/catFile',
      kind: 'omnifs',
      setup: () => ({ w: workload(), fs: new MemoryFileSystem({ store: 'private', skipInstanceCache: true }) }),
      beforeRound: (s) => freshVolume(s.fs.volume, s.w),
      round: (s, _i, ctx) =>
        writeThenRead(
          s.w,
          (p, d) => s.fs.pipeFile(p, d),
          (p) => s.fs.catFile(p),
          filesFor(s.w, ctx),
        ),
      verify: (s) => verifyWith(s.w, (p) => s.fs.catFile(p))(),
    },
    {
      id: 'opendal',
      label: 'OpenDAL 0.47.11 memory, async write/read',
      kind: 'other',
      setup: () => {
        const { Operator } = loadOpendal();
        return { w: workload(), Operator, op: undefined };
      },
      beforeRound: (s) => {
        s.op = new s.Operator('memory', {});
      },
      round: (s, _i, ctx) =>
        writeThenRead(
          s.w,
          (p, d) => s.op.write(p, d),
          (p) => s.op.read(p),
          filesFor(s.w, ctx),
        ),
      verify: (s) => verifyWith(s.w, (p) => s.op.read(p))(),
    },
    {
      id: 'opendal-sync',
      label: 'OpenDAL 0.47.11 memory, writeSync/readSync',
      kind: 'other',
      setup: () => {
        const { Operator } = loadOpendal();
        return { w: workload(), Operator, op: undefined };
      },
      beforeRound: (s) => {
        s.op = new s.Operator('memory', {});
      },
      round: (s, _i, ctx) =>
        syncWriteThenRead(
          s.w,
          (p, d) => s.op.writeSync(p, d),
          (p) => s.op.readSync(p),
          filesFor(s.w, ctx),
        ),
      verify: (s) => verifyWith(s.w, async (p) => s.op.readSync(p))(),
    },
  ],
};

export default definition;
await runIfMain(import.meta.url, definition);
