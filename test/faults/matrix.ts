/**
 * The probe matrix of the reliability suite: every operation (pipe, put, cat, get, cp) on
 * every size, under every fault, with and without the retry layer, each cell behind its
 * own fault proxy seeded from the cell, so a run is reproducible whatever ran before.
 * Each cell ends in one of four outcomes: ok (byte-exact), a clear error (an FsError, and
 * nothing wrong left at the destination), a hang, or silently wrong.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsError, RetryFileSystem, type FileSystem } from '@omnifs/core';
import type { FaultTarget } from './backends';
import { startFaultProxy, type Fault } from './proxy';

/** What a cell ended as. */
export type Outcome = 'ok' | 'error' | 'hang' | 'wrong';

/** The operations probed. */
export const OPERATIONS = ['pipe', 'put', 'cat', 'get', 'cp'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** The faults probed, each fired at `rate` on every request. */
export const FAULTS: ReadonlyArray<{ name: string; fault: Fault; rate: number }> = [
  { name: 'reset', fault: { kind: 'reset' }, rate: 0.2 },
  { name: '500', fault: { kind: 'status', status: 500 }, rate: 0.2 },
  { name: '503', fault: { kind: 'status', status: 503 }, rate: 0.3 },
  { name: 'truncate', fault: { kind: 'truncate' }, rate: 0.2 },
  { name: 'delay', fault: { kind: 'delay', ms: 50 }, rate: 0.3 },
  { name: 'stall', fault: { kind: 'stall', ms: 300 }, rate: 0.1 },
];

/** Bytes per probed file: empty, small, and more than one part everywhere. */
export const SIZES: readonly number[] = [0, 1024, 6 * 1024 * 1024];

/** Files above this size (several parts) are probed in fewer cells, to keep the suite's time small. */
const LARGE = 1024 * 1024;

/**
 * Whether a large-file cell runs: operation number `op` gets two faults in turn (so the
 * five operations cover the six faults), the first without the retry layer, the second with it.
 */
function largeCell(op: number, fault: number, retry: boolean): boolean {
  const first = (2 * op) % FAULTS.length;
  return (fault === first && !retry) || (fault === (first + 1) % FAULTS.length && retry);
}

/** A cell settles within this or counts as a hang. */
const HANG_MS = 20_000;

/** Counts of outcomes, for one backend or a row of the table. */
export type Tally = Record<Outcome, number>;

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const bytesOf = (size: number, seed: number): Uint8Array =>
  Uint8Array.from({ length: size }, (_, i) => (i * 31 + seed) & 0xff);

/** One cell's setup: the filesystem under test, a direct one to check with, paths. */
interface Cell {
  fs: FileSystem;
  direct: FileSystem;
  data: Uint8Array;
  /** A file holding `data` before the operation (read operations start from it). */
  source: string;
  /** Where a write goes (absent before). */
  target: string;
  local: string;
}

/** Runs the operation; resolves true when what it produced is byte-exact. */
async function operate(op: Operation, c: Cell): Promise<boolean> {
  const expected = sha(c.data);
  switch (op) {
    case 'pipe':
      await c.fs.pipeFile(c.target, c.data);
      return sha(await c.direct.catFile(c.target)) === expected;
    case 'put':
      await c.fs.put(join(c.local, 'src.bin'), c.target);
      return sha(await c.direct.catFile(c.target)) === expected;
    case 'cat':
      return sha(await c.fs.catFile(c.source)) === expected;
    case 'get':
      await c.fs.get(c.source, join(c.local, 'out.bin'));
      return sha(await readFile(join(c.local, 'out.bin'))) === expected;
    case 'cp':
      await c.fs.cp(c.source, c.target);
      return sha(await c.direct.catFile(c.target)) === expected;
  }
}

/** After a failure: nothing, or the whole right content, at the destination. */
async function leftClean(op: Operation, c: Cell): Promise<boolean> {
  if (op === 'cat') return true;
  if (op === 'get') {
    const left = await readFile(join(c.local, 'out.bin')).catch(() => undefined);
    return left === undefined || sha(left) === sha(c.data);
  }
  const left = await c.direct
    .catFile(c.target)
    .catch((e: unknown) => (e instanceof FsError && e.kind === 'NotFound' ? undefined : Promise.reject(e)));
  return left === undefined || sha(left) === sha(c.data);
}

/** Runs one cell and says how it ended. */
export async function probe(
  t: FaultTarget,
  op: Operation,
  size: number,
  fault: (typeof FAULTS)[number],
  retry: boolean,
  seed: number,
): Promise<Outcome> {
  const proxy = await startFaultProxy({
    target: t.upstream(),
    seed,
    ...(t.kind === 'hdfs' ? { rewriteRedirects: 'loopback' as const } : {}),
  });
  const local = await mkdtemp(join(tmpdir(), 'omnifs-matrix-'));
  try {
    const direct = t.direct();
    const data = bytesOf(size, seed);
    const c: Cell = {
      fs: direct,
      direct,
      data,
      source: `${t.root()}/m${seed}-src`,
      target: `${t.root()}/m${seed}-dst`,
      local,
    };
    if (op === 'put') await writeFile(join(local, 'src.bin'), data);
    else if (op !== 'pipe') await direct.pipeFile(c.source, data);
    const inner = t.via(proxy.url, 0);
    c.fs = retry ? new RetryFileSystem({ fs: inner, minDelayMs: 1, maxDelayMs: 20, maxAttempts: 8 }) : inner;
    proxy.addRule({ fault: fault.fault, rate: fault.rate });
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<'hang'>((ok) => {
      timer = setTimeout(() => ok('hang'), HANG_MS);
    });
    const run = operate(op, c).then(
      (exact): Outcome => (exact ? 'ok' : 'wrong'),
      (err: unknown) => (err instanceof FsError ? 'error' : 'wrong'),
    );
    const outcome = await Promise.race([run, hang]);
    clearTimeout(timer);
    proxy.clearRules();
    if (outcome === 'error' && !(await leftClean(op, c))) return 'wrong';
    return outcome;
  } finally {
    await proxy.close();
    await rm(local, { recursive: true, force: true });
  }
}

/** Runs every cell for one backend; rows keyed `op size retry`, and the total. */
export async function runMatrix(t: FaultTarget, seedBase: number): Promise<{ rows: Map<string, Tally>; total: Tally }> {
  const rows = new Map<string, Tally>();
  const total: Tally = { ok: 0, error: 0, hang: 0, wrong: 0 };
  let seed = seedBase;
  for (const [o, op] of OPERATIONS.entries()) {
    for (const retry of [false, true]) {
      const row: Tally = { ok: 0, error: 0, hang: 0, wrong: 0 };
      for (const size of SIZES) {
        for (const [f, fault] of FAULTS.entries()) {
          if (size > LARGE && !largeCell(o, f, retry)) continue;
          const started = Date.now();
          const outcome = await probe(t, op, size, fault, retry, ++seed);
          if (process.env.OMNIFS_MATRIX_TRACE)
            console.log(
              `${t.kind} ${op} ${size} ${fault.name} ${retry ? 'retry' : 'plain'}: ${outcome} ${Date.now() - started} ms`,
            );
          row[outcome] += 1;
          total[outcome] += 1;
        }
      }
      rows.set(`${op} ${retry ? 'retry' : 'plain'}`, row);
    }
  }
  return { rows, total };
}

/** A markdown table of the rows. */
export function formatTally(kind: string, rows: Map<string, Tally>): string {
  const lines = [`| ${kind} | ok | clear error | hang | silently wrong |`, '| --- | ---: | ---: | ---: | ---: |'];
  for (const [key, r] of rows) lines.push(`| ${key} | ${r.ok} | ${r.error} | ${r.hang} | ${r.wrong} |`);
  return lines.join('\n');
}
