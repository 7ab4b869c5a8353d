/**
 * The HDFS writer: a file's bytes streamed in one datanode request (two-step CREATE or
 * APPEND), with bounded memory; new content lands under a temporary name and is renamed
 * into place on close. A new file that ends within {@link WHOLE_WRITE_LIMIT} bytes is one
 * CREATE carrying its bytes, then the RENAME: no request beyond those.
 */
import { isFsError, type WriteMode, type Writer } from '@omnifs/core';
import {
  ChunkQueue,
  errors,
  LentBuffers,
  outsideSignal,
  partBuffers,
  temporarySibling,
  throwIfAborted,
  type FillableWriter,
} from '@omnifs/core/backend';
import type { DatanodeUpload, Params, WebHdfsClient } from './client';
import { mapHdfsError } from './errors';

/** What {@link HdfsWriter.open} needs. */
export interface HdfsWriterOptions {
  mode: WriteMode;
  /** Add to the existing file with APPEND (a missing file is created). */
  append: boolean;
  /** CREATE parameters: replication, blocksize, buffersize, permission. */
  createParams: Params;
  /** APPEND parameters: buffersize. */
  appendParams: Params;
  /** With `mode: 'create'`: kept as the extended attribute `user.omnifs.write-id` (a resent create knows its file). */
  writeId?: string;
}

/** A new file whose bytes all came by this many is written whole at `close` (one CREATE with its bytes). */
export const WHOLE_WRITE_LIMIT = 1024 * 1024;

/** The extended attribute that holds a create's write id. */
export const WRITE_ID_XATTR = 'user.omnifs.write-id';

/** The write id kept with a file by an exclusive create, if any. */
export async function readWriteId(client: WebHdfsClient, path: string): Promise<string | undefined> {
  type XAttrs = { XAttrs?: Array<{ name?: string; value?: string | null }> };
  const body = await client.json<XAttrs>('GET', path, 'GETXATTRS', { encoding: 'hex' });
  const value = body.XAttrs?.find((x) => x.name === WRITE_ID_XATTR)?.value;
  return typeof value === 'string' && value.startsWith('0x')
    ? Buffer.from(value.slice(2), 'hex').toString('utf8')
    : undefined;
}

/**
 * A {@link Writer} for one HDFS file.
 *
 * Behaviour:
 * - overwrite and create: the bytes go to a temporary sibling (created empty, then
 *   appended to), renamed onto the target on
 *   `close` (RENAME with `renameoptions=OVERWRITE` for overwrite; a plain RENAME, which
 *   fails when the target exists, for create), so readers never see a half-written file;
 *   `abort` cuts the datanode request and deletes the temporary file, also while `close`
 *   runs (it waits for that `close`, which then renames nothing unless its RENAME was
 *   already sent); the deletes run outside the operation's signal, so an aborted
 *   operation still removes its temporary file;
 * - create fails with `AlreadyExists` when the target exists at open or at close;
 * - append: APPEND streams the bytes onto the end of the existing file (a missing file is
 *   created); bytes the datanode already took stay there after `abort` (HDFS cannot take
 *   them back), the existing content is never touched;
 * - a directory as the target is `IsADirectory`.
 */
export class HdfsWriter implements FillableWriter {
  /** Sources above 1 MiB fill the lent buffers (see {@link NewFileWriter.fillsFrom}). */
  readonly fillsFrom = WHOLE_WRITE_LIMIT;
  private done = false;
  /** Set by `abort`: a `close` under way renames nothing from then on. */
  private aborted = false;
  /** The `close` under way, waited for by an `abort` that comes meanwhile. */
  private closing: Promise<void> | undefined;
  /** The buffers lent to a reader, each sent whole and filled again once the socket took it. */
  private lent: LentBuffers | undefined;

  private constructor(
    private readonly client: WebHdfsClient,
    private readonly target: string,
    /** Where the bytes are written: a temporary sibling, or the target itself when appending. */
    private readonly written: string,
    private readonly mode: WriteMode | 'append',
    /** The open datanode request; undefined when the bytes are already written. */
    private readonly upload: DatanodeUpload | undefined,
    private readonly writeId?: string,
    /** Aborted by the writer that owns this one: as `abort`, for a `close` under way. */
    private readonly cancel?: AbortSignal,
  ) {}

