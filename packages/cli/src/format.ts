/** Sizes, rates, durations and times as the CLI prints and reads them. */
import { UsageError } from './spec';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** `1536` → `1.5 KiB`; bytes below 1 KiB as `512 B`. */
export function humanSize(bytes: number): string {
  let n = bytes;
  let unit = 0;
  while (n >= 1024 && unit < UNITS.length - 1) {
    n /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${n.toFixed(1)} ${UNITS[unit]}`;
}

/** Seconds as `m:ss` or `h:mm:ss`. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Seconds for a summary: `0.42s`, `12.3s`, `2:05`. */
export function elapsed(seconds: number): string {
  return seconds < 60 ? `${seconds < 10 ? seconds.toFixed(2) : seconds.toFixed(1)}s` : clock(seconds);
}

const SIZE_SUFFIX: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  ki: 1024,
  m: 1024 ** 2,
  mi: 1024 ** 2,
  g: 1024 ** 3,
  gi: 1024 ** 3,
};

/** `20M`, `1.5MiB`, `512k`, `4096` → bytes (binary multiples, as rsync and rclone read them). */
export function parseSize(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]i?)?b?$/i.exec(text.trim());
  const n = m ? Number(m[1]) * SIZE_SUFFIX[(m[2] ?? '').toLowerCase()]! : NaN;
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`${flag} takes a size such as 512K, 20M or 1G, got ${JSON.stringify(text)}`);
  return Math.floor(n);
}

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** `90`, `90s`, `15m`, `12h`, `7d`, `2w` → seconds; 0 only with `allowZero`. */
export function parseDuration(text: string, flag: string, allowZero = false): number {
  const m = /^(\d+)([smhdw]?)$/.exec(text.trim());
  if (!m || Number(m[1]) < (allowZero ? 0 : 1))
    throw new UsageError(`${flag} takes a duration such as 90, 15m, 12h or 7d, got ${JSON.stringify(text)}`);
  return Number(m[1]) * DURATION_UNITS[m[2] || 's']!;
}

/** A modification time for listings: `2026-11-29 17:53:16` in UTC, or dashes. */
export function listTime(date: unknown): string {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) return '-'.padEnd(19);
  return date.toISOString().replace('T', ' ').slice(0, 19);
}
