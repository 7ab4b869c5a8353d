/**
 * Uploads: a body that fits in one part is one simple upload; a larger or unknown-length
 * one is a resumable upload session whose bytes stream in one request (the SDK's default:
 * no `chunkSize`), so memory stays near one part whatever the size, and a session that is
 * aborted or fails is cancelled, leaving no object behind (GCS never shows an unfinished
 * resumable upload). Appends upload the new bytes as a temporary object and compose it
 * onto the target.
 *
 * One request rather than one per chunk: each chunk of a chunked session is a request the
 * service must persist before answering, and fake-gcs-server re-stores the whole object so
 * far on every chunk (a 512 MiB upload in 8 MiB chunks cost it 49 s of CPU per GiB).
 */
import { randomBytes } from 'node:crypto';
import type { File, FileMetadata, Storage } from '@google-cloud/storage';
import { FsError, type Timeouts, type Writer, type WriteMode } from '@omnifs/core';
import { ChunkQueue, errors } from '@omnifs/core/backend';
import { mapGcsError } from './errors';
import { isUnauthenticated } from './options';
import { nativeCrc32cGenerator } from './checksum';
import { simpleUpload } from './upload';

/** Where an upload goes and how. */
export interface UploadContext {
  storage: Storage;
  bucket: string;
  key: string;
  /** The SDK's object (made on first use: simple uploads do without it). */
  readonly file: File;
  /** `create` sends `ifGenerationMatch: 0`, so an existing object fails the upload with `AlreadyExists`. */
  mode: WriteMode;
  /** Bodies up to this many bytes are one simple upload; larger ones stream through a resumable session. */
  partSize: number;
  userProject: string | undefined;
  metadata?: FileMetadata;
  signal?: AbortSignal | undefined;
  timeouts: Timeouts;
}

/**
 * What every upload sends. The bytes are checked against the stored object's CRC32C when
 * the client computes it natively (the filesystem's own client, `@node-rs/crc32` loaded),
 * else against its MD5, hashed by node:crypto: the SDK's own CRC32C is computed in
 * JavaScript byte by byte and cost more CPU than the rest of the upload (a 64 MiB upload:
 * 1.1 s of CPU, 0.3 s with MD5).
 */
function uploadOptions(ctx: UploadContext): Record<string, unknown> {
  const native = nativeCrc32cGenerator !== undefined && ctx.storage.crc32cGenerator === nativeCrc32cGenerator;
  return {
    validation: native ? 'crc32c' : 'md5',
    ...(ctx.mode === 'create' ? { preconditionOpts: { ifGenerationMatch: 0 } } : {}),
    ...(ctx.userProject !== undefined ? { userProject: ctx.userProject } : {}),
    ...(ctx.metadata !== undefined ? { metadata: ctx.metadata } : {}),
  };
}

