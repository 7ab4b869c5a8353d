/**
 * Many small files on local disk: the memory benchmark's workload (20,000 files of 4 KiB,
 * written then read back, each call awaited) through @omnifs/local, through
 * node:fs/promises writeFile/readFile, and through node:fs/promises doing what omnifs does
 * for every write (a temporary file beside the target, then a rename), on tmpfs when the
 * machine has /dev/shm so that the disk does not hide the library's own cost.
 */
import { promises as fsp, mkdirSync, rmSync } from 'node:fs';
import { LocalFileSystem } from '@omnifs/local';
import { runIfMain } from './lib/harness.mjs';
import { checkSame, filesFor, sampleIndexes, scratchRoot, smallFiles } from './lib/workload.mjs';
import { now, since } from './lib/timer.mjs';

const COUNT = Number(process.env.BENCH_FILES ?? 20_000);
const SIZE = 4096;

function setup() {
  return { w: smallFiles(COUNT, SIZE), scratch: scratchRoot(), dir: undefined, paths: undefined };
}

/** A fresh directory tree for each round (untimed): the files are always new. */
function freshDir(s, i) {
  if (s.dir !== undefined) rmSync(s.dir, { recursive: true, force: true });
  s.dir = `${s.scratch}/r${i}`;
  for (const d of s.w.dirs) mkdirSync(`${s.dir}/${d}`, { recursive: true });
  s.paths = s.w.names.map((n) => `${s.dir}/${n}`);
}

function teardown(s) {
  rmSync(s.scratch, { recursive: true, force: true });
}

async function writeThenRead(s, write, read, n) {
  const { w, paths } = s;
  const t0 = now();
  for (let i = 0; i < n; i++) await write(paths[i], w.contents[i]);
  const tw = since(t0);
  const t1 = now();
  let total = 0;
  for (let i = 0; i < n; i++) total += (await read(paths[i])).byteLength;
  const tr = since(t1);
  if (total !== n * w.size) throw new Error(`read ${total} bytes, wrote ${n * w.size}`);
  return { ops: 2 * n, bytes: 2 * n * w.size, phases: { write: tw, read: tr } };
}

async function verify(s) {
  for (const i of sampleIndexes(s.w.count)) checkSame(s.paths[i], await fsp.readFile(s.paths[i]), s.w.contents[i]);
  const left = (await fsp.readdir(`${s.dir}/${s.w.dirs[0]}`)).filter((n) => n.endsWith('.tmp'));
  if (left.length > 0) throw new Error(`temporary files left behind: ${left.slice(0, 3).join(', ')}`);
}

let tempCounter = 0;

const definition = {
  name: 'local',
  title: `Local disk: pipe + cat of ${COUNT.toLocaleString('en')} files of 4 KiB`,
  description:
    `As the memory benchmark (${COUNT.toLocaleString('en')} files of ${SIZE / 1024} KiB written, then read back, each call awaited), ` +
    'in a fresh directory tree for each round, on tmpfs (/dev/shm) where there is one. ' +
    '@omnifs/local never leaves a half-written file under the final name: each write goes to a temporary file ' +
    'beside the target and is renamed into place, which costs a rename per file that plain `writeFile` does not pay; ' +
    'the *temp + rename* row does the same with node:fs/promises, for the comparison of like with like.',
  rounds: { warmup: 1, reps: 4 },
  baseline: 'fsp',
  targets: [
    {
      subject: 'omnifs',
      against: 'fsp',
      min: 1 / 1.2,
      label: '@omnifs/local within 1.2x of node:fs/promises writeFile/readFile',
    },
    {
      subject: 'omnifs',
      against: 'fsp-atomic',
      min: 1 / 1.2,
      label: '@omnifs/local vs node:fs/promises with the same temp + rename (like with like)',
    },
    { subject: 'fsp-atomic', against: 'fsp', label: 'what the atomic write itself costs (temp + rename vs writeFile)' },
  ],
  contenders: [
    {
      id: 'fsp',
      label: 'node:fs/promises writeFile/readFile',
      kind: 'baseline',
      setup,
      beforeRound: freshDir,
      round: (s, _i, ctx) =>
        writeThenRead(
          s,
          (p, d) => fsp.writeFile(p, d),
          (p) => fsp.readFile(p),
          filesFor(s.w, ctx),
        ),
      verify,
      teardown,
    },
    {
      id: 'fsp-atomic',
      label: 'node:fs/promises temp + rename, readFile',
      kind: 'other',
      note: "writeFile(temp, data, { flag: 'wx' }) then rename(temp, target), the same system calls as an omnifs write without its checks.",
      setup,
      beforeRound: freshDir,
      round: (s, _i, ctx) =>
        writeThenRead(
          s,
          async (p, d) => {
            const slash = p.lastIndexOf('/');
            const temp = `${p.slice(0, slash)}/.${p.slice(slash + 1)}.${process.pid}-${++tempCounter}.tmp`;
            await fsp.writeFile(temp, d, { flag: 'wx' });
            await fsp.rename(temp, p);
          },
          (p) => fsp.readFile(p),
          filesFor(s.w, ctx),
        ),
      verify,
      teardown,
    },
    {
      id: 'omnifs',
      label: '@omnifs/local pipeFile/catFile',
      kind: 'omnifs',
      setup: () => ({ ...setup(), fs: new LocalFileSystem({ skipInstanceCache: true }) }),
      beforeRound: freshDir,
      round: (s, _i, ctx) =>
        writeThenRead(
          s,
          (p, d) => s.fs.pipeFile(p, d),
          (p) => s.fs.catFile(p),
          filesFor(s.w, ctx),
        ),
      verify,
      teardown,
    },
  ],
};

export default definition;
await runIfMain(import.meta.url, definition);
