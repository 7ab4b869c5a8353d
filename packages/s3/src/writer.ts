/**
 * Uploads: the S3 side of core's MultipartWriter (one PutObject for small files,
 * CreateMultipartUpload / UploadPart / CompleteMultipartUpload otherwise, and
 * AbortMultipartUpload on any failure), and multipart copies for objects over 5 GiB.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type ChecksumAlgorithm,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import type { WriteMode } from '@omnifs/core';
import {
  abortedWrite,
  errors,
  mapLimit,
  outsideSignal,
  WRITE_ID_KEY,
  type MultipartTarget,
} from '@omnifs/core/backend';
import type { LeanS3Client } from './client';
import { s3ErrorCode } from './errors';
import type { S3WriteParams, UploadParams } from './options';

/** Where an upload goes and how. */
export interface UploadContext {
  client: S3Client;
  /** The lean request path, when it is on (PutObject and UploadPart take it). */
  lean?: LeanS3Client | undefined;
  bucket: string;
  key: string;
  /** `create` sends `If-None-Match: *` on the PutObject or the CompleteMultipartUpload. */
  mode: WriteMode;
  requesterPays: boolean;
  /** What the upload sends; a copy, touch or append adds what it keeps of the object it replaces. */
  writeParams: UploadParams;
  signal?: AbortSignal;
  /** Kept in the object's metadata (`omnifs-write-id`), so a resent create recognises its object. */
  writeId?: string;
}

const CHECKSUM_FIELDS = [
  'ChecksumCRC32',
  'ChecksumCRC32C',
  'ChecksumCRC64NVME',
  'ChecksumSHA1',
  'ChecksumSHA256',
] as const;

const SSE_C_FIELDS = ['SSECustomerAlgorithm', 'SSECustomerKey', 'SSECustomerKeyMD5'] as const;

/** The SSE-C fields of the write parameters, which every UploadPart must repeat. */
function sseCustomer(params: S3WriteParams): Pick<S3WriteParams, (typeof SSE_C_FIELDS)[number]> {
  const out: Pick<S3WriteParams, (typeof SSE_C_FIELDS)[number]> = {};
  for (const f of SSE_C_FIELDS) if (params[f] !== undefined) out[f] = params[f];
  return out;
}

/** The write parameters' metadata with the write id added. */
function metadataOf(ctx: UploadContext): { Metadata?: Record<string, string> } {
  if (ctx.writeId === undefined) return {};
  return { Metadata: { ...ctx.writeParams.Metadata, [WRITE_ID_KEY]: ctx.writeId } };
}

/** A failed conditional create means the object appeared in the meantime. */
function createConflict(err: unknown, ctx: UploadContext): unknown {
  if (ctx.mode === 'create' && s3ErrorCode(err) === 'PreconditionFailed')
    return errors.alreadyExists(`${ctx.bucket}/${ctx.key}`, err);
  return err;
}

/**
 * The {@link MultipartTarget} of one S3 object.
 *
 * Behaviour:
 * - `putSingle` is one PutObject; `initiate`/`uploadPart`/`complete` a multipart upload;
 * - with `mode: 'create'` the final request carries `If-None-Match: *`, so an existing
 *   object makes it fail with `AlreadyExists` (and the upload is then aborted);
 * - `abort` deletes the upload's parts; it is not cancelled by the caller's signal.
 */
export class S3MultipartTarget implements MultipartTarget<CompletedPart> {
  private id: string | undefined;
  private checksumAlgorithm: ChecksumAlgorithm | undefined;
  /** The lean path for the parts, when it serves the bucket (decided once, on initiate). */
  private lean: LeanS3Client | undefined;

  /**
   * @param ctx where the upload goes
   * @param partChecksums declare the checksum the SDK computes for each part (CRC32 unless
   *   `writeParams.ChecksumAlgorithm` says otherwise), as lib-storage does; stores such
   *   as versitygw reject parts whose checksums the upload did not declare
   */
  constructor(
    private readonly ctx: UploadContext,
    private readonly partChecksums = true,
  ) {}

