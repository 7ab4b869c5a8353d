/**
 * logsync against the harness's real servers: S3 (moto), directly, behind the fault proxy
 * and behind a byte-counting proxy (S3 appends by multipart part-copy), and HDFS and Azure
 * Blob (append blobs on Azurite), append-capable targets, behind a byte-counting proxy
 * (Azure also behind the fault proxy).
 */
import { expect } from 'chai';
import { inspect } from 'node:util';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { clearInstanceCache, filesystem, type FileSystem } from '@omnifs/core';
import { S3FileSystem } from '@omnifs/s3';
import { HDFSFileSystem } from '@omnifs/hdfs';
import { AzureBlobFileSystem } from '@omnifs/azure';
import { GCSFileSystem } from '@omnifs/gcs';
import { freshName, freshRoot, useServer, type S3Info } from '../../../test/servers/index';
import { startFaultProxy, type FaultProxy } from '../../../test/faults/proxy';
import { startCountingProxy, type CountingProxy } from '../../../test/faults/counting';
import { createLogSync, type LogSyncOptions } from '@omnifs/logsync';
import { expectContiguous, startJob } from './helpers/child';
import { lineNumbers, lines, range, tempDir, waitFor } from './helpers/util';

/** Logs the standard run: two lines, metrics.json, model_info.txt, one epoch, a sync; then closes. */
async function logRun(log: Awaited<ReturnType<typeof createLogSync>>): Promise<void> {
  log.info('line 0');
  await log.writeJson('metrics.json', { epoch: 1, loss: 0.31 });
  await log.writeText('model_info.txt', 'dense(1)\n');
  await log.epochEnd(1, { loss: 0.31 });
  await log.sync();
  log.info('line 1');
  await log.close();
}

/** What `logRun` leaves at `run` on the target. */
async function expectRunLayout(fs: FileSystem, run: string): Promise<void> {
  expect((await fs.find(run)).map((p) => p.slice(run.length + 1)).sort()).to.deep.equal([
    'metrics.json',
    'metrics.jsonl',
    'model_info.txt',
    'training.log',
  ]);
  const text = await fs.readText(`${run}/training.log`);
  expect(lineNumbers(text)).to.deep.equal([0, 1]);
  expect(text).to.contain('epoch 1 loss=0.31');
  expect(JSON.parse(await fs.readText(`${run}/metrics.json`))).to.deep.equal({ epoch: 1, loss: 0.31 });
  expect(lines(await fs.readText(`${run}/metrics.jsonl`))).to.have.length(1);
}

/**
 * Logs 200 lines through a fault proxy that resets 30% of the connections, syncing every
 * 20, and checks the target got each line exactly once.
 */
async function logThroughResets(
  proxy: FaultProxy,
  options: LogSyncOptions,
  fs: FileSystem,
  path: string,
): Promise<void> {
  proxy.addRule({ fault: { kind: 'reset' }, rate: 0.3 });
  const log = await createLogSync({ ...options, retry: { minDelayMs: 10, maxDelayMs: 50, maxElapsedMs: 20_000 } });
  for (let i = 0; i < 200; i++) {
    log.info(`line ${i}`);
    if (i % 20 === 19) await log.sync();
  }
  await log.close();
  proxy.clearRules();
  expect(proxy.counters.resets).to.be.greaterThan(0);
  expect(lineNumbers(await fs.readText(path))).to.deep.equal(range(200));
}

function connection(info: S3Info, endpoint = info.endpoint): Record<string, unknown> {
  return { endpoint, region: info.region, credentials: { ...info.credentials }, forcePathStyle: info.forcePathStyle };
}

