/** Options of the Azure Blob filesystem, and how they become a BlobServiceClient and the lean path's access. */
import type {
  AnonymousCredential,
  BlobServiceClient,
  newPipeline,
  StoragePipelineOptions,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { createHmac } from 'node:crypto';
import { type TimeoutOptions } from '@omnifs/core';
import {
  defineOptions,
  errors,
  isHttpUrl,
  positiveInt,
  resolveReadConcurrency,
  TIMEOUT_OPTION_SCHEMA,
} from '@omnifs/core/backend';
import { blobSdk } from './sdk';

/**
 * The service version (`x-ms-version`) of the lean path's requests: the one the SDK this
 * package depends on speaks, so both paths ask for the same behaviour.
 */
export const AZURE_SERVICE_VERSION = '2026-04-06';

/**
 * Any `TokenCredential` (Microsoft Entra ID), e.g. `new DefaultAzureCredential()` from
 * `@azure/identity`, which this package does not depend on: pass the object you made.
 */
export type AzureTokenCredential = Exclude<
  Parameters<typeof newPipeline>[0],
  StorageSharedKeyCredential | AnonymousCredential | undefined
>;

/**
 * Options of {@link AzureBlobFileSystem}. Each can also be given as `OMNIFS_AZ_<NAME>`
 * (e.g. `OMNIFS_AZ_ACCOUNT_NAME`); explicit options win. When no credential option is
 * given (`connectionString`, `accountKey`, `sasToken`, `credential`, `anon`), the
 * variables `AZURE_STORAGE_CONNECTION_STRING`, `AZURE_STORAGE_ACCOUNT_KEY` and
 * `AZURE_STORAGE_SAS_TOKEN` are read, as adlfs does; `AZURE_STORAGE_ACCOUNT_NAME` fills
 * in a missing `accountName`. The Azure CLI's `AZURE_STORAGE_ACCOUNT` and
 * `AZURE_STORAGE_KEY` are read where adlfs's names are not set.
 */
export interface AzureBlobOptions extends TimeoutOptions {
  /** Storage account name; the endpoint is then `https://<accountName>.blob.<endpointSuffix>`. */
  accountName?: string;
  /** Shared key of the account (base64); also lets `sign` make SAS URLs. */
  accountKey?: string;
  /** A connection string (`AccountName=...;AccountKey=...;BlobEndpoint=...`); it decides account, endpoint and credential. */
  connectionString?: string;
  /** A SAS token (`sv=...&sig=...`, with or without the leading `?`) for the account or a container. */
  sasToken?: string;
  /** A Microsoft Entra ID token credential (from `@azure/identity` or your own object with `getToken`). */
  credential?: AzureTokenCredential;
  /** Unauthenticated requests, for containers with public access; `sign` is unsupported. */
  anon?: boolean;
  /** Blob service URL, e.g. `http://127.0.0.1:10000/devstoreaccount1` (Azurite) or a private endpoint. */
  accountUrl?: string;
  /** Alias of `accountUrl`. */
  endpoint?: string;
  /** DNS suffix of the cloud (default `core.windows.net`; `core.chinacloudapi.cn`, `core.usgovcloudapi.net`, ...). */
  endpointSuffix?: string;
  /** Bytes per staged block of large uploads, and per range of parallel downloads (default 8 MiB, at most 4000 MiB). */
  partSize?: number;
  /** Blocks staged, or ranges of a streamed read fetched, at once per file (default 4). */
  concurrency?: number;
  /**
   * Ranged reads at once when `get` copies one large file to local disk, each written in
   * place as it arrives, so memory stays near this many MiB (default: `concurrency` when
   * that is given, else 8; at most 64).
   */
  readConcurrency?: number;
  /** Entries per listing request (default 5000, the service's maximum). */
  listPageSize?: number;
  /** Options of the SDK's request pipeline: `retryOptions`, `proxyOptions`, `keepAliveOptions`, `userAgentOptions`, `httpClient`, `audience`. */
  pipelineOptions?: StoragePipelineOptions;
  /**
   * Send the hot requests (Get Blob, Get Blob Properties, Put Blob, Put Block, Put Block
   * List, List Blobs, Delete Blob, blob batches of deletes) on omnifs's lean path: authorised by the client's own
   * credential, at its service version, retried as its retry options say, but without its
   * pipeline, over a keep-alive pool (default true). `false` sends everything through the
   * SDK. The SDK is used anyway with a token `credential` over plain HTTP (it refuses to
   * send tokens there), and with `pipelineOptions` that set an `httpClient`,
   * `proxyOptions` or a `retryOptions.secondaryHost`.
   */
  leanRequests?: boolean;
  /** Build a new instance even when an equal one is cached. */
  skipInstanceCache?: boolean;
}

const secret = { type: 'string', secret: true } as const;

/** The names and types of {@link AzureBlobOptions}, checked when a filesystem is made. */
export const AZURE_OPTION_SCHEMA = defineOptions<AzureBlobOptions>({
  ...TIMEOUT_OPTION_SCHEMA,
  accountName: 'string',
  accountKey: secret,
  connectionString: secret,
  sasToken: secret,
  credential: {
    type: 'object',
    check: (v) =>
      typeof (v as { getToken?: unknown }).getToken === 'function'
        ? undefined
        : 'must be a TokenCredential (an object with getToken), e.g. from @azure/identity',
    fsspec: ['tenant_id', 'client_id', 'client_secret'],
  },
  anon: 'boolean',
  accountUrl: { type: 'string', fsspec: ['account_host'] },
  endpoint: 'string',
  endpointSuffix: 'string',
  partSize: { type: 'integer', min: 1, max: 4000 * 1024 * 1024, fsspec: ['blocksize'] },
  concurrency: { type: 'integer', min: 1, max: 64, fsspec: ['max_concurrency'] },
  readConcurrency: { type: 'integer', min: 1, max: 64 },
  listPageSize: { type: 'integer', min: 1, max: 5000 },
  pipelineOptions: 'object',
  leanRequests: 'boolean',
  skipInstanceCache: 'boolean',
});

/** Default block size of uploads and range size of parallel downloads. */
export const DEFAULT_AZURE_PART_SIZE = 8 * 1024 * 1024;
/** Default number of blocks or ranges in flight per file. */
export const DEFAULT_AZURE_CONCURRENCY = 4;
/** Largest block the service accepts. */
export const MAX_BLOCK_SIZE = 4000 * 1024 * 1024;
/** Largest block of an append blob. */
export const MAX_APPEND_BLOCK_SIZE = 4 * 1024 * 1024;
/** Most entries one listing request returns. */
export const MAX_LIST_PAGE_SIZE = 5000;

/** The settings the filesystem uses, resolved from the options and the environment. */
export interface ResolvedAzureSettings {
  partSize: number;
  concurrency: number;
  readConcurrency: number;
  listPageSize: number;
  /** How requests are authorised. */
  auth: 'connectionString' | 'accountKey' | 'sasToken' | 'credential' | 'anonymous';
  /** The account name, where known. */
  accountName: string | undefined;
  /** The hot requests may take the lean path (see {@link AzureBlobOptions.leanRequests}); the credential decides too. */
  lean: boolean;
}

function optionalString(options: AzureBlobOptions, name: keyof AzureBlobOptions): string | undefined {
  const v = options[name];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw errors.invalid(`${name} must be a string, got ${typeof v}`);
  return v;
}

/** Splits a connection string into its fields (`AccountName`, `AccountKey`, `BlobEndpoint`, ...). */
export function parseConnectionString(cs: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of cs.split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

/** The account of Azurite's well-known connection string, `UseDevelopmentStorage=true`. */
const DEVELOPMENT_ACCOUNT = 'devstoreaccount1';

/**
 * The account a connection string names: its `AccountName`; `devstoreaccount1` for
 * `UseDevelopmentStorage=true` (Azurite's); else the account of its `BlobEndpoint` (a SAS
 * connection string has no `AccountName`).
 */
export function connectionStringAccount(cs: string): string | undefined {
  if (cs.trimStart().startsWith('UseDevelopmentStorage=true')) return DEVELOPMENT_ACCOUNT;
  const fields = parseConnectionString(cs);
  if (fields.AccountName) return fields.AccountName;
  const endpoint = fields.BlobEndpoint;
  return endpoint !== undefined && isHttpUrl(endpoint) ? accountFromUrl(endpoint) : undefined;
}

/** The account named by a blob service URL: the first DNS label, or the first path segment on an IP or localhost (Azurite). */
export function accountFromUrl(url: string): string | undefined {
  const u = new URL(url);
  if (/^(\d+\.){3}\d+$|^\[.*\]$|^localhost$/i.test(u.hostname) || (u.port !== '' && !u.hostname.includes('.'))) {
    return u.pathname.split('/').find((s) => s !== '');
  }
  return u.hostname.split('.')[0] || undefined;
}

/** Options whose `connectionString` is `AZURE_STORAGE_CONNECTION_STRING`'s, for errors to name the variable. */
const CONNECTION_STRING_FROM_ENV = new WeakSet<AzureBlobOptions>();

/**
 * The connection string as the SDK's parser takes it. An account-key string may leave out
 * `DefaultEndpointsProtocol` (https) and, without a `BlobEndpoint`, `EndpointSuffix`
 * (`endpointSuffix`, else `core.windows.net`), as Azure's documentation and its other SDKs
 * allow; the SDK for JavaScript refuses them, so they are filled in.
 */
export function completeConnectionString(cs: string, endpointSuffix?: string): string {
  const trimmed = cs.trim();
  const fields = parseConnectionString(trimmed);
  if (trimmed.startsWith('UseDevelopmentStorage=true') || !fields.AccountName || !fields.AccountKey) return trimmed;
  let out = trimmed.replace(/[;\s]+$/, '');
  if (fields.DefaultEndpointsProtocol === undefined) out = `DefaultEndpointsProtocol=https;${out}`;
  if (fields.BlobEndpoint === undefined && fields.EndpointSuffix === undefined)
    out = `${out};EndpointSuffix=${endpointSuffix ?? 'core.windows.net'}`;
  return out;
}

/** The account key of Azurite's `devstoreaccount1`, which `UseDevelopmentStorage=true` stands for (published by Microsoft). */
const DEVELOPMENT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** The credential of a connection string as options: its account and key, or its SAS. */
function connectionStringCredential(
  cs: string,
): Pick<AzureBlobOptions, 'accountName' | 'accountKey' | 'sasToken'> | undefined {
  if (cs.trimStart().startsWith('UseDevelopmentStorage=true'))
    return { accountName: DEVELOPMENT_ACCOUNT, accountKey: DEVELOPMENT_KEY };
  const fields = parseConnectionString(cs);
  if (fields.AccountKey && fields.AccountName)
    return { accountName: fields.AccountName, accountKey: fields.AccountKey };
  if (fields.SharedAccessSignature) return { sasToken: fields.SharedAccessSignature };
  return undefined;
}

/** What a connection string that is not `UseDevelopmentStorage=true` lacks, if a field. */
function connectionStringFault(fields: Record<string, string>): string | undefined {
  if (fields.AccountKey !== undefined) return fields.AccountName ? undefined : 'AccountKey without AccountName';
  if (fields.SharedAccessSignature !== undefined)
    return fields.BlobEndpoint ? undefined : 'SharedAccessSignature without BlobEndpoint';
  return 'neither AccountKey nor SharedAccessSignature';
}

/** The options with the `AZURE_STORAGE_*` variables filled in where no credential option is given. */
export function withEnvironment(options: AzureBlobOptions, env: NodeJS.ProcessEnv = process.env): AzureBlobOptions {
  const explicit = ['connectionString', 'accountKey', 'sasToken', 'credential', 'anon'] as const;
  const out: AzureBlobOptions = { ...options };
  // adlfs's names, then the Azure CLI's.
  const envName = env.AZURE_STORAGE_ACCOUNT_NAME || env.AZURE_STORAGE_ACCOUNT;
  const envKey = env.AZURE_STORAGE_ACCOUNT_KEY || env.AZURE_STORAGE_KEY;
  if (out.accountName === undefined && envName) out.accountName = envName;
  if (explicit.some((k) => options[k] !== undefined && options[k] !== false)) return out;
  // A connection string names its own account: use it unless another account was asked for
  // (its own name, from an option or an abfs URL's host, is not another). With a service URL
  // of its own account, its key or SAS authorises requests to that URL.
  const cs = env.AZURE_STORAGE_CONNECTION_STRING;
  const own = connectionStringAccount(cs ?? '')?.toLowerCase();
  const url = optionalString(options, 'accountUrl') ?? optionalString(options, 'endpoint');
  const urlAccount = url !== undefined && isHttpUrl(url) ? accountFromUrl(url)?.toLowerCase() : undefined;
  const asked = options.accountName !== undefined || url !== undefined;
  const sameAccount =
    !asked ||
    (own !== undefined &&
      (options.accountName === undefined || options.accountName.toLowerCase() === own) &&
      (url === undefined || urlAccount === own));
  const credential = cs && sameAccount && url !== undefined ? connectionStringCredential(cs) : undefined;
  if (cs && sameAccount && url === undefined) {
    out.connectionString = cs;
    CONNECTION_STRING_FROM_ENV.add(out);
  } else if (credential !== undefined) Object.assign(out, credential);
  else if (envKey) out.accountKey = envKey;
  else if (env.AZURE_STORAGE_SAS_TOKEN) out.sasToken = env.AZURE_STORAGE_SAS_TOKEN;
  return out;
}

/** Validates the options that do not concern the client. */
export function resolveSettings(options: AzureBlobOptions): ResolvedAzureSettings {
  // A SAS in the account URL (`https://acct.blob.core.windows.net/?sv=...&sig=...`) authorises too.
  const urlSas = /[?&]sig=/i.test(optionalString(options, 'accountUrl') ?? optionalString(options, 'endpoint') ?? '');
  const auth: ResolvedAzureSettings['auth'] =
    optionalString(options, 'connectionString') !== undefined
      ? 'connectionString'
      : optionalString(options, 'accountKey') !== undefined
        ? 'accountKey'
        : optionalString(options, 'sasToken') !== undefined || urlSas
          ? 'sasToken'
          : options.credential !== undefined
            ? 'credential'
            : 'anonymous';
  if (options.anon !== undefined && typeof options.anon !== 'boolean') throw errors.invalid('anon must be a boolean');
  if (options.anon === true && auth !== 'anonymous') throw errors.invalid(`anon cannot be combined with ${auth}`);
  if (
    options.credential !== undefined &&
    typeof (options.credential as { getToken?: unknown } | null)?.getToken !== 'function'
  ) {
    throw errors.invalid('credential must be a TokenCredential (an object with getToken), e.g. from @azure/identity');
  }
  if (
    options.pipelineOptions !== undefined &&
    (options.pipelineOptions === null || typeof options.pipelineOptions !== 'object')
  ) {
    throw errors.invalid('pipelineOptions must be an object');
  }
  const cs = optionalString(options, 'connectionString');
  const accountName = cs !== undefined ? connectionStringAccount(cs) : optionalString(options, 'accountName');
  const concurrency = positiveInt('concurrency', options.concurrency, DEFAULT_AZURE_CONCURRENCY, 64);
  return {
    partSize: positiveInt('partSize', options.partSize, DEFAULT_AZURE_PART_SIZE, MAX_BLOCK_SIZE),
    concurrency,
    readConcurrency: resolveReadConcurrency(options, concurrency, 64),
    listPageSize: positiveInt('listPageSize', options.listPageSize, MAX_LIST_PAGE_SIZE, MAX_LIST_PAGE_SIZE),
    auth,
    accountName: accountName ?? accountUrlOf(options, false)?.name,
    lean: options.leanRequests !== false && pipelineServedLean(options.pipelineOptions),
  };
}

/** False when the pipeline options ask for what only the SDK's pipeline does: its own HTTP client, a proxy, a secondary host. */
function pipelineServedLean(pipeline: StoragePipelineOptions | undefined): boolean {
  if (pipeline === undefined) return true;
  const p = pipeline as StoragePipelineOptions & { httpClient?: unknown; proxyOptions?: unknown };
  return p.httpClient === undefined && p.proxyOptions === undefined && p.retryOptions?.secondaryHost === undefined;
}

/** The blob service URL and the account it names, from `accountUrl`/`endpoint` or the account name. */
function accountUrlOf(
  options: AzureBlobOptions,
  required: boolean,
): { url: string; name: string | undefined } | undefined {
  const given = optionalString(options, 'accountUrl') ?? optionalString(options, 'endpoint');
  if (given !== undefined) {
    if (!isHttpUrl(given)) throw errors.invalid('accountUrl must be an http(s) URL');
    return { url: given.replace(/\/+$/, ''), name: optionalString(options, 'accountName') ?? accountFromUrl(given) };
  }
  const name = optionalString(options, 'accountName');
  if (name === undefined) {
    if (!required) return undefined;
    throw errors.invalid(
      'no storage account: give accountName, accountUrl or connectionString (or set AZURE_STORAGE_ACCOUNT_NAME / AZURE_STORAGE_CONNECTION_STRING)',
    );
  }
  if (!/^[a-z0-9]{3,24}$/.test(name)) throw errors.invalid('accountName must be 3-24 lowercase letters and digits');
  const suffix = optionalString(options, 'endpointSuffix') ?? 'core.windows.net';
  return { url: `https://${name}.blob.${suffix}`, name };
}

/** How the lean path reaches and authorises the blob service. */
export interface ServiceAccess {
  /** The blob service URL; with a SAS token, the token is its query. */
  url: string;
  /** Shared Key: the account, and the signature of a string (HMAC-SHA256 with the account key, base64). */
  sharedKey?: { accountName: string; sign(text: string): string };
  /** A token credential: requests carry its bearer tokens. */
  token?: AzureTokenCredential;
}

/**
 * How requests reach the service, from the options alone (no SDK loaded); undefined for a
 * connection string, which the SDK's own parser reads (see {@link accessOfClient}). Refuses
 * what {@link createServiceClient} refuses: no account, a key without an account name.
 */
export function serviceAccess(options: AzureBlobOptions): ServiceAccess | undefined {
  if (optionalString(options, 'connectionString') !== undefined) return undefined;
  const { url, name } = accountUrlOf(options, true)!;
  const key = optionalString(options, 'accountKey');
  if (key !== undefined) {
    if (name === undefined)
      throw errors.invalid('accountKey needs accountName (or an accountUrl that names the account)');
    const bytes = Buffer.from(key, 'base64');
    const sign = (text: string): string => createHmac('sha256', bytes).update(text, 'utf8').digest('base64');
    return { url, sharedKey: { accountName: name, sign } };
  }
  const sas = optionalString(options, 'sasToken');
  if (sas !== undefined) return { url: `${url}?${sas.replace(/^\?/, '')}` };
  if (options.credential !== undefined) return { url, token: options.credential };
  return { url };
}

/** The access of a client the SDK made (from a connection string): its URL and credential. */
export function accessOfClient(service: BlobServiceClient): ServiceAccess {
  const credential = service.credential;
  if (credential instanceof blobSdk().StorageSharedKeyCredential) {
    const sign = (text: string): string => credential.computeHMACSHA256(text);
    return { url: service.url, sharedKey: { accountName: credential.accountName, sign } };
  }
  if (typeof (credential as { getToken?: unknown }).getToken === 'function')
    return { url: service.url, token: credential as AzureTokenCredential };
  return { url: service.url };
}

/**
 * Builds the BlobServiceClient for the options (loading the SDK).
 *
 * Behaviour: a connection string decides everything; otherwise the service URL is
 * `accountUrl`/`endpoint` or `https://<accountName>.blob.<endpointSuffix>`, authorised by
 * the account key, a SAS token (added to the URL), a token credential, or nothing
 * (anonymous, also when no credential is given at all).
 */
export function createServiceClient(options: AzureBlobOptions): BlobServiceClient {
  const { AnonymousCredential, BlobServiceClient, StorageSharedKeyCredential } = blobSdk();
  const pipeline = options.pipelineOptions ?? {};
  const access = serviceAccess(options);
  if (access === undefined) {
    const cs = completeConnectionString(
      optionalString(options, 'connectionString')!,
      optionalString(options, 'endpointSuffix'),
    );
    try {
      return BlobServiceClient.fromConnectionString(cs, pipeline);
    } catch (err) {
      const source = CONNECTION_STRING_FROM_ENV.has(options) ? 'AZURE_STORAGE_CONNECTION_STRING' : 'connectionString';
      const reason = connectionStringFault(parseConnectionString(cs)) ?? (err as Error).message.split(/[.:]/)[0];
      throw errors.invalid(
        `${source} is not a valid Azure Storage connection string (${reason}): ` +
          'give AccountName=...;AccountKey=... (with BlobEndpoint=... for another endpoint), ' +
          'BlobEndpoint=...;SharedAccessSignature=..., or UseDevelopmentStorage=true',
      );
    }
  }
  const credential =
    access.sharedKey !== undefined
      ? new StorageSharedKeyCredential(access.sharedKey.accountName, optionalString(options, 'accountKey')!)
      : (access.token ?? new AnonymousCredential());
  return new BlobServiceClient(access.url, credential, pipeline);
}
