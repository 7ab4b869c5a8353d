/**
 * First contact, the way an app meets it: the packed packages installed outside the
 * workspace, run in a child process whose environment holds only what each case sets,
 * against the harness's servers. Region and credential defaults, option mistakes, the
 * typed registry, and a client built by the app's own copy of the SDK.
 */
import {
  AccountSASPermissions,
  generateAccountSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freshName, useServer } from '../servers/index';
import { type App, makeApp } from './app';

const run = promisify(execFile);
const REPO_ROOT = join(__dirname, '..', '..');
/** A version of the S3 SDK other than the one @omnifs/s3 depends on, as an app may have. */
const OTHER_S3_SDK = '3.1169.0';

/** Writes a file, reads it back and prints the region the client used, as JSON (endpoint `-`: none given). */
const S3_ROUNDTRIP = `import { filesystem } from '@omnifs/core';
const [endpoint, bucket, keys, pathStyle] = process.argv.slice(2);
const options = endpoint === '-' ? {} : { endpoint };
if (pathStyle !== 'default') options.forcePathStyle = pathStyle !== 'virtual';
if (keys === 'keys') options.credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
try {
  const fs = filesystem('s3', options);
  await fs.makedirs(bucket, { existOk: true });
  await fs.writeText(bucket + '/a.txt', 'hello');
  console.log(JSON.stringify({ region: await fs.client.config.region(), text: await fs.readText(bucket + '/a.txt') }));
} catch (err) {
  console.log(JSON.stringify({ error: err.message, code: err.code }));
}
`;

/** Prints the kind, code and message of the error a call gives (or "no error"). */
const MISTAKES = `import { filesystem, urlToFs } from '@omnifs/core';
const cases = {
  typo: () => filesystem('s3', { endpont: 'http://127.0.0.1:1' }),
  type: () => filesystem('s3', { partSize: '8MiB' }),
  env: () => filesystem('s3', {}),
  method: () => filesystem('memory').open('/x', 'wb', { compression: 'gzip' }),
  keyed: () => urlToFs('s3://b/k', { gs: { projectId: 'p' } }),
  userinfo: () => urlToFs('s3://user:hunter2@b/k'),
  fsspec: () => filesystem('s3', { key: 'AKIAEXAMPLE', secret: 'hunter2' }),
  gcsfsToken: () => filesystem('gs', { token: 'anon' }),
};
const name = process.argv[2];
try {
  await cases[name]();
  console.log('no error');
} catch (err) {
  console.log(JSON.stringify({ kind: err.kind, code: err.code, message: err.message }));
}
`;

/** Compiled, not run: each `@ts-expect-error` line must be an error, the rest must compile. */
const TYPES = `import { filesystem, type FileInfo, type FileSystem } from '@omnifs/core';
import { S3FileSystem } from '@omnifs/s3';
import type { GCSFileSystem } from '@omnifs/gcs';
import type { DirFileSystem } from '@omnifs/core';

const s3: S3FileSystem = filesystem('s3');
const withOptions: S3FileSystem = filesystem('s3', { region: 'eu-west-1', partSize: 8 * 1024 * 1024 });
const gs: GCSFileSystem = filesystem('gs', { projectId: 'p' });
const dir: DirFileSystem = filesystem('dir', { fs: s3, path: 'bucket/prefix' });
const thirdParty: FileSystem = filesystem('myproto', { anything: 1 });
const dynamic: FileSystem = filesystem(String(process.argv[2]), { whatever: true });
// @ts-expect-error a typo in an option name
filesystem('s3', { endpont: 'http://127.0.0.1:9000' });
// @ts-expect-error a wrong type
filesystem('s3', { partSize: '8MiB' });
// @ts-expect-error an option of another protocol
filesystem('gs', { forcePathStyle: true });
// @ts-expect-error s3 does not give a GCSFileSystem
const wrong: GCSFileSystem = filesystem('s3');
// @ts-expect-error a typo in an option of the timeout layer
filesystem('timeout', { fs: s3, timeot: 5 });
// @ts-expect-error writeText's encoding is a Node.js encoding name
void s3.writeText('b/k', 'x', { encoding: 'klingon' });
void withOptions; void gs; void dir; void thirdParty; void dynamic; void wrong;

async function listings(fs: FileSystem): Promise<void> {
  const infos: FileInfo[] = await fs.ls('b', { detail: true, signal: AbortSignal.timeout(1000) });
  const flag = process.argv.length > 3;
  const either: FileInfo[] | string[] = await fs.ls('b', { detail: flag });
  // @ts-expect-error a detail known only as a boolean may give FileInfo[]
  const names: string[] = await fs.ls('b', { detail: flag });
  const one: Buffer = await fs.cat('b/a.txt');
  const many: Record<string, Buffer> = await fs.cat('b/*.csv');
  // @ts-expect-error a glob gives a record of path to bytes
  const notOne: Buffer = await fs.cat('b/*.csv');
  // @ts-expect-error a path known only as a string may be a glob
  const unsure: Buffer = await fs.cat(String(process.argv[3]));
  const found: FileInfo[] = await fs.find('b', { detail: true, withDirs: true });
  const globbed: FileInfo[] | string[] = await fs.glob('b/*', { detail: flag });
  const sizes: number | Record<string, number> = await fs.du('b', { total: flag });
  const type: string | undefined = (await fs.info('b/a.txt')).contentType;
  // @ts-expect-error a content type is text
  const notType: number | undefined = (await fs.info('b/a.txt')).contentType;
  void type; void notType;
  void infos; void either; void names; void one; void many; void notOne; void unsure; void found; void globbed; void sizes;
}
void listings;
`;

/** Prints the blob service URL of the filesystem of a URL, then of one made from options given as JSON (or the error). */
const SERVICE_URL = `import { filesystem, urlToFs } from '@omnifs/core';
const [url, json] = process.argv.slice(2);
try {
  console.log(urlToFs(url).fs.service.url);
  console.log(filesystem('az', JSON.parse(json)).service.url);
} catch (err) {
  console.log(JSON.stringify({ kind: err.kind, code: err.code, message: err.message }));
}
`;

/** Writes a file, signs a URL for it and reads it there; prints what sign gave, or the error. */
const SIGN = `import { filesystem } from '@omnifs/core';
const fs = filesystem('gs');
const bucket = process.argv[2];
try {
  await fs.makedirs(bucket, { existOk: true });
  await fs.writeText(bucket + '/a.txt', 'hello');
  const url = new URL(await fs.sign(bucket + '/a.txt', { expiresIn: 600 }));
  const signer = url.searchParams.get('X-Goog-Credential').split('/')[0];
  console.log(JSON.stringify({ sign: fs.capabilities.sign, signer, text: await (await fetch(url)).text() }));
} catch (err) {
  console.log(JSON.stringify({ sign: fs.capabilities.sign, kind: err.kind }));
}
`;

