/**
 * A keep-alive HTTP/1.1 client over `node:net` and `node:tls`, for the small, frequent
 * requests of the object stores. `node:http` spends about 0.1 ms of CPU per request in its
 * general machinery (request and message objects, streams for every body, per-request
 * listeners); a request here is one write of the head and body, and an answer is parsed
 * from the socket's chunks straight into a buffer, or into one stream when asked for.
 * Sockets read into one buffer that every connection shares (`onread`), up to 256 KiB at a
 * time, instead of a new 64 KiB buffer per read: the bytes a caller keeps are copied out
 * once, straight into an answer read in full, into the caller's windows (a sink), or into
 * one piece per read of a streamed body, which takes about a third off the CPU a large
 * download costs. The body of a large answer of known length is read with no copy at all:
 * into the answer's own buffer, or the free room of the sink's window being filled.
 *
 * What it does: persistent connections per origin (at most `maxSockets`, reused most
 * recently used first, closed after `keepAliveMs` idle, never keeping the process alive
 * while idle); fixed-length, chunked and close-delimited answers; `HEAD`, 204 and 304
 * without bodies; interim 1xx answers skipped; a GET or HEAD replayed once on a new
 * connection when a reused one turns out closed before any byte of the answer (the
 * keep-alive race). Other methods are not replayed: the server may have acted on the
 * request and lost only its answer (a RENAME done twice fails), so the caller, who knows
 * whether the request can be repeated, gets the `ECONNRESET`. A large body read into a sink
 * over plain TCP waits a moment after a small read, so that a trickle is read in few large
 * reads (see {@link SMALL_READ}).
 * Proxies named by the environment (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`; see
 * {@link proxyRoute}) are used: a `CONNECT` tunnel for `https:` targets, requests in
 * absolute form for `http:` ones.
 * What it leaves out: pipelining, `Expect: 100-continue`, upgrades.
 */
import type { IncomingHttpHeaders } from 'node:http';
import * as net from 'node:net';
import { Readable } from 'node:stream';
import * as tls from 'node:tls';
import { errors, FsError } from './errors';
import { openTunnel, proxyRoute, type ProxyRoute } from './proxy';
import {
  abortError,
  afterGrace,
  connectFailed,
  connectTimeoutError,
  markSentWrite,
  sentAbortError,
  timeoutError,
} from './timeouts';

/** One request to send. */
export interface Http1Request {
  method: string;
  /** `http:` or `https:`. */
  protocol: string;
  hostname: string;
  port?: number | undefined;
  /** The path and query, already escaped. */
  path: string;
  /** Header names in lower case; `host` is added when missing. */
  headers: Record<string, string>;
  /**
   * Bytes, written with the head; or a stream of bytes, written as the socket takes them
   * (sent chunked unless `content-length` is set).
   */
  body?: Uint8Array | Readable | undefined;
}

/** How one request is sent and answered. */
export interface Http1Options {
  /**
   * Resolve a 2xx answer with its body as a stream (`body`) instead of read in full (`data`);
   * a body that came whole with the answer's head, or whose announced length is at most
   * 64 KiB, is given as `data` either way.
   */
  stream?: boolean | undefined;
  /**
   * Decides, once a 2xx answer's head has come, where its body goes: a {@link BodySink} takes
   * a body whose length is known and at most the sink's `length` (the answer then resolves
   * with `sunk`); a 2xx body the sink does not take (undefined, longer, of unknown length)
   * is streamed (`body`) unless it came whole with the head or is small (`data`).
   */
  sink?: ((status: number, headers: IncomingHttpHeaders) => BodySink | undefined) | undefined;
  /**
   * Cancel the request, or the reading of its answer, as soon as one aborts; it fails with
   * {@link abortError} of that signal.
   */
  signal?: AbortSignal | ReadonlyArray<AbortSignal | undefined> | undefined;
  /** A new connection must be open within this many ms (0: no limit). */
  connectTimeout?: number | undefined;
  /** The answer's head must come within this many ms of the request being sent (0: no limit). */
  requestTimeout?: number | undefined;
  /**
   * Fails with `ETIMEDOUT` when a request's body given as bytes goes unsent for this many
   * ms (the socket takes none of it), or when no byte of the answer's body arrives for as
   * long while it is read (0: no limit).
   */
  idleTimeout?: number | undefined;
  /** Called once the whole request, body included, has been handed to the kernel. */
  onSent?: (() => void) | undefined;
}

/**
 * Where a body goes in windows: its bytes are copied from the socket into `windows` in turn,
 * and a window is handed to `write` with its place in the body once it is full, or once a
 * window larger than one socket read (256 KiB) has less room than a read may bring (the
 * last one as far as it is filled); the socket pauses while both windows wait for their
 * writes, so memory stays at the two windows whatever the body's size.
 *
 * The answer resolves once every write has (`sunk`: the bytes written) and rejects, when the
 * exchange or a write fails, only once every write has settled: the windows are the
 * caller's again when the request settles. A failed write fails the exchange.
 */
export interface BodySink {
  /** Most bytes the body may have: a longer one is streamed instead. */
  length: number;
  /** Two buffers, filled in turn; neither empty. */
  windows: readonly [Uint8Array, Uint8Array];
  /** Takes `bytes` (a view of a window) that are the body's from `at`; the window is filled again once it resolves. */
  write(bytes: Uint8Array, at: number): Promise<void>;
}

/** An answer. */
export interface Http1Answer {
  status: number;
  /** Header names in lower case; repeated headers joined with `, ` (`set-cookie` as a list). */
  headers: IncomingHttpHeaders;
  /** The body read in full: every answer but a streamed 2xx (see {@link Http1Options.stream}). */
  data?: Buffer;
  /** The body as a stream: a 2xx answer with `stream` whose body, not small, was still arriving. */
  body?: Readable;
  /** The bytes of a body a {@link BodySink} took, all written. */
  sunk?: number;
}

/** Settings of a {@link Http1Pool}. */
export interface Http1PoolOptions {
  /** Connections per origin, in use and idle together. */
  maxSockets: number;
  /** How long an idle connection is kept (default 4 s; less when the server says so). */
  keepAliveMs?: number;
}

