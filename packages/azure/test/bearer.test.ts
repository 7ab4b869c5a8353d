/**
 * Microsoft Entra ID tokens on the lean path, as an app meets them: a child process with
 * its own environment (the test CA in NODE_EXTRA_CA_CERTS) against Azurite over HTTPS with
 * OAuth (it checks a token's audience, issuer and lifetime, not its signature), each path
 * with the same TokenCredential.
 */
import { expect } from 'chai';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startAzurite } from '../../../test/servers/azurite';
import type { AzureInfo, StartedServer } from '../../../test/servers/types';
import { REPO_ROOT } from '../../../test/servers/util';

const run = promisify(execFile);

/** The tenant the challenging front wants tokens for. */
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

/** The app: the same work on the lean path and through the SDK, with a credential that counts its tokens. */
const APP = `
const { filesystem } = require('@omnifs/core');
require('@omnifs/azure');
const { subscribe } = require('node:diagnostics_channel');
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const issuer = process.env.TOKEN_ISSUER;
const life = Number(process.env.TOKEN_LIFE_MS);
let asked = 0;
let refused = 0;
let failing = false;
const tenants = [];
const credential = {
  async getToken(scopes, options) {
    asked++;
    if (failing) {
      refused++;
      throw new Error('the identity service is down');
    }
    tenants.push(options?.tenantId ?? 'home');
    const now = Math.floor(Date.now() / 1000);
    const claims = { aud: 'https://storage.azure.com', iss: issuer, tid: options?.tenantId ?? 'home', iat: now - 60, nbf: now - 60, exp: now + 3600 };
    return { token: b64({ alg: 'none', typ: 'JWT' }) + '.' + b64(claims) + '.', expiresOnTimestamp: Date.now() + life };
  },
};
const ops = [];
subscribe('omnifs:azure:lean-request', (m) => ops.push(m.operation));
(async () => {
  const out = {};
  for (const lean of (process.env.PATHS ?? 'lean,sdk').split(',').map((p) => p === 'lean')) {
    asked = 0;
    tenants.length = 0;
    ops.length = 0;
    const fs = filesystem('az', { accountUrl: process.env.AZ_URL, credential, leanRequests: lean, skipInstanceCache: true });
    const c = 'bearer-' + lean + '-' + process.pid;
    try {
      await fs.makedirs(c);
      await fs.pipe({ [c + '/a.txt']: 'A', [c + '/d/b.txt']: 'B' });
      failing = process.env.FAIL_AFTER_WRITES === '1';
      const text = await fs.readText(c + '/d/b.txt');
      const found = (await fs.find(c)).map((p) => p.slice(c.length + 1));
      await fs.rm(c + '/d', { recursive: true });
      const left = (await fs.find(c)).map((p) => p.slice(c.length + 1));
      out[lean ? 'lean' : 'sdk'] = { text, found, left, ops: [...new Set(ops)].sort(), asked, refused, tenants: [...new Set(tenants)] };
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
  /** An HTTPS front of Azurite that challenges every token not issued for TENANT, as Azure does for a foreign tenant. */
  let front: Server | undefined;

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'omnifs-az-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' }); // prettier-ignore
    server = await startAzurite({ tls: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') } });
    writeFileSync(join(dir, 'app.cjs'), APP);
    const tls = { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) };
    const upstream = new URL(server.info.blobEndpoint);
    front = createServer(tls, (req, res) => {
      const token = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
      const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString() || '{}') as {
        tid?: string;
      };
      if (claims.tid !== TENANT) {
        req.resume();
        res.writeHead(401, {
          'www-authenticate': `Bearer authorization_uri=https://login.microsoftonline.com/${TENANT}/oauth2/authorize resource_id=https://storage.azure.com`,
          'x-ms-error-code': 'InvalidAuthenticationInfo',
          'content-length': '0',
        });
        res.end();
        return;
      }
      const up = request(
        {
          host: '127.0.0.1',
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
          ca: tls.cert,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(up);
    });
    await new Promise<void>((resolve) => front!.listen(0, '127.0.0.1', resolve));
  });
  after(async function () {
    front?.close();
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

  it('keeps using a token that has not expired when asking for a new one fails', async function () {
    // Tokens live one minute (renewed from the start), and the credential fails once the
    // files are written. (Through the SDK the process dies of an unhandled rejection here:
    // its bearer policy renews in the background and rethrows the failure to no one.)
    const { lean } = await app({ TOKEN_LIFE_MS: '60000', FAIL_AFTER_WRITES: '1', PATHS: 'lean' });
    expect(lean, JSON.stringify(lean)).to.include({ text: 'B' });
    expect(lean!.left).to.deep.equal(['a.txt']);
    // Asked again once, not on every request: the next try waits 3 s.
    expect(lean!.refused).to.equal(1);
  });

  it("follows a 401's challenge to the tenant it names, once, as the SDK does", async function () {
    const port = (front!.address() as AddressInfo).port;
    const { lean, sdk } = await app({ AZ_URL: `https://127.0.0.1:${port}/devstoreaccount1` });
    for (const got of [lean!, sdk!]) {
      expect(got, JSON.stringify(got)).to.include({ text: 'B' });
      expect(got.left).to.deep.equal(['a.txt']);
      expect(got.tenants).to.deep.equal(['home', TENANT]);
    }
    expect(lean!.ops).to.include.members(['Put Blob', 'Get Blob', 'List Blobs', 'Blob Batch']);
  });

  it('fails a token the service refuses as the SDK does, with PermissionDenied', async function () {
    const { lean, sdk } = await app({ TOKEN_ISSUER: 'https://issuer.example/' });
    expect(lean!.error).to.deep.equal(sdk!.error);
    expect((lean!.error as { kind: string }).kind).to.equal('PermissionDenied');
  });
});