  /**
   * A writer for `path`. Appends stream at once (APPEND onto the file). A new file's bytes
   * are held until more than {@link WHOLE_WRITE_LIMIT} have come: a file that ends before
   * is written whole at `close`; a larger one streams (see {@link HdfsWriter.stream}).
   * `mode: 'create'` looks at the target first, so an existing one (a directory too) fails
   * with `AlreadyExists` before any byte.
   */
  static async open(client: WebHdfsClient, path: string, options: HdfsWriterOptions): Promise<Writer> {
    if (options.append) {
      try {
        const location = await client.dataLocation('POST', path, 'APPEND', options.appendParams);
        // A gateway (HttpFS) redirects to itself (`data=true`) without looking at the file:
        // its absence would show only once the bytes are on their way, so it is looked at now.
        if (new URL(location, client.base).searchParams.get('data') === 'true') {
          if ((await client.status(path)).type === 'DIRECTORY') throw errors.isADirectory(path);
        }
        return new HdfsWriter(client, path, path, 'append', client.upload(location, 'POST', 'APPEND'));
      } catch (err) {
        // A missing file is created; an appended-to directory is reported as one.
        if (!isFsError(mapHdfsError(err), 'NotFound')) throw err;
        const existing = await client.status(path).catch(() => undefined);
        if (existing?.type === 'DIRECTORY') throw errors.isADirectory(path);
      }
    } else if (options.mode === 'create') {
      const existing = await client.status(path).catch((err: unknown) => {
        if (isFsError(mapHdfsError(err), 'NotFound')) return undefined;
        throw err;
      });
      if (existing !== undefined) throw errors.alreadyExists(path);
    }
    return new NewFileWriter(client, path, options);
  }

  /**
   * Opens the datanode stream of a new file: its temporary sibling is created empty first
   * and the bytes are APPENDed to it, because the datanode creates a file only after it
   * has read the data request's headers, so a file created by the streaming request
   * itself could appear after an abort's DELETE. `cancel` is looked at after each step:
   * once it is aborted, the temporary file is deleted and no datanode request opens (the
   * promise rejects with `Aborted`).
   */
  static async stream(
    client: WebHdfsClient,
    path: string,
    options: HdfsWriterOptions,
    cancel?: AbortSignal,
  ): Promise<HdfsWriter> {
    const temp = await HdfsWriter.createTemporary(client, path, options, new Uint8Array(0));
    try {
      throwIfAborted(cancel);
      const location = await client.dataLocation('POST', temp, 'APPEND', options.appendParams);
      throwIfAborted(cancel);
      const upload = client.upload(location, 'POST', 'APPEND');
      return new HdfsWriter(client, path, temp, options.mode, upload, options.writeId, cancel);
    } catch (err) {
      await deleteQuietly(client, temp);
      throw err;
    }
  }

  /**
   * Writes a whole file from memory: one CREATE of a temporary sibling carrying the bytes,
   * renamed into place. The target is not looked at first: the RENAME refuses a directory
   * (and, for create, an existing file), and only then is the target looked at, to say why.
   * Once `cancel` is aborted, the temporary file is deleted instead of renamed.
   */
  static async writeWhole(
    client: WebHdfsClient,
    path: string,
    data: Uint8Array,
    options: HdfsWriterOptions,
    cancel?: AbortSignal,
  ): Promise<void> {
    const temp = await HdfsWriter.createTemporary(client, path, options, data);
    const writer = new HdfsWriter(client, path, temp, options.mode, undefined, options.writeId, cancel);
    await writer.close();
  }

