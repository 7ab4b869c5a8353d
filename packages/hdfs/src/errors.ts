/**
 * WebHDFS errors to FsError kinds, in one place. The namenode and the datanodes answer a
 * failed call with an HTTP status and a `RemoteException` JSON body naming the Java
 * exception; network failures come as Node errors, which core's mapping covers.
 */
import { FsError, type ErrorKind } from '@omnifs/core';
import { redactUrl, toFsError } from '@omnifs/core/backend';

/** The `RemoteException` object of a WebHDFS error body. */
export interface RemoteException {
  /** Short Java class name, e.g. `FileNotFoundException`. */
  exception?: string;
  /** Full Java class name, e.g. `java.io.FileNotFoundException`. */
  javaClassName?: string;
  message?: string;
}

/**
 * A failed WebHDFS call: the HTTP status, the server's `RemoteException` (when it sent
 * one) and the operation. The URL it keeps is redacted (no `delegation=` token).
 */
export class WebHdfsError extends Error {
  constructor(
    readonly status: number,
    readonly op: string,
    readonly remote: RemoteException | undefined,
    /** The request URL, secrets redacted. */
    readonly url: string,
  ) {
    super(describe(status, op, remote));
    this.name = 'WebHdfsError';
  }

  /** The short Java exception name, if the server sent one. */
  get exception(): string | undefined {
    return this.remote?.exception ?? this.remote?.javaClassName?.split('.').pop();
  }
}

function describe(status: number, op: string, remote: RemoteException | undefined): string {
  const name = remote?.exception ?? remote?.javaClassName;
  const detail = remote?.message !== undefined && remote.message !== '' ? `: ${firstLine(remote.message)}` : '';
  return `${op} failed with HTTP ${status}${name ? ` ${name}` : ''}${detail}`;
}

/** Hadoop messages can hold a whole stack trace; the first line says what happened. */
function firstLine(message: string): string {
  return redactUrl(message.split('\n')[0]!.trim()).slice(0, 500);
}

/** Java exceptions and the kind each maps to. */
const KIND_BY_EXCEPTION: Readonly<Record<string, ErrorKind>> = {
  FileNotFoundException: 'NotFound',
  FileAlreadyExistsException: 'AlreadyExists',
  AlreadyBeingCreatedException: 'AlreadyExists',
  AccessControlException: 'PermissionDenied',
  AuthorizationException: 'PermissionDenied',
  SecurityException: 'PermissionDenied',
  InvalidToken: 'PermissionDenied',
  SafeModeException: 'RateLimited',
  PathIsNotEmptyDirectoryException: 'NotEmpty',
  ParentNotDirectoryException: 'NotADirectory',
  PathIsNotDirectoryException: 'NotADirectory',
  PathIsDirectoryException: 'IsADirectory',
  IllegalArgumentException: 'InvalidArgument',
  InvalidPathException: 'InvalidArgument',
  HadoopIllegalArgumentException: 'InvalidArgument',
  NumberFormatException: 'InvalidArgument',
  UnsupportedOperationException: 'Unsupported',
  StandbyException: 'RateLimited',
  RetriableException: 'RateLimited',
  ObserverRetryOnActiveException: 'RateLimited',
  NSQuotaExceededException: 'PermissionDenied',
  DSQuotaExceededException: 'PermissionDenied',
  QuotaExceededException: 'PermissionDenied',
};

/** Exceptions worth retrying whatever their kind: failover, safe mode, busy namenode. */
const TEMPORARY_EXCEPTIONS = new Set([
  'StandbyException',
  'RetriableException',
  'ObserverRetryOnActiveException',
  'SafeModeException',
  'RecoveryInProgressException',
  'LeaseExpiredException',
  'NotReplicatedYetException',
]);

/**
 * OPEN of a block with no datanode location yet: an IOException (HTTP 403) while a file
 * just written, appended or replaced has its block reported; the same read a moment later
 * finds it.
 */
const BLOCK_NOT_LOCATED = /block could not be located|could not obtain block/i;

function kindOfStatus(status: number): ErrorKind {
  if (status === 404) return 'NotFound';
  if (status === 401 || status === 403) return 'PermissionDenied';
  if (status === 409) return 'AlreadyExists';
  if (status === 400) return 'InvalidArgument';
  if (status === 429 || status === 503) return 'RateLimited';
  if (status === 501) return 'Unsupported';
  return 'Unexpected';
}

/** What a Hadoop IPC (RPC) port answers an HTTP request with. */
const IPC_PORT = /HTTP request to a Hadoop IPC port/i;

/** True for the page a Hadoop IPC (RPC) port answers an HTTP GET with. */
export function isIpcPortAnswer(body: string): boolean {
  return IPC_PORT.test(body);
}

