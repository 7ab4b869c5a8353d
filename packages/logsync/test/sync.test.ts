import { expect } from 'chai';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { filesystem, FsError } from '@omnifs/core';
import '@omnifs/memory';
import { createLogSync, type LogSync, type LogSyncOptions, type SyncReport } from '@omnifs/logsync';
import { FaultControl, registerFaulty } from './helpers/faulty';
import { lineNumbers, randomName, range, tempDir } from './helpers/util';

const memory = filesystem('memory');

/** A run on a fault-injecting wrapper over memory, append-capable or not. */
function faultySuite(append: boolean): void {
  const protocol = append ? 'faultyappend' : 'faultyrewrite';
  describe(`on a target ${append ? 'with' : 'without'} native append (${append ? 'append' : 'rewrite'} strategy)`, () => {
    let control: FaultControl;
    let unregister: () => void;
    let tmp: ReturnType<typeof tempDir>;
    let root: string;
    let log: LogSync | undefined;
    let reports: SyncReport[];

    beforeEach(() => {
      control = new FaultControl();
      root = `/${randomName('faulty')}`;
      unregister = registerFaulty(protocol, memory, root, control, { append });
      tmp = tempDir();
      reports = [];
    });
    afterEach(async () => {
      await log?.close().catch(() => undefined);
      log = undefined;
      unregister();
      tmp.cleanup();
    });

    const open = async (extra: Partial<LogSyncOptions> = {}): Promise<LogSync> => {
      log = await createLogSync({
        logDir: `${protocol}:///runs`,
        experiment: 'e',
        syncIntervalMs: 0,
        handleSignals: false,
        spoolDir: join(tmp.dir, 'spool'),
        retry: { minDelayMs: 5, maxDelayMs: 20, maxElapsedMs: 200 },
        onSync: (r) => reports.push(r),
        onError: () => undefined,
        ...extra,
      });
      return log;
    };
    const remoteLog = (): Promise<string> => memory.readText(`${root}/runs/e/training.log`);

    it(`uses the ${append ? 'append' : 'rewrite'} strategy`, async () => {
      expect((await open()).strategy).to.equal(append ? 'append' : 'rewrite');
    });

    if (append) {
      it('sends only the new bytes: per-sync bytes grow with the new lines, not with the file', async () => {
        const log = await open();
        for (let i = 0; i < 2000; i++) log.info(`line ${i} ${'x'.repeat(100)}`);
        await log.sync();
        const big = control.bytesWritten;
        const sizes: number[] = [];
        for (let round = 0; round < 3; round++) {
          const before = control.bytesWritten;
          for (let i = 0; i < 10; i++) log.info(`line ${2000 + round * 10 + i}`);
          await log.sync();
          sizes.push(control.bytesWritten - before);
        }
        const tenLines = 10 * '2024-01-01T00:00:00.000Z INFO  line 2000\n'.length;
        expect(big).to.be.greaterThan(200_000);
        for (const s of sizes) expect(s).to.equal(tenLines);
        expect(control.writes.slice(1).every((w) => w.append)).to.equal(true);
        expect(reports.at(-1)!.files).to.deep.equal([{ name: 'training.log', bytes: tenLines, strategy: 'append' }]);
      });

      it('continues a remote log that already exists instead of replacing it', async () => {
        await memory.writeText(`${root}/runs/e/training.log`, 'earlier run\n');
        const log = await open();
        log.info('line 0');
        await log.close();
        const text = await remoteLog();
        expect(text.startsWith('earlier run\n')).to.equal(true);
        expect(lineNumbers(text)).to.deep.equal([0]);
      });

      it('sends the spool copy again when the remote log was deleted under it', async () => {
        const log = await open();
        log.info('line 0');
        await log.sync();
        await memory.rmFile(`${root}/runs/e/training.log`);
        log.info('line 1');
        await log.close();
        expect(lineNumbers(await remoteLog())).to.deep.equal([0, 1]);
      });

      it('completes a partial append from where it stopped, without duplicating', async () => {
        const log = await open();
        for (let i = 0; i < 10; i++) log.info(`line ${i}`);
        await log.sync();
        for (let i = 10; i < 20; i++) log.info(`line ${i}`);
        control.failNextWriterAfter = 57; // cuts line 10 in the middle
        await log.sync();
        expect(control.injected).to.equal(1);
        expect(lineNumbers(await remoteLog())).to.deep.equal(range(20));
      });
    } else {
      it('rewrites the whole object on every sync (streamed)', async () => {
        const log = await open();
        for (let i = 0; i < 100; i++) log.info(`line ${i}`);
        await log.sync();
        const first = control.writes.at(-1)!.bytes;
        log.info('line 100');
        await log.sync();
        expect(control.writes.at(-1)!.bytes).to.be.greaterThan(first);
        expect(control.writes.every((w) => !w.append)).to.equal(true);
        expect(lineNumbers(await remoteLog())).to.deep.equal(range(101));
      });

      it("keeps a remote log that already exists in front of the run's lines", async () => {
        await memory.writeText(`${root}/runs/e/training.log`, 'earlier run\n');
        const log = await open();
        log.info('line 0');
        await log.sync();
        log.info('line 1');
        await log.close();
        const text = await remoteLog();
        expect(text.startsWith('earlier run\n')).to.equal(true);
        expect(lineNumbers(text)).to.deep.equal([0, 1]);
      });
    }

    it('never duplicates a line when a commit succeeded but its response was lost', async () => {
      const log = await open();
      log.info('line 0');
      await log.sync();
      log.info('line 1');
      control.loseNextResponse = true;
      await log.sync();
      expect(control.injected).to.equal(1);
      log.info('line 2');
      await log.close();
      expect(lineNumbers(await remoteLog())).to.deep.equal([0, 1, 2]);
    });

    it('loses and duplicates nothing through an outage, and catches up afterwards', async () => {
      const log = await open({ syncIntervalMs: 15 });
      let n = 0;
      const write = async (count: number): Promise<void> => {
        for (let i = 0; i < count; i++) {
          log.info(`line ${n++}`);
          if (i % 20 === 0) await new Promise((r) => setTimeout(r, 2));
        }
      };
      await write(100);
      await log.sync();
      control.down = true;
      await write(300); // background syncs fail and retry meanwhile
      const failed = await log.sync().catch((e: unknown) => e);
      // The outage outlasted the retries: the failure is persistent, no longer temporary.
      expect(failed).to.be.instanceOf(FsError).with.property('persistent', true);
      expect(failed).to.have.property('temporary', false);
      expect(log.stats.failures).to.be.greaterThan(0);
      expect(log.stats.retries).to.be.greaterThan(0);
      await write(100);
      control.down = false;
      await log.sync();
      await write(50);
      await log.close();
      expect(lineNumbers(await remoteLog())).to.deep.equal(range(550));
      expect(control.injected).to.be.greaterThan(0);
    });

    it('tries no further file of a sync once its retry time is used up', async () => {
      const log = await open();
      log.info('line 0');
      log.append('other 0\n', 'other.log');
      await log.sync();
      log.info('line 1');
      log.append('other 1\n', 'other.log');
      control.down = true;
      const failed = (await log.sync().catch((e: unknown) => e)) as FsError & { cause: FsError[] };
      control.down = false;
      expect(failed).to.be.instanceOf(FsError).with.property('persistent', true);
      expect(failed.message).to.match(/^2 files could not be synced; first: .*injected outage.*gave up after/);
      expect(failed.cause.map((e) => e.message)).to.deep.equal([
        failed.cause[0]!.message,
        'not tried: the sync had used its time (retry.maxElapsedMs); the data waits in the spool',
      ]);
      await log.close();
      expect(lineNumbers(await remoteLog())).to.deep.equal([0, 1]);
    });

    it('close() waits out an outage within closeTimeoutMs', async () => {
      const log = await open({ closeTimeoutMs: 5000 });
      for (let i = 0; i < 50; i++) log.info(`line ${i}`);
      control.down = true;
      setTimeout(() => {
        control.down = false;
      }, 150);
      await log.close();
      expect(lineNumbers(await remoteLog())).to.deep.equal(range(50));
    });

    it('when close() cannot reach the target, it rejects and keeps the spool for the next run', async () => {
      const first = await open({ closeTimeoutMs: 50 });
      for (let i = 0; i < 30; i++) first.info(`line ${i}`);
      control.down = true;
      const err = await first.close().catch((e: unknown) => e);
      expect(err).to.be.instanceOf(FsError);
      expect((err as Error).message).to.contain('stays in');
      expect(existsSync(join(tmp.dir, 'spool', 'training.log'))).to.equal(true);
      control.down = false;
      const second = await open();
      second.info('line 30');
      await second.close();
      expect(lineNumbers(await remoteLog())).to.deep.equal(range(31));
      expect(existsSync(join(tmp.dir, 'spool'))).to.equal(false);
    });

    it('runs one sync at a time, however many are asked for', async () => {
      control.closeDelayMs = 20;
      const log = await open({ syncIntervalMs: 5 });
      const pending: Promise<unknown>[] = [];
      for (let i = 0; i < 40; i++) {
        log.info(`line ${i}`);
        pending.push(log.sync());
        pending.push(log.epochEnd(i));
        await new Promise((r) => setTimeout(r, 1));
      }
      await Promise.all(pending);
      await log.close();
      expect(control.maxOpenWriters).to.equal(1);
      expect(reports.length).to.be.lessThan(40);
      expect(lineNumbers(await remoteLog())).to.deep.equal(range(40));
    });

    it('uploads whole files written during an outage once it ends', async () => {
      const log = await open();
      control.down = true;
      await log.writeJson('metrics.json', { epoch: 1 });
      await log.sync().catch(() => undefined);
      await log.writeJson('metrics.json', { epoch: 2 });
      control.down = false;
      await log.close();
      expect(JSON.parse(await memory.readText(`${root}/runs/e/metrics.json`))).to.deep.equal({ epoch: 2 });
    });
  });
}

describe('logsync sync', () => {
  faultySuite(true);
  faultySuite(false);

  it('reports a permanent error at once, without retrying', async () => {
    const control = new FaultControl();
    const root = `/${randomName('perm')}`;
    const unregister = registerFaulty('faultyperm', memory, root, control, { append: true });
    const tmp = tempDir();
    try {
      const log = await createLogSync({
        logDir: 'faultyperm:///runs',
        experiment: 'e',
        syncIntervalMs: 0,
        handleSignals: false,
        spoolDir: join(tmp.dir, 's'),
      });
      log.info('line 0');
      await memory.makedirs(`${root}/runs/e/training.log`); // a directory where the log should go
      const err = await log.sync().catch((e: unknown) => e);
      expect(err).to.be.instanceOf(FsError);
      expect(log.stats.retries).to.equal(0);
      await log.close().catch(() => undefined);
    } finally {
      unregister();
      tmp.cleanup();
    }
  });
});