  /** Creates the temporary sibling of `path` holding `data`; returns its path. */
  private static async createTemporary(
    client: WebHdfsClient,
    path: string,
    options: HdfsWriterOptions,
    data: Uint8Array,
  ): Promise<string> {
    const temp = temporarySibling(path);
    const params = { ...options.createParams, overwrite: false };
    let sent = false;
    try {
      await client.sendWhole('PUT', temp, 'CREATE', params, data, () => (sent = true));
    } catch (err) {
      // The namenode's step only redirects: a failure before the datanode's creates nothing.
      if (sent) await deleteQuietly(client, temp);
      throw err;
    }
    return temp;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.done) throw errors.invalid('write after close or abort');
    if (this.lent !== undefined) throw errors.invalid('write on a writer being filled');
    try {
      await this.upload!.write(chunk);
    } catch (err) {
      await this.discard();
      throw err;
    }
  }

  /** Room to read into: the rest of the buffer being filled (buffers are reused, none copied). */
  space(): Uint8Array {
    if (this.done) throw errors.invalid('write after close or abort');
    this.lent ??= new LentBuffers((data) => this.upload!.lend(data));
    return this.lent.space();
  }

  /** A full buffer is sent; resolves once the next one is free to fill. */
  async filled(n: number): Promise<void> {
    if (this.done) throw errors.invalid('write after close or abort');
    if (this.lent === undefined) throw errors.invalid(`filled(${n}) is more than the room lent`);
    if (!this.lent.take(n)) return;
    try {
      await this.lent.next();
    } catch (err) {
      await this.discard();
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.done) throw errors.invalid('write after close or abort');
    this.done = true;
    this.closing = this.finish();
    return this.closing;
  }

  /** Ends the datanode request and renames the temporary file into place, unless aborted first. */
  private async finish(): Promise<void> {
    try {
      await this.lent?.flush();
      await this.upload?.finish();
      this.throwIfAborted();
      if (this.mode !== 'append') await this.commit();
    } catch (err) {
      await this.removeTemporary();
      throw err;
    } finally {
      this.releaseLent();
    }
  }

  /**
   * Sends `data` whole before anything else, from a buffer its caller reuses: resolves
   * once the socket has taken all of it.
   */
  async lendFirst(data: Uint8Array): Promise<void> {
    if (this.done) throw errors.invalid('write after close or abort');
    if (this.lent !== undefined) throw errors.invalid('write on a writer being filled');
    try {
      await this.upload!.lend(data);
    } catch (err) {
      await this.discard();
      throw err;
    }
  }

  /** Gives the lent buffers back to the shared pool once none of their sends can read them. */
  private releaseLent(): void {
    this.lent?.release();
    this.lent = undefined;
  }

  /**
   * Drops the write: the datanode request is cut and the temporary file deleted. While
   * `close` runs, that `close` is waited for: it then fails with `Aborted` and deletes the
   * temporary file itself, unless its RENAME was already sent.
   */
  async abort(): Promise<void> {
    this.aborted = true;
    if (this.closing !== undefined) return this.abortClosing(this.closing);
    if (this.done) return;
    this.done = true;
    await this.discard();
  }

  /** An abort while `closing` runs: its datanode request is cut, and it is waited for. */
  private async abortClosing(closing: Promise<void>): Promise<void> {
    this.upload?.destroy(errors.aborted());
    await closing.catch(() => undefined);
  }

  /** Throws `Aborted` once `abort` was called, or the owner's `cancel` aborted. */
  private throwIfAborted(): void {
    if (this.aborted) throw errors.aborted();
    throwIfAborted(this.cancel);
  }

  /**
   * Renames the temporary file onto the target: `OVERWRITE` replaces a file, `NONE`
   * (create) refuses an existing one; both refuse a directory. When the RENAME fails, the
   * target is looked at to say why. An abort before the RENAME is sent stops it.
   */
  private async commit(): Promise<void> {
    if (this.mode === 'create' && this.writeId !== undefined) {
      const value = `0x${Buffer.from(this.writeId, 'utf8').toString('hex')}`;
      const params = { 'xattr.name': WRITE_ID_XATTR, 'xattr.value': value, flag: 'CREATE' };
      await this.client.answer('PUT', this.written, 'SETXATTR', params);
      this.throwIfAborted();
    }
    try {
      await this.client.rename(this.written, this.target, this.mode === 'overwrite');
    } catch (err) {
      const now = await this.client.status(this.target).catch(() => undefined);
      if (now !== undefined && this.mode === 'create') throw errors.alreadyExists(this.target);
      if (now?.type === 'DIRECTORY') throw errors.isADirectory(this.target);
      throw err;
    }
  }

  /** Drops what was written: the connection is cut and the temporary file deleted. */
  private async discard(): Promise<void> {
    this.done = true;
    this.upload?.destroy();
    this.releaseLent();
    await this.removeTemporary();
  }

  private async removeTemporary(): Promise<void> {
    if (this.written === this.target) return;
    await deleteQuietly(this.client, this.written);
  }
}

/**
 * Deletes a temporary file, whatever the outcome (a missing file is no failure), outside
 * the signal of the operation in progress: the cleanup of an aborted operation must not
 * be aborted by that very signal.
 */
async function deleteQuietly(client: WebHdfsClient, path: string): Promise<void> {
  await outsideSignal(() => client.bool('DELETE', path, 'DELETE', { recursive: false })).catch(() => false);
}

/**
 * A new file's writer until it knows its size class: bytes are held while at most
 * {@link WHOLE_WRITE_LIMIT} have come; `close` then writes them whole (one CREATE and the
 * RENAME); one more byte opens the stream ({@link HdfsWriter.stream}) and hands it over.
 * `abort` before then sends nothing; while the stream opens or the whole write runs, it
 * stops them at their next step and waits for them, so once it has settled neither the
 * temporary file nor an open datanode request is left.
 */
