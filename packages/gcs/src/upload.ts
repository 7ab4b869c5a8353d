/**
 * The simple upload, sent by omnifs itself: one multipart `POST` to the JSON API's upload
 * endpoint (`uploadType=multipart`: the object's metadata as JSON, then its bytes),
 * authorized by the SDK's auth client and sent over core's keep-alive pool. It writes
 * what the SDK's `file.save({ resumable: false })` writes, at a fraction of its CPU:
 *
 * - the content type comes from the name as the SDK finds it (`mime`), else
 *   `application/octet-stream`; the object's own metadata (`metadata.metadata`) is kept;
 * - the body's CRC32C (native code from `@node-rs/crc32`; its MD5 where that does not
 *   load) goes in the metadata, so GCS refuses bytes damaged on the way; the checksum GCS
 *   answers is checked too, and an object stored with other bytes is removed (only that
 *   generation) and the write fails with a temporary error;
 * - `mode: 'create'` adds `ifGenerationMatch=0`;
 * - retries follow the Storage client's `retryOptions` as `file.save` does: `autoRetry`,
 *   `maxRetries`, `maxRetryDelay`, `totalTimeout`, `retryableErrorFn`, and
 *   `idempotencyStrategy` (by default a write is retried only when `ifGenerationMatch`
 *   makes it idempotent: an exclusive create).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { FileMetadata } from '@google-cloud/storage';
import { FsError } from '@omnifs/core';
import { errors, formQuery, smallAnswer, StreamedUpload } from '@omnifs/core/backend';
import mime from 'mime';
import { nativeCrc32c } from './checksum';
import { answerError, authHeaders, deleteObject, retriesFor, withRetries, type ApiContext } from './client';

/** What a simple upload needs. */
export interface SimpleUpload extends ApiContext {
  bucket: string;
  key: string;
  /** `create` sends `ifGenerationMatch=0`. */
  create: boolean;
  /** Object resource fields sent with the bytes (custom metadata under `metadata`). */
  metadata: FileMetadata | undefined;
}

/** The content type the SDK gives a name, from the `mime` package it uses. */
function typeOf(key: string): string {
  return mime.getType(key) ?? 'application/octet-stream';
}

/** The JSON API's upload endpoint for `up`: `create` adds `ifGenerationMatch=0`. */
function uploadUrl(up: SimpleUpload, uploadType: 'multipart' | 'resumable'): string {
  const q = formQuery({
    uploadType,
    name: up.key,
    ifGenerationMatch: up.create ? '0' : undefined,
    userProject: up.userProject,
  });
  return `${up.storage.apiEndpoint}/upload/storage/v1/b/${encodeURIComponent(up.bucket)}/o?${q}`;
}

/** The multipart/related body: the metadata as JSON, then the bytes. */
function multipartBody(metadata: FileMetadata, contentType: string, data: Uint8Array): { type: string; body: Buffer } {
  const boundary = `omnifs-${randomUUID()}`;
  const head =
    `--${boundary}\r\ncontent-type: application/json; charset=UTF-8\r\n\r\n${JSON.stringify(metadata)}\r\n` +
    `--${boundary}\r\ncontent-type: ${contentType}\r\n\r\n`;
  return {
    type: `multipart/related; boundary=${boundary}`,
    body: Buffer.concat([Buffer.from(head), data, Buffer.from(`\r\n--${boundary}--\r\n`)]),
  };
}

/** One attempt: the object's metadata as GCS answers it, or the error as the SDK would raise it. */
async function attempt(up: SimpleUpload, data: Uint8Array, sum: Checksum): Promise<FileMetadata> {
  const url = uploadUrl(up, 'multipart');
  const contentType = up.metadata?.contentType ?? typeOf(up.key);
  const { type, body } = multipartBody({ ...up.metadata, contentType, [sum.field]: sum.value }, contentType, data);
  const res = await smallAnswer(
    url,
    { method: 'POST', headers: { ...(await authHeaders(up.storage, url)), 'content-type': type }, body },
    up.timeouts,
  );
  const text = res.data.toString('utf8');
  if (res.status < 200 || res.status > 299) throw answerError(res.status, text);
  return JSON.parse(text) as FileMetadata;
}

