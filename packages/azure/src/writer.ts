/**
 * Uploads: block blobs through core's MultipartWriter (one Put Blob for small files,
 * Put Block + Put Block List otherwise), and appends to append blobs in blocks of at
 * most 4 MiB.
 */
import { randomBytes } from 'node:crypto';
import type {
  AppendBlobClient,
  BlobGetPropertiesResponse,
  BlockBlobClient,
  BlockBlobCommitBlockListOptions,
  BlockBlobUploadOptions,
} from '@azure/storage-blob';
import { FsError, type Writer, type WriteMode } from '@omnifs/core';
import { ChunkQueue, concatBytes, errors, type MultipartTarget } from '@omnifs/core/backend';
import type { BlobWrite, LeanAzureClient } from './client';
import { contentTypeOf } from './content';
import { azureErrorCode, azureStatus } from './errors';
import { MAX_APPEND_BLOCK_SIZE } from './options';
import { readBlob } from './reader';

/** Most blocks one block blob can have. */
export const MAX_BLOCKS = 50_000;

/** Where a block-blob upload goes and how. */
export interface UploadContext {
  blob: BlockBlobClient;
  /** The lean request path, when it is on: Put Blob, Put Block and Put Block List go on it. */
  lean?: LeanAzureClient | undefined;
  container: string;
  /** The blob's name in its container. */
  name: string;
  /** `container/blob`, for messages. */
  path: string;
  /** `create` sends `If-None-Match: *` on the Put Blob or the Put Block List. */
  mode: WriteMode;
  signal?: AbortSignal;
  /** Kept in the blob's metadata (`omnifswriteid`), so a resent create recognises its blob. */
  writeId?: string;
}

/** The metadata key of the write id: Azure metadata names are C# identifiers, without `-`. */
export const AZURE_WRITE_ID_KEY = 'omnifswriteid';

/** A failed conditional create means the blob appeared in the meantime. */
function createConflict(err: unknown, ctx: UploadContext): unknown {
  const code = azureErrorCode(err);
  if (ctx.mode === 'create' && (code === 'BlobAlreadyExists' || code === 'ConditionNotMet'))
    return errors.alreadyExists(ctx.path, err);
  return err;
}

const signalOf = (signal: AbortSignal | undefined): { abortSignal?: AbortSignal } =>
  signal ? { abortSignal: signal } : {};

/**
 * The {@link MultipartTarget} of one block blob.
 *
 * Behaviour:
 * - `putSingle` is one Put Blob; `uploadPart` stages a block (Put Block) under an id
 *   unique to this upload; `complete` commits the blocks in order (Put Block List);
 * - with `mode: 'create'` the committing request carries `If-None-Match: *`, so an
 *   existing blob makes it fail with `AlreadyExists`;
 * - `abort` does nothing: blocks never committed are not part of any blob and the
 *   service discards them (after a week at most); the blob keeps its old content.
 */
export class AzureBlockTarget implements MultipartTarget<string> {
  /** Ids of one upload share a random prefix, so concurrent uploads to one blob never mix blocks. */
  private prefix: string | undefined;

  /** The type the blob is committed with, from its name. */
  private readonly contentType: string;

  constructor(private readonly ctx: UploadContext) {
    this.contentType = contentTypeOf(ctx.name);
  }

  private get conditions(): { conditions?: { ifNoneMatch: string }; metadata?: Record<string, string> } {
    const tagged = this.ctx.writeId === undefined ? {} : { metadata: { [AZURE_WRITE_ID_KEY]: this.ctx.writeId } };
    return this.ctx.mode === 'create' ? { conditions: { ifNoneMatch: '*' }, ...tagged } : {};
  }

  /** The lean path's form of {@link conditions}, with the content type. */
  private get leanConditions(): BlobWrite {
    const c = this.conditions;
    return {
      ...(c.conditions ? { ifNoneMatch: true } : {}),
      ...(c.metadata ? { metadata: c.metadata } : {}),
      contentType: this.contentType,
    };
  }

  /** The SDK's options of a committing call: {@link conditions}, the content type, the signal. */
  private get sdkOptions(): BlockBlobUploadOptions & BlockBlobCommitBlockListOptions {
    return { ...this.conditions, blobHTTPHeaders: { blobContentType: this.contentType }, ...signalOf(this.ctx.signal) };
  }

  async putSingle(data: Uint8Array): Promise<void> {
    const { lean, container, name, signal } = this.ctx;
    try {
      if (lean !== undefined) await lean.put(container, name, data, this.leanConditions, signal);
      else await this.ctx.blob.upload(data, data.byteLength, this.sdkOptions);
    } catch (err) {
      throw createConflict(err, this.ctx);
    }
  }

  async initiate(): Promise<void> {}

  async uploadPart(partNumber: number, data: Uint8Array): Promise<string> {
    if (partNumber > MAX_BLOCKS)
      throw errors.invalid(`a block blob has at most ${MAX_BLOCKS} blocks: raise partSize for files this large`);
    // Every id of a blob must have the same length: 24 hex + '-' + 6 digits, base64.
    this.prefix ??= randomBytes(12).toString('hex');
    const id = Buffer.from(`${this.prefix}-${String(partNumber).padStart(6, '0')}`).toString('base64');
    const { lean, container, name, signal } = this.ctx;
    if (lean !== undefined) await lean.putBlock(container, name, id, data, signal);
    else await this.ctx.blob.stageBlock(id, data, data.byteLength, signalOf(signal));
    return id;
  }

