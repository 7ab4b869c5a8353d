/**
 * The one error type of omnifs. Every backend maps its SDK's errors to an {@link FsError}
 * in its own `errors.ts`; core adds the operation and path context once.
 */
import { brandClass, isBranded } from './brand';
import { inspect, type InspectOptions } from 'node:util';
import { hideSecrets, scrubSecrets } from './secrets';

/** What went wrong, independent of the protocol. */
export type ErrorKind =
  | 'NotFound'
  | 'AlreadyExists'
  | 'PermissionDenied'
  | 'IsADirectory'
  | 'NotADirectory'
  | 'NotEmpty'
  | 'InvalidArgument'
  | 'Unsupported'
  | 'RateLimited'
  | 'ConditionNotMatch'
  | 'Aborted'
  | 'Unexpected';

/** Node's error code for each kind, so code written for `node:fs` keeps working. */
export const NODE_CODES: Readonly<Record<ErrorKind, string>> = {
  NotFound: 'ENOENT',
  AlreadyExists: 'EEXIST',
  PermissionDenied: 'EACCES',
  IsADirectory: 'EISDIR',
  NotADirectory: 'ENOTDIR',
  NotEmpty: 'ENOTEMPTY',
  InvalidArgument: 'EINVAL',
  Unsupported: 'ENOTSUP',
  RateLimited: 'EAGAIN',
  ConditionNotMatch: 'ESTALE',
  Aborted: 'ABORT_ERR',
  Unexpected: 'EIO',
};

const KIND_BY_CODE: Readonly<Record<string, ErrorKind>> = {
  ENOENT: 'NotFound',
  EEXIST: 'AlreadyExists',
  EACCES: 'PermissionDenied',
  EPERM: 'PermissionDenied',
  EROFS: 'PermissionDenied',
  EISDIR: 'IsADirectory',
  ENOTDIR: 'NotADirectory',
  ENOTEMPTY: 'NotEmpty',
  EINVAL: 'InvalidArgument',
  ENAMETOOLONG: 'InvalidArgument',
  ENOTSUP: 'Unsupported',
  EOPNOTSUPP: 'Unsupported',
  EAGAIN: 'RateLimited',
  EBUSY: 'RateLimited',
  ABORT_ERR: 'Aborted',
};

/** Network-level codes that are worth retrying. */
const TEMPORARY_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'EMFILE',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/** Fields accepted by the {@link FsError} constructor. */
export interface FsErrorInit {
  kind: ErrorKind;
  message: string;
  /** Defaults to the kind's usual answer: only `RateLimited` is temporary by default. */
  temporary?: boolean;
  protocol?: string;
  operation?: string;
  path?: string;
  cause?: unknown;
  /** Overrides the Node code derived from the kind. */
  code?: string;
  /** Requests the SDK already made for this call, its own retries included. */
  attempts?: number;
  /** True once retries gave up on a temporary failure (then `temporary` is false). */
  persistent?: boolean;
}

/** The brand every FsError carries, shared by every copy of core through the global symbol registry. */
const FS_ERROR_BRAND = Symbol.for('omnifs.FsError');

/**
 * An error from any omnifs operation.
 *
 * Behaviour:
 * - `kind` says what happened, `code` is Node's matching `E*` code (`ENOENT` for `NotFound`).
 * - `temporary` is true when the same call may succeed if retried (throttling, resets).
 * - `persistent` is true when a retry layer gave up on a temporary failure: retrying
 *   again is not expected to help, so `temporary` is then false.
 * - `protocol`, `operation` and `path` say where; the SDK's error is kept as `cause`.
 * - The message never contains credentials, and neither does the `cause` chain: request
 *   headers such as `Authorization` and secret URL parameters in it are replaced by `***`.
 */
export class FsError extends Error {
  /**
   * `err instanceof FsError` holds for an FsError of any copy of `@omnifs/core` in the
   * process (its ESM and CommonJS builds, or two installed versions): every FsError carries
   * the `Symbol.for('omnifs.FsError')` brand. Subclasses (`S3DeleteError`) check as usual.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isBranded(this, FS_ERROR_BRAND, value);
  }

  readonly kind: ErrorKind;
  readonly code: string;
  temporary: boolean;
  /** True once retries gave up on a temporary failure. */
  persistent: boolean;
  protocol: string | undefined;
  operation: string | undefined;
  path: string | undefined;
  /** Requests already made for this call (the SDK's retries included), where known. */
  attempts: number | undefined;
  /** Secret values found in the cause chain, hidden wherever the error is shown. */
  readonly #secrets: string[];

  constructor(init: FsErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'FsError';
    this.kind = init.kind;
    this.code = init.code ?? NODE_CODES[init.kind];
    this.temporary = init.persistent === true ? false : (init.temporary ?? init.kind === 'RateLimited');
    this.persistent = init.persistent === true;
    this.protocol = init.protocol;
    this.operation = init.operation;
    this.path = init.path;
    this.attempts = init.attempts;
    this.#secrets = init.cause === undefined ? [] : scrubSecrets(init.cause);
  }