/**
 * Uploads `data` as the whole object in one request; resolves with its metadata.
 * Errors are raised as the SDK raises them (`code` = HTTP status), for the caller's mapping.
 */
export async function simpleUpload(up: SimpleUpload, data: Uint8Array): Promise<FileMetadata> {
  const hash = runningHash();
  hash.update(data);
  const sum = hash.result();
  const retries = retriesFor(up.storage, up.create ? 'conditional write' : 'write');
  const meta = await withRetries(up.storage, retries, () => attempt(up, data, sum));
  const stored = meta[sum.field];
  if (stored !== undefined && stored !== sum.value) {
    if (meta.generation !== undefined) {
      // Only that generation; the write fails anyway, and a later write replaces what is left.
      await deleteObject(up, up.bucket, up.key, String(meta.generation)).catch(() => undefined);
    }
    throw new FsError({
      kind: 'Unexpected',
      code: 'EIO',
      temporary: true,
      message: `the object was stored with ${sum.field === 'crc32c' ? 'CRC32C' : 'MD5'} ${String(stored)}, not the ${sum.value} of the bytes sent; it was removed`,
    });
  }
  return meta;
}

/** A checksum in the form GCS gives it: the object's field and its value (base64). */
interface Checksum {
  field: 'crc32c' | 'md5Hash';
  value: string;
}

/** A running checksum of the bytes sent: CRC32C where native code loads, else MD5. */
interface RunningHash {
  update(data: Uint8Array): void;
  /** The object's field to compare with, and the value the bytes sent give. */
  result(): Checksum;
}

function runningHash(): RunningHash {
  const crc32c = nativeCrc32c;
  if (crc32c !== undefined) {
    let value = 0;
    return {
      update: (data) => {
        value = crc32c(data, value);
      },
      result: () => {
        const out = Buffer.alloc(4);
        out.writeUInt32BE(value >>> 0);
        return { field: 'crc32c', value: out.toString('base64') };
      },
    };
  }
  const md5 = createHash('md5');
  return {
    update: (data) => md5.update(data),
    result: () => ({ field: 'md5Hash', value: md5.digest('base64') }),
  };
}

/**
 * A resumable upload session sent by omnifs itself: the session opened with one `POST`
 * (`uploadType=resumable`, the object's metadata as JSON, authorized as the simple upload
 * is), then its bytes streamed in one `PUT` to the session's URI (a `Content-Range` from
 * byte 0 with the end and the total left open, as the SDK sends a session of unknown
 * length; core's {@link StreamedUpload}). What `file.createWriteStream({ resumable: true })`
 * writes, without the SDK's stream pipeline:
 *
 * - the bytes are hashed as they go (CRC32C natively where `@node-rs/crc32` loads, else
 *   MD5) and checked against what GCS answers; an object stored with other bytes, or with
 *   fewer than were sent, is removed (only that generation) and the upload fails with a
 *   temporary error;
 * - opening the session is retried as the Storage client retries a conditional write (it
 *   stores nothing); the data request is not: a failure ends the upload with its error,
 *   and `cancel` deletes the session;
 * - the data request must keep moving: no progress for `idleTimeout` fails it with a
 *   temporary `ETIMEDOUT`, as does no answer within `requestTimeout` of its last byte;
 *   `signal` ends it with `Aborted` (see `finish` for after its last byte);
 * - `create` opens the session with `ifGenerationMatch=0`.
 */
export class ResumableUpload {
  private readonly hash = runningHash();
  private bytes = 0;

  private constructor(
    private readonly up: SimpleUpload,
    /** The session's URI: whoever holds it may write the object. */
    readonly uri: string,
    private readonly request: StreamedUpload,
  ) {}

