/**
 * GCS errors to FsError kinds, in one place. The SDK raises `ApiError`s whose `code` is
 * the HTTP status and whose `errors[0].reason` is GCS's reason (`notFound`,
 * `conditionNotMet`, `conflict`, ...); gaxios errors carry `response.status`; network
 * failures come as Node errors, which core's mapping covers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FsError, type ErrorKind } from '@omnifs/core';
import { asTimeout, toFsError } from '@omnifs/core/backend';

interface GcsErrorShape {
  code?: unknown;
  message?: unknown;
  errors?: Array<{ reason?: unknown; message?: unknown }>;
  response?: { status?: unknown };
}

/** The HTTP status of an SDK error, if it got a response. */
export function gcsStatus(err: unknown): number | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const e = err as GcsErrorShape;
  if (typeof e.code === 'number' && e.code >= 100 && e.code < 600) return e.code;
  return typeof e.response?.status === 'number' ? e.response.status : undefined;
}

/** GCS's reason (`notFound`, `conditionNotMet`, `conflict`, `rateLimitExceeded`, ...), if given. */
export function gcsReason(err: unknown): string | undefined {
  const reason = (err as GcsErrorShape | null)?.errors?.[0]?.reason;
  return typeof reason === 'string' ? reason : undefined;
}

const NOT_EMPTY = /not empty|must be empty/i;
/** google-auth-library finding no project (no `projectId`, `GOOGLE_CLOUD_PROJECT`, key file or metadata server). */
const NO_PROJECT = /Unable to detect a Project Id/i;
/** google-auth-library finding no credentials (no key file, no gcloud login, no metadata server). */
const NO_CREDENTIALS = /Could not load the default credentials/i;
/** google-auth-library failing to read the key file it was given (GOOGLE_APPLICATION_CREDENTIALS, `keyFilename`). */
const KEY_FILE_UNREADABLE = /^The file at .* does not exist, or it is not a file/i;
/** GCS refusing an upload whose bytes do not match the checksum sent with them (damaged on the way). */
const DAMAGED = /(?:MD5|CRC32C)(?: hash)? .* (?:doesn't|does not) match/i;

/** Node's file system calls (a network error has a `syscall` too: `connect`, `read` of a socket). */
const FILE_CALLS = new Set(['open', 'read', 'stat', 'lstat', 'access', 'scandir']);

/**
 * Node's error code when `err` is Node's failure to open or read a local file (the only
 * local file a GCS call reads is the key file, `keyFilename`), with the file it names.
 */
function unreadableFile(err: unknown): { code: string; path: string | undefined } | undefined {
  const e = err as { syscall?: unknown; path?: unknown; code?: unknown } | null;
  if (e === null || typeof e !== 'object' || !FILE_CALLS.has(String(e.syscall))) return undefined;
  const code = String(e.code);
  if (!['ENOENT', 'EISDIR', 'EACCES', 'EPERM', 'ENOTDIR'].includes(code)) return undefined;
  // Reading a directory fails in `read`, whose error names no path.
  return { code, path: typeof e.path === 'string' ? e.path : undefined };
}

function kindOf(status: number, reason: string | undefined, message: string): ErrorKind {
  if (NOT_EMPTY.test(message) && (status === 409 || status === 412)) return 'NotEmpty';
  if (status === 400 && DAMAGED.test(message)) return 'Unexpected';
  if (status === 404 || status === 410) return 'NotFound';
  if (status === 401 || status === 403) return 'PermissionDenied';
  if (status === 409) return 'AlreadyExists';
  if (status === 412 || status === 304) return 'ConditionNotMatch';
  if (status === 429 || status === 503 || reason === 'rateLimitExceeded' || reason === 'userRateLimitExceeded')
    return 'RateLimited';
  if (status === 400 || status === 411 || status === 413 || status === 416) return 'InvalidArgument';
  if (status === 405 || status === 501) return 'Unsupported';
  return 'Unexpected';
}

/**
 * The first line of a message, without an XML body or URL queries (a resumable session's
 * `upload_id` grants access to it), cut to a readable length.
 */
function cleanMessage(raw: string): string {
  const xml = /<Message>([^<]*)<\/Message>/.exec(raw);
  const text = (xml ? xml[1]! : raw)
    .trim()
    .split('\n')[0]!
    .trim()
    .replace(/(https?:\/\/[^\s?]+)\?[^\s]*/g, '$1?…');
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** What the resumable upload reports once it gives up: `Retry limit exceeded - … status: 503 … code: ECONNRESET`. */
const RETRY_EXHAUSTED = /^Retry (?:total time )?limit exceeded/;

/** Status or network code of an error that carries them only in its message or cause. */
function indirect(err: unknown): { status?: number; code?: string; message: string } | undefined {
  if (!(err instanceof Error)) return undefined;
  if (RETRY_EXHAUSTED.test(err.message)) {
    const status = /status: (\d{3})/.exec(err.message)?.[1];
    const code = /code: (E[A-Z_]+)/.exec(err.message)?.[1];
    return { ...(status ? { status: Number(status) } : {}), ...(code ? { code } : {}), message: err.message };
  }
  // fetch: `TypeError: fetch failed` / `terminated`, the socket's error as the cause.
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (err instanceof TypeError && typeof cause?.code === 'string') {
    return { code: cause.code, message: `${err.message}: ${String(cause.message ?? cause.code)}` };
  }
  return undefined;
}

/**
 * Where the credentials come from, as messages name it: `keyFilename`, the inline
 * `credentials`, else the file Application Default Credentials read
 * (`GOOGLE_APPLICATION_CREDENTIALS`, else gcloud's `application_default_credentials.json`).
 */
function credentialSource(keyFilename: string | undefined, inline: boolean): { text: string; file?: string } {
  if (keyFilename !== undefined) return { text: `key file ${keyFilename}`, file: keyFilename };
  if (inline) return { text: 'the credentials option' };
  const env = process.env.GOOGLE_APPLICATION_CREDENTIALS;
  if (env) return { text: `key file ${env} (GOOGLE_APPLICATION_CREDENTIALS)`, file: env };
  const config =
    process.platform === 'win32' ? process.env.APPDATA : process.env.HOME && join(process.env.HOME, '.config');
  const file = config ? join(config, 'gcloud', 'application_default_credentials.json') : undefined;
  const text = `${file === undefined ? 'the credentials file' : `credentials file ${file}`} of gcloud auth application-default login`;
  return { text, file };
}

/** True when the file holds JSON (false when it does not, or cannot be read). */
function holdsJson(file: string): boolean {
  try {
    JSON.parse(readFileSync(file, 'utf8'));
    return true;
  } catch {
    return false;
  }
}

/**
 * Credentials that were found but cannot be used, as google-auth-library and OpenSSL
 * report them: a key file that is not JSON (its parser's message would quote the file), a
 * key without `client_email` or `private_key`, a `private_key` that is not PEM, a
 * `keyFilename` that is neither a JSON key nor a PEM key. PermissionDenied naming where
 * they came from, never quoting them.
 */
function unusableCredentials(err: unknown, keyFilename: string | undefined, inline: boolean): FsError | undefined {
  const e = err as { message?: unknown; code?: unknown } | null;
  const message = String(e?.message ?? '');
  const source = credentialSource(keyFilename, inline);
  let what: string;
  const missing = /^The incoming JSON object does not contain an? (\w+) field/.exec(message);
  if (err instanceof SyntaxError) {
    if (keyFilename !== undefined || inline || source.file === undefined || holdsJson(source.file)) return undefined;
    // The parser's message quotes the file: it stays out of the error, its cause included.
    return new FsError({
      kind: 'PermissionDenied',
      message: `the Google Cloud credentials could not be used: ${source.text} is not a JSON key file`,
    });
  } else if (missing) what = `has no ${missing[1]} field`;
  else if (/^ERR_OSSL/.test(String(e?.code)) && /DECODER|PEM|ASN1/i.test(message))
    what = `has a private_key that is not a PEM private key (${message})`;
  else if (keyFilename !== undefined && /^key must be a string, a buffer or an object/.test(message))
    what = 'is neither a JSON key file nor a PEM private key';
  else return undefined;
  return new FsError({
    kind: 'PermissionDenied',
    message: `the Google Cloud credentials could not be used: ${source.text} ${what}`,
    cause: err,
  });
}

/**
 * The SDK's verdict on an upload whose stored bytes do not hash as the bytes sent
 * (`FILE_NO_UPLOAD`: it removed the object; `FILE_NO_UPLOAD_DELETE`: it could not): a
 * temporary `EIO`, as damage on the way is, naming what is left under the name.
 */
function uploadMismatch(err: unknown): FsError | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (code !== 'FILE_NO_UPLOAD' && code !== 'FILE_NO_UPLOAD_DELETE') return undefined;
  const left =
    code === 'FILE_NO_UPLOAD'
      ? 'the object was removed'
      : 'removing the object failed: it holds other bytes than were sent until it is written again';
  return new FsError({
    kind: 'Unexpected',
    code: 'EIO',
    temporary: true,
    message: `the object was stored with other bytes than were sent; ${left}`,
    cause: err,
  });
}

/**
 * Maps an error of @google-cloud/storage to an FsError.
 *
 * Behaviour:
 * - 404 → NotFound; 401/403 → PermissionDenied; 412 → ConditionNotMatch; 409 → AlreadyExists
 *   (a bucket that exists); a bucket that is not empty (409, or 412 on emulators) → NotEmpty;
 *   429/503 → RateLimited; 400/416 → InvalidArgument, except a 400 refusing bytes that do
 *   not match the MD5 or CRC32C sent with them: Unexpected and temporary (sent again, they arrive whole);
 * - 429, 408 and 5xx are `temporary`, as are network resets (core's mapping), also when
 *   they come wrapped: fetch's `TypeError` with the socket error as its cause, or the
 *   resumable upload's "Retry limit exceeded" with the status or code in its message;
 * - an upload the SDK found stored with other bytes than were sent → Unexpected, `EIO`, temporary;
 * - a key file that cannot be read (`keyFilename` missing, a directory) → PermissionDenied
 *   naming it, never the object's NotFound (`exists` would say false of objects that exist);
 *   so is a key that cannot be used (not JSON, no `client_email`, a `private_key` not PEM),
 *   never quoted (`inlineKey`: the key came as the `credentials` option);
 * - the message is the status, GCS's reason and message, never credentials;
 * - FsErrors and errors without an HTTP status go through core's mapping.
 */
export function mapGcsError(err: unknown, keyFilename?: string, inlineKey = false): FsError {
  if (err instanceof FsError) return err;
  const timeout = asTimeout(err);
  if (timeout !== undefined) return timeout;
  const mismatch = uploadMismatch(err);
  if (mismatch !== undefined) return mismatch;
  const via = gcsStatus(err) === undefined ? indirect(err) : undefined;
  const status = gcsStatus(err) ?? via?.status;
  if (status === undefined) {
    if (NO_PROJECT.test(String((err as GcsErrorShape | null)?.message ?? ''))) {
      return new FsError({
        kind: 'InvalidArgument',
        message:
          'no Google Cloud project: give projectId (or set GOOGLE_CLOUD_PROJECT); listing buckets and creating one need it',
        cause: err,
      });
    }
    if (NO_CREDENTIALS.test(String((err as GcsErrorShape | null)?.message ?? ''))) {
      return new FsError({
        kind: 'PermissionDenied',
        message:
          'no Google Cloud credentials found: set GOOGLE_APPLICATION_CREDENTIALS to a key file, or run ' +
          '`gcloud auth application-default login`, or pass `credentials` (or `keyFilename`, or `token`); ' +
          '`anon: true` reads a public bucket unsigned',
        cause: err,
      });
    }
    const unreadable = unreadableFile(err);
    if (unreadable !== undefined) {
      // `keyFilename` naming no readable file: Node's own error about that file, not the object.
      const file = keyFilename ?? unreadable.path;
      return new FsError({
        kind: 'PermissionDenied',
        message: `the Google Cloud credentials could not be read: ${file === undefined ? 'the key file' : `key file ${file}`} (${unreadable.code})`,
        cause: err,
      });
    }
    if (KEY_FILE_UNREADABLE.test(String((err as GcsErrorShape | null)?.message ?? ''))) {
      // Not the object's absence: with its ENOENT, `exists` would say false of objects that exist.
      return new FsError({
        kind: 'PermissionDenied',
        message: `the Google Cloud credentials could not be read: ${(err as Error).message.split('\n')[0]}`,
        cause: err,
      });
    }
    const unusable = unusableCredentials(err, keyFilename, inlineKey);
    if (unusable !== undefined) return unusable;
    if (via === undefined) return toFsError(err);
    const base = toFsError(Object.assign(new Error(cleanMessage(via.message)), via.code ? { code: via.code } : {}));
    return new FsError({ kind: base.kind, message: base.message, temporary: true, code: base.code, cause: err });
  }
  const e = err as GcsErrorShape;
  const reason = gcsReason(err);
  const raw = typeof e.message === 'string' ? cleanMessage(e.message) : '';
  const kind = kindOf(status, reason, raw);
  const damaged = status === 400 && kind === 'Unexpected';
  const temporary = damaged || kind === 'RateLimited' || status === 408 || (status >= 500 && status !== 501);
  const head = `HTTP ${status}${reason !== undefined ? ` ${reason}` : ''}`;
  return new FsError({ kind, message: raw !== '' ? `${head}: ${raw}` : head, temporary, cause: err });
}
