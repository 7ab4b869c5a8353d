/**
 * What a killed writer leaves behind: hidden from listings, and removed by `cleanup` once
 * it is old enough — on local disk, HDFS and S3, after a real SIGKILL where a process can
 * leave it.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { filesystem } from '@omnifs/core';
import { isTemporaryName } from '@omnifs/core/backend';
import { expect, expectFsError } from '@omnifs/testkit';
import { LocalFileSystem } from '@omnifs/local';
import { freshBucket, makeFs as makeS3, useS3 } from '../packages/s3/test/helpers';
import { freshDir, makeFs as makeHdfs, useHdfs } from '../packages/hdfs/test/helpers';

const REPO = join(__dirname, '..');
const HOUR = 3_600_000;

/**
 * Runs `code` (CommonJS, workspace packages resolvable) in a child and SIGKILLs it once it
 * prints `ready`; resolves when it is gone.
 */
function killWhenReady(code: string, env: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', code], {
      cwd: REPO,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) child.kill('SIGKILL');
    });
    child.on('close', (_code, signal) =>
      signal === 'SIGKILL' ? resolve() : reject(new Error(`child ended without being killed: ${err}`)),
    );
  });
}

/** A child that streams to `url` and never finishes: prints ready once `afterBytes` are written. */
const STREAMING_WRITER = `
const { urlToFs } = require('@omnifs/core');
require('@omnifs/local'); require('@omnifs/s3');
const { fs, path } = urlToFs(process.env.TARGET, JSON.parse(process.env.OPTIONS || '{}'));
(async () => {
  const f = await fs.open(path, 'wb', { blockSize: 5 * 1024 * 1024 });
  const chunk = Buffer.alloc(1024 * 1024, 7);
  for (let i = 0; ; i++) {
    await f.write(chunk);
    if (i === Number(process.env.READY_AFTER)) { await f.flush(); setTimeout(() => console.log('ready'), 300); }
    if (i > Number(process.env.READY_AFTER)) await new Promise((r) => setTimeout(r, 1000));
  }
})().catch((e) => { console.error(e); process.exit(3); });
`;