  /**
   * `util.inspect` of the error: as Node shows errors (stack, fields, cause), with every
   * secret found in the cause chain replaced by `***`, also copies kept where the
   * scrubbing cannot reach (inside an SDK's request and socket objects).
   */
  [inspect.custom](_depth: number, options: InspectOptions): string {
    const fields = Object.assign({}, this) as Record<string, unknown>;
    if (this.cause !== undefined) fields.cause = this.cause;
    const shown = `${this.stack ?? this.toString()} ${inspect(fields, { ...options, customInspect: true })}`;
    return hideSecrets(shown, this.#secrets);
  }

  /**
   * Marks a temporary failure that retries gave up on: `persistent` true, `temporary`
   * false, the attempts made said in the message. Returns the error.
   */
  markPersistent(attempts: number): this {
    if (this.persistent) return this;
    this.persistent = true;
    this.temporary = false;
    this.message = `${this.message} (gave up after ${attempts} attempts)`;
    return this;
  }

  /** The message with its context: `NotFound: s3 info "bucket/key": no such file`. */
  override toString(): string {
    return `${this.name} [${this.kind}]: ${this.message}`;
  }
}

brandClass(FsError, FS_ERROR_BRAND);

/** True when `err` is an {@link FsError} (of any copy of core), optionally of the given kind. */
export function isFsError(err: unknown, kind?: ErrorKind): err is FsError {
  return err instanceof FsError && (kind === undefined || err.kind === kind);
}

/** Shorthand constructors, used by backends and core alike. */
export const errors = {
  notFound: (path?: string, cause?: unknown) =>
    new FsError({ kind: 'NotFound', message: 'no such file or directory', path, cause }),
  /** An empty list of paths names nothing (fsspec: `FileNotFoundError`). */
  emptyList: () => new FsError({ kind: 'NotFound', message: 'no such file or directory: the list of paths is empty' }),
  alreadyExists: (path?: string, cause?: unknown) =>
    new FsError({ kind: 'AlreadyExists', message: 'file already exists', path, cause }),
  isADirectory: (path?: string) => new FsError({ kind: 'IsADirectory', message: 'is a directory', path }),
  notADirectory: (path?: string) => new FsError({ kind: 'NotADirectory', message: 'not a directory', path }),
  notEmpty: (path?: string) => new FsError({ kind: 'NotEmpty', message: 'directory not empty', path }),
  invalid: (message: string, path?: string) =>
    new FsError({ kind: 'InvalidArgument', message, ...(path === undefined ? {} : { path }) }),
  unsupported: (message: string) => new FsError({ kind: 'Unsupported', message }),
  aborted: (cause?: unknown) => new FsError({ kind: 'Aborted', message: 'the operation was aborted', cause }),
  /** A read kept to version `etag` found the file at another one. */
  versionChanged: (etag: string, path?: string) =>
    new FsError({
      kind: 'ConditionNotMatch',
      message: `the file is not the version ${etag} any more`,
      ...(path === undefined ? {} : { path }),
    }),
};

/** Quotes a path for a message, cutting very long ones. */
export function quote(path: string): string {
  const shown = path.length > 200 ? `${path.slice(0, 120)}…${path.slice(-40)}` : path;
  return JSON.stringify(shown);
}

/**
 * Turns anything thrown into an {@link FsError}: FsErrors pass through, Node system errors
 * are mapped by their `code`, aborts become `Aborted`, the rest `Unexpected`.
 * Backends call this for errors their own mapper does not recognise.
 */
export function toFsError(err: unknown): FsError {
  if (err instanceof FsError) return err;
  const e = err as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown } | undefined;
  const socket = socketCause(err);
  if (socket !== undefined) {
    const base = toFsError(socket);
    const message = `${String(e?.message)}: ${base.message}`;
    return new FsError({ kind: base.kind, message, temporary: base.temporary, code: base.code, cause: err });
  }
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const name = typeof e?.name === 'string' ? e.name : undefined;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (name === 'AbortError' || code === 'ABORT_ERR') return errors.aborted(err);
  const kind = code === undefined ? undefined : KIND_BY_CODE[code];
  if (kind !== undefined) return new FsError({ kind, message, cause: err, code });
  const temporary = code !== undefined && TEMPORARY_CODES.has(code);
  return new FsError({ kind: 'Unexpected', message, cause: err, temporary, ...(code ? { code } : {}) });
}

/**
 * The network error behind `fetch`'s `TypeError: fetch failed` or `terminated` (a body cut
 * off): undici gives the socket's error, with its `code`, as the cause.
 */
function socketCause(err: unknown): Error | undefined {
  if (!(err instanceof TypeError)) return undefined;
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error && typeof (cause as { code?: unknown }).code === 'string' ? cause : undefined;
}

/**
 * Adds operation context to an error once: `s3 info "bucket/key": no such file or directory`.
 * The innermost context wins, so an error raised inside `cp` by `info` keeps saying `info`.
 */
export function withContext(err: unknown, protocol: string, operation: string, path?: string): FsError {
  const e = toFsError(err);
  if (e.operation !== undefined) return e;
  e.protocol ??= protocol;
  e.operation = operation;
  e.path ??= path;
  const where = e.path === undefined ? '' : ` ${quote(e.path)}`;
  e.message = `${e.protocol} ${operation}${where}: ${e.message}`;
  return e;
}