/** A failed exclusive create means the object is there. */
function createConflict(err: unknown, ctx: UploadContext): unknown {
  if (ctx.mode === 'create' && mapGcsError(err).kind === 'ConditionNotMatch') {
    return errors.alreadyExists(`${ctx.bucket}/${ctx.key}`, err);
  }
  return err;
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Uploads a whole body in one simple (non-resumable) request (see {@link simpleUpload}). */
export async function putSingle(ctx: UploadContext, data: Uint8Array): Promise<void> {
  try {
    await simpleUpload(
      {
        storage: ctx.storage,
        bucket: ctx.bucket,
        key: ctx.key,
        create: ctx.mode === 'create',
        userProject: ctx.userProject,
        metadata: ctx.metadata,
        timeouts: ctx.timeouts,
      },
      data,
    );
  } catch (err) {
    throw createConflict(err, ctx);
  }
}

/** Cancels a resumable session (DELETE on its URI, answered with 499); failures are ignored. */
export async function cancelSession(storage: Storage, uri: string): Promise<void> {
  try {
    if (isUnauthenticated(storage)) await fetch(uri, { method: 'DELETE' });
    else await storage.authClient.request({ url: uri, method: 'DELETE' });
  } catch {
    // 499 is how GCS confirms a cancelled session; an expired one needs nothing either.
  }
}

type UploadStream = ReturnType<File['createWriteStream']>;

/**
 * A {@link Writer} for one GCS object.
 *
 * Behaviour:
 * - bytes are queued until more than `partSize` have come; a body that ends before is one
 *   simple upload at `close`;
 * - otherwise a resumable session is opened and its bytes stream through the SDK in one
 *   request (a failed request is resumed by the SDK from the offset the service confirms,
 *   when it still holds the bytes from there); `write` waits while the request is busy,
 *   so memory stays near one part;
 * - `abort`, a failure or `signal` destroys the stream and cancels the session: nothing
 *   appears under the name;
 * - with `mode: 'create'` the upload carries `ifGenerationMatch: 0` and fails with
 *   `AlreadyExists` when the object exists.
 */
export class GcsUploadWriter implements Writer {
  private readonly queue = new ChunkQueue();
  private stream: UploadStream | undefined;
  private uri: string | undefined;
  private failure: { error: unknown } | undefined;
  private done = false;
  private written = 0;

  constructor(private readonly ctx: UploadContext) {}

  /** The resumable session's URI once one is open. */
  get sessionUri(): string | undefined {
    return this.uri;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.check();
    this.written += chunk.byteLength;
    if (this.stream === undefined) {
      this.queue.push(chunk);
      if (this.queue.length <= this.ctx.partSize) return;
      this.open();
      chunk = this.queue.take();
    }
    await this.send(chunk);
  }

  async close(): Promise<void> {
    this.check();
    this.done = true;
    try {
      if (this.stream === undefined) {
        await putSingle(this.ctx, this.queue.take());
        return;
      }
      const stream = this.stream;
      await new Promise<void>((resolve, reject) => {
        stream.once('error', reject);
        stream.once('finish', resolve);
        stream.end();
      });
      this.uri = undefined;
      await this.checkStoredSize();
    } catch (err) {
      await this.cleanup();
      throw this.guard(err);
    }
  }

  async abort(): Promise<void> {
    this.done = true;
    await this.cleanup();
  }

  /** Starts the resumable upload; the SDK opens the session and tells its URI. */
  private open(): void {
    const stream = this.ctx.file.createWriteStream({
      ...uploadOptions(this.ctx),
      resumable: true,
    });
    stream.on('uri', (uri: string) => {
      this.uri = uri;
    });
    stream.on('error', (error: unknown) => {
      this.failure ??= { error };
    });
    this.stream = stream;
  }

  private async send(chunk: Uint8Array): Promise<void> {
    const stream = this.stream!;
    try {
      await new Promise<void>((resolve, reject) => {
        const onError = (err: unknown): void => reject(err);
        stream.once('error', onError);
        stream.write(asBuffer(chunk), (err) => {
          stream.off('error', onError);
          if (err) reject(err);
          else resolve();
        });
      });
      // The SDK opens the session on the first write: wait for its URI, so that an abort from now on can cancel it.
      if (this.uri === undefined) {
        await new Promise<void>((resolve, reject) => {
          stream.once('uri', () => resolve());
          stream.once('error', reject);
        });
      }
    } catch (err) {
      this.failure ??= { error: err };
      await this.cleanup();
      throw this.guard(err);
    }
  }

  private async cleanup(): Promise<void> {
    this.queue.take();
    const stream = this.stream;
    this.stream = undefined;
    if (stream !== undefined && !stream.destroyed) {
      stream.on('error', () => undefined);
      stream.destroy();
    }
    const uri = this.uri;
    this.uri = undefined;
    if (uri !== undefined) await cancelSession(this.ctx.storage, uri);
  }

  /**
   * Fails when the object stored holds fewer bytes than were written: a server that
   * finalised a session early (fake-gcs-server does on a status query) must not leave a
   * short object passing for the whole one. The short object is deleted.
   */
  private async checkStoredSize(): Promise<void> {
    const stored = Number(this.ctx.file.metadata?.size);
    if (!Number.isFinite(stored) || stored === this.written) return;
    const generation = this.ctx.file.metadata.generation;
    await this.ctx.file
      .delete(generation !== undefined ? { ifGenerationMatch: generation } : {})
      .catch(() => undefined);
    throw new FsError({
      kind: 'Unexpected',
      code: 'ECONNRESET',
      temporary: true,
      message: `the upload was stored with ${stored} of ${this.written} bytes; the object was removed`,
    });
  }

  /** The caller's abort wins over whatever the torn-down request reported; a failed create is AlreadyExists. */
  private guard(err: unknown): unknown {
    if (this.ctx.signal?.aborted) return errors.aborted(this.ctx.signal.reason);
    return createConflict(err, this.ctx);
  }

  private check(): void {
    if (this.done) throw errors.invalid('write after close or abort');
    if (this.failure !== undefined) throw this.guard(this.failure.error);
  }
}

/** Composite objects hold at most 1,024 components; from this many on, an append rewrites the object instead. */
export const MAX_APPEND_COMPONENTS = 1000;

/** The temporary object an append uploads its bytes to: hidden (a dot name) next to the target. */
export function appendPartFile(file: File): File {
  const slash = file.name.lastIndexOf('/');
  const name = `${file.name.slice(0, slash + 1)}.${file.name.slice(slash + 1)}.${randomBytes(6).toString('hex')}.omnifs-append`;
  return file.bucket.file(name);
}

/**
 * A {@link Writer} that appends to an existing object with compose, never downloading or
 * re-uploading what is there.
 *
 * Behaviour:
 * - the new bytes are uploaded as a temporary object next to the target
 *   (`.<name>.<random>.omnifs-append`, simple or resumable as any write);
 * - `close` composes `[target at the generation seen at open, temporary]` into the target
 *   with `ifGenerationMatch` on that generation, then deletes the temporary object, also
 *   when compose fails: an object replaced meanwhile fails with `ConditionNotMatch` and
 *   keeps the other writer's content;
 * - nothing written, or `abort`: the target is untouched and no temporary object remains;
 * - the result is a composite object: it has a CRC32C but no MD5.
 */
export class ComposeAppendWriter implements Writer {
  private readonly part: File;
  private readonly upload: GcsUploadWriter;
  private bytes = 0;

  /**
   * @param ctx the target object and how to upload
   * @param existing the target's metadata at open (its generation and content type)
   */
  constructor(
    private readonly ctx: UploadContext,
    private readonly existing: FileMetadata,
  ) {
    this.part = appendPartFile(ctx.file);
    this.upload = new GcsUploadWriter({
      ...ctx,
      file: this.part,
      bucket: this.part.bucket.name,
      key: this.part.name,
      mode: 'overwrite',
    });
  }

  async write(chunk: Uint8Array): Promise<void> {
    await this.upload.write(chunk);
    this.bytes += chunk.byteLength;
  }

  async close(): Promise<void> {
    if (this.bytes === 0) {
      await this.upload.abort();
      return;
    }
    await this.upload.close();
    const { file, userProject } = this.ctx;
    const generation = String(this.existing.generation);
    try {
      const target = file.bucket.file(file.name);
      if (this.existing.contentType !== undefined) target.metadata.contentType = this.existing.contentType;
      await file.bucket.combine([file.bucket.file(file.name, { generation: Number(generation) }), this.part], target, {
        ifGenerationMatch: generation,
        ...(userProject !== undefined ? { userProject } : {}),
      });
    } finally {
      await this.part.delete({ ignoreNotFound: true }).catch(() => undefined);
    }
  }

  async abort(): Promise<void> {
    await this.upload.abort();
    await this.part.delete({ ignoreNotFound: true }).catch(() => undefined);
  }
}