describe('debris of interrupted writes', function () {
  this.timeout(60_000);

  describe('local disk', () => {
    let dir: string;
    const fs = new LocalFileSystem();
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'omnifs-debris-'));
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));

    it('hides the temporary file of a killed writer and removes it with cleanup', async () => {
      await writeFile(join(dir, 'keep.txt'), 'kept');
      await killWhenReady(STREAMING_WRITER, { TARGET: `file://${dir}/big.bin`, READY_AFTER: '2' });
      const onDisk = await readdir(dir);
      const temps = onDisk.filter((n) => isTemporaryName(n));
      expect(temps, onDisk.join()).to.have.length(1);
      expect(await fs.ls(dir)).to.deep.equal([join(dir, 'keep.txt')]);
      expect(await fs.find(dir)).to.deep.equal([join(dir, 'keep.txt')]);
      expect(await fs.glob(`${dir}/*`)).to.deep.equal([join(dir, 'keep.txt')]);

      const young = await fs.cleanup(dir);
      expect(young.removed).to.deep.equal([]);
      expect(young.kept.map((d) => d.path)).to.deep.equal([join(dir, temps[0]!)]);

      const dry = await fs.cleanup(dir, { olderThan: 0, dryRun: true });
      expect(dry.removed.map((d) => d.kind)).to.deep.equal(['temporary']);
      expect(await readdir(dir)).to.have.length(2);

      const done = await fs.cleanup(`file://${dir}`, { olderThan: 0 });
      expect(done.removed.map((d) => d.path)).to.deep.equal([join(dir, temps[0]!)]);
      expect(await readdir(dir)).to.deep.equal(['keep.txt']);
    });

    it('removes only debris older than olderThan, in subdirectories too', async () => {
      await fs.makedirs(join(dir, 'a', 'b'));
      const old = join(dir, 'a', 'b', '.x.bin.omnifs-0123456789ab.tmp');
      const fresh = join(dir, 'a', '.y.bin.omnifs-ba9876543210.tmp');
      await writeFile(old, 'partial');
      await writeFile(fresh, 'partial');
      const twoHoursAgo = new Date(Date.now() - 2 * HOUR);
      await utimes(old, twoHoursAgo, twoHoursAgo);
      const r = await fs.cleanup(dir, { olderThan: HOUR });
      expect(r.removed.map((d) => d.path)).to.deep.equal([old]);
      expect(r.kept.map((d) => d.path)).to.deep.equal([fresh]);
      expect(r.removed[0]).to.include({ kind: 'temporary', size: 7 });
    });

    it('refuses unknown or wrong options and finds nothing below a missing path', async () => {
      await expectFsError(fs.cleanup(dir, { olderThen: 1 } as never), 'InvalidArgument');
      await expectFsError(fs.cleanup(dir, { olderThan: -1 }), 'InvalidArgument');
      await expectFsError(fs.cleanup(dir, { dryRun: 'yes' } as never), 'InvalidArgument');
      expect(await fs.cleanup(join(dir, 'missing'), { olderThan: 0 })).to.deep.equal({ removed: [], kept: [] });
    });

    it('works through the dir layer, with names relative to its root', async () => {
      await writeFile(join(dir, '.x.omnifs-0123456789ab.tmp'), '');
      const { fs: scoped } = (await import('@omnifs/core')).urlToFs(`dir::file://${dir}`);
      const r = await scoped.cleanup('', { olderThan: 0 });
      expect(r.removed.map((d) => d.path)).to.deep.equal(['.x.omnifs-0123456789ab.tmp']);
    });
  });

  describe('S3 (moto)', () => {
    const s3 = useS3();

    it('aborts the multipart upload a killed writer left, and only an old enough one', async () => {
      const fs = makeS3(s3.info);
      const bucket = await freshBucket(s3.info, fs);
      await fs.writeText(`${bucket}/other/keep.txt`, 'kept');
      const { endpoint, region, credentials, forcePathStyle } = s3.info;
      await killWhenReady(STREAMING_WRITER, {
        TARGET: `s3://${bucket}/runs/big.bin`,
        READY_AFTER: '6',
        OPTIONS: JSON.stringify({ endpoint, region, credentials, forcePathStyle }),
      });
      const [name] = bucket.split('/');
      const listed = async (): Promise<number> =>
        (await fs.client.send(new ListMultipartUploadsCommand({ Bucket: name }))).Uploads?.length ?? 0;
      expect(await listed()).to.equal(1);

      expect((await fs.cleanup(`${bucket}/other`, { olderThan: 0 })).removed).to.deep.equal([]);
      // moto reports every upload as initiated in 2010, so "young" here is younger than a century.
      const century = 100 * 365 * 24 * HOUR;
      expect((await fs.cleanup(bucket, { olderThan: century })).kept.map((d) => d.path)).to.deep.equal([
        `${bucket}/runs/big.bin`,
      ]);
      const r = await fs.cleanup(`s3://${bucket}`, { olderThan: 0 });
      expect(r.removed.map((d) => [d.kind, d.path])).to.deep.equal([['upload', `${bucket}/runs/big.bin`]]);
      expect(r.removed[0]!.uploadId).to.be.a('string');
      expect(await listed()).to.equal(0);
      expect(await fs.readText(`${bucket}/other/keep.txt`)).to.equal('kept');
    });
  });

  describe('HDFS (MiniDFSCluster)', () => {
    const hdfs = useHdfs();

    it('hides a temporary file from listings and removes it with cleanup', async () => {
      const fs = makeHdfs(hdfs.info);
      const dir = freshDir();
      await fs.writeText(`${dir}/keep.txt`, 'kept');
      // What a writer killed before its rename leaves, in the name earlier versions used too.
      const temps = [`${dir}/.big.bin.0123456789ab.omnifs-tmp`, `${dir}/sub/.big.bin.omnifs-0123456789ab.tmp`];
      for (const t of temps) await fs.pipeFile(t, new Uint8Array(10));
      expect(await fs.ls(dir)).to.deep.equal([`${dir}/keep.txt`, `${dir}/sub`]);
      expect(await fs.find(dir)).to.deep.equal([`${dir}/keep.txt`]);
      const r = await fs.cleanup(`hdfs://${dir}`, { olderThan: 0 });
      expect(r.removed.map((d) => d.path).sort()).to.deep.equal(temps.sort());
      expect(await fs.find(dir)).to.deep.equal([`${dir}/keep.txt`]);
      await fs.rm(dir, { recursive: true });
    });
  });

  it('the memory filesystem has no debris', async () => {
    await import('@omnifs/memory');
    const mem = filesystem('memory', { store: 'private' });
    await mem.writeText('/a.txt', 'a');
    expect(await mem.cleanup('/', { olderThan: 0 })).to.deep.equal({ removed: [], kept: [] });
  });
});
