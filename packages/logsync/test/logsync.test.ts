import { expect } from 'chai';
import { readFileSync, readdirSync, existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { filesystem, FsError, urlToFs, type FileSystem } from '@omnifs/core';
import { useMemoryFor } from '@omnifs/memory';
import { createLogSync, type LogSync, type LogSyncOptions } from '@omnifs/logsync';
import { signalHandlersInstalled } from '@omnifs/logsync';
import { lineNumbers, lines, randomName, range, tempDir, waitFor } from './helpers/util';

/** The files of a run on its target, as text. */
async function readRun(url: string): Promise<Record<string, string>> {
  const { fs, path } = urlToFs(url);
  const out: Record<string, string> = {};
  for (const f of await fs.find(path)) out[f.slice(path.length + 1)] = await fs.readText(f);
  return out;
}

/** Runs the same layout checks against one kind of target. */
function layoutSuite(
  kind: string,
  logDirFor: () => string | Promise<string>,
  urlOf: (logDir: string, exp: string) => string,
): void {
  describe(`layout on ${kind}`, () => {
    let spool: ReturnType<typeof tempDir>;
    let log: LogSync | undefined;
    beforeEach(() => {
      spool = tempDir();
    });
    afterEach(async () => {
      await log?.close().catch(() => undefined);
      log = undefined;
      spool.cleanup();
    });

    const open = async (extra: Partial<LogSyncOptions> = {}): Promise<{ log: LogSync; url: string }> => {
      const logDir = await logDirFor();
      const experiment = randomName();
      log = await createLogSync({
        logDir,
        experiment,
        syncIntervalMs: 0,
        spoolDir: join(spool.dir, 'spool'),
        handleSignals: false,
        ...extra,
      });
      return { log, url: urlOf(logDir, experiment) };
    };

    it('writes training.log, metrics.jsonl and whole files into <logDir>/<experiment>/', async () => {
      const { log, url } = await open();
      log.info('starting');
      log.warn('careful', { lr: 0.1 });
      await log.writeJson('metrics.json', { epoch: 1, loss: 0.31 });
      await log.writeText('model_info.txt', 'dense(1)\n');
      await log.writeText('sub/notes.txt', 'nested\n');
      await log.epochEnd(1, { loss: 0.31 });
      log.error('done');
      await log.close();
      const files = await readRun(url);
      expect(Object.keys(files).sort()).to.deep.equal([
        'metrics.json',
        'metrics.jsonl',
        'model_info.txt',
        'sub/notes.txt',
        'training.log',
      ]);
      const logLines = lines(files['training.log']!);
      expect(logLines).to.have.length(4);
      expect(logLines[0]).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO  starting$/);
      expect(logLines[1]).to.match(/ WARN  careful \{"lr":0\.1\}$/);
      expect(logLines[2]).to.match(/ INFO  epoch 1 loss=0\.31$/);
      expect(logLines[3]).to.match(/ ERROR done$/);
      expect(JSON.parse(files['metrics.json']!)).to.deep.equal({ epoch: 1, loss: 0.31 });
      const metric = JSON.parse(lines(files['metrics.jsonl']!)[0]!) as Record<string, unknown>;
      expect(metric).to.include({ epoch: 1, loss: 0.31 });
      expect(files['model_info.txt']).to.equal('dense(1)\n');
      expect(files['sub/notes.txt']).to.equal('nested\n');
    });

    it('keeps every line, in order, across many syncs', async () => {
      const { log, url } = await open();
      for (let i = 0; i < 500; i++) {
        log.info(`line ${i}`);
        if (i % 50 === 49) await log.sync();
      }
      await log.close();
      expect(lineNumbers((await readRun(url))['training.log']!)).to.deep.equal(range(500));
    });

    it('replaces whole files with their last content', async () => {
      const { log, url } = await open();
      await log.writeJson('metrics.json', { epoch: 1 });
      await log.sync();
      await log.writeJson('metrics.json', { epoch: 2 });
      await log.close();
      expect(JSON.parse((await readRun(url))['metrics.json']!)).to.deep.equal({ epoch: 2 });
    });
  });
}

