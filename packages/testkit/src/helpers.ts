/** Helpers for tests of omnifs filesystems: names, bytes and fixture trees. */
import { createHash, randomBytes as cryptoRandomBytes, randomInt } from 'node:crypto';
import type { FileSystem } from '@omnifs/core';

/**
 * A random lowercase name, safe as an S3 bucket, Azure container or path segment:
 * `omnifs-lq3k2h-9f1c2a7b`.
 */
export function randomName(prefix = 'omnifs'): string {
  return `${prefix}-${Date.now().toString(36)}-${cryptoRandomBytes(4).toString('hex')}`;
}

/** `n` random bytes. */
export function randomBytes(n: number): Uint8Array {
  return new Uint8Array(cryptoRandomBytes(n));
}

/** The SHA-256 of `bytes` in hex: compares megabytes without printing them. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A random size in `[min, max]` bytes. */
export function randomSize(min: number, max: number): number {
  return randomInt(min, max + 1);
}

/** Joins path segments with single slashes, keeping a leading one. */
export function joinPath(...parts: string[]): string {
  const kept = parts.filter((p) => p !== '');
  if (kept.length === 0) return '';
  const lead = kept[0]!.startsWith('/') ? '/' : '';
  return (
    lead +
    kept
      .map((p) => p.replace(/^\/+|\/+$/g, ''))
      .filter((p) => p !== '')
      .join('/')
  );
}

/** Bytes of a string, UTF-8. */
export function utf8(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'utf8'));
}

/** Text of bytes, UTF-8. */
export function text(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('utf8');
}

/**
 * The tree of fsspec's copy scenarios (docs/source/copying.rst):
 * `source/{file1, file2, subdir/{subfile1, subfile2, nesteddir/nestedfile}}`,
 * as paths relative to the source directory.
 */
export const COPY_FIXTURE: readonly string[] = [
  'file1',
  'file2',
  'subdir/subfile1',
  'subdir/subfile2',
  'subdir/nesteddir/nestedfile',
];

/** The tree of fsspec's glob edge-case copy tests (two subdirectories, `subdir0`, `subdir1`). */
export const GLOB_EDGE_FIXTURE: readonly string[] = [
  'file1',
  'file2',
  'subdir0/subfile1',
  'subdir0/subfile2',
  'subdir0/nesteddir/nestedfile',
  'subdir1/subfile1',
  'subdir1/subfile2',
  'subdir1/nesteddir/nestedfile',
];

/** The content the fixture builders write to a file: its relative path. */
export function fixtureContent(relative: string): Uint8Array {
  return utf8(`content of ${relative}\n`);
}

/**
 * Writes files below `dir` on `fs`; each file's content is {@link fixtureContent} of
 * its relative path unless `files` maps paths to content. Returns `dir`.
 */
export async function writeTree(
  fs: FileSystem,
  dir: string,
  files: readonly string[] | Readonly<Record<string, Uint8Array | string>>,
): Promise<string> {
  const entries: Array<[string, Uint8Array | string]> = Array.isArray(files)
    ? (files as readonly string[]).map((f) => [f, fixtureContent(f)])
    : Object.entries(files);
  for (const [rel, data] of entries) await fs.pipeFile(joinPath(dir, rel), data);
  return dir;
}

/** Builds fsspec's copy-scenario tree ({@link COPY_FIXTURE}) below `dir`; returns `dir`. */
export function buildCopyFixture(fs: FileSystem, dir: string): Promise<string> {
  return writeTree(fs, dir, COPY_FIXTURE);
}

/** Collects an async iterable of byte chunks into one Uint8Array. */
export async function collect(chunks: AsyncIterable<Uint8Array | string>): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  for await (const c of chunks)
    parts.push(typeof c === 'string' ? Buffer.from(c) : Buffer.from(c.buffer, c.byteOffset, c.byteLength));
  return new Uint8Array(Buffer.concat(parts));
}

/** An async iterable that yields `data` in pieces of `size` bytes. */
export async function* chunked(data: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.byteLength; i += size) yield data.subarray(i, i + size);
}

/**
 * What interrupted writes left below `dir` (temporary files, unfinished uploads), whatever
 * their age: the paths `cleanup` would remove.
 */
export async function debrisBelow(fs: FileSystem, dir: string): Promise<string[]> {
  const { removed, kept } = await fs.cleanup(dir, { olderThan: 0, dryRun: true });
  return [...removed, ...kept].map((d) => d.path);
}

/**
 * A source that yields `chunks`, then waits for `release` before it ends: a stream
 * source that stalls, as a socket or a pipe from a slow producer does.
 */
export function stallingSource(chunks: Uint8Array[]): { source: AsyncGenerator<Uint8Array>; release(): void } {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  async function* source(): AsyncGenerator<Uint8Array> {
    for (const c of chunks) yield c;
    await released;
  }
  return { source: source(), release };
}