  /** The id of the multipart upload once initiated. */
  get uploadId(): string | undefined {
    return this.id;
  }

  private get common(): { Bucket: string; Key: string; RequestPayer?: 'requester' } {
    return {
      Bucket: this.ctx.bucket,
      Key: this.ctx.key,
      ...(this.ctx.requesterPays ? { RequestPayer: 'requester' as const } : {}),
    };
  }

  /** Runs a request with the caller's signal; once it is aborted, any failure is reported as `Aborted` ({@link abortedWrite}). */
  private async guard<T>(request: (options: { abortSignal?: AbortSignal }) => Promise<T>): Promise<T> {
    try {
      return await request(this.ctx.signal ? { abortSignal: this.ctx.signal } : {});
    } catch (err) {
      if (this.ctx.signal?.aborted) throw abortedWrite(this.ctx.signal, err);
      throw err;
    }
  }

  async putSingle(data: Uint8Array): Promise<void> {
    try {
      const lean = await this.ctx.lean?.forBucket(this.ctx.bucket);
      if (lean !== undefined) {
        const metadata = metadataOf(this.ctx).Metadata;
        const extra = {
          params: this.ctx.writeParams,
          ...(metadata ? { metadata } : {}),
          ifNoneMatch: this.ctx.mode === 'create',
        };
        await this.guard((o) => lean.put(this.ctx.bucket, this.ctx.key, data, extra, o.abortSignal));
        return;
      }
      await this.guard((o) =>
        this.ctx.client.send(
          new PutObjectCommand({
            ...this.ctx.writeParams,
            ...this.common,
            ...metadataOf(this.ctx),
            Body: data,
            ContentLength: data.byteLength,
            ...(this.ctx.mode === 'create' ? { IfNoneMatch: '*' } : {}),
          }),
          o,
        ),
      );
    } catch (err) {
      throw createConflict(err, this.ctx);
    }
  }

  async initiate(): Promise<void> {
    this.checksumAlgorithm = this.ctx.writeParams.ChecksumAlgorithm;
    if (
      this.checksumAlgorithm === undefined &&
      this.partChecksums &&
      (await this.ctx.client.config.requestChecksumCalculation()) === 'WHEN_SUPPORTED'
    ) {
      this.checksumAlgorithm = 'CRC32';
    }
    // Not cut by the signal: an upload the service started is known by its id, so an abort
    // that comes meanwhile can abort it (cut, the answer with its id would be lost).
    const res = await outsideSignal(() =>
      this.ctx.client.send(
        new CreateMultipartUploadCommand({
          ...this.ctx.writeParams,
          ...this.common,
          ...metadataOf(this.ctx),
          ...(this.checksumAlgorithm !== undefined ? { ChecksumAlgorithm: this.checksumAlgorithm } : {}),
        }),
      ),
    );
    if (res.UploadId === undefined) throw errors.invalid('CreateMultipartUpload returned no upload id');
    this.id = res.UploadId;
    this.lean = await this.ctx.lean?.forBucket(this.ctx.bucket);
  }

  async uploadPart(partNumber: number, data: Uint8Array): Promise<CompletedPart> {
    if (partNumber > 10_000)
      throw errors.invalid('S3 allows at most 10,000 parts: raise partSize for files this large');
    const lean = this.lean;
    if (lean !== undefined) {
      const part = { uploadId: this.uploadId!, number: partNumber, data, crc32: this.checksumAlgorithm === 'CRC32' };
      const res = await this.guard((o) => lean.uploadPart(this.ctx.bucket, this.ctx.key, part, o.abortSignal));
      return {
        PartNumber: partNumber,
        ETag: res.ETag,
        ...(res.ChecksumCRC32 ? { ChecksumCRC32: res.ChecksumCRC32 } : {}),
      };
    }
    const res = await this.guard((o) =>
      this.ctx.client.send(
        new UploadPartCommand({
          ...sseCustomer(this.ctx.writeParams),
          ...this.common,
          UploadId: this.uploadId,
          PartNumber: partNumber,
          Body: data,
          ContentLength: data.byteLength,
          ...(this.checksumAlgorithm !== undefined ? { ChecksumAlgorithm: this.checksumAlgorithm } : {}),
        }),
        o,
      ),
    );
    const part: CompletedPart = { PartNumber: partNumber, ETag: res.ETag };
    for (const f of CHECKSUM_FIELDS) if (res[f] !== undefined) part[f] = res[f];
    return part;
  }

