/**
 * One large file streamed through @omnifs/local: written with `open(path, 'wb')` in 1 MiB
 * chunks, read with `createReadStream`, against node:fs write and read streams with the
 * same chunk size. The point besides speed: memory stays bounded whatever the file's size.
 */
import { createReadStream, createWriteStream, promises as fsp, rmSync } from 'node:fs';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { finished } from 'node:stream/promises';
import { LocalFileSystem } from '@omnifs/local';
import { runIfMain } from './lib/harness.mjs';
import { patternBuffer, scratchRoot } from './lib/workload.mjs';

const MiB = 1024 * 1024;
const SIZE_MIB = Number(process.env.BENCH_LARGE_MIB ?? 256);
const CHUNK = MiB;
const CHUNKS = (SIZE_MIB * MiB) / CHUNK;
/** Peak RSS above the process's RSS before the benchmark that counts as "bounded". */
const BOUND_MIB = 96;

/** Four distinct 1 MiB chunks, cycled: chunk i of the file is pool[i % 4]. */
function setup() {
  const pool = [1, 2, 3, 4].map((seed) => patternBuffer(CHUNK, seed * 0x1234567));
  const scratch = scratchRoot();
  return { pool, scratch, path: `${scratch}/large.bin` };
}

function expectedHash(pool) {
  const h = createHash('sha256');
  for (let i = 0; i < CHUNKS; i++) h.update(pool[i % pool.length]);
  return h.digest('hex');
}

async function hashFile(path) {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK })) h.update(chunk);
  return h.digest('hex');
}

/** Writes the file with node:fs (for the read contenders, untimed). */
async function writeRaw(s, path = s.path) {
  const out = createWriteStream(path, { highWaterMark: CHUNK });
  for (let i = 0; i < CHUNKS; i++) {
    if (!out.write(s.pool[i % s.pool.length])) await once(out, 'drain');
  }
  out.end();
  await finished(out);
}

const removeFile = (s) => rmSync(s.path, { force: true });
const teardown = (s) => rmSync(s.scratch, { recursive: true, force: true });

async function verifyWritten(s) {
  const size = (await fsp.stat(s.path)).size;
  if (size !== CHUNKS * CHUNK) throw new Error(`file is ${size} bytes, want ${CHUNKS * CHUNK}`);
  if ((await hashFile(s.path)) !== expectedHash(s.pool)) throw new Error('file content differs from what was written');
  const left = (await fsp.readdir(s.scratch)).filter((n) => n !== 'large.bin');
  if (left.length > 0) throw new Error(`files left behind: ${left.join(', ')}`);
}

/** A read round: counts the bytes (their content is checked once, after the rounds). */
async function readWith(s, stream) {
  let total = 0;
  for await (const chunk of stream) total += chunk.byteLength;
  if (total !== CHUNKS * CHUNK) throw new Error(`read ${total} bytes, want ${CHUNKS * CHUNK}`);
  return { ops: CHUNKS, bytes: total };
}

const definition = {
  name: 'large-file',
  title: `Large file: one ${SIZE_MIB} MiB file streamed on local disk`,
  description:
    `Write: ${CHUNKS} chunks of 1 MiB (one op = one chunk), each write awaited, then close; the file is removed between rounds. ` +
    'Read: the whole file through a stream, 1 MiB at a time (node:fs with `highWaterMark: 1 MiB`, which is what @omnifs/local uses). ' +
    `Peak RSS is the process's maximum resident set, its start RSS included; the file lives on tmpfs, which does not count towards it.`,
  metric: 'mb',
  rounds: { warmup: 1, reps: 8 },
  baseline: 'fs-write',
  targets: [
    {
      subject: 'omnifs-write',
      against: 'fs-write',
      min: 1 / 1.2,
      label: "@omnifs/local open('wb') write vs node:fs createWriteStream",
    },
    {
      subject: 'omnifs-read',
      against: 'fs-read',
      min: 1 / 1.2,
      label: '@omnifs/local createReadStream vs node:fs createReadStream',
    },
  ],
  checks(byId) {
    const lines = [];
    for (const id of ['omnifs-write', 'omnifs-read']) {
      const r = byId.get(id);
      if (!r || r.unavailable !== undefined) continue;
      const grew = r.peakRssMiB - r.startRssMiB;
      lines.push(
        `${r.label}: peak RSS ${grew.toFixed(0)} MiB above the process's start (${r.startRssMiB.toFixed(0)} MiB) for a ${SIZE_MIB} MiB file` +
          ` — bounded (< ${BOUND_MIB} MiB): **${grew < BOUND_MIB ? 'yes' : 'no'}**`,
      );
    }
    return lines;
  },
  contenders: [
    {
      id: 'fs-write',
      label: 'node:fs createWriteStream',
      kind: 'baseline',
      setup,
      beforeRound: removeFile,
      round: async (s) => {
        await writeRaw(s);
        return { ops: CHUNKS, bytes: CHUNKS * CHUNK };
      },
      verify: verifyWritten,
      teardown,
    },
    {
      id: 'omnifs-write',
      label: "@omnifs/local open('wb') + write",
      kind: 'omnifs',
      baseline: 'fs-write',
      setup: () => ({ ...setup(), fs: new LocalFileSystem({ skipInstanceCache: true }) }),
      beforeRound: removeFile,
      round: async (s) => {
        const f = await s.fs.open(s.path, 'wb');
        for (let i = 0; i < CHUNKS; i++) await f.write(s.pool[i % s.pool.length]);
        await f.close();
        return { ops: CHUNKS, bytes: CHUNKS * CHUNK };
      },
      verify: verifyWritten,
      teardown,
    },
    {
      id: 'fs-read',
      label: 'node:fs createReadStream',
      kind: 'baseline',
      baseline: 'fs-read',
      setup: async () => {
        const s = setup();
        await writeRaw(s);
        return s;
      },
      round: (s) => readWith(s, createReadStream(s.path, { highWaterMark: CHUNK })),
      verify: async (s) => {
        if ((await hashFile(s.path)) !== expectedHash(s.pool)) throw new Error('test file is corrupt');
      },
      teardown,
    },
    {
      id: 'omnifs-read',
      label: '@omnifs/local createReadStream',
      kind: 'omnifs',
      baseline: 'fs-read',
      setup: async () => {
        const s = { ...setup(), fs: new LocalFileSystem({ skipInstanceCache: true }) };
        await writeRaw(s);
        return s;
      },
      round: (s) => readWith(s, s.fs.createReadStream(s.path)),
      verify: async (s) => {
        const h = createHash('sha256');
        for await (const chunk of s.fs.createReadStream(s.path)) h.update(chunk);
        if (h.digest('hex') !== expectedHash(s.pool))
          throw new Error('content read through omnifs differs from the file');
      },
      teardown,
    },
  ],
};

export default definition;
await runIfMain(import.meta.url, definition);
