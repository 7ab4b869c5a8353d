/**
 * A forward HTTP proxy on loopback, as a company network puts in front of the internet:
 * `CONNECT` tunnels (for https targets) and requests in absolute form (for http ones). Host
 * names in `hosts` resolve only here (e.g. `store.test` → `127.0.0.1`), so a client that
 * reaches such a host went through the proxy. With `credentials`, requests without that
 * `proxy-authorization` get 407. Every request is logged.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';

/** One request the proxy received. */
export interface ProxiedRequest {
  method: string;
  /** `host:port` for CONNECT, the absolute URL otherwise. */
  target: string;
  /** The `proxy-authorization` header, if any. */
  authorization: string | undefined;
  /** False when the proxy refused it (407, or a host it cannot reach). */
  allowed: boolean;
}

/** A running proxy. */
export interface HttpProxy {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  port: number;
  log: ProxiedRequest[];
  stop(): Promise<void>;
}

/** Starts a proxy; see the module. */
export async function startHttpProxy(
  options: { hosts?: Record<string, string>; credentials?: string } = {},
): Promise<HttpProxy> {
  const hosts = options.hosts ?? {};
  const expected =
    options.credentials === undefined ? undefined : `Basic ${Buffer.from(options.credentials).toString('base64')}`;
  const log: ProxiedRequest[] = [];
  const sockets = new Set<net.Socket>();
  const resolveHost = (host: string): string => hosts[host] ?? host;
  const authorized = (req: IncomingMessage): boolean =>
    expected === undefined || req.headers['proxy-authorization'] === expected;
  const entry = (req: IncomingMessage, allowed: boolean): void => {
    log.push({
      method: req.method ?? '',
      target: req.url ?? '',
      authorization: req.headers['proxy-authorization'],
      allowed,
    });
  };

  const server: Server = createServer((req, res) => {
    const allowed = authorized(req);
    entry(req, allowed);
    if (!allowed) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"' }).end();
      return;
    }
    const url = new URL(req.url ?? '/');
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const upstream = request(
      {
        host: resolveHost(url.hostname),
        port: url.port || 80,
        method: req.method,
        path: url.pathname + url.search,
        headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on('connect', (req: IncomingMessage, client: net.Socket, head: Buffer) => {
    const allowed = authorized(req);
    entry(req, allowed);
    client.on('error', () => undefined);
    if (!allowed) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nproxy-authenticate: Basic realm="test"\r\n\r\n');
      return;
    }
    const [host = '', port = '443'] = (req.url ?? '').replace(/^\[(.*)\]/, '$1').split(/:(?=\d+$)/);
    const upstream = net.connect({ host: resolveHost(host), port: Number(port) }, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
  });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    log,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
