import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lineNumbers, range, tempDir, waitFor } from './helpers/util';

const CHILD = join(__dirname, 'fixtures', 'child.ts');

/** A running child job and what it has said on stdout. */
interface Job {
  child: ChildProcess;
  /** Highest `logged N` seen, -1 before the first. */
  logged: number;
  /** `logged` as it was each time the child reported a completed sync. */
  loggedAtSync: number[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

function startJob(env: Record<string, string>): Job {
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
function expectContiguous(numbers: number[], atLeast: number): void {
  expect(numbers.length, 'lines on the target').to.be.at.least(atLeast);
  expect(numbers).to.deep.equal(range(numbers.length));
}

describe('logsync in a process that is stopped', function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  for (const protocol of ['diskremote', 'diskrewrite']) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      it(`loses no line on ${signal} (${protocol}): flushes, syncs, removes the spool, dies by the signal`, async () => {
        const spool = join(tmp.dir, 'spool');
        const job = startJob({ LS_URL: `${protocol}://${tmp.dir}/remote`, LS_SPOOL: spool, LS_INTERVAL: '100' });
        await waitFor(() => job.loggedAtSync.length >= 2 && job.logged > 200, 30_000, 'the child to log and sync');
        job.child.kill(signal);
        const { code, signal: died } = await job.exited;
        expect(died, job.stderr()).to.equal(signal);
        expect(code).to.equal(null);
        const remote = readFileSync(join(tmp.dir, 'remote', 'exp', 'training.log'), 'utf8');
        expectContiguous(lineNumbers(remote), job.logged + 1);
        expect(existsSync(spool), 'spool removed').to.equal(false);
      });
    }
  }

  for (const flush of ['tick', 'line']) {
    it(`on SIGKILL loses at most the last interval, and the next start with the spool uploads the rest (written per ${flush})`, async () => {
      const spool = join(tmp.dir, 'spool');
      const url = `diskremote://${tmp.dir}/remote`;
      const job = startJob({ LS_URL: url, LS_SPOOL: spool, LS_INTERVAL: '150', LS_FLUSH: flush });
      await waitFor(() => job.loggedAtSync.length >= 3, 30_000, 'three syncs');
      job.child.kill('SIGKILL');
      const { signal } = await job.exited;
      expect(signal).to.equal('SIGKILL');
      const logged = job.logged + 1;

      const remotePath = join(tmp.dir, 'remote', 'exp', 'training.log');
      const before = lineNumbers(readFileSync(remotePath, 'utf8'));
      // Everything logged before the previous completed sync was included in the last one.
      const previousSync = job.loggedAtSync.at(-2)!;
      expectContiguous(before, previousSync + 1);
      expect(existsSync(join(spool, 'training.log')), 'spool left for recovery').to.equal(true);
      const spooled = lineNumbers(readFileSync(join(spool, 'training.log'), 'utf8'));
      expectContiguous(spooled, logged);

      const again = startJob({ LS_URL: url, LS_SPOOL: spool, LS_INTERVAL: '0', LS_MODE: 'recover' });
      const exit = await again.exited;
      expect(exit.code, again.stderr()).to.equal(0);
      const after = lineNumbers(readFileSync(remotePath, 'utf8'));
      expect(after).to.deep.equal(spooled);
      expect(existsSync(spool)).to.equal(false);
    });
  }

  it('on process.exit() writes buffered lines to the spool, and the next start uploads them', async () => {
    const spool = join(tmp.dir, 'spool');
    const url = `diskremote://${tmp.dir}/remote`;
    const job = startJob({ LS_URL: url, LS_SPOOL: spool, LS_INTERVAL: '0', LS_MODE: 'exit' });
    const { code } = await job.exited;
    expect(code, job.stderr()).to.equal(0);
    expectContiguous(lineNumbers(readFileSync(join(spool, 'training.log'), 'utf8')), 500);
    const again = startJob({ LS_URL: url, LS_SPOOL: spool, LS_MODE: 'recover' });
    expect((await again.exited).code, again.stderr()).to.equal(0);
    expectContiguous(lineNumbers(readFileSync(join(tmp.dir, 'remote', 'exp', 'training.log'), 'utf8')), 500);
  });
});
