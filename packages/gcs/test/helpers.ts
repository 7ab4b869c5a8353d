/** Shared set-up of the GCS suites: the harness's fake-gcs-server, a fresh bucket per test, request counting. */
import { generateKeyPairSync } from 'node:crypto';
import { startFaultProxy, type FaultProxy, type RequestInfo } from '../../../test/faults/proxy';
import { useServerStore, type ServerStore, type UseStoreOptions } from '@omnifs/testkit';
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

/** A request as the recording proxy saw it. */
export interface SeenRequest extends RequestInfo {
  /** `media` (download), `upload`, or `json` (metadata and listing). */
  readonly kind: 'media' | 'upload' | 'json';
}

/** Sorts what a request does by its URL. */
function kindOf(req: RequestInfo): SeenRequest['kind'] {
  if (req.url.startsWith('/upload/')) return 'upload';
  return /[?&]alt=media/.test(req.url) || req.url.startsWith('/download/') ? 'media' : 'json';
}

/** A fault proxy in front of the server that records every request it sees; `clearFaults` keeps the recording. */
export async function recordingProxy(
  info: GcsInfo,
  seed = 7,
): Promise<{ proxy: FaultProxy; seen: SeenRequest[]; clearFaults: () => void }> {
  const seen: SeenRequest[] = [];
  // The session URI of a resumable upload comes back in Location: rewritten, its chunks go through the proxy too.
  const proxy = await startFaultProxy({ target: info.apiEndpoint, seed, rewriteRedirects: 'target' });
  const record = (): void =>
    proxy.addRule({
      fault: { kind: 'delay', ms: 0 },
      match: (r) => {
        seen.push({ ...r, kind: kindOf(r) });
        return false;
      },
    });
  record();
  return {
    proxy,
    seen,
    clearFaults: () => {
      proxy.clearRules();
      record();
    },
  };
}

/** How many recorded requests have this method and kind. */
export function count(seen: readonly SeenRequest[], method: string, kind: SeenRequest['kind']): number {
  return seen.filter((r) => r.method === method && r.kind === kind).length;
}

/** The harness's server, a filesystem on it with `extra`, and a fresh bucket per test (one per suite with `once`). */
export function useBucket(extra: GCSOptions = {}, options?: UseStoreOptions): ServerStore<GCSFileSystem, GcsInfo> {
  return useServerStore(useGcs(), (info) => makeFs(info, extra), freshBucket, options);
}

/** The same bytes saved by the SDK itself as `root/name` (simple or resumable), and the object GCS stored. */
export async function savedBySdk(
  fs: GCSFileSystem,
  root: string,
  name: string,
  data: Uint8Array | string,
  resumable: boolean,
): ReturnType<GCSFileSystem['info']> {
  const [bucket = '', ...prefix] = root.split('/');
  await fs.storage
    .bucket(bucket)
    .file([...prefix, name].join('/'))
    .save(typeof data === 'string' ? data : Buffer.from(data), { resumable });
  return fs.info(`${root}/${name}`);
}
