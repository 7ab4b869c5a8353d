/** Running the child job of fixtures/child.ts and checking what it left. */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { range } from './util';

const CHILD = join(__dirname, '..', 'fixtures', 'child.ts');

/** A running child job and what it has said on stdout. */
export interface Job {
  child: ChildProcess;
  /** Highest `logged N` seen, -1 before the first. */
  logged: number;
  /** `logged` as it was each time the child reported a completed sync. */
  loggedAtSync: number[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

export function startJob(env: Record<string, string>): Job {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  let buffered = '';
  const job: Job = {
    child,
    logged: -1,
    loggedAtSync: [],
    exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))),
    stderr: () => err,
  };
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  child.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    for (const line of parts) {
      if (line.startsWith('logged ')) job.logged = Number(line.slice(7));
      else if (line === 'synced') job.loggedAtSync.push(job.logged);
    }
  });
  return job;
}

/** Asserts that the numbers are 0..n-1 with no gap and no repeat, n >= atLeast. */
export function expectContiguous(numbers: number[], atLeast: number): void {
  expect(numbers.length, 'lines on the target').to.be.at.least(atLeast);
  expect(numbers).to.deep.equal(range(numbers.length));
}
