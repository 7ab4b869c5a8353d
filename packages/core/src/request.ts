/**
 * Small HTTP requests (metadata, JSON, XML answers) and streamed downloads over one shared
 * pool of keep-alive HTTP/1.1 connections ({@link Http1Pool}): `fetch` costs several times
 * the CPU of a plain request (about 0.4 ms against 0.1 ms on loopback), which bounds how
 * many small calls a process makes per second.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { Http1Pool, type Http1Answer, type Http1Options } from './http1';
import { currentSignal, type Timeouts } from './timeouts';

/** What {@link smallRequest} sends. */
export interface SmallRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  /** Aborts the request (as does the operation's own signal); it then rejects with the signal's FsError. */
  signal?: AbortSignal | undefined;
}

/** The connections of {@link smallRequest} and {@link streamRequest}, per origin. */
const shared = new Http1Pool({ maxSockets: 256 });

function send(url: string, init: SmallRequestInit, options: Http1Options): Promise<Http1Answer> {
  const target = new URL(url);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(init.headers ?? {})) headers[name.toLowerCase()] = value;
  const body = typeof init.body === 'string' ? Buffer.from(init.body) : init.body;
  return shared.request(
    {
      method: init.method ?? 'GET',
      protocol: target.protocol,
      hostname: target.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: target.port === '' ? undefined : Number(target.port),
      path: `${target.pathname}${target.search}`,
      headers,
      body,
    },
    { ...options, signal: [currentSignal(), init.signal] },
  );
}

/**
 * Opens a connection to the origin of `url` in the shared pool ahead of a request there,
 * unless one is idle (see {@link Http1Pool.preconnect}). For servers that close every
 * connection after one answer: an HDFS datanode.
 */
export function preconnect(url: string, timeouts: Timeouts): void {
  const target = new URL(url);
  shared.preconnect(
    {
      protocol: target.protocol,
      hostname: target.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: target.port === '' ? undefined : Number(target.port),
    },
    timeouts.connectTimeout,
  );
}

/**
 * Sends one request and resolves to its answer read in full, as a `Response`.
 *
 * Behaviour: connections are kept and reused; a new one must open within
 * `connectTimeout`, the answer's head must come within `requestTimeout` of the request and
 * its body must not stall for as long (else a temporary `ETIMEDOUT` FsError); redirects are
 * not followed (a 3xx resolves like any answer); network errors reject with Node's error
 * (its `code`, e.g. `ECONNREFUSED`). Meant for answers that fit in memory: data streams go
 * through {@link streamRequest}.
 */
export async function smallRequest(url: string, init: SmallRequestInit, timeouts: Timeouts): Promise<Response> {
  const a = await smallAnswer(url, init, timeouts);
  const empty = a.status === 204 || a.status === 304 || a.data.byteLength === 0;
  return new Response(empty ? null : a.data, { status: a.status, headers: headersOf(a.headers) });
}

/** An answer read in full: its status, its headers (names in lower case) and its body. */
export interface SmallAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  data: Buffer;
}

/**
 * {@link smallRequest} without the `Response`: the status, the headers and the body as
 * bytes, as the pool gives them. For a backend's hot path, where building a `Response`
 * and its `Headers` costs about as much CPU as the request itself.
 */
export async function smallAnswer(url: string, init: SmallRequestInit, timeouts: Timeouts): Promise<SmallAnswer> {
  const a = await send(url, init, {
    connectTimeout: timeouts.connectTimeout,
    requestTimeout: timeouts.requestTimeout,
    idleTimeout: timeouts.requestTimeout,
  });
  return { status: a.status, headers: a.headers, data: a.data ?? Buffer.alloc(0) };
}

function headersOf(raw: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return headers;
}

/**
 * Sends one request and resolves once the answer's head arrived, its body streaming, as a
 * `Response`: what `fetch` gives for downloads.
 *
 * Behaviour: the head must arrive within `requestTimeout`; while the reader waits for the
 * next bytes of the body, no byte for `idleTimeout` fails the read with a temporary
 * `ETIMEDOUT` (a reader that pauses is not timed); `signal` and the operation's signal abort
 * the request and its body; redirects are not followed. A server that closes the
 * connection while the reader pauses ends the body normally (Node 24's `fetch` could throw
 * an uncatchable assertion there, nodejs/undici#5360).
 */
export async function streamRequest(url: string, init: SmallRequestInit, timeouts: Timeouts): Promise<Response> {
  const a = await streamAnswer(url, init, timeouts);
  const empty = a.status === 204 || a.status === 304 || (init.method ?? 'GET') === 'HEAD';
  // As fetch gives it: a stream, empty or not, unless the answer cannot have a body.
  let body: ReadableStream<Uint8Array> | null = null;
  if (a.body !== undefined) body = Readable.toWeb(a.body) as ReadableStream<Uint8Array>;
  else if (!empty) body = bytesStream(a.data ?? Buffer.alloc(0));
  return new Response(body, { status: a.status, headers: headersOf(a.headers) });
}

/**
 * {@link streamRequest} without the `Response`: a 2xx body still arriving with the head is
 * `body`, a Node stream (destroy it to stop reading); a body that came whole, one whose
 * announced length is at most 64 KiB (read in full first), and every other answer's, is
 * `data`. Same timeouts and signals. With `sink`, a 2xx body it takes
 * goes there window by window (`sunk`, see `Http1Options.sink`).
 */
export function streamAnswer(
  url: string,
  init: SmallRequestInit,
  timeouts: Timeouts,
  sink?: Http1Options['sink'],
): Promise<Http1Answer> {
  return send(url, init, {
    stream: true,
    sink,
    connectTimeout: timeouts.connectTimeout,
    requestTimeout: timeouts.requestTimeout,
    idleTimeout: timeouts.idleTimeout,
  });
}

/** Bytes as a web stream of one chunk (none when empty). */
function bytesStream(data: Buffer): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (data.byteLength > 0) controller.enqueue(data);
      controller.close();
    },
  });
}
