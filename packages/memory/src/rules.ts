/**
 * What the memory stand-in of each object store follows: the real backend's capabilities
 * (without signed URLs), its bucket naming rule, its ETag style and the service error
 * codes behind each error kind.
 */
import { createHash } from 'node:crypto';
import { FsError, type Capabilities, type ErrorKind } from '@omnifs/core';
import { DEFAULT_READ_CONCURRENCY, REMOTE_BATCH_SIZE } from '@omnifs/core/backend';

/** One service error: its code, HTTP status and message, as the real service sends it. */
export interface ServiceError {
  code: string;
  status: number;
  message: string;
}

/** The rules of one object store. */
export interface StoreRules {
  /** The canonical protocol (`s3`, `gs`, `az`). */
  protocol: string;
  /** The service's name, in messages. */
  service: string;
  /** What the service calls a bucket. */
  bucketWord: 'bucket' | 'container';
  /**
   * The real backend's default capabilities, `sign` false (the stand-in cannot sign): the
   * stand-in declares them, turning off what it can do and the real backend cannot.
   */
  capabilities: Capabilities;
  /** URLs may name the account: `abfs://container@account.dfs.core.windows.net/path` (Azure). */
  accountInUrl?: boolean;
  /** Valid bucket (container) names. */
  bucketName: RegExp;
  /** The ETag of a new version of an object. */
  etag(data: Uint8Array, generation: number): string;
  /** Listings give each object's `contentType` (GCS, Azure); S3's give none, only HeadObject does. */
  listsContentType: boolean;
  /** Extra `info` fields the real backend gives (GCS: `generation`, `md5Hash`). */
  extraInfo(data: Uint8Array, generation: number): Record<string, unknown>;
  /**
   * The content type the real backend made with `options` gives every new object, where
   * an option names one (S3: `writeParams.ContentType`); undefined: the name's type.
   */
  newObjectType?(options: Readonly<Record<string, unknown>>): string | undefined;
  /** What `checksum()` gives for a file, where the backend has its own rule (GCS: the MD5 it keeps). */
  checksum?(info: Record<string, unknown>): string | undefined;
  /** Why the store refuses `key` as an object name; undefined when it takes it. */
  badKey(key: string): string | undefined;
  /** The service error behind each kind the stand-in raises. */
  errors: Record<
    'noSuchBucket' | 'noSuchKey' | 'bucketExists' | 'bucketNotEmpty' | 'badBucketName' | 'badKey' | 'conditionFailed',
    ServiceError
  > &
    Partial<Record<ErrorKind, ServiceError>>;
}

const MIB = 1024 * 1024;
const md5 = (data: Uint8Array): string => createHash('md5').update(data).digest('hex');

const objectStore = (extra: Partial<Capabilities>): Capabilities => ({
  realDirectories: false,
  append: false,
  exclusiveCreate: true,
  rangedRead: true,
  mtime: true,
  copy: true,
  rename: false,
  sign: false,
  touch: false,
  flatListing: true,
  batchDelete: true,
  treeDelete: true,
  randomWrite: false,
  appendByCopy: false,
  partSize: 8 * MIB,
  concurrency: 4,
  readConcurrency: DEFAULT_READ_CONCURRENCY,
  batchSize: REMOTE_BATCH_SIZE,
  ...extra,
});

const e = (code: string, status: number, message: string): ServiceError => ({ code, status, message });

/**
 * Errors a test can inject with `failNext`, by kind, where the service has no better code;
 * the messages are the services' own wording (S3 answers an unsupported header with 501).
 */
const GENERIC: Partial<Record<ErrorKind, ServiceError>> = {
  Unexpected: e('InternalError', 500, 'We encountered an internal error. Please try again.'),
  PermissionDenied: e('AccessDenied', 403, 'Access Denied'),
  InvalidArgument: e('InvalidArgument', 400, 'Invalid Argument'),
  // S3's answer to a header it does not support, injected by failNext(op, 'Unsupported').
  Unsupported: e('NotImplemented', 501, 'A header you provided implies functionality that is not implemented'),
};

