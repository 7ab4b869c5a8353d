/**
 * A TCP proxy that can become a network blackhole: connections are accepted and nothing
 * ever comes back (what a dropped route or a dead NAT looks like), then forward again.
 * With no target it is a silent server from the start.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface Blackhole {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** From now on nothing is forwarded, on new and open connections alike. */
  cut(): void;
  /** New connections are forwarded again (connections cut meanwhile stay dead). */
  restore(): void;
  close(): Promise<void>;
}

/**
 * Starts the proxy in front of `target` (none: a silent server). With `dropAfterMs`, a
 * connection that got no answer is reset after that long, as a dead route eventually is.
 */
export async function startBlackhole(target?: string, options: { dropAfterMs?: number } = {}): Promise<Blackhole> {
  const upstream = target === undefined ? undefined : new URL(target);
  let open = upstream !== undefined;
  const sockets = new Set<Socket>();
  const track = (s: Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  };
  const server: Server = createServer((client) => {
    track(client);
    if (!open || upstream === undefined) {
      // accepted, never answered
      if (options.dropAfterMs !== undefined) setTimeout(() => client.resetAndDestroy(), options.dropAfterMs).unref();
      return;
    }
    const remote = connect(Number(upstream.port), upstream.hostname);
    track(remote);
    const pipe = (from: Socket, to: Socket): void => {
      from.on('data', (chunk: Buffer) => {
        if (open) to.write(chunk);
      });
      from.on('end', () => open && to.end());
    };
    pipe(client, remote);
    pipe(remote, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    cut: () => {
      open = false;
    },
    restore: () => {
      open = upstream !== undefined;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