  async complete(parts: CompletedPart[]): Promise<void> {
    try {
      const lean = this.lean;
      if (lean !== undefined) {
        const upload = { uploadId: this.uploadId!, parts, ifNoneMatch: this.ctx.mode === 'create' };
        await this.guard((o) => lean.complete(this.ctx.bucket, this.ctx.key, upload, o.abortSignal));
        return;
      }
      await this.guard((o) =>
        this.ctx.client.send(
          new CompleteMultipartUploadCommand({
            ...sseCustomer(this.ctx.writeParams),
            ...this.common,
            UploadId: this.uploadId,
            MultipartUpload: { Parts: parts },
            ...(this.ctx.mode === 'create' ? { IfNoneMatch: '*' } : {}),
          }),
          o,
        ),
      );
    } catch (err) {
      if (!this.ctx.signal?.aborted && (await this.landed(parts))) return;
      throw createConflict(err, this.ctx);
    }
  }

  /**
   * After a failed CompleteMultipartUpload: true when the object is this upload all the
   * same (the service completed it and the answer was lost, or a retry found the upload
   * gone): its ETag is the one S3 gives these parts, `md5(part md5s)-N`. False when it
   * cannot be told (other ETags, as under SSE-KMS) or the object is another.
   */
  private async landed(parts: CompletedPart[]): Promise<boolean> {
    const expected = multipartEtag(parts);
    if (expected === undefined) return false;
    try {
      const head = await outsideSignal(() =>
        this.ctx.client.send(new HeadObjectCommand({ ...sseCustomer(this.ctx.writeParams), ...this.common })),
      );
      return head.ETag?.replace(/"/g, '').toLowerCase() === expected;
    } catch {
      return false;
    }
  }

  async abort(): Promise<void> {
    if (this.id === undefined) return;
    await this.ctx.client.send(new AbortMultipartUploadCommand({ ...this.common, UploadId: this.id }));
    this.id = undefined;
  }
}

/** The ETag S3 gives an object completed from `parts` (each ETag an MD5), or undefined when one is not. */
export function multipartEtag(parts: readonly CompletedPart[]): string | undefined {
  const digests: Buffer[] = [];
  for (const part of [...parts].sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0))) {
    const hex = part.ETag?.replace(/"/g, '');
    if (hex === undefined || !/^[0-9a-f]{32}$/i.test(hex)) return undefined;
    digests.push(Buffer.from(hex, 'hex'));
  }
  return `${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${parts.length}`;
}

/** A source object for a multipart copy. */
export interface CopySourceObject {
  bucket: string;
  key: string;
  size: number;
  etag: string | undefined;
}

/** `bucket/key` with the key URL-encoded, as CopySource wants it. */
export function copySource(bucket: string, key: string): string {
  return `${bucket}/${encodeURIComponent(key).replace(/%2F/g, '/')}`;
}

/**
 * Copies an object of any size with UploadPartCopy (CopyObject stops at 5 GiB): parts of
 * `partSize` bytes, `concurrency` at once, each conditional on the source's ETag so a
 * concurrent overwrite of the source fails the copy instead of mixing versions.
 * The upload is aborted on failure.
 */
export async function multipartCopy(
  ctx: UploadContext,
  src: CopySourceObject,
  partSize: number,
  concurrency: number,
): Promise<void> {
  const target = new S3MultipartTarget(ctx, false);
  await target.initiate();
  try {
    const parts = await copyParts(ctx, target.uploadId!, src, 1, partSize, concurrency);
    await target.complete(parts);
  } catch (err) {
    await outsideSignal(() => target.abort()).catch(() => undefined);
    throw err;
  }
}