class NewFileWriter implements FillableWriter {
  /**
   * Sources above {@link WHOLE_WRITE_LIMIT} are read into the writer's buffers, whatever
   * the `partSize` (the size of download parts here); smaller ones come in chunks, held
   * until `close` writes them whole.
   */
  readonly fillsFrom = WHOLE_WRITE_LIMIT;
  private readonly held = new ChunkQueue();
  /** What a reader fills before the size is known: one byte more than {@link WHOLE_WRITE_LIMIT}. */
  private first: Buffer | undefined;
  private firstFill = 0;
  private streaming: HdfsWriter | undefined;
  /** The stream being opened, or opened: what `abort` waits for and aborts. */
  private starting: Promise<HdfsWriter> | undefined;
  /** The whole write `close` started, waited for by `abort`. */
  private closing: Promise<void> | undefined;
  /** Aborted by `abort`: the stream being opened and the whole write stop at their next step. */
  private readonly cancel = new AbortController();
  private done = false;

  constructor(
    private readonly client: WebHdfsClient,
    private readonly path: string,
    private readonly options: HdfsWriterOptions,
  ) {}

  async write(chunk: Uint8Array): Promise<void> {
    if (this.done) throw errors.invalid('write after close or abort');
    if (this.streaming !== undefined) return this.streaming.write(chunk);
    if (this.first !== undefined) throw errors.invalid('write on a writer being filled');
    this.held.push(chunk);
    if (this.held.length <= WHOLE_WRITE_LIMIT) return;
    const streaming = await this.startStream();
    await streaming.write(this.held.take());
  }

  space(): Uint8Array {
    if (this.done) throw errors.invalid('write after close or abort');
    if (this.streaming !== undefined) return this.streaming.space();
    if (this.held.length > 0) throw errors.invalid('space on a writer being written');
    this.first ??= partBuffers.take(WHOLE_WRITE_LIMIT + 1);
    return this.first.subarray(this.firstFill);
  }

  /** Once more than {@link WHOLE_WRITE_LIMIT} bytes are filled, the stream opens with them. */
  async filled(n: number): Promise<void> {
    if (this.streaming !== undefined) return this.streaming.filled(n);
    if (this.done) throw errors.invalid('write after close or abort');
    const first = this.first;
    if (first === undefined || !Number.isInteger(n) || n < 0 || this.firstFill + n > first.byteLength)
      throw errors.invalid(`filled(${n}) is more than the room lent`);
    this.firstFill += n;
    if (this.firstFill <= WHOLE_WRITE_LIMIT) return;
    this.first = undefined;
    try {
      const streaming = await this.startStream();
      await streaming.lendFirst(first);
    } finally {
      partBuffers.give(first); // taken by the socket, or never sent
    }
  }

  /**
   * Opens the stream; `Aborted` when `abort` came meanwhile (the stream, if it opened, is
   * then `abort`'s to drop).
   */
  private async startStream(): Promise<HdfsWriter> {
    this.starting = HdfsWriter.stream(this.client, this.path, this.options, this.cancel.signal);
    const streaming = await this.starting;
    throwIfAborted(this.cancel.signal);
    this.streaming = streaming;
    return streaming;
  }

  async close(): Promise<void> {
    if (this.done) throw errors.invalid('write after close or abort');
    if (this.streaming !== undefined) return this.streaming.close();
    this.done = true;
    const first = this.first;
    this.first = undefined;
    const data = first !== undefined ? first.subarray(0, this.firstFill) : this.held.take();
    this.closing = this.writeWhole(data, first);
    return this.closing;
  }

  /** Writes `data` whole; `first`, the buffer holding it if any, goes back to the pool once the request ended. */
  private async writeWhole(data: Uint8Array, first: Buffer | undefined): Promise<void> {
    try {
      await HdfsWriter.writeWhole(this.client, this.path, data, this.options, this.cancel.signal);
    } finally {
      if (first !== undefined) partBuffers.give(first); // the request carrying it has ended
    }
  }

  /**
   * Drops the write. Held bytes are let go; a stream being opened is waited for and
   * aborted (its temporary file deleted, its datanode request cut), and so is the open
   * stream; a whole write under way stops before its RENAME and is waited for.
   */
  async abort(): Promise<void> {
    this.done = true;
    this.cancel.abort();
    this.held.take();
    if (this.first !== undefined) partBuffers.give(this.first); // never sent
    this.first = undefined;
    const streaming = await this.starting?.catch(() => undefined);
    await streaming?.abort();
    await this.closing?.catch(() => undefined);
  }
}
