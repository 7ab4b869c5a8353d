/** Workloads shared by the benchmarks: the same file names and contents for every contender. */
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A deterministic pseudo-random buffer (xorshift32), so every contender writes the same bytes. */
export function patternBuffer(size, seed = 0x9e3779b9) {
  const buf = Buffer.allocUnsafe(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i + 4 <= size; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    buf.writeUInt32LE(x, i);
  }
  for (let i = size - (size % 4); i < size; i++) buf[i] = i & 0xff;
  return buf;
}

/**
 * `count` files of `size` bytes spread over directories of `perDir` files:
 * relative paths `d017/f003412.bin`, and a distinct slice of a pattern pool as each content.
 */
export function smallFiles(count = 20_000, size = 4096, perDir = 200) {
  const pool = patternBuffer(1024 * 1024 + size);
  const names = new Array(count);
  const contents = new Array(count);
  const dirs = [];
  for (let i = 0; i < count; i++) {
    const d = `d${String(Math.floor(i / perDir)).padStart(3, '0')}`;
    if (i % perDir === 0) dirs.push(d);
    names[i] = `${d}/f${String(i).padStart(6, '0')}.bin`;
    const off = (i * 4099) % (pool.length - size);
    contents[i] = pool.subarray(off, off + size);
  }
  return { count, size, names, contents, dirs, bytes: count * size };
}

/** Throws when a read-back file differs from what was written. */
export function checkSame(what, got, want) {
  if (
    got === undefined ||
    got.byteLength !== want.byteLength ||
    !Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(want)
  ) {
    throw new Error(
      `${what}: content read back differs from what was written (${got?.byteLength} bytes, want ${want.byteLength})`,
    );
  }
}

/** Indexes of a few files to compare byte for byte after the timed rounds. */
export function sampleIndexes(count, n = 64) {
  const out = new Set([0, count - 1]);
  for (let i = 0; out.size < Math.min(n, count); i++) out.add((i * 7919) % count);
  return [...out];
}

/** The directory benchmarks write under: tmpfs (/dev/shm) when there is one, else the OS temp dir. */
export function scratchRoot() {
  const base = process.env.BENCH_DIR ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
  return mkdtempSync(join(base, 'omnifs-bench-'));
}

/** Files a round handles: all of them, or a few for a warm-up round (which only warms the JIT and caches). */
export function filesFor(w, ctx, warmupFiles = 2000) {
  return ctx?.warmup ? Math.min(warmupFiles, w.count) : w.count;
}
