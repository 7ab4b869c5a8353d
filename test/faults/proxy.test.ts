/** Tests of the fault-injecting proxy against a tiny local HTTP server. */
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SLOWDOWN_XML, seededRandom, startFaultProxy, type FaultProxy, type FaultRule } from './proxy';

/** Upstream: /echo streams the request body back; /blob/N returns N fixed bytes; /go redirects. */
function upstream(other?: () => string): Promise<{ server: Server; url: string }> {
  const blob = randomBytes(1 << 20);
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname === '/echo') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      req.pipe(res);
    } else if (u.pathname.startsWith('/blob/')) {
      const n = Number(u.pathname.slice(6));
      res.writeHead(200, {
        'content-length': n,
        'x-sha': createHash('sha256').update(blob.subarray(0, n)).digest('hex'),
      });
      res.end(blob.subarray(0, n));
    } else if (u.pathname === '/go') {
      res.writeHead(307, { location: `${url}/blob/10` }).end();
    } else if (u.pathname === '/go-other') {
      res.writeHead(307, { location: `${other?.()}/blob/12?x=1` }).end();
    } else {
      res.writeHead(200, { 'content-length': 2 }).end('ok');
    }
  });
  let url = '';
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () => {
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      ok({ server, url });
    }),
  );
}

describe('faults: fault-injecting proxy', function () {
  let up: { server: Server; url: string };
  let other: { server: Server; url: string };
  let proxy: FaultProxy | undefined;

  before(async function () {
    other = await upstream();
    up = await upstream(() => other.url);
  });
  afterEach(async function () {
    await proxy?.close();
    proxy = undefined;
  });
  after(function () {
    up.server.close();
    other.server.close();
  });

  async function start(rules: FaultRule[] = [], seed = 1): Promise<FaultProxy> {
    proxy = await startFaultProxy({ target: up.url, rules, seed, rewriteRedirects: 'loopback' });
    return proxy;
  }

  async function statuses(p: FaultProxy, n: number): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const res = await fetch(`${p.url}/x`);
      await res.arrayBuffer();
      out.push(res.status);
    }
    return out;
  }

  it('streams a large request body through and back byte-exact', async function () {
    const p = await start();
    const data = randomBytes(5 * 1024 * 1024 + 3);
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < data.length; i += 65536) c.enqueue(data.subarray(i, i + 65536));
        c.close();
      },
    });
    const res = await fetch(`${p.url}/echo`, { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(Buffer.from(await res.arrayBuffer()).equals(data)).to.equal(true);
    expect(p.counters.forwarded).to.equal(1);
  });

  it('rewrites a redirect to the upstream so it comes back through the proxy', async function () {
    const p = await start();
    const res = await fetch(`${p.url}/go`, { redirect: 'manual' });
    expect(res.headers.get('location')).to.equal(`${p.url}/blob/10`);
    const followed = await fetch(`${p.url}/go`);
    expect((await followed.arrayBuffer()).byteLength).to.equal(10);
    expect(p.counters.requests).to.equal(3);
  });

  it('routes a redirect to another loopback server (a datanode) via /__via/', async function () {
    const p = await start();
    const res = await fetch(`${p.url}/go-other`, { redirect: 'manual' });
    expect(res.headers.get('location')).to.equal(`${p.url}/__via/${new URL(other.url).host}/blob/12?x=1`);
    const followed = await fetch(`${p.url}/go-other`);
    expect((await followed.arrayBuffer()).byteLength).to.equal(12);
  });

  it('fails exactly the next N requests (failNext)', async function () {
    const p = await start([{ fault: { kind: 'status', status: 503 }, failNext: 2 }]);
    expect(await statuses(p, 4)).to.deep.equal([503, 503, 200, 200]);
    expect(p.counters).to.include({ requests: 4, statuses: 2, forwarded: 2 });
  });

  it('fails every k-th request', async function () {
    const p = await start([{ fault: { kind: 'status', status: 500 }, every: 3 }]);
    expect(await statuses(p, 7)).to.deep.equal([200, 200, 500, 200, 200, 500, 200]);
  });

  it('fails at a set rate, reproducibly for a given seed', async function () {
    const rule: FaultRule = { fault: { kind: 'status', status: 500 }, rate: 0.3 };
    const a = await statuses(await start([rule], 7), 40);
    await proxy!.close();
    const b = await statuses(await start([rule], 7), 40);
    expect(a).to.deep.equal(b);
    const r = seededRandom(7);
    expect(a).to.deep.equal(Array.from({ length: 40 }, () => (r() < 0.3 ? 500 : 200)));
    expect(a.filter((s) => s === 500).length).to.be.within(4, 24);
  });

  it('applies a rule only to matching requests', async function () {
    const p = await start([{ fault: { kind: 'status', status: 500 }, match: (r) => r.method === 'PUT' }]);
    const put = await fetch(`${p.url}/x`, { method: 'PUT', body: 'abc' });
    const get = await fetch(`${p.url}/x`);
    expect([put.status, get.status]).to.deep.equal([500, 200]);
  });

  it('answers S3-style SlowDown', async function () {
    const p = await start([{ fault: { kind: 'slowdown' }, failNext: 1 }]);
    const res = await fetch(`${p.url}/x`, { method: 'PUT', body: 'abc' });
    expect(res.status).to.equal(503);
    expect(await res.text()).to.equal(SLOWDOWN_XML);
    expect(p.counters.slowdowns).to.equal(1);
  });

  it('resets the connection', async function () {
    const p = await start([{ fault: { kind: 'reset' }, failNext: 1 }]);
    const err = await fetch(`${p.url}/x`).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).to.equal('fetch failed');
    expect(p.counters.resets).to.equal(1);
    expect(await statuses(p, 1)).to.deep.equal([200]);
  });

  it('adds delay before forwarding', async function () {
    const p = await start([{ fault: { kind: 'delay', ms: 300 } }]);
    const t0 = Date.now();
    expect(await statuses(p, 1)).to.deep.equal([200]);
    expect(Date.now() - t0).to.be.at.least(290);
    expect(p.counters.delays).to.equal(1);
  });

  it('truncates a response body and drops the connection', async function () {
    const p = await start([{ fault: { kind: 'truncate', afterBytes: 1000 }, failNext: 1 }]);
    const got = await new Promise<{ bytes: number; aborted: boolean; length: number }>((ok, fail) => {
      request(`${p.url}/blob/100000`, (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          bytes += c.length;
        });
        res.on('error', () => {});
        res.on('close', () => ok({ bytes, aborted: !res.complete, length: Number(res.headers['content-length']) }));
      })
        .on('error', fail)
        .end();
    });
    expect(got).to.deep.equal({ bytes: 1000, aborted: true, length: 100000 });
    const res = await fetch(`${p.url}/blob/100000`);
    expect((await res.arrayBuffer()).byteLength).to.equal(100000);
  });

  it('refuses a non-loopback target', async function () {
    const err = await startFaultProxy({ target: 'http://192.0.2.1:80' }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).to.match(/loopback only/);
  });
});
