/** The omnifs command as a user installs it: packed @omnifs/cli and protocol packages in apps outside the workspace. */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { useServer } from '../servers/index';
import { type App, makeApp } from './app';

const execFileP = promisify(execFile);

describe('the omnifs command installed in an app', function () {
  this.timeout(180_000);
  const s3 = useServer('s3');
  let app: App;

  before(async () => {
    app = await makeApp({ packages: ['@omnifs/cli', '@omnifs/s3'] });
  });
  after(() => app?.remove());

  it('npx omnifs --version works right after npm install', async () => {
    const { version } = require('../../packages/cli/package.json') as { version: string };
    const { stdout, stderr } = await execFileP('npx', ['--no-install', 'omnifs', '--version'], {
      cwd: app.dir,
      env: { PATH: process.env.PATH, HOME: app.home, TMPDIR: `${app.dir}/tmp`, npm_config_update_notifier: 'false' },
    });
    expect(stdout).to.equal(`omnifs ${version}\n`);
    expect(stderr).to.equal('');
  });

  it('reads the endpoint from ~/.config/omnifs/config.json, and prints no SDK notice', async () => {
    app.write(
      'home/.config/omnifs/config.json',
      JSON.stringify({ s3: { endpoint: s3.info.endpoint, forcePathStyle: true } }),
    );
    const env = {
      AWS_ACCESS_KEY_ID: s3.info.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.info.credentials.secretAccessKey,
      AWS_REGION: s3.info.region,
    };
    const bucket = `cli-app-${Date.now()}`;
    expect((await app.runBin('omnifs', { args: ['mkdir', `s3://${bucket}`], env })).code).to.equal(0);
    const put = await app.runBin('omnifs', { args: ['cp', '-', `s3://${bucket}/hello.txt`], env, stdin: 'hello' });
    expect(put.code, put.stderr).to.equal(0);
    const ls = await app.runBin('omnifs', { args: ['ls', `s3://${bucket}`], env });
    expect(ls).to.include({ code: 0, stdout: `s3://${bucket}/hello.txt\n`, stderr: '' });
    const config = await app.runBin('omnifs', { args: ['config', 's3'], env });
    expect(config.stdout).to.include(
      `s3.endpoint = ${s3.info.endpoint}    (config: ${app.home}/.config/omnifs/config.json)`,
    );
  });

  it('names the package to install, globally or in a project, for a protocol that is missing', async () => {
    const r = await app.runBin('omnifs', { args: ['ls', 'gs://bucket/'] });
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include(
      'npm install -g @omnifs/gcs beside a global omnifs, npm install @omnifs/gcs in a project',
    );
  });
});

describe('omnifs config in an app with the gcs, azure and hdfs packages', function () {
  this.timeout(180_000);
  let app: App;

  before(async () => {
    app = await makeApp({ packages: ['@omnifs/cli', '@omnifs/gcs', '@omnifs/azure', '@omnifs/hdfs'] });
  });
  after(() => app?.remove());

  it("shows the variables each service reads and the cluster's fs.defaultFS, secrets as ***", async () => {
    app.write(
      'hadoop/core-site.xml',
      '<?xml version="1.0"?>\n<configuration>\n  <property>\n    <name>fs.defaultFS</name>\n' +
        '    <value>hdfs://nameservice1</value>\n  </property>\n</configuration>\n',
    );
    const conf = join(app.dir, 'hadoop');
    const env = {
      STORAGE_EMULATOR_HOST: 'http://127.0.0.1:4443',
      GOOGLE_CLOUD_PROJECT: 'my-project',
      GOOGLE_APPLICATION_CREDENTIALS: join(app.home, 'sa.json'),
      AZURE_STORAGE_CONNECTION_STRING:
        'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=c2VjcmV0LWtleQ==;EndpointSuffix=core.windows.net',
      AZURE_STORAGE_ACCOUNT_KEY: 'c2VjcmV0LWtleQ==',
      HADOOP_CONF_DIR: conf,
      HADOOP_USER_NAME: 'etl',
    };
    const r = await app.runBin('omnifs', { args: ['config'], env });
    expect(r).to.include({ code: 0, stderr: '' });
    expect(r.stdout).to.not.include('c2VjcmV0LWtleQ');
    expect(r.stdout.split('\n').slice(2)).to.deep.equal([
      'gs STORAGE_EMULATOR_HOST = http://127.0.0.1:4443    (env)',
      'gs GOOGLE_CLOUD_PROJECT = my-project    (env)',
      `gs GOOGLE_APPLICATION_CREDENTIALS = ${join(app.home, 'sa.json')}    (env)`,
      'az AZURE_STORAGE_CONNECTION_STRING = ' +
        'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=***;EndpointSuffix=core.windows.net    (env)',
      'az AZURE_STORAGE_ACCOUNT_KEY = ***    (env)',
      `hdfs HADOOP_CONF_DIR = ${conf}    (env)`,
      'hdfs HADOOP_USER_NAME = etl    (env)',
      `hdfs fs.defaultFS = hdfs://nameservice1    (file: ${conf}/core-site.xml)`,
      '',
    ]);
  });
});
