/** GCS against a silent and a stalling server, and over a slow link: timeouts and aborts end every operation. */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { chunked, expectFsError } from '@omnifs/testkit';
import { timeoutTests } from '../../../test/faults/timeouts';
import { makeFs, useBucket } from './helpers';

const MiB = 1024 * 1024;

describe('gcs: timeouts', function () {
  const store = useBucket({}, { once: true });

  timeoutTests({
    make: (apiEndpoint, timeouts) =>
      makeFs(store.info, { apiEndpoint, storageOptions: { retryOptions: { autoRetry: false } }, ...timeouts }),
    file: 'bucket/dir/file.bin',
    // A JSON answer cut after a few bytes.
    contentType: 'application/json',
    real: () => ({ url: store.info.apiEndpoint, root: store.root }),
  });

  /**
   * A stand-in for GCS's upload endpoint: opens sessions (their URI on itself, `upload_id`
   * `id`), answers a session's DELETE with 499 and hands the data request to `put`; records
   * every request as `METHOD url`.
   */
  async function sessionServer(
    id: string,
    put: (req: IncomingMessage, res: ServerResponse) => void,
  ): Promise<{ endpoint: string; seen: string[]; close: () => void }> {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.method === 'PUT') return put(req, res);
      req.resume();
      req.on('end', () => {
        const { port } = server.address() as AddressInfo;
        if (req.method === 'POST')
          res.writeHead(200, { location: `http://127.0.0.1:${port}/upload/storage/v1/b/b/o?upload_id=${id}` });
        else res.writeHead(499);
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      seen,
      close: () => {
        server.closeAllConnections();
        server.close();
      },
    };
  }

  it('ends a resumable upload whose link stops taking bytes with a temporary ETIMEDOUT, and cancels its session', async function () {
    this.timeout(30_000);
    // Never reads the session's bytes nor answers them.
    const server = await sessionServer('stuck', (req) => req.pause());
    try {
      const fs = makeFs(store.info, {
        apiEndpoint: server.endpoint,
        partSize: MiB,
        idleTimeout: 300,
        requestTimeout: 5_000,
        storageOptions: { retryOptions: { autoRetry: false } },
      });
      const started = Date.now();
      const err = await expectFsError(
        fs.pipeFile('b/stuck.bin', Readable.from(chunked(randomBytes(64 * MiB), MiB))),
        'Unexpected',
        'ETIMEDOUT',
      );
      expect(err.temporary).to.equal(true);
      expect(err.message).to.not.contain('upload_id');
      expect(Date.now() - started).to.be.below(5_000);
      expect(server.seen.filter((r) => r.startsWith('PUT '))).to.have.length(1);
      expect(server.seen).to.include('DELETE /upload/storage/v1/b/b/o?upload_id=stuck');
    } finally {
      server.close();
    }
  });

  /**
   * A piped upload of 3 MiB + 5 bytes to a session that reads every byte, aborts the call's
   * signal, and answers `answerMs` later as GCS does once the object is stored: how the call
   * ended, how long after the abort, and the requests the endpoint saw.
   */
  async function abortAfterLastByte(
    answerMs: number,
  ): Promise<{ error: unknown; afterAbortMs: number; seen: string[] }> {
    const controller = new AbortController();
    let abortAt = Infinity;
    controller.signal.addEventListener('abort', () => (abortAt = Date.now()));
    const server = await sessionServer('done', (req, res) => {
      let bytes = 0;
      req.on('data', (b: Buffer) => (bytes += b.byteLength));
      req.on('end', () => {
        controller.abort();
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ bucket: 'b', name: 'done.bin', generation: '1', size: String(bytes) }));
        }, answerMs);
      });
    });
    try {
      const fs = makeFs(store.info, {
        apiEndpoint: server.endpoint,
        partSize: MiB,
        storageOptions: { retryOptions: { autoRetry: false } },
      });
      const data = Readable.from(chunked(randomBytes(3 * MiB + 5), MiB));
      const error = await fs.pipeFile('b/done.bin', data, { signal: controller.signal }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(controller.signal.aborted).to.equal(true);
      return { error, afterAbortMs: Date.now() - abortAt, seen: server.seen };
    } finally {
      server.close();
    }
  }

  it('reports the stored object when the signal aborts after the last byte and the answer comes at once', async function () {
    const { error, seen } = await abortAfterLastByte(5);
    expect(error).to.equal(undefined);
    expect(seen.filter((r) => r.startsWith('DELETE '))).to.deep.equal([]);
  });

  it('ends after the grace of an abort after the last byte, not at the answer, saying the object may be stored', async function () {
    const answerMs = 1_000;
    const { error, afterAbortMs } = await abortAfterLastByte(answerMs);
    const err = await expectFsError(Promise.reject(error), 'Aborted', 'ABORT_ERR');
    // The grace is 50 ms; the bound leaves room for a loaded machine, not for the answer.
    expect(afterAbortMs).to.be.below(answerMs / 2);
    expect(err.message).to.contain('the service may have carried it out');
    expect(err.message).to.not.contain('upload_id');
  });
});
