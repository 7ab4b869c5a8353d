/**
 * The benchmark harness.
 *
 * A benchmark file (bench/memory.mjs, ...) default-exports a definition:
 *
 *   {
 *     name, title, description,
 *     rounds: { warmup, reps },            // defaults below
 *     baseline: 'contender id',            // the "x of baseline" column compares to it
 *     targets: [{ subject, against, min, label }],  // ratio checks, min optional
 *     contenders: [{
 *       id, label, kind: 'omnifs' | 'baseline' | 'other', note?,
 *       setup(ctx) -> state                // untimed; throw unavailable(...) to skip
 *       beforeRound?(state, i, { warmup })  // untimed
 *       round(state, i, { warmup }) -> { ops, bytes, phases? }  // timed; phases: { name: seconds }
 *       afterRound?(state, i, { warmup })   // untimed
 *       verify?(state)                     // untimed, after the last round; throws on a mismatch
 *       teardown?(state)
 *     }],
 *   }
 *
 * and ends with `await runIfMain(import.meta.url, definition)`, so that
 * `node bench/memory.mjs <contender-id>` runs one contender in its own process and prints
 * one JSON line. Each contender runs in a fresh process so that its peak RSS is its own.
 */
import { pathToFileURL } from 'node:url';

export const DEFAULT_ROUNDS = { warmup: 1, reps: 5 };

/** Thrown from `setup` when a contender cannot run here (e.g. a native binary that does not load). */
export class Unavailable extends Error {}

export function unavailable(reason) {
  return new Unavailable(reason);
}

function gc() {
  if (typeof globalThis.gc === 'function') globalThis.gc();
}

const MiB = 1024 * 1024;

/** Runs one contender: warm-up rounds, timed repetitions, verification. */
export async function runContender(def, contender, overrides = {}) {
  const rounds = { ...DEFAULT_ROUNDS, ...def.rounds, ...overrides };
  const startRss = process.memoryUsage().rss;
  const base = {
    bench: def.name,
    id: contender.id,
    label: contender.label,
    kind: contender.kind ?? 'other',
    note: contender.note,
  };
  let state;
  try {
    state = await contender.setup({ rounds });
  } catch (err) {
    if (err instanceof Unavailable) return { ...base, unavailable: err.message };
    throw err;
  }
  const samples = [];
  try {
    for (let i = 0; i < rounds.warmup + rounds.reps; i++) {
      const ctx = { warmup: i < rounds.warmup };
      await contender.beforeRound?.(state, i, ctx);
      gc();
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      const { ops, bytes, phases } = await contender.round(state, i, ctx);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const c1 = process.cpuUsage(c0);
      const cpuSeconds = (c1.user + c1.system) / 1e6;
      await contender.afterRound?.(state, i, ctx);
      if (i >= rounds.warmup) samples.push({ seconds, cpuSeconds, ops, bytes, ...(phases ? { phases } : {}) });
    }
    await contender.verify?.(state);
  } finally {
    await contender.teardown?.(state);
  }
  const usage = process.resourceUsage();
  return {
    ...base,
    samples,
    startRssMiB: startRss / MiB,
    peakRssMiB: (usage.maxRSS * 1024) / MiB,
  };
}

/** When the benchmark file is the process's entry point: run the contender named on the command line. */
export async function runIfMain(metaUrl, def) {
  if (process.argv[1] === undefined || pathToFileURL(process.argv[1]).href !== metaUrl) return;
  const id = process.argv[2];
  const contender = def.contenders.find((c) => c.id === id);
  if (contender === undefined) {
    process.stderr.write(`usage: node ${process.argv[1]} <${def.contenders.map((c) => c.id).join('|')}>\n`);
    process.exit(2);
  }
  const overrides = process.env.BENCH_ROUNDS ? JSON.parse(process.env.BENCH_ROUNDS) : {};
  const result = await runContender(def, contender, overrides);
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
}

/** Median of numbers. */
export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Figures of a contender's timed rounds: median time, spread as half the min-max range
 * relative to the median (a round of 1.00 s and one of 1.10 s: ±5 %), ops/s and MB/s at
 * the median time (1 MB = 10^6 bytes).
 */
export function summarize(result) {
  if (result.unavailable !== undefined) return { ...result };
  const times = result.samples.map((s) => s.seconds);
  const med = median(times);
  const spread = (Math.max(...times) - Math.min(...times)) / 2 / med;
  const { ops, bytes } = result.samples[0];
  const phases = {};
  for (const name of Object.keys(result.samples[0].phases ?? {}))
    phases[name] = median(result.samples.map((s) => s.phases[name]));
  return {
    phases,
    ...result,
    reps: times.length,
    medianSeconds: med,
    minSeconds: Math.min(...times),
    maxSeconds: Math.max(...times),
    spread,
    ops,
    bytes,
    opsPerSec: ops / med,
    bestOpsPerSec: ops / Math.min(...times),
    cpuSecondsMedian: median(result.samples.map((s) => s.cpuSeconds)),
    mbPerSec: bytes / med / 1e6,
  };
}