describe('logsync on S3 (moto)', function () {
  this.timeout(120_000);
  const s3 = useServer('s3');
  let tmp: ReturnType<typeof tempDir>;
  let bucket: string;
  let fs: FileSystem;

  beforeEach(async () => {
    tmp = tempDir();
    clearInstanceCache(); // an earlier suite may have served s3 from memory
    fs = new S3FileSystem({ ...connection(s3.info), skipInstanceCache: true });
    const root = freshRoot(s3.info.bucket);
    if (root.create) await fs.makedirs(root.bucket);
    bucket = `${root.bucket}${root.prefix === '' ? '' : `/${root.prefix.replace(/\/$/, '')}`}`;
  });
  afterEach(() => tmp.cleanup());

  const options = (extra: Partial<LogSyncOptions> = {}): LogSyncOptions => ({
    logDir: `s3://${bucket}/experiments/`,
    experiment: 'run-42',
    syncIntervalMs: 0,
    handleSignals: false,
    spoolDir: join(tmp.dir, 'spool'),
    storageOptions: connection(s3.info),
    ...extra,
  });

  it('writes the run layout: training.log, metrics.jsonl and whole files, then removes the spool', async () => {
    expect(filesystem('s3', connection(s3.info)).constructor.name).to.equal('S3FileSystem');
    const log = await createLogSync(options());
    expect(log.strategy).to.equal('append-by-copy');
    await logRun(log);
    const run = `${bucket}/experiments/run-42`;
    await expectRunLayout(fs, run);
    expect(existsSync(join(tmp.dir, 'spool'))).to.equal(false);
  });

  it('never shows its storage options: util.inspect and JSON.stringify of the logger', async () => {
    const secret = 'Sup3rS3cret-of-this-test';
    const storageOptions = { ...connection(s3.info), credentials: { accessKeyId: 'testing', secretAccessKey: secret } };
    const log = await createLogSync(options({ storageOptions }));
    try {
      log.info('a line');
      await log.sync();
      for (const shown of [inspect(log, { depth: 10, showHidden: true }), JSON.stringify(log), String(log)]) {
        expect(shown).to.not.include(secret).and.not.include('secretAccessKey');
      }
      expect(JSON.parse(JSON.stringify(log))).to.deep.include({ target: `s3://${bucket}/experiments/run-42` });
    } finally {
      await log.close();
    }
  });

  it('keeps every line across many syncs, each exactly once', async () => {
    const log = await createLogSync(options());
    for (let i = 0; i < 300; i++) {
      log.info(`line ${i}`);
      if (i % 60 === 59) await log.sync();
    }
    await log.close();
    expect(lineNumbers(await fs.readText(`${bucket}/experiments/run-42/training.log`))).to.deep.equal(range(300));
  });

  describe('behind the fault proxy', () => {
    let proxy: FaultProxy;
    beforeEach(async () => {
      proxy = await startFaultProxy({ target: s3.info.endpoint, seed: 7 });
    });
    afterEach(async () => {
      await proxy.close();
    });

    it('loses and duplicates nothing through an outage (every request 503) and catches up', async () => {
      const log = await createLogSync(
        options({
          storageOptions: { ...connection(s3.info, proxy.url), maxAttempts: 1 },
          syncIntervalMs: 50,
          retry: { minDelayMs: 20, maxDelayMs: 100, maxElapsedMs: 300 },
          onError: () => undefined,
        }),
      );
      let n = 0;
      const write = async (count: number): Promise<void> => {
        for (let i = 0; i < count; i++) {
          log.info(`line ${n++}`);
          if (i % 10 === 9) await new Promise((r) => setTimeout(r, 5));
        }
      };
      await write(50);
      await log.sync();
      proxy.addRule({ fault: { kind: 'status', status: 503 } });
      await write(200);
      await log.sync().catch(() => undefined);
      expect(log.stats.failures).to.be.greaterThan(0);
      expect(proxy.counters.statuses).to.be.greaterThan(0);
      proxy.clearRules();
      await write(50);
      await log.close();
      expect(lineNumbers(await fs.readText(`${bucket}/experiments/run-42/training.log`))).to.deep.equal(range(300));
    });

    it('loses and duplicates nothing with connection resets at random (30% of requests)', async () => {
      const storageOptions = { ...connection(s3.info, proxy.url), maxAttempts: 1 };
      await logThroughResets(proxy, options({ storageOptions }), fs, `${bucket}/experiments/run-42/training.log`);
    });
  });

  it('once the log has 5 MiB, sends only the new lines per sync (part-copy)', async () => {
    const counting = await startCountingProxy({ target: s3.info.endpoint });
    try {
      const log = await createLogSync(options({ storageOptions: connection(s3.info, counting.url) }));
      const line = (i: number): string => `line ${i} ${'x'.repeat(90)}`;
      let n = 0;
      while (n < 60_000) log.info(line(n++)); // ~6 MiB
      await log.sync();
      const logBytes = (): number => counting.bytesSent((r) => r.url.includes('training.log'));
      expect(logBytes()).to.be.greaterThan(5 * 1024 * 1024);
      const size = await fs.size(`${bucket}/experiments/run-42/training.log`);
      for (let round = 0; round < 2; round++) {
        counting.reset();
        for (let i = 0; i < 100; i++) log.info(line(n++));
        await log.sync();
        const grown = await fs.size(`${bucket}/experiments/run-42/training.log`);
        expect(logBytes()).to.be.within(100 * 90, 64 * 1024);
        expect(counting.requests.some((r) => r.method === 'GET' && r.url.includes('training.log'))).to.equal(false);
        expect(grown).to.be.greaterThan(size);
      }
      await log.close();
      expect(lineNumbers(await fs.readText(`${bucket}/experiments/run-42/training.log`))).to.deep.equal(range(n));
    } finally {
      await counting.close();
    }
  });

  describe('in a child process', () => {
    it('loses no line on SIGTERM', async () => {
      const spool = join(tmp.dir, 'spool');
      const env = { LS_URL: `s3://${bucket}/runs`, LS_SPOOL: spool, LS_STORAGE: JSON.stringify(connection(s3.info)) };
      const job = startJob({ ...env, LS_INTERVAL: '200' });
      await waitFor(() => job.loggedAtSync.length >= 2 && job.logged > 100, 60_000, 'the child to log and sync');
      const loggedAtSignal = job.logged;
      job.child.kill('SIGTERM');
      const { signal } = await job.exited;
      expect(signal, job.stderr()).to.equal('SIGTERM');
      expectContiguous(lineNumbers(await fs.readText(`${bucket}/runs/exp/training.log`)), loggedAtSignal + 1);
      if (existsSync(spool)) {
        // The job kept logging while it synced: those lines wait in the spool for the next start.
        const again = startJob({ ...env, LS_INTERVAL: '0', LS_MODE: 'recover' });
        expect((await again.exited).code, again.stderr()).to.equal(0);
      }
      expectContiguous(lineNumbers(await fs.readText(`${bucket}/runs/exp/training.log`)), job.logged + 1);
      expect(existsSync(spool)).to.equal(false);
    });

    it('after SIGKILL, the next start with the spool uploads what was left', async () => {
      const spool = join(tmp.dir, 'spool');
      const env = { LS_URL: `s3://${bucket}/runs`, LS_SPOOL: spool, LS_STORAGE: JSON.stringify(connection(s3.info)) };
      const job = startJob({ ...env, LS_INTERVAL: '200' });
      await waitFor(() => job.loggedAtSync.length >= 2, 60_000, 'two syncs');
      job.child.kill('SIGKILL');
      await job.exited;
      const before = lineNumbers(await fs.readText(`${bucket}/runs/exp/training.log`));
      expectContiguous(before, job.loggedAtSync.at(-2)! + 1);
      const again = startJob({ ...env, LS_INTERVAL: '0', LS_MODE: 'recover' });
      expect((await again.exited).code, again.stderr()).to.equal(0);
      const after = lineNumbers(await fs.readText(`${bucket}/runs/exp/training.log`));
      expectContiguous(after, job.logged + 1);
      expect(existsSync(spool)).to.equal(false);
    });
  });
});

