/**
 * GCS on loopback: fake-gcs-server, built with `go install` at a pinned tag into
 * `.cache/servers/bin` (module and build caches under `.cache/servers/go` while building,
 * removed afterwards).
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { GcsInfo, StartedServer } from './types';
import {
  cacheDir,
  freePort,
  hasCommand,
  readMarker,
  runInstall,
  startProcess,
  ToolchainMissing,
  waitForHttp,
  withInstallLock,
  writeMarker,
} from './util';

/** Newest tag of github.com/fsouza/fake-gcs-server listed by `go list -m -versions` when pinned. */
export const FAKE_GCS_VERSION = 'v1.56.1';

const MODULE = 'github.com/fsouza/fake-gcs-server';

/** Builds fake-gcs-server unless the cached binary is this version; returns ms spent (0 if cached). */
export function installFakeGcs(): Promise<number> {
  return withInstallLock('fake-gcs-server', installFakeGcsNow);
}

async function installFakeGcsNow(): Promise<number> {
  const bin = cacheDir('bin');
  const marker = join(bin, 'fake-gcs-server.version');
  if (readMarker(marker) === FAKE_GCS_VERSION && existsSync(join(bin, 'fake-gcs-server'))) return 0;
  if (!hasCommand('go')) {
    throw new ToolchainMissing(
      'GCS tests need Go to build fake-gcs-server',
      `install Go 1.26+ (fake-gcs-server ${FAKE_GCS_VERSION} needs it; Go 1.21+ with GOTOOLCHAIN=auto fetches it)`,
    );
  }
  const go = cacheDir('go');
  const ms = await runInstall('fake-gcs-server', 'go', ['install', `${MODULE}@${FAKE_GCS_VERSION}`], {
    env: {
      GOBIN: bin,
      GOMODCACHE: join(go, 'mod'),
      GOCACHE: join(go, 'build'),
      GOPATH: join(go, 'path'),
      GOFLAGS: '-modcacherw',
      CGO_ENABLED: '0',
    },
  });
  writeMarker(marker, FAKE_GCS_VERSION);
  // The binary is what is cached; the module and build caches (over 1 GB) are not needed again.
  // Removed without blocking: the tests running meanwhile measure time.
  await rm(go, { recursive: true, force: true });
  return ms;
}

/** The GCS endpoint named by OMNIFS_TEST_GCS_ENDPOINT, if any. */
export function externalGcs(): GcsInfo | undefined {
  const apiEndpoint = process.env.OMNIFS_TEST_GCS_ENDPOINT;
  if (!apiEndpoint) return undefined;
  return {
    apiEndpoint,
    projectId: process.env.OMNIFS_TEST_GCS_PROJECT ?? 'omnifs-test',
    bucket: process.env.OMNIFS_TEST_GCS_BUCKET || undefined,
  };
}

/** Installs (if needed) and starts fake-gcs-server in memory on a free loopback port. */
export async function startFakeGcs(): Promise<StartedServer<GcsInfo>> {
  const installMs = await installFakeGcs();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const t0 = Date.now();
  const proc = startProcess(`fake-gcs-${port}`, join(cacheDir('bin'), 'fake-gcs-server'), [
    '-scheme',
    'http',
    '-host',
    '127.0.0.1',
    '-port',
    String(port),
    '-backend',
    'memory',
    '-external-url',
    base,
    '-public-host',
    `127.0.0.1:${port}`,
    '-log-level',
    'warn',
  ]);
  try {
    await waitForHttp(`${base}/storage/v1/b?project=omnifs-test`, 30_000, { proc, accept: (s) => s === 200 });
  } catch (e) {
    await proc.stop();
    throw e;
  }
  const startMs = Date.now() - t0;
  return {
    info: { apiEndpoint: base, projectId: 'omnifs-test', bucket: undefined },
    installMs,
    startMs,
    proc,
    stop: () => proc.stop(),
  };
}
