/**
 * A write aborted after its request was sent, on a backend's lean or SDK path: a server reads the
 * whole upload, then the caller's signal aborts and the server answers later. An answer
 * within the 50 ms grace stands; without one the write fails once the grace is over, long
 * before the answer (a second later), with `Aborted` saying the service may have carried it
 * out.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FsError, type FileSystem } from '@omnifs/core';

/** What {@link sentWriteTests} needs from a backend. */
export interface SentWriteTarget {
  /** Which request path the filesystems take: `lean`, or `the SDK`. */
  path: string;
  /** The backend at `url` (the fake server) on that path, with retries off. */
  make: (url: string) => FileSystem;
  /** The file written (`bucket/key`, `container/blob`). */
  file: string;
  /** The status and headers of the service's answer to the upload. */
  answer: { status: number; headers: Record<string, string> };
}

/** Defines the tests, inside the caller's describe. */
export function sentWriteTests(t: SentWriteTarget): void {
  /** Writes 3 KiB; the server aborts the caller's signal once it has the body and answers `answerMs` later. */
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
        setTimeout(() => res.writeHead(t.answer.status, t.answer.headers).end(), answerMs);
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    try {
      const fs = t.make(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      const error = await fs.pipeFile(t.file, randomBytes(3 * 1024), { signal: controller.signal }).then(
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

  describe(`a write on the ${t.path} path aborted after it was sent`, () => {
    it('resolves with the answer that comes within the grace', async () => {
      const { error, puts } = await abortAfterBody(5);
      expect(error).to.equal(undefined);
      expect(puts).to.equal(1);
    });

    it('ends after the grace, not at the answer, saying the service may have carried it out', async () => {
      const answerMs = 1_000;
      const { error, afterAbortMs, puts } = await abortAfterBody(answerMs);
      expect(error).to.be.instanceOf(FsError);
      expect(error).to.include({ kind: 'Aborted', code: 'ABORT_ERR' });
      expect((error as FsError).message).to.contain('after the request was sent: the service may have carried it out');
      // The grace is 50 ms; the bound leaves room for a loaded machine, not for the answer.
      expect(afterAbortMs).to.be.below(answerMs / 2);
      expect(puts).to.equal(1);
    });
  });
}
