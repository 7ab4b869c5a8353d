import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FsError } from '@omnifs/core';
import { LentBuffers, StreamedUpload, type StreamedUploadOptions } from '@omnifs/core/backend';

const TIMEOUTS = { connectTimeout: 1000, requestTimeout: 1000, idleTimeout: 300 };

/** A loopback server for one test; closed after it. */
async function serve(handler: RequestListener): Promise<{ url: string; close: () => void }> {
  const server: Server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/up`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

const options = (extra: Partial<StreamedUploadOptions> = {}): StreamedUploadOptions => ({
  method: 'PUT',
  timeouts: TIMEOUTS,
  what: 'the test upload',
  refused: (status, body) => Object.assign(new Error(`refused ${status}: ${body}`), { status }),
  ...extra,
});

const caught = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => 'resolved',
    (e: unknown) => e,
  );

describe('core: StreamedUpload', () => {
  it('resolves, and has not failed, when its signal aborts after the last byte and the answer comes within the grace', async () => {
    const controller = new AbortController();
    const server = await serve((req, res) => {
      req.resume();
      req.on('end', () => {
        controller.abort();
        setTimeout(() => res.end('{}'), 5);
      });
    });
    try {
      const up = new StreamedUpload(server.url, options({ signal: controller.signal }));
      await up.write(randomBytes(100_000));
      expect((await up.finish()).status).to.equal(200);
      await new Promise((r) => setTimeout(r, 80)); // past the grace
      expect(up.failed).to.equal(false);
    } finally {
      server.close();
    }
  });

  it('sends what is written and lent, chunked, byte-exact, and resolves finish with the answer', async () => {
    const server = await serve((req, res) => {
      const hash = createHash('sha256');
      req.on('data', (b: Buffer) => hash.update(b));
      req.on('end', () => {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ sha: hash.digest('hex'), chunked: req.headers['transfer-encoding'] === 'chunked' }));
      });
    });
    try {
      const up = new StreamedUpload(server.url, options({ headers: { 'x-test': '1' } }));
      const data = randomBytes(5 * 1024 * 1024 + 7);
      await up.write(data.subarray(0, 3_000_000));
      const lent = Buffer.from(data.subarray(3_000_000));
      await up.lend(lent);
      lent.fill(0); // the socket has taken it: filling it again changes nothing sent
      const answer = await up.finish();
      expect(answer.status).to.equal(201);
      expect(JSON.parse(answer.body.toString())).to.deep.equal({
        sha: createHash('sha256').update(data).digest('hex'),
        chunked: true,
      });
    } finally {
      server.close();
    }
  });

  it('fails the waiting and later writes with the refusal when the server answers before the body ends', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(403).end('no');
    });
    try {
      const up = new StreamedUpload(server.url, options());
      let err: unknown;
      for (let i = 0; i < 64 && err === undefined; i++)
        err = await caught(up.write(randomBytes(1024 * 1024))).then((e) => (e === 'resolved' ? undefined : e));
      expect(err).to.be.instanceOf(Error).and.include({ message: 'refused 403: no', status: 403 });
      expect(up.failed).to.equal(true);
      expect(await caught(up.write(new Uint8Array(1)))).to.equal(err);
    } finally {
      server.close();
    }
  });

  it('fails with a temporary ETIMEDOUT when the server stops taking bytes for idleTimeout', async () => {
    const server = await serve((req) => {
      req.pause(); // never reads, never answers
    });
    try {
      const up = new StreamedUpload(server.url, options());
      const started = Date.now();
      let err: unknown;
      for (let i = 0; i < 256 && err === undefined; i++)
        err = await caught(up.write(randomBytes(1024 * 1024))).then((e) => (e === 'resolved' ? undefined : e));
      expect(err).to.be.instanceOf(FsError);
      expect(err).to.include({ code: 'ETIMEDOUT', temporary: true });
      expect((err as FsError).message).to.contain('no progress on the test upload');
      expect(Date.now() - started).to.be.below(5000);
    } finally {
      server.close();
    }
  });
});

describe('core: LentBuffers', () => {
  it('sends each buffer whole once filled, and lends it again only after its send is done', async () => {
    const sends: Array<{ data: Uint8Array; done: () => void }> = [];
    const lent = new LentBuffers(
      (data) =>
        new Promise<void>((done) => {
          sends.push({ data: Uint8Array.from(data), done });
        }),
      2,
      4,
    );
    const first = lent.space();
    first.set([1, 2, 3]);
    expect(lent.take(3)).to.equal(false);
    lent.space().set([4]);
    expect(lent.take(1)).to.equal(true);
    await lent.next(); // the second buffer has no send in flight
    expect(sends.map((s) => [...s.data])).to.deep.equal([[1, 2, 3, 4]]);
    lent.space().set([5, 6, 7, 8]);
    expect(lent.take(4)).to.equal(true);
    let moved = false;
    const next = lent.next().then(() => (moved = true));
    await new Promise((r) => setImmediate(r));
    expect(moved).to.equal(false); // the first buffer's send is still reading it
    sends[0]!.done();
    await next;
    expect(lent.space()).to.have.length(4);
    lent.space().set([9]);
    lent.take(1);
    const flushed = lent.flush();
    sends[1]!.done();
    await new Promise((r) => setImmediate(r));
    sends[2]!.done();
    await flushed;
    expect(sends.map((s) => [...s.data])).to.deep.equal([[1, 2, 3, 4], [5, 6, 7, 8], [9]]);
    expect(() => lent.take(5)).to.throw(FsError, 'more than the room lent');
    lent.release();
  });
});
