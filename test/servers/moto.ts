/**
 * S3 on loopback: moto's standalone server (`moto_server`), installed with pip into a
 * project-local virtualenv under `.cache/servers/moto/venv`.
 */
import { join } from 'node:path';
import type { S3Info, StartedServer } from './types';
import { pythonVenv } from './python';
import { cacheDir, freePort, startProcess, waitForHttp } from './util';

/** What pip installs; changing it reinstalls. */
export const MOTO_REQUIREMENTS = ['moto[s3]==5.2.5', 'flask==3.1.3', 'flask-cors==6.0.5'] as const;

const ACCESS_KEY = 'testing';
const SECRET_KEY = 'testing';

/** Installs moto into its venv unless the cached install matches; returns ms spent (0 if cached). */
export async function installMoto(): Promise<number> {
  return (await pythonVenv('moto', MOTO_REQUIREMENTS, 'S3 tests (moto)')).installMs;
}

function motoBin(venv: string): string {
  return join(venv, 'bin', 'moto_server');
}

/** The S3 server named by OMNIFS_TEST_S3_ENDPOINT (and friends), if any. */
export function externalS3(): S3Info | undefined {
  const endpoint = process.env.OMNIFS_TEST_S3_ENDPOINT;
  if (!endpoint) return undefined;
  return {
    endpoint,
    region: process.env.OMNIFS_TEST_S3_REGION ?? 'us-east-1',
    credentials: {
      accessKeyId: process.env.OMNIFS_TEST_S3_ACCESS_KEY_ID ?? ACCESS_KEY,
      secretAccessKey: process.env.OMNIFS_TEST_S3_SECRET_ACCESS_KEY ?? SECRET_KEY,
    },
    forcePathStyle: process.env.OMNIFS_TEST_S3_FORCE_PATH_STYLE !== 'false',
    bucket: process.env.OMNIFS_TEST_S3_BUCKET || undefined,
    reset: undefined,
  };
}

/** Installs (if needed) and starts moto on a free loopback port; resolves once it answers S3 requests. */
export async function startMoto(): Promise<StartedServer<S3Info>> {
  const installMs = await installMoto();
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const venv = join(cacheDir('moto'), 'venv');
  const t0 = Date.now();
  const proc = startProcess(`moto-${port}`, motoBin(venv), ['-H', '127.0.0.1', '-p', String(port)], {
    env: { AWS_ACCESS_KEY_ID: ACCESS_KEY, AWS_SECRET_ACCESS_KEY: SECRET_KEY, AWS_DEFAULT_REGION: 'us-east-1' },
  });
  try {
    await waitForHttp(`${endpoint}/moto-api/data.json`, 60_000, { proc, accept: (s) => s === 200 });
  } catch (e) {
    await proc.stop();
    throw e;
  }
  const startMs = Date.now() - t0;
  const info: S3Info = {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
    forcePathStyle: true,
    bucket: undefined,
    reset: async () => {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`moto reset: HTTP ${res.status}`);
    },
  };
  return { info, installMs, startMs, proc, stop: () => proc.stop() };
}
