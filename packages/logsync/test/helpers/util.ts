/** Small helpers shared by the logsync tests. */
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'logsync-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A random name for a run or a bucket root. */
export function randomName(prefix = 'run'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/** Lines of a text, without the trailing empty one. */
export function lines(text: string): string[] {
  return text.split('\n').filter((l, i, all) => !(l === '' && i === all.length - 1));
}

/**
 * Asserts-friendly summary of `line N` messages in a log: the numbers in order.
 * Lines are matched by the `line <n>` they carry.
 */
export function lineNumbers(text: string): number[] {
  const out: number[] = [];
  for (const l of lines(text)) {
    const m = /\bline (\d+)\b/.exec(l);
    if (m) out.push(Number(m[1]));
  }
  return out;
}

/** `[0, 1, ..., n - 1]`. */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Waits until `predicate` holds (polling), or fails after `timeoutMs`. */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export { existsSync };
