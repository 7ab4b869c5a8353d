#!/usr/bin/env node
/**
 * logsync speed: what a training loop pays per line, and what a sync sends.
 *
 *   npm run build && node bench/logsync.mjs [--lines N] [--big-mib N] [--out FILE.json]
 *
 * 1. info() latency (p50/p99/p99.9/max) and lines per second into the spool, on a remote
 *    (memory://) target with a background sync every 20 ms running meanwhile, on a local
 *    target (written in place), and with flushEveryLine (one write(2) per line). The loop
 *    yields every 1,000 lines so syncs do run.
 * 2. A 100 MiB log on an append-capable target: the bytes and time of a sync after 1,000
 *    more lines (only the new bytes should be sent).
 *
 * Goals (issue 4): p99 < 20 µs, >= 300,000 lines/s while syncs run.
 */
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const { createLogSync } = require('@omnifs/logsync');
require('@omnifs/memory');

const { values } = parseArgs({ options: { lines: { type: 'string' }, 'big-mib': { type: 'string' }, out: { type: 'string' } } });
const LINES = Number(values.lines ?? 1_000_000);
const BIG_MIB = Number(values['big-mib'] ?? 100);
const yieldNow = () => new Promise((r) => setImmediate(r));

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function lineRun(name, options) {
  const scratch = mkdtempSync(join(tmpdir(), 'logsync-bench-'));
  const log = await createLogSync({ experiment: 'bench', handleSignals: false, spoolDir: join(scratch, 'spool'), ...options(scratch) });
  // Warm up (JIT, file creation).
  for (let i = 0; i < 20_000; i++) log.info(`warmup ${i} loss=0.123456`);
  await log.sync();
  const syncsBefore = log.stats.syncs;
  const samples = new Float64Array(LINES);
  const start = process.hrtime.bigint();
  for (let i = 0; i < LINES; i++) {
    const t0 = process.hrtime.bigint();
    log.info(`step ${i} loss=0.123456`);
    samples[i] = Number(process.hrtime.bigint() - t0);
    if (i % 1000 === 999) await yieldNow();
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const syncs = log.stats.syncs - syncsBefore;
  await log.close();
  rmSync(scratch, { recursive: true, force: true });
  samples.sort();
  const us = (ns) => Math.round(ns / 10) / 100;
  return {
    target: name,
    lines: LINES,
    linesPerSecond: Math.round(LINES / seconds),
    p50us: us(percentile(samples, 50)),
    p99us: us(percentile(samples, 99)),
    p999us: us(percentile(samples, 99.9)),
    maxUs: us(samples[samples.length - 1]),
    syncsDuring: syncs,
  };
}

async function bigLogRun() {
  const scratch = mkdtempSync(join(tmpdir(), 'logsync-bench-'));
  const reports = [];
  const log = await createLogSync({
    logDir: `memory:///bench-${process.pid}`, experiment: 'big', syncIntervalMs: 0, handleSignals: false,
    spoolDir: join(scratch, 'spool'), onSync: (r) => reports.push(r),
  });
  const line = `${'x'.repeat(100)}`;
  const target = BIG_MIB * 1024 * 1024;
  for (let written = 0, i = 0; written < target; i++) {
    log.info(`step ${i} ${line}`);
    written += 133;
  }
  let t = Date.now();
  await log.sync();
  const firstMs = Date.now() - t;
  const firstBytes = reports.at(-1).bytes;
  for (let i = 0; i < 1000; i++) log.info(`more ${i} loss=0.123`);
  t = Date.now();
  await log.sync();
  const secondMs = Date.now() - t;
  const secondBytes = reports.at(-1).bytes;
  await log.close();
  rmSync(scratch, { recursive: true, force: true });
  return { logMiB: Math.round(firstBytes / 1048576), firstSyncMs: firstMs, newLines: 1000, secondSyncBytes: secondBytes, secondSyncMs: secondMs, strategy: log.strategy };
}

const results = {
  node: process.version,
  runs: [
    await lineRun('memory:// (spool + append sync every 20 ms)', () => ({ logDir: `memory:///bench-${process.pid}`, syncIntervalMs: 20 })),
    await lineRun('local directory (in place)', (scratch) => ({ logDir: join(scratch, 'runs'), syncIntervalMs: 20 })),
    await lineRun('memory://, flushEveryLine (one write(2) per line)', () => ({ logDir: `memory:///bench-${process.pid}`, syncIntervalMs: 20, flushEveryLine: true })),
  ],
  bigLog: await bigLogRun(),
};

console.log('| target | lines/s | p50 µs | p99 µs | p99.9 µs | max µs | syncs during |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of results.runs) {
  console.log(`| ${r.target} | ${r.linesPerSecond.toLocaleString('en')} | ${r.p50us} | ${r.p99us} | ${r.p999us} | ${r.maxUs} | ${r.syncsDuring} |`);
}
const b = results.bigLog;
console.log(`\n${b.logMiB} MiB log (${b.strategy}): first sync ${b.firstSyncMs} ms; after ${b.newLines} more lines the sync sent ${b.secondSyncBytes.toLocaleString('en')} bytes in ${b.secondSyncMs} ms`);
const ok = results.runs.slice(0, 2).every((r) => r.p99us < 20 && r.linesPerSecond >= 300_000);
console.log(ok ? 'goals met (default mode): p99 < 20 µs, >= 300k lines/s' : 'goals NOT met (default mode): p99 < 20 µs, >= 300k lines/s');
if (values.out) writeFileSync(values.out, `${JSON.stringify(results, null, 2)}\n`);
