/**
 * Names of rotated segments of an append-only log: `<log>.<N>.gz` (or `<log>.<N>` without
 * compression, and while a local segment is being compressed), N counting up from 1.
 */
import { createReadStream, createWriteStream, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { FsError, type FileSystem } from '@omnifs/core';
import { baseName, joinPath } from '@omnifs/core/backend';
import type { Spool } from './spool';
import type { ClosedSegment, RotationRule } from './segments';
import type { Target } from './syncer';

/** The name of segment `n` of `file`. */
export function segmentName(file: string, n: number, gzip: boolean): string {
  return gzip ? `${file}.${n}.gz` : `${file}.${n}`;
}

/** N when `name` is a rotated segment of `file` (`training.log.7.gz` or `training.log.7` → 7), else undefined. */
export function parseSegment(file: string, name: string): number | undefined {
  if (!name.startsWith(`${file}.`)) return undefined;
  const middle = name.slice(file.length + 1).replace(/\.gz$/, '');
  if (!/^[1-9]\d{0,14}$/.test(middle)) return undefined;
  return Number(middle);
}

/**
 * Brings a closed segment to the target, then restarts the live log there. Run before any
 * byte of the new live segment is sent, and again after a crash at any step:
 * 1. its number N (one more than the highest on the target, unless known) and the remote
 *    bytes that preceded the spool (`base`) are recorded;
 * 2. `<log>.N.gz` is written whole (the remote prefix, then the segment, compressed, streamed);
 * 3. the live remote log is replaced by an empty file (the new segment is appended to it);
 * 4. segments beyond `keep` are deleted, and the local copy goes.
 */
export async function uploadSegment(
  spool: Spool,
  target: Target,
  segment: ClosedSegment,
  rule: RotationRule,
  signal?: AbortSignal,
): Promise<void> {
  const live = joinPath(target.path, segment.file);
  if (segment.n === null || segment.base === null) {
    const n = segment.n ?? spool.nextSegmentNumber(segment.file) ?? (await highestSegment(target, segment.file)) + 1;
    const base = segment.base ?? (await sizeOrZero(target.fs, live));
    spool.settleSegment(segment, n, base);
  }
  const n = segment.n!;
  const base = segment.base!;
  const source = async function* (): AsyncGenerator<Uint8Array> {
    if (base > 0) yield* target.fs.readChunks(live, { start: 0, end: base });
    yield* spool.readFile(segment.local);
  };
  const remote = joinPath(target.path, segmentName(segment.file, n, rule.gzip));
  await target.fs.pipeFile(remote, rule.gzip ? gzipped(source()) : source(), { signal });
  await target.fs.pipeFile(live, new Uint8Array(0), { signal });
  if (Number.isFinite(rule.keep) && n - rule.keep >= 1) {
    await ignoreMissing(target.fs.rmFile(joinPath(target.path, segmentName(segment.file, n - rule.keep, rule.gzip))));
  }
  spool.segmentDone(segment);
}

/** Local targets: compresses a closed segment next to the log (`<log>.N` → `<log>.N.gz`, atomically). */
export async function compressSegment(spool: Spool, segment: ClosedSegment, rule: RotationRule): Promise<void> {
  const n = segment.n!;
  const final = spool.pathOf(segmentName(segment.file, n, true));
  const dir = dirname(final);
  // A process killed while compressing this segment left its temporary file: this one
  // compresses the segment again, under a new name.
  const prefix = `.${basename(final)}.`;
  for (const name of readdirSync(dir))
    if (name.startsWith(prefix) && /^[0-9a-f]{8}\.tmp$/.test(name.slice(prefix.length)))
      rmSync(join(dir, name), { force: true });
  const temp = join(dir, `${prefix}${randomBytes(4).toString('hex')}.tmp`);
  try {
    await pipeline(createReadStream(spool.pathOf(segment.local)), createGzip(), createWriteStream(temp));
    renameSync(temp, final);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
  if (Number.isFinite(rule.keep) && n - rule.keep >= 1) {
    for (const gzip of [true, false])
      rmSync(spool.pathOf(segmentName(segment.file, n - rule.keep, gzip)), { force: true });
  }
  spool.segmentDone(segment);
}

function gzipped(chunks: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  const gzip = createGzip();
  pipeline(Readable.from(chunks), gzip).catch(() => undefined); // a failure ends `gzip` with the error
  return gzip;
}

async function highestSegment(target: Target, file: string): Promise<number> {
  const dir = joinPath(target.path, ...file.split('/').slice(0, -1));
  const name = file.split('/').pop()!;
  let entries: string[];
  try {
    entries = (await target.fs.ls(dir)) as string[];
  } catch (err) {
    if (err instanceof FsError && err.kind === 'NotFound') return 0;
    throw err;
  }
  return Math.max(0, ...entries.map((e) => parseSegment(name, baseName(e)) ?? 0));
}

async function sizeOrZero(fs: FileSystem, path: string): Promise<number> {
  try {
    return (await fs.info(path)).size;
  } catch (err) {
    if (err instanceof FsError && err.kind === 'NotFound') return 0;
    throw err;
  }
}

async function ignoreMissing(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!(err instanceof FsError && err.kind === 'NotFound')) throw err;
  }
}
