/**
 * S3 errors to FsError kinds, in one place. The SDK raises service errors with a `name`
 * (the S3 error code) and `$metadata.httpStatusCode`; network failures come as Node
 * errors, which core's mapping covers.
 */
import { FsError, type ErrorKind } from '@omnifs/core';
import { toFsError } from '@omnifs/core/backend';
import { resolve } from 'node:path';

/** S3 error codes and the kind each maps to. */
const KIND_BY_S3_CODE: Readonly<Record<string, ErrorKind>> = {
  NoSuchKey: 'NotFound',
  NoSuchBucket: 'NotFound',
  NotFound: 'NotFound',
  NoSuchUpload: 'NotFound',
  NoSuchVersion: 'NotFound',
  AccessDenied: 'PermissionDenied',
  AllAccessDisabled: 'PermissionDenied',
  AccountProblem: 'PermissionDenied',
  InvalidAccessKeyId: 'PermissionDenied',
  SignatureDoesNotMatch: 'PermissionDenied',
  ExpiredToken: 'PermissionDenied',
  InvalidToken: 'PermissionDenied',
  TokenRefreshRequired: 'PermissionDenied',
  InvalidObjectState: 'PermissionDenied',
  Forbidden: 'PermissionDenied',
  BucketNotEmpty: 'NotEmpty',
  BucketAlreadyOwnedByYou: 'AlreadyExists',
  BucketAlreadyExists: 'AlreadyExists',
  PreconditionFailed: 'ConditionNotMatch',
  ConditionalRequestConflict: 'ConditionNotMatch',
  SlowDown: 'RateLimited',
  Throttling: 'RateLimited',
  ThrottlingException: 'RateLimited',
  RequestLimitExceeded: 'RateLimited',
  RequestThrottled: 'RateLimited',
  TooManyRequests: 'RateLimited',
  TooManyRequestsException: 'RateLimited',
  ServiceUnavailable: 'RateLimited',
  InvalidBucketName: 'InvalidArgument',
  InvalidArgument: 'InvalidArgument',
  InvalidRange: 'InvalidArgument',
  InvalidPart: 'InvalidArgument',
  InvalidPartOrder: 'InvalidArgument',
  InvalidRequest: 'InvalidArgument',
  KeyTooLongError: 'InvalidArgument',
  EntityTooLarge: 'InvalidArgument',
  EntityTooSmall: 'InvalidArgument',
  MalformedXML: 'InvalidArgument',
  InvalidStorageClass: 'InvalidArgument',
  MethodNotAllowed: 'Unsupported',
  NotImplemented: 'Unsupported',
};

/** Codes worth retrying whatever their kind. */
const TEMPORARY_S3_CODES = new Set([
  'InternalError',
  'RequestTimeout',
  'ConditionalRequestConflict',
  'OperationAborted',
  'TimeoutError',
]);

function kindOfStatus(status: number): ErrorKind | undefined {
  if (status === 404) return 'NotFound';
  if (status === 401 || status === 403) return 'PermissionDenied';
  if (status === 409) return undefined;
  if (status === 412) return 'ConditionNotMatch';
  if (status === 416) return 'InvalidArgument';
  if (status === 429 || status === 503) return 'RateLimited';
  if (status === 501) return 'Unsupported';
  return undefined;
}

