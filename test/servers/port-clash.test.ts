import { expect } from 'chai';
import { createServer, type Server } from 'node:net';
import { freePort, startProcess, startRetryingPortClash, waitForHttp, type ServerProcess } from './util';

/** A loopback HTTP server in a child process on `port`, as the harness starts its servers. */
async function startOn(port: number): Promise<ServerProcess> {
  const script = `require('node:http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`;
  const proc = startProcess(`port-clash-test-${port}`, process.execPath, ['-e', script]);
  try {
    await waitForHttp(`http://127.0.0.1:${port}/`, 10_000, { proc, accept: (s) => s === 200 });
  } catch (e) {
    await proc.stop();
    throw e;
  }
  return proc;
}

describe('servers: a port taken before the server binds it', () => {
  let holder: Server;
  let taken: number;

  before(async () => {
    holder = createServer((socket) => socket.destroy());
    await new Promise<void>((ok) => holder.listen(0, '127.0.0.1', ok));
    taken = (holder.address() as { port: number }).port;
  });
  after(() => new Promise<void>((ok) => holder.close(() => ok())));

  it("fails with the server's own words when it cannot bind", async () => {
    const err = await startOn(taken).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).to.match(/server exited before answering .*EADDRINUSE/s);
  });

  it('starts the server again on another port', async () => {
    const tried: number[] = [];
    const proc = await startRetryingPortClash('port-clash-test', async () => {
      const port = tried.length === 0 ? taken : await freePort();
      tried.push(port);
      return startOn(port);
    });
    try {
      expect(tried).to.have.length(2);
      expect(tried[0]).to.equal(taken);
      expect(await (await fetch(`http://127.0.0.1:${tried[1]}/`)).text()).to.equal('ok');
    } finally {
      await proc.stop();
    }
  });

  it('gives up after the attempts it was given', async () => {
    let calls = 0;
    const err = await startRetryingPortClash(
      'port-clash-test',
      () => {
        calls++;
        return startOn(taken);
      },
      2,
    ).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(calls).to.equal(2);
    expect(err?.message).to.match(/EADDRINUSE/);
  });

  it('does not retry any other failure', async () => {
    let calls = 0;
    const err = await startRetryingPortClash('port-clash-test', async () => {
      calls++;
      throw new Error('moto: no such option -x');
    }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(calls).to.equal(1);
    expect(err?.message).to.equal('moto: no such option -x');
  });
});
