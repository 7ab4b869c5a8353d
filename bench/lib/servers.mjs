/**
 * Servers for the benchmarks: versitygw (S3, installed with `go install` on first use into
 * .cache/bench/bin), the test harness's fake-gcs-server / Azurite / MiniDFSCluster
 * (test/servers, loaded through tsx), and two TCP proxies: one adding round-trip latency,
 * one capping each connection's download bandwidth.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const VERSITYGW_VERSION = 'v1.8.0';

/** A free loopback port. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function versitygwBinary() {
  if (process.env.VERSITYGW_BIN) return process.env.VERSITYGW_BIN;
  const bin = join(repo, '.cache', 'bench', 'bin', 'versitygw');
  if (existsSync(bin)) return bin;
  process.stderr.write(`installing versitygw ${VERSITYGW_VERSION} with go install (once)...\n`);
  const r = spawnSync('go', ['install', `github.com/versity/versitygw/cmd/versitygw@${VERSITYGW_VERSION}`], {
    stdio: 'inherit',
    env: { ...process.env, GOBIN: dirname(bin) },
  });
  if (r.status !== 0 || !existsSync(bin))
    throw new Error('could not install versitygw: Go is needed (https://go.dev/dl/)');
  return bin;
}

/** The versitygw processes started here that have not exited. */
const gateways = new Set();

/**
 * Starts versitygw's posix backend on `dataDir` on a free loopback port; resolves once it
 * answers. `--keep-alive`, as S3 itself: without it versitygw closes every connection after
 * one answer, and each client pays a TCP connect per request.
 */
export async function startVersitygw(dataDir, access, secret) {
  const port = await freePort();
  const args = ['--port', `127.0.0.1:${port}`, '--keep-alive', '--quiet', 'posix', dataDir];
  const proc = spawn(versitygwBinary(), args, {
    env: { ...process.env, ROOT_ACCESS_KEY: access, ROOT_SECRET_KEY: secret },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  gateways.add(proc);
  proc.once('exit', () => gateways.delete(proc));
  let stderr = '';
  proc.stderr.on('data', (d) => {
    stderr += d;
  });
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (proc.exitCode !== null) throw new Error(`versitygw exited: ${stderr}`);
    try {
      await fetch(endpoint);
      return { endpoint, pid: proc.pid, stop: () => proc.kill('SIGTERM') };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  proc.kill('SIGTERM');
  throw new Error(`versitygw did not answer: ${stderr}`);
}

async function listen(server) {
  const port = await freePort();
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return { endpoint: `http://127.0.0.1:${port}`, port, stop: () => server.close() };
}

/** A TCP proxy adding `rttMs` of round-trip latency (half each way), order preserved. */
export function startLatencyProxy(targetPort, rttMs) {
  const delayed = (from, to) => {
    from.on('data', (chunk) => setTimeout(() => to.write(chunk), rttMs / 2));
    from.on('end', () => setTimeout(() => to.end(), rttMs / 2));
    from.on('error', () => to.destroy());
  };
  return listen(
    net.createServer((client) => {
      const upstream = net.connect(targetPort, '127.0.0.1');
      delayed(client, upstream);
      delayed(upstream, client);
    }),
  );
}

/**
 * A TCP proxy that lets each connection download at most `bytesPerSec` (server to client;
 * uploads pass unthrottled): a link where one stream cannot fill the pipe.
 */
export function startCappedProxy(targetPort, bytesPerSec) {
  return listen(
    net.createServer((client) => {
      const upstream = net.connect(targetPort, '127.0.0.1');
      client.pipe(upstream);
      let start = 0;
      let sent = 0;
      upstream.on('data', (chunk) => {
        if (start === 0) start = performance.now();
        sent += chunk.length;
        if (!client.write(chunk)) upstream.pause();
        const ahead = (sent / bytesPerSec) * 1000 - (performance.now() - start);
        if (ahead > 1) {
          upstream.pause();
          setTimeout(() => {
            if (client.writableNeedDrain) client.once('drain', () => upstream.resume());
            else upstream.resume();
          }, ahead);
        }
      });
      client.on('drain', () => {
        const ahead = (sent / bytesPerSec) * 1000 - (performance.now() - start);
        if (ahead <= 1) upstream.resume();
      });
      upstream.on('end', () => client.end());
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      client.on('close', () => upstream.destroy());
    }),
  );
}

/**
 * When the cached MiniDFSCluster classpath names jars that are not there (it was resolved in
 * a checkout that has since moved), an overlay of the server cache whose classpath names the
 * same jars where they are now; the shared cache itself is left as it is. Returns the overlay
 * directory, or undefined when the cache is fine.
 */
function hdfsCacheOverlay() {
  const dir = join(repo, '.cache', 'servers');
  if (!existsSync(dir)) return undefined; // nothing installed yet: the harness installs there
  const cache = realpathSync(dir);
  const cpFile = join(cache, 'hdfs', 'classpath.txt');
  if (process.env.OMNIFS_TEST_CACHE_DIR || !existsSync(cpFile)) return undefined;
  const entries = readFileSync(cpFile, 'utf8').trim().split(':');
  if (entries.every((e) => existsSync(e))) return undefined;
  const moved = entries.map((e) => e.replace(/^.*\/servers\/hdfs\/m2\//, `${cache}/hdfs/m2/`));
  if (!moved.every((e) => existsSync(e))) return undefined;
  const overlay = mkdtempSync(join(os.tmpdir(), 'omnifs-bench-servers-'));
  for (const name of readdirSync(cache)) if (name !== 'hdfs') symlinkSync(join(cache, name), join(overlay, name));
  mkdirSync(join(overlay, 'hdfs'));
  for (const name of readdirSync(join(cache, 'hdfs')))
    if (name !== 'classpath.txt') symlinkSync(join(cache, 'hdfs', name), join(overlay, 'hdfs', name));
  writeFileSync(join(overlay, 'hdfs', 'classpath.txt'), moved.join(':'));
  process.on('exit', () => rmSync(overlay, { recursive: true, force: true }));
  return overlay;
}

let harness;
/**
 * The test harness's server module (test/servers/index.ts, through tsx): `ensureServer(kind)`
 * installs (when the cache lacks it) and starts fake-gcs-server, Azurite or MiniDFSCluster.
 */
export async function testServers() {
  if (!harness) {
    const overlay = hdfsCacheOverlay();
    if (overlay) process.env.OMNIFS_TEST_CACHE_DIR = overlay;
    const { require: tsxRequire } = await import('tsx/cjs/api');
    harness = tsxRequire('../../test/servers/index.ts', import.meta.url);
  }
  return harness;
}

/**
 * Stops every server this process started, and waits for them: the versitygw gateways and,
 * if they were loaded, the test harness's servers. For a signal handler as much as for a
 * normal end; gives up after `ms` so that a server slow to stop cannot keep a killed run
 * alive.
 */
export async function stopBenchServers(ms = 15_000) {
  const stopping = [...gateways].map(
    (proc) =>
      new Promise((resolve) => {
        proc.once('exit', resolve);
        if (!proc.kill('SIGTERM')) resolve();
      }),
  );
  gateways.clear();
  if (harness) stopping.push(harness.stopAllServers());
  let timer;
  await Promise.race([
    Promise.all(stopping),
    new Promise((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Kills the versitygw gateways at once, without waiting (for an `exit` handler). */
export function killGatewaysNow() {
  for (const proc of gateways) proc.kill('SIGKILL');
  gateways.clear();
}
