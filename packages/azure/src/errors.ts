/**
 * Azure Blob errors to FsError kinds, in one place. The SDK raises `RestError`s with a
 * `statusCode` and the service's error code (`code`, or `details.errorCode` for HEAD
 * requests, which have no body); network failures come as `RestError`s without a status
 * (`code` `ECONNRESET`, `REQUEST_SEND_ERROR`, ...) or as Node errors.
 */
import { FsError, type ErrorKind } from '@omnifs/core';
import { toFsError } from '@omnifs/core/backend';

/** Azure Storage error codes and the kind each maps to. */
const KIND_BY_AZURE_CODE: Readonly<Record<string, ErrorKind>> = {
  BlobNotFound: 'NotFound',
  ContainerNotFound: 'NotFound',
  ResourceNotFound: 'NotFound',
  BlobAlreadyExists: 'AlreadyExists',
  ContainerAlreadyExists: 'AlreadyExists',
  ResourceAlreadyExists: 'AlreadyExists',
  ContainerBeingDeleted: 'ConditionNotMatch',
  ContainerBeingCreated: 'ConditionNotMatch',
  BlobBeingRehydrated: 'ConditionNotMatch',
  ConditionNotMet: 'ConditionNotMatch',
  SourceConditionNotMet: 'ConditionNotMatch',
  TargetConditionNotMet: 'ConditionNotMatch',
  AppendPositionConditionNotMet: 'ConditionNotMatch',
  MaxBlobSizeConditionNotMet: 'ConditionNotMatch',
  LeaseIdMissing: 'ConditionNotMatch',
  LeaseIdMismatchWithBlobOperation: 'ConditionNotMatch',
  LeaseIdMismatchWithContainerOperation: 'ConditionNotMatch',
  LeaseIsBreakingAndCannotBeAcquired: 'ConditionNotMatch',
  LeaseNotPresentWithBlobOperation: 'ConditionNotMatch',
  AuthenticationFailed: 'PermissionDenied',
  AuthorizationFailure: 'PermissionDenied',
  AuthorizationPermissionMismatch: 'PermissionDenied',
  AuthorizationResourceTypeMismatch: 'PermissionDenied',
  AuthorizationSourceIPMismatch: 'PermissionDenied',
  AuthorizationProtocolMismatch: 'PermissionDenied',
  AuthorizationServiceMismatch: 'PermissionDenied',
  InsufficientAccountPermissions: 'PermissionDenied',
  NoAuthenticationInformation: 'PermissionDenied',
  PublicAccessNotPermitted: 'PermissionDenied',
  AccountIsDisabled: 'PermissionDenied',
  BlobArchived: 'PermissionDenied',
  BlobImmutableDueToPolicy: 'PermissionDenied',
  ContainerDisabled: 'PermissionDenied',
  InvalidBlobType: 'Unsupported',
  FeatureVersionMismatch: 'Unsupported',
  UnsupportedHeader: 'Unsupported',
  InvalidRange: 'InvalidArgument',
  InvalidResourceName: 'InvalidArgument',
  InvalidBlobOrBlock: 'InvalidArgument',
  InvalidBlockId: 'InvalidArgument',
  InvalidBlockList: 'InvalidArgument',
  InvalidQueryParameterValue: 'InvalidArgument',
  InvalidHeaderValue: 'InvalidArgument',
  InvalidInput: 'InvalidArgument',
  InvalidUri: 'InvalidArgument',
  OutOfRangeInput: 'InvalidArgument',
  RequestBodyTooLarge: 'InvalidArgument',
  BlockCountExceedsLimit: 'InvalidArgument',
  BlockListTooLong: 'InvalidArgument',
  ServerBusy: 'RateLimited',
  TooManyRequests: 'RateLimited',
};

/** Codes worth retrying whatever their kind. */
const TEMPORARY_AZURE_CODES = new Set([
  'InternalError',
  'OperationTimedOut',
  'ContainerBeingDeleted',
  'ContainerBeingCreated',
  'REQUEST_SEND_ERROR',
  'PARSE_ERROR',
]);

/**
 * True for a body refused because its bytes do not match the `Content-MD5` sent with them:
 * damaged on the way, worth sending again. Azure says `Md5Mismatch`; Azurite says
 * `InvalidOperation` "Provided contentMD5 doesn't match.".
 */
function damagedOnTheWay(e: RestErrorShape, code: string | undefined): boolean {
  if (code === 'Md5Mismatch') return true;
  return code === 'InvalidOperation' && typeof e.message === 'string' && /contentMD5 doesn't match/i.test(e.message);
}

/**
 * A 4xx whose body the SDK could not parse (PARSE_ERROR): the status says what happened, and
 * a refusal does not pass by itself. (A PARSE_ERROR of a 2xx is a body cut short: temporary.)
 */
function unreadableRefusal(code: string, status: number): boolean {
  return code === 'PARSE_ERROR' && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

function kindOfStatus(status: number): ErrorKind | undefined {
  if (status === 404) return 'NotFound';
  if (status === 401 || status === 403) return 'PermissionDenied';
  if (status === 409) return 'AlreadyExists';
  if (status === 412) return 'ConditionNotMatch';
  if (status === 416) return 'InvalidArgument';
  if (status === 429 || status === 503) return 'RateLimited';
  if (status === 501) return 'Unsupported';
  return undefined;
}

interface RestErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  statusCode?: unknown;
  details?: { errorCode?: unknown; requestId?: unknown } | null;
  response?: { headers?: { get?: (name: string) => string | undefined } } | null;
}