  async complete(ids: string[]): Promise<void> {
    const { lean, container, name, signal } = this.ctx;
    try {
      if (lean !== undefined) await lean.putBlockList(container, name, ids, this.leanConditions, signal);
      else await this.ctx.blob.commitBlockList(ids, this.sdkOptions);
    } catch (err) {
      throw createConflict(err, this.ctx);
    }
  }

  async abort(): Promise<void> {}
}

/**
 * Turns a block (or page) blob into an append blob with the same content, so `ab` can
 * append to it: a snapshot keeps the old content, the blob is replaced by an empty append
 * blob (only if it still has the ETag seen), the snapshot's bytes are appended, and the
 * snapshot is deleted. Should that fail halfway, the error names the snapshot that still
 * holds the old content.
 */
async function convertToAppendBlob(
  blob: AppendBlobClient,
  props: BlobGetPropertiesResponse,
  path: string,
  signal?: AbortSignal,
): Promise<number> {
  const { snapshot } = await blob.createSnapshot({ conditions: { ifMatch: props.etag! }, ...signalOf(signal) });
  const old = blob.withSnapshot(snapshot!);
  await blob.create({
    conditions: { ifMatch: props.etag! },
    ...(props.contentType !== undefined ? { blobHTTPHeaders: { blobContentType: props.contentType } } : {}),
    ...signalOf(signal),
  });
  const appender = new AppendBlobWriter(blob, 0, signal);
  try {
    for await (const chunk of readBlob(old, 0, undefined, signal)) await appender.write(chunk); // a snapshot never changes
    await appender.flush();
  } catch (err) {
    throw new FsError({
      kind: 'Unexpected',
      message: `converting ${path} to an append blob failed after ${appender.position} of ${props.contentLength ?? 0} bytes; its old content is kept in snapshot ${snapshot}`,
      cause: err,
      temporary: false,
    });
  }
  await old.delete({ ...signalOf(signal) });
  return appender.position;
}

/**
 * Opens `blob` for appending: a missing blob becomes an empty append blob, an append blob
 * is appended to, and a block blob is first converted (see `convertToAppendBlob`).
 */
export async function openAppendWriter(
  blob: AppendBlobClient,
  path: string,
  signal?: AbortSignal,
): Promise<AppendBlobWriter> {
  let props: BlobGetPropertiesResponse;
  try {
    props = await blob.getProperties(signalOf(signal));
  } catch (err) {
    if (azureStatus(err) !== 404) throw err;
    try {
      const blobHTTPHeaders = { blobContentType: contentTypeOf(blob.name) };
      await blob.create({ conditions: { ifNoneMatch: '*' }, blobHTTPHeaders, ...signalOf(signal) });
      return new AppendBlobWriter(blob, 0, signal);
    } catch (createErr) {
      if (azureErrorCode(createErr) !== 'BlobAlreadyExists') throw createErr;
      props = await blob.getProperties(signalOf(signal)); // another writer created it first
    }
  }
  if (props.blobType === 'AppendBlob') return new AppendBlobWriter(blob, props.contentLength ?? 0, signal);
  return new AppendBlobWriter(blob, await convertToAppendBlob(blob, props, path, signal), signal);
}

/**
 * A {@link Writer} that appends to an append blob.
 *
 * Behaviour:
 * - bytes are sent in Append Block requests of up to 4 MiB as they accumulate, the rest
 *   on `close`; memory stays below 4 MiB;
 * - each request carries the append position it expects, so a request the SDK repeated
 *   after a lost response can never add its bytes twice: when the position no longer
 *   matches, the bytes now at that position are compared with the ones sent, and equal
 *   bytes count as appended; anything else (another writer appended meanwhile) fails
 *   with `ConditionNotMatch`;
 * - `abort` drops what was not sent yet; blocks already appended stay (an append blob
 *   cannot take them back), the content that was there before is never touched.
 */
export class AppendBlobWriter implements Writer {
  private readonly queue = new ChunkQueue();
  private done = false;

  constructor(
    private readonly blob: AppendBlobClient,
    private offset: number,
    private readonly signal?: AbortSignal,
  ) {}

  /** Size of the blob once the bytes sent so far have landed. */
  get position(): number {
    return this.offset;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.done) throw errors.invalid('write after close or abort');
    this.queue.push(chunk);
    while (this.queue.length >= MAX_APPEND_BLOCK_SIZE) await this.append(this.queue.take(MAX_APPEND_BLOCK_SIZE));
  }

  /** Sends everything written so far. */
  async flush(): Promise<void> {
    while (this.queue.length > 0) await this.append(this.queue.take(MAX_APPEND_BLOCK_SIZE));
  }

  async close(): Promise<void> {
    if (this.done) throw errors.invalid('write after close or abort');
    this.done = true;
    await this.flush();
  }

  async abort(): Promise<void> {
    this.done = true;
    this.queue.take();
  }

  private async append(data: Uint8Array): Promise<void> {
    try {
      await this.blob.appendBlock(data, data.byteLength, {
        conditions: { appendPosition: this.offset },
        ...signalOf(this.signal),
      });
    } catch (err) {
      if (azureErrorCode(err) !== 'AppendPositionConditionNotMet' || !(await this.landed(data))) throw err;
    }
    this.offset += data.byteLength;
  }

  /** True when the blob holds exactly `data` at the current offset (an append whose response was lost). */
  private async landed(data: Uint8Array): Promise<boolean> {
    const chunks: Uint8Array[] = [];
    let total = 0;
    for await (const c of readBlob(this.blob, this.offset, this.offset + data.byteLength + 1, this.signal)) {
      chunks.push(c);
      total += c.byteLength;
    }
    // One byte more than sent is asked for: the blob must end where the lost append ended.
    return total === data.byteLength && Buffer.from(concatBytes(chunks, total)).equals(data);
  }
}