describe('logsync on HDFS (MiniDFSCluster)', function () {
  this.timeout(120_000);
  const hdfs = useServer('hdfs');
  let tmp: ReturnType<typeof tempDir>;
  let proxy: CountingProxy;
  let fs: FileSystem;
  let root: string;

  beforeEach(async () => {
    tmp = tempDir();
    proxy = await startCountingProxy({ target: hdfs.info.namenodeUrl });
    fs = new HDFSFileSystem({ url: hdfs.info.namenodeUrl, user: hdfs.info.user, skipInstanceCache: true });
    root = `/${freshName('logsync')}`;
  });
  afterEach(async () => {
    await proxy.close();
    await fs.rm(root, { recursive: true }).catch(() => undefined);
    tmp.cleanup();
  });

  const options = (extra: Partial<LogSyncOptions> = {}): LogSyncOptions => ({
    logDir: `hdfs://namenode:8020${root}/experiments/`,
    experiment: 'run-42',
    syncIntervalMs: 0,
    handleSignals: false,
    spoolDir: join(tmp.dir, 'spool'),
    storageOptions: { url: proxy.url, user: hdfs.info.user },
    ...extra,
  });

  /** Body bytes sent for training.log since the last call (APPEND and CREATE data steps). */
  const logBytes = (): number => {
    const n = proxy.bytesSent((r) => r.url.includes('training.log') || r.url.includes('.training.log.'));
    proxy.reset();
    return n;
  };

  it('appends natively: the bytes sent per sync are the new lines, not the file', async () => {
    const log = await createLogSync(options());
    expect(log.strategy).to.equal('append');
    const line = (i: number): string => `line ${i} ${'x'.repeat(80)}`;
    log.info(line(0));
    await log.sync();
    proxy.reset();
    const sent: number[] = [];
    const sizes: number[] = [await fs.size(`${root}/experiments/run-42/training.log`)];
    let n = 1;
    for (const count of [10, 10, 40, 10]) {
      for (let i = 0; i < count; i++) log.info(line(n++));
      await log.sync();
      sent.push(logBytes());
      sizes.push(await fs.size(`${root}/experiments/run-42/training.log`));
    }
    await log.close();
    // Each sync sends exactly what it added to the file, however large the file grew.
    const added = sizes.slice(1).map((s, i) => s - sizes[i]!);
    expect(sent).to.deep.equal(added);
    expect(sent[3]).to.be.lessThan(sizes[4]! / 4);
    expect(sent[2]).to.be.greaterThan(sent[1]! * 3);
    const text = await fs.readText(`${root}/experiments/run-42/training.log`);
    expect(lineNumbers(text)).to.deep.equal(range(n));
  });

  it('writes the run layout: training.log, metrics and whole files, then removes the spool', async () => {
    const log = await createLogSync(options());
    await logRun(log);
    const run = `${root}/experiments/run-42`;
    await expectRunLayout(fs, run);
    expect(existsSync(join(tmp.dir, 'spool'))).to.equal(false);
  });
});

