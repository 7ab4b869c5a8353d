/** Options of the GCS filesystem, and how they become a Storage client. */
import { readFileSync } from 'node:fs';
import { Storage, type StorageOptions } from '@google-cloud/storage';
import { OAuth2Client, PassThroughClient } from 'google-auth-library';
import { type TimeoutOptions, type Timeouts } from '@omnifs/core';
import {
  defineOptions,
  errors,
  positiveInt,
  resolveReadConcurrency,
  TIMEOUT_OPTION_SCHEMA,
  resolveTimeouts,
  withHttpScheme,
} from '@omnifs/core/backend';
import { nativeCrc32cGenerator } from './checksum';

/** A service-account key, as in the JSON key file Google Cloud gives out. */
export interface GCSServiceAccountKey {
  client_email: string;
  private_key: string;
  /** Further fields of the key file (`project_id`, `private_key_id`, ...). */
  [field: string]: unknown;
}

/**
 * Options of {@link GCSFileSystem}. Every field is optional: with no credentials, the
 * Application Default Credentials chain applies (`GOOGLE_APPLICATION_CREDENTIALS`,
 * `gcloud auth application-default login`, the metadata server on Google Cloud). Each can
 * also be given as `OMNIFS_GS_<NAME>` (e.g. `OMNIFS_GS_PROJECT_ID`, `OMNIFS_GS_API_ENDPOINT`);
 * explicit options win.
 */
export interface GCSOptions extends TimeoutOptions {
  /** Project that owns new buckets and whose buckets `ls('')` lists (default: `GOOGLE_CLOUD_PROJECT`, else the key's `project_id`). */
  projectId?: string;
  /**
   * Endpoint of an emulator or a private endpoint, e.g. `http://127.0.0.1:4443` (default:
   * the one `STORAGE_EMULATOR_HOST` names, else `https://storage.googleapis.com`). Requests
   * to hosts outside `googleapis.com` are sent without credentials unless
   * `useAuthWithCustomEndpoint` says otherwise.
   */
  apiEndpoint?: string;
  /** Send credentials to a custom `apiEndpoint` too (default: only to `*.googleapis.com` hosts). */
  useAuthWithCustomEndpoint?: boolean;
  /** Path of a service-account JSON key file. */
  keyFilename?: string;
  /** A service-account key given inline (`client_email` and `private_key`). */
  credentials?: GCSServiceAccountKey;
  /** An OAuth 2.0 access token, sent as is (it is not refreshed: renew the filesystem when it expires). */
  token?: string;
  /** Send unauthenticated requests, for public objects; no credentials are looked up. */
  anon?: boolean;
  /** Project billed for requests to requester-pays buckets (`userProject`). */
  userProject?: string;
  /**
   * Bytes per range of concurrent downloads, and the size up to which an upload is one
   * simple request; larger ones stream through a resumable session in one request
   * (default 8 MiB). A multiple of 256 KiB, GCS's unit of resumable chunks: other values
   * are refused.
   */
  partSize?: number;
  /** Ranges of one file read at once by a streamed read, and deletions at once by `rm` (default 4). */
  concurrency?: number;
  /**
   * Ranged reads at once when `get` copies one large file to local disk, each written in
   * place as it arrives, so memory stays near this many MiB (default: `concurrency` when
   * that is given, else 8).
   */
  readConcurrency?: number;
  /** Entries per listing request (at most 1,000; by default none is asked: the service sends its maximum). */
  listPageSize?: number;
  /** Further Storage settings (`retryOptions`, `timeout`, `userAgent`, ...), applied last. */
  storageOptions?: StorageOptions;
  /**
   * Use this Storage client instead of building one (the connection options are then
   * ignored). Any object with the client's `bucket` and `createBucket`, so a client from
   * the app's own copy of `@google-cloud/storage` is accepted.
   */
  storage?: Storage;
  /** Build a new instance even when an equal one is cached. */
  skipInstanceCache?: boolean;
}

/** True for an object that works as a Storage client (from any copy of `@google-cloud/storage`). */
function isStorageLike(value: unknown): boolean {
  const s = value as { bucket?: unknown; createBucket?: unknown; getBuckets?: unknown } | null;
  return typeof s?.bucket === 'function' && typeof s.createBucket === 'function' && typeof s.getBuckets === 'function';
}

const integer = { type: 'integer', min: 1 } as const;
const STORAGE_EXPECTED = 'must be a Storage client of @google-cloud/storage';

/** What gcsfs's `token` keywords and key files are as omnifs options. */
const GCSFS_TOKENS: Readonly<Record<string, string>> = {
  anon: 'anon: true',
  google_default: 'no token (the default credentials are used)',
  cloud: 'no token (the metadata server is asked, as by default)',
  cache: 'no token, or credentials',
  browser: 'no token, or credentials',
};

/** A `token` that is gcsfs's way of naming credentials, not an access token: what to give instead. */
function gcsfsToken(value: unknown): string | undefined {
  const s = String(value);
  const instead = Object.hasOwn(GCSFS_TOKENS, s) ? GCSFS_TOKENS[s] : /\.json$/i.test(s) ? 'keyFilename' : undefined;
  return instead === undefined
    ? undefined
    : `must be an access token, not gcsfs's keyword or key file (give ${instead})`;
}

