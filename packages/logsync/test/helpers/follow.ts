/** Following a run while jobs log to it, for the follow tests. */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { followLog, type FollowOptions } from '@omnifs/logsync';
import { gunzipSync } from 'node:zlib';
import { urlToFs } from '@omnifs/core';
import { lineNumbers, range } from './util';

const RUNNER = join(__dirname, '..', 'fixtures', 'runner.ts');

/** Runs fixtures/runner.ts to completion with `env`; rejects when it fails. */
export function runJob(env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', RUNNER], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('exit', (code, signal) =>
      code === 0 ? resolve(out) : reject(new Error(`runner exited ${code ?? signal}: ${err}`)),
    );
  });
}

/** A follower collecting lines in the background. */
export interface Following {
  lines: string[];
  /** Resolves once a line `line <last>` has been seen, then stops following. */
  until(last: number, timeoutMs?: number): Promise<string[]>;
}

/** Starts following `url`; `until` ends it. */
export function follow(url: string, options: FollowOptions = {}): Following {
  const controller = new AbortController();
  const lines: string[] = [];
  let failure: unknown;
  const done = (async () => {
    try {
      for await (const line of followLog(url, { pollMs: 40, fromStart: true, signal: controller.signal, ...options }))
        lines.push(line);
    } catch (err) {
      failure = err;
    }
  })();
  return {
    lines,
    async until(last, timeoutMs = 30_000) {
      const end = Date.now() + timeoutMs;
      while (!lines.some((l) => l.endsWith(` line ${last}`)) && failure === undefined && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 20));
      }
      controller.abort();
      await done;
      if (failure !== undefined) throw failure;
      return lines;
    },
  };
}

/** Asserts the followed lines are `line 0` .. `line n-1`, each once, in order. */
export function expectEveryLineOnce(lines: string[], n: number): void {
  const numbers = lines.map((l) => /\bline (\d+)$/.exec(l)?.[1]).map(Number);
  expect(runs(numbers), 'followed line numbers').to.equal(`0-${n - 1}`);
}

/** Line numbers stored for a run: its rotated segments (at least 2, numbered from 1) in order, then the live log. */
export async function storedLines(run: string, storageOptions: Record<string, unknown> = {}): Promise<number[]> {
  const { fs, path } = urlToFs(run, storageOptions);
  const names = (await fs.ls(path)) as string[];
  const segments = names
    .map((p) => /training\.log\.(\d+)\.gz$/.exec(p))
    .filter((m) => m !== null)
    .map((m) => Number(m[1]));
  expect(segments.length, 'rotated segments').to.be.at.least(2);
  expect(segments.sort((a, b) => a - b)).to.deep.equal(range(segments.length).map((i) => i + 1));
  let text = '';
  for (const n of segments) text += gunzipSync(await fs.cat(`${path}/training.log.${n}.gz`)).toString();
  return lineNumbers(text + (await fs.readText(`${path}/training.log`)));
}

/**
 * The follow scenario on one target: a child job logs lines 0-299 with rotation every
 * 4000 bytes and closes, a second one (the run restarted) lines 300-499; a follower that
 * started before the first sees each line once, in order, and the target stores each once.
 */
export async function followAcrossRotationAndRestart(
  url: string,
  run: string,
  spool: string,
  storageOptions: Record<string, unknown> = {},
): Promise<void> {
  const following = follow(run, { storageOptions });
  const job = { LS_URL: url, LS_SPOOL: spool, LS_ROTATE_BYTES: '4000', LS_STORAGE: JSON.stringify(storageOptions) };
  await runJob({ ...job, LS_COUNT: '300' });
  await runJob({ ...job, LS_FIRST: '300', LS_COUNT: '200' });
  expectEveryLineOnce(await following.until(499), 500);
  expect(await storedLines(run, storageOptions)).to.deep.equal(range(500));
}

/** `0-186,205-299,187-204` for a list of numbers: runs of consecutive ones. */
function runs(numbers: number[]): string {
  const out: string[] = [];
  let start = 0;
  for (let i = 1; i <= numbers.length; i++) {
    if (i === numbers.length || numbers[i] !== numbers[i - 1]! + 1) {
      out.push(start === i - 1 ? String(numbers[start]) : `${numbers[start]}-${numbers[i - 1]}`);
      start = i;
    }
  }
  return out.join(',');
}