/** Makes a bucket with options given as JSON and prints the project the client used, or the error. */
const PROJECT = `import { filesystem } from '@omnifs/core';
const [bucket, json] = process.argv.slice(2);
const fs = filesystem('gs', JSON.parse(json));
try {
  await fs.makedirs(bucket);
  console.log(JSON.stringify({ project: await fs.storage.authClient.getProjectId() }));
} catch (err) {
  console.log(JSON.stringify({ kind: err.kind, message: err.message }));
}
`;

/** Prints the text of a file named by a URL, the filesystem made at import time (or the error as JSON). */
const READ_URL = `import { urlToFs } from '@omnifs/core';
try {
  const { fs, path } = urlToFs(process.argv[2]);
  console.log(await fs.readText(path));
} catch (err) {
  console.log(JSON.stringify({ kind: err.kind, code: err.code, message: err.message }));
}
`;

/** exists() of a path (written first with \`write\`) through a filesystem made at import time, from options given as JSON. */
const EXISTS = `import { filesystem } from '@omnifs/core';
const [protocol, json, path, write] = process.argv.slice(2);
const fs = filesystem(protocol, JSON.parse(json));
try {
  if (write === 'write') {
    await fs.makedirs(path.split('/')[0], { existOk: true });
    await fs.writeText(path, 'x');
  }
  console.log(JSON.stringify({ exists: await fs.exists(path) }));
} catch (err) {
  console.log(JSON.stringify({ kind: err.kind, code: err.code, error: err.message }));
}
`;

/**
 * The filesystem made at import time from options given as JSON (none: the environment and
 * ~/.aws alone); prints a signed URL of a file (where the bucket is in it) and, unless told
 * `sign-only`, makes the bucket, writes, reads and lists the file; or the error; as JSON.
 */
const PROFILE_ROUNDTRIP = `import { filesystem } from '@omnifs/core';
const [bucket, json, mode] = process.argv.slice(2);
const fs = filesystem('s3', JSON.parse(json));
try {
  const signed = new URL(await fs.sign(bucket + '/a.txt'));
  const out = { signed: signed.host + signed.pathname };
  if (mode !== 'sign-only') {
    await fs.makedirs(bucket, { existOk: true });
    await fs.writeText(bucket + '/a.txt', 'hello');
    out.text = await fs.readText(bucket + '/a.txt');
    out.names = await fs.ls(bucket);
  }
  console.log(JSON.stringify(out));
} catch (err) {
  console.log(JSON.stringify({ error: err.message, kind: err.kind, code: err.code }));
}
`;

/** An S3Client from the app's own copy of the SDK, passed in. */
const OWN_CLIENT = `import { S3Client } from 'app-own-s3-sdk';
import { filesystem } from '@omnifs/core';
import { createRequire } from 'node:module';
const [endpoint, bucket] = process.argv.slice(2);
const client = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
const fs = filesystem('s3', { client });
await fs.makedirs(bucket, { existOk: true });
await fs.writeText(bucket + '/own.txt', 'own client');
const require = createRequire(import.meta.url);
const versions = [require('app-own-s3-sdk/package.json').version,
  createRequire(require.resolve('@omnifs/s3'))('@aws-sdk/client-s3/package.json').version];
console.log(JSON.stringify({ text: await fs.readText(bucket + '/own.txt'), same: fs.client === client, versions }));
`;

/** Writes and reads a file on a protocol made from options given as JSON (the rest from the environment). */
const ROUNDTRIP = `import { filesystem } from '@omnifs/core';
const [protocol, json, dir] = process.argv.slice(2);
try {
  const fs = filesystem(protocol, JSON.parse(json));
  if (fs.rootMarker === '') await fs.makedirs(dir, { existOk: true });
  await fs.writeText(dir + '/a.txt', 'hello');
  const info = await fs.info(dir + '/a.txt');
  console.log(JSON.stringify({ text: await fs.readText(dir + '/a.txt'), owner: info.owner ?? null }));
} catch (err) {
  console.log(JSON.stringify({ error: err.message, code: err.code }));
}
`;

/**
 * With the store named by the environment alone: makes a bucket (container), writes,
 * copies (an SDK call on GCS) and lists, then removes one file and the bucket; prints what
 * it read, or the error as JSON.
 */
const LIFECYCLE = `import { filesystem } from '@omnifs/core';
const [protocol, bucket, json] = process.argv.slice(2);
try {
  const fs = filesystem(protocol, JSON.parse(json ?? '{}'));
  await fs.makedirs(bucket, { existOk: true });
  await fs.writeText(bucket + '/a.txt', 'hello');
  await fs.cp(bucket + '/a.txt', bucket + '/b.txt');
  await fs.writeText(bucket + '/c.txt', 'gone soon');
  await fs.rm(bucket + '/c.txt');
  const names = await fs.ls(bucket);
  const text = await fs.readText(bucket + '/b.txt');
  await fs.rm(bucket, { recursive: true });
  console.log(JSON.stringify({ names, text, gone: !(await fs.exists(bucket)) }));
} catch (err) {
  console.log(JSON.stringify({ error: err.message, kind: err.kind, code: err.code }));
}
`;

