/** Shared set-up of the GCS suites: the harness's fake-gcs-server, a fresh bucket per test, request counting. */
import { generateKeyPairSync } from 'node:crypto';
import { freshRoot, useServer, type GcsInfo } from '../../../test/servers/index';
import { GCSFileSystem, type GCSOptions, type GCSServiceAccountKey } from '@omnifs/gcs';

/** The GCS server of this suite, started (once per run) by the harness. */
export function useGcs(): { readonly info: GcsInfo } {
  return useServer('gcs');
}

/** Connection options of the harness's server. */
export function connection(info: GcsInfo): GCSOptions {
  return { apiEndpoint: info.apiEndpoint, projectId: info.projectId };
}

/** A new filesystem on the server (never cached), with extra options. */
export function makeFs(info: GcsInfo, extra: GCSOptions = {}): GCSFileSystem {
  return new GCSFileSystem({ ...connection(info), skipInstanceCache: true, ...extra });
}

/** A fresh bucket (created) or, on an external server, the given bucket and a fresh prefix: `bucket[/prefix]`. */
export async function freshBucket(info: GcsInfo, fs: GCSFileSystem): Promise<string> {
  const root = freshRoot(info.bucket);
  if (root.create) await fs.storage.createBucket(root.bucket);
  return `${root.bucket}${root.prefix === '' ? '' : `/${root.prefix.replace(/\/$/, '')}`}`;
}

/** A service-account key with a freshly generated RSA private key (signs locally; never valid at Google). */
export function generatedKey(): GCSServiceAccountKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    type: 'service_account',
    client_email: 'omnifs-test@omnifs-test.iam.gserviceaccount.com',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** Counts the HTTP requests a filesystem's client sends, by `METHOD kind` (`GET media`, `POST upload`, ...). */
export function countRequests(fs: GCSFileSystem): Map<string, number> {
  const counts = new Map<string, number>();
  fs.storage.interceptors.push({
    request: (opts) => {
      const o = opts as { method?: string; uri?: string; qs?: Record<string, unknown> };
      const kind = o.qs?.alt === 'media' ? 'media' : (o.uri ?? '').includes('/upload/') ? 'upload' : 'json';
      const key = `${o.method ?? 'GET'} ${kind}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      return opts;
    },
  });
  return counts;
}
