import { expect } from 'chai';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { FsError } from '@omnifs/core';
import { startThrottlingProxy } from '../../../test/faults/timeouts';
import { connectFailed, Http1Pool, sentWriteLost, type BodySink, type Http1Request } from '@omnifs/core/backend';

/** A loopback HTTP server for the suite, counting the connections it accepted. */
function useServer(handler: RequestListener): { port: () => number; connections: () => number } {
  let server: Server | undefined;
  let connections = 0;
  before(async () => {
    server = createServer({ keepAliveTimeout: 10_000 }, handler);
    server.on('connection', () => connections++);
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  });
  after(() => {
    server?.closeAllConnections();
    server?.close();
  });
  return { port: () => (server!.address() as AddressInfo).port, connections: () => connections };
}

/** A loopback TCP server that answers each connection with `script` (raw bytes, exact framing). */
function useRawServer(script: (socket: net.Socket, n: number) => void): { port: () => number } {
  let server: net.Server | undefined;
  const open = new Set<net.Socket>();
  let n = 0;
  before(async () => {
    server = net.createServer((s) => {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => undefined);
      script(s, n++);
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  });
  after(() => {
    for (const s of open) s.destroy();
    server?.close();
  });
  return { port: () => (server!.address() as AddressInfo).port };
}

/** A loopback port nothing listens on any more. */
function closedPort(): Promise<number> {
  return new Promise<number>((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

const get = (port: number, path: string, extra: Partial<Http1Request> = {}): Http1Request => ({
  method: 'GET',
  protocol: 'http:',
  hostname: '127.0.0.1',
  port,
  path,
  headers: {},
  ...extra,
});

async function collect(body: Readable | undefined): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of body!) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

async function rejection(p: Promise<unknown>): Promise<Error & { code?: string; kind?: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

describe('core: Http1Pool', () => {
  const big = randomBytes(3 * 1024 * 1024 + 17);
  const many = Array.from({ length: 6 }, (_, i) => randomBytes(1024 * 1024 + i * 4099));
  const uploads: Array<{ url: string; te: string | undefined; length: string | undefined; body: Buffer }> = [];
  const { port, connections } = useServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => {
      const url = req.url!;
      if (url === '/silent') {
        // never answers
      } else if (req.method === 'PUT' || req.method === 'POST') {
        const body = Buffer.concat(parts);
        uploads.push({ url, te: req.headers['transfer-encoding'], length: req.headers['content-length'], body });
        res.end(String(body.length));
      } else if (url === '/fixed') {
        res.setHeader('set-cookie', ['a=1', 'b=2']);
        res.setHeader('x-twice', ['one', 'two']);
        res.end('hello');
      } else if (url === '/chunked') {
        res.writeHead(200, { trailer: 'x-sum' });
        res.write('he');
        res.write('llo ');
        setTimeout(() => {
          res.addTrailers({ 'x-sum': '9' });
          res.end('world');
        }, 5);
      } else if (url === '/big') {
        res.writeHead(200, { 'content-length': String(big.length) });
        res.end(req.method === 'HEAD' ? undefined : big);
      } else if (url.startsWith('/many/')) {
        // In pieces, so that the answers of several connections arrive interleaved.
        const body = many[Number(url.slice(6))]!;
        res.writeHead(200, { 'content-length': String(body.length) });
        let at = 0;
        const next = (): void => {
          if (at >= body.length) return void res.end();
          res.write(body.subarray(at, (at += 40_000)));
          setImmediate(next);
        };
        next();
      } else if (url === '/empty') {
        res.writeHead(204).end();
      } else if (url === '/missing') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not here');
      } else if (url === '/stall') {
        res.writeHead(200, { 'content-length': '100' });
        res.write('only part');
      } else if (url === '/stall-large') {
        res.writeHead(200, { 'content-length': String(1024 * 1024) });
        res.write('only part');
      } else if (url === '/split') {
        // The head first, the small body in a later read.
        res.writeHead(200, { 'content-length': '5' });
        res.flushHeaders();
        setTimeout(() => res.end('later'), 20);
      } else {
        res.end(`path ${url}`);
      }
    });
  });

  let pool: Http1Pool;
  beforeEach(() => {
    pool = new Http1Pool({ maxSockets: 4 });
  });
  afterEach(() => pool.destroy());

  it('reads a fixed-length answer in full, with lower-case headers', async () => {
    const a = await pool.request(get(port(), '/fixed'));
    expect(a.status).to.equal(200);
    expect(a.data!.toString()).to.equal('hello');
    expect(a.headers['content-length']).to.equal('5');
    expect(a.headers['set-cookie']).to.deep.equal(['a=1', 'b=2']);
    expect(a.headers['x-twice']).to.equal('one, two');
  });

  it('decodes a chunked answer, in full and as a stream', async () => {
    const full = await pool.request(get(port(), '/chunked'));
    expect(full.data!.toString()).to.equal('hello world');
    const streamed = await pool.request(get(port(), '/chunked'), { stream: true });
    expect((await collect(streamed.body)).toString()).to.equal('hello world');
  });

  it('streams a large answer byte-exact', async () => {
    const a = await pool.request(get(port(), '/big'), { stream: true });
    expect(a.data).to.equal(undefined);
    expect((await collect(a.body)).equals(big)).to.equal(true);
  });

  it('keeps the bytes of answers arriving at once apart, kept by readers that take their time', async () => {
    // Every socket reads into one shared buffer: what a reader keeps must be its own copy.
    const slowly = async (body: Readable | undefined): Promise<Buffer> => {
      const parts: Buffer[] = [];
      for await (const c of body!) {
        parts.push(c as Buffer);
        await new Promise((r) => setTimeout(r, parts.length % 3));
      }
      return Buffer.concat(parts);
    };
    const got = await Promise.all(
      many.map(async (_, i) => {
        const a = await pool.request(get(port(), `/many/${i}`), { stream: i % 2 === 0 });
        return a.body !== undefined ? slowly(a.body) : a.data!;
      }),
    );
    got.forEach((g, i) => expect(g.equals(many[i]!), `answer ${i}`).to.equal(true));
  });

  /** A sink of `target.byteLength` bytes into `target`, through two windows of `window` bytes, each write taking up to `delayMs`. */
  function sinkInto(target: Uint8Array, window: number, delayMs = 0) {
    const windows: [Uint8Array, Uint8Array] = [new Uint8Array(window), new Uint8Array(window)];
    const seen = new Set<ArrayBufferLike>();
    let writing = 0;
    let mostWriting = 0;
    const sink: BodySink = {
      length: target.byteLength,
      windows,
      async write(bytes, at) {
        seen.add(bytes.buffer);
        writing++;
        mostWriting = Math.max(mostWriting, writing);
        if (delayMs > 0) await new Promise((r) => setTimeout(r, Math.random() * delayMs));
        target.set(bytes, at);
        writing--;
      },
    };
    return { sink, windows, seen, target, mostWriting: () => mostWriting };
  }

  it("writes answers through the caller's two windows, interleaved answers apart, byte-exact", async () => {
    const runs = many.map((m, i) => sinkInto(new Uint8Array(m.length), 64 * 1024 + i * 1000, i % 2 === 0 ? 3 : 0));
    const got = await Promise.all(
      many.map((_, i) => pool.request(get(port(), `/many/${i}`), { sink: () => runs[i]!.sink })),
    );
    got.forEach((a, i) => {
      const run = runs[i]!;
      expect(a.body, `answer ${i}`).to.equal(undefined);
      expect(a.data, `answer ${i}`).to.equal(undefined);
      expect(a.sunk, `answer ${i}`).to.equal(many[i]!.length);
      // Written only from the two windows, at most both at once, all done when it resolved.
      expect([...run.seen].every((b) => run.windows.some((w) => w.buffer === b))).to.equal(true);
      expect(run.mostWriting()).to.be.within(1, 2);
      expect(Buffer.from(run.target).equals(many[i]!), `answer ${i}`).to.equal(true);
    });
    // Windows larger than a socket read are written before a read could overflow them.
    const large = sinkInto(new Uint8Array(big.length), 300 * 1024, 5);
    const a = await pool.request(get(port(), '/big'), { sink: () => large.sink });
    expect(a.sunk).to.equal(big.length);
    expect(Buffer.from(large.target).equals(big)).to.equal(true);
    expect(large.mostWriting()).to.be.within(1, 2);
    // A body that came whole with the head goes there too; the connections stay reusable.
    const small = sinkInto(new Uint8Array(5), 2);
    const fixed = await pool.request(get(port(), '/fixed'), { sink: () => small.sink });
    expect(fixed.sunk).to.equal(5);
    expect(Buffer.from(small.target).toString()).to.equal('hello');
    expect((await pool.request(get(port(), '/fixed'))).data!.toString()).to.equal('hello');
  });

  it('streams a 2xx answer the sink does not take (declined, too long, chunked), and reads errors apart', async () => {
    const run = sinkInto(new Uint8Array(1024), 256);
    const declined = await pool.request(get(port(), '/big'), { sink: () => undefined });
    expect((await collect(declined.body)).equals(big)).to.equal(true);
    const tooLong = await pool.request(get(port(), '/big'), { sink: () => run.sink });
    expect(tooLong.sunk).to.equal(undefined);
    expect((await collect(tooLong.body)).equals(big)).to.equal(true);
    const chunked = await pool.request(get(port(), '/chunked'), { sink: () => run.sink });
    expect((await collect(chunked.body)).toString()).to.equal('hello world');
    let asked = 0;
    const missing = await pool.request(get(port(), '/missing'), { sink: () => (asked++, run.sink) });
    expect(missing.status).to.equal(404);
    expect(missing.data!.toString()).to.equal('not here');
    expect(asked).to.equal(0);
    expect(run.seen.size).to.equal(0);
  });

  it('fails with a failed write once the other write has settled, and drops the connection', async () => {
    let settled = 0;
    const windows: [Uint8Array, Uint8Array] = [new Uint8Array(100_000), new Uint8Array(100_000)];
    const sink: BodySink = {
      length: big.length,
      windows,
      async write(_bytes, at) {
        await new Promise((r) => setTimeout(r, at === 0 ? 30 : 5));
        settled++;
        if (at === 100_000) throw new Error('disk full');
      },
    };
    const before = connections();
    const e = await pool.request(get(port(), '/big'), { sink: () => sink }).catch((err: unknown) => err);
    expect((e as Error).message).to.equal('disk full');
    expect(settled).to.equal(2); // the first window's write, slower, had settled too
    // The next request needs a new connection: the failed one was not kept.
    await pool.request(get(port(), '/fixed'));
    expect(connections()).to.equal(before + 2);
  });

  it('rejects an answer cut off mid-body only once the writes in flight have settled', async () => {
    let pending = 0;
    const sink: BodySink = {
      length: 100,
      windows: [new Uint8Array(4), new Uint8Array(4)],
      async write() {
        pending++;
        await new Promise((r) => setTimeout(r, 20));
        pending--;
      },
    };
    const e = await pool.request(get(port(), '/stall'), { sink: () => sink, idleTimeout: 50 }).catch((err) => err);
    expect(e).to.be.instanceOf(FsError).with.property('code', 'ETIMEDOUT');
    expect(pending).to.equal(0);
  });

  it('reads a non-2xx answer in full even when asked to stream', async () => {
    const a = await pool.request(get(port(), '/missing'), { stream: true });
    expect(a.status).to.equal(404);
    expect(a.body).to.equal(undefined);
    expect(a.data!.toString()).to.equal('not here');
  });

  it('answers HEAD and 204 without a body and keeps the connection', async () => {
    const before = connections();
    const head = await pool.request(get(port(), '/big', { method: 'HEAD' }));
    expect(head.headers['content-length']).to.equal(String(big.length));
    expect(head.data!.length).to.equal(0);
    const empty = await pool.request(get(port(), '/empty'));
    expect(empty.status).to.equal(204);
    await pool.request(get(port(), '/fixed'));
    expect(connections() - before).to.equal(1);
  });

  it('reuses one connection for requests one after another', async () => {
    const before = connections();
    for (let i = 0; i < 20; i++) {
      const a = await pool.request(get(port(), `/n${i}`));
      expect(a.data!.toString()).to.equal(`path /n${i}`);
    }
    expect(connections() - before).to.equal(1);
  });

  it('opens one connection ahead with preconnect, which the next request takes', async () => {
    const before = connections();
    const target = { protocol: 'http:', hostname: '127.0.0.1', port: port() };
    pool.preconnect(target);
    pool.preconnect(target); // one is idle already: nothing more
    await new Promise((r) => setTimeout(r, 50));
    expect(connections() - before).to.equal(1);
    expect((await pool.request(get(port(), '/ahead'))).data!.toString()).to.equal('path /ahead');
    expect(connections() - before).to.equal(1);
  });

  it('connects anew after a preconnect that failed', async () => {
    const closed = await closedPort();
    pool.preconnect({ protocol: 'http:', hostname: '127.0.0.1', port: closed });
    await new Promise((r) => setTimeout(r, 50));
    expect((await rejection(pool.request(get(closed, '/')))).code).to.equal('ECONNREFUSED');
    const before = connections();
    expect((await pool.request(get(port(), '/after'))).data!.toString()).to.equal('path /after');
    expect(connections() - before).to.be.within(0, 1);
  });

  it('opens at most maxSockets connections, queueing the rest', async () => {
    const before = connections();
    const answers = await Promise.all(Array.from({ length: 32 }, (_, i) => pool.request(get(port(), `/c${i}`))));
    expect(answers.map((a) => a.data!.toString())).to.deep.equal(Array.from({ length: 32 }, (_, i) => `path /c${i}`));
    expect(connections() - before).to.be.within(1, 4);
  });

  it('sends bytes with their length, and a stream with or without one', async () => {
    uploads.length = 0;
    const small = Buffer.from('small body');
    await pool.request(get(port(), '/bytes', { method: 'PUT', body: small }));
    await pool.request(get(port(), '/large', { method: 'PUT', body: big }));
    await pool.request(
      get(port(), '/sized', {
        method: 'PUT',
        headers: { 'content-length': String(big.length) },
        body: Readable.from([big.subarray(0, 1000), big.subarray(1000)]),
      }),
    );
    await pool.request(
      get(port(), '/chunks', {
        method: 'POST',
        body: Readable.from([big.subarray(0, 7), Buffer.alloc(0), 'text', big.subarray(7)]),
      }),
    );
    await pool.request(get(port(), '/nothing', { method: 'PUT' }));
    const byUrl = Object.fromEntries(uploads.map((u) => [u.url, u]));
    expect(byUrl['/bytes']!.body.equals(small)).to.equal(true);
    expect(byUrl['/bytes']!.length).to.equal(String(small.length));
    expect(byUrl['/large']!.body.equals(big)).to.equal(true);
    expect(byUrl['/sized']!.body.equals(big)).to.equal(true);
    expect(byUrl['/sized']!.te).to.equal(undefined);
    const sentInChunks = Buffer.concat([big.subarray(0, 7), Buffer.from('text'), big.subarray(7)]);
    expect(byUrl['/chunks']!.body.equals(sentInChunks)).to.equal(true);
    expect(byUrl['/chunks']!.te).to.equal('chunked');
    expect(byUrl['/nothing']!.length).to.equal('0');
  });

  it('tells when the request has been sent', async () => {
    let sent = 0;
    await pool.request(get(port(), '/x', { method: 'PUT', body: Buffer.from('abc') }), { onSent: () => sent++ });
    expect(sent).to.equal(1);
  });

  it('refuses headers and paths that would break the framing, sending nothing', async () => {
    const before = connections();
    const secret = 'hunter2\r\nx-injected: 1';
    const err = await rejection(pool.request(get(port(), '/h', { headers: { 'x-amz-meta-a': secret } })));
    expect(err).to.be.instanceOf(FsError);
    expect(err.kind).to.equal('InvalidArgument');
    expect(err.message).to.not.include('hunter2');
    const path = await rejection(pool.request(get(port(), '/a b')));
    expect(path.kind).to.equal('InvalidArgument');
    const name = await rejection(pool.request(get(port(), '/h', { headers: { 'bad name': 'v' } })));
    expect(name.kind).to.equal('InvalidArgument');
    expect(connections()).to.equal(before);
  });

  it('fails a streamed body that stalls with a temporary ETIMEDOUT', async () => {
    const a = await pool.request(get(port(), '/stall-large'), { stream: true, idleTimeout: 150 });
    const err = await rejection(collect(a.body));
    expect(err).to.be.instanceOf(FsError);
    expect(err.code).to.equal('ETIMEDOUT');
    expect((err as FsError).temporary).to.equal(true);
  });

  it('fails with the signal when aborted while the answer streams, and does not reuse the connection', async () => {
    const before = connections();
    const controller = new AbortController();
    const a = await pool.request(get(port(), '/stall-large'), { stream: true, signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const err = await rejection(collect(a.body));
    expect(err).to.be.instanceOf(FsError);
    expect(err.kind).to.equal('Aborted');
    await pool.request(get(port(), '/after'));
    expect(connections() - before).to.equal(2);
  });

  it('reads a small body in full when asked to stream, though it comes after the head', async () => {
    const before = connections();
    const a = await pool.request(get(port(), '/split'), { stream: true });
    expect(a.body).to.equal(undefined);
    expect(a.data!.toString()).to.equal('later');
    await pool.request(get(port(), '/after'));
    expect(connections() - before).to.equal(1);
  });

  it('fails a small body that stalls, read in full, with a temporary ETIMEDOUT or the signal', async () => {
    const timedOut = await rejection(pool.request(get(port(), '/stall'), { stream: true, idleTimeout: 150 }));
    expect(timedOut).to.be.instanceOf(FsError);
    expect(timedOut.code).to.equal('ETIMEDOUT');
    expect((timedOut as FsError).temporary).to.equal(true);
    const before = connections();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const aborted = await rejection(pool.request(get(port(), '/stall'), { stream: true, signal: controller.signal }));
    expect(aborted).to.be.instanceOf(FsError);
    expect(aborted.kind).to.equal('Aborted');
    await pool.request(get(port(), '/after'));
    expect(connections() - before).to.equal(2);
  });

  it('reuses the connection after a streamed body is read to its end', async () => {
    const before = connections();
    for (let i = 0; i < 3; i++) await collect((await pool.request(get(port(), '/chunked'), { stream: true })).body);
    expect(connections() - before).to.equal(1);
  });

  it('closes the connection when the reader stops early', async () => {
    const before = connections();
    const a = await pool.request(get(port(), '/big'), { stream: true });
    for await (const _ of a.body!) break;
    await pool.request(get(port(), '/after'));
    expect(connections() - before).to.equal(2);
  });

  it('fails with a temporary ETIMEDOUT when no answer comes within requestTimeout', async () => {
    const t0 = Date.now();
    const err = await rejection(pool.request(get(port(), '/silent'), { requestTimeout: 150 }));
    expect(err).to.be.instanceOf(FsError);
    expect(err.code).to.equal('ETIMEDOUT');
    expect(err.message).to.include('no answer to GET 127.0.0.1 within 150 ms');
    expect(Date.now() - t0).to.be.within(100, 2000);
    // The request was sent: it must not go to another server as if it never had been.
    expect(connectFailed(err)).to.equal(false);
  });

  it('says a write sent in full whose answer did not come may have been carried out', async () => {
    const silent = await rejection(
      pool.request(get(port(), '/silent', { method: 'PUT', body: Buffer.from('abc') }), { requestTimeout: 150 }),
    );
    expect(silent.code).to.equal('ETIMEDOUT');
    expect(silent.message).to.match(
      /^no answer to PUT 127\.0\.0\.1 within 150 ms after the request was sent: the service may have carried it out$/,
    );
    expect(sentWriteLost(silent)).to.equal(true);
    expect(sentWriteLost(new FsError({ kind: 'Unexpected', message: 'x', cause: silent }))).to.equal(true);
    // A read that timed out is only a timeout.
    const read = await rejection(pool.request(get(port(), '/silent'), { requestTimeout: 150 }));
    expect([read.message, sentWriteLost(read)]).to.deep.equal(['no answer to GET 127.0.0.1 within 150 ms', false]);
  });

  it('obeys each of several signals, and one signal shared by many requests', async () => {
    const shared = new AbortController();
    const own = new AbortController();
    const many = Array.from({ length: 6 }, () =>
      pool.request(get(port(), '/silent'), { signal: [shared.signal, undefined] }),
    );
    const one = pool.request(get(port(), '/silent'), { signal: [shared.signal, own.signal] });
    setTimeout(() => own.abort(), 20);
    expect((await rejection(one)).kind).to.equal('Aborted');
    setTimeout(() => shared.abort(), 20);
    for (const r of await Promise.allSettled(many)) {
      expect(r.status).to.equal('rejected');
      expect((r as PromiseRejectedResult).reason.kind).to.equal('Aborted');
    }
    // The connections of aborted requests are closed; the pool goes on with new ones.
    expect((await pool.request(get(port(), '/after'))).data!.toString()).to.equal('path /after');
  });

  it('fails a request waiting for a connection when its signal aborts', async () => {
    const single = new Http1Pool({ maxSockets: 1 });
    try {
      const busy = single.request(get(port(), '/silent'), { requestTimeout: 300 });
      const controller = new AbortController();
      const waiting = single.request(get(port(), '/x'), { signal: controller.signal });
      setTimeout(() => controller.abort(), 20);
      expect((await rejection(waiting)).kind).to.equal('Aborted');
      expect((await rejection(busy)).code).to.equal('ETIMEDOUT');
      expect((await single.request(get(port(), '/next'))).data!.toString()).to.equal('path /next');
    } finally {
      single.destroy();
    }
  });

  it('rejects a refused connection with ECONNREFUSED', async () => {
    const closed = await closedPort();
    const err = await rejection(pool.request(get(closed, '/')));
    expect(err.code).to.equal('ECONNREFUSED');
    expect(connectFailed(err), 'nothing was sent: another server may take the request').to.equal(true);
  });

  it('fails requests in flight when destroyed, and refuses new ones', async () => {
    const inflight = pool.request(get(port(), '/stall'));
    await new Promise((r) => setTimeout(r, 20));
    pool.destroy();
    expect((await rejection(inflight)).kind).to.equal('Aborted');
    expect((await rejection(pool.request(get(port(), '/')))).kind).to.equal('InvalidArgument');
  });
});

describe('core: Http1Pool against hand-written answers', () => {
  const interim = useRawServer((s) => {
    s.once('data', () => {
      s.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n');
      s.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
    });
  });
  const untilClose = useRawServer((s) => {
    s.once('data', () => {
      s.write('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nall of ');
      setTimeout(() => s.end('it'), 10);
    });
  });
  // Answers the first request on each connection, then drops the connection when the next arrives.
  const dropsSecond = useRawServer((s) => {
    let n = 0;
    s.on('data', () => {
      if (n++ === 0) s.write('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nfirst');
      else s.destroy();
    });
  });
  const garbage = useRawServer((s) => {
    s.once('data', () => s.end('SSH-2.0-OpenSSH_9.6\r\n\r\n'));
  });
  const split = useRawServer((s) => {
    s.once('data', async () => {
      const answer =
        'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nx-t: 1\r\n\r\n';
      for (const ch of answer) {
        s.write(ch);
        await new Promise((r) => setImmediate(r));
      }
    });
  });

  let pool: Http1Pool;
  beforeEach(() => {
    pool = new Http1Pool({ maxSockets: 2 });
  });
  afterEach(() => pool.destroy());

  it('skips interim 1xx answers', async () => {
    const a = await pool.request(get(interim.port(), '/'));
    expect(a.status).to.equal(200);
    expect(a.data!.toString()).to.equal('ok');
  });

  it('reads an answer without a length until the server closes', async () => {
    const a = await pool.request(get(untilClose.port(), '/'));
    expect(a.data!.toString()).to.equal('all of it');
  });

  it('parses an answer that arrives a byte at a time, with chunk extensions and trailers', async () => {
    const a = await pool.request(get(split.port(), '/'));
    expect(a.data!.toString()).to.equal('abc0123456789abcdef');
  });

  it('sends a GET again on a new connection when a reused one was closed under it', async () => {
    const first = await pool.request(get(dropsSecond.port(), '/'));
    expect(first.data!.toString()).to.equal('first');
    const again = await pool.request(get(dropsSecond.port(), '/'));
    expect(again.data!.toString()).to.equal('first');
  });

  it('does not send a PUT again, which the server may have acted on: it fails with ECONNRESET', async () => {
    await pool.request(get(dropsSecond.port(), '/'));
    const err = await rejection(
      pool.request(get(dropsSecond.port(), '/', { method: 'PUT', body: Buffer.from('once') })),
    );
    expect(err.code).to.be.oneOf(['ECONNRESET', 'EPIPE']);
  });

  it('does not send a streamed body again: it fails with ECONNRESET', async () => {
    await pool.request(get(dropsSecond.port(), '/'));
    const err = await rejection(
      pool.request(get(dropsSecond.port(), '/', { method: 'GET', body: Readable.from([Buffer.from('once')]) })),
    );
    expect(err.code).to.be.oneOf(['ECONNRESET', 'EPIPE']);
  });

  it('fails an answer that is not HTTP with EPROTO', async () => {
    const err = await rejection(pool.request(get(garbage.port(), '/')));
    expect(err).to.be.instanceOf(FsError);
    expect(err.code).to.equal('EPROTO');
  });
});

describe('core: Http1Pool in a process of its own', () => {
  const { port } = useServer((_req, res) => res.end('bye'));

  it('lets the process exit while connections idle in the pool, one of them opened ahead', async () => {
    const script = `
      const { Http1Pool } = require(${JSON.stringify(require.resolve('@omnifs/core/backend'))});
      const pool = new Http1Pool({ maxSockets: 2 });
      const t0 = Date.now();
      const target = { method: 'GET', protocol: 'http:', hostname: '127.0.0.1', port: ${port()}, path: '/', headers: {} };
      Promise.all([pool.request(target), pool.request(target)])
        .then(([a]) => {
          pool.preconnect(target); // both idle: nothing more
          console.log(a.data.toString());
          process.on('exit', () => console.log(Date.now() - t0 < 3000 ? 'prompt' : 'late'));
        });
      new Http1Pool({ maxSockets: 2 }).preconnect(target);
    `;
    // Asynchronously: the server answering it lives in this process.
    const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 }, (err, stdout, stderr) =>
        resolve({ status: err === null ? 0 : ((err as { code?: number }).code ?? null), stdout, stderr }),
      );
    });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout.trim().split('\n')).to.deep.equal(['bye', 'prompt']);
  });

  it('speaks HTTPS, checking the certificate against the host name; a sink gets every byte', function () {
    this.timeout(30_000);
    const dir = mkdtempSync(join(tmpdir(), 'omnifs-tls-'));
    try {
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
        '-addext', 'subjectAltName=DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      ], { stdio: 'ignore' }); // prettier-ignore
      const script = `
        const https = require('node:https');
        const fs = require('node:fs');
        const { Http1Pool } = require(${JSON.stringify(require.resolve('@omnifs/core/backend'))});
        const big = Buffer.alloc(3 * 1024 * 1024 + 17);
        for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 12)) & 255;
        const server = https.createServer({ key: fs.readFileSync(${JSON.stringify(join(dir, 'key.pem'))}), cert: fs.readFileSync(${JSON.stringify(join(dir, 'cert.pem'))}) },
          (req, res) => {
            if (req.url === '/stall') return req.pause(); // takes no byte of the body
            if (req.method !== 'PUT') return res.end(req.url === '/big' ? big : 'secure ' + req.headers.host);
            const hash = require('node:crypto').createHash('sha256');
            req.on('data', (c) => hash.update(c));
            req.on('end', () => res.end(hash.digest('hex')));
          });
        server.listen(0, '127.0.0.1', async () => {
          const port = server.address().port;
          const pool = new Http1Pool({ maxSockets: 1 });
          const req = (hostname) => pool.request({ method: 'GET', protocol: 'https:', hostname, port, path: '/', headers: {} });
          console.log((await req('localhost')).data.toString());
          console.log((await req('localhost')).data.toString());
          // A large body through a sink's windows, a slow write now and then.
          const target = Buffer.alloc(big.length);
          const windows = [new Uint8Array(300 * 1024), new Uint8Array(300 * 1024)];
          const write = async (bytes, at) => { if (at % 3 === 0) await new Promise((r) => setTimeout(r, 2)); target.set(bytes, at); };
          const sunk = await pool.request({ method: 'GET', protocol: 'https:', hostname: 'localhost', port, path: '/big', headers: {} },
            { sink: () => ({ length: big.length, windows, write }) });
          console.log(sunk.sunk === big.length && target.equals(big) ? 'sunk' : 'other bytes');
          // A large body up, in pieces over TLS; one the server never takes ends at the idle timeout.
          const put = (path, body, options) => pool.request({ method: 'PUT', protocol: 'https:', hostname: 'localhost', port, path, headers: {}, body }, options);
          const sha = require('node:crypto').createHash('sha256').update(big).digest('hex');
          console.log((await put('/up', big)).data.toString() === sha ? 'uploaded' : 'other bytes up');
          try { await put('/stall', Buffer.alloc(32 * 1024 * 1024), { idleTimeout: 300 }); console.log('stalled upload answered'); }
          catch (err) { console.log(err.code, /no data moved on PUT localhost for 300 ms/.test(err.message)); }
          try { await req('127.0.0.1'); console.log('accepted a wrong name'); } catch (err) { console.log(err.code); }
          pool.destroy();
          server.close();
        });
      `;
      const r = spawnSync(process.execPath, ['-e', script], {
        encoding: 'utf8',
        timeout: 20_000,
        env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') },
      });
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout.trim().split('\n')).to.deep.equal([
        `secure localhost:${/secure localhost:(\d+)/.exec(r.stdout)?.[1]}`,
        `secure localhost:${/secure localhost:(\d+)/.exec(r.stdout)?.[1]}`,
        'sunk',
        'uploaded',
        'ETIMEDOUT true',
        'ERR_TLS_CERT_ALTNAME_INVALID',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('core: Http1Pool sending a large body', () => {
  // `/stall` takes no byte; the others answer with the SHA-256 of the bytes once all came.
  const { port } = useServer((req, res) => {
    if (req.url === '/stall') return void req.pause();
    const hash = createHash('sha256');
    req.on('data', (c: Buffer) => hash.update(c));
    req.on('end', () => res.end(hash.digest('hex')));
  });
  const pool = new Http1Pool({ maxSockets: 4 });
  after(() => pool.destroy());

  it('fails with a temporary ETIMEDOUT when the server takes none of it for idleTimeout', async () => {
    const t0 = Date.now();
    const body = Buffer.alloc(64 * 1024 * 1024);
    const err = await rejection(pool.request(get(port(), '/stall', { method: 'PUT', body }), { idleTimeout: 300 }));
    expect(err).to.be.instanceOf(FsError);
    expect(err.code).to.equal('ETIMEDOUT');
    expect(err.message).to.include('no data moved on PUT 127.0.0.1 for 300 ms');
    expect(Date.now() - t0).to.be.within(250, 5000);
  });

  it('sends it whole over a slow link whose bytes never stop moving, however long that takes', async function () {
    this.timeout(30_000);
    // 64 KiB every 100 ms: about 1.6 s for the body, many times the 250 ms idle timeout.
    const slow = await startThrottlingProxy(`http://127.0.0.1:${port()}`, 64 * 1024, 100);
    try {
      const body = randomBytes(1024 * 1024);
      const t0 = Date.now();
      const a = await pool.request(get(Number(new URL(slow.url).port), '/slow', { method: 'PUT', body }), {
        idleTimeout: 250,
      });
      expect(a.data!.toString()).to.equal(createHash('sha256').update(body).digest('hex'));
      expect(Date.now() - t0).to.be.above(1000);
    } finally {
      await slow.close();
    }
  });
});

describe('core: Http1Pool when a signal aborts a write already sent', () => {
  // Reads the whole body, aborts the request's signal, answers `?ms=` later (never for `/silent`).
  const aborts = new Map<string, AbortController>();
  const { port } = useServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      aborts.get(url.pathname)?.abort();
      if (url.pathname === '/silent') return;
      setTimeout(() => res.end(`stored ${url.pathname}`), Number(url.searchParams.get('ms')));
    });
  });
  const pool = new Http1Pool({ maxSockets: 8 });
  after(() => pool.destroy());

  async function send(path: string, method: string, ms: number, body?: Uint8Array | Readable) {
    const controller = new AbortController();
    aborts.set(path, controller);
    let abortAt = Infinity;
    controller.signal.addEventListener('abort', () => (abortAt = Date.now()));
    const request = pool.request(get(port(), `${path}?ms=${ms}`, { method, body }), { signal: controller.signal });
    const outcome: { text?: string; err?: Error & { kind?: string } } = await request.then(
      (a) => ({ text: a.data!.toString() }),
      (err: Error & { kind?: string }) => ({ err }),
    );
    return { ...outcome, ms: Date.now() - abortAt };
  }

  it('resolves with the answer of a PUT, POST or DELETE that comes within the grace', async () => {
    const small = await send('/put', 'PUT', 5, randomBytes(1000));
    expect(small.text).to.equal('stored /put');
    const streamed = await send('/stream', 'PUT', 5, Readable.from([randomBytes(300_000), randomBytes(5)]));
    expect(streamed.text).to.equal('stored /stream');
    expect((await send('/post', 'POST', 5, randomBytes(70_000))).text).to.equal('stored /post');
    expect((await send('/delete', 'DELETE', 5)).text).to.equal('stored /delete');
  });

  it('fails with Aborted saying the service may have done it when no answer comes within the grace', async () => {
    for (const [path, ms] of [
      ['/late', 500],
      ['/silent', 0],
    ] as const) {
      const late = await send(path, 'PUT', ms, randomBytes(1000));
      expect(late.err, path).to.be.instanceOf(FsError);
      expect(late.err!.kind).to.equal('Aborted');
      expect(late.err!.message).to.equal(
        'the operation was aborted after the request was sent: the service may have carried it out',
      );
      // The grace is 50 ms; the bound leaves room for a loaded machine, not for the late answer.
      expect(late.ms, path).to.be.below(250);
    }
  });

  it('keeps an answer that came within the grace while the event loop was busy', async () => {
    // The server runs on a thread of its own and answers 5 ms after the body; this thread
    // aborts when the body is in, then blocks until the answer has been sent and the grace
    // has run out, before its event loop can read the answer.
    const answered = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(
      `const { parentPort, workerData: answered } = require('node:worker_threads');
      const server = require('node:http').createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          parentPort.postMessage('in');
          setTimeout(() => res.end('stored', () => { Atomics.store(answered, 0, 1); Atomics.notify(answered, 0); }), 5);
        });
      });
      server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));`,
      { eval: true, workerData: answered },
    );
    try {
      const [workerPort] = (await once(worker, 'message')) as [number];
      const controller = new AbortController();
      let waited = '';
      worker.on('message', (m) => {
        if (m !== 'in') return;
        const abortAt = Date.now();
        controller.abort();
        waited = Atomics.wait(answered, 0, 0, 5_000);
        for (const until = abortAt + 100; Date.now() < until;);
      });
      const answer = await pool.request(get(workerPort, '/busy', { method: 'PUT', body: randomBytes(1000) }), {
        signal: controller.signal,
      });
      expect(waited).to.be.oneOf(['ok', 'not-equal']); // the answer was sent before this thread went on
      expect(controller.signal.aborted).to.equal(true);
      expect(answer.data!.toString()).to.equal('stored');
    } finally {
      await worker.terminate();
    }
  });

  it('fails a GET at once, whatever is sent', async () => {
    const read = await send('/read', 'GET', 1_000);
    expect(read.err?.kind).to.equal('Aborted');
    expect(read.err?.message).to.equal('the operation was aborted');
    // No grace for a read: it ends at once, not at the answer a second later.
    expect(read.ms).to.be.below(250);
  });
});