describe('an app meets the defaults of gcs, azure and hdfs', function () {
  this.timeout(300_000);
  const gcs = useServer('gcs');
  const azure = useServer('azure');
  const hdfs = useServer('hdfs');
  let app: App;

  before(async () => {
    app = await makeApp({
      packages: ['@omnifs/core', '@omnifs/gcs', '@omnifs/azure', '@omnifs/hdfs'],
      files: {
        'roundtrip.mjs': ROUNDTRIP,
        'lifecycle.mjs': LIFECYCLE,
        'readurl.mjs': READ_URL,
        'service-url.mjs': SERVICE_URL,
        'sign.mjs': SIGN,
        'project.mjs': PROJECT,
      },
    });
  });
  after(() => app?.remove());

  const roundtrip = async (
    protocol: string,
    options: object,
    dir: string,
    env: Record<string, string>,
  ): Promise<unknown> => {
    const r = await app.run('roundtrip.mjs', { env, args: [protocol, JSON.stringify(options), dir] });
    expect(r.code, r.stderr).to.equal(0);
    return JSON.parse(r.stdout) as unknown;
  };

  it('gcs: takes the project from GOOGLE_CLOUD_PROJECT', async () => {
    const out = await roundtrip('gs', { apiEndpoint: gcs.info.apiEndpoint }, freshName('gcsdef'), {
      GOOGLE_CLOUD_PROJECT: gcs.info.projectId,
    });
    expect(out).to.deep.include({ text: 'hello' });
  });

  it('gcs: says how to give credentials when none are found', async () => {
    const bucket = freshName('nocreds');
    const r = await app.run('lifecycle.mjs', { args: ['gs', bucket, JSON.stringify({ projectId: 'some-project' })] });
    expect(r.code, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout)).to.deep.equal({
      error:
        `gs info "${bucket}": no Google Cloud credentials found: set GOOGLE_APPLICATION_CREDENTIALS to a key ` +
        'file, or run `gcloud auth application-default login`, or pass `credentials` (or `keyFilename`, or ' +
        '`token`); `anon: true` reads a public bucket unsigned',
      kind: 'PermissionDenied',
      code: 'EACCES',
    });
  });

  it('gcs: says which key file cannot be used and why, never quoting it', async () => {
    const bucket = freshName('badkey');
    const files = {
      'keys/not-json.json': 'hunter2 is not JSON\n',
      'keys/no-email.json': '{"type":"service_account","private_key":"hunter2"}',
      'keys/not-pem.json': JSON.stringify({
        type: 'service_account',
        client_email: 'sa@p.iam.gserviceaccount.com',
        private_key: '-----BEGIN PRIVATE KEY-----\nhunter2\n-----END PRIVATE KEY-----\n',
      }),
    };
    for (const [file, content] of Object.entries(files)) app.write(file, content);
    const failure = async (env: Record<string, string>, options: object = {}): Promise<unknown> => {
      const args = ['gs', bucket, JSON.stringify({ projectId: 'p', ...options })];
      const r = await app.run('lifecycle.mjs', { env, args });
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.not.include('hunter2');
      return JSON.parse(r.stdout) as unknown;
    };
    const denied = (what: string): unknown => ({
      error: `gs info "${bucket}": the Google Cloud credentials could not be used: ${what}`,
      kind: 'PermissionDenied',
      code: 'EACCES',
    });
    const key = (name: string): string => join(app.dir, 'keys', name);
    expect(await failure({ GOOGLE_APPLICATION_CREDENTIALS: key('not-json.json') })).to.deep.equal(
      denied(`key file ${key('not-json.json')} (GOOGLE_APPLICATION_CREDENTIALS) is not a JSON key file`),
    );
    expect(await failure({ GOOGLE_APPLICATION_CREDENTIALS: key('no-email.json') })).to.deep.equal(
      denied(`key file ${key('no-email.json')} (GOOGLE_APPLICATION_CREDENTIALS) has no client_email field`),
    );
    // OpenSSL's reason follows in parentheses.
    const notPem = (await failure({}, { keyFilename: key('not-pem.json') })) as { error: string };
    const { error } = denied(`key file ${key('not-pem.json')} has a private_key that is not a PEM private key (`) as {
      error: string;
    };
    expect(notPem).to.deep.include({ kind: 'PermissionDenied', code: 'EACCES' });
    expect(notPem.error.startsWith(error), notPem.error).to.equal(true);
    expect(await failure({}, { keyFilename: key('not-json.json') })).to.deep.equal(
      denied(`key file ${key('not-json.json')} is neither a JSON key file nor a PEM private key`),
    );
  });

  /** A service-account key of project `keyproj` with a fresh private key, written to keys/sa.json. */
  const writeKey = (email: string): Record<string, string> => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const key = {
      type: 'service_account',
      project_id: 'keyproj',
      client_email: email,
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    };
    app.write('keys/sa.json', JSON.stringify(key));
    return key;
  };

  it("gcs: takes the project from GOOGLE_CLOUD_PROJECT, else from the key's project_id, inline too", async () => {
    const key = writeKey('sa@keyproj.iam.gserviceaccount.com');
    const project = async (env: Record<string, string>, options: object = {}): Promise<unknown> => {
      const args = [freshName('project'), JSON.stringify(options)];
      const r = await app.run('project.mjs', { env: { STORAGE_EMULATOR_HOST: gcs.info.apiEndpoint, ...env }, args });
      expect(r.code, r.stderr).to.equal(0);
      return JSON.parse(r.stdout) as unknown;
    };
    const keyFile = { GOOGLE_APPLICATION_CREDENTIALS: join(app.dir, 'keys', 'sa.json') };
    expect(await project({ ...keyFile, GOOGLE_CLOUD_PROJECT: 'envproj' })).to.deep.equal({ project: 'envproj' });
    expect(await project(keyFile)).to.deep.equal({ project: 'keyproj' });
    expect(await project({}, { credentials: key })).to.deep.equal({ project: 'keyproj' });
    expect(await project({ GOOGLE_CLOUD_PROJECT: 'envproj' }, { credentials: key })).to.deep.equal({
      project: 'envproj',
    });
    expect(await project({}, { credentials: key, projectId: 'mine' })).to.deep.equal({ project: 'mine' });
  });

  it('gcs: signs URLs with the service-account key GOOGLE_APPLICATION_CREDENTIALS names', async () => {
    const email = 'signer@p.iam.gserviceaccount.com';
    writeKey(email);
    app.write(
      'keys/user.json',
      JSON.stringify({ type: 'authorized_user', client_id: 'c', client_secret: 's', refresh_token: 'r' }),
    );
    const sign = async (key: string): Promise<unknown> => {
      const env = {
        STORAGE_EMULATOR_HOST: gcs.info.apiEndpoint,
        GOOGLE_CLOUD_PROJECT: gcs.info.projectId,
        GOOGLE_APPLICATION_CREDENTIALS: join(app.dir, 'keys', key),
      };
      const r = await app.run('sign.mjs', { env, args: [freshName('adcsign')] });
      expect(r.code, r.stderr).to.equal(0);
      return JSON.parse(r.stdout) as unknown;
    };
    expect(await sign('sa.json')).to.deep.equal({ sign: true, signer: email, text: 'hello' });
    // gcloud's user credentials hold no private key.
    expect(await sign('user.json')).to.deep.equal({ sign: false, kind: 'Unsupported' });
  });

  const onEmulator = async (env: Record<string, string>, options: object = {}): Promise<unknown> => {
    const bucket = freshName('gcsemu');
    const args = ['gs', bucket, JSON.stringify(options)];
    const r = await app.run('lifecycle.mjs', { env: { GOOGLE_CLOUD_PROJECT: gcs.info.projectId, ...env }, args });
    expect(r.code, r.stderr).to.equal(0);
    return JSON.parse(r.stdout) as unknown;
  };

  describe('gcs: STORAGE_EMULATOR_HOST', () => {
    const done = { names: [] as string[], text: 'hello', gone: true };
    const hostPort = (): string => new URL(gcs.info.apiEndpoint).host;
    for (const [form, value] of [
      ['a URL', (): string => gcs.info.apiEndpoint],
      ['host:port (taken as http, as gcsfs does)', (): string => hostPort()],
      [
        'a URL ending in /storage/v1/ (what Google SDK users give)',
        (): string => `${gcs.info.apiEndpoint}/storage/v1/`,
      ],
    ] as const) {
      it(`names the emulator given as ${form}, for omnifs's requests and the SDK's`, async () => {
        const out = (await onEmulator({ STORAGE_EMULATOR_HOST: value() })) as typeof done;
        expect(out.names.map((n) => n.split('/')[1])).to.deep.equal(['a.txt', 'b.txt']);
        expect({ ...out, names: [] }).to.deep.equal(done);
      });
    }

    it('gives way to an apiEndpoint given as an option or as OMNIFS_GS_API_ENDPOINT', async () => {
      const dead = { STORAGE_EMULATOR_HOST: '127.0.0.1:1' };
      expect(await onEmulator(dead, { apiEndpoint: gcs.info.apiEndpoint })).to.include({ text: 'hello', gone: true });
      const env = { ...dead, OMNIFS_GS_API_ENDPOINT: gcs.info.apiEndpoint };
      expect(await onEmulator(env)).to.include({ text: 'hello', gone: true });
    });

    it('says a project is needed where one is (bucket creation, listing buckets) when none is set', async () => {
      const env = { STORAGE_EMULATOR_HOST: gcs.info.apiEndpoint };
      const bucket = freshName('noproject');
      const r = await app.run('lifecycle.mjs', { env, args: ['gs', bucket, '{}'] });
      expect(r.code, r.stderr).to.equal(0);
      expect(JSON.parse(r.stdout)).to.deep.equal({
        error: `gs makedirs "${bucket}": no Google Cloud project: give projectId (or set GOOGLE_CLOUD_PROJECT); listing buckets and creating one need it`,
        kind: 'InvalidArgument',
        code: 'EINVAL',
      });
    });

    it('is refused with an error naming it when it is not an address', async () => {
      for (const value of ['ftp://127.0.0.1:4443', 'http://127.0.0.1:4443/?x=1', 'http://[::1']) {
        expect(await onEmulator({ STORAGE_EMULATOR_HOST: value })).to.deep.equal({
          error: `STORAGE_EMULATOR_HOST must be host:port or a URL such as http://127.0.0.1:4443, got ${JSON.stringify(value)}`,
          kind: 'InvalidArgument',
          code: 'EINVAL',
        });
      }
    });
  });

  /** A connection string of Azurite's blob endpoint and an account SAS for everything: no AccountName. */
  const sasConnectionString = (): string => {
    const key = new StorageSharedKeyCredential(azure.info.accountName, azure.info.accountKey);
    const sas = generateAccountSASQueryParameters(
      {
        expiresOn: new Date(Date.now() + 3_600_000),
        permissions: AccountSASPermissions.parse('rwdlacup'),
        services: 'b',
        resourceTypes: 'sco',
      },
      key,
    ).toString();
    return `BlobEndpoint=${azure.info.blobEndpoint};SharedAccessSignature=${sas}`;
  };

  it('azure: takes the account, endpoint and key from AZURE_STORAGE_CONNECTION_STRING alone', async () => {
    const out = await roundtrip('az', {}, freshName('azdef'), {
      AZURE_STORAGE_CONNECTION_STRING: azure.info.connectionString,
    });
    expect(out).to.deep.include({ text: 'hello' });
  });

  it('azure: keeps AZURE_STORAGE_CONNECTION_STRING when the options or an abfs URL name its own account', async () => {
    const env = { AZURE_STORAGE_CONNECTION_STRING: azure.info.connectionString };
    const named = await roundtrip('az', { accountName: azure.info.accountName }, freshName('azsame'), env);
    expect(named).to.deep.include({ text: 'hello' });
    const container = freshName('azabfs');
    await roundtrip('az', {}, container, env);
    const url = `abfs://${container}@${azure.info.accountName}.dfs.core.windows.net/a.txt`;
    const r = await app.run('readurl.mjs', { env, args: [url] });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal('hello');
  });

  it('azure: keeps a connection string without AccountName (a SAS one, UseDevelopmentStorage) for its own account', async () => {
    const container = freshName('azsasabfs');
    await roundtrip('az', {}, container, { AZURE_STORAGE_CONNECTION_STRING: azure.info.connectionString });
    const env = { AZURE_STORAGE_CONNECTION_STRING: sasConnectionString() };
    const url = `abfs://${container}@${azure.info.accountName}.dfs.core.windows.net/a.txt`;
    const r = await app.run('readurl.mjs', { env, args: [url] });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal('hello');
    // Azurite's well-known string names devstoreaccount1 at 127.0.0.1:10000 without saying so.
    const dev = await app.run('service-url.mjs', {
      env: { AZURE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' },
      args: [
        'abfs://c@devstoreaccount1.dfs.core.windows.net/a.txt',
        JSON.stringify({ accountName: 'devstoreaccount1' }),
      ],
    });
    expect(dev.code, dev.stderr).to.equal(0);
    expect(dev.stdout.trim().split('\n')).to.deep.equal([
      'http://127.0.0.1:10000/devstoreaccount1',
      'http://127.0.0.1:10000/devstoreaccount1',
    ]);
  });

  it("azure: authorises with AZURE_STORAGE_CONNECTION_STRING's key or SAS at an accountUrl of its account", async () => {
    for (const cs of [azure.info.connectionString, sasConnectionString()]) {
      const env = { AZURE_STORAGE_CONNECTION_STRING: cs };
      expect(await roundtrip('az', { accountUrl: azure.info.blobEndpoint }, freshName('azurl'), env)).to.deep.include({
        text: 'hello',
      });
    }
  });

  it('azure: says a refused request carried no credential, and where one is given', async () => {
    const refusal = async (options: object): Promise<{ error: string; kind: string; code: string }> => {
      const args = ['az', freshName('azanon'), JSON.stringify({ accountUrl: azure.info.blobEndpoint, ...options })];
      const r = await app.run('lifecycle.mjs', { args });
      expect(r.code, r.stderr).to.equal(0);
      return JSON.parse(r.stdout) as { error: string; kind: string; code: string };
    };
    const none = await refusal({});
    expect(none).to.include({ kind: 'PermissionDenied', code: 'EACCES' });
    expect(none.error).to.match(/^az info "azanon-[0-9a-f]+": AuthorizationFailure: /);
    expect(none.error).to.match(
      / \(the request carried no credential: none was given; give connectionString, accountKey, sasToken or credential, or set AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_ACCOUNT_KEY or AZURE_STORAGE_SAS_TOKEN\)$/,
    );
    expect((await refusal({ anon: true })).error).to.match(/ \(the request carried no credential, as anon asks\)$/);
  });

  describe('azure: connection strings as Azure documents them', () => {
    const serviceUrls = async (cs: string, url: string, options: object = {}): Promise<string[]> => {
      const env = { AZURE_STORAGE_CONNECTION_STRING: cs };
      const r = await app.run('service-url.mjs', { env, args: [url, JSON.stringify(options)] });
      expect(r.code, r.stderr).to.equal(0);
      return r.stdout.trim().split('\n');
    };

    it('takes AccountName and AccountKey without DefaultEndpointsProtocol or EndpointSuffix, as Python does', async () => {
      const key = azure.info.accountKey;
      expect(
        await serviceUrls(`DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${key}`, 'az://c/a.txt'),
      ).to.deep.equal(['https://acct.blob.core.windows.net/', 'https://acct.blob.core.windows.net/']);
      expect(
        await serviceUrls(`AccountName=acct;AccountKey=${key};`, 'abfs://c@acct.dfs.core.chinacloudapi.cn/a.txt'),
      ).to.deep.equal(['https://acct.blob.core.chinacloudapi.cn/', 'https://acct.blob.core.windows.net/']);
      // With a BlobEndpoint, against Azurite.
      const cs = `AccountName=${azure.info.accountName};AccountKey=${key};BlobEndpoint=${azure.info.blobEndpoint}`;
      const r = await app.run('lifecycle.mjs', {
        env: { AZURE_STORAGE_CONNECTION_STRING: cs },
        args: ['az', freshName('azcs')],
      });
      expect(r.code, r.stderr).to.equal(0);
      expect(JSON.parse(r.stdout)).to.include({ text: 'hello', gone: true });
    });

    it('names AZURE_STORAGE_CONNECTION_STRING and the forms it takes when it is none of them', async () => {
      const [line] = await serviceUrls('AccountKey=hunter2-secret', 'az://c/a.txt');
      const err = JSON.parse(line!) as { kind: string; code: string; message: string };
      expect(err).to.deep.equal({
        kind: 'InvalidArgument',
        code: 'EINVAL',
        message:
          'AZURE_STORAGE_CONNECTION_STRING is not a valid Azure Storage connection string (AccountKey without AccountName): ' +
          'give AccountName=...;AccountKey=... (with BlobEndpoint=... for another endpoint), ' +
          'BlobEndpoint=...;SharedAccessSignature=..., or UseDevelopmentStorage=true',
      });
    });
  });

  it('azure: works with a SAS connection string alone (BlobEndpoint and SharedAccessSignature), rm included', async () => {
    const env = { AZURE_STORAGE_CONNECTION_STRING: sasConnectionString() };
    const r = await app.run('lifecycle.mjs', { env, args: ['az', freshName('azsas'), '{}'] });
    expect(r.code, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout) as { names: string[] };
    expect(out.names.map((n) => n.split('/')[1])).to.deep.equal(['a.txt', 'b.txt']);
    expect({ ...out, names: [] }).to.deep.equal({ names: [], text: 'hello', gone: true });
  });

  it('azure: takes the key from AZURE_STORAGE_ACCOUNT_KEY with the account from the URL', async () => {
    const env = { AZURE_STORAGE_ACCOUNT_KEY: azure.info.accountKey };
    expect(await roundtrip('az', { accountUrl: azure.info.blobEndpoint }, freshName('azkey'), env)).to.deep.include({
      text: 'hello',
    });
  });

  it("azure: takes the Azure CLI's AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY", async () => {
    const env = { AZURE_STORAGE_KEY: azure.info.accountKey };
    expect(await roundtrip('az', { accountUrl: azure.info.blobEndpoint }, freshName('azclikey'), env)).to.deep.include({
      text: 'hello',
    });
    const r = await app.run('service-url.mjs', {
      env: { AZURE_STORAGE_ACCOUNT: 'cliacct', AZURE_STORAGE_KEY: azure.info.accountKey },
      args: ['az://c/a.txt', '{}'],
    });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim().split('\n')).to.deep.equal([
      'https://cliacct.blob.core.windows.net/',
      'https://cliacct.blob.core.windows.net/',
    ]);
  });

  /** What readurl.mjs prints for a URL: the text, or the error's kind, code and message. */
  const read = async (url: string, env: Record<string, string> = {}): Promise<unknown> => {
    const r = await app.run('readurl.mjs', { env, args: [url] });
    expect(r.code, r.stderr).to.equal(0);
    return JSON.parse(r.stdout) as unknown;
  };

  it('hdfs: says when the namenode of an hdfs:// URL was assumed at the default port, and what to give', async () => {
    expect(await read('hdfs://namenode.invalid:8020/a.txt')).to.deep.equal({
      kind: 'Unexpected',
      code: 'ENOTFOUND',
      message:
        'hdfs cat "/a.txt": getaddrinfo ENOTFOUND namenode.invalid (no Hadoop configuration names the namenodes of ' +
        'hdfs://namenode.invalid:8020, so WebHDFS was sought at the default http://namenode.invalid:9870: ' +
        'set HADOOP_CONF_DIR, or give url)',
    });
    app.write('hadoop/core-site.xml', '<configuration></configuration>');
    const conf = join(app.dir, 'hadoop');
    expect(await read('hdfs://ns1.invalid/a.txt', { HADOOP_CONF_DIR: conf })).to.deep.equal({
      kind: 'Unexpected',
      code: 'ENOTFOUND',
      message:
        `hdfs cat "/a.txt": getaddrinfo ENOTFOUND ns1.invalid (the Hadoop configuration in ${conf} does not name ` +
        'hdfs://ns1.invalid, so WebHDFS was sought at the default http://ns1.invalid:9870: give url, or a ' +
        'configuration that names it)',
    });
  });

  it('hdfs: names HADOOP_CONF_DIR when the directory it names does not exist', async () => {
    const missing = join(app.dir, 'no-such-dir');
    expect(await read('hdfs:///a.txt', { HADOOP_CONF_DIR: missing })).to.deep.equal({
      kind: 'InvalidArgument',
      code: 'EINVAL',
      message: `the Hadoop configuration directory ${missing} (HADOOP_CONF_DIR) does not exist`,
    });
  });

  it('hdfs: refuses a Hadoop site file that is not well-formed XML, naming the file and where it breaks', async () => {
    // A typo in an end tag: Hadoop's clients refuse the file; read leniently, fs.defaultFS went missing.
    app.write(
      'broken/core-site.xml',
      [
        '<?xml version="1.0"?>',
        '<configuration>',
        '  <property>',
        '    <name>fs.defaultFS</name>',
        '    <value>hdfs://nn.invalid:8020</value>',
        '  </propery>',
        '  <property><name>fs.s3a.secret.key</name><value>sEcReT-in-site</value></property>',
        '</configuration>',
        '',
      ].join('\n'),
    );
    const conf = join(app.dir, 'broken');
    const typo = await read('hdfs:///a.txt', { HADOOP_CONF_DIR: conf });
    expect(typo).to.deep.equal({
      kind: 'InvalidArgument',
      code: 'EINVAL',
      message:
        `the Hadoop configuration file ${conf}/core-site.xml is not well-formed XML: line 6, column 3: ` +
        'expected the end tag </property> of the element <property> opened on line 3',
    });
    // A file cut short, found through HADOOP_HOME; no value of it is quoted.
    app.write(
      'home/hadoop/etc/hadoop/hdfs-site.xml',
      '<configuration>\n  <property>\n    <name>dfs.x</name>\n    <value>sEcReT',
    );
    const home = join(app.dir, 'home', 'hadoop');
    const cut = await read('hdfs://ns1/a.txt', { HADOOP_HOME: home });
    expect(cut).to.deep.equal({
      kind: 'InvalidArgument',
      code: 'EINVAL',
      message:
        `the Hadoop configuration file ${home}/etc/hadoop/hdfs-site.xml is not well-formed XML: line 4, column 18: ` +
        'the file ends before the end tag </value> of the element <value> opened on line 4',
    });
    expect(JSON.stringify([typo, cut])).to.not.include('sEcReT');
  });

  it('hdfs: acts as HADOOP_USER_NAME, else as the OS user', async () => {
    const dir = `/${freshName('hdfsdef')}`;
    const env = { HADOOP_USER_NAME: 'alice', OMNIFS_HDFS_URL: hdfs.info.namenodeUrl };
    expect(await roundtrip('hdfs', {}, `${dir}/a`, env)).to.deep.equal({ text: 'hello', owner: 'alice' });
    expect(await roundtrip('hdfs', {}, `${dir}/b`, { OMNIFS_HDFS_URL: hdfs.info.namenodeUrl })).to.deep.equal({
      text: 'hello',
      owner: userInfo().username,
    });
  });
});

