/**
 * The transfer commands against S3, GCS, Azure and HDFS on the harness's servers, through
 * `main` in this process (one SDK load), and the built executable in child processes on S3,
 * whose SDK's Node.js notice must not reach the output.
 */
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshName, freshRoot, useServer } from '../../../test/servers/index';
import { cli, spawnCli, statFields, type CliRun } from './helpers';

/** How the executable reaches one server: flags, variables, and where a test may write. */
const MIB = 1024 * 1024;

/** Runs the CLI in this process, and how many seconds it took. */
async function timed(argv: string[], o: Parameters<typeof cli>[1]): Promise<CliRun & { secs: number }> {
  const startedAt = Date.now();
  const r = await cli(argv, o);
  return { ...r, secs: (Date.now() - startedAt) / 1000 };
}

interface Setup {
  flags: string[];
  env: NodeJS.ProcessEnv;
  /** `s3://bucket[/prefix]` */
  root: string;
  /** Creates the bucket or container, when the test owns it. */
  create: string | undefined;
}

function scenario(label: string, setup: () => Setup): void {
  let local: string;
  let s: Setup;
  const run = (...argv: string[]): Promise<CliRun> => cli([...argv, ...s.flags], { env: s.env, stdin: '' });
  before(async function () {
    this.timeout(60_000);
    s = setup();
    local = mkdtempSync(join(tmpdir(), 'omnifs-cli-servers-'));
    mkdirSync(join(local, 'data', 'sub'), { recursive: true });
    writeFileSync(join(local, 'data', 'a.txt'), 'alpha\n');
    writeFileSync(join(local, 'data', 'sub', 'b.txt'), 'one\ntwo\n');
    if (s.create !== undefined) expect((await run('mkdir', s.create)).code).to.equal(0);
  });
  after(() => rmSync(local, { recursive: true, force: true }));

  it(`${label}: put -r, ls -R, cat, head, stat and du on the service`, async () => {
    const up = await run('put', '-r', join(local, 'data'), `${s.root}/data`);
    expect(up.code, up.err).to.equal(0);
    expect(up.err).to.match(/^uploaded 2 files, 14 B in /);
    expect((await run('ls', '-R', `${s.root}/data`)).out.split('\n')).to.include.members([
      `${s.root}/data/a.txt`,
      `${s.root}/data/sub/b.txt`,
    ]);
    expect((await run('cat', `${s.root}/data/*.txt`)).out).to.equal('alpha\n');
    expect((await run('head', '-n', '1', `${s.root}/data/sub/b.txt`)).out).to.equal('one\n');
    expect(statFields((await run('stat', `${s.root}/data/a.txt`)).out)).to.include({ size: '6' });
    expect((await run('du', '-s', `${s.root}/data`)).out).to.equal(`14\t${s.root}/data/\n`);
  });

  it(`${label}: cp -r and mv on the service, rsync from local disk, get -r back, rm -r`, async () => {
    expect((await run('cp', '-r', `${s.root}/data`, `${s.root}/copy`)).code).to.equal(0);
    expect((await run('mv', `${s.root}/copy/a.txt`, `${s.root}/moved.txt`)).code).to.equal(0);
    const sync = await run('rsync', '--delete', join(local, 'data'), `${s.root}/copy`);
    expect(sync.out).to.equal(`copy ${join(local, 'data', 'a.txt')} -> ${s.root}/copy/a.txt\n`);
    expect((await run('cp', '-', `${s.root}/copy/extra.txt`)).code).to.equal(0);
    expect((await run('rsync', '--dry-run', '--delete', join(local, 'data'), `${s.root}/copy`)).out).to.equal(
      `would delete ${s.root}/copy/extra.txt\n`,
    );
    expect((await run('get', '-r', `${s.root}/copy`, join(local, 'back'))).code).to.equal(0);
    expect(readFileSync(join(local, 'back', 'sub', 'b.txt'), 'utf8')).to.equal('one\ntwo\n');
    expect((await run('rm', '-r', `${s.root}/copy`)).code).to.equal(0);
    expect((await run('find', `${s.root}/copy`)).code).to.equal(1);
    expect((await run('cat', `${s.root}/moved.txt`)).out).to.equal('alpha\n');
  });

  it(`${label}: cp of a glob without -r copies the files, names the directory it leaves out, exits 1`, async () => {
    const r = await run('cp', `${s.root}/data/*`, `${s.root}/flat/`);
    expect({ code: r.code, err: r.err.replace(/ in .*\n$/, '\n') }).to.deep.equal({
      code: 1,
      err: `omnifs cp: -r not specified; omitting directory ${s.root}/data/sub [EISDIR]\ncopied 1 file, 6 B\n`,
    });
    expect((await run('find', `${s.root}/flat`)).out).to.equal(`${s.root}/flat/a.txt\n`);
    expect((await run('rm', '-r', `${s.root}/flat`)).code).to.equal(0);
  });
}