describe('core: Http1Pool reading a large body that trickles in', () => {
  const body = randomBytes(4 * 1024 * 1024 + 5);
  const PIECE = 8 * 1024;
  let writes = 0;
  /** Sends `body` in 8 KiB writes, one per turn of the event loop; `/cut` stops after 2 MiB. */
  const { port } = useServer((req, res) => {
    res.writeHead(200, { 'content-length': body.length });
    let at = 0;
    const next = (): void => {
      if (req.url === '/cut' && at >= 2 * 1024 * 1024) return;
      if (at >= body.length || res.destroyed) return void res.end();
      res.write(body.subarray(at, (at += PIECE)));
      writes++;
      setImmediate(next);
    };
    next();
  });
  const pool = new Http1Pool({ maxSockets: 4 });
  after(() => pool.destroy());

  /** A sink into `target` through two 1 MiB windows; counts the socket reads the pool makes meanwhile. */
  async function read(path: string, signal?: AbortSignal) {
    const target = Buffer.alloc(body.length);
    const windows: [Uint8Array, Uint8Array] = [new Uint8Array(1 << 20), new Uint8Array(1 << 20)];
    const sink: BodySink = { length: body.length, windows, write: async (b, at) => void target.set(b, at) };
    let reads = 0;
    const connect = net.connect;
    (net as { connect: unknown }).connect = (options: net.NetConnectOpts & { onread?: net.OnReadOpts }) => {
      const onread = options.onread!;
      const counted = { ...onread, callback: (n: number, buf: Uint8Array) => (reads++, onread.callback(n, buf)) };
      return connect({ ...options, onread: counted });
    };
    try {
      writes = 0;
      const answer = await pool.request(get(port(), path), { sink: () => sink, signal });
      return { answer, target, reads, writes };
    } finally {
      (net as { connect: unknown }).connect = connect;
    }
  }

  it('gathers small reads once a megabyte has come, and gets every byte', async () => {
    const { answer, target, reads, writes } = await read('/trickle');
    expect(answer.sunk).to.equal(body.length);
    expect(target.equals(body)).to.equal(true);
    // Read at once, each 8 KiB write would be a read of its own: past the first megabyte,
    // reads wait a moment and take many writes at a time.
    expect(writes).to.equal(Math.ceil(body.length / PIECE));
    expect(reads).to.be.above(0); // a new connection: the counting one
    expect(reads).to.be.below(writes * 0.6);
  });

  it('fails at once when aborted mid-body after reads began to gather, and reads the next answer whole', async () => {
    const controller = new AbortController();
    const t0 = Date.now();
    setTimeout(() => controller.abort(), 200);
    const e = await read('/cut', controller.signal).then(
      () => undefined,
      (err: unknown) => err as FsError,
    );
    expect(e).to.be.instanceOf(FsError).with.property('kind', 'Aborted');
    expect(Date.now() - t0).to.be.below(1_000);
    const { target } = await read('/trickle');
    expect(target.equals(body)).to.equal(true);
  });
});