describe('an app meets the defaults', function () {
  this.timeout(300_000);
  const s3 = useServer('s3');
  let app: App;

  before(async () => {
    app = await makeApp({
      packages: ['@omnifs/core', '@omnifs/s3', '@omnifs/gcs', '@omnifs/memory', '@omnifs/local', '@omnifs/cli'],
      // The app's own copy of the SDK, under another name so npm keeps it apart from the one @omnifs/s3 installs.
      dependencies: { 'app-own-s3-sdk': `npm:@aws-sdk/client-s3@${OTHER_S3_SDK}` },
      files: {
        'roundtrip.mjs': S3_ROUNDTRIP,
        'mistakes.mjs': MISTAKES,
        'own-client.mjs': OWN_CLIENT,
        's3-example.mjs': readFileSync(join(REPO_ROOT, 'examples', 's3.mjs'), 'utf8'),
        's3-content-type.mjs': readFileSync(join(REPO_ROOT, 'examples', 's3-content-type.mjs'), 'utf8'),
        'types.ts': TYPES,
        'exists.mjs': EXISTS,
        'profile-roundtrip.mjs': PROFILE_ROUNDTRIP,
      },
    });
  });
  after(() => app?.remove());

  const roundtrip = async (
    env: Record<string, string>,
    keys = true,
    endpoint = s3.info.endpoint,
    pathStyle: 'path' | 'virtual' | 'default' = 'path',
  ): Promise<Record<string, string>> => {
    const r = await app.run('roundtrip.mjs', {
      env,
      args: [endpoint, freshName('defaults'), keys ? 'keys' : 'none', pathStyle],
    });
    expect(r.code, r.stderr).to.equal(0);
    return JSON.parse(r.stdout) as Record<string, string>;
  };

  describe('s3 addressing with an endpoint of your own', () => {
    const onLocalhost = (): string => s3.info.endpoint.replace('127.0.0.1', 'localhost');
    const env = { AWS_DEFAULT_REGION: 'eu-west-1' };

    it('addresses buckets by path at http://localhost:PORT without forcePathStyle, as s3fs does', async () => {
      expect(await roundtrip(env, true, onLocalhost(), 'default')).to.deep.equal({
        region: 'eu-west-1',
        text: 'hello',
      });
    });

    it('does so for an endpoint from AWS_ENDPOINT_URL too', async () => {
      const got = await roundtrip({ ...env, AWS_ENDPOINT_URL: onLocalhost() }, true, '-', 'default');
      expect(got).to.deep.equal({ region: 'eu-west-1', text: 'hello' });
    });

    it('addresses buckets as host names with forcePathStyle: false', async () => {
      const got = await roundtrip(env, true, onLocalhost(), 'virtual');
      expect(got.code).to.be.oneOf(['ENOTFOUND', 'EAI_AGAIN']); // EAI_AGAIN where no DNS answers
      expect(got.error).to.match(/defaults-[0-9a-f]+\.localhost/);
    });
  });

  describe('s3 endpoint configured outside the code', () => {
    const configured = (env: Record<string, string>): Promise<Record<string, string>> =>
      roundtrip({ AWS_DEFAULT_REGION: 'eu-west-1', ...env }, true, '-');

    it('is taken from AWS_ENDPOINT_URL_S3, else from AWS_ENDPOINT_URL', async () => {
      const done = { region: 'eu-west-1', text: 'hello' };
      expect(await configured({ AWS_ENDPOINT_URL_S3: s3.info.endpoint })).to.deep.equal(done);
      expect(await configured({ AWS_ENDPOINT_URL: s3.info.endpoint })).to.deep.equal(done);
      const both = { AWS_ENDPOINT_URL_S3: s3.info.endpoint, AWS_ENDPOINT_URL: 'http://127.0.0.1:1' };
      expect(await configured(both)).to.deep.equal(done);
    });

    it("is taken from the profile's endpoint_url", async () => {
      app.write('home/.aws/config', `[default]\nendpoint_url = ${s3.info.endpoint}\n`);
      try {
        expect(await configured({})).to.deep.equal({ region: 'eu-west-1', text: 'hello' });
      } finally {
        app.write('home/.aws/config', '');
      }
    });

    describe("at the profile's endpoint_url, with only PATH and HOME set", () => {
      const KEYS = 'aws_access_key_id = testing\naws_secret_access_key = testing\n';
      const local = (): string => s3.info.endpoint.replace('127.0.0.1', 'localhost');
      /** Runs the app with these ~/.aws files (and AWS_* variables), then empties them. */
      const withProfile = async (
        config: string,
        options: object = {},
        env: Record<string, string> = {},
        mode = 'roundtrip',
      ): Promise<Record<string, unknown>> => {
        app.write('home/.aws/config', config);
        app.write('home/.aws/credentials', `[default]\n${KEYS}\n[team]\n${KEYS}`);
        try {
          const bucket = freshName('profile');
          const r = await app.run('profile-roundtrip.mjs', { env, args: [bucket, JSON.stringify(options), mode] });
          expect(r.code, r.stderr).to.equal(0);
          const out = JSON.parse(r.stdout) as Record<string, unknown>;
          if (out.names !== undefined) expect(out.names).to.deep.equal([`${bucket}/a.txt`]);
          return { ...out, names: undefined, bucket };
        } finally {
          app.write('home/.aws/config', '');
          app.write('home/.aws/credentials', '');
        }
      };
      const byPath = (out: Record<string, unknown>): void => {
        expect(out, JSON.stringify(out)).to.include({ text: 'hello' });
        expect(out.signed).to.equal(`${new URL(local()).host}/${out.bucket as string}/a.txt`);
      };
      const byHostName = (out: Record<string, unknown>): void => {
        expect(out.code, JSON.stringify(out)).to.be.oneOf(['ENOTFOUND', 'EAI_AGAIN']); // EAI_AGAIN where no DNS answers
        expect(out.error).to.include(`${out.bucket as string}.localhost`);
      };

      it('addresses buckets by path, as at AWS_ENDPOINT_URL (both request paths)', async () => {
        for (const leanRequests of [true, false]) {
          byPath(await withProfile(`[default]\nendpoint_url = ${local()}\n`, { leanRequests }));
        }
      });

      it("does so for an endpoint_url of the profile's services section", async () => {
        byPath(
          await withProfile(`[default]\nservices = local\n\n[services local]\ns3 =\n  endpoint_url = ${local()}\n`),
        );
      });

      it('does so for the config file named by AWS_CONFIG_FILE', async () => {
        app.write('elsewhere/config', `[default]\nendpoint_url = ${local()}\n`);
        byPath(await withProfile('', {}, { AWS_CONFIG_FILE: join(app.dir, 'elsewhere', 'config') }));
      });

      it("follows the s3 section's addressing_style (path, virtual, auto); forcePathStyle wins", async () => {
        const styled = (style: string): string =>
          `[default]\nendpoint_url = ${local()}\ns3 =\n  addressing_style = ${style}\n`;
        byHostName(await withProfile(styled('virtual')));
        byPath(await withProfile(styled('auto')));
        byPath(await withProfile(styled('path')));
        byPath(await withProfile(styled('virtual'), { forcePathStyle: true }));
        byHostName(await withProfile(styled('path'), { forcePathStyle: false }));
        // AWS itself: virtual-hosted unless the profile says path (seen in a signed URL, nothing sent).
        const onAws = async (config: string): Promise<unknown> => {
          const out = await withProfile(`[default]\nregion = eu-west-1\n${config}`, {}, {}, 'sign-only');
          return (out.error as string | undefined) ?? (out.signed as string).replace(out.bucket as string, 'B');
        };
        expect(await onAws('s3 =\n  addressing_style = path\n')).to.equal('s3.eu-west-1.amazonaws.com/B/a.txt');
        expect(await onAws('')).to.equal('B.s3.eu-west-1.amazonaws.com/a.txt');
      });

      it('takes addressing_style from the profile chosen by the profile option, else AWS_PROFILE', async () => {
        const config =
          `[default]\nendpoint_url = ${local()}\ns3 =\n  addressing_style = virtual\n\n` +
          `[profile team]\nendpoint_url = ${local()}\ns3 =\n  addressing_style = path\n`;
        byHostName(await withProfile(config));
        byPath(await withProfile(config, { profile: 'team' }));
        byPath(await withProfile(config, {}, { AWS_PROFILE: 'team' }));
      });

      it('says an addressing_style other than path, virtual or auto is wrong: InvalidArgument', async () => {
        const out = await withProfile(`[default]\nendpoint_url = ${local()}\ns3 =\n  addressing_style = Path\n`);
        expect(out).to.deep.include({
          kind: 'InvalidArgument',
          code: 'EINVAL',
          error:
            `s3 sign "${out.bucket as string}/a.txt": addressing_style in the s3 section of the profile ` +
            '"default" (~/.aws/config) must be path, virtual or auto, got "Path"',
        });
      });
    });

    it('is not taken when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true: requests go to AWS', async () => {
      const got = await configured({
        AWS_ENDPOINT_URL_S3: s3.info.endpoint,
        AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true',
      });
      expect(got).to.not.have.property('text');
      expect(got.error).to.be.a('string');
    });
  });

  describe('s3 region', () => {
    it('falls back to AWS_DEFAULT_REGION when AWS_REGION is not set', async () => {
      expect(await roundtrip({ AWS_DEFAULT_REGION: 'eu-west-1' })).to.deep.equal({
        region: 'eu-west-1',
        text: 'hello',
      });
    });

    it('is us-east-1 when the environment names none', async () => {
      expect(await roundtrip({})).to.deep.equal({ region: 'us-east-1', text: 'hello' });
    });

    it('prefers AWS_REGION to AWS_DEFAULT_REGION', async () => {
      expect(await roundtrip({ AWS_REGION: 'ap-south-1', AWS_DEFAULT_REGION: 'eu-west-1' })).to.deep.equal({
        region: 'ap-south-1',
        text: 'hello',
      });
    });

    it('takes region and keys from the profile files in HOME (AWS_PROFILE chooses the profile)', async () => {
      app.write('home/.aws/config', '[default]\nregion = eu-central-1\n\n[profile team]\nregion = sa-east-1\n');
      app.write(
        'home/.aws/credentials',
        '[default]\naws_access_key_id = testing\naws_secret_access_key = testing\n\n' +
          '[team]\naws_access_key_id = testing\naws_secret_access_key = testing\n',
      );
      try {
        expect(await roundtrip({}, false)).to.deep.equal({ region: 'eu-central-1', text: 'hello' });
        expect(await roundtrip({ AWS_PROFILE: 'team', AWS_DEFAULT_REGION: 'eu-west-1' }, false)).to.deep.equal({
          region: 'sa-east-1',
          text: 'hello',
        });
      } finally {
        app.write('home/.aws/config', '');
        app.write('home/.aws/credentials', '');
      }
    });

    it("takes the endpoint_url of the profile named by the profile option, as of AWS_PROFILE's", async () => {
      app.write('home/.aws/config', `[profile research]\nregion = eu-west-1\nendpoint_url = ${s3.info.endpoint}\n`);
      app.write('home/.aws/credentials', '[research]\naws_access_key_id = testing\naws_secret_access_key = testing\n');
      try {
        const path = `${freshName('profile')}/a.txt`;
        for (const leanRequests of [true, false]) {
          const r = await app.run('exists.mjs', {
            args: ['s3', JSON.stringify({ profile: 'research', forcePathStyle: true, leanRequests }), path, 'write'],
          });
          expect(r.code, r.stderr).to.equal(0);
          expect(JSON.parse(r.stdout), `leanRequests: ${leanRequests}`).to.deep.equal({ exists: true });
        }
      } finally {
        app.write('home/.aws/config', '');
        app.write('home/.aws/credentials', '');
      }
    });

    it('says how to give credentials when the chain finds none: PermissionDenied, not EIO', async () => {
      const got = await roundtrip({ AWS_DEFAULT_REGION: 'eu-west-1' }, false);
      expect(got.code, got.error).to.equal('EACCES');
      expect(got.error).to.match(/no AWS credentials found/);
      expect(got.error).to.match(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
      expect(got.error).to.match(/`anon: true`/);
      const named = await roundtrip({ AWS_DEFAULT_REGION: 'eu-west-1', AWS_PROFILE: 'nonexistent' }, false);
      expect(named.code, named.error).to.equal('EACCES');
      expect(named.error).to.include('no AWS credentials found for the profile "nonexistent"');
    });

    it('says a credentials file that cannot be read is PermissionDenied, never that the object is missing', async () => {
      const exists = async (protocol: string, options: object, env: Record<string, string>): Promise<unknown> => {
        const r = await app.run('exists.mjs', { env, args: [protocol, JSON.stringify(options), 'bucket/key'] });
        expect(r.code, r.stderr).to.equal(0);
        return JSON.parse(r.stdout) as unknown;
      };
      const s3Got = await exists(
        's3',
        { endpoint: s3.info.endpoint, forcePathStyle: true },
        { AWS_WEB_IDENTITY_TOKEN_FILE: '/nonexistent/token', AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/r' },
      );
      expect(s3Got).to.deep.include({ kind: 'PermissionDenied', code: 'EACCES' });
      expect((s3Got as { error: string }).error)
        .to.include('the AWS credentials could not be read')
        .and.include('/nonexistent/token');
      const gsGot = await exists('gs', { projectId: 'p' }, { GOOGLE_APPLICATION_CREDENTIALS: '/nonexistent/sa.json' });
      expect(gsGot).to.deep.include({ kind: 'PermissionDenied', code: 'EACCES' });
      expect((gsGot as { error: string }).error).to.include('the Google Cloud credentials could not be read');
      // The key file named by the option: Node's own error about it, not the object's absence.
      for (const keyFilename of ['/nonexistent/sa.json', '/tmp']) {
        const got = await exists('gs', { projectId: 'p', keyFilename }, {});
        expect(got, keyFilename).to.deep.include({ kind: 'PermissionDenied', code: 'EACCES' });
        expect((got as { error: string }).error)
          .to.include('the Google Cloud credentials could not be read')
          .and.include(keyFilename);
      }
    });

    it('runs the README S3 example with only AWS_DEFAULT_REGION, keys and the endpoint set', async () => {
      const bucket = freshName('readme');
      const r = await app.run('s3-example.mjs', {
        args: [bucket],
        env: {
          AWS_DEFAULT_REGION: 'eu-west-1',
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
          OMNIFS_S3_ENDPOINT: s3.info.endpoint,
          OMNIFS_S3_FORCE_PATH_STYLE: 'true',
        },
      });
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.equal(`[ '${bucket}/exp/run-1/notes.txt' ]\nloss=0.31\n\n`);
    });

    it('runs the content-type example of docs/protocols/s3.md: a name gives its type, writeParams one for all', async () => {
      const r = await app.run('s3-content-type.mjs', {
        args: [freshName('types')],
        env: { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_ENDPOINT_URL: s3.info.endpoint },
      });
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.equal('text/html\napplication/octet-stream\ntext/plain\n');
    });

    it('lets `omnifs ls s3://...` work with only AWS_DEFAULT_REGION, keys and the endpoint set', async () => {
      const bucket = freshName('cli');
      const env = {
        AWS_DEFAULT_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        OMNIFS_S3_ENDPOINT: s3.info.endpoint,
        OMNIFS_S3_FORCE_PATH_STYLE: 'true',
      };
      expect((await app.run('s3-example.mjs', { args: [bucket], env })).code).to.equal(0);
      const r = await app.runBin('omnifs', { args: ['ls', `s3://${bucket}/exp/run-1`], env });
      expect(r.stderr).to.not.include('Region is missing');
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.include('notes.txt');
    });
  });

  describe('option mistakes', () => {
    const mistake = async (
      name: string,
      env: Record<string, string> = {},
    ): Promise<{ kind: string; code: string; message: string }> => {
      const r = await app.run('mistakes.mjs', { args: [name], env });
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.not.equal('no error\n');
      return JSON.parse(r.stdout) as { kind: string; code: string; message: string };
    };

    it('names the nearest valid option for a typo', async () => {
      expect(await mistake('typo')).to.deep.equal({
        kind: 'InvalidArgument',
        code: 'EINVAL',
        message: "unknown option 'endpont' for s3; did you mean 'endpoint'?",
      });
    });

    it('names the expected type for a wrong one', async () => {
      expect((await mistake('type')).message).to.equal('option \'partSize\' of s3 must be an integer, got "8MiB"');
    });

    it('names the variable an unknown option came from', async () => {
      const e = await mistake('env', { OMNIFS_S3_ENDPIONT: 'http://127.0.0.1:1' });
      expect(e.message).to.equal(
        "unknown option 'endpiont' for s3; did you mean 'endpoint'? (from OMNIFS_S3_ENDPIONT)",
      );
    });

    it("names omnifs's option for fsspec's name of it, without showing the secret", async () => {
      const e = await mistake('fsspec');
      expect(e).to.deep.equal({
        kind: 'InvalidArgument',
        code: 'EINVAL',
        message: "unknown option 'key' for s3; fsspec's 'key' is given as 'accessKeyId' here",
      });
      expect((await mistake('gcsfsToken')).message).to.equal(
        "option 'token' of gs must be an access token, not gcsfs's keyword or key file (give anon: true), got string",
      );
    });

    it('refuses an option a method does not take', async () => {
      const e = await mistake('method');
      expect(e.kind).to.equal('InvalidArgument');
      expect(e.message).to.include("open does not take option 'compression'");
    });

    it('refuses options keyed by a protocol the URL does not have', async () => {
      expect((await mistake('keyed')).message).to.include("options for 'gs' were given, but the URL has no gs layer");
    });

    it('refuses user-info in an s3 URL without showing the secret', async () => {
      const e = await mistake('userinfo');
      expect(e.kind).to.equal('InvalidArgument');
      expect(e.message).to.include('s3://***@b/k').and.not.include('hunter2');
    });
  });

  it('types filesystem() by protocol: typos and wrong types do not compile, s3 gives S3FileSystem', async () => {
    app.write(
      'tsconfig.json',
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(REPO_ROOT, 'node_modules', '@types')],
        },
        files: ['types.ts'],
      }),
    );
    const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app.dir }).then(
      () => ({ code: 0, out: '' }),
      (err: { code: number; stdout: string }) => ({ code: err.code, out: err.stdout }),
    );
    // tsc reports an unused `@ts-expect-error` as an error: a clean run proves each marked line fails.
    expect(result.out).to.equal('');
    expect(result.code).to.equal(0);
  });

  it("accepts an S3Client from the app's own, other version of the SDK", async () => {
    const r = await app.run('own-client.mjs', { args: [s3.info.endpoint, freshName('own')] });
    expect(r.code, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout) as { text: string; same: boolean; versions: string[] };
    expect(out.versions[0]).to.equal(OTHER_S3_SDK);
    expect(out.versions[1]).to.not.equal(OTHER_S3_SDK);
    expect(out).to.deep.include({ text: 'own client', same: true });
  });
});
