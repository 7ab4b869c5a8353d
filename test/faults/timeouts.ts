/**
 * The timeout and cancellation tests every remote backend passes: nine operations against a
 * server that accepts connections and never answers, and against one that sends headers
 * and a few bytes then stalls, end with a temporary `ETIMEDOUT` within the configured
 * timeout, and with `Aborted` within 100 ms of an abort; a transfer over a slow but steady
 * link (a throttling proxy in front of the real server) is not cut off by the idle timeout.
 */
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, connect, type AddressInfo, type Socket } from 'node:net';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setMaxListeners } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { filesystem, FsError, rsync, type FileSystem, type TimeoutOptions } from '@omnifs/core';
import { SENT_GRACE_MS } from '@omnifs/core/backend';
import { say } from '../servers/util';

/** A loopback server the tests talk to; `close` drops every connection. */
export interface TestServer {
  url: string;
  close(): Promise<void>;
}

async function listen(server: Server | ReturnType<typeof createTcpServer>, sockets: Set<Socket>): Promise<TestServer> {
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A TCP server that accepts every connection and never sends a byte. */
export function startSilentServer(): Promise<TestServer> {
  const sockets = new Set<Socket>();
  return listen(
    createTcpServer((s) => s.on('error', () => undefined)),
    sockets,
  );
}

/**
 * An HTTP server that answers every request with 200, headers announcing a body, and its
 * first `bytes` bytes, then stalls (HEAD requests, which have no body, get nothing at all).
 * `contentType` says what the body claims to be (a JSON API's answer cut after a few bytes).
 */
export function startStallingServer(contentType: string, bytes = '{"ki'): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    if (req.method === 'HEAD') return;
    // The headers of a real object's answer, so that clients go on to read the body.
    res.writeHead(200, {
      'content-type': contentType,
      'content-length': '1048576',
      etag: '"0x8D0000000000001"',
      'last-modified': new Date(0).toUTCString(),
      'x-ms-blob-type': 'BlockBlob',
    });
    res.write(bytes);
  });
  return listen(server, sockets);
}

/**
 * A TCP proxy to `target` that passes at most `bytesPerTick` bytes each way every `tickMs`:
 * a slow link whose bytes never stop flowing.
 */
export async function startThrottlingProxy(target: string, bytesPerTick: number, tickMs: number): Promise<TestServer> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const pipeSlowly = (from: Socket, to: Socket): void => {
    const queue: Buffer[] = [];
    let queued = 0;
    let ended = false;
    const timer = setInterval(() => {
      let budget = bytesPerTick;
      while (budget > 0 && queue.length > 0) {
        const head = queue[0]!;
        const part = head.subarray(0, budget);
        if (part.byteLength === head.byteLength) queue.shift();
        else queue[0] = head.subarray(budget);
        budget -= part.byteLength;
        queued -= part.byteLength;
        to.write(part);
      }
      if (queued < bytesPerTick) from.resume();
      if (ended && queue.length === 0) {
        clearInterval(timer);
        to.end();
      }
    }, tickMs);
    // Hold no more than a tick's worth: the sender feels the slow link, as on a real one.
    from.on('data', (b: Buffer) => {
      queue.push(b);
      queued += b.byteLength;
      if (queued >= bytesPerTick) from.pause();
    });
    from.on('end', () => {
      ended = true;
    });
    from.on('close', () => {
      if (!ended) {
        clearInterval(timer);
        to.destroy();
      }
    });
    from.on('error', () => undefined);
  };
  const server = createTcpServer((client) => {
    const upstream = connect(Number(port), hostname);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    pipeSlowly(client, upstream);
    pipeSlowly(upstream, client);
  });
  return listen(server, sockets);
}

