/**
 * followLog and listRuns on memory, local disk and a disk target synced like a remote,
 * while a job logs (in this process for memory, in child processes elsewhere): every
 * line is seen once, in order, across a rotation and a restart of the run.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FsError, filesystem, urlToFs } from '@omnifs/core';
import { createLogSync, followLog, listRuns, type LogSyncOptions } from '@omnifs/logsync';
import { registerDiskRemote } from './fixtures/diskremote';
import { expectEveryLineOnce, follow, followAcrossRotationAndRestart, storedLines } from './helpers/follow';
import { FaultControl, registerFaulty } from './helpers/faulty';
import { randomName, range, tempDir } from './helpers/util';

registerDiskRemote();

/** Logs `line first` .. `line first+count-1` in this process, yielding every 5 lines, then closes. */
async function logInProcess(options: LogSyncOptions, first: number, count: number): Promise<void> {
  const log = await createLogSync({ syncIntervalMs: 20, handleSignals: false, ...options });
  for (let i = first; i < first + count; i++) {
    log.info(`line ${i}`);
    if (i % 5 === 4) await new Promise((r) => setTimeout(r, 2));
  }
  await log.close();
}

describe('followLog', function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  it('on memory: sees every line once, in order, while the run logs and after a restart', async () => {
    const logDir = `memory://${randomName('follow')}`;
    const following = follow(`${logDir}/exp`);
    await logInProcess({ logDir, experiment: 'exp', spoolDir: join(tmp.dir, 'a'), rotate: { maxBytes: 4000 } }, 0, 300);
    await logInProcess(
      { logDir, experiment: 'exp', spoolDir: join(tmp.dir, 'b'), rotate: { maxBytes: 4000 } },
      300,
      200,
    );
    expectEveryLineOnce(await following.until(499), 500);
    expect(await storedLines(`${logDir}/exp`)).to.deep.equal(range(500));
  });

  it('on local disk: sees every line of child jobs once, in order, across rotations and a restart', async () => {
    const url = join(tmp.dir, 'runs');
    await followAcrossRotationAndRestart(url, join(url, 'exp'), join(tmp.dir, 'spool'));
  });

  it('on a synced disk target: sees every line of child jobs once, in order, across rotations and a restart', async () => {
    const url = `diskremote://${tmp.dir}/runs`;
    await followAcrossRotationAndRestart(url, `${url}/exp`, join(tmp.dir, 'spool'));
  });

  it('looks again when the live file is rotated away between the listing and its read', async () => {
    const control = new FaultControl();
    const root = `/${randomName('rotated')}`;
    const unregister = registerFaulty('followrotated', filesystem('memory'), root, control, { append: true });
    try {
      const text = range(20)
        .map((i) => `line ${i}\n`)
        .join('');
      // A segment just rotated and uploaded while the live file still holds the same bytes.
      await filesystem('memory').pipeFile(`${root}/runs/exp/training.log.1`, text);
      await filesystem('memory').pipeFile(`${root}/runs/exp/training.log`, text);
      // The read that compares the live file with the newest segment finds it gone once.
      control.readFault = (path, start) =>
        path.endsWith('/training.log') && start === 0
          ? new FsError({ kind: 'NotFound', code: 'ENOENT', message: `${path}: no such file` })
          : undefined;
      const seen: string[] = [];
      const controller = new AbortController();
      for await (const line of followLog('followrotated:///runs/exp', {
        fromStart: true,
        pollMs: 10,
        signal: controller.signal,
      })) {
        seen.push(line);
        if (seen.length === 20) controller.abort();
      }
      expect(control.injected).to.equal(1);
      expect(seen).to.deep.equal(range(20).map((i) => `line ${i}`));
    } finally {
      unregister();
    }
  });

  describe('a rotation between the listing and the first read of the live file', () => {
    const lines = (from: number, to: number): string =>
      range(to - from)
        .map((i) => `line ${from + i}\n`)
        .join('');
    let root: string;
    let control: FaultControl;
    let unregister: () => void;
    const memory = filesystem('memory');
    /** Rotates the live log as a job does: segment 2 gets `rotated`, the live file starts again with `next`. */
    const rotate = async (rotated: string, next: string): Promise<void> => {
      await memory.pipeFile(`${root}/runs/exp/training.log.2.gz`, gzipSync(rotated));
      await memory.pipeFile(`${root}/runs/exp/training.log`, next);
    };
    const collect = async (fromStart: boolean, count: number, during?: () => Promise<void>): Promise<number[]> => {
      const seen: number[] = [];
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 5000);
      const reading = (async () => {
        for await (const line of followLog('followrace:///runs/exp', {
          fromStart,
          pollMs: 10,
          signal: controller.signal,
        })) {
          seen.push(Number(/line (\d+)$/.exec(line)![1]));
          if (seen.length === count) controller.abort();
        }
      })();
      await during?.();
      await reading;
      clearTimeout(timer);
      return seen;
    };

    beforeEach(async () => {
      control = new FaultControl();
      root = `/${randomName('followrace')}`;
      unregister = registerFaulty('followrace', memory, root, control, { append: true });
      await memory.pipeFile(`${root}/runs/exp/training.log.1.gz`, gzipSync(lines(0, 10)));
      await memory.pipeFile(`${root}/runs/exp/training.log`, lines(10, 20));
    });
    afterEach(() => unregister());

    it('does not take the next file for the one it listed (from the start)', async () => {
      control.beforeRead = async (path, start) => {
        if (!path.endsWith('/training.log') || start !== 0) return false;
        await rotate(lines(10, 20), lines(20, 30));
        return true;
      };
      expect(await collect(true, 30)).to.deep.equal(range(30));
      expect(control.beforeRead).to.equal(undefined);
    });

    it('does not take the next file for the one it listed (new lines only)', async () => {
      const seen = await collect(false, 20, async () => {
        await new Promise((r) => setTimeout(r, 100));
        control.beforeRead = async (path, start) => {
          if (!path.endsWith('/training.log') || start !== 80) return false;
          await rotate(lines(10, 25), lines(25, 40));
          return true;
        };
        await memory.pipeFile(`${root}/runs/exp/training.log`, lines(10, 25));
      });
      expect(seen).to.deep.equal(range(20).map((i) => 20 + i));
      expect(control.beforeRead).to.equal(undefined);
    });
  });

  it('without fromStart yields only the lines logged after it started', async () => {
    const logDir = `memory://${randomName('follow')}`;
    await logInProcess({ logDir, experiment: 'exp', spoolDir: join(tmp.dir, 'a') }, 0, 20);
    const seen: string[] = [];
    const controller = new AbortController();
    const reading = (async () => {
      for await (const line of followLog(`${logDir}/exp/training.log`, { pollMs: 20, signal: controller.signal })) {
        seen.push(line);
        if (line.endsWith('line 29')) controller.abort();
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
    await logInProcess({ logDir, experiment: 'exp', spoolDir: join(tmp.dir, 'b') }, 20, 10);
    await reading;
    expect(seen.map((l) => Number(/line (\d+)$/.exec(l)![1]))).to.deep.equal([20, 21, 22, 23, 24, 25, 26, 27, 28, 29]);
  });

  it('ends quietly when its signal is aborted while it waits for a run that does not exist yet', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const seen: string[] = [];
    for await (const line of followLog(`memory://${randomName('none')}/exp`, {
      pollMs: 1000,
      signal: controller.signal,
    }))
      seen.push(line);
    expect(seen).to.deep.equal([]);
    expect(Date.now() - started).to.be.lessThan(1000);
  });

  it('refuses an unknown option and a bad pollMs with InvalidArgument', async () => {
    for (const options of [{ pollMS: 10 }, { pollMs: 0 }, { pollMs: Number.NaN }]) {
      const err = await followLog('memory://x/exp', options as never)
        .next()
        .catch((e: unknown) => e);
      expect(err).to.be.instanceOf(FsError);
      expect((err as FsError).kind).to.equal('InvalidArgument');
    }
  });
});

