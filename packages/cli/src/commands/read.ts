/** Commands that print file contents: cat, head, tail. */
import type { FileSystem } from '@omnifs/core';
import { intFlag, UsageError, type CommandSpec, type Context } from '../spec';
import { expandAll, fail, stdinOf, type Match } from './common';

const NL = 0x0a;
/** Bytes fetched per step when `tail -n` reads backwards. */
const TAIL_BLOCK = 64 * 1024;

/** Files a reading command prints: every match, refusing directories. */
async function files(ctx: Context, raws: string[]): Promise<Match[]> {
  const matches = await expandAll(ctx, raws);
  for (const m of matches) if (m.info.type === 'directory') throw fail('IsADirectory', `${m.url}: is a directory`);
  return matches;
}

async function cat(ctx: Context): Promise<void> {
  const args = ctx.args;
  // Every URL is checked first, so a typo prints nothing rather than half of the output.
  const plan: Array<Match | '-'> = [];
  for (const raw of args) plan.push(...(raw === '-' ? ['-' as const] : await files(ctx, [raw])));
  for (const item of plan) {
    const chunks = item === '-' ? stdinOf(ctx) : item.target.fs.readChunks(item.info.name, { signal: ctx.signal });
    for await (const chunk of chunks) await ctx.io.raw(chunk);
  }
}

/** The first `lines` lines of a file, read only as far as needed. */
async function headLines(fs: FileSystem, path: string, lines: number, signal: AbortSignal): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  let left = lines;
  for await (const chunk of fs.readChunks(path, { signal })) {
    let cut = -1;
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] === NL && --left === 0) {
        cut = i + 1;
        break;
      }
    }
    out.push(cut < 0 ? chunk : chunk.subarray(0, cut));
    if (cut >= 0) break;
  }
  return out;
}

/** The last `lines` lines of a file, read backwards in blocks. */
async function tailLines(fs: FileSystem, path: string, size: number, lines: number): Promise<Uint8Array> {
  let block = TAIL_BLOCK;
  for (;;) {
    const start = Math.max(0, size - block);
    const bytes = await fs.catFile(path, { start, end: size });
    // A final newline ends the last line; it does not start another.
    let seen = 0;
    const end = bytes.length > 0 && bytes[bytes.length - 1] === NL ? bytes.length - 1 : bytes.length;
    for (let i = end - 1; i >= 0; i--) {
      if (bytes[i] === NL && ++seen === lines) return bytes.subarray(i + 1);
    }
    if (start === 0) return bytes;
    block *= 4;
  }
}

function counts(ctx: Context): { lines?: number; bytes?: number } {
  const lines = intFlag(ctx.flags, 'lines', 0, '-n (--lines)');
  const bytes = intFlag(ctx.flags, 'bytes', 0, '-c (--bytes)');
  if (lines !== undefined && bytes !== undefined)
    throw new UsageError('give either -n (lines) or -c (bytes), not both');
  return bytes !== undefined ? { bytes } : { lines: lines ?? 10 };
}

async function headOrTail(ctx: Context, which: 'head' | 'tail'): Promise<void> {
  const { lines, bytes } = counts(ctx);
  const matches = await files(ctx, ctx.args);
  for (const [i, m] of matches.entries()) {
    if (matches.length > 1) ctx.io.out(`${i > 0 ? '\n' : ''}==> ${m.url} <==`);
    const { fs } = m.target;
    const path = m.info.name;
    if (bytes !== undefined) {
      if (bytes > 0) await ctx.io.raw(which === 'head' ? await fs.head(path, bytes) : await fs.tail(path, bytes));
    } else if (lines! > 0) {
      const chunks =
        which === 'head'
          ? await headLines(fs, path, lines!, ctx.signal)
          : [await tailLines(fs, path, m.info.size, lines!)];
      for (const c of chunks) await ctx.io.raw(c);
    }
  }
}

const countOptions = {
  lines: { type: 'string', short: 'n', value: 'N', help: 'N lines (default 10)' },
  bytes: { type: 'string', short: 'c', value: 'N', help: 'N bytes instead of lines' },
} as const;

/** The reading commands. */
export const READ_COMMANDS: CommandSpec[] = [
  {
    name: 'cat',
    args: 'URL...',
    summary: 'print files (globs expand; - is standard input)',
    min: 1,
    options: {},
    example: 'omnifs cat s3://bucket/runs/42/metrics.json',
    run: cat,
  },
  {
    name: 'head',
    args: 'URL...',
    summary: 'the first lines (-n) or bytes (-c) of files',
    min: 1,
    options: countOptions,
    example: 'omnifs head -n 5 gs://bucket/data.csv',
    run: (ctx) => headOrTail(ctx, 'head'),
  },
  {
    name: 'tail',
    args: 'URL...',
    summary: 'the last lines (-n) or bytes (-c) of files',
    min: 1,
    options: countOptions,
    example: 'omnifs tail -n 20 s3://bucket/runs/42/training.log',
    run: (ctx) => headOrTail(ctx, 'tail'),
  },
];