  /** Opens a session for `up`; resolves once GCS gave its URI and its data request started. */
  static async open(up: SimpleUpload, signal?: AbortSignal): Promise<ResumableUpload> {
    const url = uploadUrl(up, 'resumable');
    const contentType = up.metadata?.contentType ?? typeOf(up.key);
    const uri = await withRetries(up.storage, retriesFor(up.storage, 'conditional write'), async () => {
      const headers = {
        ...(await authHeaders(up.storage, url)),
        'content-type': 'application/json; charset=UTF-8',
        'x-upload-content-type': contentType,
      };
      const body = JSON.stringify({ ...up.metadata, contentType });
      const res = await smallAnswer(url, { method: 'POST', headers, body, signal }, up.timeouts);
      if (res.status < 200 || res.status > 299) throw answerError(res.status, res.data.toString('utf8'));
      const location = res.headers.location;
      if (typeof location !== 'string' || location === '')
        throw answerError(502, 'the service opened no upload session (no Location)');
      return new URL(location, url).toString();
    });
    const request = new StreamedUpload(uri, {
      method: 'PUT',
      // The object's type again: fake-gcs-server takes the data request's over the session's.
      headers: { ...(await authHeaders(up.storage, uri)), 'content-range': 'bytes 0-*/*', 'content-type': contentType },
      timeouts: up.timeouts,
      what: 'the resumable upload',
      refused: (status, body) => answerError(status, body),
      signal,
    });
    return new ResumableUpload(up, uri, request);
  }

  /** Sends `chunk`; resolves when the request can take more. */
  async write(chunk: Uint8Array): Promise<void> {
    this.count(chunk);
    await this.request.write(chunk);
  }

  /** Sends bytes of a buffer filled again afterwards; resolves once the socket has taken them. */
  lend(chunk: Uint8Array): Promise<void> {
    this.count(chunk);
    return this.request.lend(chunk);
  }

  /**
   * Ends the bytes; resolves with the object GCS stored, checked against what was sent.
   * From here an abort gives the answer a short grace: the last byte is out, and only the
   * answer can say whether the object was stored (see `StreamedUploadOptions.signal`).
   */
  async finish(): Promise<FileMetadata> {
    const text = (await this.request.finish()).body.toString('utf8');
    const meta = JSON.parse(text) as FileMetadata;
    const stored = Number(meta.size ?? this.bytes);
    if (stored !== this.bytes) {
      await this.remove(meta);
      throw new FsError({
        kind: 'Unexpected',
        code: 'ECONNRESET',
        temporary: true,
        message: `the upload was stored with ${stored} of ${this.bytes} bytes; the object was removed`,
      });
    }
    const sent = this.hash.result();
    if (meta[sent.field] !== undefined && meta[sent.field] !== sent.value) {
      await this.remove(meta);
      throw new FsError({
        kind: 'Unexpected',
        code: 'EIO',
        temporary: true,
        message: 'the object was stored with other bytes than were sent; the object was removed',
      });
    }
    return meta;
  }

  /** Drops the data request and deletes the session (GCS then keeps nothing of it); failures are ignored. */
  async cancel(): Promise<void> {
    this.request.destroy(errors.aborted());
    try {
      await smallAnswer(
        this.uri,
        { method: 'DELETE', headers: await authHeaders(this.up.storage, this.uri) },
        this.up.timeouts,
      );
    } catch {
      // 499 is how GCS confirms a cancelled session; an expired one needs nothing either.
    }
  }

  private count(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.bytes += chunk.byteLength;
  }

  /** Removes the generation just stored (only that one: a later write replaces what is left). */
  private async remove(meta: FileMetadata): Promise<void> {
    if (meta.generation === undefined) return;
    await deleteObject(this.up, this.up.bucket, this.up.key, String(meta.generation)).catch(() => undefined);
  }
}
