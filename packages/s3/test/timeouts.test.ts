/** S3 against a silent and a stalling server, and over a slow link: timeouts and aborts end every operation. */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FsError } from '@omnifs/core';
import { timeoutTests } from '../../../test/faults/timeouts';
import { makeFs, useBucket } from './helpers';

describe('s3: timeouts', function () {
  const store = useBucket({}, { once: true });

  timeoutTests({
    make: (endpoint, timeouts) => makeFs(store.info, { endpoint, maxAttempts: 1, ...timeouts }),
    file: 'bucket/dir/file.bin',
    contentType: 'application/xml',
    real: () => ({ url: store.info.endpoint, root: store.root }),
  });
});

describe('s3: a write on the SDK path aborted after it was sent', function () {
  const store = useBucket({}, { once: true });

  /**
   * Puts 3 KiB with `leanRequests: false` to a server that reads the whole PutObject body,
   * then aborts the caller's signal and answers `answerMs` later.
   */
  async function abortAfterBody(answerMs: number): Promise<{ error: unknown; afterAbortMs: number; puts: number }> {
    const controller = new AbortController();
    let abortAt = Infinity;
    let puts = 0;
    controller.signal.addEventListener('abort', () => (abortAt = Date.now()));
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.method !== 'PUT') return void res.writeHead(404).end();
        puts++;
        controller.abort();
        setTimeout(() => res.writeHead(200, { etag: '"0123456789abcdef0123456789abcdef"' }).end(), answerMs);
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const fs = makeFs(store.info, { endpoint, leanRequests: false, maxAttempts: 1 });
      const error = await fs.pipeFile('bucket/dir/sent.bin', randomBytes(3 * 1024), { signal: controller.signal }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(controller.signal.aborted).to.equal(true);
      return { error, afterAbortMs: Date.now() - abortAt, puts };
    } finally {
      server.closeAllConnections();
      server.close();
    }
  }

  it('resolves with the answer that comes within the grace', async () => {
    const { error, puts } = await abortAfterBody(5);
    expect(error).to.equal(undefined);
    expect(puts).to.equal(1);
  });

  it('ends within 100 ms of the abort, saying the service may have carried it out', async () => {
    const { error, afterAbortMs, puts } = await abortAfterBody(1_000);
    expect(error).to.be.instanceOf(FsError);
    expect(error).to.include({ kind: 'Aborted', code: 'ABORT_ERR' });
    expect((error as FsError).message).to.contain('after the request was sent: the service may have carried it out');
    expect(afterAbortMs).to.be.below(100);
    expect(puts).to.equal(1);
  });
});