const MAX_HEAD = 64 * 1024;
/** How much one socket read takes at most. */
const READ_SIZE = 256 * 1024;
/** Where every socket reads: a read is handled in full before the next one starts. */
let readBuffer: Buffer | undefined;
/** Answers read in full up to this size are given one buffer of their length at once. */
const WHOLE_AT_ONCE = 64 * 1024 * 1024;
/** Bodies up to this size go out in the same write as the head. */
const COALESCE = 64 * 1024;
/**
 * Answers of a known length up to this size are read in full even when a stream is asked
 * for: the rest of such a body is at most a few reads away, and a stream (with its reader)
 * costs more CPU than the whole small request. A head and a small body often come in
 * separate reads: fake-gcs-server sent a third of 4 KiB media GETs so, and over TLS each
 * record is a read.
 */
const SMALL_BODY = 64 * 1024;
/**
 * A read smaller than this, of a body going to a sink that has brought {@link GATHER_AFTER}
 * bytes and has at least this much left, stops reading for {@link GATHER_MS}, so that the
 * bytes gather in the socket and the next read takes them at once. A server that sends in
 * small writes, or a link slower than the client, otherwise wakes the client for every few
 * kilobytes. MiniDFSCluster's datanode sends so: a 1 GiB HDFS get (32 MiB ranges, 8 at
 * once), six with each build alternating, took 24,800-50,700 reads of 21-42 KiB and
 * 1.00-1.42 s of client CPU (1.44-1.99 s); gathered, 7,000-8,800 reads of 120-150 KiB and
 * 0.80-0.91 s (1.28-1.46 s). Reads from a fast server come larger and never wait. Over TLS
 * a read is one record (16 KiB at most) however much the socket holds, so a small read says
 * nothing of the server's pace there: TLS reads never wait.
 */
const SMALL_READ = 64 * 1024;
/** See {@link SMALL_READ}: a body's reads wait only once it has brought this much. */
const GATHER_AFTER = 1024 * 1024;
/** See {@link SMALL_READ}. */
const GATHER_MS = 1;
/**
 * Reads of a body of a known length go straight into the caller's memory (a sink's window,
 * an answer read whole) when at least this much of both the body and the room is left; the
 * rest is read into the shared buffer and copied.
 */
const DIRECT_READ = 64 * 1024;
/**
 * Bytes per write of a larger body over TLS, whose socket shows no progress inside one write
 * to an idle timer (a plain socket's write queue shrinks as the kernel takes the bytes, so a
 * body goes there in one write). StreamedUpload writes its chunks in such pieces too.
 */
export const TLS_PIECE = 64 * 1024;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const REQUEST_TARGET = /^[\x21-\x7e]+$/;
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: |$)/;

/** A copy of lent bytes (`Buffer.from(buffer)` would zero-fill its new memory before copying). */
function own(lent: Buffer): Buffer {
  const copy = Buffer.allocUnsafe(lent.byteLength);
  lent.copy(copy);
  return copy;
}

/** A connection closed or reset under a request. */
function connectionError(message: string): Error {
  return Object.assign(new Error(message), { code: 'ECONNRESET' });
}

/** An answer that is not HTTP/1.1 as written. */
function protocolError(message: string): FsError {
  return new FsError({ kind: 'Unexpected', code: 'EPROTO', message });
}

/** Methods whose request may be sent twice: they change nothing on the server. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Marks a failure that happened on a reused connection before any byte of the answer. */
const STALE = Symbol('stale keep-alive connection');

/**
 * A pool of keep-alive HTTP/1.1 connections, per origin. `request` sends one request and
 * resolves once the answer's head has come (the body read in full, or as a stream).
 *
 * Failures: network errors reject with Node's error (its `code`: `ECONNREFUSED`,
 * `ECONNRESET`, ...); a connection that does not open in time, or a body that stalls,
 * with a temporary `ETIMEDOUT` FsError; an answer that is not HTTP/1.x with `EPROTO`; a
 * header or path HTTP cannot carry with `InvalidArgument` (the value is not shown).
 */
export class Http1Pool {
  private readonly origins = new Map<string, Origin>();
  private destroyed = false;

  constructor(readonly options: Http1PoolOptions) {}

  /** Sends `req`; see the class. */
  async request(req: Http1Request, options: Http1Options = {}): Promise<Http1Answer> {
    if (this.destroyed) throw errors.invalid('the connection pool was closed');
    const aborted = signalsOf(options).find((x) => x.aborted);
    if (aborted !== undefined) throw abortError(aborted);
    const origin = this.origin(req);
    const head = requestHead(req, origin.route);
    const replayable = SAFE_METHODS.has(req.method) && !(req.body instanceof Readable);
    try {
      return await origin.send(head, req, options, false);
    } catch (err) {
      if ((err as { [STALE]?: boolean })[STALE] !== true || !replayable) throw err;
      return origin.send(head, req, options, true);
    }
  }

  /**
   * Opens a connection to an origin ahead of a request there, unless one is idle or the
   * origin has `maxSockets` already: for a server that closes every connection after one
   * answer (an HDFS datanode), so the next request there does not wait for a connect.
   * The connection is parked as an idle one (closed after `keepAliveMs` unused).
   */
  preconnect(target: Pick<Http1Request, 'protocol' | 'hostname' | 'port'>, connectTimeout = 0): void {
    if (this.destroyed) return;
    let origin: Origin;
    try {
      origin = this.origin(target);
    } catch {
      return; // a proxy variable that is not a URL: the request itself reports it
    }
    origin.preconnect(connectTimeout);
  }

  /** Closes every connection; requests in flight fail. */
  destroy(): void {
    this.destroyed = true;
    for (const o of this.origins.values()) o.destroy();
    this.origins.clear();
  }

  private origin(req: Pick<Http1Request, 'protocol' | 'hostname' | 'port'>): Origin {
    const secure = req.protocol === 'https:';
    const port = req.port ?? (secure ? 443 : 80);
    const key = `${secure ? 's' : ''}${req.hostname}:${port}`;
    let o = this.origins.get(key);
    if (o === undefined) {
      const route = proxyRoute({ protocol: req.protocol, hostname: req.hostname, port });
      o = new Origin(secure, req.hostname, port, this.options.maxSockets, this.options.keepAliveMs ?? 4000, route);
      this.origins.set(key, o);
    }
    return o;
  }
}

/** `host[:port]` of a request, the port left out when it is the scheme's default. */
function authorityOf(req: Http1Request): string {
  const host = req.hostname.includes(':') ? `[${req.hostname}]` : req.hostname;
  const port = req.port === undefined || req.port === (req.protocol === 'https:' ? 443 : 80) ? '' : `:${req.port}`;
  return `${host}${port}`;
}

