/**
 * Small HTTP requests (metadata, JSON, XML answers) over Node's keep-alive agents: `fetch`
 * costs several times the CPU of `node:http` per request (about 0.4 ms against 0.1 ms on
 * loopback), which bounds how many small calls a process makes per second.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { abortError, currentSignal, IdleTimer, idleBody, timeoutError, type Timeouts } from './timeouts';

/** What {@link smallRequest} sends. */
export interface SmallRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  /** Aborts the request (as does the operation's own signal); it then rejects with the signal's FsError. */
  signal?: AbortSignal | undefined;
}

/**
 * Sends one request and resolves to its answer read in full, as a `Response`.
 *
 * Behaviour: the request goes through `http.globalAgent` / `https.globalAgent` (keep-alive
 * since Node 19, so connections are reused); the whole answer must arrive within
 * `requestTimeout` of the call (else a temporary `ETIMEDOUT` FsError); redirects are not
 * followed (a 3xx resolves like any answer); network errors reject with Node's error
 * (its `code`, e.g. `ECONNREFUSED`). Meant for answers that fit in memory: data streams
 * go through `fetch` or the transports.
 */
export function smallRequest(url: string, init: SmallRequestInit, timeouts: Timeouts): Promise<Response> {
  const signals = [...new Set([currentSignal(), init.signal])].filter((x): x is AbortSignal => x !== undefined);
  const aborted = signals.find((x) => x.aborted);
  if (aborted !== undefined) return Promise.reject(abortError(aborted));
  const target = new URL(url);
  const method = init.method ?? 'GET';
  const send = target.protocol === 'https:' ? https.request : http.request;
  return new Promise<Response>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = (event: Event): void => {
      req.destroy(abortError(event.target as AbortSignal));
    };
    const settle = (): void => {
      clearTimeout(timer);
      for (const x of signals) x.removeEventListener('abort', onAbort);
    };
    const fail = (err: unknown): void => {
      settle();
      const by = signals.find((x) => x.aborted);
      reject(by !== undefined ? abortError(by) : err);
    };
    const req = send(target, { method, headers: init.headers ?? {} }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (b: Buffer) => parts.push(b));
      res.on('error', fail);
      res.on('end', () => {
        settle();
        const status = res.statusCode ?? 0;
        const empty = status === 204 || status === 304 || parts.length === 0;
        try {
          resolve(
            new Response(empty ? null : Buffer.concat(parts), {
              status,
              statusText: res.statusMessage ?? '',
              headers: headersOf(res.headers),
            }),
          );
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('error', fail);
    for (const x of signals) x.addEventListener('abort', onAbort, { once: true });
    const ms = timeouts.requestTimeout;
    if (ms > 0)
      timer = setTimeout(() => req.destroy(timeoutError(`no answer to ${method} ${target.host} within ${ms} ms`)), ms);
    req.end(init.body);
  });
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
 * Sends one request and resolves once the answer's headers arrived, its body streaming, as
 * a `Response`: what `fetch` gives for downloads, over `node:http`.
 *
 * Behaviour: the headers must arrive within `requestTimeout`; while the reader waits for
 * the next bytes of the body, no byte for `idleTimeout` fails the read with a temporary
 * `ETIMEDOUT` (a reader that pauses is not timed); `signal` and the operation's signal abort
 * the request and its body; redirects are not followed. A server that closes the
 * connection while the reader pauses ends the body normally (Node 24's `fetch` could throw
 * an uncatchable assertion there, nodejs/undici#5360).
 */
export function streamRequest(url: string, init: SmallRequestInit, timeouts: Timeouts): Promise<Response> {
  const outer = [...new Set([currentSignal(), init.signal])].filter((x): x is AbortSignal => x !== undefined);
  const aborted = outer.find((x) => x.aborted);
  if (aborted !== undefined) return Promise.reject(abortError(aborted));
  const own = new AbortController();
  const signal = outer.length === 0 ? own.signal : AbortSignal.any([own.signal, ...outer]);
  const target = new URL(url);
  const method = init.method ?? 'GET';
  const where = `${method} ${target.host}`;
  const send = target.protocol === 'https:' ? https.request : http.request;
  const idle = new IdleTimer(timeouts.idleTimeout, () =>
    own.abort(timeoutError(`no data moved on ${where} for ${timeouts.idleTimeout} ms`)),
  );
  return new Promise<Response>((resolve, reject) => {
    let answered = false;
    const req = send(target, { method, headers: init.headers ?? {} });
    const onAbort = (): void => {
      idle.clear();
      req.destroy(abortError(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const ms = timeouts.requestTimeout;
    const deadline =
      ms > 0 ? setTimeout(() => own.abort(timeoutError(`no answer to ${where} within ${ms} ms`)), ms) : undefined;
    req.on('error', (err) => {
      clearTimeout(deadline);
      if (!answered) {
        signal.removeEventListener('abort', onAbort);
        reject(signal.aborted ? abortError(signal) : err);
      }
    });
    req.on('response', (res) => {
      answered = true;
      clearTimeout(deadline);
      res.on('close', () => signal.removeEventListener('abort', onAbort));
      const status = res.statusCode ?? 0;
      const empty = status === 204 || status === 304 || method === 'HEAD';
      const body = empty ? null : idleBody(Readable.toWeb(res) as ReadableStream<Uint8Array>, idle, signal);
      if (empty) res.resume();
      try {
        resolve(new Response(body, { status, statusText: res.statusMessage ?? '', headers: headersOf(res.headers) }));
      } catch (err) {
        res.destroy();
        reject(err);
      }
    });
    req.end(init.body);
  });
}
