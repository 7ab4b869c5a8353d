/** Help, version, completion, usage errors and storage options (flags, environment, config file). */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS } from '@omnifs/cli';
import { filesystem } from '@omnifs/core';
import { cli } from './helpers';

describe('omnifs usage, help and options', () => {
  describe('help and version', () => {
    it('help lists every command; help COMMAND and COMMAND --help show its options and example', async () => {
      const all = await cli(['help']);
      expect(all.code).to.equal(0);
      for (const c of COMMANDS) expect(all.out).to.include(`  ${c.name} `);
      const cp = await cli(['help', 'cp']);
      expect(cp.out)
        .to.include('usage: omnifs cp [options] SRC... DST')
        .and.include('-r, --recursive')
        .and.include('--endpoint-url URL')
        .and.include('example:\n  omnifs cp -r');
      expect((await cli(['cp', '--help'])).out).to.equal(cp.out);
      expect((await cli(['--help'])).out).to.equal(all.out);
      expect((await cli(['info', '--help'])).out)
        .to.include('usage: omnifs stat')
        .and.include('alias: info');
    });
    it('--version and version print the package version', async () => {
      const { version } = require('@omnifs/cli/package.json') as { version: string };
      expect(await cli(['--version'])).to.include({ code: 0, out: `omnifs ${version}\n` });
      expect((await cli(['version'])).out).to.equal(`omnifs ${version}\nnode ${process.version}\n`);
    });
    it('completion prints bash and zsh scripts naming every command and its options', async () => {
      const bash = (await cli(['completion', 'bash'])).out;
      expect(bash).to.include('complete -o filenames -o bashdefault -F _omnifs omnifs');
      for (const c of COMMANDS) expect(bash).to.include(` ${c.name}`);
      expect(bash).to.match(/ {4}rsync\) opts="[^"]*--delete[^"]*--size-only/);
      const zsh = (await cli(['completion', 'zsh'])).out;
      expect(zsh)
        .to.match(/^#compdef omnifs\n/)
        .and.include("'cp:copy files");
      expect((await cli(['completion', 'fish'])).code).to.equal(2);
    });
  });

  describe('usage errors: exit 2, one line and the usage, nothing changed', () => {
    it('no command, an unknown command, an unknown option, missing arguments', async () => {
      expect((await cli([])).code).to.equal(2);
      const alone = await cli(['--bogus']);
      expect(alone).to.include({ code: 2 });
      expect(alone.err).to.include("omnifs: unknown option '--bogus' (and no command given)");
      const unknown = await cli(['cpy', 'a', 'b']);
      expect(unknown).to.include({ code: 2 });
      expect(unknown.err).to.include('omnifs: unknown command "cpy" (did you mean cp?)');
      const opt = await cli(['ls', '--colour', 'memory:///']);
      expect(opt.code).to.equal(2);
      expect(opt.err).to.equal(
        "omnifs ls: Unknown option '--colour'\n" +
          "usage: omnifs ls [options] [URL...]\nrun 'omnifs help ls' for its options\n",
      );
      expect((await cli(['cp', 'memory:///only-one'])).err).to.include('omnifs cp: cp needs SRC... DST');
      expect((await cli(['tree', 'memory:///a', 'memory:///b'])).code).to.equal(2);
      expect((await cli(['find', '--max-depth', '0', 'memory:///'])).code).to.equal(2);
      const treeDepth = await cli(['tree', '-L', 'x', 'memory:///']);
      expect(treeDepth.code).to.equal(2);
      expect(treeDepth.err).to.include('omnifs tree: -L (--max-depth) must be an integer >= 1, got "x"');
    });
    it('a value starting with a dash is the value, checked by its option: one line of ours and the usage', async () => {
      await filesystem('memory').writeText('/usage/lines.txt', 'a\nb\nc\n');
      const f = 'memory:///usage/lines.txt';
      const head = await cli(['head', '-n', '-1.5', f]);
      expect(head).to.include({ code: 2, out: '' });
      expect(head.err).to.equal(
        'omnifs head: -n (--lines) must be N, -N or +N for a whole number N, got "-1.5"\n' +
          "usage: omnifs head [options] URL...\nrun 'omnifs help head' for its options\n",
      );
      for (const [argv, said] of [
        [['head', '--lines', 'x', f], '-n (--lines) must be N, -N or +N for a whole number N, got "x"'],
        [['head', '-n--1', f], '-n (--lines) must be N, -N or +N for a whole number N, got "--1"'],
        [['tail', '-c', '+-2', f], '-c (--bytes) must be N, -N or +N for a whole number N, got "+-2"'],
        [['find', '--max-depth', '-1', f], '--max-depth must be an integer >= 1, got "-1"'],
        [['tree', '-L', '-1', f], '-L (--max-depth) must be an integer >= 1, got "-1"'],
        [['cp', '--bwlimit', '-5', f, `${f}.copy`], '--bwlimit takes a size such as 512K, 20M or 1G, got "-5"'],
        [['sign', '--expires-in', '-1', f], '--expires-in takes a duration such as 90, 15m, 12h or 7d, got "-1"'],
        [['gc', '--older-than', '-1d', f], '--older-than takes a duration such as 90, 15m, 12h or 7d, got "-1d"'],
        [['ls', '-lo', '-x', f], '-o needs key=value, got "-x"'],
      ] as const) {
        const r = await cli([...argv]);
        expect({ code: r.code, line: r.err.split('\n')[0] }, argv.join(' ')).to.deep.equal({
          code: 2,
          line: `omnifs ${argv[0]}: ${said}`,
        });
        expect(r.err.split('\n'), argv.join(' ')).to.have.length(4);
      }
      // GNU's signed counts are counts: all but the last line, from the second line on.
      expect((await cli(['head', '-n-1', f])).out).to.equal('a\nb\n');
      expect((await cli(['tail', '-n', '+2', f])).out).to.equal('b\nc\n');
      expect(await filesystem('memory').exists('/usage/lines.txt.copy')).to.equal(false);
    });
    it('a malformed URL, or a storage flag that no URL takes, changes nothing', async () => {
      await filesystem('memory').writeText('/usage/keep.txt', 'keep');
      for (const argv of [
        ['rm', 'memory:///usage/keep.txt', 'bad:url'],
        ['rm', '--region', 'eu-west-1', 'memory:///usage/keep.txt'],
        ['rm', '-o', 'partSize=8', 'memory:///usage/keep.txt'],
        ['rm', '-o', 'novalue', 'memory:///usage/keep.txt'],
      ]) {
        const r = await cli(argv);
        expect(r.code, argv.join(' ')).to.equal(2);
        expect(r.err.split('\n')[0]).to.match(/^omnifs rm: /);
      }
      expect(await filesystem('memory').readText('/usage/keep.txt')).to.equal('keep');
      const endpoint = await cli(['ls', '--endpoint-url', 'notaurl', 's3://bucket/']);
      expect(endpoint.code).to.equal(2);
      expect(endpoint.err).to.match(/^omnifs ls: option 'endpoint' of s3 must be an http\(s\) URL.*\[EINVAL\]\n$/);
    });
    it('an unknown protocol, in a URL, a chained URL or config, changes nothing', async () => {
      await filesystem('memory').writeText('/usage/kept.txt', 'kept');
      for (const argv of [
        ['ls', 'nosuch://x'],
        ['rm', 'memory:///usage/kept.txt', 'NoSuch://x'],
        ['cat', 'nosuch::memory:///usage/kept.txt'],
        ['config', 'nosuch'],
      ]) {
        const r = await cli(argv);
        expect(r.code, argv.join(' ')).to.equal(2);
        expect(r.err.split('\n')[0]).to.match(/^omnifs \w+: unknown protocol "nosuch"; known protocols: .*\bmemory\b/);
        expect(r.err).to.include(`\nrun 'omnifs help ${argv[0]}' for its options\n`);
      }
      expect(await filesystem('memory').readText('/usage/kept.txt')).to.equal('kept');
    });
  });

  describe('storage options', () => {
    let home: string;
    beforeEach(() => {
      home = mkdtempSync(join(tmpdir(), 'omnifs-home-'));
    });

    it('config shows each option with its source: flags over environment over the config file', async () => {
      const file = join(home, '.config', 'omnifs', 'config.json');
      mkdirSync(join(home, '.config', 'omnifs'), { recursive: true });
      writeFileSync(file, JSON.stringify({ s3: { region: 'from-file', endpoint: 'http://file:1', maxAttempts: 7 } }));
      const env = { HOME: home, OMNIFS_S3_ENDPOINT: 'http://env:2', OMNIFS_S3_SECRET_ACCESS_KEY: 'sEcReT' };
      const r = await cli(['config', 's3', '--region', 'from-flag', '-o', 's3.partSize=16777216'], { env });
      expect(r.code, r.err).to.equal(0);
      expect(r.out).to.include(`config file: ${file}\n`);
      expect(r.out).to.include('s3.region = from-flag    (flag: --region)');
      expect(r.out).to.include('s3.endpoint = http://env:2    (env: OMNIFS_S3_ENDPOINT)');
      expect(r.out).to.include(`s3.maxAttempts = 7    (config: ${file})`);
      expect(r.out).to.include('s3.partSize = 16777216    (flag: -o s3.partSize)');
      expect(r.out).to.include('s3.secretAccessKey = ***').and.not.include('sEcReT');
      const gateway = await cli(['config', 'hdfs'], {
        env: {
          HOME: home,
          OMNIFS_HDFS_URL: 'http://knox:pAsSwOrD1@gateway:8443',
          OMNIFS_HDFS_HEADERS: '{"x-api-key":"aPiKeY2"}',
        },
      });
      expect(gateway.code, gateway.err).to.equal(0);
      expect(gateway.out)
        .to.include('hdfs.url = http://***@gateway:8443    (env: OMNIFS_HDFS_URL)')
        .and.include('hdfs.headers = {"x-api-key":"***"}    (env: OMNIFS_HDFS_HEADERS)')
        .and.not.include('pAsSwOrD1')
        .and.not.include('aPiKeY2');
      const json = JSON.parse(
        (await cli(['config', '--json', 'gcs', '--endpoint-url', 'http://127.0.0.1:4443'], { env })).out,
      );
      expect(json).to.deep.equal([
        {
          protocol: 'gs',
          option: 'apiEndpoint',
          value: 'http://127.0.0.1:4443',
          source: 'flag',
          from: '--endpoint-url',
        },
      ]);
    });
    it("config shows each service's own variables, secrets as ***, and the fs.defaultFS HADOOP_CONF_DIR names", async () => {
      const hadoop = join(home, 'hadoop');
      mkdirSync(hadoop);
      writeFileSync(
        join(hadoop, 'core-site.xml'),
        '<configuration><property><name>fs.defaultFS</name><value>hdfs://prod</value></property></configuration>',
      );
      const env = {
        HOME: home,
        OMNIFS_AZ_ACCOUNT_NAME: 'fromopt',
        AWS_REGION: 'eu-west-1',
        AWS_SECRET_ACCESS_KEY: 'sEcReT-aws',
        STORAGE_EMULATOR_HOST: '127.0.0.1:4443',
        GCLOUD_PROJECT: 'proj-1',
        GOOGLE_APPLICATION_CREDENTIALS: '/keys/sa.json',
        AZURE_STORAGE_CONNECTION_STRING:
          'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=sEcReT-key==;EndpointSuffix=core.windows.net',
        AZURE_STORAGE_ACCOUNT: 'acct',
        AZURE_STORAGE_SAS_TOKEN: 'sv=2024-01-01&sig=sEcReT-sas',
        HADOOP_CONF_DIR: hadoop,
        HADOOP_USER_NAME: 'etl',
      };
      const r = await cli(['config', 's3', 'gs', 'az', 'hdfs'], { env });
      expect(r.code, r.err).to.equal(0);
      expect(r.out).to.not.include('sEcReT');
      expect(r.out.split('\n').slice(1)).to.deep.equal([
        "precedence: flags, then OMNIFS_<PROTOCOL>_<OPTION> variables, then the config file, then the service's own variables",
        's3 AWS_REGION = eu-west-1    (env)',
        's3 AWS_SECRET_ACCESS_KEY = ***    (env)',
        'gs STORAGE_EMULATOR_HOST = 127.0.0.1:4443    (env)',
        'gs GCLOUD_PROJECT = proj-1    (env)',
        'gs GOOGLE_APPLICATION_CREDENTIALS = /keys/sa.json    (env)',
        'az.accountName = fromopt    (env: OMNIFS_AZ_ACCOUNT_NAME)',
        'az AZURE_STORAGE_CONNECTION_STRING = ' +
          'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=***;EndpointSuffix=core.windows.net    (env)',
        'az AZURE_STORAGE_SAS_TOKEN = ***    (env)',
        'az AZURE_STORAGE_ACCOUNT = acct    (env)',
        `hdfs HADOOP_CONF_DIR = ${hadoop}    (env)`,
        'hdfs HADOOP_USER_NAME = etl    (env)',
        `hdfs fs.defaultFS = hdfs://prod    (file: ${join(hadoop, 'core-site.xml')})`,
        '',
      ]);
      const json = JSON.parse((await cli(['config', '--json', 'hdfs'], { env })).out) as unknown[];
      expect(json).to.deep.include({
        protocol: 'hdfs',
        setting: 'fs.defaultFS',
        value: 'hdfs://prod',
        source: 'file',
        from: join(hadoop, 'core-site.xml'),
      });
      // Found through HADOOP_HOME; a SAS connection string shows its endpoint, not its signature.
      const homeEnv = {
        HOME: home,
        HADOOP_HOME: join(home, 'hh'),
        AZURE_STORAGE_CONNECTION_STRING:
          'BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=sv=2024-01-01&sig=sEcReT-sig',
      };
      mkdirSync(join(home, 'hh', 'etc', 'hadoop'), { recursive: true });
      writeFileSync(
        join(home, 'hh', 'etc', 'hadoop', 'core-site.xml'),
        '<configuration><property name="fs.default.name" value="hdfs://old:8020"/></configuration>',
      );
      const other = await cli(['config', 'az', 'hdfs'], { env: homeEnv });
      expect(other.out)
        .to.include(
          'az AZURE_STORAGE_CONNECTION_STRING = BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=***    (env)',
        )
        .and.include(`hdfs HADOOP_HOME = ${join(home, 'hh')}    (env)`)
        .and.include(
          `hdfs fs.default.name = hdfs://old:8020    (file: ${join(home, 'hh', 'etc', 'hadoop', 'core-site.xml')})`,
        )
        .and.not.include('sEcReT');
      // A configuration that cannot be read fails as the filesystem would.
      writeFileSync(join(hadoop, 'core-site.xml'), '<configuration>\n<property>\n</propery>\n');
      const broken = await cli(['config', 'hdfs'], { env });
      expect(broken.code).to.equal(2);
      expect(broken.err).to.equal(
        `omnifs config: the Hadoop configuration file ${join(hadoop, 'core-site.xml')} is not well-formed XML: ` +
          'line 3, column 1: expected the end tag </property> of the element <property> opened on line 2 [EINVAL]\n',
      );
      // ... after showing what could be read: the other services' settings, HDFS's variables.
      const all = await cli(['config'], { env: { ...env, AWS_REGION: 'eu-west-3' } });
      expect(all.code).to.equal(2);
      expect(all.out)
        .to.include('s3 AWS_REGION = eu-west-3    (env)')
        .and.include(`hdfs HADOOP_CONF_DIR = ${hadoop}    (env)`);
      expect(all.err).to.equal(broken.err);
    });
    it('config refuses a misspelt option from any source, showing none of the values', async () => {
      mkdirSync(join(home, '.config', 'omnifs'), { recursive: true });
      const file = join(home, '.config', 'omnifs', 'config.json');
      writeFileSync(file, JSON.stringify({ az: { accountKye: 'sEcReT-file' } }));
      const fromFile = await cli(['config', 'az'], { env: { HOME: home } });
      expect(fromFile.code).to.equal(2);
      expect(fromFile.err).to.include(
        `unknown option 'accountKye' for az; did you mean 'accountKey'? (config: ${file})`,
      );
      writeFileSync(file, '{}');
      const fromEnv = await cli(['config', 's3'], { env: { HOME: home, OMNIFS_S3_SECRET_ACESS_KEY: 'sEcReT-env' } });
      expect(fromEnv.code).to.equal(2);
      expect(fromEnv.err).to.include("did you mean 'secretAccessKey'? (env: OMNIFS_S3_SECRET_ACESS_KEY)");
      const fromFlag = await cli(['config', 'az', '-o', 'az.acountKey=sEcReT-flag'], { env: { HOME: home } });
      expect(fromFlag.code).to.equal(2);
      for (const r of [fromFile, fromEnv, fromFlag]) expect(r.all).to.not.match(/sEcReT/);
      const far = await cli(['config', 'az'], { env: { HOME: home, OMNIFS_AZ_BOGUSOPT: '1' } });
      const listed = /valid options: ([^(]*) \(/.exec(far.err)?.[1]?.split(', ') ?? [];
      expect(listed).to.include('skipInstanceCache').and.include('accountKey');
      expect(listed.length).to.equal(new Set(listed).size);
    });

    it('takes all-digit values of string options as strings, from the environment and -o', async () => {
      const env = { HOME: home, OMNIFS_AZ_ACCOUNT_KEY: '12345678', OMNIFS_GS_PROJECT_ID: '123456789012' };
      const az = await cli(['config', 'az', '-o', 'az.accountName=12345'], { env });
      expect(az.code, az.err).to.equal(0);
      expect(az.out).to.include('az.accountKey = ***    (env: OMNIFS_AZ_ACCOUNT_KEY)').and.not.include('12345678');
      // Made and used: a project number is a valid project id (the closed port answers).
      const gs = await cli(['ls', '-o', 'requestTimeout=300', '--endpoint-url', 'http://127.0.0.1:1', 'gs://b/'], {
        env,
      });
      expect(gs.code).to.equal(1);
      expect(gs.err).to.include('[ECONNREFUSED]').and.not.include('must be a string');
      const flag = await cli(
        ['ls', '-o', 'gs.projectId=123456789012', '--endpoint-url', 'http://127.0.0.1:1', 'gs://b/'],
        {
          env: { HOME: home },
        },
      );
      expect(flag.err).to.include('[ECONNREFUSED]').and.not.include('must be a string');
    });

    it('--endpoint-url on s3 also addresses buckets path-style, unless set otherwise', async () => {
      const r = await cli(['config', 's3', '--endpoint-url', 'http://127.0.0.1:9000'], { env: { HOME: home } });
      expect(r.out).to.include('s3.endpoint = http://127.0.0.1:9000').and.include('s3.forcePathStyle = true');
      const off = await cli(['config', 's3', '--endpoint-url', 'http://x', '-o', 'forcePathStyle=false'], {
        env: { HOME: home },
      });
      expect(off.out).to.include('s3.forcePathStyle = false    (flag: -o forcePathStyle)');
    });
    it('--anon and --profile go to the protocols that take them; -o parses JSON, numbers, booleans', async () => {
      const argv = [
        'config',
        's3',
        'gs',
        '--anon',
        '--profile',
        'dev',
        '-o',
        's3.writeParams={"StorageClass":"STANDARD_IA"}',
      ];
      const r = await cli([...argv, '-o', 'gs.concurrency=8'], { env: { HOME: home } });
      expect(r.code, r.err).to.equal(0);
      expect(r.out).to.include('s3.anon = true    (flag: --anon)').and.include('s3.profile = dev    (flag: --profile)');
      expect(r.out).to.include('gs.anon = true    (flag: --anon)').and.not.include('gs.profile');
      // writeParams may hold an SSE-C key: shown by its field names only.
      expect(r.out).to.include('s3.writeParams = {"StorageClass":"***"}').and.include('gs.concurrency = 8');
      expect((await cli(['config', 'gs', '--profile', 'dev'], { env: { HOME: home } })).code).to.equal(2);
    });
    it('OMNIFS_CONFIG names the file; a missing or malformed one is a usage error', async () => {
      const file = join(home, 'omnifs.json');
      writeFileSync(file, '{"az": {"accountName": "acct"}}');
      expect((await cli(['config', 'az'], { env: { OMNIFS_CONFIG: file } })).out).to.include(
        `az.accountName = acct    (config: ${file})`,
      );
      expect((await cli(['config'], { env: { OMNIFS_CONFIG: join(home, 'nope.json') } })).code).to.equal(2);
      writeFileSync(file, '{"az": 3}');
      const bad = await cli(['ls', 'memory:///'], { env: { OMNIFS_CONFIG: file } });
      expect(bad.code).to.equal(2);
      expect(bad.err).to.include('must map protocols to option objects');
    });
  });
});