/**
 * The request line and headers, checked for what would break the framing; through a
 * forwarding proxy the target is in absolute form, with the proxy's credentials.
 */
function requestHead(req: Http1Request, route: ProxyRoute | undefined): string {
  if (!TOKEN.test(req.method)) throw errors.invalid(`not an HTTP method: ${JSON.stringify(req.method)}`);
  if (!REQUEST_TARGET.test(req.path)) throw errors.invalid('the request path has characters HTTP cannot carry');
  const h = req.headers;
  const forward = route?.mode === 'forward';
  const authority = forward || h.host === undefined ? authorityOf(req) : '';
  let head = `${req.method} ${forward ? `http://${authority}` : ''}${req.path} HTTP/1.1\r\n`;
  if (h.host === undefined) head += `host: ${authority}\r\n`;
  if (forward && route.authorization !== undefined) head += `proxy-authorization: ${route.authorization}\r\n`;
  for (const name in h) {
    const value = h[name]!;
    if (!TOKEN.test(name)) throw errors.invalid(`not an HTTP header name: ${JSON.stringify(name.slice(0, 100))}`);
    if (!FIELD_VALUE.test(value)) throw errors.invalid(`header ${name} has characters HTTP cannot carry`);
    head += `${name}: ${value}\r\n`;
  }
  const body = req.body;
  if (body instanceof Readable) {
    if (h['content-length'] === undefined) head += 'transfer-encoding: chunked\r\n';
  } else if (h['content-length'] === undefined && (body !== undefined || /^(POST|PUT|PATCH)$/.test(req.method))) {
    head += `content-length: ${body?.byteLength ?? 0}\r\n`;
  }
  return `${head}\r\n`;
}

/** The connections to one host and port. */
class Origin {
  private readonly idle: Connection[] = [];
  private readonly waiting: Waiter[] = [];
  private readonly all = new Set<Connection>();

  /** Tunnels being opened through a proxy: connections on their way, counted against `maxSockets`. */
  private opening = 0;
  private destroyed = false;

  constructor(
    readonly secure: boolean,
    readonly hostname: string,
    readonly port: number,
    private readonly maxSockets: number,
    readonly keepAliveMs: number,
    /** The proxy requests here go through, if any. */
    readonly route: ProxyRoute | undefined,
  ) {}

  send(head: string, req: Http1Request, options: Http1Options, fresh: boolean): Promise<Http1Answer> {
    const conn = this.acquire(options, fresh);
    // An idle connection is used at once: no turn of the event loop's microtasks for it.
    if (conn instanceof Connection) return conn.exchange(head, req, options);
    return conn.then((c) => c.exchange(head, req, options));
  }

