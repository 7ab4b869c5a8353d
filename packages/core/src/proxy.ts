/**
 * HTTP proxies named by the environment, read as curl and Node.js's own `NODE_USE_ENV_PROXY`
 * read them: `HTTPS_PROXY` for `https:` targets, `HTTP_PROXY` for `http:` ones (each also in
 * lower case, the lower-case one first, as curl does; `ALL_PROXY` when neither is set), and
 * `NO_PROXY` for the hosts reached directly. Google's and Azure's SDKs read the same
 * variables, so omnifs's own requests go where the SDKs' go.
 *
 * An `https:` target is reached through a `CONNECT` tunnel (TLS runs end to end, the proxy
 * sees only the host and port); an `http:` target gets its request sent to the proxy in
 * absolute form. Credentials in the proxy's URL (`http://user:pass@proxy:3128`) go in a
 * `proxy-authorization: Basic` header and never into messages.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { errors, FsError } from './errors';
import { connectTimeoutError } from './timeouts';
import { withHttpScheme } from './url';

/** How requests to one origin go through a proxy. */
export interface ProxyRoute {
  /** Host and port of the proxy (the connection goes there). */
  hostname: string;
  port: number;
  /** `tunnel`: a `CONNECT` to the target first (https targets); `forward`: requests in absolute form (http targets). */
  mode: 'tunnel' | 'forward';
  /** The `proxy-authorization` header value, when the proxy's URL has credentials. */
  authorization?: string | undefined;
  /** The proxy as messages show it: scheme, host and port, never credentials. */
  shown: string;
}

function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name.toLowerCase()] ?? env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** The default port of a URL scheme. */
function defaultPort(protocol: string): number {
  return protocol === 'https:' ? 443 : 80;
}

/**
 * True when `NO_PROXY` lets `hostname:port` be reached directly: `*` matches every host; an
 * entry matches the host itself and its subdomains (`example.com`, `.example.com` and
 * `*.example.com` all match `a.example.com`); an entry with a port matches that port only;
 * IP addresses match as written (IPv6 with or without brackets).
 */
export function bypassesProxy(noProxy: string | undefined, hostname: string, port: number): boolean {
  if (noProxy === undefined) return false;
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  for (const raw of noProxy.split(/[\s,]+/)) {
    let entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    let entryPort: number | undefined;
    const bracketed = /^\[(.*)\](?::(\d+))?$/.exec(entry);
    if (bracketed !== null) {
      entry = bracketed[1]!;
      entryPort = bracketed[2] === undefined ? undefined : Number(bracketed[2]);
    } else if (net.isIP(entry) === 0) {
      const colon = /^(.*):(\d+)$/.exec(entry);
      if (colon !== null) {
        entry = colon[1]!;
        entryPort = Number(colon[2]);
      }
    }
    if (entryPort !== undefined && entryPort !== port) continue;
    entry = entry.replace(/^\*?\./, '');
    if (host === entry || host.endsWith(`.${entry}`)) return true;
  }
  return false;
}

/**
 * The proxy route for a target, from the environment; undefined when requests go direct.
 *
 * @throws FsError `InvalidArgument` naming the variable when its value is not an `http://`
 *   proxy URL (`host:port` is taken as `http://host:port`, as curl does).
 */
export function proxyRoute(
  target: { protocol: string; hostname: string; port?: number | undefined },
  env: NodeJS.ProcessEnv = process.env,
): ProxyRoute | undefined {
  const secure = target.protocol === 'https:';
  const name = secure ? 'HTTPS_PROXY' : 'HTTP_PROXY';
  const own = envValue(env, name);
  const value = own ?? envValue(env, 'ALL_PROXY');
  if (value === undefined) return undefined;
  const port = target.port ?? defaultPort(target.protocol);
  if (bypassesProxy(envValue(env, 'NO_PROXY'), target.hostname, port)) return undefined;
  const variable = own !== undefined ? name : 'ALL_PROXY';
  let url: URL;
  try {
    url = new URL(withHttpScheme(value));
  } catch {
    throw errors.invalid(`${variable} is not a proxy URL such as http://proxy:3128`);
  }
  if (url.protocol !== 'http:') {
    throw errors.invalid(`${variable} names a ${url.protocol} proxy; only http:// proxies are supported`);
  }
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const proxyPort = url.port === '' ? 80 : Number(url.port);
  const decode = (part: string): string => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw errors.invalid(`${variable} has credentials that are not percent-encoded text`);
    }
  };
  const credentials =
    url.username === '' && url.password === '' ? undefined : `${decode(url.username)}:${decode(url.password)}`;
  return {
    hostname,
    port: proxyPort,
    mode: secure ? 'tunnel' : 'forward',
    authorization: credentials === undefined ? undefined : `Basic ${Buffer.from(credentials).toString('base64')}`,
    shown: `http://${url.host}`,
  };
}

/** The most a proxy's answer to `CONNECT` may take before its blank line. */
const MAX_CONNECT_HEAD = 16 * 1024;

/**
 * Opens a tunnel through `route` to `hostname:port` with `CONNECT`; resolves with the socket
 * once the proxy has answered 2xx (its answer read, nothing after it). Fails with
 * `PermissionDenied` on 407 (the proxy wants credentials, or others), a temporary
 * `Unexpected` on other refusals (502, 503: the proxy could not reach the target), and
 * `ETIMEDOUT` when the proxy has not answered within `timeoutMs` (0: no limit).
 */