/**
 * Copies `src` into an upload as parts of `partSize` bytes (the last shorter), numbered
 * from `first`, each with UploadPartCopy conditional on the source's ETag.
 */
async function copyParts(
  ctx: UploadContext,
  uploadId: string,
  src: CopySourceObject,
  first: number,
  partSize: number,
  concurrency: number,
): Promise<CompletedPart[]> {
  const numbers = Array.from({ length: Math.max(1, Math.ceil(src.size / partSize)) }, (_, i) => i);
  return mapLimit(
    numbers,
    concurrency,
    async (i) => {
      const start = i * partSize;
      const end = Math.min(src.size, start + partSize) - 1;
      const res = await ctx.client.send(
        new UploadPartCopyCommand({
          Bucket: ctx.bucket,
          Key: ctx.key,
          ...(ctx.requesterPays ? { RequestPayer: 'requester' as const } : {}),
          ...sseCustomer(ctx.writeParams),
          UploadId: uploadId,
          PartNumber: first + i,
          CopySource: copySource(src.bucket, src.key),
          ...(src.size > 0 ? { CopySourceRange: `bytes=${start}-${end}` } : {}),
          ...(src.etag !== undefined ? { CopySourceIfMatch: src.etag } : {}),
        }),
        ctx.signal ? { abortSignal: ctx.signal } : {},
      );
      const part: CompletedPart = { PartNumber: first + i, ETag: res.CopyPartResult?.ETag };
      for (const f of CHECKSUM_FIELDS) if (res.CopyPartResult?.[f] !== undefined) part[f] = res.CopyPartResult[f];
      return part;
    },
    ctx.signal,
  );
}

/**
 * The {@link MultipartTarget} of an append by part-copy: the upload's first parts are
 * server-side copies of the existing object (at most 5 GiB each, pinned to its ETag), the
 * new bytes follow as uploaded parts, and completing it replaces the object with old +
 * new in one step. Only the new bytes leave the client. S3 wants every part but the last
 * to be at least 5 MiB, so the existing object must be that large.
 */
export class S3AppendTarget implements MultipartTarget<CompletedPart> {
  private readonly inner: S3MultipartTarget;
  private copied: CompletedPart[] = [];

  constructor(
    private readonly ctx: UploadContext,
    private readonly existing: CopySourceObject,
    private readonly concurrency: number,
  ) {
    this.inner = new S3MultipartTarget(ctx, false);
  }

  async initiate(): Promise<void> {
    await this.inner.initiate();
    // Parts as equal as can be, each at most 5 GiB (and at least 5 MiB, as the object is).
    const count = Math.ceil(this.existing.size / MAX_COPY_PART);
    this.copied = await copyParts(
      this.ctx,
      this.inner.uploadId!,
      this.existing,
      1,
      Math.ceil(this.existing.size / count),
      this.concurrency,
    );
  }

  uploadPart(partNumber: number, data: Uint8Array): Promise<CompletedPart> {
    return this.inner.uploadPart(partNumber + this.copied.length, data);
  }

  /** Fewer new bytes than one part: the copies and one uploaded part (nothing at all for none). */
  async putSingle(data: Uint8Array): Promise<void> {
    if (data.byteLength === 0) return;
    await this.initiate();
    try {
      await this.complete([await this.uploadPart(1, data)]);
    } catch (err) {
      await outsideSignal(() => this.abort()).catch(() => undefined);
      throw err;
    }
  }

  complete(parts: CompletedPart[]): Promise<void> {
    return this.inner.complete([...this.copied, ...parts]);
  }

  abort(): Promise<void> {
    return this.inner.abort();
  }
}

/** The largest part UploadPartCopy takes. */
const MAX_COPY_PART = 5 * 1024 * 1024 * 1024;