  private acquire(options: Http1Options, fresh: boolean): Connection | Promise<Connection> {
    if (!fresh) {
      for (let c = this.idle.pop(); c !== undefined; c = this.idle.pop()) if (c.take()) return c;
    }
    if (this.all.size + this.opening < Math.max(1, this.maxSockets)) {
      const c = this.connect(options.connectTimeout ?? 0);
      return c instanceof Connection ? c : this.whileOpening(c, options);
    }
    return new Promise<Connection>((resolve, reject) => {
      const signals = signalsOf(options);
      const onAbort = (event: Event): void => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        for (const x of signals) x.removeEventListener('abort', onAbort);
        reject(abortError(event.target as AbortSignal));
      };
      const waiter: Waiter = {
        connectTimeout: options.connectTimeout ?? 0,
        give: (c) => {
          for (const x of signals) x.removeEventListener('abort', onAbort);
          if (c instanceof Error) reject(c);
          else resolve(c);
        },
      };
      for (const x of signals) x.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  /**
   * A tunnel being opened, given up by the request when its signal aborts first: the
   * connection, once open, serves the next request or idles.
   */
  private whileOpening(opening: Promise<Connection>, options: Http1Options): Promise<Connection> {
    const signals = signalsOf(options);
    if (signals.length === 0) return opening;
    return new Promise<Connection>((resolve, reject) => {
      let settled = false;
      const onAbort = (event: Event): void => {
        settled = true;
        for (const x of signals) x.removeEventListener('abort', onAbort);
        reject(abortError(event.target as AbortSignal));
      };
      for (const x of signals) x.addEventListener('abort', onAbort, { once: true });
      opening.then(
        (c) => {
          for (const x of signals) x.removeEventListener('abort', onAbort);
          if (settled) this.release(c);
          else resolve(c);
        },
        (err: unknown) => {
          for (const x of signals) x.removeEventListener('abort', onAbort);
          if (!settled) reject(err as Error);
        },
      );
    });
  }

  /** Opens a connection and parks it, unless one is idle or the origin is full. */
  preconnect(connectTimeout: number): void {
    if (this.idle.length > 0 || this.all.size + this.opening >= Math.max(1, this.maxSockets)) return;
    const parkNew = (c: Connection): void => {
      c.park();
      this.idle.push(c);
    };
    const c = this.connect(connectTimeout);
    if (c instanceof Connection) parkNew(c);
    else c.then(parkNew, () => undefined);
  }

  /** A new connection; through a proxy's tunnel, once the proxy has opened it. */
  private connect(connectTimeout: number): Connection | Promise<Connection> {
    if (this.route?.mode !== 'tunnel') {
      const c = new Connection(this, connectTimeout);
      this.all.add(c);
      return c;
    }
    this.opening++;
    return openTunnel(this.route, this.hostname, this.port, connectTimeout).then(
      (raw) => {
        this.opening--;
        if (this.destroyed) {
          raw.destroy();
          throw errors.invalid('the connection pool was closed');
        }
        const c = new Connection(this, connectTimeout, raw);
        this.all.add(c);
        return c;
      },
      (err: unknown) => {
        this.opening--;
        const next = this.destroyed ? undefined : this.waiting.shift();
        if (next !== undefined) this.give(next);
        throw err;
      },
    );
  }

  /** Gives a waiting request a new connection, or the error opening it. */
  private give(w: Waiter): void {
    const c = this.connect(w.connectTimeout);
    if (c instanceof Connection) w.give(c);
    else c.then(w.give, w.give);
  }

  /** A connection finished an exchange and can serve another. */
  release(c: Connection): void {
    const next = this.waiting.shift();
    if (next !== undefined) {
      next.give(c);
      return;
    }
    c.park();
    this.idle.push(c);
  }

  /** A connection closed. */
  closed(c: Connection): void {
    this.all.delete(c);
    const i = this.idle.indexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
    const next = this.waiting.shift();
    if (next !== undefined) this.give(next);
  }

  destroy(): void {
    this.destroyed = true;
    for (const w of this.waiting.splice(0)) w.give(errors.invalid('the connection pool was closed'));
    this.idle.length = 0;
    for (const c of this.all) c.destroy(errors.aborted());
  }
}

type BodyMode = 'none' | 'length' | 'chunked' | 'close';

/**
 * The exchanges each signal would fail, behind one listener per signal: many requests of
 * one operation share its signal, and adding and removing a listener per request costs
 * more than a set.
 */
const watchers = new WeakMap<AbortSignal, Set<Exchange>>();

function watchSignal(signal: AbortSignal, ex: Exchange): void {
  let set = watchers.get(signal);
  if (set === undefined) {
    const exchanges = new Set<Exchange>();
    set = exchanges;
    watchers.set(signal, exchanges);
    signal.addEventListener(
      'abort',
      () => {
        for (const e of [...exchanges]) e.abort(signal);
        exchanges.clear();
      },
      { once: true },
    );
  }
  set.add(ex);
}

/** The signals of `options`, as a list. */
function signalsOf(options: Http1Options): AbortSignal[] {
  const s = options.signal;
  if (s === undefined) return [];
  if (s instanceof AbortSignal) return [s];
  return s.filter((x): x is AbortSignal => x !== undefined);
}

/** A request waiting for a connection of its origin. */
interface Waiter {
  connectTimeout: number;
  give: (c: Connection | Error) => void;
}

/** One socket and the exchange it is serving. */
class Connection {
  private readonly socket: net.Socket;
  private ex: Exchange | undefined;
  /** The exchange's memory the socket's next read goes to, if any (else the shared read buffer). */
  private direct: Uint8Array | undefined;
  /** Exchanges completed on this connection. */
  served = 0;
  private parked = false;
  private keepAliveMs: number;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  /** What the watch timer waits for: the request's body to move, the answer's head, or the next byte of its body. */
  private watching: 'nothing' | 'sending' | 'head' | 'body' | 'parked' = 'nothing';
  /** How far the request's body had gone when the watch was last armed or re-armed. */
  private sendMark = '';
  private watchMs = 0;
  /** One timer per connection, re-armed for each exchange (unref'd: the socket in use holds the process). */
  private watchTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param tunnel a socket a proxy has opened to the origin (`CONNECT`): TLS runs over it;
   *   without one the connection goes to the origin, or to a forwarding proxy.
   */
  constructor(
    private readonly origin: Origin,
    connectTimeout: number,
    tunnel?: net.Socket,
  ) {
    this.keepAliveMs = origin.keepAliveMs;
    const host = origin.hostname;
    const forward = origin.route?.mode === 'forward' ? origin.route : undefined;
    // The bytes are only lent for the callback: the exchange copies what it keeps.
    // A read goes straight into the caller's memory where the exchange offers it (a body's
    // window or whole buffer): Node asks for the next read's buffer after each read.
    const onread = {
      buffer: (): Uint8Array =>
        (this.direct = this.ex?.readTarget()) ?? (readBuffer ??= Buffer.allocUnsafeSlow(READ_SIZE)),
      callback: (n: number, buf: Uint8Array): boolean => {
        // Bytes nobody asked for: the connection is out of step.
        if (this.ex === undefined) socket.destroy();
        else if (buf === this.direct) this.ex.onDirect(n);
        else this.ex.onData(Buffer.from(buf.buffer, buf.byteOffset, n));
        return true;
      },
    };
    // tls.connect takes `onread` as net.connect does (its types leave it out).
    const secure: tls.ConnectionOptions & { onread: net.OnReadOpts } = {
      host,
      port: origin.port,
      ALPNProtocols: ['http/1.1'],
      onread,
      ...(net.isIP(host) === 0 ? { servername: host } : {}),
    };
    let socket: net.Socket;
    if (tunnel !== undefined) {
      // TLS over a socket of its own reads through events (it takes no `onread`).
      const { onread: _, ...overTunnel } = secure;
      socket = tls.connect({ ...overTunnel, socket: tunnel });
      socket.on('data', (chunk: Buffer) => onread.callback(chunk.length, chunk));
    } else if (origin.secure) {
      socket = tls.connect(secure);
    } else {
      socket = net.connect({ host: forward?.hostname ?? host, port: forward?.port ?? origin.port, onread });
    }
    this.socket = socket;
    socket.setNoDelay(true);
    if (connectTimeout > 0) {
      this.connectTimer = setTimeout(
        () => socket.destroy(connectTimeoutError(`could not connect to ${host} within ${connectTimeout} ms`)),
        connectTimeout,
      );
      socket.once(origin.secure ? 'secureConnect' : 'connect', () => clearTimeout(this.connectTimer));
    }
    socket.on('end', () => {
      if (this.ex !== undefined) this.ex.onEnd();
      socket.destroy();
    });
    socket.on('error', (err) => this.ex?.fail(err));
    socket.on('close', () => {
      clearTimeout(this.connectTimer);
      clearTimeout(this.watchTimer);
      this.ex?.fail(connectionError(`the connection to ${host} closed before the answer ended`));
      this.origin.closed(this);
    });
  }

  /** Takes the connection for an exchange; false when it has closed meanwhile. */
  take(): boolean {
    if (this.socket.destroyed || this.socket.readyState === 'readOnly') return false;
    if (this.parked) {
      this.parked = false;
      this.watching = 'nothing';
      this.socket.ref();
    }
    return true;
  }

  /** Idles the connection in the pool. */
  park(): void {
    this.parked = true;
    this.socket.unref();
    this.watch('parked', this.keepAliveMs);
  }

  destroy(err?: Error): void {
    this.socket.destroy(err);
  }

  /**
   * Watches for the answer's head or the body's next byte for `ms` (0: does not); or, while
   * the request's body goes (`sending`), for the socket to take more of it.
   */
  watch(what: 'sending' | 'head' | 'body' | 'parked', ms: number): void {
    if (ms <= 0) return;
    this.watching = what;
    if (what === 'sending') this.sendMark = this.sendProgress();
    if (this.watchTimer !== undefined && this.watchMs === ms) {
      this.watchTimer.refresh();
      return;
    }
    clearTimeout(this.watchTimer);
    this.watchMs = ms;
    this.watchTimer = setTimeout(() => this.watchFired(), ms);
    this.watchTimer.unref();
  }

  /** Stops watching (until the next {@link watch}). */
  unwatch(): void {
    this.watching = 'nothing';
  }

  private watchFired(): void {
    const { ex, watching } = this;
    if (watching === 'sending') {
      const mark = this.sendProgress();
      if (mark !== this.sendMark) {
        // The body moved since: the link is slow, not stalled.
        this.sendMark = mark;
        this.watchTimer?.refresh();
        return;
      }
    }
    this.watching = 'nothing';
    if (watching === 'parked') this.socket.destroy();
    if (ex === undefined || watching === 'nothing' || watching === 'parked') return;
    const where = `${ex.req.method} ${this.origin.hostname}`;
    const ms = this.watchMs;
    ex.fail(
      timeoutError(
        watching === 'head'
          ? `no answer to ${where} within ${ms} ms`
          : watching === 'sending'
            ? `no data moved on ${where} for ${ms} ms`
            : `no data received from ${where} for ${ms} ms`,
      ),
    );
  }

  /**
   * How far the request's body has gone: the bytes a plain socket still holds to write
   * (libuv's write queue, which shrinks as the kernel takes them: what Node's own socket
   * timeout watches), and the pieces a TLS socket, whose queue shows no progress inside a
   * write, has written.
   */
  private sendProgress(): string {
    const queued = (this.socket as unknown as { _handle?: { writeQueueSize?: unknown } })._handle?.writeQueueSize;
    return `${typeof queued === 'number' ? queued : ''}/${this.ex?.piecesSent ?? 0}`;
  }

  exchange(head: string, req: Http1Request, options: Http1Options): Promise<Http1Answer> {
    const aborted = signalsOf(options).find((x) => x.aborted); // while waiting for the connection
    if (aborted !== undefined) {
      this.origin.release(this);
      return Promise.reject(abortError(aborted));
    }
    return new Promise<Http1Answer>((resolve, reject) => {
      const ex = new Exchange(this, this.socket, req, options, resolve, reject);
      this.ex = ex;
      this.socket.resume();
      ex.write(head);
    });
  }

  /** The exchange is over; `reusable` when the connection is in step for another. */
  done(ex: Exchange, reusable: boolean, keepAliveMs: number | undefined): void {
    if (this.ex !== ex) return;
    this.ex = undefined;
    this.watching = 'nothing';
    this.served++;
    if (keepAliveMs !== undefined) this.keepAliveMs = Math.min(this.keepAliveMs, keepAliveMs);
    if (reusable && this.keepAliveMs > 0 && !this.socket.destroyed) this.origin.release(this);
    else this.socket.destroy();
  }
}

/** One request and its answer on a connection. */
class Exchange {
  private phase: 'head' | 'body' | 'done' = 'head';
  private pending: Buffer | undefined;
  private status = 0;
  private headers: IncomingHttpHeaders = {};
  private mode: BodyMode = 'none';
  private keepAlive = true;
  private keepAliveMs: number | undefined;
  /** Bytes left of a fixed-length body, or of the current chunk. */
  private left = 0;
  private chunkState: 'size' | 'data' | 'crlf' | 'trailer' = 'size';
  private line = '';
  private chunks: Buffer[] | undefined;
  /** An answer read in full whose length is known: its bytes, copied in as they come. */
  private whole: Buffer | undefined;
  private filled = 0;
  private body: AnswerBody | undefined;
  /** A body going to a sink: the window being filled, the bytes in it, and the windows being written. */
  private sink: BodySink | undefined;
  private window = 0;
  private windowFill = 0;
  private sunk = 0;
  private readonly busy = [false, false];
  private readonly writes = new Set<Promise<void>>();
  /** Bytes read while both windows were being written (the socket then pauses). */
  private stash: Buffer | undefined;
  private sinkFailure: { error: unknown } | undefined;
  private settled = false;
  private written = false;
  private gotBytes = false;
  private readonly idleMs: number;
  private readonly secure: boolean;
  private readonly signals: AbortSignal[];
  private source: Readable | undefined;
  /** Set once an abort came after a write was sent: fails the exchange unless its answer comes first. */
  private grace: { cancel(): void } | undefined;

  constructor(
    private readonly conn: Connection,
    private readonly socket: net.Socket,
    readonly req: Http1Request,
    private readonly options: Http1Options,
    private readonly resolve: (a: Http1Answer) => void,
    private readonly reject: (err: unknown) => void,
  ) {
    this.idleMs = options.idleTimeout ?? 0;
    this.secure = socket instanceof tls.TLSSocket;
    this.signals = signalsOf(options);
    for (const x of this.signals) watchSignal(x, this);
  }

  // ---------------------------------------------------------------- request

  write(head: string): void {
    const body = this.req.body;
    const socket = this.socket;
    if (body instanceof Readable) {
      socket.write(head, 'latin1');
      this.pump(body);
    } else if (body === undefined || body.byteLength === 0) {
      // At once, not held back to be written with the other requests of this turn of the
      // event loop: that cut S3 catFile's client CPU per GET by 40% (64 in flight to a
      // loopback server that answers at once; each write there also wakes the server), but
      // moved none of bench/race.mjs's rows against versitygw, and would make a request
      // wait behind the app's other I/O callbacks (docs/performance.md).
      socket.write(head, 'latin1', this.sent);
    } else if (body.byteLength <= COALESCE) {
      const out = Buffer.allocUnsafe(Buffer.byteLength(head, 'latin1') + body.byteLength);
      const n = out.write(head, 0, 'latin1');
      out.set(body, n);
      socket.write(out, this.sent);
    } else if (this.secure) {
      socket.write(head, 'latin1');
      this.writePieces(body, 0);
      this.conn.watch('sending', this.idleMs);
    } else {
      // At once: libuv writes as much as the kernel takes each time it has room, a few
      // system calls per MiB where pieces of 64 KiB cost one each (and a wake-up of the
      // reader on loopback); the watch sees the write queue shrink.
      socket.cork();
      socket.write(head, 'latin1');
      socket.write(body, this.sent);
      socket.uncork();
      this.conn.watch('sending', this.idleMs);
    }
  }

  /** Pieces of a body written over TLS so far (each one counts as progress). */
  piecesSent = 0;

  /** Writes `body` from `at` in pieces, each once the one before is written: over TLS, progress shows only per write. */
  private writePieces(body: Uint8Array, at: number): void {
    const end = Math.min(at + TLS_PIECE, body.byteLength);
    if (end === body.byteLength) {
      this.socket.write(body.subarray(at, end), this.sent);
      return;
    }
    this.socket.write(body.subarray(at, end), (err?: Error | null) => {
      if (err != null || this.phase === 'done') return;
      this.piecesSent++;
      this.writePieces(body, end);
    });
  }

  private readonly sent = (err?: Error | null): void => {
    if (err != null) return;
    this.written = true;
    if (this.phase !== 'head') return;
    this.options.onSent?.();
    if (this.gotBytes === false) {
      this.conn.unwatch(); // the body is out: only the answer's head is waited for now
      this.conn.watch('head', this.options.requestTimeout ?? 0);
    }
  };

  /** Writes a stream body as the socket takes it. */
  private pump(source: Readable): void {
    this.source = source;
    const socket = this.socket;
    const chunked = this.req.headers['content-length'] === undefined;
    const onDrain = (): void => {
      source.resume();
    };
    source.on('data', (piece: Uint8Array | string) => {
      // An empty piece would read as the last chunk; object-mode streams may send one.
      const c = typeof piece === 'string' ? Buffer.from(piece) : piece;
      if (this.phase === 'done' || c.byteLength === 0) return;
      let ok: boolean;
      if (chunked) {
        socket.cork();
        socket.write(`${c.byteLength.toString(16)}\r\n`, 'latin1');
        socket.write(c);
        ok = socket.write('\r\n', 'latin1');
        socket.uncork();
      } else {
        ok = socket.write(c);
      }
      if (!ok) {
        source.pause();
        socket.once('drain', onDrain);
      }
    });
    source.once('end', () => {
      if (this.phase === 'done') return;
      socket.write(chunked ? '0\r\n\r\n' : '', this.sent);
    });
    source.once('error', (err) => this.fail(err));
  }

  // ---------------------------------------------------------------- answer

  onData(chunk: Buffer): void {
    this.gotBytes = true;
    if (this.phase === 'head') this.onHead(chunk);
    else if (this.phase === 'body') this.onBody(chunk);
  }

  private onHead(chunk: Buffer): void {
    let buf = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.byteLength > MAX_HEAD) this.fail(protocolError(`an answer's head exceeds ${MAX_HEAD} bytes`));
        else this.pending = buf === chunk ? own(chunk) : buf; // the chunk is only lent
        return;
      }
      const ok = this.parseHead(buf.toString('latin1', 0, end));
      if (!ok) return;
      buf = buf.subarray(end + 4);
      if (this.status >= 200 || this.status === 101) break;
      // An interim answer (100 Continue, 103 Early Hints): the real one follows.
    }
    this.pending = undefined;
    this.conn.unwatch();
    this.begin(buf);
  }

  /** Parses a status line and headers; false (after failing) when they are not HTTP/1.x. */
  private parseHead(text: string): boolean {
    let eol = text.indexOf('\r\n');
    if (eol < 0) eol = text.length;
    const m = STATUS_LINE.exec(text.slice(0, eol));
    if (m === null) {
      this.fail(protocolError(`not an HTTP/1.x answer: ${JSON.stringify(text.slice(0, Math.min(eol, 40)))}`));
      return false;
    }
    this.status = Number(m[2]);
    const headers: IncomingHttpHeaders = Object.create(null) as IncomingHttpHeaders;
    let last: string | undefined;
    for (let at = eol + 2; at < text.length;) {
      let end = text.indexOf('\r\n', at);
      if (end < 0) end = text.length;
      const first = text.charCodeAt(at);
      if ((first === 32 || first === 9) && last !== undefined) {
        headers[last] = `${headers[last] as string} ${text.slice(at, end).trim()}`; // obsolete line folding
        at = end + 2;
        continue;
      }
      const colon = text.indexOf(':', at);
      if (colon <= at || colon > end) {
        this.fail(protocolError('a malformed header line in an answer'));
        return false;
      }
      const name = text.slice(at, colon).trim().toLowerCase();
      const value = text.slice(colon + 1, end).trim();
      at = end + 2;
      const had = headers[name];
      if (had === undefined) headers[name] = name === 'set-cookie' ? [value] : value;
      else if (name === 'set-cookie') (had as string[]).push(value);
      else if (name === 'content-length') {
        if (had !== value) {
          this.fail(protocolError('an answer with two different content-length headers'));
          return false;
        }
      } else headers[name] = `${had as string}, ${value}`;
      last = name;
    }
    this.headers = headers;
    const connection = headers.connection;
    if (connection === undefined) this.keepAlive = m[1] === '1';
    else {
      const c = connection.toLowerCase();
      this.keepAlive = m[1] === '1' ? !c.includes('close') : c.includes('keep-alive');
    }
    const ka = headers['keep-alive'];
    if (ka !== undefined) {
      const t = /timeout=(\d+)/.exec(String(ka));
      if (t !== null) this.keepAliveMs = Math.max(0, Number(t[1]) * 1000 - 1000);
    }
    return true;
  }

  /** The head is in: decides how the body is framed, hands out the answer, reads `rest`. */
  private begin(rest: Buffer): void {
    const { status, headers } = this;
    const te = headers['transfer-encoding'];
    const length = headers['content-length'];
    if (this.req.method === 'HEAD' || status === 204 || status === 304) this.mode = 'none';
    else if (te !== undefined && /(^|,)\s*chunked\s*$/i.test(te)) this.mode = 'chunked';
    else if (te !== undefined) {
      this.mode = 'close';
      this.keepAlive = false;
    } else if (length !== undefined) {
      if (!/^\d+$/.test(length)) {
        this.fail(protocolError(`an answer with content-length ${JSON.stringify(length.slice(0, 20))}`));
        return;
      }
      this.left = Number(length);
      this.mode = this.left === 0 ? 'none' : 'length';
    } else {
      this.mode = 'close';
      this.keepAlive = false;
    }
    this.phase = 'body';
    // A body that came whole with the head, or a small one, is handed over as bytes, streamed or not.
    const whole =
      this.mode === 'none' || (this.mode === 'length' && (rest.byteLength >= this.left || this.left <= SMALL_BODY));
    const ok = status >= 200 && status < 300;
    const offered = ok && this.options.sink !== undefined;
    const sink = offered && this.mode === 'length' ? this.options.sink!(status, headers) : undefined;
    if (sink !== undefined && this.left <= sink.length && sink.windows.every((w) => w.byteLength > 0)) {
      this.sink = sink;
    } else if (ok && !whole && (this.options.stream === true || offered)) {
      this.body = new AnswerBody(this);
      this.resolve({ status, headers, body: this.body });
    } else if (this.mode === 'length' && this.left <= WHOLE_AT_ONCE) {
      this.whole = Buffer.allocUnsafe(this.left);
    } else {
      this.chunks = [];
    }
    if (this.mode === 'none') {
      this.finish(rest);
      return;
    }
    if (rest.byteLength > 0) this.onBody(rest);
    else this.conn.watch('body', this.idleMs);
  }

  private onBody(chunk: Buffer): void {
    switch (this.mode) {
      case 'length': {
        const take = Math.min(this.left, chunk.byteLength);
        this.left -= take;
        this.emit(take === chunk.byteLength ? chunk : chunk.subarray(0, take));
        if (this.left === 0) this.finish(chunk.subarray(take));
        break;
      }
      case 'chunked':
        this.onChunked(chunk);
        break;
      default:
        this.emit(chunk);
    }
    this.afterRead(chunk.byteLength);
  }

  /**
   * Where the socket's next read may go straight, with no copy: the free room of the sink's
   * window being filled, or the rest of an answer read whole, at most the bytes the body has
   * left (so a read never takes bytes past it). Undefined while a read must go to the shared
   * buffer: the head, a chunked, close-delimited or streamed body, bytes held aside, a
   * window being written, TLS.
   */
  readTarget(): Uint8Array | undefined {
    if (this.phase !== 'body' || this.mode !== 'length' || this.secure || this.left < DIRECT_READ) return undefined;
    if (this.sink !== undefined) {
      if (this.stash !== undefined || this.busy[this.window]) return undefined;
      const w = this.sink.windows[this.window]!;
      const room = w.byteLength - this.windowFill;
      if (room < DIRECT_READ) return undefined;
      return w.subarray(this.windowFill, this.windowFill + Math.min(room, this.left));
    }
    return this.whole?.subarray(this.filled, this.filled + this.left);
  }

  /** `n` bytes of the body a read put where {@link readTarget} said. */
  onDirect(n: number): void {
    this.gotBytes = true;
    this.left -= n;
    if (this.sink !== undefined) {
      this.windowFill += n;
      const w = this.sink.windows[this.window]!;
      const room = w.byteLength - this.windowFill;
      if (room === 0 || (room < READ_SIZE && w.byteLength > READ_SIZE)) this.writeWindow();
      if (this.busy[this.window]) this.pauseForSink();
    } else this.filled += n;
    if (this.left === 0) this.finish(Buffer.alloc(0));
    this.afterRead(n);
  }

  /** After a read of `bytes` of the body: a small read of a large body gathers, any other re-arms the watch. */
  private afterRead(bytes: number): void {
    if (this.phase !== 'body' || this.paused) return;
    // Not paused, so nothing is held aside: the sink's windows hold all the body read so far.
    const large = this.sunk + this.windowFill >= GATHER_AFTER && this.left >= SMALL_READ;
    if (this.sink !== undefined && !this.secure && large && bytes < SMALL_READ) return this.gather();
    this.conn.watch('body', this.idleMs);
  }

  /**
   * Stops reading for {@link GATHER_MS} after a small read of a large body: the socket
   * reads again then, unless a window is still being written (its end resumes it).
   */
  private gather(): void {
    this.pauseForSink();
    setTimeout(() => {
      if (this.stash === undefined && !this.busy[this.window]) this.resume();
    }, GATHER_MS);
  }

  /** The reader of a streamed body has fallen behind: the socket is paused. */
  private paused = false;

  /** Decodes chunked framing (RFC 9112 §7.1), extensions and trailers read and dropped. */
  private onChunked(chunk: Buffer): void {
    let at = 0;
    const n = chunk.byteLength;
    while (at < n && this.phase === 'body') {
      if (this.chunkState === 'data') {
        const take = Math.min(this.left, n - at);
        this.emit(chunk.subarray(at, at + take));
        at += take;
        this.left -= take;
        if (this.left === 0) this.chunkState = 'crlf';
        continue;
      }
      const nl = chunk.indexOf(10, at);
      const piece = chunk.toString('latin1', at, nl < 0 ? n : nl);
      at = nl < 0 ? n : nl + 1;
      if (nl < 0) {
        this.line += piece;
        if (this.line.length > MAX_HEAD) this.fail(protocolError('a chunk header too long'));
        continue;
      }
      const line = (this.line + piece).replace(/\r$/, '');
      this.line = '';
      if (this.chunkState === 'crlf') {
        if (line !== '') return this.fail(protocolError('a chunk not followed by CRLF'));
        this.chunkState = 'size';
      } else if (this.chunkState === 'size') {
        const size = /^([0-9a-fA-F]+)\s*(;.*)?$/.exec(line);
        if (size === null || size[1]!.length > 12) return this.fail(protocolError('a malformed chunk size'));
        this.left = parseInt(size[1]!, 16);
        this.chunkState = this.left === 0 ? 'trailer' : 'data';
      } else if (line === '') {
        this.finish(chunk.subarray(at));
        return;
      }
    }
  }

  /** Hands on body bytes, copied: `data` is the socket's read buffer, lent for this call only. */
  private emit(data: Buffer): void {
    if (data.byteLength === 0) return;
    if (this.sink !== undefined) {
      this.toSink(data);
    } else if (this.whole !== undefined) {
      this.filled += data.copy(this.whole, this.filled);
    } else if (this.chunks !== undefined) this.chunks.push(own(data));
    else if (this.body !== undefined && !this.body.push(own(data))) {
      this.socket.pause();
      this.paused = true;
      this.conn.unwatch();
    }
  }

  /** The server closed its side. */
  onEnd(): void {
    if (this.phase === 'body' && this.mode === 'close') {
      this.keepAlive = false;
      this.finish(Buffer.alloc(0));
    }
    // Otherwise 'close' follows and fails the exchange.
  }

  /** The body's reader wants more. */
  resume(): void {
    if (this.phase !== 'body' || !this.paused) return;
    this.paused = false;
    this.conn.watch('body', this.idleMs);
    this.socket.resume();
  }

  /**
   * Copies body bytes into the sink's windows, handing a window to its write once it is
   * full or has less room than a socket read may bring; when the next window is still being
   * written the socket pauses at once, so a read never has to be held elsewhere (windows
   * smaller than a read may still have to: then its rest is copied aside).
   */
  private toSink(data: Buffer): void {
    if (this.stash !== undefined) {
      // Bytes held aside go first: these wait behind them. (A paused TLS socket still hands
      // on the records it had already decrypted.)
      this.stash = Buffer.concat([this.stash, data]);
      return;
    }
    const sink = this.sink!;
    for (let at = 0; at < data.byteLength;) {
      if (this.busy[this.window]) {
        this.stash = own(data.subarray(at)); // the read buffer is only lent
        this.pauseForSink();
        return;
      }
      const w = sink.windows[this.window]!;
      const n = data.copy(w, this.windowFill, at, at + Math.min(data.byteLength - at, w.byteLength - this.windowFill));
      this.windowFill += n;
      at += n;
      const room = w.byteLength - this.windowFill;
      if (room === 0 || (room < READ_SIZE && w.byteLength > READ_SIZE)) this.writeWindow();
    }
    if (this.busy[this.window]) this.pauseForSink();
  }

  /** Stops reading while both windows are being written (unless the body has ended: the connection may serve another request). */
  private pauseForSink(): void {
    if (this.phase !== 'body' || this.paused) return;
    this.socket.pause();
    this.paused = true;
    this.conn.unwatch();
  }

  /** Hands the window being filled to the sink's write and turns to the other. */
  private writeWindow(): void {
    const i = this.window;
    const bytes = this.sink!.windows[i]!.subarray(0, this.windowFill);
    const at = this.sunk;
    this.sunk += this.windowFill;
    this.windowFill = 0;
    this.window = 1 - i;
    this.busy[i] = true;
    let write: Promise<void>;
    try {
      write = this.sink!.write(bytes, at);
    } catch (err) {
      write = Promise.reject(err);
    }
    const p: Promise<void> = write.then(
      () => {
        this.busy[i] = false;
        this.writes.delete(p);
        this.windowFreed();
      },
      (error: unknown) => {
        this.busy[i] = false;
        this.writes.delete(p);
        this.sinkFailure ??= { error };
        if (this.phase === 'body') this.fail(error);
        else this.settleSink();
      },
    );
    this.writes.add(p);
  }

  /** A window's write is done: bytes held meanwhile go on, then the socket (or, at the end, the answer). */
  private windowFreed(): void {
    if (this.sinkFailure !== undefined) return this.settleSink();
    const stash = this.stash;
    if (stash !== undefined) {
      this.stash = undefined;
      this.toSink(stash);
    }
    if (this.stash !== undefined) return;
    if (this.phase === 'body') {
      if (this.paused) {
        this.paused = false;
        this.conn.watch('body', this.idleMs);
        this.socket.resume();
      }
    } else this.settleSink();
  }

  /** After the body's end (or a failure): writes what is left, then settles the answer once no write is pending. */
  private settleSink(): void {
    if (this.settled) return;
    if (this.sinkFailure === undefined && this.stash === undefined && this.windowFill > 0 && !this.busy[this.window])
      this.writeWindow();
    if (this.writes.size > 0 || (this.sinkFailure === undefined && this.stash !== undefined)) return;
    this.settled = true;
    if (this.sinkFailure !== undefined) this.reject(this.sinkFailure.error);
    else this.resolve({ status: this.status, headers: this.headers, sunk: this.sunk });
  }

  private finish(rest: Buffer): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
    this.cleanup();
    const { status, headers } = this;
    if (this.sink !== undefined) {
      if (this.paused) {
        // The body is all here (some of it held): the connection reads on for its next request.
        this.paused = false;
        this.socket.resume();
      }
      this.settleSink();
    } else if (this.whole !== undefined) {
      this.resolve({ status, headers, data: this.whole });
    } else if (this.chunks !== undefined) {
      const data = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      this.resolve({ status, headers, data });
    } else {
      this.body?.push(null);
    }
    // Reused only in step: the whole request written and nothing after the answer.
    this.conn.done(this, this.keepAlive && this.written && rest.byteLength === 0, this.keepAliveMs);
  }

  /** The reader of a streamed body stopped early: the connection cannot be reused. */
  abandon(): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
    this.cleanup();
    this.source?.destroy();
    this.conn.done(this, false, undefined);
  }

  /**
   * The caller's `signal` aborted: a write (any method but GET and HEAD) whose request was
   * sent in full, and whose answer is read in full, is given {@link SENT_GRACE_MS} for that
   * answer (the service may have done it: its answer is the outcome) and fails after that
   * with {@link sentAbortError}; any other exchange fails at once.
   */
  abort(signal: AbortSignal): void {
    if (this.phase === 'done' || this.grace !== undefined) return;
    const method = this.req.method;
    const sentWrite =
      this.written && method !== 'GET' && method !== 'HEAD' && this.body === undefined && this.sink === undefined;
    if (!sentWrite) return this.fail(abortError(signal), true);
    this.grace = afterGrace(() => this.fail(sentAbortError(signal), true));
  }

  /**
   * A write sent in full whose answer did not come (no byte of it before a timeout, or the
   * connection lost): the service may have carried it out.
   */
  private lostAnswerToWrite(err: unknown): boolean {
    const method = this.req.method;
    if (!this.written || this.gotBytes || method === 'GET' || method === 'HEAD') return false;
    if (connectFailed(err)) return false;
    return (err as { code?: unknown } | null)?.code === 'ETIMEDOUT' || isConnectionLoss(err);
  }

  /** Fails the exchange (and closes its connection); `aborted` when the caller's signal did it. */
  fail(err: unknown, aborted = false): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
    this.cleanup();
    if (!aborted && !this.gotBytes && this.conn.served > 0 && isConnectionLoss(err))
      (err as { [STALE]?: boolean })[STALE] = true;
    if (!aborted && this.lostAnswerToWrite(err)) markSentWrite(err as Error);
    if (this.body !== undefined) this.body.destroy(err as Error);
    else if (this.sink !== undefined) {
      // Settled once the writes in flight have: the windows are the caller's again then.
      this.sinkFailure ??= { error: err };
      this.stash = undefined;
      this.settleSink();
    } else this.reject(err);
    this.source?.destroy();
    this.conn.done(this, false, undefined);
  }

  private cleanup(): void {
    this.grace?.cancel();
    this.conn.unwatch();
    for (const x of this.signals) watchers.get(x)?.delete(this);
  }
}

function isConnectionLoss(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}

/** A streamed answer body: reads pause the socket when the reader falls behind. */
class AnswerBody extends Readable {
  constructor(private readonly ex: Exchange) {
    super({ highWaterMark: 64 * 1024 });
  }

  override _read(): void {
    this.ex.resume();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.ex.abandon();
    cb(err);
  }
}
