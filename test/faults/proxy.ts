/**
 * A fault-injecting HTTP proxy for reliability tests: sits on 127.0.0.1 in front of one
 * loopback server and, per request, either forwards it (streaming both bodies, with
 * back-pressure) or injects a fault: connection reset, an error status (500/503, S3
 * `SlowDown` XML), added delay, or a response body cut short. Faults fire at a set rate
 * (seeded RNG, reproducible), on a schedule (the next N requests, every k-th), or both.
 *
 * ```ts
 * const proxy = await startFaultProxy({ target: s3.info.endpoint, seed: 42 });
 * proxy.addRule({ fault: { kind: 'slowdown' }, rate: 0.1 });
 * proxy.addRule({ fault: { kind: 'reset' }, failNext: 2, match: (r) => r.method === 'PUT' });
 * new S3Client({ ...s3.info, endpoint: proxy.url });
 * ```
 */
import {
  Agent,
  createServer,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What to do to one request. */
export type Fault =
  /** Reset the client's connection (TCP RST) without answering. */
  | { readonly kind: 'reset' }
  /** Answer with this status (e.g. 500, 503) without contacting the upstream. */
  | {
      readonly kind: 'status';
      readonly status: number;
      readonly body?: string;
      readonly headers?: Readonly<Record<string, string>>;
    }
  /** Answer 503 with S3's `SlowDown` error XML. */
  | { readonly kind: 'slowdown' }
  /** Wait `ms`, then forward normally. */
  | { readonly kind: 'delay'; readonly ms: number }
  /** Forward, but cut the response body after `afterBytes` (default: half the body) and drop the connection. */
  | { readonly kind: 'truncate'; readonly afterBytes?: number }
  /** Forward, but pause the response body for `ms` after `afterBytes` (default: half the body), then go on. */
  | { readonly kind: 'stall'; readonly ms: number; readonly afterBytes?: number }
  /** Forward the request and let the upstream answer, then reset the client's connection: the answer is lost. */
  | { readonly kind: 'lose-answer' }
  /**
   * Forward, and call `run` once the upstream's answer has come, just before it is passed on:
   * an event at a known point after the service carried the request out (a signal aborted
   * while the answer is on its way back).
   */
  | { readonly kind: 'before-answer'; readonly run: () => void }
  /** Forward the request with one bit of its body flipped (the byte at `at`, default its first): bytes damaged on the way. */
  | { readonly kind: 'corrupt-request'; readonly at?: number }
  /** Forward the request without its Range headers: a store that answers a ranged read with the whole object. */
  | { readonly kind: 'ignore-range' }
  /**
   * Forward the request without its `If-Match` header, once `after()` resolved (default: at
   * once): a store that ignores `If-Match`, answering a read pinned to a replaced object
   * with the new one.
   */
  | { readonly kind: 'ignore-if-match'; readonly after?: () => Promise<unknown> }
  /**
   * Forward a ranged read asking for the range `range` returns instead of its own (`first`
   * and `last` as in `bytes=first-last`, `last` undefined: to the end): a store, or a cache
   * in between, that answers another range than the one asked for.
   */
  | {
      readonly kind: 'answer-range';
      readonly range: (first: number, last: number | undefined) => [number, number | undefined];
    };

/** The request as a rule's `match` sees it. */
export interface RequestInfo {
  readonly method: string;
  /** Path and query as sent to the upstream. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

/** When a fault fires. Triggers combine with OR; with none set the rule fires on every matching request. */
export interface FaultRule {
  readonly fault: Fault;
  /** Probability per matching request, drawn from the proxy's seeded RNG. */
  readonly rate?: number;
  /** Fire on the next N matching requests. */
  readonly failNext?: number;
  /** Fire on every k-th matching request (the k-th, 2k-th, ...). */
  readonly every?: number;
  /** Only requests for which this returns true count for the rule. */
  readonly match?: (req: RequestInfo) => boolean;
}

/** Counts of what the proxy did, by outcome. */
export interface ProxyCounters {
  requests: number;
  forwarded: number;
  resets: number;
  statuses: number;
  slowdowns: number;
  delays: number;
  truncations: number;
  stalls: number;
  lostAnswers: number;
  corruptions: number;
  rangesIgnored: number;
  /** Ranged reads forwarded asking for another range (`answer-range`). */
  rangesRewritten: number;
  /** Requests forwarded without the `If-Match` they had. */
  ifMatchIgnored: number;
  upstreamErrors: number;
}

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** Upstream base URL, e.g. `http://127.0.0.1:9000`; must be on loopback. */
  readonly target: string;
  /** Seed of the RNG behind `rate` (default 1). Same seed, same requests: same faults. */
  readonly seed?: number;
  readonly rules?: readonly FaultRule[];
  /**
   * Rewrite `Location` headers so redirects come back through the proxy: `'target'`
   * rewrites those pointing at the upstream; `'loopback'` also those pointing at any other
   * loopback origin (e.g. a WebHDFS datanode), routed via `/__via/HOST:PORT/...`.
   * Default: no rewriting.
   */
  readonly rewriteRedirects?: 'target' | 'loopback';
}

/** A running proxy. */
export interface FaultProxy {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** Live counters; {@link FaultProxy.resetCounters} zeroes them. */
  readonly counters: Readonly<ProxyCounters>;
  addRule(rule: FaultRule): void;
  clearRules(): void;
  resetCounters(): void;
  /** Points rewritten redirects at another origin from now on, e.g. a proxy in front of this one. */
  redirectVia(origin: string): void;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/** mulberry32: a small, seedable PRNG with uniform output in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const VIA = /^\/__via\/([^/]+)(\/.*)?$/;
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'upgrade', 'te', 'trailer', 'expect'];

/** S3's throttling answer. */
export const SLOWDOWN_XML =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>' +
  '<RequestId>FAULTPROXY</RequestId></Error>';

interface LiveRule {
  readonly rule: FaultRule;
  seen: number;
  left: number;
}

/** Pipes a response body, pausing it for `ms` once `afterBytes` (default: half the body) went through. */
function stallBody(ures: IncomingMessage, res: ServerResponse, ms: number, afterBytes: number | undefined): void {
  const length = Number(ures.headers['content-length'] ?? NaN);
  const limit = afterBytes ?? (Number.isFinite(length) ? Math.floor(length / 2) : 1);
  let sent = 0;
  let stalled = false;
  let holding = false;
  ures.on('data', (chunk: Buffer) => {
    if (!stalled && sent + chunk.length > limit) {
      stalled = true;
      holding = true;
      const head = chunk.subarray(0, limit - sent);
      res.write(head);
      ures.pause();
      setTimeout(() => {
        holding = false;
        if (!res.destroyed) res.write(chunk.subarray(head.length));
        ures.resume();
      }, ms);
      return;
    }
    sent += chunk.length;
    if (!res.write(chunk)) ures.pause();
  });
  res.on('drain', () => {
    if (!holding) ures.resume();
  });
  ures.on('end', () => {
    const finish = (): void => {
      if (holding) setTimeout(finish, 5);
      else res.end();
    };
    finish();
  });
  res.on('close', () => ures.destroy());
}

/** Starts a fault proxy on a free 127.0.0.1 port in front of `opts.target`. */
export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(opts.target);
  if (!LOOPBACK.has(target.hostname)) throw new Error(`fault proxy targets loopback only, not ${target.hostname}`);
  const rng = seededRandom(opts.seed ?? 1);
  const rules: LiveRule[] = [];
  const addRule = (rule: FaultRule): void => {
    rules.push({ rule, seen: 0, left: rule.failNext ?? 0 });
  };
  for (const r of opts.rules ?? []) addRule(r);
  const zero = (): ProxyCounters => ({
    requests: 0,
    forwarded: 0,
    resets: 0,
    statuses: 0,
    slowdowns: 0,
    delays: 0,
    truncations: 0,
    stalls: 0,
    lostAnswers: 0,
    corruptions: 0,
    rangesIgnored: 0,
    rangesRewritten: 0,
    ifMatchIgnored: 0,
    upstreamErrors: 0,
  });
  const counters = zero();
  const agent = new Agent({ keepAlive: true });
  const sockets = new Set<Socket>();

  function pick(info: RequestInfo): Fault | undefined {
    for (const lr of rules) {
      const { rule } = lr;
      if (rule.match && !rule.match(info)) continue;
      lr.seen += 1;
      let fire = rule.rate === undefined && rule.failNext === undefined && rule.every === undefined;
      if (lr.left > 0) {
        lr.left -= 1;
        fire = true;
      }
      if (rule.every !== undefined && rule.every > 0 && lr.seen % rule.every === 0) fire = true;
      // Always draw, so one rule's schedule does not shift another's random sequence.
      if (rule.rate !== undefined && rng() < rule.rate) fire = true;
      if (fire) return rule.fault;
    }
    return undefined;
  }

  let selfOrigin = '';
  function rewriteLocation(loc: string): string {
    if (!opts.rewriteRedirects) return loc;
    let u: URL;
    try {
      u = new URL(loc, target);
    } catch {
      return loc;
    }
    if (u.protocol !== 'http:') return loc;
    const rest = `${u.pathname}${u.search}${u.hash}`;
    if (u.host === target.host) return `${selfOrigin}${rest}`;
    if (opts.rewriteRedirects === 'loopback' && LOOPBACK.has(u.hostname)) return `${selfOrigin}/__via/${u.host}${rest}`;
    return loc;
  }

  function respond(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
    res.writeHead(status, { 'content-length': Buffer.byteLength(body), ...headers });
    res.end(body);
  }

  function forward(req: IncomingMessage, res: ServerResponse, truncate: Fault | undefined): void {
    let host = target.host;
    let path = req.url ?? '/';
    const via = VIA.exec(path);
    if (via) {
      host = via[1]!;
      path = via[2] ?? '/';
      if (!LOOPBACK.has(new URL(`http://${host}`).hostname)) return respond(res, 403, 'loopback only', {});
    }
    const headers: IncomingHttpHeaders = { ...req.headers, host };
    for (const h of HOP_BY_HOP) delete headers[h];
    if (truncate?.kind === 'ignore-if-match' && headers['if-match'] !== undefined) {
      counters.ifMatchIgnored += 1;
      delete headers['if-match'];
    }
    if (truncate?.kind === 'ignore-range' && (headers.range !== undefined || headers['x-ms-range'] !== undefined)) {
      counters.rangesIgnored += 1;
      delete headers.range;
      delete headers['x-ms-range'];
    }
    if (truncate?.kind === 'answer-range') {
      for (const name of ['range', 'x-ms-range']) {
        const asked = /^bytes=(\d+)-(\d*)$/.exec(String(headers[name] ?? ''));
        if (asked === null) continue;
        const [first, last] = truncate.range(Number(asked[1]), asked[2] === '' ? undefined : Number(asked[2]));
        headers[name] = `bytes=${first}-${last ?? ''}`;
        counters.rangesRewritten += 1;
      }
    }
    const [hostname, port] = [new URL(`http://${host}`).hostname, new URL(`http://${host}`).port];
    const up = request(
      { hostname: hostname.replace(/^\[|\]$/g, ''), port, method: req.method, path, headers, agent },
      (ures) => {
        if (truncate?.kind === 'lose-answer') {
          counters.lostAnswers += 1;
          ures.resume();
          ures.on('end', () => req.socket.resetAndDestroy());
          return;
        }
        if (truncate?.kind === 'before-answer') truncate.run();
        const outHeaders: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(ures.headers)) {
          if (v === undefined || HOP_BY_HOP.includes(k)) continue;
          outHeaders[k] = k === 'location' && typeof v === 'string' ? rewriteLocation(v) : v;
        }
        res.writeHead(ures.statusCode ?? 502, ures.statusMessage, outHeaders);
        if (truncate?.kind === 'stall') {
          counters.stalls += 1;
          stallBody(ures, res, truncate.ms, truncate.afterBytes);
          return;
        }
        if (truncate?.kind !== 'truncate') {
          counters.forwarded += 1;
          ures.pipe(res);
          return;
        }
        counters.truncations += 1;
        const length = Number(ures.headers['content-length'] ?? NaN);
        const limit = truncate.afterBytes ?? (Number.isFinite(length) ? Math.floor(length / 2) : 1);
        let sent = 0;
        ures.on('data', (chunk: Buffer) => {
          if (sent >= limit) return;
          const part = chunk.subarray(0, limit - sent);
          sent += part.length;
          if (sent < limit) {
            res.write(part);
            return;
          }
          ures.destroy();
          // Let the partial body reach the client before dropping the connection, once it is
          // written out: on Node 24, ending the socket at once could drop the head and part
          // still queued in the response, and the client saw a reset with no answer at all.
          res.write(part, () => res.socket?.end(() => res.socket?.destroy()));
        });
        ures.on('end', () => {
          if (sent < limit || limit === 0) res.end();
        }); // Body not longer than the cut: nothing to cut.
      },
    );
    up.on('error', () => {
      counters.upstreamErrors += 1;
      if (!res.headersSent) respond(res, 502, 'fault proxy: upstream error', {});
      else res.socket?.destroy();
    });
    if (truncate?.kind !== 'corrupt-request') {
      req.pipe(up);
      return;
    }
    let flipped = false;
    let before = truncate.at ?? 0; // bytes of the body before the one to flip
    req.on('data', (chunk: Buffer) => {
      if (!flipped && before < chunk.length) {
        flipped = true;
        counters.corruptions += 1;
        chunk = Buffer.from(chunk);
        chunk[before] = chunk[before]! ^ 0x01;
      } else if (!flipped) before -= chunk.length;
      up.write(chunk);
    });
    req.on('end', () => up.end());
  }

  const server = createServer((req, res) => {
    counters.requests += 1;
    const info: RequestInfo = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers };
    const fault = pick(info);
    switch (fault?.kind) {
      case 'reset':
        counters.resets += 1;
        req.socket.resetAndDestroy();
        return;
      case 'status':
      case 'slowdown': {
        req.resume();
        req.on('end', () => {
          if (fault.kind === 'slowdown') {
            counters.slowdowns += 1;
            respond(res, 503, SLOWDOWN_XML, { 'content-type': 'application/xml' });
          } else {
            counters.statuses += 1;
            respond(res, fault.status, fault.body ?? `fault proxy: injected ${fault.status}`, { ...fault.headers });
          }
        });
        return;
      }
      case 'delay':
        counters.delays += 1;
        setTimeout(() => forward(req, res, undefined), fault.ms);
        return;
      case 'ignore-if-match':
        if (fault.after === undefined) forward(req, res, fault);
        else
          void fault.after().then(
            () => forward(req, res, fault),
            () => forward(req, res, fault),
          );
        return;
      default:
        forward(req, res, fault);
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  selfOrigin = `http://127.0.0.1:${port}`;

  return {
    url: selfOrigin,
    port,
    counters,
    addRule,
    clearRules: () => {
      rules.length = 0;
    },
    resetCounters: () => {
      Object.assign(counters, zero());
    },
    redirectVia: (origin) => {
      selfOrigin = origin.replace(/\/+$/, '');
    },
    close: () =>
      new Promise<void>((ok) => {
        for (const s of sockets) s.destroy();
        agent.destroy();
        server.close(() => ok());
      }),
  };
}
