/**
 * Microsoft Entra ID tokens on the lean path, as an app meets them: a child process with
 * its own environment (the test CA in NODE_EXTRA_CA_CERTS) against Azurite over HTTPS with
 * OAuth (it checks a token's audience, issuer and lifetime, not its signature), each path
 * with the same TokenCredential.
 */
import { expect } from 'chai';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BearerTokens } from '../src/bearer';
import { startAzurite } from '../../../test/servers/azurite';
import type { AzureInfo, StartedServer } from '../../../test/servers/types';
import { REPO_ROOT } from '../../../test/servers/util';

const run = promisify(execFile);

/** The app: the same work on the lean path and through the SDK, with a credential that counts its tokens. */
const APP = `
const { filesystem } = require('@omnifs/core');
require('@omnifs/azure');
const { subscribe } = require('node:diagnostics_channel');
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const issuer = process.env.TOKEN_ISSUER;
const life = Number(process.env.TOKEN_LIFE_MS);
let asked = 0;
const credential = {
  async getToken() {
    asked++;
    const now = Math.floor(Date.now() / 1000);
    const claims = { aud: 'https://storage.azure.com', iss: issuer, iat: now - 60, nbf: now - 60, exp: now + 3600 };
    return { token: b64({ alg: 'none', typ: 'JWT' }) + '.' + b64(claims) + '.', expiresOnTimestamp: Date.now() + life };
  },
};
const ops = [];
subscribe('omnifs:azure:lean-request', (m) => ops.push(m.operation));
(async () => {
  const out = {};
  for (const lean of [true, false]) {
    asked = 0;
    ops.length = 0;
    const fs = filesystem('az', { accountUrl: process.env.AZ_URL, credential, leanRequests: lean, skipInstanceCache: true });
    const c = 'bearer-' + lean + '-' + process.pid;
    try {
      await fs.makedirs(c);
      await fs.pipe({ [c + '/a.txt']: 'A', [c + '/d/b.txt']: 'B' });
      const text = await fs.readText(c + '/d/b.txt');
      const found = (await fs.find(c)).map((p) => p.slice(c.length + 1));
      await fs.rm(c + '/d', { recursive: true });
      const left = (await fs.find(c)).map((p) => p.slice(c.length + 1));
      out[lean ? 'lean' : 'sdk'] = { text, found, left, ops: [...new Set(ops)].sort(), asked };
    } catch (e) {
      const message = e.message.replace(/ \\(request id [^)]*\\)/, '').replaceAll(c, 'C');
      out[lean ? 'lean' : 'sdk'] = { error: { kind: e.kind, message }, ops: [...new Set(ops)].sort() };
    }
    fs.destroy();
  }
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
`;

describe('azure: bearer tokens on the lean path', function () {
  this.timeout(120_000);
  let dir: string;
  let server: StartedServer<AzureInfo> | undefined;

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'omnifs-az-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' }); // prettier-ignore
    server = await startAzurite({ tls: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') } });
    writeFileSync(join(dir, 'app.cjs'), APP);
  });
  after(async function () {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the app with a controlled environment: no Azure variables, the test CA trusted. */
  async function app(env: Record<string, string>): Promise<Record<string, Record<string, unknown>>> {
    const { stdout } = await run(process.execPath, [join(dir, 'app.cjs')], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_PATH: join(REPO_ROOT, 'node_modules'),
        NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem'),
        AZ_URL: server!.info.blobEndpoint,
        TOKEN_ISSUER: 'https://sts.windows.net/00000000-0000-0000-0000-000000000001/',
        TOKEN_LIFE_MS: String(3_600_000),
        ...env,
      },
    });
    return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, Record<string, unknown>>;
  }

  it('reads, writes, lists and deletes with a token credential, keeping each token it gets', async function () {
    const { lean, sdk } = await app({});
    for (const got of [lean!, sdk!]) {
      expect(got).to.include({ text: 'B' });
      expect(got.found).to.deep.equal(['a.txt', 'd/b.txt']);
      expect(got.left).to.deep.equal(['a.txt']);
    }
    // Each cache of tokens asks once: the SDK's pipeline (it made the container) and the
    // lean path's; through the SDK, its pipeline and its batch client's.
    expect(lean!.asked).to.equal(2);
    expect(sdk!.asked).to.equal(2);
    expect(lean!.ops).to.include.members(['Put Blob', 'Get Blob', 'List Blobs', 'Blob Batch']);
    expect(sdk!.ops).to.deep.equal([]);
  });

  it('asks for a new token when the one it has is about to expire', async function () {
    // Each token lives one minute: inside the two minutes before expiry where it is renewed.
    const { lean, sdk } = await app({ TOKEN_LIFE_MS: '60000' });
    expect(lean!.text).to.equal('B');
    expect(lean!.asked).to.be.greaterThan(3);
    expect(sdk!.asked).to.be.greaterThan(3);
  });

  it('fails a token the service refuses as the SDK does, with PermissionDenied', async function () {
    const { lean, sdk } = await app({ TOKEN_ISSUER: 'https://issuer.example/' });
    expect(lean!.error).to.deep.equal(sdk!.error);
    expect((lean!.error as { kind: string }).kind).to.equal('PermissionDenied');
  });

  describe('BearerTokens', function () {
    /** A credential giving numbered tokens valid for `lifeMs`, and what it was asked. */
    function counting(lifeMs: number, fail = false) {
      const asked: Array<{ scopes: string | string[]; tenantId?: string | undefined }> = [];
      return {
        asked,
        credential: {
          getToken: (scopes: string | string[], options?: { tenantId?: string }) => {
            asked.push({ scopes, tenantId: options?.tenantId });
            if (fail && asked.length > 1) return Promise.reject(new Error('identity service down'));
            return Promise.resolve({ token: `t${asked.length}`, expiresOnTimestamp: Date.now() + lifeMs });
          },
        },
      };
    }

    it('asks once for requests that wait together, and keeps the token while it is fresh', async function () {
      const { asked, credential } = counting(3_600_000);
      const tokens = new BearerTokens(credential, 'https://storage.azure.com/.default');
      expect(await Promise.all([tokens.header(), tokens.header(), tokens.header()])).to.deep.equal([
        'Bearer t1',
        'Bearer t1',
        'Bearer t1',
      ]);
      expect(await tokens.header()).to.equal('Bearer t1');
      expect(asked).to.have.length(1);
    });

    it('keeps a token that has not expired when asking again fails', async function () {
      const { asked, credential } = counting(60_000, true);
      const tokens = new BearerTokens(credential, 'https://storage.azure.com/.default');
      expect(await tokens.header()).to.equal('Bearer t1');
      expect(await tokens.header()).to.equal('Bearer t1');
      expect(asked).to.have.length(2);
    });

    it('follows a challenge to the tenant and audience it names, once', async function () {
      const { asked, credential } = counting(3_600_000);
      const tokens = new BearerTokens(credential, 'https://storage.azure.com/.default');
      await tokens.header();
      const header =
        'Bearer authorization_uri=https://login.microsoftonline.com/72f988bf-0000-0000-0000-2d7cd011db47/oauth2/authorize resource_id=https://storage.azure.com';
      expect(tokens.challenge(header)).to.equal(true);
      expect(await tokens.header()).to.equal('Bearer t2');
      expect(asked[1]).to.deep.equal({
        scopes: 'https://storage.azure.com/.default',
        tenantId: '72f988bf-0000-0000-0000-2d7cd011db47',
      });
      expect(tokens.challenge(header)).to.equal(false); // the same challenge again: nothing new to try
      expect(tokens.challenge('SharedKey realm="x"')).to.equal(false);
    });
  });
});