describe('logsync', () => {
  let restoreS3: () => void;
  before(() => {
    restoreS3 = useMemoryFor(['s3']);
  });
  after(() => restoreS3());

  layoutSuite(
    'memory',
    () => `memory:///${randomName('runs')}`,
    (d, e) => `${d}/${e}`,
  );
  layoutSuite(
    'the memory-backed s3 mock',
    async () => {
      const bucket = randomName('bucket');
      await filesystem('s3').makedirs(bucket);
      return `s3://${bucket}/experiments/`;
    },
    (d, e) => `${d}${e}`,
  );

  it('never makes a bucket: a missing one fails the sync with NotFound, the lines kept in the spool', async () => {
    const spool = tempDir();
    const bucket = randomName('bucket');
    try {
      const log = await createLogSync({
        logDir: `s3://${bucket}/runs/`,
        experiment: 'e',
        syncIntervalMs: 0,
        spoolDir: join(spool.dir, 'spool'),
        handleSignals: false,
        retry: { maxElapsedMs: 0 },
      });
      log.info('kept');
      const err = await log.sync().catch((e: unknown) => e);
      expect(err).to.be.instanceOf(FsError).with.property('kind', 'NotFound');
      expect((err as FsError).message).to.include(`s3://${bucket} does not exist`);
      expect(await filesystem('s3').exists(bucket)).to.equal(false);
      await log.close().catch(() => undefined);
      expect(readdirSync(join(spool.dir, 'spool'), { recursive: true }).join()).to.include('training.log');
    } finally {
      spool.cleanup();
    }
  });

  describe('layout on local disk', () => {
    let root: ReturnType<typeof tempDir>;
    beforeEach(() => {
      root = tempDir();
    });
    afterEach(() => root.cleanup());

    it('writes straight into the target directory, before any sync', async () => {
      const log = await createLogSync({
        logDir: root.dir,
        experiment: 'run-1',
        syncIntervalMs: 0,
        handleSignals: false,
      });
      expect(log.local).to.equal(true);
      expect(log.spoolDir).to.equal(join(root.dir, 'run-1'));
      log.info('line 0');
      await log.writeJson('metrics.json', { epoch: 1 });
      expect(lineNumbers(readFileSync(join(root.dir, 'run-1', 'training.log'), 'utf8'))).to.deep.equal([0]);
      expect(JSON.parse(readFileSync(join(root.dir, 'run-1', 'metrics.json'), 'utf8'))).to.deep.equal({ epoch: 1 });
      await log.epochEnd(1, { loss: 1 });
      await log.close();
      expect(readdirSync(join(root.dir, 'run-1')).sort()).to.deep.equal([
        'metrics.json',
        'metrics.jsonl',
        'training.log',
      ]);
    });

    it('accepts file:// URLs and continues an existing log', async () => {
      const first = await createLogSync({ logDir: `file://${root.dir}`, experiment: 'run-2', handleSignals: false });
      first.info('line 0');
      await first.close();
      const second = await createLogSync({ logDir: `file://${root.dir}/`, experiment: 'run-2', handleSignals: false });
      second.info('line 1');
      await second.close();
      expect(lineNumbers(readFileSync(join(root.dir, 'run-2', 'training.log'), 'utf8'))).to.deep.equal([0, 1]);
    });
  });

  describe('spool', () => {
    let tmp: ReturnType<typeof tempDir>;
    beforeEach(() => {
      tmp = tempDir();
    });
    afterEach(() => tmp.cleanup());

    it('holds lines locally until they are synced, and is removed by close()', async () => {
      const spoolDir = join(tmp.dir, 'spool');
      const url = `memory:///${randomName('runs')}`;
      const log = await createLogSync({
        logDir: url,
        experiment: 'e',
        syncIntervalMs: 0,
        spoolDir,
        handleSignals: false,
      });
      log.info('line 0');
      await null; // lines reach the spool file when the logging code yields
      expect(lineNumbers(readFileSync(join(spoolDir, 'training.log'), 'utf8'))).to.deep.equal([0]);
      expect(await filesystem('memory').exists(`${url.slice('memory://'.length)}/e/training.log`)).to.equal(false);
      await log.close();
      expect(existsSync(spoolDir)).to.equal(false);
    });

    it('gathers the lines of one synchronous stretch into one write, or writes each at once with flushEveryLine', async () => {
      const url = `memory:///${randomName('runs')}`;
      const batched = await createLogSync({
        logDir: url,
        experiment: 'b',
        syncIntervalMs: 0,
        spoolDir: join(tmp.dir, 'b'),
        handleSignals: false,
      });
      const each = await createLogSync({
        logDir: url,
        experiment: 'l',
        syncIntervalMs: 0,
        spoolDir: join(tmp.dir, 'l'),
        handleSignals: false,
        flushEveryLine: true,
      });
      const onDisk = (dir: string): number[] => lineNumbers(readFileSync(join(tmp.dir, dir, 'training.log'), 'utf8'));
      batched.info('line 0');
      each.info('line 0');
      expect(onDisk('b')).to.deep.equal([]);
      expect(onDisk('l')).to.deep.equal([0]);
      batched.flush();
      expect(onDisk('b')).to.deep.equal([0]);
      batched.info('line 1');
      await null;
      expect(onDisk('b')).to.deep.equal([0, 1]);
      for (let i = 2; i < 5000; i++) batched.info(`line ${i} ${'x'.repeat(40)}`);
      expect(onDisk('b').length, 'written every 64 KiB without yielding').to.be.greaterThan(1000);
      await batched.close();
      await each.close();
    });

    it('defaults to a directory derived from the target, so a restart finds it', async () => {
      const url = `memory:///${randomName('runs')}`;
      const a = await createLogSync({ logDir: url, experiment: 'e', syncIntervalMs: 0, handleSignals: false });
      const dir = a.spoolDir;
      await a.close();
      const b = await createLogSync({ logDir: url, experiment: 'e', syncIntervalMs: 0, handleSignals: false });
      expect(b.spoolDir).to.equal(dir);
      await b.close();
      expect(existsSync(dir)).to.equal(false);
    });

    it('refuses a spool that belongs to another target', async () => {
      const spoolDir = join(tmp.dir, 'spool');
      mkdirSync(join(spoolDir, '.logsync'), { recursive: true });
      writeFileSync(
        join(spoolDir, '.logsync', 'state.json'),
        JSON.stringify({ version: 1, target: 'memory:///elsewhere/e', logs: {} }),
      );
      const err = await createLogSync({
        logDir: 'memory:///here',
        experiment: 'e',
        spoolDir,
        handleSignals: false,
      }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(FsError).with.property('kind', 'InvalidArgument');
    });

    /** Opens a logger on a spool whose lock names `pid`. */
    const onSpoolLockedBy = (pid: number): Promise<LogSync> => {
      const spoolDir = join(tmp.dir, `spool-${pid}`);
      mkdirSync(join(spoolDir, '.logsync'), { recursive: true });
      writeFileSync(join(spoolDir, '.logsync', 'lock'), String(pid));
      return createLogSync({
        logDir: `memory:///${randomName('runs')}`,
        experiment: 'e',
        spoolDir,
        handleSignals: false,
      });
    };

    it('refuses a spool locked by another live process', async () => {
      const err = await onSpoolLockedBy(process.ppid).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(FsError).with.property('kind', 'AlreadyExists');
    });

    it('refuses a second logger of this process on its spool, and the first loses nothing', async () => {
      const logDir = `memory:///${randomName('runs')}`;
      const first = await createLogSync({ logDir, experiment: 'e', handleSignals: false, syncIntervalMs: 0 });
      const second = await createLogSync({ logDir, experiment: 'e', handleSignals: false }).catch((e: unknown) => e);
      expect(second).to.be.instanceOf(FsError).with.property('kind', 'AlreadyExists');
      expect((second as FsError).message).to.include('another logger of this process');
      for (let i = 0; i < 100; i++) first.info(`line ${i}`);
      await first.close();
      const text = await filesystem('memory').readText(`${logDir.slice('memory://'.length)}/e/training.log`);
      expect(lineNumbers(text)).to.deep.equal(range(100));
    });

    it('takes over a stale lock: a dead process, or its own pid held by no logger of this process', async () => {
      // Its own pid, not held here, is an earlier process that had it (pid 1 of a container).
      for (const pid of [2147483646, process.pid]) await (await onSpoolLockedBy(pid)).close();
    });
  });

  describe('API', () => {
    let log: LogSync;
    let url: string;
    beforeEach(async () => {
      url = `memory:///${randomName('runs')}`;
      log = await createLogSync({
        logDir: url,
        experiment: 'e',
        syncIntervalMs: 0,
        handleSignals: false,
        level: 'debug',
        format: 'json',
      });
    });
    afterEach(async () => {
      await log.close().catch(() => undefined);
    });

    it('writes JSON lines with format: json, and debug lines with level: debug', async () => {
      log.debug('d', { step: 1 });
      log.info('i');
      await log.close();
      const parsed = lines((await readRun(`${url}/e`))['training.log']!).map(
        (l) => JSON.parse(l) as Record<string, unknown>,
      );
      expect(parsed.map((p) => [p.level, p.msg, p.step])).to.deep.equal([
        ['debug', 'd', 1],
        ['info', 'i', undefined],
      ]);
      expect(parsed[0]!.time).to.be.a('string');
    });

    it('drops lines below the configured level', async () => {
      const quiet = await createLogSync({
        logDir: url,
        experiment: 'q',
        syncIntervalMs: 0,
        handleSignals: false,
        level: 'warn',
      });
      quiet.info('hidden');
      quiet.warn('shown');
      await quiet.close();
      const text = (await readRun(`${url}/q`))['training.log']!;
      expect(lines(text)).to.have.length(1);
      expect(text).to.contain('shown');
    });

    it('appends raw text and serves as a line destination', async () => {
      log.append('raw 1\n');
      log.destination('events.log').write('{"a":1}\n');
      await log.close();
      const files = await readRun(`${url}/e`);
      expect(files['training.log']).to.equal('raw 1\n');
      expect(files['events.log']).to.equal('{"a":1}\n');
    });

    it('throws on writes after close()', async () => {
      await log.close();
      expect(() => log.info('late')).to.throw(FsError, /closed/);
      const err = await log.writeText('x.txt', 'x').catch((e: unknown) => e);
      expect(err).to.be.instanceOf(FsError);
    });

    it('rejects bad file names and overwriting a log with writeText', async () => {
      for (const bad of ['../x', '/abs', 'a//b', '.logsync/state.json', '']) {
        const err = await log.writeText(bad, 'x').catch((e: unknown) => e);
        expect(err, bad).to.be.instanceOf(FsError).with.property('kind', 'InvalidArgument');
      }
      const err = await log.writeText('training.log', 'x').catch((e: unknown) => e);
      expect(err).to.be.instanceOf(FsError).with.property('kind', 'InvalidArgument');
    });

    it('rejects bad options', async () => {
      const bad: unknown[] = [
        { experiment: 'e' },
        { logDir: url, experiment: '../e' },
        { logDir: url, experiment: 'e', syncIntervalMs: -1 },
        { logDir: url, experiment: 'e', level: 'loud' },
      ];
      for (const o of bad) {
        const err = await createLogSync(o as LogSyncOptions).catch((e: unknown) => e);
        expect(err, JSON.stringify(o)).to.be.instanceOf(FsError).with.property('kind', 'InvalidArgument');
      }
    });

    it('refuses an option it does not take, naming the nearest it does', async () => {
      const cases: Array<[unknown, string]> = [
        [
          { logDir: url, experiment: 'e', syncIntervalMS: 100 },
          "createLogSync has no option syncIntervalMS; did you mean 'syncIntervalMs'?",
        ],
        [
          { logDir: url, experiment: 'e', handleSignal: false },
          "createLogSync has no option handleSignal; did you mean 'handleSignals'?",
        ],
        [
          { logDir: url, experiment: 'e', retry: { maxElapsed: 1 } },
          "retry has no option maxElapsed; did you mean 'maxElapsedMs'?",
        ],
        [
          { logDir: url, experiment: 'e', rotate: { maxbytes: 10 } },
          "rotate has no option maxbytes; did you mean 'maxBytes'?",
        ],
      ];
      for (const [o, message] of cases) {
        const err = await createLogSync(o as LogSyncOptions).catch((e: unknown) => e);
        expect(err, message).to.be.instanceOf(FsError).with.property('kind', 'InvalidArgument');
        expect((err as FsError).message).to.equal(message);
      }
    });

    it('refuses a misspelt option of epochEnd and close, writing nothing for it', async () => {
      const log = await createLogSync({ logDir: url, experiment: 'typo', handleSignals: false });
      const err = await log.epochEnd(1, { loss: 1 }, { wiat: true } as never).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(FsError).with.property('kind', 'InvalidArgument');
      expect((err as FsError).message).to.equal("epochEnd has no option wiat; did you mean 'wait'?");
      expect(() => log.close({ timeout: 5 } as never)).to.throw(
        "close has no option timeout; did you mean 'timeoutMs'?",
      );
      await log.close();
      const fs: FileSystem = filesystem('memory');
      expect(await fs.exists(`${url.slice('memory://'.length)}/typo/metrics.jsonl`)).to.equal(false);
    });

    it('syncs on its own every syncIntervalMs', async () => {
      const timed = await createLogSync({ logDir: url, experiment: 't', syncIntervalMs: 30, handleSignals: false });
      timed.info('line 0');
      const fs: FileSystem = filesystem('memory');
      const path = `${url.slice('memory://'.length)}/t/training.log`;
      const synced = async (): Promise<boolean> =>
        (await fs.exists(path)) && lineNumbers(await fs.readText(path)).length === 1;
      // The file lands before the sync records itself done, so wait for both.
      await waitFor(async () => timed.stats.syncs > 0 && (await synced()), 5000, 'the interval sync');
      expect(lineNumbers(await fs.readText(path))).to.deep.equal([0]);
      await timed.close();
    });

    it('installs SIGINT/SIGTERM handlers while open and removes them on close', async () => {
      const before = process.listenerCount('SIGTERM');
      const handled = await createLogSync({ logDir: url, experiment: 's', syncIntervalMs: 0 });
      expect(signalHandlersInstalled()).to.equal(true);
      expect(process.listenerCount('SIGTERM')).to.equal(before + 1);
      expect(process.listenerCount('SIGINT')).to.be.greaterThan(0);
      await handled.close();
      expect(signalHandlersInstalled()).to.equal(false);
      expect(process.listenerCount('SIGTERM')).to.equal(before);
    });
  });
});