describe('core: Http1Pool reading a large body straight into its place', () => {
  const body = randomBytes(3 * 1024 * 1024 + 7);
  const { port } = useServer((_req, res) => {
    res.writeHead(200, { 'content-length': body.length });
    res.end(body);
  });
  /** Runs `fn` on a new pool whose connections' reads are recorded: the memory each landed in and its size. */
  async function recording<T>(
    fn: (pool: Http1Pool) => Promise<T>,
  ): Promise<{ result: T; reads: Array<[ArrayBufferLike, number]> }> {
    const reads: Array<[ArrayBufferLike, number]> = [];
    const connect = net.connect;
    (net as { connect: unknown }).connect = (options: net.NetConnectOpts & { onread?: net.OnReadOpts }) => {
      const onread = options.onread!;
      const seen = {
        ...onread,
        callback: (n: number, buf: Uint8Array) => (reads.push([buf.buffer, n]), onread.callback(n, buf)),
      };
      return connect({ ...options, onread: seen });
    };
    try {
      const pool = new Http1Pool({ maxSockets: 2 });
      try {
        return { result: await fn(pool), reads };
      } finally {
        pool.destroy();
      }
    } finally {
      (net as { connect: unknown }).connect = connect;
    }
  }

  const landedIn = (reads: Array<[ArrayBufferLike, number]>, memory: ArrayBufferLike[]): number =>
    reads.filter(([b]) => memory.includes(b)).reduce((sum, [, n]) => sum + n, 0);

  it("reads a body going to a sink into the caller's windows, not through a buffer of its own", async () => {
    const target = Buffer.alloc(body.length);
    const windows: [Uint8Array, Uint8Array] = [new Uint8Array(1 << 20), new Uint8Array(1 << 20)];
    const sink: BodySink = {
      length: body.length,
      windows,
      write: async (b, at) => {
        await new Promise((r) => setImmediate(r));
        target.set(b, at);
      },
    };
    const { result, reads } = await recording((pool) => pool.request(get(port(), '/'), { sink: () => sink }));
    expect(result.sunk).to.equal(body.length);
    expect(target.equals(body)).to.equal(true);
    // The head comes into the pool's read buffer, with what of the body shares its read. So
    // does the first read after a pause for both windows being written: the memory of a read
    // is chosen as the read before it ends, when no window was free.
    const direct = landedIn(
      reads,
      windows.map((w) => w.buffer),
    );
    expect(direct).to.be.above(body.length * 0.6);
  });

  it('reads a body read whole into the answer itself, and the connection serves the next request', async () => {
    const { result, reads } = await recording(async (pool) => {
      const first = await pool.request(get(port(), '/'));
      const again = await pool.request(get(port(), '/'));
      return { first, again };
    });
    // All of the body but what came in the head's read (into the pool's buffer, 256 KiB at
    // most; a loaded machine lets more of the body gather behind the head) and a last piece
    // of less than 64 KiB (read into the pool's buffer when less than that is left).
    const landed = body.length - 256 * 1024 - 64 * 1024;
    expect(result.first.data!.equals(body)).to.equal(true);
    expect(landedIn(reads, [result.first.data!.buffer])).to.be.at.least(landed);
    expect(result.again.data!.equals(body)).to.equal(true);
    expect(landedIn(reads, [result.again.data!.buffer])).to.be.at.least(landed);
  });
});