/** The names and types of {@link GCSOptions}, checked when a filesystem is made. */
export const GCS_OPTION_SCHEMA = defineOptions<GCSOptions>({
  ...TIMEOUT_OPTION_SCHEMA,
  projectId: { type: 'string', fsspec: ['project'] },
  apiEndpoint: { type: 'string', fsspec: ['endpoint_url'] },
  useAuthWithCustomEndpoint: 'boolean',
  keyFilename: 'string',
  credentials: { type: 'object', secret: true },
  token: { type: 'string', secret: true, check: gcsfsToken },
  anon: 'boolean',
  userProject: { type: 'string', fsspec: ['requester_pays'] },
  partSize: { ...integer, fsspec: ['block_size'] },
  concurrency: integer,
  readConcurrency: integer,
  listPageSize: { type: 'integer', min: 1, max: 1000 },
  storageOptions: 'object',
  storage: { type: 'object', check: (v) => (isStorageLike(v) ? undefined : STORAGE_EXPECTED) },
  skipInstanceCache: 'boolean',
});

/** The unit of resumable upload chunks. */
export const GCS_CHUNK_UNIT = 256 * 1024;
/** Default chunk and range size. */
export const DEFAULT_GCS_PART_SIZE = 8 * 1024 * 1024;
/** Default ranges (and deletions) in flight. */
export const DEFAULT_GCS_CONCURRENCY = 4;
/** Most entries one listing request returns. */
export const MAX_LIST_PAGE_SIZE = 1000;

/** The settings the filesystem uses, resolved from the options. */
export interface ResolvedGCSSettings {
  partSize: number;
  concurrency: number;
  readConcurrency: number;
  /** Undefined: the service's own page size (1,000 at GCS, all entries at some emulators). */
  listPageSize: number | undefined;
  userProject: string | undefined;
  anon: boolean;
  /** A private key is available to sign URLs with. */
  canSign: boolean;
  timeouts: Timeouts;
}

function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw errors.invalid(`${name} must be a non-empty string`);
  return value;
}

/**
 * True when `GOOGLE_APPLICATION_CREDENTIALS` names a service-account JSON key: the default
 * credentials then hold a private key, which signs URLs as `keyFilename` would.
 */
export function defaultCredentialsCanSign(env: NodeJS.ProcessEnv = process.env): boolean {
  const file = env.GOOGLE_APPLICATION_CREDENTIALS;
  if (!file) return false;
  try {
    const key = JSON.parse(readFileSync(file, 'utf8')) as Partial<GCSServiceAccountKey> | null;
    return (
      key?.type === 'service_account' && typeof key.private_key === 'string' && typeof key.client_email === 'string'
    );
  } catch {
    return false;
  }
}

/** Validates the options that do not concern the client. */
export function resolveSettings(options: GCSOptions): ResolvedGCSSettings {
  const partSize = positiveInt('partSize', options.partSize, DEFAULT_GCS_PART_SIZE);
  if (partSize % GCS_CHUNK_UNIT !== 0) {
    throw errors.invalid(
      `partSize must be a multiple of 256 KiB (262144 bytes), as GCS requires for resumable upload chunks; got ${partSize}`,
    );
  }
  const listPageSize =
    options.listPageSize === undefined ? undefined : positiveInt('listPageSize', options.listPageSize, 0);
  if (listPageSize !== undefined && listPageSize > MAX_LIST_PAGE_SIZE)
    throw errors.invalid(`listPageSize must be at most ${MAX_LIST_PAGE_SIZE}`);
  const key = checkCredentials(options.credentials);
  const concurrency = positiveInt('concurrency', options.concurrency, DEFAULT_GCS_CONCURRENCY);
  return {
    partSize,
    concurrency,
    readConcurrency: resolveReadConcurrency(options, concurrency),
    listPageSize,
    userProject: optionalString('userProject', options.userProject),
    anon: options.anon === true,
    canSign:
      options.anon !== true &&
      (key !== undefined ||
        options.keyFilename !== undefined ||
        (options.token === undefined && options.storage === undefined && defaultCredentialsCanSign())),
    timeouts: resolveTimeouts(options),
  };
}

function checkCredentials(c: unknown): GCSServiceAccountKey | undefined {
  if (c === undefined) return undefined;
  const k = c as Partial<GCSServiceAccountKey> | null;
  if (typeof k !== 'object' || k === null || typeof k.client_email !== 'string' || typeof k.private_key !== 'string') {
    throw errors.invalid('credentials must be a service-account key { client_email, private_key }');
  }
  return k as GCSServiceAccountKey;
}

/** True for Google's own hosts, which always get credentials. */
function isGoogleHost(endpoint: string): boolean {
  try {
    const host = new URL(endpoint).hostname;
    return host === 'googleapis.com' || host.endsWith('.googleapis.com');
  } catch {
    throw errors.invalid(`apiEndpoint must be a URL such as http://127.0.0.1:4443, got ${JSON.stringify(endpoint)}`);
  }
}

