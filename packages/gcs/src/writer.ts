/**
 * Uploads: a body that fits in one part is one simple upload; a larger or unknown-length
 * one is a resumable upload session whose bytes stream in one request (both sent by omnifs
 * itself, see upload.ts), so memory stays near one part whatever the size, and a session that is
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
import type { Timeouts, Writer, WriteMode } from '@omnifs/core';
import { abortedWrite, ChunkQueue, errors, LentBuffers, type FillableWriter } from '@omnifs/core/backend';
import { mapGcsError } from './errors';
import { ResumableUpload, simpleUpload, type SimpleUpload } from './upload';

/** Where an upload goes and how. */
export interface UploadContext {
  storage: Storage;
  bucket: string;
  key: string;
  /** The SDK's object (made on first use: appends compose with it, uploads do without). */
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

/** A failed exclusive create means the object is there. */
function createConflict(err: unknown, ctx: UploadContext): unknown {
  if (ctx.mode === 'create' && mapGcsError(err).kind === 'ConditionNotMatch') {
    return errors.alreadyExists(`${ctx.bucket}/${ctx.key}`, err);
  }
  return err;
}

/** What the uploads omnifs sends itself need of the context. */
function uploadOf(ctx: UploadContext): SimpleUpload {
  return {
    storage: ctx.storage,
    bucket: ctx.bucket,
    key: ctx.key,
    create: ctx.mode === 'create',
    userProject: ctx.userProject,
    metadata: ctx.metadata,
    timeouts: ctx.timeouts,
  };
}

/** Uploads a whole body in one simple (non-resumable) request (see {@link simpleUpload}). */
export async function putSingle(ctx: UploadContext, data: Uint8Array): Promise<void> {
  try {
    await simpleUpload(uploadOf(ctx), data);
  } catch (err) {
    throw createConflict(err, ctx);
  }
}

/**
 * A {@link Writer} for one GCS object.
 *
 * Behaviour:
 * - bytes are queued until more than `partSize` have come; a body that ends before is one
 *   simple upload at `close`;
 * - otherwise a resumable session is opened and its bytes stream in one request (see
 *   {@link ResumableUpload}); `write` waits while the request is busy, so memory stays
 *   near one part;
 * - a source larger than `partSize` (a local file) is read into the writer's own buffers
 *   instead (`space` / `filled`), sent as they fill: nothing is allocated or copied per chunk;
 * - `abort`, a failure or `signal` ends the request and cancels the session: nothing
 *   appears under the name;
 * - with `mode: 'create'` the session carries `ifGenerationMatch=0` and the upload fails
 *   with `AlreadyExists` when the object exists.
 */
export class GcsUploadWriter implements FillableWriter {
  private readonly queue = new ChunkQueue();
  private session: ResumableUpload | undefined;
  private lent: LentBuffers | undefined;
  private failure: { error: unknown } | undefined;
  private done = false;

  constructor(private readonly ctx: UploadContext) {}

  /** Sources of more than one part are resumable uploads: they fill the writer's buffers. */
  get fillsFrom(): number {
    return this.ctx.partSize;
  }

  /** The resumable session's URI once one is open. */
  get sessionUri(): string | undefined {
    return this.session?.uri;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.check();
    if (this.lent !== undefined) throw errors.invalid('write on a writer being filled');
    try {
      if (this.session === undefined) {
        this.queue.push(chunk);
        if (this.queue.length <= this.ctx.partSize) return;
        chunk = this.queue.take();
      }
      await (await this.opened()).write(chunk);
    } catch (err) {
      throw await this.fail(err);
    }
  }

  /** Room to read into: the rest of the buffer being filled (buffers are reused, none copied). */
  space(): Uint8Array {
    this.check();
    if (this.queue.length > 0 || (this.session !== undefined && this.lent === undefined))
      throw errors.invalid('space on a writer being written');
    this.lent ??= new LentBuffers((data) => this.session!.lend(data));
    return this.lent.space();
  }

  /** A full buffer is sent (the session opened first); resolves once the next one is free to fill. */
  async filled(n: number): Promise<void> {
    this.check();
    if (this.lent === undefined) throw errors.invalid(`filled(${n}) is more than the room lent`);
    if (!this.lent.take(n)) return;
    try {
      await this.opened();
      await this.lent.next();
    } catch (err) {
      throw await this.fail(err);
    }
  }

  async close(): Promise<void> {
    this.check();
    this.done = true;
    try {
      if (this.session === undefined && this.lent === undefined) {
        await putSingle(this.ctx, this.queue.take());
        return;
      }
      const session = await this.opened();
      await this.lent?.flush();
      await session.finish();
      this.session = undefined;
      this.release();
    } catch (err) {
      await this.cleanup();
      throw this.guard(err);
    }
  }

  async abort(): Promise<void> {
    this.done = true;
    await this.cleanup();
  }

  /** The resumable session, opened on first use. */
  private async opened(): Promise<ResumableUpload> {
    this.session ??= await ResumableUpload.open(uploadOf(this.ctx), this.ctx.signal);
    return this.session;
  }

  /** Records a failure and cleans up; returns the error to throw. */
  private async fail(err: unknown): Promise<unknown> {
    this.failure ??= { error: err };
    await this.cleanup();
    return this.guard(err);
  }

  private async cleanup(): Promise<void> {
    this.queue.take();
    const session = this.session;
    this.session = undefined;
    await session?.cancel();
    this.release();
  }

  /** Gives the lent buffers back once no send reads them. */
  private release(): void {
    this.lent?.release();
    this.lent = undefined;
  }

  /**
   * The caller's abort wins over whatever the torn-down request reported (unless that is
   * the abort's own error: one after the last byte says the object may be stored); a
   * failed create is AlreadyExists.
   */
  private guard(err: unknown): unknown {
    if (this.ctx.signal?.aborted) return abortedWrite(this.ctx.signal, err);
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
