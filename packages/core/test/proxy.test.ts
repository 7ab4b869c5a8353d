import { expect } from 'chai';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsError } from '@omnifs/core';
import { bypassesProxy, connectFailed, Http1Pool, proxyRoute, type Http1Options } from '@omnifs/core/backend';
import { startHttpProxy, type HttpProxy } from '../../../test/servers/http-proxy';

const https = (hostname: string, port?: number) => ({ protocol: 'https:', hostname, port });
const http = (hostname: string, port?: number) => ({ protocol: 'http:', hostname, port });

describe('core: proxies from the environment', () => {
  describe('proxyRoute', () => {
    it('takes HTTPS_PROXY for https targets and HTTP_PROXY for http ones, lower case first, ALL_PROXY last', () => {
      const env = { HTTPS_PROXY: 'http://s:1', HTTP_PROXY: 'http://h:2', ALL_PROXY: 'http://a:3' };
      expect(proxyRoute(https('x'), env)).to.include({ hostname: 's', port: 1, mode: 'tunnel' });
      expect(proxyRoute(http('x'), env)).to.include({ hostname: 'h', port: 2, mode: 'forward' });
      expect(proxyRoute(https('x'), { ...env, https_proxy: 'http://lower:4' })).to.include({ hostname: 'lower' });
      expect(proxyRoute(https('x'), { ALL_PROXY: 'http://a:3' })).to.include({ hostname: 'a', port: 3 });
      expect(proxyRoute(https('x'), { HTTP_PROXY: 'http://h:2' })).to.equal(undefined);
      expect(proxyRoute(https('x'), { HTTPS_PROXY: '  ' })).to.equal(undefined);
      expect(proxyRoute(https('x'), {})).to.equal(undefined);
    });

    it('reads host:port as http://, port 80 by default, and credentials as a Basic header never shown', () => {
      expect(proxyRoute(https('x'), { HTTPS_PROXY: 'proxy.corp:3128' })).to.deep.equal({
        hostname: 'proxy.corp',
        port: 3128,
        mode: 'tunnel',
        authorization: undefined,
        shown: 'http://proxy.corp:3128',
      });
      const route = proxyRoute(https('x'), { HTTPS_PROXY: 'http://al%40ice:p%3Ass@proxy' })!;
      expect(route.port).to.equal(80);
      expect(route.authorization).to.equal(`Basic ${Buffer.from('al@ice:p:ss').toString('base64')}`);
      expect(route.shown).to.equal('http://proxy').and.not.include('p:ss');
    });

    it('refuses what is not an http:// proxy URL, naming the variable and not the secret', () => {
      expect(() => proxyRoute(https('x'), { HTTPS_PROXY: 'https://u:hunter2@proxy:443' }))
        .to.throw(FsError, 'HTTPS_PROXY names a https: proxy; only http:// proxies are supported')
        .with.property('kind', 'InvalidArgument');
      expect(() => proxyRoute(http('x'), { ALL_PROXY: 'http://[oops' })).to.throw(
        FsError,
        'ALL_PROXY is not a proxy URL',
      );
      expect(() => proxyRoute(https('x'), { HTTPS_PROXY: 'http://u:%zzhunter2@proxy:3128' }))
        .to.throw(FsError, 'HTTPS_PROXY has credentials that are not percent-encoded text')
        .with.property('message')
        .that.does.not.include('hunter2');
      expect(() => proxyRoute(https('x'), { HTTPS_PROXY: 'socks5://u:hunter2@proxy' }))
        .to.throw(FsError, 'HTTPS_PROXY names a socks5: proxy')
        .with.property('message')
        .that.does.not.include('hunter2');
    });

    it('goes direct to the hosts NO_PROXY names', () => {
      const env = {
        HTTPS_PROXY: 'http://p:1',
        NO_PROXY: 'internal.corp, .svc,*.cluster.local 10.0.0.7 [::1] s3.corp:9000',
      };
      expect(proxyRoute(https('internal.corp'), env)).to.equal(undefined);
      expect(proxyRoute(https('a.internal.corp'), env)).to.equal(undefined);
      expect(proxyRoute(https('x.svc'), env)).to.equal(undefined);
      expect(proxyRoute(https('db.cluster.local'), env)).to.equal(undefined);
      expect(proxyRoute(https('10.0.0.7'), env)).to.equal(undefined);
      expect(proxyRoute(https('::1'), env)).to.equal(undefined);
      expect(proxyRoute(https('s3.corp', 9000), env)).to.equal(undefined);
      expect(proxyRoute(https('s3.corp'), env)).to.include({ hostname: 'p' });
      expect(proxyRoute(https('notinternal.corp'), env)).to.include({ hostname: 'p' });
      expect(proxyRoute(https('storage.googleapis.com'), env)).to.include({ hostname: 'p' });
      expect(proxyRoute(https('anything'), { ...env, no_proxy: '*' })).to.equal(undefined);
    });

    it('matches NO_PROXY entries case-insensitively and ignores empty ones', () => {
      expect(bypassesProxy('Example.COM,,', 'api.example.com', 443)).to.equal(true);
      expect(bypassesProxy(',', 'example.com', 443)).to.equal(false);
      expect(bypassesProxy(undefined, 'example.com', 443)).to.equal(false);
    });
  });

  describe('Http1Pool and a proxy that does not answer CONNECT', () => {
    let silent: net.Server;
    const held = new Set<net.Socket>();
    before(async () => {
      silent = net.createServer((s) => {
        held.add(s);
        s.on('error', () => undefined);
      });
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    });
    after(() => {
      for (const s of held) s.destroy();
      silent.close();
    });

    /** Sends a request with HTTPS_PROXY naming the silent proxy (read as the pool meets the origin). */
    const through = (pool: Http1Pool, options: Http1Options): Promise<unknown> => {
      const saved = process.env.HTTPS_PROXY;
      process.env.HTTPS_PROXY = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
      try {
        const req = { method: 'GET', protocol: 'https:', hostname: 'store.test', path: '/', headers: {} };
        return pool.request(req, options).catch((e: unknown) => e);
      } finally {
        if (saved === undefined) delete process.env.HTTPS_PROXY;
        else process.env.HTTPS_PROXY = saved;
      }
    };

    it('fails with a temporary ETIMEDOUT after connectTimeout, naming the proxy and the target', async () => {
      const pool = new Http1Pool({ maxSockets: 1 });
      const t0 = Date.now();
      const err = (await through(pool, { connectTimeout: 300 })) as FsError;
      pool.destroy();
      expect(err).to.be.instanceOf(FsError).and.include({ code: 'ETIMEDOUT', temporary: true });
      expect(err.message).to.match(
        /the proxy http:\/\/127\.0\.0\.1:\d+ did not open a tunnel to store\.test:443 within 300 ms/,
      );
      expect(Date.now() - t0).to.be.within(250, 5000);
      expect(connectFailed(err), 'nothing was sent: another server may take the request').to.equal(true);
    });

    it('gives up at once when the signal aborts while the tunnel opens', async () => {
      const pool = new Http1Pool({ maxSockets: 1 });
      const t0 = Date.now();
      const err = (await through(pool, { connectTimeout: 30_000, signal: AbortSignal.timeout(200) })) as FsError;
      pool.destroy();
      expect(err).to.be.instanceOf(FsError).and.include({ kind: 'Aborted' });
      expect(Date.now() - t0).to.be.below(2000);
    });
  });

  describe('Http1Pool through a proxy (a child process with the variables set)', function () {
    this.timeout(60_000);
    let proxy: HttpProxy;
    let dir: string;
    before(async () => {
      proxy = await startHttpProxy({ hosts: { 'store.test': '127.0.0.1' }, credentials: 'al@ice:s3cret' });
      dir = mkdtempSync(join(tmpdir(), 'omnifs-proxy-'));
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=store.test',
        '-addext', 'subjectAltName=DNS:store.test', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      ], { stdio: 'ignore' }); // prettier-ignore
    });
    after(async () => {
      await proxy?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    /** Runs `body` in a child whose environment names the proxy; resolves with its output lines. */
    const child = (body: string, env: Record<string, string>): Promise<string[]> => {
      const script = `
        const fs = require('node:fs');
        const { Http1Pool } = require(${JSON.stringify(require.resolve('@omnifs/core/backend'))});
        const tls = { key: fs.readFileSync(${JSON.stringify(join(dir, 'key.pem'))}), cert: fs.readFileSync(${JSON.stringify(join(dir, 'cert.pem'))}) };
        const handler = (req, res) => {
          let n = 0;
          req.on('data', (c) => (n += c.length));
          req.on('end', () => res.end(req.method + ' ' + req.url + ' ' + req.headers.host + ' ' + n + ' ' + (req.headers['proxy-authorization'] ?? 'no-auth')));
        };
        const secure = require('node:https').createServer(tls, handler);
        const plain = require('node:http').createServer(handler);
        const listen = (s) => new Promise((r) => s.listen(0, '127.0.0.1', () => r(s.address().port)));
        (async () => {
          const [sport, pport] = [await listen(secure), await listen(plain)];
          const pool = new Http1Pool({ maxSockets: 2 });
          const send = async (protocol, hostname, port, method = 'GET', body) => {
            try {
              const a = await pool.request({ method, protocol, hostname, port, path: '/x?y=1', headers: {}, body }, { connectTimeout: 5000 });
              return a.status + ' ' + a.data.toString();
            } catch (err) { return 'ERR ' + err.kind + ' ' + err.code + ' ' + err.message; }
          };
          ${body}
          pool.destroy(); secure.close(); plain.close();
        })();
      `;
      return new Promise((resolve, reject) => {
        execFile(
          process.execPath,
          ['-e', script],
          {
            encoding: 'utf8',
            timeout: 30_000,
            env: { PATH: process.env.PATH ?? '', NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem'), ...env },
          },
          (err, stdout, stderr) =>
            err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout.trim().split('\n')),
        );
      });
    };

    it('tunnels https requests with CONNECT (credentials to the proxy only) and reuses the tunnel', async () => {
      const before = proxy.log.length;
      const url = `http://al%40ice:s3cret@127.0.0.1:${proxy.port}`;
      const out = await child(
        `console.log(await send('https:', 'store.test', sport));
         console.log(await send('https:', 'store.test', sport, 'PUT', Buffer.alloc(300 * 1024)));`,
        { HTTPS_PROXY: url },
      );
      const port = /store\.test:(\d+)/.exec(out[0] ?? '')?.[1];
      expect(out).to.deep.equal([
        `200 GET /x?y=1 store.test:${port} 0 no-auth`,
        `200 PUT /x?y=1 store.test:${port} 307200 no-auth`,
      ]);
      const seen = proxy.log.slice(before);
      expect(seen).to.deep.equal([
        {
          method: 'CONNECT',
          target: `store.test:${port}`,
          authorization: `Basic ${Buffer.from('al@ice:s3cret').toString('base64')}`,
          allowed: true,
        },
      ]);
    });

    it('forwards http requests in absolute form with the credentials, and goes direct to NO_PROXY hosts', async () => {
      const before = proxy.log.length;
      const url = `http://al%40ice:s3cret@127.0.0.1:${proxy.port}`;
      const out = await child(
        `console.log(await send('http:', 'store.test', pport));
         console.log(await send('http:', '127.0.0.1', pport));`,
        { HTTP_PROXY: url, NO_PROXY: 'localhost,127.0.0.1' },
      );
      const port = /store\.test:(\d+)/.exec(out[0] ?? '')?.[1];
      expect(out).to.deep.equal([
        `200 GET /x?y=1 store.test:${port} 0 no-auth`,
        `200 GET /x?y=1 127.0.0.1:${port} 0 no-auth`,
      ]);
      expect(proxy.log.slice(before).map((r) => [r.method, r.target, r.allowed])).to.deep.equal([
        ['GET', `http://store.test:${port}/x?y=1`, true],
      ]);
    });

    it('fails with PermissionDenied when the proxy wants other credentials, showing no secret', async () => {
      const out = await child(
        `console.log(await send('https:', 'store.test', sport));
         console.log(await send('http:', 'store.test', pport));`,
        { HTTPS_PROXY: `http://al%40ice:wrong-hunter2@127.0.0.1:${proxy.port}`, HTTP_PROXY: `127.0.0.1:${proxy.port}` },
      );
      expect(out[0]).to.match(
        /^ERR PermissionDenied EACCES the proxy http:\/\/127\.0\.0\.1:\d+ refused a tunnel to store\.test:\d+: it asks for credentials \(407\)/,
      );
      expect(out[0]).to.not.include('hunter2');
      expect(out[1]).to.equal('407'); // a forwarded request gets the proxy's answer as it is (no body)
    });

    it('fails with ECONNREFUSED when the proxy is down, and with ENOTFOUND for a host only the proxy knows without it', async () => {
      const out = await child(`console.log(await send('https:', 'store.test', sport));`, {
        HTTPS_PROXY: 'http://127.0.0.1:1',
      });
      expect(out[0]).to.match(/^ERR \S+ ECONNREFUSED /);
      const direct = await child(`console.log(await send('https:', 'store.test', sport));`, {});
      expect(direct[0]).to.match(/^ERR \S+ (ENOTFOUND|EAI_AGAIN) /); // EAI_AGAIN where no DNS answers
    });
  });
});