describe('omnifs against the servers', function () {
  this.timeout(120_000);

  describe('s3 (moto)', () => {
    const s3 = useServer('s3');
    scenario('s3', () => {
      const root = freshRoot(s3.info.bucket);
      return {
        flags: ['--endpoint-url', s3.info.endpoint, '--region', s3.info.region],
        env: {
          OMNIFS_S3_ACCESS_KEY_ID: s3.info.credentials.accessKeyId,
          OMNIFS_S3_SECRET_ACCESS_KEY: s3.info.credentials.secretAccessKey,
        },
        root: `s3://${root.bucket}${root.prefix === '' ? '' : `/${root.prefix.slice(0, -1)}`}`,
        create: root.create ? `s3://${root.bucket}` : undefined,
      };
    });
    /** A bucket of its own, or a fresh prefix of the external server's bucket. */
    const place = async (client: S3Client): Promise<string> => {
      const root = freshRoot(s3.info.bucket);
      if (root.create) await client.send(new CreateBucketCommand({ Bucket: root.bucket }));
      return `${root.bucket}${root.prefix === '' ? '' : `/${root.prefix.slice(0, -1)}`}`;
    };
    it('s3: the executable uploads, lists and signs with the AWS variables, printing no SDK notice', async () => {
      const client = new S3Client({ ...s3.info });
      const bucket = await place(client);
      client.destroy();
      const flags = ['--endpoint-url', s3.info.endpoint, '--region', s3.info.region];
      const env = {
        AWS_ACCESS_KEY_ID: s3.info.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.info.credentials.secretAccessKey,
      };
      const put = await spawnCli(['cp', '-q', '-', `s3://${bucket}/k.txt`, ...flags], { env, stdin: 'signed' });
      expect(put).to.include({ code: 0, err: '' });
      expect(await spawnCli(['ls', `s3://${bucket}`, ...flags], { env })).to.include({
        out: `s3://${bucket}/k.txt\n`,
        err: '',
      });
      const r = await spawnCli(['sign', '--expires-in', '5m', `s3://${bucket}/k.txt`, ...flags], { env });
      expect(r).to.include({ code: 0, err: '' });
      expect(await (await fetch(r.out.trim())).text()).to.equal('signed');
    });
    it('s3: --bwlimit paces a download to local disk that goes in concurrent ranged parts', async () => {
      const client = new S3Client({ ...s3.info });
      const where = await place(client);
      client.destroy();
      // Parts of 5 MiB, the least S3 takes: a file of 6 MiB is read as two parts at once.
      const flags = ['--endpoint-url', s3.info.endpoint, '--region', s3.info.region, '-o', `partSize=${5 * MIB}`];
      const env = {
        OMNIFS_S3_ACCESS_KEY_ID: s3.info.credentials.accessKeyId,
        OMNIFS_S3_SECRET_ACCESS_KEY: s3.info.credentials.secretAccessKey,
      };
      const data = randomBytes(6 * MIB);
      expect((await cli(['cp', '-q', '-', `s3://${where}/six.bin`, ...flags], { env, stdin: data })).code).to.equal(0);
      const local = mkdtempSync(join(tmpdir(), 'omnifs-cli-bwlimit-'));
      try {
        const argv = ['cp', '-q', '--bwlimit', '6M', `s3://${where}/six.bin`, join(local, 'six.bin'), ...flags];
        const r = await timed(argv, { env });
        expect(r.code, r.err).to.equal(0);
        expect(r.secs).to.be.at.least(0.8);
        expect(readFileSync(join(local, 'six.bin')).equals(data)).to.equal(true);
      } finally {
        rmSync(local, { recursive: true, force: true });
        await cli(['rm', `s3://${where}/six.bin`, ...flags], { env });
      }
    });
    it('s3: gc lists unfinished multipart uploads with --dry-run, then aborts them', async () => {
      const client = new S3Client({ ...s3.info });
      const where = await place(client);
      const [bucket, ...prefix] = where.split('/');
      const key = [...prefix, 'killed.bin'].join('/');
      const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
      const env = {
        OMNIFS_S3_ACCESS_KEY_ID: s3.info.credentials.accessKeyId,
        OMNIFS_S3_SECRET_ACCESS_KEY: s3.info.credentials.secretAccessKey,
      };
      const flags = ['--endpoint-url', s3.info.endpoint, '--region', s3.info.region];
      // moto dates every upload in 2010, so the default age keeps nothing here; --dry-run removes nothing.
      const dry = await cli(['gc', '--dry-run', `s3://${where}`, ...flags], { env });
      expect(dry.out).to.equal(`would remove s3://${bucket}/${key} (unfinished upload ${UploadId})\n`);
      const r = await cli(['gc', '--older-than', '0', `s3://${where}`, ...flags], { env });
      expect(r).to.include({ code: 0, out: `removed s3://${bucket}/${key} (unfinished upload ${UploadId})\n` });
      const left = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }));
      expect(left.Uploads ?? []).to.deep.equal([]);
      client.destroy();
    });
  });

  describe('gcs (fake-gcs-server)', () => {
    const gcs = useServer('gcs');
    scenario('gcs', () => {
      const root = freshRoot(gcs.info.bucket);
      return {
        flags: ['--endpoint-url', gcs.info.apiEndpoint, '-o', `projectId=${gcs.info.projectId}`],
        env: {},
        root: `gs://${root.bucket}${root.prefix === '' ? '' : `/${root.prefix.slice(0, -1)}`}`,
        create: root.create ? `gs://${root.bucket}` : undefined,
      };
    });
  });

  describe('azure (Azurite)', () => {
    const az = useServer('azure');
    scenario('azure', () => {
      const root = freshRoot(az.info.container);
      return {
        flags: [],
        env: { OMNIFS_AZ_CONNECTION_STRING: az.info.connectionString },
        root: `az://${root.bucket}${root.prefix === '' ? '' : `/${root.prefix.slice(0, -1)}`}`,
        create: root.create ? `az://${root.bucket}` : undefined,
      };
    });
  });

  describe('azure: the account in the URL', () => {
    const az = useServer('azure');
    it('prints abfss://container@account.../path as it was written, so it can be pasted back', async () => {
      const env = { OMNIFS_AZ_CONNECTION_STRING: az.info.connectionString };
      const container = freshName('abfs');
      expect((await cli(['mkdir', `az://${container}`], { env })).code).to.equal(0);
      expect((await cli(['cp', '-q', '-', `az://${container}/d/t.txt`], { env, stdin: 'x' })).code).to.equal(0);
      const hosted = `abfss://${container}@${az.info.accountName}.dfs.core.windows.net`;
      const ls = await cli(['ls', `${hosted}/d/`], { env });
      expect(ls.code, ls.err).to.equal(0);
      expect(ls.out).to.equal(`${hosted}/d/t.txt\n`);
      const find = await cli(['find', `${hosted}/`], { env });
      expect(find.out).to.equal(`${hosted}/d/t.txt\n`);
      expect((await cli(['cat', `${hosted}/d/t.txt`], { env })).out).to.equal('x');
      expect((await cli(['rm', '-r', `az://${container}`], { env })).code).to.equal(0);
    });
  });

  describe('hdfs (MiniDFSCluster)', () => {
    const hdfs = useServer('hdfs');
    scenario('hdfs', () => ({
      flags: ['--endpoint-url', hdfs.info.namenodeUrl, '-o', `user=${hdfs.info.user}`],
      env: {},
      root: `hdfs:///${freshName('cli')}`,
      create: undefined,
    }));
    it('hdfs: --bwlimit paces a file copied to standard output', async () => {
      const flags = ['--endpoint-url', hdfs.info.namenodeUrl, '-o', `user=${hdfs.info.user}`];
      const url = `hdfs:///${freshName('cli')}/one.bin`;
      const data = Buffer.alloc(MIB, 'a');
      expect((await cli(['cp', '-q', '-', url, ...flags], { stdin: data })).code).to.equal(0);
      try {
        const r = await timed(['cp', '--bwlimit', '1M', url, '-', ...flags], {});
        expect(r.code, r.err).to.equal(0);
        expect(r.secs).to.be.at.least(0.8);
        expect(r.out).to.equal(data.toString());
      } finally {
        await cli(['rm', '-r', url.slice(0, url.lastIndexOf('/')), ...flags]);
      }
    });
  });
});
