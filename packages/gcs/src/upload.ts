/**
 * The simple upload, sent by omnifs itself: one multipart `POST` to the JSON API's upload
 * endpoint (`uploadType=multipart`: the object's metadata as JSON, then its bytes),
 * authorized by the SDK's auth client and sent over core's keep-alive pool. It writes
 * what the SDK's `file.save({ resumable: false })` writes, at a fraction of its CPU:
 *
 * - the content type comes from the name as the SDK finds it (`mime`), else
 *   `application/octet-stream`; the object's own metadata (`metadata.metadata`) is kept;
 * - the body's MD5 goes in the metadata, so GCS refuses bytes damaged on the way; the
 *   MD5 GCS answers is checked too, and an object stored with other bytes is removed
 *   (only that generation) and the write fails with a temporary error;
 * - `mode: 'create'` adds `ifGenerationMatch=0`;
 * - retries follow the Storage client's `retryOptions` as `file.save` does: `autoRetry`,
 *   `maxRetries`, `maxRetryDelay`, `totalTimeout`, `retryableErrorFn`, and
 *   `idempotencyStrategy` (by default a write is retried only when `ifGenerationMatch`
 *   makes it idempotent: an exclusive create).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FileMetadata } from '@google-cloud/storage';
import { FsError } from '@omnifs/core';
import { smallAnswer } from '@omnifs/core/backend';
import mime from 'mime';
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

/** The multipart/related body: the metadata as JSON, then the bytes. */
function multipartBody(metadata: FileMetadata, contentType: string, data: Uint8Array): { type: string; body: Buffer } {
  const boundary = `omnifs-${randomBytes(12).toString('hex')}`;
  const head =
    `--${boundary}\r\ncontent-type: application/json; charset=UTF-8\r\n\r\n${JSON.stringify(metadata)}\r\n` +
    `--${boundary}\r\ncontent-type: ${contentType}\r\n\r\n`;
  return {
    type: `multipart/related; boundary=${boundary}`,
    body: Buffer.concat([Buffer.from(head), data, Buffer.from(`\r\n--${boundary}--\r\n`)]),
  };
}

/** One attempt: the object's metadata as GCS answers it, or the error as the SDK would raise it. */
async function attempt(up: SimpleUpload, data: Uint8Array, md5: string): Promise<FileMetadata> {
  const q = new URLSearchParams({ uploadType: 'multipart', name: up.key });
  if (up.create) q.set('ifGenerationMatch', '0');
  if (up.userProject !== undefined) q.set('userProject', up.userProject);
  const url = `${up.storage.apiEndpoint}/upload/storage/v1/b/${encodeURIComponent(up.bucket)}/o?${q}`;
  const contentType = up.metadata?.contentType ?? typeOf(up.key);
  const { type, body } = multipartBody({ ...up.metadata, contentType, md5Hash: md5 }, contentType, data);
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
  const md5 = createHash('md5').update(data).digest('base64');
  const retries = retriesFor(up.storage, up.create ? 'conditional write' : 'write');
  const meta = await withRetries(up.storage, retries, () => attempt(up, data, md5));
  if (meta.md5Hash !== undefined && meta.md5Hash !== md5) {
    if (meta.generation !== undefined) {
      // Only that generation; the write fails anyway, and a later write replaces what is left.
      await deleteObject(up, up.bucket, up.key, String(meta.generation)).catch(() => undefined);
    }
    throw new FsError({
      kind: 'Unexpected',
      code: 'EIO',
      temporary: true,
      message: `the object was stored with MD5 ${meta.md5Hash}, not the ${md5} of the bytes sent; it was removed`,
    });
  }
  return meta;
}
