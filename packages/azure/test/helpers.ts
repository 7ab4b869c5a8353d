/** Shared set-up of the Azure suites: the harness's Azurite, a fresh container per test. */
import { useServerStore, type ServerStore, type UseStoreOptions } from '@omnifs/testkit';
import { freshRoot, useServer, type AzureInfo } from '../../../test/servers/index';
import { AzureBlobFileSystem, type AzureBlobOptions } from '@omnifs/azure';

/** The Azure Blob server of this suite (Azurite), started once per run by the harness. */
export function useAzure(): { readonly info: AzureInfo } {
  return useServer('azure');
}

/** Connection options of the harness's server: account, key and blob endpoint. */
export function connection(info: AzureInfo): AzureBlobOptions {
  return { accountName: info.accountName, accountKey: info.accountKey, accountUrl: info.blobEndpoint };
}

/** SDK retries that give up fast (the default waits seconds between attempts). */
export const FAST_RETRIES: AzureBlobOptions['pipelineOptions'] = {
  retryOptions: { maxTries: 4, retryDelayInMs: 20, maxRetryDelayInMs: 100 },
};

/**
 * Whether the suites' filesystems take the lean request path: `OMNIFS_AZ_LEAN_REQUESTS=false`
 * runs every Azure suite through the SDK instead (the default is the filesystem's own).
 */
export function leanFromEnv(): AzureBlobOptions {
  const v = process.env.OMNIFS_AZ_LEAN_REQUESTS;
  return v === undefined ? {} : { leanRequests: v !== 'false' && v !== '0' };
}

/** A new filesystem on the server (never cached), with extra options. */
export function makeFs(info: AzureInfo, extra: AzureBlobOptions = {}): AzureBlobFileSystem {
  return new AzureBlobFileSystem({
    ...connection(info),
    pipelineOptions: FAST_RETRIES,
    skipInstanceCache: true,
    ...leanFromEnv(),
    ...extra,
  });
}

/** A fresh container (created) or, on an external account, the given container and a fresh prefix: `container[/prefix]`. */
export async function freshContainer(info: AzureInfo, fs: AzureBlobFileSystem): Promise<string> {
  const root = freshRoot(info.container);
  if (root.create) await fs.service.getContainerClient(root.bucket).create();
  return `${root.bucket}${root.prefix === '' ? '' : `/${root.prefix.replace(/\/$/, '')}`}`;
}

/** The harness's server, a filesystem on it with `extra`, and a fresh container per test (one per suite with `once`). */
export function useContainer(
  extra: AzureBlobOptions = {},
  options?: UseStoreOptions,
): ServerStore<AzureBlobFileSystem, AzureInfo> {
  return useServerStore(useAzure(), (info) => makeFs(info, extra), freshContainer, options);
}
