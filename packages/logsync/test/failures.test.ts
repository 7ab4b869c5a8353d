/**
 * Failures a job cannot see, made visible and bounded: a network that stops answering
 * (a blackhole, a silent server), a full spool disk, two writers on one run.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clearInstanceCache, FsError, urlToFs } from '@omnifs/core';
import { freshRoot, useServer } from '../../../test/servers/index';
import { createLogSync, type LogSyncOptions } from '@omnifs/logsync';
import { startBlackhole, type Blackhole } from './helpers/blackhole';
import { startJob } from './helpers/child';
import { lineNumbers, randomName, range, tempDir, waitFor } from './helpers/util';

const S3_KEYS = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
  forcePathStyle: true,
  maxAttempts: 1,
};

describe('logsync failures', function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  describe('with a server that never answers', () => {
    let silent: Blackhole;
    before(async () => {
      silent = await startBlackhole();
    });
    after(() => silent.close());
    const options = (extra: Partial<LogSyncOptions> = {}): LogSyncOptions => ({
      logDir: 's3://bucket/runs',
      experiment: 'exp',
      handleSignals: false,
      syncIntervalMs: 0,
      spoolDir: join(tmp.dir, 'spool'),
      storageOptions: { endpoint: silent.url, ...S3_KEYS },
      onError: () => undefined,
      ...extra,
    });

    it('close({ timeoutMs }) settles by its deadline with ETIMEDOUT and keeps the spool', async () => {
      const log = await createLogSync(options());
      log.info('line 0');
      const started = Date.now();
      const err = await log.close({ timeoutMs: 800 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      const took = Date.now() - started;
      expect(err).to.be.instanceOf(FsError);
      expect((err as FsError).code).to.equal('ETIMEDOUT');
      expect((err as FsError).message).to.contain(join(tmp.dir, 'spool'));
      expect(took).to.be.within(700, 3000);
      expect(existsSync(join(tmp.dir, 'spool', 'training.log'))).to.equal(true);
      expect(log.status()).to.include({ closed: true });
    });

    it('reports failed background syncs as they happen: warning events, onError, status()', async () => {
      const errors: Error[] = [];
      const warnings: Error[] = [];
      const log = await createLogSync(
        options({
          syncIntervalMs: 100,
          onError: (e) => errors.push(e),
          retry: { attemptTimeoutMs: 150, minDelayMs: 10, maxDelayMs: 50, maxElapsedMs: 400 },
        }),
      );
      log.on('warning', (e: Error) => warnings.push(e));
      log.info('line 0');
      await waitFor(() => errors.length > 0 && warnings.length > 0, 10_000, 'a warning and an error');
      expect((warnings[0] as FsError).code).to.equal('ETIMEDOUT');
      const status = log.status();
      expect(status.lagBytes).to.be.greaterThan(0);
      expect(status.lagMs).to.be.greaterThan(0);
      expect(status.lastError).to.be.instanceOf(FsError);
      expect(status.lastErrorAt).to.be.instanceOf(Date);
      expect(status.lastSuccessAt).to.equal(undefined);
      await log.close({ timeoutMs: 200 }).catch(() => undefined);
    });

    it('prints one line on stderr for a burst of failures when no onError is given', async () => {
      const written: string[] = [];
      const write = process.stderr.write.bind(process.stderr);
      process.stderr.write = ((chunk: string) => {
        written.push(String(chunk));
        return true;
      }) as typeof process.stderr.write;
      try {
        const log = await createLogSync({
          ...options({ retry: { attemptTimeoutMs: 50, minDelayMs: 5, maxDelayMs: 10, maxElapsedMs: 300 } }),
          onError: undefined,
        });
        log.info('line 0');
        await log.sync().catch(() => undefined);
        await log.close({ timeoutMs: 100 }).catch(() => undefined);
      } finally {
        process.stderr.write = write;
      }
      const lines = written.filter((l) => l.startsWith('[logsync]'));
      expect(lines).to.have.length(1);
      expect(lines[0]).to.match(/no answer within 50 ms/);
    });

    it('SIGTERM ends a job by signalTimeoutMs although the final sync cannot finish', async () => {
      const job = startJob({
        LS_URL: 's3://bucket/runs',
        LS_SPOOL: join(tmp.dir, 'spool'),
        LS_INTERVAL: '0',
        LS_SIGNAL_TIMEOUT: '1000',
        LS_STORAGE: JSON.stringify({ endpoint: silent.url, ...S3_KEYS }),
      });
      await waitFor(() => job.logged > 50, 30_000, 'the child to log');
      const started = Date.now();
      job.child.kill('SIGTERM');
      const { signal } = await job.exited;
      expect(signal, job.stderr()).to.equal('SIGTERM');
      expect(Date.now() - started).to.be.lessThan(6000);
    });
  });

  describe('on S3 (moto) through a blackhole', () => {
    const s3 = useServer('s3');
    let hole: Blackhole;
    beforeEach(async () => {
      clearInstanceCache();
      hole = await startBlackhole(s3.info.endpoint);
    });
    afterEach(() => hole.close());

    it('recovers when the network returns: every line once, onError told while it was gone', async () => {
      const storage = {
        endpoint: s3.info.endpoint,
        region: s3.info.region,
        credentials: { ...s3.info.credentials },
        forcePathStyle: true,
      };
      const root = freshRoot(s3.info.bucket);
      const { fs } = urlToFs(`s3://${root.bucket}`, storage);
      if (root.create) await fs.makedirs(root.bucket);
      const errors: Error[] = [];
      const log = await createLogSync({
        logDir: `s3://${root.bucket}/${root.prefix}runs`,
        experiment: 'exp',
        handleSignals: false,
        syncIntervalMs: 100,
        spoolDir: join(tmp.dir, 'spool'),
        storageOptions: { ...storage, endpoint: hole.url, maxAttempts: 1 },
        retry: { attemptTimeoutMs: 300, minDelayMs: 20, maxDelayMs: 100, maxElapsedMs: 600 },
        onError: (e) => errors.push(e),
      });
      let n = 0;
      const write = async (ms: number): Promise<void> => {
        for (const end = Date.now() + ms; Date.now() < end;) {
          log.info(`line ${n++}`);
          await new Promise((r) => setTimeout(r, 5));
        }
      };
      await write(300);
      hole.cut();
      await write(1500);
      expect(errors.length, 'onError while the network was gone').to.be.greaterThan(0);
      hole.restore();
      await write(300);
      await log.sync();
      expect(log.status().lagBytes).to.equal(0);
      await log.close();
      expect(lineNumbers(await fs.readText(`${root.bucket}/${root.prefix}runs/exp/training.log`))).to.deep.equal(
        range(n),
      );
    });
  });

  it('two writers on one run: the one overtaken gets ConditionNotMatch from sync, onError and close()', async () => {
    const logDir = `memory://${randomName('two')}`;
    const errorsA: Error[] = [];
    const open = (spool: string, onError: (e: Error) => void) =>
      createLogSync({
        logDir,
        experiment: 'exp',
        handleSignals: false,
        syncIntervalMs: 0,
        spoolDir: join(tmp.dir, spool),
        onError,
      });
    const a = await open('a', (e) => errorsA.push(e));
    const b = await open('b', () => undefined);
    a.info('a 0');
    await a.sync();
    b.info('b 0');
    await b.sync();
    a.info('a 1');
    const failed = await a.sync().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((failed as FsError).kind).to.equal('ConditionNotMatch');
    expect((failed as FsError).message).to.contain('another process writes to the same file');
    a.info('a 2');
    await a.epochEnd(1);
    await waitFor(() => errorsA.length > 0, 5000, 'onError');
    expect((errorsA[0] as FsError).kind).to.equal('ConditionNotMatch');
    const closed = await a.close().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((closed as FsError).kind).to.equal('ConditionNotMatch');
    await b.close();
  });

  it('a full spool disk: reported, the job goes on, nothing is cut, logging resumes when space returns', async function () {
    const dir = join(tmp.dir, 'small');
    mkdirSync(dir);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', dir], { stdio: 'ignore' });
    } catch {
      this.skip(); // needs root; a failing fs write is exercised by the next test
    }
    try {
      const warnings: Error[] = [];
      const log = await createLogSync({
        logDir: `memory://${randomName('full')}`,
        experiment: 'exp',
        handleSignals: false,
        syncIntervalMs: 0,
        spoolDir: join(dir, 'spool'),
        onError: () => undefined,
      });
      log.on('warning', (e: Error) => warnings.push(e));
      writeFileSync(join(dir, 'filler'), Buffer.alloc(200 * 1024));
      const pad = 'x'.repeat(100);
      for (let i = 0; i < 1000; i++) {
        log.info(`line ${i} ${pad}`);
        if (i % 50 === 49) await new Promise((r) => setTimeout(r, 1));
      }
      await waitFor(() => warnings.length > 0, 5000, 'a warning');
      expect((warnings[0] as FsError).code).to.equal('ENOSPC');
      expect(log.status().lagBytes).to.be.greaterThan(0);
      rmSync(join(dir, 'filler'));
      await log.sync();
      for (let i = 1000; i < 1010; i++) log.info(`line ${i} ${pad}`);
      const target = log.target;
      await log.close();
      const text = await urlToFs(target).fs.readText(`${urlToFs(target).path}/training.log`);
      expect(lineNumbers(text)).to.deep.equal(range(1010));
      expect(
        text
          .split('\n')
          .slice(0, -1)
          .every((l) => l.endsWith(pad)),
      ).to.equal(true);
    } finally {
      execFileSync('umount', [dir]);
    }
  });
});