interface SdkErrorShape {
  name?: unknown;
  Code?: unknown;
  code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

/** The S3 error code of an SDK error (`NoSuchKey`, `SlowDown`, ...), if it has one. */
export function s3ErrorCode(err: unknown): string | undefined {
  const e = err as SdkErrorShape | undefined;
  if (e === null || typeof e !== 'object' || e.$metadata === undefined) return undefined;
  const code = typeof e.Code === 'string' ? e.Code : e.name;
  return typeof code === 'string' && code !== 'Unknown' && code !== 'UnknownError' ? code : undefined;
}

/** The HTTP status of an SDK error, if it got a response. */
export function s3Status(err: unknown): number | undefined {
  const e = err as SdkErrorShape | undefined;
  return e !== null && typeof e === 'object' ? e.$metadata?.httpStatusCode : undefined;
}

/** Records that `attempts` requests were made before `e` (more than one: the retries gave up). */
export function noteAttempts(e: FsError, attempts: number): void {
  if (attempts <= 1 || e.attempts !== undefined) return;
  e.attempts = attempts;
  e.message = `${e.message} (after ${attempts} attempts)`;
}

/**
 * True for a failure to read a file the credential chain was pointed at
 * (`AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_SHARED_CREDENTIALS_FILE`, `AWS_CONFIG_FILE`): a
 * node:fs error naming that path, which the SDK passes on as it came.
 */
function isCredentialFileError(err: unknown): boolean {
  const e = err as { syscall?: unknown; path?: unknown; $metadata?: unknown } | null;
  if (e === null || typeof e !== 'object' || typeof e.syscall !== 'string' || typeof e.path !== 'string') return false;
  const files = [
    process.env.AWS_WEB_IDENTITY_TOKEN_FILE,
    process.env.AWS_SHARED_CREDENTIALS_FILE,
    process.env.AWS_CONFIG_FILE,
  ];
  return files.some((f) => f !== undefined && f !== '' && resolve(f) === resolve(e.path as string));
}

/**
 * The SDK's credential chain found nothing (no keys in the environment, no profile, no
 * instance role): PermissionDenied, with the ways to give credentials; with a profile
 * named (the `profile` option, else `AWS_PROFILE`), that it gave none.
 */
function noCredentials(err: unknown, profile: string | undefined): FsError {
  const said = (err as { message?: unknown }).message;
  const named = profile ?? (process.env.AWS_PROFILE?.trim() || undefined);
  const from = named === undefined ? '' : ` for the profile "${named}"`;
  const check =
    named === undefined ? '' : ' (check that the profile is in ~/.aws/credentials or ~/.aws/config, and has keys)';
  return new FsError({
    kind: 'PermissionDenied',
    message:
      `no AWS credentials found${from}${typeof said === 'string' && said !== '' ? ` (${said})` : ''}: set ` +
      `AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with ~/.aws/credentials${check}, or pass ` +
      '`credentials` (or `accessKeyId` and `secretAccessKey`); `anon: true` reads a public bucket unsigned',
    cause: err,
  });
}

/**
 * Maps an error of the AWS SDK to an FsError.
 *
 * Behaviour:
 * - the S3 error code decides first (NoSuchKey, NoSuchBucket → NotFound; AccessDenied →
 *   PermissionDenied; PreconditionFailed → ConditionNotMatch; SlowDown, throttling →
 *   RateLimited; BucketNotEmpty → NotEmpty; BucketAlreadyOwnedByYou → AlreadyExists),
 *   then the HTTP status (404, 403, 412, 429/503, 5xx);
 * - throttling, 5xx, timeouts and the SDK's `$retryable` errors are `temporary`;
 * - the message is the service's code and message with its request id, never credentials;
 * - a credential chain that found nothing is PermissionDenied, naming the ways to give keys;
 * - network errors (also with the SDK's `$metadata` added), aborts and FsErrors go
 *   through core's mapping, so a reset or a body cut off is temporary;
 * - a failure after the SDK's retries says how many requests were made (`attempts`, and
 *   in the message: a timeout's wait was that many times its limit).
 */
export function mapS3Error(err: unknown, profile?: string): FsError {
  const e = mapOne(err, profile);
  const attempts = (err as { $metadata?: { attempts?: unknown } } | null)?.$metadata?.attempts;
  if (typeof attempts === 'number') noteAttempts(e, attempts);
  return e;
}

function mapOne(err: unknown, profile: string | undefined): FsError {
  if (err instanceof FsError) return err;
  const e = err as SdkErrorShape | undefined;
  if (e !== null && typeof e === 'object' && e.name === 'CredentialsProviderError') return noCredentials(err, profile);
  if (isCredentialFileError(err)) {
    // Not the object's absence: with its ENOENT, `exists` would say false of objects that exist.
    return new FsError({
      kind: 'PermissionDenied',
      message: `the AWS credentials could not be read: ${(err as Error).message}`,
      cause: err,
    });
  }
  if (e === null || typeof e !== 'object' || e.$metadata === undefined) return toFsError(err);
  const code = s3ErrorCode(err);
  const status = s3Status(err);
  // A network failure (a reset, a body cut off) to which the SDK added only its metadata.
  if (status === undefined && typeof e.code === 'string') return toFsError(err);
  if (code === 'AbortError' || (code === 'TimeoutError' && status === undefined)) {
    const base = toFsError(err);
    if (code === 'TimeoutError') base.temporary = true;
    return base;
  }
  const kind =
    (code !== undefined ? KIND_BY_S3_CODE[code] : undefined) ??
    (status !== undefined ? kindOfStatus(status) : undefined) ??
    'Unexpected';
  const temporary =
    kind === 'RateLimited' ||
    (status !== undefined && status >= 500 && status !== 501) ||
    (code !== undefined && TEMPORARY_S3_CODES.has(code)) ||
    (e.$retryable !== undefined && e.$retryable !== null);
  const raw =
    typeof e.message === 'string' && e.message !== '' && e.message !== code && e.message !== 'UnknownError'
      ? e.message
      : undefined;
  const parts = [code ?? `HTTP ${status ?? '?'}`];
  if (raw !== undefined) parts.push(raw);
  else if (status !== undefined && code !== `${status}`) parts.push(`HTTP ${status}`);
  const requestId = e.$metadata.requestId;
  const message = `${parts.join(': ')}${requestId ? ` (request id ${requestId})` : ''}`;
  return new FsError({ kind, message, temporary, cause: err });
}