/** The kind of a WebHDFS failure, by its Java exception first, then the message, then the status. */
function kindOf(err: WebHdfsError): ErrorKind {
  const message = err.remote?.message ?? '';
  // The url names the namenode's RPC port (8020) instead of its HTTP port.
  if (IPC_PORT.test(message)) return 'InvalidArgument';
  // OPEN at or past the end: an IOException "Offset=N out of the range [0, size)".
  if (/offset=\d+ out of the range/i.test(message)) return 'InvalidArgument';
  // OPEN of a directory is a FileNotFoundException "Path is not a file".
  if (/is not a file/i.test(message)) return 'IsADirectory';
  if (/is a directory|as a directory/i.test(message) && err.exception !== 'FileNotFoundException')
    return 'IsADirectory';
  if (/is not a directory|parent path is not a directory/i.test(message)) return 'NotADirectory';
  // OPEN of a block no datanode has reported yet (a file just written or replaced).
  if (BLOCK_NOT_LOCATED.test(message)) return 'Unexpected';
  // An operation the cluster does not know (LISTSTATUS_BATCH before Hadoop 3.0).
  if (/invalid value for webhdfs parameter "op"/i.test(message)) return 'Unsupported';
  const byName = err.exception === undefined ? undefined : KIND_BY_EXCEPTION[err.exception];
  if (byName !== undefined) return byName;
  // Hadoop wraps some of these in a plain IOException / RemoteException; the message says which.
  if (/does not exist|not found/i.test(message)) return 'NotFound';
  if (/already exists/i.test(message)) return 'AlreadyExists';
  if (/permission denied/i.test(message)) return 'PermissionDenied';
  if (/non-empty|is non empty|not empty/i.test(message)) return 'NotEmpty';
  return kindOfStatus(err.status);
}

/**
 * Maps an error of the WebHDFS client to an FsError.
 *
 * Behaviour:
 * - the Java exception decides first (FileNotFoundException → NotFound,
 *   FileAlreadyExistsException → AlreadyExists, AccessControlException → PermissionDenied,
 *   PathIsNotEmptyDirectoryException → NotEmpty, ParentNotDirectoryException →
 *   NotADirectory, StandbyException / RetriableException / SafeModeException →
 *   RateLimited), then the message, then the HTTP status (404, 401/403, 409, 429/503, 501);
 * - a Hadoop RPC port's answer to HTTP (the url names port 8020, not 9870) is
 *   `InvalidArgument`, its message saying which port to use; a 401 (a Kerberos cluster
 *   asked without SPNEGO or a token) says which options authenticate;
 * - failover, safe mode, 429 and 5xx (but 501) are `temporary`, and so is a block no
 *   datanode has reported yet (`Unexpected`, not the 403's PermissionDenied);
 * - the message names the operation, status and exception; URLs in it are redacted;
 * - network errors, aborts and FsErrors go through core's mapping.
 */
export function mapHdfsError(err: unknown): FsError {
  if (err instanceof FsError) return err;
  if (!(err instanceof WebHdfsError)) return toFsError(err);
  const kind = kindOf(err);
  const temporary =
    kind === 'RateLimited' ||
    (err.status >= 500 && err.status !== 501) ||
    (err.exception !== undefined && TEMPORARY_EXCEPTIONS.has(err.exception)) ||
    BLOCK_NOT_LOCATED.test(err.remote?.message ?? '');
  const message = IPC_PORT.test(err.remote?.message ?? '')
    ? `${err.message} (the url names a Hadoop RPC port; WebHDFS is on the namenode's HTTP port, 9870 by default)`
    : err.status === 401
      ? `${err.message} (the namenode wants authentication: on a Kerberos cluster give authHeaders ` +
        `(a SPNEGO Negotiate header) or a delegationToken; see docs/protocols/hdfs.md, "Authentication")`
      : err.message;
  return new FsError({ kind, message, temporary, cause: err });
}

/**
 * Reads a failed response's body into a WebHdfsError (the body is consumed). Each of
 * `secrets` (the delegation token) is replaced by `***` wherever the server quoted it.
 */
export async function errorFromResponse(
  res: Response,
  op: string,
  url: string,
  secrets: readonly string[] = [],
): Promise<WebHdfsError> {
  return errorFromAnswer(res.status, await res.text().catch(() => ''), op, url, secrets);
}

/** {@link errorFromResponse} from an answer's status and body text, already read. */
export function errorFromAnswer(
  status: number,
  text: string,
  op: string,
  url: string,
  secrets: readonly string[] = [],
): WebHdfsError {
  return new WebHdfsError(status, op, parseRemoteException(text, secrets), redactUrl(url));
}

/** The `RemoteException` of a WebHDFS error body, or a stand-in holding a short non-JSON body; `secrets` are hidden. */
export function parseRemoteException(body: string, secrets: readonly string[] = []): RemoteException | undefined {
  let text = body;
  for (const secret of secrets) if (secret !== '') text = text.split(secret).join('***');
  if (text === '') return undefined;
  try {
    const body = JSON.parse(text) as { RemoteException?: RemoteException };
    if (body?.RemoteException !== undefined) return body.RemoteException;
  } catch {
    // An HTML error page from a proxy or a Jetty default page.
  }
  const plain = text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return plain === '' ? undefined : { message: plain.slice(0, 300) };
}
