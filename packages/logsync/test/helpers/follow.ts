/** Following a run while jobs log to it, for the follow tests. */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { followLog, type FollowOptions } from '../../src/index';
import { range } from './util';

const RUNNER = join(__dirname, '..', 'fixtures', 'runner.ts');

/** Runs fixtures/runner.ts to completion with `env`; rejects when it fails. */
export function runJob(env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', RUNNER], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('exit', (code, signal) => (code === 0 ? resolve(out) : reject(new Error(`runner exited ${code ?? signal}: ${err}`))));
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
      for await (const line of followLog(url, { pollMs: 40, fromStart: true, signal: controller.signal, ...options })) lines.push(line);
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
  expect(numbers, 'followed line numbers').to.deep.equal(range(n));
}