/** The state of an object-store target's tests: a temp dir, a byte-counting proxy in front of the server, a fresh root. */
interface StoreTarget {
  tmp: ReturnType<typeof tempDir>;
  counting: CountingProxy;
  fs: FileSystem;
  root: string;
  /** logsync options for the run `run-42` below `<scheme>://<root>/experiments/`, through the counting proxy. */
  options(extra?: Partial<LogSyncOptions>): LogSyncOptions;
}

/**
 * Registers the set-up of an object-store target (inside a describe) and the run-layout
 * test every target passes; returns the state the target's own tests use.
 */
function storeTarget(spec: {
  scheme: string;
  /** The server's origin, for the counting proxy. */
  origin: () => string;
  /** The bucket or container the harness gives, if any. */
  bucket: () => string | undefined;
  /** Connection options, through `via` (a proxy's URL) when given. */
  connect: (via?: string) => Record<string, unknown>;
  make: (options: Record<string, unknown>) => FileSystem;
}): StoreTarget {
  const t = {} as StoreTarget;
  beforeEach(async () => {
    t.tmp = tempDir();
    clearInstanceCache();
    t.counting = await startCountingProxy({ target: spec.origin() });
    t.fs = spec.make({ ...spec.connect(), skipInstanceCache: true });
    const r = freshRoot(spec.bucket());
    if (r.create) await t.fs.makedirs(r.bucket);
    t.root = `${r.bucket}${r.prefix === '' ? '' : `/${r.prefix.replace(/\/$/, '')}`}`;
  });
  afterEach(async () => {
    await t.counting.close();
    t.tmp.cleanup();
  });
  t.options = (extra = {}) => ({
    logDir: `${spec.scheme}://${t.root}/experiments/`,
    experiment: 'run-42',
    syncIntervalMs: 0,
    handleSignals: false,
    spoolDir: join(t.tmp.dir, 'spool'),
    storageOptions: spec.connect(t.counting.url),
    ...extra,
  });
  it('writes the run layout: training.log, metrics and whole files, then removes the spool', async () => {
    const log = await createLogSync(t.options());
    await logRun(log);
    await expectRunLayout(t.fs, `${t.root}/experiments/run-42`);
    expect(existsSync(join(t.tmp.dir, 'spool'))).to.equal(false);
  });
  return t;
}

