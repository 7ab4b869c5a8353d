/** GCS against a silent and a stalling server, and over a slow link: timeouts and aborts end every operation. */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
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

  it('ends a resumable upload whose link stops taking bytes with a temporary ETIMEDOUT, and cancels its session', async function () {
    this.timeout(30_000);
    // Opens sessions, then never reads their bytes nor answers them.
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.method === 'PUT') return req.pause();
      req.resume();
      req.on('end', () => {
        const { port } = server.address() as AddressInfo;
        if (req.method === 'POST')
          res.writeHead(200, { location: `http://127.0.0.1:${port}/upload/storage/v1/b/b/o?upload_id=stuck` });
        else res.writeHead(499);
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const fs = makeFs(store.info, {
        apiEndpoint: `http://127.0.0.1:${port}`,
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
      expect(seen.filter((r) => r.startsWith('PUT '))).to.have.length(1);
      expect(seen).to.include('DELETE /upload/storage/v1/b/b/o?upload_id=stuck');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
