#!/usr/bin/env node
/**
 * One Node contender of the race in a process of its own: `node bench/race/child.mjs CONFIG.json`.
 * Runs the rows named in the config in order and prints one `RACE_ROW {json}` line per row:
 * wall seconds, this process's CPU seconds (user + system, all threads) and its peak RSS
 * during the row (the peak is reset before each row through /proc/self/clear_refs), and the
 * CPU seconds the server's processes spent meanwhile (`cfg.serverPid` and its descendants).
 */
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { median, Unavailable } from '../lib/harness.mjs';
import { mapLimit } from './raw.mjs';
import { NODE_CONTENDERS } from './node-contenders.mjs';
import { treeCpuSeconds } from './servercpu.mjs';
import { RSS_ROWS, seedKeys, smallContent, SMALL, WARM_ROWS } from './rows.mjs';

/** Resets the kernel's peak-RSS mark of this process (Linux); false where it cannot. */
export function resetPeakRss() {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** This process's peak RSS in MiB since the last reset (VmHWM). */
export function peakRssMiB() {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
}

function check(what, got, want) {
  if (got === undefined || got.byteLength !== want.byteLength || !Buffer.from(got).equals(want))
    throw new Error(`${what}: read back ${got?.byteLength} bytes that differ from what was written`);
}

async function main() {
  const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
  const spec = NODE_CONTENDERS[cfg.contender];
  const s = cfg.sizes;
  const clients = {};
  const client = async (kind) => (clients[kind] ??= await spec.make(cfg, cfg.conns[kind]));
  const one = Array.from({ length: s.one }, (_, i) => [`${cfg.prefix}/one/f${i}`, smallContent(i)]);
  const batch = Array.from({ length: s.batch }, (_, i) => [`${cfg.prefix}/batch/f${i}`, smallContent(i + 7)]);
  const latency = Array.from({ length: s.latency }, (_, i) => [`${cfg.prefix}/lat/f${i}`, smallContent(i + 11)]);

  // Checked and removed once the row's time and CPU are taken: removing 1 GiB from tmpfs
  // costs ~150 ms of CPU, which is no part of a download.
  const checkDownload = () => {
    const size = statSync(cfg.outFile).size;
    rmSync(cfg.outFile);
    if (size !== cfg.largeSize) throw new Error(`downloaded ${size} bytes, expected ${cfg.largeSize}`);
  };

  const work = {
    put1: async (c) => {
      for (const [k, b] of one) await c.put(k, b);
      return { ops: one.length };
    },
    get1: async (c) => {
      for (const [k, b] of one) check(k, await c.get(k), b);
      return { ops: one.length };
    },
    putBatch: async (c) => {
      await c.putMany(batch);
      return { ops: batch.length };
    },
    get64: async (c) => {
      if (c.getMany) await c.getMany(batch.map(([k]) => k));
      else await mapLimit(batch, 64, async ([k, b]) => check(k, await c.get(k), b));
      return { ops: batch.length };
    },
    putLatency: async (_c, warming = false) => {
      // Timed `latencyTimes` times (LATENCY_TIMES in rows.mjs), the median kept; once to warm up.
      const c = await client('latency');
      const times = [];
      for (let i = 0; i < (warming ? 1 : (s.latencyTimes ?? 1)); i++) {
        const t0 = process.hrtime.bigint();
        await c.putMany(latency);
        times.push(Number(process.hrtime.bigint() - t0) / 1e9);
      }
      return { ops: latency.length, seconds: median(times) };
    },
    upload: async (c) => {
      await c.upload(cfg.largeFile, `${cfg.prefix}/large`);
      return { ops: 1, bytes: cfg.largeSize };
    },
    download: async (c) => {
      await c.download(cfg.sourceKey, cfg.outFile);
      return { ops: 1, bytes: cfg.largeSize, after: checkDownload };
    },
    capped: async () => {
      await (await client('capped')).download(cfg.sourceKey, cfg.outFile);
      return { ops: 1, bytes: cfg.largeSize, after: checkDownload };
    },
    list: async (c) => {
      if (!c.list) throw new Unavailable('no listing with raw HTTP here');
      // Timed `listTimes` times (LIST_TIMES in rows.mjs), the median kept.
      const times = [];
      for (let i = 0; i < (s.listTimes ?? 1); i++) {
        const t0 = process.hrtime.bigint();
        const n = await c.list(cfg.seedPrefix);
        times.push(Number(process.hrtime.bigint() - t0) / 1e9);
        if (n !== s.keys) throw new Error(`listed ${n} keys, expected ${s.keys}`);
      }
      return { ops: s.keys, seconds: median(times) };
    },
    delete: async (c) => {
      await c.removeAll(cfg.seedPrefix, seedKeys(cfg.seedPrefix, s.keys));
      return { ops: s.keys };
    },
  };

  // One untimed request first, so that no row pays for the first request's lazy loading.
  try {
    const c = await client('direct');
    await c.put(`${cfg.prefix}/warmup`, smallContent(0));
    await c.get(`${cfg.prefix}/warmup`);
  } catch {
    // The rows report what fails.
  }
  if (cfg.warm) {
    for (const row of cfg.rows.filter((r) => WARM_ROWS.includes(r))) {
      try {
        await work[row](await client('direct'), true);
      } catch {
        // The timed row reports what fails.
      }
    }
    // A listing of what the warm-up wrote, so that the timed one does not compile the listing path.
    try {
      const c = await client('direct');
      if (cfg.rows.includes('list') && c.list) await c.list(cfg.prefix);
    } catch {
      // The timed row reports what fails.
    }
    // A small tree the parent seeded, removed, so that the timed delete is not the process's first.
    try {
      const w = cfg.warmDelete;
      if (w) await (await client('direct')).removeAll(w.prefix, seedKeys(w.prefix, w.keys));
    } catch {
      // The timed row reports what fails.
    }
  }
  // The rows whose peak RSS is shown run last: the memory-reducing GC before each also
  // drops compiled code, which the rows after it would have to compile again.
  const order = [...cfg.rows.filter((r) => !RSS_ROWS.includes(r)), ...cfg.rows.filter((r) => RSS_ROWS.includes(r))];
  for (const row of order) {
    const out = { row };
    try {
      const c = await client('direct');
      if (RSS_ROWS.includes(row)) globalThis.gc?.({ type: 'major', execution: 'sync', flavor: 'last-resort' });
      const rssReset = resetPeakRss();
      const server0 = treeCpuSeconds(cfg.serverPid);
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      const { ops, bytes = ops * SMALL, after, seconds } = await work[row](c);
      out.seconds = seconds ?? Number(process.hrtime.bigint() - t0) / 1e9;
      const cpu = process.cpuUsage(c0);
      const server1 = treeCpuSeconds(cfg.serverPid);
      const peak = peakRssMiB();
      after?.();
      Object.assign(out, { ops, bytes, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssMiB: peak, rssReset });
      if (server0 !== undefined && server1 !== undefined) out.serverCpuSeconds = server1 - server0;
    } catch (err) {
      if (err instanceof Unavailable) out.unavailable = err.message;
      else
        out.error = String(err?.message ?? err)
          .split('\n')[0]
          .slice(0, 300);
    }
    process.stdout.write(`RACE_ROW ${JSON.stringify(out)}\n`);
  }
  for (const c of Object.values(clients)) await c.close();
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