/** Syncs after each batch of lines; returns the bytes sent for training.log per sync and the bytes each sync added. */
async function syncBatches(
  t: StoreTarget,
  log: Awaited<ReturnType<typeof createLogSync>>,
  batches: number[],
  first: number,
): Promise<{ sent: number[]; added: number[]; sizes: number[]; lines: number }> {
  const line = (i: number): string => `line ${i} ${'x'.repeat(80)}`;
  let n = 0;
  while (n < first) log.info(line(n++));
  await log.sync();
  const path = `${t.root}/experiments/run-42/training.log`;
  const sizes: number[] = [await t.fs.size(path)];
  const sent: number[] = [];
  for (const count of batches) {
    t.counting.reset();
    for (let i = 0; i < count; i++) log.info(line(n++));
    await log.sync();
    sent.push(t.counting.bytesSent((r) => r.url.includes('training.log')));
    sizes.push(await t.fs.size(path));
  }
  return { sent, added: sizes.slice(1).map((s, i) => s - sizes[i]!), sizes, lines: n };
}

describe('logsync on Azure Blob (Azurite)', function () {
  this.timeout(120_000);
  const az = useServer('azure');
  const azure = (via?: string): Record<string, unknown> => ({
    accountName: az.info.accountName,
    accountKey: az.info.accountKey,
    accountUrl: via === undefined ? az.info.blobEndpoint : `${via}${new URL(az.info.blobEndpoint).pathname}`,
    pipelineOptions: { retryOptions: { maxTries: 1 } },
  });
  const t = storeTarget({
    scheme: 'az',
    origin: () => new URL(az.info.blobEndpoint).origin,
    bucket: () => az.info.container,
    connect: azure,
    make: (o) => new AzureBlobFileSystem(o),
  });

  it('appends natively to an append blob: the bytes sent per sync are the new lines, not the file', async () => {
    const log = await createLogSync(t.options());
    expect(log.strategy).to.equal('append');
    const { sent, added, sizes, lines } = await syncBatches(t, log, [10, 10, 40, 10], 1);
    await log.close();
    expect(sent).to.deep.equal(added);
    expect(sent[3]).to.be.lessThan(sizes[4]! / 4);
    const path = `${t.root}/experiments/run-42/training.log`;
    expect((await t.fs.info(path)).blobType).to.equal('AppendBlob');
    expect(lineNumbers(await t.fs.readText(path))).to.deep.equal(range(lines));
  });

  it('loses and duplicates nothing with connection resets at random (30% of requests)', async () => {
    const proxy = await startFaultProxy({ target: new URL(az.info.blobEndpoint).origin, seed: 11 });
    try {
      await logThroughResets(
        proxy,
        t.options({ storageOptions: azure(proxy.url) }),
        t.fs,
        `${t.root}/experiments/run-42/training.log`,
      );
    } finally {
      await proxy.close();
    }
  });
});

describe('logsync on GCS (fake-gcs-server)', function () {
  this.timeout(120_000);
  const gcs = useServer('gcs');
  const t = storeTarget({
    scheme: 'gs',
    origin: () => gcs.info.apiEndpoint,
    bucket: () => gcs.info.bucket,
    connect: (via) => ({ apiEndpoint: via ?? gcs.info.apiEndpoint, projectId: gcs.info.projectId }),
    make: (o) => new GCSFileSystem(o),
  });

  it('appends by compose: the bytes sent per sync are the new lines (plus request framing), not the file', async () => {
    const log = await createLogSync(t.options());
    expect(log.strategy).to.equal('append');
    const { sent, added, sizes, lines } = await syncBatches(t, log, [10, 10, 40, 200], 2000);
    await log.close();
    sent.forEach((bytes, i) => expect(bytes, `sync ${i}`).to.be.within(added[i]!, added[i]! + 4096));
    expect(sent[0]).to.be.lessThan(sizes[1]! / 20);
    expect(lineNumbers(await t.fs.readText(`${t.root}/experiments/run-42/training.log`))).to.deep.equal(range(lines));
    expect((await t.fs.find(`${t.root}/experiments/run-42`)).some((p) => p.endsWith('.omnifs-append'))).to.equal(false);
  });
});