const asShape = (err: unknown): RestErrorShape | undefined =>
  err !== null && typeof err === 'object' ? (err as RestErrorShape) : undefined;

/** The Azure Storage error code of an SDK error (`BlobNotFound`, `ServerBusy`, ...), if it has one. */
export function azureErrorCode(err: unknown): string | undefined {
  const e = asShape(err);
  if (e === undefined || e.name !== 'RestError') return undefined;
  const detail = e.details?.errorCode;
  if (typeof detail === 'string' && detail !== '') return detail;
  const fromHeader = e.response?.headers?.get?.('x-ms-error-code');
  if (typeof fromHeader === 'string' && fromHeader !== '') return fromHeader;
  return typeof e.code === 'string' && e.code !== '' ? e.code : undefined;
}

/** The HTTP status of an SDK error, if it got a response. */
export function azureStatus(err: unknown): number | undefined {
  const e = asShape(err);
  return e !== undefined && typeof e.statusCode === 'number' ? e.statusCode : undefined;
}

/** The first line of the service's message (it repeats the request id and time on the next lines). */
function serviceMessage(e: RestErrorShape, code: string | undefined): string | undefined {
  if (typeof e.message !== 'string' || e.message === '') return undefined;
  const first = e.message.split('\n')[0]!.trim();
  return first === '' || first === code ? undefined : first;
}

function requestIdOf(e: RestErrorShape): string | undefined {
  const fromHeader = e.response?.headers?.get?.('x-ms-request-id');
  if (typeof fromHeader === 'string' && fromHeader !== '') return fromHeader;
  const m = typeof e.message === 'string' ? /RequestId:([0-9a-f-]+)/i.exec(e.message) : null;
  return m?.[1];
}

/** A download whose connection dropped before its end: temporary, `ECONNRESET`, never a short result. */
export function brokenOff(cause: unknown): FsError {
  return new FsError({
    kind: 'Unexpected',
    code: 'ECONNRESET',
    temporary: true,
    message: 'the download broke off before its end',
    cause,
  });
}

/**
 * Maps an error of `@azure/storage-blob` to an FsError.
 *
 * Behaviour:
 * - the service's error code decides first (BlobNotFound, ContainerNotFound → NotFound;
 *   AuthorizationFailure and friends → PermissionDenied; ConditionNotMet → ConditionNotMatch;
 *   BlobAlreadyExists, ContainerAlreadyExists → AlreadyExists; ServerBusy → RateLimited;
 *   ContainerBeingDeleted → ConditionNotMatch, temporary), then the HTTP status (404, 403,
 *   409, 412, 416, 429/503, 5xx);
 * - throttling, 5xx, timeouts and network failures are `temporary`, and so is a body whose
 *   bytes do not match the MD5 sent with them (`Md5Mismatch`: damaged on the way);
 * - the message is the service's code and first message line with its request id, never
 *   credentials (the SDK's request, which carries signatures, stays in `cause` only);
 * - a download cut short (the SDK's "received less data than required") is a temporary
 *   `Unexpected` error with code `ECONNRESET`, never a short result;
 * - aborts, Node errors and FsErrors go through core's mapping.
 */
export function mapAzureError(err: unknown): FsError {
  if (err instanceof FsError) return err;
  const e = asShape(err);
  if (e === undefined) return toFsError(err);
  if (e.name === 'AbortError') return toFsError(err);
  if (typeof e.message === 'string' && /received less data than required/i.test(e.message)) {
    return brokenOff(err);
  }
  if (e.name !== 'RestError') return toFsError(err);
  const status = azureStatus(err);
  const code = azureErrorCode(err);
  if (status === undefined) {
    // No response: a network failure (ECONNRESET, ETIMEDOUT, REQUEST_SEND_ERROR, ...).
    const base = toFsError(err);
    if (code !== undefined && (TEMPORARY_AZURE_CODES.has(code) || /^E[A-Z]+$|^UND_ERR/.test(code)))
      base.temporary = true;
    return base;
  }
  const kind = (code !== undefined ? KIND_BY_AZURE_CODE[code] : undefined) ?? kindOfStatus(status) ?? 'Unexpected';
  const temporary =
    damagedOnTheWay(e, code) ||
    kind === 'RateLimited' ||
    (status >= 500 && status !== 501) ||
    status === 408 ||
    (code !== undefined && TEMPORARY_AZURE_CODES.has(code) && !unreadableRefusal(code, status));
  const parts = [code ?? `HTTP ${status}`];
  const raw = serviceMessage(e, code);
  if (raw !== undefined) parts.push(raw);
  else if (code !== undefined) parts.push(`HTTP ${status}`);
  const requestId = requestIdOf(e);
  const message = `${parts.join(': ')}${requestId ? ` (request id ${requestId})` : ''}`;
  return new FsError({ kind, message, temporary, cause: err });
}
