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
 * 3. followLog: the time from info() to the line coming out of a follower (pollMs 100,
 *    syncs every 20 ms), over 60 lines logged at irregular intervals.
 * 4. Checkpoints: saveCheckpoint of N MiB against pipeFile of the same bytes to the same
 *    filesystem (memory:// and a local directory).
 *
 * Goals (issue 4): p99 < 20 µs, >= 300,000 lines/s while syncs run; (issue 16) the same
 * p99 with rotation on, followLog within 2 polling intervals, checkpoint upload >= 0.9x put.
 */
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const { createLogSync, followLog } = require('@omnifs/logsync');
const { urlToFs } = require('@omnifs/core');
require('@omnifs/memory');

const { values } = parseArgs({
  options: {
    lines: { type: 'string' },
    'big-mib': { type: 'string' },
    'ckpt-mib': { type: 'string' },
    out: { type: 'string' },
  },
});
const CKPT_MIB = Number(values['ckpt-mib'] ?? 64);
const LINES = Number(values.lines ?? 1_000_000);
const BIG_MIB = Number(values['big-mib'] ?? 100);
const yieldNow = () => new Promise((r) => setImmediate(r));

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function lineRun(name, options) {
  const scratch = mkdtempSync(join(tmpdir(), 'logsync-bench-'));
  const log = await createLogSync({
    experiment: 'bench',
    handleSignals: false,
    spoolDir: join(scratch, 'spool'),
    ...options(scratch),
  });
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
    logDir: `memory:///bench-${process.pid}`,
    experiment: 'big',
    syncIntervalMs: 0,
    handleSignals: false,
    spoolDir: join(scratch, 'spool'),
    onSync: (r) => reports.push(r),
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
  return {
    logMiB: Math.round(firstBytes / 1048576),
    firstSyncMs: firstMs,
    newLines: 1000,
    secondSyncBytes: secondBytes,
    secondSyncMs: secondMs,
    strategy: log.strategy,
  };
}

async function followRun(pollMs = 100) {
  const scratch = mkdtempSync(join(tmpdir(), 'logsync-bench-'));
  const logDir = `memory:///bench-follow-${process.pid}`;
  const log = await createLogSync({
    logDir,
    experiment: 'f',
    syncIntervalMs: 20,
    handleSignals: false,
    spoolDir: join(scratch, 'spool'),
  });
  const sent = new Map();
  const delays = [];
  const controller = new AbortController();
  const reading = (async () => {
    for await (const line of followLog(`${logDir}/f`, { pollMs, signal: controller.signal, fromStart: true })) {
      const n = Number(/probe (\d+)/.exec(line)?.[1]);
      if (sent.has(n)) delays.push(Date.now() - sent.get(n));
      if (delays.length === 60) controller.abort();
    }
  })();
  for (let i = 0; i < 60; i++) {
    sent.set(i, Date.now());
    log.info(`probe ${i}`);
    await new Promise((r) => setTimeout(r, 20 + ((i * 37) % 150)));
  }
  await reading;
  await log.close();
  rmSync(scratch, { recursive: true, force: true });
  delays.sort((a, b) => a - b);
  return {
    pollMs,
    lines: delays.length,
    p50ms: percentile(delays, 50),
    p99ms: percentile(delays, 99),
    maxMs: delays.at(-1),
  };
}

async function checkpointRun(name, logDir) {
  const scratch = mkdtempSync(join(tmpdir(), 'logsync-bench-'));
  const dir = logDir(scratch);
  const log = await createLogSync({
    logDir: dir,
    experiment: 'c',
    syncIntervalMs: 0,
    handleSignals: false,
    spoolDir: join(scratch, 'spool'),
  });
  const data = Buffer.alloc(CKPT_MIB * 1024 * 1024, 1);
  const { fs, path } = urlToFs(`${dir}/c`);
  const best = async (fn) => {
    let ms = Infinity;
    for (let i = 0; i < 3; i++) {
      const t = process.hrtime.bigint();
      await fn(i);
      ms = Math.min(ms, Number(process.hrtime.bigint() - t) / 1e6);
    }
    return ms;
  };
  const putMs = await best((i) => fs.pipeFile(`${path}/put-${i}.bin`, data));
  const ckptMs = await best((i) => log.saveCheckpoint(`ckpt-${i}.bin`, data, { onProgress: () => undefined }));
  await log.close();
  rmSync(scratch, { recursive: true, force: true });
  const mbps = (ms) => Math.round((CKPT_MIB / (ms / 1000)) * 10) / 10;
  return {
    target: name,
    mib: CKPT_MIB,
    putMiBps: mbps(putMs),
    checkpointMiBps: mbps(ckptMs),
    ratio: Math.round((putMs / ckptMs) * 100) / 100,
  };
}

const results = {
  node: process.version,
  runs: [
    await lineRun('memory:// (spool + append sync every 20 ms)', () => ({
      logDir: `memory:///bench-${process.pid}`,
      syncIntervalMs: 20,
    })),
    await lineRun('local directory (in place)', (scratch) => ({ logDir: join(scratch, 'runs'), syncIntervalMs: 20 })),
    await lineRun('memory://, flushEveryLine (one write(2) per line)', () => ({
      logDir: `memory:///bench-${process.pid}`,
      syncIntervalMs: 20,
      flushEveryLine: true,
    })),
    await lineRun('memory://, rotate every 1 MiB (gzip, keep 5)', () => ({
      logDir: `memory:///bench-rot-${process.pid}`,
      syncIntervalMs: 20,
      rotate: { maxBytes: 1 << 20, keep: 5 },
    })),
  ],
  follow: await followRun(),
  checkpoints: [
    await checkpointRun('memory://', () => `memory:///bench-ckpt-${process.pid}`),
    await checkpointRun('local directory', (scratch) => join(scratch, 'runs')),
  ],
  bigLog: await bigLogRun(),
};

console.log('| target | lines/s | p50 µs | p99 µs | p99.9 µs | max µs | syncs during |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of results.runs) {
  console.log(
    `| ${r.target} | ${r.linesPerSecond.toLocaleString('en')} | ${r.p50us} | ${r.p99us} | ${r.p999us} | ${r.maxUs} | ${r.syncsDuring} |`,
  );
}
const b = results.bigLog;
console.log(
  `\n${b.logMiB} MiB log (${b.strategy}): first sync ${b.firstSyncMs} ms; after ${b.newLines} more lines the sync sent ${b.secondSyncBytes.toLocaleString('en')} bytes in ${b.secondSyncMs} ms`,
);
const f = results.follow;
console.log(
  `\nfollowLog (pollMs ${f.pollMs}): ${f.lines} lines, delay p50 ${f.p50ms} ms, p99 ${f.p99ms} ms, max ${f.maxMs} ms`,
);
for (const c of results.checkpoints) {
  console.log(
    `checkpoint ${c.mib} MiB to ${c.target}: put ${c.putMiBps} MiB/s, saveCheckpoint ${c.checkpointMiBps} MiB/s (${c.ratio}x)`,
  );
}
const rot = results.runs[3];
console.log(rot.p99us < 20 ? 'rotation: p99 < 20 µs' : 'rotation: p99 NOT < 20 µs');
console.log(
  f.p99ms <= 2 * f.pollMs
    ? 'followLog: within 2 polling intervals (p99)'
    : 'followLog: NOT within 2 polling intervals (p99)',
);
console.log(
  results.checkpoints.every((c) => c.ratio >= 0.9) ? 'checkpoints: >= 0.9x put' : 'checkpoints: NOT >= 0.9x put',
);
const ok = results.runs.slice(0, 2).every((r) => r.p99us < 20 && r.linesPerSecond >= 300_000);
console.log(
  ok
    ? 'goals met (default mode): p99 < 20 µs, >= 300k lines/s'
    : 'goals NOT met (default mode): p99 < 20 µs, >= 300k lines/s',
);
if (values.out) writeFileSync(values.out, `${JSON.stringify(results, null, 2)}\n`);
