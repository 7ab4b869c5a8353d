import { expect } from 'chai';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FsError } from '@omnifs/core';
import { smallRequest, streamRequest } from '@omnifs/core/backend';

const TIMEOUTS = { connectTimeout: 1000, requestTimeout: 300, idleTimeout: 300 };

/** A loopback server with `handler` for the suite (started before, closed after); `base()` is its URL. */
function useServer(handler: RequestListener): { base: () => string } {
  let server: Server | undefined;
  let base = '';
  before(async () => {
    server = createServer(handler);
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server?.closeAllConnections();
    server?.close();
  });
  return { base: () => base };
}

describe('core: smallRequest', () => {
  const seen: Array<{ method: string; url: string; body: string; header: string | undefined }> = [];
  const { base } = useServer((req, res) => {
    let body = '';
    req.on('data', (b: Buffer) => (body += b.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, body, header: req.headers['x-test'] as string | undefined });
      if (req.url === '/silent') return; // never answers
      if (req.url === '/moved') {
        res.writeHead(307, { location: '/elsewhere' }).end('{"Location":"/elsewhere"}');
        return;
      }
      if (req.url === '/empty') {
        res.writeHead(204).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
      res.end(JSON.stringify({ ok: true }));
    });
  });

  it('sends method, headers and body, and gives the answer read in full', async () => {
    const res = await smallRequest(
      `${base()}/json`,
      { method: 'PUT', headers: { 'x-test': 'yes' }, body: 'hi' },
      TIMEOUTS,
    );
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('application/json');
    expect(res.headers.get('set-cookie')).to.equal('a=1, b=2');
    expect(await res.json()).to.deep.equal({ ok: true });
    expect(seen.at(-1)).to.deep.equal({ method: 'PUT', url: '/json', body: 'hi', header: 'yes' });
  });

  it('does not follow a redirect, and gives an empty answer a null body', async () => {
    const moved = await smallRequest(`${base()}/moved`, {}, TIMEOUTS);
    expect(moved.status).to.equal(307);
    expect(moved.headers.get('location')).to.equal('/elsewhere');
    const empty = await smallRequest(`${base()}/empty`, { method: 'DELETE' }, TIMEOUTS);
    expect(empty.status).to.equal(204);
    expect(empty.body).to.equal(null);
  });

  it('fails with a temporary ETIMEDOUT when no answer comes within requestTimeout', async () => {
    const started = Date.now();
    const err = await smallRequest(`${base()}/silent`, {}, TIMEOUTS).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(FsError);
    expect(err).to.include({ code: 'ETIMEDOUT', temporary: true });
    expect(Date.now() - started).to.be.within(250, 2000);
  });

  it('rejects with Aborted when the signal aborts, before or during the request', async () => {
    const before = AbortSignal.abort();
    const early = await smallRequest(`${base()}/json`, { signal: before }, TIMEOUTS).catch((e: unknown) => e);
    expect(early).to.include({ kind: 'Aborted' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const late = await smallRequest(
      `${base()}/silent`,
      { signal: controller.signal },
      { ...TIMEOUTS, requestTimeout: 5000 },
    ).catch((e: unknown) => e);
    expect(late).to.include({ kind: 'Aborted' });
  });

  it("rejects with Node's error and its code when nothing listens", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const err = await smallRequest(`http://127.0.0.1:${port}/`, {}, TIMEOUTS).catch((e: unknown) => e);
    expect(err).to.include({ code: 'ECONNREFUSED' });
  });
});

describe('core: streamRequest', () => {
  const BODY = Buffer.alloc(256 * 1024, 0x61);
  const { base } = useServer((req, res) => {
    if (req.url === '/close') {
      // The whole body, then the connection closed (as a WebHDFS datanode answers).
      res.writeHead(200, { 'content-length': BODY.length, connection: 'close' });
      res.end(BODY);
      return;
    }
    if (req.url === '/stall') {
      res.writeHead(200, { 'content-length': BODY.length });
      res.write(BODY.subarray(0, 1024)); // then nothing more
      return;
    }
    res.writeHead(307, { location: '/close' }).end();
  });

  it('gives the whole body when the server closes the connection while the reader pauses', async () => {
    const res = await streamRequest(`${base()}/close`, {}, TIMEOUTS);
    expect(res.status).to.equal(200);
    await new Promise((r) => setTimeout(r, 400)); // longer than idleTimeout: a pause is not timed
    const got = Buffer.from(await res.arrayBuffer());
    expect(got.equals(BODY)).to.equal(true);
  });

  it('does not follow a redirect', async () => {
    const res = await streamRequest(`${base()}/moved`, {}, TIMEOUTS);
    expect(res.status).to.equal(307);
    expect(res.headers.get('location')).to.equal('/close');
  });

  it('fails a read with a temporary ETIMEDOUT when no byte comes for idleTimeout', async () => {
    const res = await streamRequest(`${base()}/stall`, {}, TIMEOUTS);
    const err = await res.arrayBuffer().catch((e: unknown) => e);
    expect(err).to.include({ code: 'ETIMEDOUT', temporary: true });
  });

  it('aborts the body with the signal', async () => {
    const controller = new AbortController();
    const res = await streamRequest(
      `${base()}/stall`,
      { signal: controller.signal },
      { ...TIMEOUTS, idleTimeout: 5000 },
    );
    setTimeout(() => controller.abort(), 50);
    const err = await res.arrayBuffer().catch((e: unknown) => e);
    expect(err).to.include({ kind: 'Aborted' });
  });
});