export function openTunnel(route: ProxyRoute, hostname: string, port: number, timeoutMs: number): Promise<net.Socket> {
  const authority = `${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: route.hostname, port: route.port });
    socket.setNoDelay(true);
    let head = Buffer.alloc(0);
    let settled = false;
    const timer =
      timeoutMs > 0
        ? setTimeout(
            () =>
              fail(
                connectTimeoutError(
                  `the proxy ${route.shown} did not open a tunnel to ${authority} within ${timeoutMs} ms`,
                ),
              ),
            timeoutMs,
          )
        : undefined;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_CONNECT_HEAD) fail(refusal(route, authority, NaN));
        return;
      }
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head.subarray(0, end).toString('latin1'))?.[1] ?? NaN);
      if (!(status >= 200 && status <= 299)) {
        fail(refusal(route, authority, status));
        return;
      }
      if (end + 4 < head.length) {
        // The target speaks only after the client's first bytes: anything here is the proxy's.
        fail(refusal(route, authority, NaN));
        return;
      }
      settled = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', fail);
      socket.off('close', onClose);
      resolve(socket);
    };
    const onClose = (): void =>
      fail(
        new FsError({
          kind: 'Unexpected',
          code: 'ECONNRESET',
          message: `the proxy ${route.shown} closed the connection before answering CONNECT to ${authority}`,
          temporary: true,
        }),
      );
    socket.on('data', onData);
    socket.on('error', fail);
    socket.on('close', onClose);
    socket.write(
      `CONNECT ${authority} HTTP/1.1\r\nhost: ${authority}\r\n` +
        (route.authorization === undefined ? '' : `proxy-authorization: ${route.authorization}\r\n`) +
        '\r\n',
    );
  });
}

function refusal(route: ProxyRoute, authority: string, status: number): FsError {
  const what = `the proxy ${route.shown} refused a tunnel to ${authority}`;
  if (status === 407) {
    return new FsError({
      kind: 'PermissionDenied',
      message: `${what}: it asks for credentials (407); give them in the proxy URL, http://user:password@proxy:port`,
    });
  }
  if (status === 403) return new FsError({ kind: 'PermissionDenied', message: `${what} (403)` });
  return new FsError({
    kind: 'Unexpected',
    message: `${what} (${Number.isNaN(status) ? 'not an HTTP answer' : status})`,
    temporary: status >= 500 || Number.isNaN(status),
  });
}

/** Connections kept per host by {@link proxyAgents}' agents: what an SDK's default agent keeps. */
const AGENT_SOCKETS = 50;

/**
 * Node.js agents that reach each host as {@link proxyRoute} says, for an SDK that sends its
 * own requests (the AWS SDK reads no proxy variable): a `CONNECT` tunnel through the proxy,
 * for `http:` targets too, or a direct connection where no proxy applies. Undefined when
 * the environment names no proxy at all. The variables are read for each new connection.
 */
export function proxyAgents(
  connectTimeout: number,
  env: NodeJS.ProcessEnv = process.env,
): { httpAgent: http.Agent; httpsAgent: https.Agent } | undefined {
  if (['HTTPS_PROXY', 'HTTP_PROXY', 'ALL_PROXY'].every((name) => envValue(env, name) === undefined)) return undefined;
  type Done = (err: Error | null, socket: Duplex) => void;
  /** Opens a tunnel when a proxy applies (the socket comes through `done`); false when none does. */
  const tunnelled = (
    protocol: string,
    host: string,
    port: number,
    done: Done | undefined,
    wrap: (raw: net.Socket) => Duplex,
  ): boolean => {
    const route = proxyRoute({ protocol, hostname: host, port }, env);
    if (route === undefined) return false;
    if (done === undefined) throw errors.unsupported('a proxied connection needs a callback');
    // Through the proxy for http targets too: a tunnel needs no change to the SDK's requests.
    openTunnel({ ...route, mode: 'tunnel' }, host, port, connectTimeout).then(
      (raw) => done(null, wrap(raw)),
      (err: Error) => done(err, undefined as unknown as Duplex),
    );
    return true;
  };
  class HttpsTunnel extends https.Agent {
    override createConnection(options: http.ClientRequestArgs, done?: Done): Duplex | undefined {
      const host = options.host ?? 'localhost';
      const port = Number(options.port ?? 443);
      const secure = options as tls.ConnectionOptions;
      const servername = secure.servername ?? (net.isIP(host) === 0 ? host : undefined);
      const wrap = (raw: net.Socket): Duplex => tls.connect({ ...secure, socket: raw, servername });
      return tunnelled('https:', host, port, done, wrap)
        ? undefined
        : (super.createConnection(options, done) ?? undefined);
    }
  }
  class HttpTunnel extends http.Agent {
    override createConnection(options: http.ClientRequestArgs, done?: Done): Duplex | undefined {
      const host = options.host ?? 'localhost';
      const port = Number(options.port ?? 80);
      return tunnelled('http:', host, port, done, (raw) => raw)
        ? undefined
        : (super.createConnection(options, done) ?? undefined);
    }
  }
  const agentOptions = { keepAlive: true, maxSockets: AGENT_SOCKETS };
  return { httpAgent: new HttpTunnel(agentOptions), httpsAgent: new HttpsTunnel(agentOptions) };
}