/**
 * The endpoint `STORAGE_EMULATOR_HOST` names, read as Google's clients and gcsfs read it:
 * `host:port` means `http://host:port`, a trailing `/storage/v1` (which Google's Node.js
 * client wants there) is dropped, and an empty value or `default` means none.
 *
 * @throws FsError `InvalidArgument` naming the variable when it is not such an address.
 */
export function emulatorEndpoint(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const raw = env.STORAGE_EMULATOR_HOST?.trim();
  if (raw === undefined || raw === '' || raw === 'default') return undefined;
  const bad = (): never => {
    throw errors.invalid(
      `STORAGE_EMULATOR_HOST must be host:port or a URL such as http://127.0.0.1:4443, got ${JSON.stringify(raw)}`,
    );
  };
  let url: URL;
  try {
    url = new URL(withHttpScheme(raw));
  } catch {
    return bad();
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '') bad();
  const path = url.pathname.replace(/\/+$/, '').replace(/\/storage\/v1$/, '');
  return `${url.origin}${path}`;
}

/**
 * The `project_id` of a key given inline, where no project variable is set: Google's client
 * takes it from a key file (`keyFilename`, `GOOGLE_APPLICATION_CREDENTIALS`) but not from
 * `credentials`, so a key read into the options would leave bucket calls without a project.
 */
function keyProject(credentials: unknown, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.GCLOUD_PROJECT || env.GOOGLE_CLOUD_PROJECT) return undefined;
  const project = (credentials as { project_id?: unknown } | null | undefined)?.project_id;
  return typeof project === 'string' && project !== '' ? project : undefined;
}

/**
 * Builds the Storage client for the options.
 *
 * Behaviour:
 * - `anon` sends no credentials at all; `token` sends that access token; `credentials` /
 *   `keyFilename` use the service account; otherwise the ADC chain decides;
 * - only one of `anon`, `token`, `credentials`/`keyFilename` may be given;
 * - without `apiEndpoint`, `STORAGE_EMULATOR_HOST` names the endpoint
 *   ({@link emulatorEndpoint}), for the SDK's own calls as for omnifs's, whichever form
 *   the variable takes.
 */
export function createStorage(options: GCSOptions): Storage {
  if (options.storage !== undefined) {
    if (!isStorageLike(options.storage)) throw errors.invalid(`storage ${STORAGE_EXPECTED}`);
    return options.storage;
  }
  const token = optionalString('token', options.token);
  const keyFilename = optionalString('keyFilename', options.keyFilename);
  const apiEndpoint = optionalString('apiEndpoint', options.apiEndpoint) ?? emulatorEndpoint();
  const projectId = optionalString('projectId', options.projectId) ?? keyProject(options.credentials);
  const given = [
    options.anon === true,
    token !== undefined,
    options.credentials !== undefined || keyFilename !== undefined,
  ].filter(Boolean).length;
  if (given > 1) throw errors.invalid('give only one of anon, token, or credentials/keyFilename');
  if (
    options.storageOptions !== undefined &&
    (typeof options.storageOptions !== 'object' || options.storageOptions === null)
  ) {
    throw errors.invalid('storageOptions must be an object');
  }
  const config: StorageOptions = {
    // Each JSON call, its body included, within requestTimeout (without it, none at all).
    timeout: resolveTimeouts(options).requestTimeout || undefined,
    ...(nativeCrc32cGenerator !== undefined ? { crc32cGenerator: nativeCrc32cGenerator } : {}),
    ...(projectId !== undefined ? { projectId } : {}),
    ...(apiEndpoint !== undefined ? { apiEndpoint } : {}),
    ...(keyFilename !== undefined ? { keyFilename } : {}),
    ...(options.credentials !== undefined ? { credentials: checkCredentials(options.credentials)! } : {}),
  };
  if (apiEndpoint !== undefined)
    config.useAuthWithCustomEndpoint = options.useAuthWithCustomEndpoint ?? isGoogleHost(apiEndpoint);
  if (options.anon === true) {
    config.authClient = new PassThroughClient();
    config.useAuthWithCustomEndpoint = false;
  } else if (token !== undefined) {
    const client = new OAuth2Client();
    client.setCredentials({ access_token: token });
    config.authClient = client;
  }
  // The SDK reads STORAGE_EMULATOR_HOST as it is built, and would send its own JSON calls
  // to the value as is (no `/storage/v1`, `https://` for a bare host, `default` taken as a
  // host name): it is read above, and the SDK is built without it.
  const emulatorHost = process.env.STORAGE_EMULATOR_HOST;
  delete process.env.STORAGE_EMULATOR_HOST;
  try {
    return new Storage({ ...config, ...options.storageOptions });
  } finally {
    if (emulatorHost !== undefined) process.env.STORAGE_EMULATOR_HOST = emulatorHost;
  }
}

/** True when requests of this client carry no credentials (anonymous, or an emulator endpoint). */
export function isUnauthenticated(storage: Storage): boolean {
  return storage.customEndpoint && storage.useAuthWithCustomEndpoint !== true;
}
