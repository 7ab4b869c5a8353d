/** Commands that print file contents: cat, head, tail. */
import type { FileSystem } from '@omnifs/core';
import { stringFlag, UsageError, type CommandSpec, type Context, type OptionSpec } from '../spec';
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

/**
 * Every line of `chunks` but the last `n` (GNU's `head -n -N`; a last line without a
 * newline counts), printed as soon as it is known not to be one of them: only the last
 * `n` lines are held back.
 */
async function* allButLastLines(chunks: AsyncIterable<Uint8Array>, n: number): AsyncGenerator<Uint8Array> {
  if (n === 0) return yield* chunks;
  const held: Uint8Array[] = [];
  // Offsets in the file just past each newline held back, and where what is held starts.
  const ends: number[] = [];
  let offset = 0;
  let read = 0;
  let last = NL;
  function* release(to: number): Generator<Uint8Array> {
    while (offset < to) {
      const chunk = held[0]!;
      const take = Math.min(chunk.length, to - offset);
      yield chunk.subarray(0, take);
      offset += take;
      if (take === chunk.length) held.shift();
      else held[0] = chunk.subarray(take);
    }
  }
  for await (const chunk of chunks) {
    if (chunk.length === 0) continue;
    held.push(chunk);
    for (let i = chunk.indexOf(NL); i >= 0; i = chunk.indexOf(NL, i + 1)) ends.push(read + i + 1);
    read += chunk.length;
    last = chunk[chunk.length - 1]!;
    if (ends.length > n) yield* release(ends.splice(0, ends.length - n).pop()!);
  }
  // A last line without a newline is one of the last n: the one before the n held goes too.
  if (last !== NL && ends.length === n) yield* release(ends[0]!);
}

/** The lines of `chunks` from the `n`th on (GNU's `tail -n +N`; +0 is +1). */
async function* fromLine(chunks: AsyncIterable<Uint8Array>, n: number): AsyncGenerator<Uint8Array> {
  let skip = Math.max(0, n - 1);
  for await (const chunk of chunks) {
    if (skip === 0) {
      yield chunk;
      continue;
    }
    let i = -1;
    while (skip > 0 && (i = chunk.indexOf(NL, i + 1)) >= 0) skip--;
    if (skip === 0 && i + 1 < chunk.length) yield chunk.subarray(i + 1);
  }
}

/** What `-n` or `-c` asks of head or tail. */
interface Count {
  unit: 'lines' | 'bytes';
  n: number;
  /**
   * GNU's `head -N` (all but the last N) and `tail +N` (from the Nth on): the count says
   * what is left out. The other sign (`head +N`, `tail -N`) is the count itself, as in GNU.
   */
  leaveOut: boolean;
}

/** `-n` or `-c`: N, -N or +N. */
function countFlag(ctx: Context, name: 'lines' | 'bytes'): { n: number; sign: string } | undefined {
  const v = stringFlag(ctx.flags, name);
  if (v === undefined) return undefined;
  const m = /^([+-]?)(\d+)$/.exec(v.trim());
  const n = Number(m?.[2]);
  if (m === null || !Number.isSafeInteger(n))
    throw new UsageError(
      `-${name === 'lines' ? 'n' : 'c'} (--${name}) must be N, -N or +N for a whole number N, got ${JSON.stringify(v)}`,
    );
  return { n, sign: m[1]! };
}

function counts(ctx: Context, which: 'head' | 'tail'): Count {
  const lines = countFlag(ctx, 'lines');
  const bytes = countFlag(ctx, 'bytes');
  if (lines !== undefined && bytes !== undefined)
    throw new UsageError('give either -n (lines) or -c (bytes), not both');
  const { n, sign } = bytes ?? lines ?? { n: 10, sign: '' };
  return { unit: bytes === undefined ? 'lines' : 'bytes', n, leaveOut: sign === (which === 'head' ? '-' : '+') };
}

/** What head or tail prints of one file, read as it is printed where the count leaves out an end. */
async function* selected(
  m: Match,
  which: 'head' | 'tail',
  { unit, n, leaveOut }: Count,
  signal: AbortSignal,
): AsyncGenerator<Uint8Array> {
  const { fs } = m.target;
  const path = m.info.name;
  const read = (range: { start?: number; end?: number }): AsyncIterable<Uint8Array> =>
    fs.readChunks(path, { ...range, signal });
  if (leaveOut && which === 'head') {
    if (unit === 'lines') yield* allButLastLines(read({}), n);
    else yield* read(n > 0 ? { end: -n } : {});
  } else if (leaveOut) {
    yield* unit === 'lines' ? fromLine(read({}), n) : read({ start: Math.max(0, n - 1) });
  } else if (n === 0) {
    return;
  } else if (unit === 'bytes') {
    yield which === 'head' ? await fs.head(path, n) : await fs.tail(path, n);
  } else {
    yield* which === 'head' ? await headLines(fs, path, n, signal) : [await tailLines(fs, path, m.info.size, n)];
  }
}

async function headOrTail(ctx: Context, which: 'head' | 'tail'): Promise<void> {
  const count = counts(ctx, which);
  const matches = await files(ctx, ctx.args);
  for (const [i, m] of matches.entries()) {
    if (matches.length > 1) ctx.io.out(`${i > 0 ? '\n' : ''}==> ${m.url} <==`);
    for await (const chunk of selected(m, which, count, ctx.signal)) await ctx.io.raw(chunk);
  }
}

/** `-n` and `-c` of head or tail, and what the sign GNU gives a count means to it. */
function countOptions(which: 'head' | 'tail'): Record<'lines' | 'bytes', OptionSpec> {
  const [end, other] = which === 'head' ? ['first', '-N: all but the last N'] : ['last', '+N: from the Nth on'];
  return {
    lines: { type: 'string', short: 'n', value: 'N', help: `the ${end} N lines (default 10); ${other}` },
    bytes: { type: 'string', short: 'c', value: 'N', help: `the ${end} N bytes instead of lines; ${other}` },
  };
}

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
    options: countOptions('head'),
    example: 'omnifs head -n 5 gs://bucket/data.csv',
    run: (ctx) => headOrTail(ctx, 'head'),
  },
  {
    name: 'tail',
    args: 'URL...',
    summary: 'the last lines (-n) or bytes (-c) of files',
    min: 1,
    options: countOptions('tail'),
    example: 'omnifs tail -n 20 s3://bucket/runs/42/training.log',
    run: (ctx) => headOrTail(ctx, 'tail'),
  },
];
