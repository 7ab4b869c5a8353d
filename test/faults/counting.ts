/**
 * A byte-counting HTTP proxy for tests that assert how much a client sends: it sits on
 * 127.0.0.1 in front of one loopback server, forwards every request unchanged (bodies
 * streamed), and records each request's method, path and query, and body bytes. Redirects
 * to any loopback origin (a WebHDFS datanode) are rewritten to come back through it, so
 * the data step of a two-step WebHDFS write is counted too.
 *
 * ```ts
 * const proxy = await startCountingProxy({ target: hdfs.info.namenodeUrl });
 * new HDFSFileSystem({ url: proxy.url, user });
 * proxy.bytesSent((r) => r.method === 'POST'); // bytes of APPEND bodies
 * ```
 */
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One forwarded request. */
export interface CountedRequest {
  readonly method: string;
  /** Path and query as sent upstream (the `/__via/HOST:PORT` prefix removed). */
  readonly url: string;
  /** `host:port` the request went to. */
  readonly upstream: string;
  /** Body bytes the client sent. */
  bytes: number;
  /** Names of the request's headers, lower case (values are not kept: they may hold secrets). */
  readonly headerNames: readonly string[];
}

/** A running counting proxy. */
export interface CountingProxy {
  readonly url: string;
  /** Every request so far, in arrival order. */
  readonly requests: readonly CountedRequest[];
  /** Body bytes of the requests matching `filter` (all by default). */
  bytesSent(filter?: (r: CountedRequest) => boolean): number;
  /** Forgets the requests recorded so far. */
  reset(): void;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const VIA = /^\/__via\/([^/]+)(\/.*)?$/;
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'upgrade', 'te', 'trailer', 'expect'];

/** Starts a counting proxy on a free 127.0.0.1 port in front of `target` (loopback only). */
export async function startCountingProxy(opts: { target: string }): Promise<CountingProxy> {
  const target = new URL(opts.target);
  if (!LOOPBACK.has(target.hostname)) throw new Error(`counting proxy targets loopback only, not ${target.hostname}`);
  let requests: CountedRequest[] = [];
  const agent = new Agent({ keepAlive: true });
  const sockets = new Set<Socket>();
  let self = '';

  const server = createServer((req, res) => {
    let host = target.host;
    let path = req.url ?? '/';
    const via = VIA.exec(path);
    if (via) {
      host = via[1]!;
      path = via[2] ?? '/';
    }
    const record: CountedRequest = {
      method: req.method ?? 'GET',
      url: path,
      upstream: host,
      bytes: 0,
      headerNames: Object.keys(req.headers),
    };
    requests.push(record);
    const headers: Record<string, string | string[] | undefined> = { ...req.headers, host };
    for (const h of HOP_BY_HOP) delete headers[h];
    const up = request(
      {
        host: host.replace(/:\d+$/, '').replace(/^\[|\]$/g, ''),
        port: Number(/:(\d+)$/.exec(host)?.[1] ?? 80),
        method: req.method,
        path,
        headers,
        agent,
      },
      (upRes) => {
        const out = { ...upRes.headers };
        for (const h of HOP_BY_HOP) delete out[h];
        const loc = upRes.headers.location;
        if (typeof loc === 'string') {
          const u = new URL(loc, `http://${host}`);
          if (LOOPBACK.has(u.hostname)) out.location = `${self}/__via/${u.host}${u.pathname}${u.search}`;
        }
        res.writeHead(upRes.statusCode ?? 502, out);
        upRes.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.on('data', (b: Buffer) => {
      record.bytes += b.length;
    });
    req.pipe(up);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  self = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: self,
    get requests() {
      return requests;
    },
    bytesSent: (filter = () => true) => requests.filter(filter).reduce((n, r) => n + r.bytes, 0),
    reset: () => {
      requests = [];
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      agent.destroy();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
