import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectContiguous, startJob } from './helpers/child';
import { storedLines } from './helpers/follow';
import { registerDiskRemote } from './fixtures/diskremote';

registerDiskRemote();
import { lineNumbers, tempDir, waitFor } from './helpers/util';

describe('logsync in a process that is stopped', function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  for (const protocol of ['diskremote', 'diskrewrite']) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      it(`loses no line on ${signal} (${protocol}): flushes, syncs, dies by the signal`, async () => {
        const spool = join(tmp.dir, 'spool');
        const url = `${protocol}://${tmp.dir}/remote`;
        const job = startJob({ LS_URL: url, LS_SPOOL: spool, LS_INTERVAL: '100' });
        await waitFor(() => job.loggedAtSync.length >= 2 && job.logged > 200, 30_000, 'the child to log and sync');
        const loggedAtSignal = job.logged;
        job.child.kill(signal);
        const { code, signal: died } = await job.exited;
        expect(died, job.stderr()).to.equal(signal);
        expect(code).to.equal(null);
        const remotePath = join(tmp.dir, 'remote', 'exp', 'training.log');
        // Everything logged before the signal is on the target when the process is gone.
        expectContiguous(lineNumbers(readFileSync(remotePath, 'utf8')), loggedAtSignal + 1);
        // Lines the job kept logging while it synced are there too, or in the spool for the next start.
        if (existsSync(spool)) {
          const again = startJob({ LS_URL: url, LS_SPOOL: spool, LS_INTERVAL: '0', LS_MODE: 'recover' });
          expect((await again.exited).code, again.stderr()).to.equal(0);
        }
        expectContiguous(lineNumbers(readFileSync(remotePath, 'utf8')), job.logged + 1);
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

  for (const target of ['diskremote', 'local'] as const) {
    it(`rotating every 3000 bytes (${target}), SIGKILL loses nothing: the next start finishes the cut segments`, async () => {
      const spool = join(tmp.dir, 'spool');
      const url = target === 'local' ? join(tmp.dir, 'remote') : `diskremote://${tmp.dir}/remote`;
      const job = startJob({ LS_URL: url, LS_SPOOL: spool, LS_INTERVAL: '40', LS_ROTATE_BYTES: '3000' });
      await waitFor(() => job.loggedAtSync.length >= 3 && job.logged > 700, 30_000, 'syncs and rotations');
      job.child.kill('SIGKILL');
      expect((await job.exited).signal).to.equal('SIGKILL');
      const again = startJob({
        LS_URL: url,
        LS_SPOOL: spool,
        LS_INTERVAL: '0',
        LS_MODE: 'recover',
        LS_ROTATE_BYTES: '3000',
      });
      expect((await again.exited).code, again.stderr()).to.equal(0);
      const run = target === 'local' ? join(tmp.dir, 'remote', 'exp') : `diskremote://${tmp.dir}/remote/exp`;
      expectContiguous(await storedLines(run), job.logged + 1);
      // A write killed mid-way may leave the local backend's own hidden temporary file (core's debris, not logsync's).
      const leftovers = readdirSync(join(tmp.dir, 'remote', 'exp')).filter(
        (n) => !/^training\.log(\.\d+\.gz)?$/.test(n) && !/^\..*\.omnifs-[0-9a-f]+\.tmp$/.test(n),
      );
      expect(leftovers, 'only the live log and gzipped segments').to.deep.equal([]);
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