/** Amazon S3. */
export const S3_RULES: StoreRules = {
  protocol: 's3',
  service: 'S3',
  bucketWord: 'bucket',
  capabilities: objectStore({ appendByCopy: true, touch: true }),
  // 3-63 of a-z 0-9 . -; not an IP address, no `..`, `.-` or `-.`, none of the prefixes
  // and suffixes S3 reserves.
  bucketName:
    /^(?!xn--|sthree-|amzn-s3-demo-)(?!.*(?:-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$)(?!\d+\.\d+\.\d+\.\d+$)(?!.*(?:\.\.|\.-|-\.))[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
  badKey: (key) => (Buffer.byteLength(key) > 1024 ? 'the name is longer than 1,024 bytes' : undefined),
  etag: (data) => `"${md5(data)}"`,
  listsContentType: false,
  extraInfo: () => ({}),
  newObjectType: (options) => {
    const type = (options.writeParams as { ContentType?: unknown } | undefined)?.ContentType;
    return typeof type === 'string' ? type : undefined;
  },
  errors: {
    ...GENERIC,
    noSuchBucket: e('NoSuchBucket', 404, 'The specified bucket does not exist'),
    noSuchKey: e('NoSuchKey', 404, 'The specified key does not exist.'),
    bucketExists: e(
      'BucketAlreadyOwnedByYou',
      409,
      'Your previous request to create the named bucket succeeded and you already own it.',
    ),
    bucketNotEmpty: e('BucketNotEmpty', 409, 'The bucket you tried to delete is not empty'),
    badBucketName: e('InvalidBucketName', 400, 'The specified bucket is not valid.'),
    badKey: e('KeyTooLongError', 400, 'Your key is too long'),
    conditionFailed: e('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold'),
    RateLimited: e('SlowDown', 503, 'Please reduce your request rate.'),
  },
};

/** Google Cloud Storage. */
export const GCS_RULES: StoreRules = {
  protocol: 'gs',
  service: 'GCS',
  bucketWord: 'bucket',
  capabilities: objectStore({ append: true, touch: true }),
  // 3-63 of a-z 0-9 . _ - (222 with dots, each part at most 63); not an IP address, not
  // `goog...`, nothing like `google`.
  bucketName:
    /^(?!goog)(?!.*g[o0][o0]gle)(?!\d+\.\d+\.\d+\.\d+$)(?!.*\.\.)(?!.*[^.]{64})(?=.{3,222}$)[a-z0-9][a-z0-9._-]*[a-z0-9]$/,
  badKey: (key) =>
    Buffer.byteLength(key) > 1024
      ? 'the name is longer than 1,024 bytes'
      : /[\r\n]/.test(key)
        ? 'the name holds a carriage return or line feed'
        : undefined,
  etag: (_data, generation) => String(generation),
  listsContentType: true,
  extraInfo: (data, generation) => ({
    generation: String(generation),
    md5Hash: createHash('md5').update(data).digest('base64'),
  }),
  checksum: (info) =>
    typeof info.md5Hash === 'string' ? Buffer.from(info.md5Hash, 'base64').toString('hex') : undefined,
  errors: {
    ...GENERIC,
    noSuchBucket: e('notFound', 404, 'The specified bucket does not exist.'),
    noSuchKey: e('notFound', 404, 'No such object'),
    bucketExists: e(
      'conflict',
      409,
      'Your previous request to create the named bucket succeeded and you already own it.',
    ),
    bucketNotEmpty: e('conflict', 409, 'The bucket you tried to delete is not empty.'),
    badBucketName: e('invalid', 400, 'Invalid bucket name'),
    badKey: e('invalid', 400, 'The object name is invalid.'),
    Unexpected: e('backendError', 500, 'Backend Error'),
    PermissionDenied: e('forbidden', 403, 'The caller does not have permission'),
    InvalidArgument: e('invalid', 400, 'Invalid argument.'),
    // Google's answer to an operation it does not have (failNext(op, 'Unsupported')).
    Unsupported: e('notImplemented', 501, 'The requested operation has not been implemented.'),
    conditionFailed: e('conditionNotMet', 412, 'At least one of the pre-conditions you specified did not hold.'),
    RateLimited: e('rateLimitExceeded', 429, 'The rate of change requests to the object exceeds the rate limit.'),
  },
};

/** Azure Blob Storage. */
export const AZURE_RULES: StoreRules = {
  protocol: 'az',
  service: 'Azure Blob',
  bucketWord: 'container',
  accountInUrl: true,
  capabilities: objectStore({ append: true, touch: true }),
  bucketName: /^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/,
  badKey: (key) =>
    key.length > 1024
      ? 'the name is longer than 1,024 characters'
      : key.split('/').length > 254
        ? 'the name has more than 254 path segments'
        : undefined,
  etag: (_data, generation) => `"0x8DC${generation.toString(16).toUpperCase().padStart(11, '0')}"`,
  listsContentType: true,
  extraInfo: () => ({}),
  errors: {
    ...GENERIC,
    noSuchBucket: e('ContainerNotFound', 404, 'The specified container does not exist.'),
    noSuchKey: e('BlobNotFound', 404, 'The specified blob does not exist.'),
    bucketExists: e('ContainerAlreadyExists', 409, 'The specified container already exists.'),
    bucketNotEmpty: e('ContainerNotEmpty', 409, 'The container is not empty.'),
    badBucketName: e('InvalidResourceName', 400, 'The specifed resource name contains invalid characters.'),
    badKey: e('InvalidResourceName', 400, 'The specifed resource name contains invalid characters.'),
    Unexpected: e('InternalError', 500, 'The server encountered an internal error. Please retry the request.'),
    PermissionDenied: e(
      'AuthorizationPermissionMismatch',
      403,
      'This request is not authorized to perform this operation using this permission.',
    ),
    InvalidArgument: e('InvalidInput', 400, 'One of the request inputs is not valid.'),
    Unsupported: e('UnsupportedHeader', 400, 'One of the headers specified in the request is not supported.'),
    conditionFailed: e('ConditionNotMet', 412, 'The condition specified using HTTP conditional header(s) is not met.'),
    RateLimited: e('ServerBusy', 503, 'The server is busy.'),
  },
};

/** The rules of each object-store protocol family, by canonical protocol. */
export const STORE_RULES: Readonly<Record<string, StoreRules>> = { s3: S3_RULES, gs: GCS_RULES, az: AZURE_RULES };

/** Kinds a service error stands for in the stand-in (what the real backend maps it to). */
const KIND_OF: Readonly<Record<string, ErrorKind>> = {
  noSuchBucket: 'NotFound',
  noSuchKey: 'NotFound',
  bucketExists: 'AlreadyExists',
  bucketNotEmpty: 'NotEmpty',
  badBucketName: 'InvalidArgument',
  badKey: 'InvalidArgument',
  conditionFailed: 'ConditionNotMatch',
};

/**
 * The FsError the real backend raises for a service error: same kind, Node code and
 * `temporary`, the service's code in the message, and a cause carrying `code` and `status`.
 */
export function serviceError(
  rules: StoreRules,
  which: keyof StoreRules['errors'] & string,
  kind?: ErrorKind,
  detail?: string,
): FsError {
  const err = rules.errors[which as keyof StoreRules['errors']] ?? rules.errors.Unexpected!;
  const k = kind ?? KIND_OF[which] ?? (which as ErrorKind);
  const cause = Object.assign(new Error(err.message), { name: err.code, code: err.code, status: err.status });
  return new FsError({
    kind: k,
    message: `${err.code}: ${err.message}${detail === undefined ? '' : ` (${detail})`} (${rules.service} stand-in)`,
    cause,
    // Only a throttle or a server error is worth another try; a 500 injected as another
    // kind (IsADirectory, Aborted, ...) stands for what that kind means.
    temporary: k === 'RateLimited' || (k === 'Unexpected' && err.status >= 500 && err.status !== 501),
  });
}