/** What the shared tests need from a backend. */
export interface TimeoutTarget {
  /**
   * The backend pointed at `url` (a fake server, or a proxy in front of the real one),
   * with these timeouts and its SDK's own retries off.
   */
  make: (url: string, timeouts: TimeoutOptions) => FileSystem;
  /** A path of a file on the fake servers (`bucket/key`, or `/dir/file`). */
  file: string;
  /** What the stalling server's bodies claim to be (the backend's API format). */
  contentType: string;
  /**
   * The real server, for the slow-link test: its URL, a directory (or bucket) to write in,
   * and where it needs to send redirects so that they come through the slow link too.
   */
  real?: () => { url: string; root: string; redirectVia?: (origin: string) => void };
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

type Operation = [name: string, run: (fs: FileSystem, signal?: AbortSignal) => Promise<unknown>];

/** The operations, each given a fresh local directory for put and get. */
function operations(file: string, local: string): Operation[] {
  const dir = file.slice(0, file.lastIndexOf('/'));
  const s = (signal?: AbortSignal): { signal?: AbortSignal } => (signal ? { signal } : {});
  return [
    ['info', (fs, signal) => fs.info(file, s(signal))],
    ['exists', (fs, signal) => fs.exists(file, s(signal))],
    ['ls', (fs, signal) => fs.ls(dir, s(signal))],
    // The root: S3's and GCS's buckets, Azure's containers (the service client's own call).
    ['ls of the root', (fs, signal) => fs.ls(fs.rootMarker, s(signal))],
    ['cat', (fs, signal) => fs.cat(file, s(signal))],
    ['catFile range', (fs, signal) => fs.catFile(file, { start: 1, end: 100, ...s(signal) })],
    ['pipeFile', (fs, signal) => fs.pipeFile(`${dir}/new.bin`, new Uint8Array(1000), s(signal))],
    ['put', (fs, signal) => fs.put(join(local, 'up.bin'), `${dir}/up.bin`, s(signal))],
    ['get', (fs, signal) => fs.get(file, join(local, 'down', 'got.bin'), s(signal))],
    ['cp', (fs, signal) => fs.cp(file, `${dir}/copy.bin`, s(signal))],
    ['makedirs', (fs, signal) => fs.makedirs(`${dir}/made`, { existOk: true, ...s(signal) })],
    ['rmdir', (fs, signal) => fs.rmdir(dir, s(signal))],
    ['touch', (fs, signal) => fs.touch(`${dir}/touched`, s(signal))],
    ['checksum', (fs, signal) => fs.checksum(file, s(signal))],
    ['modified', (fs, signal) => fs.modified(file, s(signal))],
    ['du', (fs, signal) => fs.du(dir, s(signal))],
    [
      'walk',
      async (fs, signal) => {
        for await (const _ of fs.walk(dir, s(signal)));
      },
    ],
    ['rsync', (fs, signal) => rsync({ fs, path: dir }, { fs: filesystem('memory'), path: '/mirror' }, s(signal))],
  ];
}

/** Runs every operation at once; returns how each ended, after how long, and when. */
/** One operation's outcome: its error, if one, and when it ended. */
interface Ran {
  name: string;
  error: unknown;
  ms: number;
  end: number;
}

async function runAll(ops: Operation[], fs: FileSystem, signal?: AbortSignal): Promise<Ran[]> {
  const t0 = Date.now();
  return Promise.all(
    ops.map(async ([name, run]) => {
      let error: unknown;
      try {
        await run(fs, signal);
      } catch (e) {
        error = e;
      }
      const end = Date.now();
      return { name, error, ms: end - t0, end };
    }),
  );
}

/** Defines the tests, inside the caller's describe. */
export function timeoutTests(t: TimeoutTarget): void {
  describe('timeouts and cancellation', function () {
    this.timeout(30_000);
    let local: string;
    before(async function () {
      local = await mkdtemp(join(tmpdir(), 'omnifs-timeouts-'));
      await writeFile(join(local, 'up.bin'), randomBytes(1000));
    });
    after(() => rm(local, { recursive: true, force: true }));

    const TIMEOUT = 400;
    const short: TimeoutOptions = { connectTimeout: TIMEOUT, requestTimeout: TIMEOUT, idleTimeout: TIMEOUT };
    const long: TimeoutOptions = { connectTimeout: 60_000, requestTimeout: 60_000, idleTimeout: 60_000 };

    for (const kind of ['silent', 'stalling'] as const) {
      describe(`against a ${kind} server`, function () {
        let server: TestServer;
        before(async function () {
          server = kind === 'silent' ? await startSilentServer() : await startStallingServer(t.contentType);
        });
        after(() => server?.close());

        it('ends every operation with a temporary ETIMEDOUT within its timeout', async function () {
          const results = await runAll(operations(t.file, local), t.make(server.url, short));
          for (const r of results) {
            expect(r.error, r.name).to.be.instanceOf(FsError);
            const e = r.error as FsError;
            expect(e.code, `${r.name}: ${e.message}`).to.equal('ETIMEDOUT');
            expect(e.temporary, r.name).to.equal(true);
            // A derived operation may make two requests in a row (a HEAD, then a listing).
            expect(r.ms, r.name).to.be.below(3 * TIMEOUT + 300);
          }
          expect(await readdir(local)).to.deep.equal(['up.bin']);
        });

        it('ends every operation with Aborted within 100 ms of an abort', async function () {
          const { results, firedAt } = await abortedRun(() => {
            const controller = new AbortController();
            setMaxListeners(100, controller.signal); // the operations share it
            setTimeout(() => controller.abort(), 300);
            return controller.signal;
          });
          for (const r of results) {
            expect(r.error, r.name).to.be.instanceOf(FsError);
            expect((r.error as FsError).kind, `${r.name}: ${(r.error as FsError).message}`).to.equal('Aborted');
            expect(r.end - firedAt, r.name).to.be.below(100);
          }
          expect(await readdir(local)).to.deep.equal(['up.bin']);
        });

        it('obeys AbortSignal.timeout on every operation', async function () {
          const { results, firedAt } = await abortedRun(() => {
            const signal = AbortSignal.timeout(300);
            setMaxListeners(100, signal);
            return signal;
          });
          for (const r of results) {
            expect((r.error as FsError | undefined)?.kind, r.name).to.equal('Aborted');
            expect(r.end - firedAt, r.name).to.be.below(100);
          }
        });

        /**
         * Runs every operation under the signal `make` gives, timed from when it fired (on a
         * loaded machine its timer itself runs late). Once more if a call ended 100 ms or more
         * after it while the event loop stood still for what the slowest call had to spare (a
         * pause for garbage collection in a long test process, a starved machine): no call can
         * end before the loop runs. A write whose request was sent whole waits
         * {@link SENT_GRACE_MS} for its answer before it fails, so a stall of the other
         * 100 - SENT_GRACE_MS ms makes it late. A call that is late by itself is late again.
         */
        async function abortedRun(make: () => AbortSignal): Promise<{ results: Ran[]; firedAt: number }> {
          for (let attempt = 1; ; attempt++) {
            const signal = make();
            let firedAt = Infinity;
            signal.addEventListener('abort', () => (firedAt = Date.now()), { once: true });
            const loop = monitorEventLoopDelay({ resolution: 10 });
            loop.enable();
            const results = await runAll(operations(t.file, local), t.make(server.url, long), signal);
            loop.disable();
            expect(Number.isFinite(firedAt), 'the signal fired').to.equal(true);
            const late = results.some((r) => r.end - firedAt >= 100);
            if (!late || attempt === 2 || loop.max / 1e6 < 100 - SENT_GRACE_MS) return { results, firedAt };
            say(`a call ended late while the event loop stood still ${Math.round(loop.max / 1e6)} ms: once more`);
          }
        }
      });
    }

    if (t.real !== undefined) {
      it('does not cut off a transfer over a slow but steady link', async function () {
        const { url, root, redirectVia } = t.real!();
        // 64 KiB every 100 ms: about 1.5 s each way, many times the 250 ms idle timeout.
        const proxy = await startThrottlingProxy(url, 64 * 1024, 100);
        try {
          const data = randomBytes(1024 * 1024);
          const path = `${root}/slow.bin`;
          await t.make(url, {}).pipeFile(path, data);
          redirectVia?.(proxy.url);
          const fs = t.make(proxy.url, { connectTimeout: 250, requestTimeout: 10_000, idleTimeout: 250 });
          const started = Date.now();
          expect(sha(await fs.catFile(path))).to.equal(sha(data));
          expect(Date.now() - started).to.be.above(1000);
          await fs.pipeFile(`${path}.up`, data);
          expect(Date.now() - started).to.be.above(2000);
          redirectVia?.(url);
          expect(sha(await t.make(url, {}).cat(`${path}.up`))).to.equal(sha(data));
        } finally {
          redirectVia?.(url);
          await proxy.close();
        }
      });
    }
  });
}
