/** Options of the S3 filesystem, and how they become an S3Client. */
import { booleanSelector, loadConfig, SelectorType, type LoadedConfigSelectors } from '@smithy/core/config';
import {
  S3Client,
  type CreateMultipartUploadCommandInput,
  type GetObjectCommandInput,
  type PutObjectCommandInput,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import type { TimeoutOptions } from '@omnifs/core';
import {
  defineOptions,
  errors,
  isHttpUrl,
  positiveInt,
  resolveReadConcurrency,
  TIMEOUT_OPTION_SCHEMA,
  resolveTimeouts,
} from '@omnifs/core/backend';
import { SdkCrc32 } from './checksum';
import { configuredEndpoint, leanSupports, type PathStyle } from './client';
import { applyTransport, handlerConfig } from './transport';

/** Static keys, as in `~/.aws/credentials` or the `AWS_*` variables. */
export interface S3StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** A function the SDK calls for (possibly refreshed) credentials. */
export type S3CredentialProvider = () => Promise<S3StaticCredentials & { expiration?: Date }>;

/**
 * Request parameters added to every upload (PutObject, CreateMultipartUpload) and, where
 * the service accepts them, to server-side copies: encryption, storage class, ACL, metadata.
 */
export type S3WriteParams = Partial<
  Pick<
    PutObjectCommandInput,
    | 'ACL'
    | 'StorageClass'
    | 'ServerSideEncryption'
    | 'SSEKMSKeyId'
    | 'SSEKMSEncryptionContext'
    | 'BucketKeyEnabled'
    | 'SSECustomerAlgorithm'
    | 'SSECustomerKey'
    | 'SSECustomerKeyMD5'
    | 'ContentType'
    | 'ContentEncoding'
    | 'ContentDisposition'
    | 'ContentLanguage'
    | 'CacheControl'
    | 'Metadata'
    | 'Tagging'
    | 'ExpectedBucketOwner'
    | 'ChecksumAlgorithm'
    | 'ObjectLockMode'
    | 'ObjectLockRetainUntilDate'
    | 'ObjectLockLegalHoldStatus'
  >
>;

/**
 * What one upload sends: the write parameters, and what a copy, touch or append keeps of
 * the object it replaces, which may include `Expires` and `WebsiteRedirectLocation`.
 */
export type UploadParams = S3WriteParams &
  Partial<Pick<CreateMultipartUploadCommandInput, 'Expires' | 'WebsiteRedirectLocation'>>;

/** Request parameters added to every read (GetObject, HeadObject): SSE-C keys, bucket owner. */
export type S3ReadParams = Partial<
  Pick<GetObjectCommandInput, 'SSECustomerAlgorithm' | 'SSECustomerKey' | 'SSECustomerKeyMD5' | 'ExpectedBucketOwner'>
>;

/**
 * Options of {@link S3FileSystem}. Every field is optional: with none, the SDK's defaults
 * apply (region and credentials from `AWS_*` variables, `~/.aws/config`, instance roles).
 * Each can also be given as `OMNIFS_S3_<NAME>` (e.g. `OMNIFS_S3_ENDPOINT`,
 * `OMNIFS_S3_FORCE_PATH_STYLE=true`); explicit options win.
 */
export interface S3Options extends TimeoutOptions {
  /** AWS region (default: `AWS_REGION`, the profile's region, `AWS_DEFAULT_REGION`, else `us-east-1`; wrong regions are followed). */
  region?: string;
  /** Endpoint of an S3-compatible store, e.g. `http://127.0.0.1:9000` (default: `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, the profile's `endpoint_url`, else AWS). */
  endpoint?: string;
  /**
   * Address buckets as `endpoint/bucket` instead of `bucket.endpoint`. Default: as the
   * profile's `addressing_style` says (`path` or `virtual`, in its `s3` sub-section of
   * `~/.aws/config`, as boto3 reads it); else (`auto`, or none) true with an endpoint of your
   * own (the `endpoint` option, `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, the profile's
   * `endpoint_url`), as boto3 and s3fs do, for the stores that serve only that (MinIO, a
   * server on `localhost`); false for AWS itself. Give `false` for a store that wants its
   * buckets as host names. This option wins over the profile.
   */
  forcePathStyle?: boolean;
  /** Static keys or a provider function; default: the SDK's provider chain. */
  credentials?: S3StaticCredentials | S3CredentialProvider;
  /** Access key id, when keys are given flat (as `OMNIFS_S3_ACCESS_KEY_ID` does). */
  accessKeyId?: string;
  /** Secret access key, with `accessKeyId`. */
  secretAccessKey?: string;
  /** Session token of temporary credentials, with `accessKeyId`. */
  sessionToken?: string;
  /** A profile of `~/.aws/credentials` / `~/.aws/config` (default: `AWS_PROFILE`, else `default`). */
  profile?: string;
  /** Send unsigned requests, for public buckets; no credentials are looked up. */
  anon?: boolean;
  /** Accept the charges of a requester-pays bucket (`x-amz-request-payer: requester`). */
  requesterPays?: boolean;
  /** Server-side encryption of uploads: `AES256`, `aws:kms` or `aws:kms:dsse`. */
  serverSideEncryption?: 'AES256' | 'aws:kms' | 'aws:kms:dsse';
  /** KMS key for `serverSideEncryption: 'aws:kms'`. */
  sseKmsKeyId?: string;
  /** Extra parameters of every upload (see {@link S3WriteParams}). */
  writeParams?: S3WriteParams;
  /** Extra parameters of every read (see {@link S3ReadParams}). */
  readParams?: S3ReadParams;
  /** Bytes per part of multipart uploads and of concurrent ranged downloads (default 8 MiB, at least 5 MiB). */
  partSize?: number;
  /** Parts uploaded, or ranges of a streamed read fetched, at once per file (default 4). */
  concurrency?: number;
  /**
   * Ranged reads at once when `get` copies one large file to local disk, each written in
   * place as it arrives, so memory stays near this many MiB (default: `concurrency` when
   * that is given, else 8).
   */
  readConcurrency?: number;
  /** Objects larger than this are copied with UploadPartCopy instead of CopyObject (default and maximum 5 GiB). */
  multipartCopyThreshold?: number;
  /** Attempts per request, the SDK's own retries included (default 3). */
  maxAttempts?: number;
  /**
   * Send the hot requests (GetObject, HeadObject, PutObject, UploadPart, DeleteObject(s),
   * ListObjectsV2) on omnifs's lean path: signed with the SDK's signer, credentials,
   * region, endpoint rules and retry strategy, but without its middleware stack, over a
   * keep-alive pool (default true). `false` sends everything through the SDK. The SDK is
   * used anyway with `client`, a `clientConfig.requestHandler`, SSE-C keys, a checksum
   * algorithm other than CRC32, and buckets that are not plain SigV4 (ARNs, S3 Express).
   */
  leanRequests?: boolean;
  /** Further S3Client settings (e.g. `requestChecksumCalculation`, `requestHandler`), applied last. */
  clientConfig?: S3ClientConfig;
  /**
   * Use this S3Client instead of building one (the other connection options are then
   * ignored). Any object with the client's `send` and `config`, so a client from the
   * app's own copy of `@aws-sdk/client-s3` is accepted.
   */
  client?: S3Client;
  /** Build a new instance even when an equal one is cached. */
  skipInstanceCache?: boolean;
}

/** True for an object that works as an S3Client: `send`, `config`, `middlewareStack` (from any copy of the SDK v3). */
function isS3ClientLike(value: unknown): boolean {
  const c = value as { send?: unknown; config?: unknown; middlewareStack?: unknown } | null;
  return (
    typeof c?.send === 'function' &&
    typeof c.config === 'object' &&
    c.config !== null &&
    typeof c.middlewareStack === 'object'
  );
}

const integer = { type: 'integer', min: 1 } as const;

const CLIENT_EXPECTED = 'must be an S3Client (an object with send, config and middlewareStack)';
const secret = { type: 'string', secret: true } as const;

/** The names and types of {@link S3Options}, checked when a filesystem is made. */
export const S3_OPTION_SCHEMA = defineOptions<S3Options>({
  ...TIMEOUT_OPTION_SCHEMA,
  region: 'string',
  endpoint: {
    type: 'string',
    fsspec: ['endpoint_url'],
    check: (v) => (isHttpUrl(v as string) ? undefined : 'must be an http(s) URL such as http://127.0.0.1:9000'),
  },
  forcePathStyle: 'boolean',
  credentials: { type: ['object', 'function'], secret: true },
  accessKeyId: { type: 'string', fsspec: ['key'] },
  secretAccessKey: { ...secret, fsspec: ['secret'] },
  sessionToken: { ...secret, fsspec: ['token'] },
  profile: 'string',
  anon: 'boolean',
  requesterPays: 'boolean',
  serverSideEncryption: { type: 'string', oneOf: ['AES256', 'aws:kms', 'aws:kms:dsse'] },
  sseKmsKeyId: secret,
  writeParams: { type: 'object', secret: true, fsspec: ['s3_additional_kwargs'] },
  readParams: { type: 'object', secret: true },
  partSize: { ...integer, fsspec: ['default_block_size', 'block_size'] },
  concurrency: { ...integer, fsspec: ['max_concurrency'] },
  readConcurrency: integer,
  multipartCopyThreshold: integer,
  maxAttempts: integer,
  leanRequests: 'boolean',
  clientConfig: { type: 'object', fsspec: ['client_kwargs', 'config_kwargs'] },
  client: { type: 'object', check: (v) => (isS3ClientLike(v) ? undefined : CLIENT_EXPECTED) },
  skipInstanceCache: 'boolean',
});

/** Smallest part S3 accepts, except for the last one. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
/** Default part size. */
export const DEFAULT_S3_PART_SIZE = 8 * 1024 * 1024;
/** Default number of parts in flight per file. */
export const DEFAULT_S3_CONCURRENCY = 4;
/** Largest object a single CopyObject can copy. */
export const MAX_COPY_OBJECT_SIZE = 5 * 1024 * 1024 * 1024;

/** The settings the filesystem uses, resolved from the options. */
export interface ResolvedS3Settings {
  partSize: number;
  concurrency: number;
  readConcurrency: number;
  requesterPays: boolean;
  anon: boolean;
  multipartCopyThreshold: number;
  writeParams: S3WriteParams;
  readParams: S3ReadParams;
  /** The hot requests take the lean path (see {@link S3Options.leanRequests}). */
  lean: boolean;
}

/** Validates the options that do not concern the client. */
export function resolveSettings(options: S3Options): ResolvedS3Settings {
  const partSize = Math.max(MIN_PART_SIZE, positiveInt('partSize', options.partSize, DEFAULT_S3_PART_SIZE));
  const writeParams: S3WriteParams = { ...options.writeParams };
  if (options.serverSideEncryption !== undefined) writeParams.ServerSideEncryption = options.serverSideEncryption;
  if (options.sseKmsKeyId !== undefined) writeParams.SSEKMSKeyId = options.sseKmsKeyId;
  const concurrency = positiveInt('concurrency', options.concurrency, DEFAULT_S3_CONCURRENCY);
  return {
    partSize,
    concurrency,
    readConcurrency: resolveReadConcurrency(options, concurrency),
    requesterPays: options.requesterPays === true,
    anon: options.anon === true,
    multipartCopyThreshold: Math.min(
      MAX_COPY_OBJECT_SIZE,
      positiveInt('multipartCopyThreshold', options.multipartCopyThreshold, MAX_COPY_OBJECT_SIZE),
    ),
    writeParams,
    readParams: { ...options.readParams },
    lean:
      options.leanRequests !== false &&
      options.client === undefined &&
      options.clientConfig?.requestHandler === undefined &&
      (options.clientConfig?.retryStrategy === undefined ||
        'acquireInitialRetryToken' in options.clientConfig.retryStrategy) &&
      leanSupports({ ...options.readParams }, writeParams),
  };
}

function credentialsOf(options: S3Options): S3ClientConfig['credentials'] {
  if (options.credentials !== undefined) {
    const c = options.credentials;
    if (
      typeof c !== 'function' &&
      (typeof c !== 'object' ||
        c === null ||
        typeof c.accessKeyId !== 'string' ||
        typeof c.secretAccessKey !== 'string')
    ) {
      throw errors.invalid(
        'credentials must be { accessKeyId, secretAccessKey, sessionToken? } or a provider function',
      );
    }
    return c;
  }
  if (options.accessKeyId !== undefined || options.secretAccessKey !== undefined) {
    if (typeof options.accessKeyId !== 'string' || typeof options.secretAccessKey !== 'string') {
      throw errors.invalid('accessKeyId and secretAccessKey must be given together');
    }
    return {
      accessKeyId: options.accessKeyId,
      secretAccessKey: options.secretAccessKey,
      ...(options.sessionToken ? { sessionToken: options.sessionToken } : {}),
    };
  }
  return undefined;
}

/**
 * The region when none is given: the SDK's own chain (`AWS_REGION`, then the profile's
 * `region` in `~/.aws/config`, `AWS_PROFILE` or `profile` choosing the profile), then
 * `AWS_DEFAULT_REGION`, then `us-east-1`. A provider, resolved once on first use, that the
 * client is built with (so endpoint resolution and signing both see it).
 */
function regionWithFallback(profile: string | undefined): () => Promise<string> {
  // The SDK's default region provider, taken from a client that is never used to send.
  const sdkChain = new S3Client(profile !== undefined ? { profile } : {}).config.region;
  let resolved: Promise<string> | undefined;
  return () => {
    resolved ??= sdkChain().catch(() => process.env.AWS_DEFAULT_REGION || 'us-east-1');
    return resolved;
  };
}

/** `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`, or the profile's `ignore_configured_endpoint_urls`. */
const IGNORE_CONFIGURED: LoadedConfigSelectors<boolean> = {
  environmentVariableSelector: (env) => booleanSelector(env, 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS', SelectorType.ENV),
  configFileSelector: (profile) => booleanSelector(profile, 'ignore_configured_endpoint_urls', SelectorType.CONFIG),
  default: false,
};

/** `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`, else the profile's `services` section for s3, else its `endpoint_url`. */
const CONFIGURED_ENDPOINT: LoadedConfigSelectors<string | undefined> = {
  environmentVariableSelector: (env) => env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined,
  configFileSelector: (profile, config) => {
    const services = profile.services === undefined ? undefined : config?.[`services.${profile.services}`];
    return services?.['s3.endpoint_url'] ?? profile.endpoint_url ?? undefined;
  },
  default: undefined,
};

/**
 * The endpoint configured outside the code for the profile named by the `profile` option,
 * read as the SDK reads it for `AWS_PROFILE` (which the SDK's own lookup alone follows).
 */
function profileEndpoint(profile: string): () => Promise<string | undefined> {
  let found: Promise<string | undefined> | undefined;
  return () =>
    (found ??= (async () =>
      (await loadConfig(IGNORE_CONFIGURED, { profile })())
        ? undefined
        : loadConfig(CONFIGURED_ENDPOINT, { profile })())());
}

/** The profile's `addressing_style` in its `s3` sub-section (`s3 =` then indented keys), as botocore reads it. */
const ADDRESSING_STYLE: LoadedConfigSelectors<string | undefined> = {
  environmentVariableSelector: () => undefined,
  configFileSelector: (profile) => profile['s3.addressing_style'],
  default: undefined,
};

/**
 * Whether buckets are addressed by path when neither `forcePathStyle` nor
 * `clientConfig.forcePathStyle` is given, decided on first use: as the profile's
 * `addressing_style` says (`path`, `virtual`); else (`auto`, or none) when requests go to an
 * endpoint of the user's own, not AWS's (the `endpoint` option, `clientConfig.endpoint`,
 * `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, the profile's `endpoint_url` or its `services`
 * section, unless configured endpoints are ignored): boto3's rule.
 */
function pathStyleByDefault(client: S3Client, profile: string | undefined): () => Promise<boolean> {
  let decided: Promise<boolean> | undefined;
  return () =>
    (decided ??= (async () => {
      const style = await loadConfig(ADDRESSING_STYLE, profile !== undefined ? { profile } : {})();
      if (style === 'path') return true;
      if (style === 'virtual') return false;
      if (style !== undefined && style !== 'auto') {
        const file = process.env.AWS_CONFIG_FILE || '~/.aws/config';
        const name = profile ?? (process.env.AWS_PROFILE || 'default');
        throw errors.invalid(
          `addressing_style in the s3 section of the profile "${name}" (${file}) must be path, virtual or auto, got ${JSON.stringify(style)}`,
        );
      }
      return (await configuredEndpoint(client.config)) !== undefined;
    })());
}

/**
 * Builds the S3Client for the options.
 *
 * Behaviour:
 * - without `region`, the SDK's chain decides (`AWS_REGION`, profile); when it finds
 *   nothing, `AWS_DEFAULT_REGION`, else `us-east-1`;
 * - requests to a bucket in another region follow the service's redirect;
 * - buckets are addressed by path as `forcePathStyle` says, else as the profile's
 *   `addressing_style` says, else when the endpoint is the user's own (see
 *   {@link S3Options.forcePathStyle});
 * - `anon` sends every request unsigned.
 */
export function createClient(options: S3Options): S3Client {
  if (options.client !== undefined) {
    if (!isS3ClientLike(options.client)) throw errors.invalid(`client ${CLIENT_EXPECTED}`);
    return options.client;
  }
  const region = options.region ?? options.clientConfig?.region ?? regionWithFallback(options.profile);
  const config: S3ClientConfig = {
    followRegionRedirects: true,
    region,
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
    ...(options.forcePathStyle !== undefined ? { forcePathStyle: options.forcePathStyle } : {}),
    ...(options.profile !== undefined ? { profile: options.profile } : {}),
    ...(options.maxAttempts !== undefined ? { maxAttempts: positiveInt('maxAttempts', options.maxAttempts, 3) } : {}),
  };
  const timeouts = resolveTimeouts(options);
  config.requestHandler = handlerConfig(timeouts);
  const credentials = credentialsOf(options);
  if (credentials !== undefined) config.credentials = credentials;
  if (options.anon === true) config.credentials = { accessKeyId: 'anonymous', secretAccessKey: 'anonymous' };
  // The SDK's CRC32 computed natively, unless the app gives its own (see SdkCrc32).
  const checksumAlgorithms = {
    ...(SdkCrc32 !== undefined ? { CRC32: SdkCrc32 } : {}),
    ...options.clientConfig?.checksumAlgorithms,
  };
  const client = new S3Client({ ...config, ...options.clientConfig, region, checksumAlgorithms });
  if (options.profile !== undefined && options.endpoint === undefined && options.clientConfig?.endpoint === undefined) {
    // Read by both request paths: the SDK's endpoint middleware and the lean path.
    (client.config as { serviceConfiguredEndpoint?: () => Promise<string | undefined> }).serviceConfiguredEndpoint =
      profileEndpoint(options.profile);
  }
  if (options.forcePathStyle === undefined && options.clientConfig?.forcePathStyle === undefined) {
    // A provider, as the SDK's endpoint rules accept for their parameters; the lean path reads it too.
    (client.config as { forcePathStyle?: PathStyle }).forcePathStyle = pathStyleByDefault(client, options.profile);
  }
  applyTransport(client, timeouts);
  if (options.anon === true) {
    // Signed by the SDK, then stripped: the service sees an anonymous request.
    type Middleware = Parameters<S3Client['middlewareStack']['addRelativeTo']>[0];
    const stripSignature =
      (next: (args: { request: unknown }) => Promise<unknown>) => async (args: { request: unknown }) => {
        const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
        for (const h of Object.keys(headers)) {
          if (/^(authorization|x-amz-security-token|x-amz-date|x-amz-content-sha256)$/i.test(h)) delete headers[h];
        }
        return next(args);
      };
    client.middlewareStack.addRelativeTo(stripSignature as unknown as Middleware, {
      relation: 'after',
      toMiddleware: 'httpSigningMiddleware',
      name: 'omnifsAnonymous',
      override: true,
    });
  }
  return client;
}