describe('listRuns', () => {
  it('lists runs with their log size, last update and last metrics line', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const logDir = `memory://${randomName('runs')}`;
      for (const name of ['run-a', 'run-b']) {
        const log = await createLogSync({
          logDir,
          experiment: name,
          syncIntervalMs: 0,
          handleSignals: false,
          spoolDir: join(dir, name),
        });
        log.info(`hello from ${name}`);
        await log.epochEnd(1, { loss: 0.5 });
        await log.epochEnd(2, { loss: name === 'run-a' ? 0.25 : 0.125 });
        await log.close();
      }
      const runs = await listRuns(`${logDir}/`);
      expect(runs.map((r) => r.name)).to.deep.equal(['run-a', 'run-b']);
      expect(runs[0]!.url).to.equal(`${logDir}/run-a`);
      expect(JSON.parse(runs[0]!.lastMetrics!)).to.include({ epoch: 2, loss: 0.25 });
      expect(JSON.parse(runs[1]!.lastMetrics!)).to.include({ epoch: 2, loss: 0.125 });
      const { fs } = urlToFs(`${logDir}/run-a/training.log`);
      expect(runs[0]!.size).to.equal((await fs.info(`${logDir}/run-a/training.log`)).size);
      expect(runs[0]!.size).to.be.greaterThan(0);
      const empty = `memory://${randomName('empty')}`;
      const missing = await listRuns(empty).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(missing).to.be.instanceOf(FsError).and.include({ kind: 'NotFound', code: 'ENOENT' });
      await filesystem('memory').makedirs(empty.slice('memory://'.length));
      expect(await listRuns(empty)).to.deep.equal([]);
    } finally {
      cleanup();
    }
  });
});
