/**
 * The four HTTP backends behind the fault proxy, one shape for all: a filesystem straight
 * to the harness's server, one through the proxy with few SDK retries, a root to write
 * under, and what a download request looks like. The reliability suites (integrity,
 * matrix) run the same scenarios over each.
 */
import { FileSystem } from '@omnifs/core';
import { S3FileSystem } from '@omnifs/s3';
import { GCSFileSystem } from '@omnifs/gcs';
import { AzureBlobFileSystem } from '@omnifs/azure';
import { AccountSASPermissions, BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { HDFSFileSystem } from '@omnifs/hdfs';
import { freshName, useServer, type InfoByKind, type ServerKind } from '../servers';
import { startFaultProxy, type FaultProxy, type RequestInfo } from './proxy';

/** An account SAS (read, write, delete, list, create; an hour) of an Azure server: requests it authorizes sign no header. */
export function accountSas({ accountName, accountKey, blobEndpoint }: InfoByKind['azure']): string {
  const service = new BlobServiceClient(blobEndpoint, new StorageSharedKeyCredential(accountName, accountKey));
  const expires = new Date(Date.now() + 3_600_000);
  return new URL(service.generateAccountSasUrl(expires, AccountSASPermissions.parse('rwdlc'), 'sco')).search;
}

/** One backend behind the proxy, ready once the suite's `before` hook ran. */
export interface FaultTarget {
  readonly kind: ServerKind;
  proxy(): FaultProxy;
  /** Straight to the server, for setting up and checking. */
  direct(): FileSystem;
  /** Through the proxy, the SDK retrying `sdkRetries` times (0: not at all), parts of 4-5 MiB. */
  viaProxy(sdkRetries: number): FileSystem;
  /** The same, through another proxy (or any URL in front of the server). */
  via(url: string, sdkRetries: number): FileSystem;
  /**
   * Through the proxy with no request header signed, so the proxy may drop one: Azure by an
   * account SAS (its Shared Key signs `If-Match`); the others as {@link viaProxy} (GCS and
   * HDFS sign no header; moto does not check the SigV4 signature of S3's requests).
   */
  unsignedViaProxy(): FileSystem;
  /** The server's URL, for another proxy. */
  upstream(): string;
  /** A directory (bucket, container) of the suite's own. */
  root(): string;
  /** True for a request that carries a file's bytes to the client. */
  isDownload(r: RequestInfo): boolean;
  /** True for the request that commits a write. */
  isCommit(r: RequestInfo): boolean;
}

const MiB = 1024 * 1024;

/**
 * Timeouts short enough that a request cut or stalled for good ends well inside a matrix
 * cell (the retry layer's attempts included), long enough for the finite faults.
 */
const CELL_TIMEOUTS = { requestTimeout: 3000, idleTimeout: 2000 } as const;

type Maker = (
  info: InfoByKind[ServerKind],
  url: string | undefined,
  sdkRetries: number,
  timeouts?: { requestTimeout?: number; idleTimeout?: number },
) => FileSystem;

const MAKERS: Record<ServerKind, Maker> = {
  s3: (info, url, sdkRetries, timeouts = CELL_TIMEOUTS) => {
    const { endpoint, region, credentials, forcePathStyle } = info as InfoByKind['s3'];
    return new S3FileSystem({
      endpoint: url ?? endpoint,
      region,
      credentials: { ...credentials },
      forcePathStyle,
      maxAttempts: sdkRetries + 1,
      partSize: 5 * MiB,
      skipInstanceCache: true,
      ...timeouts,
    });
  },
  gcs: (info, url, sdkRetries, timeouts = CELL_TIMEOUTS) => {
    const { apiEndpoint, projectId } = info as InfoByKind['gcs'];
    return new GCSFileSystem({
      apiEndpoint: url ?? apiEndpoint,
      projectId,
      partSize: 4 * MiB,
      skipInstanceCache: true,
      ...timeouts,
      storageOptions: {
        retryOptions: { maxRetries: sdkRetries, maxRetryDelay: 1, retryDelayMultiplier: 1, autoRetry: sdkRetries > 0 },
      },
    });
  },
  azure: (info, url, sdkRetries, timeouts = CELL_TIMEOUTS) => {
    const { accountName, accountKey, blobEndpoint } = info as InfoByKind['azure'];
    return new AzureBlobFileSystem({
      accountName,
      accountKey,
      accountUrl: url === undefined ? blobEndpoint : `${url}${new URL(blobEndpoint).pathname}`,
      partSize: 4 * MiB,
      skipInstanceCache: true,
      ...timeouts,
      pipelineOptions: { retryOptions: { maxTries: sdkRetries + 1, retryDelayInMs: 5, maxRetryDelayInMs: 20 } },
    });
  },
  hdfs: (info, url, _sdkRetries, timeouts = CELL_TIMEOUTS) => {
    const { namenodeUrl, user } = info as InfoByKind['hdfs'];
    return new HDFSFileSystem({ url: url ?? namenodeUrl, user, skipInstanceCache: true, ...timeouts });
  },
};

const DOWNLOAD: Record<ServerKind, (r: RequestInfo) => boolean> = {
  s3: (r) => r.method === 'GET' && !/[?&](list-type|uploads|location)/.test(r.url) && /^\/[^/?]+\/[^?]/.test(r.url),
  gcs: (r) => r.method === 'GET' && r.url.includes('alt=media'),
  azure: (r) => r.method === 'GET' && !/[?&](comp|restype)=/.test(r.url),
  hdfs: (r) => r.url.startsWith('/__via/') && /[?&]op=OPEN/.test(r.url),
};

const COMMIT: Record<ServerKind, (r: RequestInfo) => boolean> = {
  s3: (r) =>
    (r.method === 'PUT' && !/[?&]partNumber=/.test(r.url)) || (r.method === 'POST' && /[?&]uploadId=/.test(r.url)),
  gcs: (r) => (r.method === 'POST' || r.method === 'PUT') && r.url.startsWith('/upload/'),
  azure: (r) => r.method === 'PUT' && (!/[?&]comp=/.test(r.url) || /[?&]comp=blocklist/.test(r.url)),
  hdfs: (r) => r.method === 'PUT' && /[?&]op=RENAME/.test(r.url),
};

/** Sets up `kind` behind a fault proxy seeded with `seed`, inside the caller's describe. */
export function useFaultTarget(kind: ServerKind, seed: number): FaultTarget {
  const server = useServer(kind);
  let proxy: FaultProxy | undefined;
  let direct: FileSystem | undefined;
  let root = '';
  let upstream = '';
  const made: FileSystem[] = [];
  before(async function () {
    const info = server.info;
    upstream =
      kind === 's3'
        ? (info as InfoByKind['s3']).endpoint
        : kind === 'gcs'
          ? (info as InfoByKind['gcs']).apiEndpoint
          : kind === 'azure'
            ? new URL((info as InfoByKind['azure']).blobEndpoint).origin
            : (info as InfoByKind['hdfs']).namenodeUrl;
    proxy = await startFaultProxy({
      target: upstream,
      seed,
      ...(kind === 'hdfs' ? { rewriteRedirects: 'loopback' as const } : {}),
    });
    // The direct filesystem sets up and checks cells: the default timeouts, so a busy server
    // is waited for there; only the filesystems under test get the cells' short ones.
    direct = MAKERS[kind](info, undefined, 2, {});
    root = kind === 'hdfs' ? `/${freshName('faults')}` : freshName('faults');
    await direct.makedirs(root, { existOk: true });
  });
  after(async function () {
    for (const fs of [direct, ...made]) (fs as { destroy?: () => void } | undefined)?.destroy?.();
    await proxy?.close();
  });
  const via = (url: string, sdkRetries: number): FileSystem => {
    const fs = MAKERS[kind](server.info, url, sdkRetries);
    made.push(fs);
    return fs;
  };
  const unsigned = (): FileSystem => {
    if (kind !== 'azure') return via(proxy!.url, 0);
    const { accountName, blobEndpoint } = server.info as InfoByKind['azure'];
    const fs = new AzureBlobFileSystem({
      accountName,
      sasToken: accountSas(server.info as InfoByKind['azure']),
      accountUrl: `${proxy!.url}${new URL(blobEndpoint).pathname}`,
      partSize: 4 * MiB,
      skipInstanceCache: true,
      ...CELL_TIMEOUTS,
      pipelineOptions: { retryOptions: { maxTries: 1 } },
    });
    made.push(fs);
    return fs;
  };
  return {
    kind,
    proxy: () => proxy!,
    direct: () => direct!,
    viaProxy: (sdkRetries) => via(proxy!.url, sdkRetries),
    via: (url, sdkRetries) => via(url, sdkRetries),
    unsignedViaProxy: unsigned,
    upstream: () => upstream,
    root: () => root,
    isDownload: DOWNLOAD[kind],
    isCommit: COMMIT[kind],
  };
}

/** The backends the reliability suites cover. */
export const FAULT_KINDS: readonly ServerKind[] = ['s3', 'gcs', 'azure', 'hdfs'];
