/** Shared types of the FileSystem interface. */
import type { FsError } from './errors';

/** What `info`, `ls({detail: true})` and `find({detail: true})` return for one entry. */
export interface FileInfo {
  /** The path as the filesystem names it (`bucket/key` or `/abs/path`), no protocol. */
  name: string;
  /** Size in bytes; 0 for directories. */
  size: number;
  type: 'file' | 'directory';
  /** Last modification time, where the backend knows it. */
  mtime?: Date;
  /** The service's entity tag or version stamp, where it has one. */
  etag?: string;
  /**
   * Where the filesystem has symbolic links (local disk): the directory's path with every
   * link resolved. A walk does not go into a link that leads back to a directory it is in.
   */
  realPath?: string;
  /**
   * The media type an object store keeps with the object (`text/csv`): from `info` on S3,
   * GCS and Azure, also in GCS and Azure listings (S3's listings have none).
   */
  contentType?: string;
  /** Backend-specific fields (storage class, generation, ...). */
  [extra: string]: unknown;
}

/** Progress of a long operation; totals are known once the work has been planned. */
export interface Progress {
  bytes: number;
  totalBytes?: number;
  files: number;
  totalFiles?: number;
}

/** Options every long-running operation takes. */
export interface OperationOptions {
  /** Cancels the operation; it then rejects with an `Aborted` FsError. */
  signal?: AbortSignal;
  /** Called as bytes and files complete. */
  onProgress?: (progress: Progress) => void;
}

/** Options of operations that work on many paths at once. */
export interface BatchOptions extends OperationOptions {
  /** How many files are transferred or deleted at once (default 8). */
  batchSize?: number;
}

/**
 * What `cp`, `put` and `get` do with a source file that is gone by the time it is copied
 * (deleted after the listing that planned the copy), fsspec's `on_error` of `copy`:
 * `'raise'` fails the copy, `'omit'` skips the file (fsspec's `"ignore"`), a function is
 * called with the `NotFound` FsError (its `path` the file) and skips it, unless it throws.
 * Any other error fails the copy, whatever `onError` says.
 */
export type CopyOnError = 'raise' | 'omit' | ((err: FsError) => void);

/** `cp`, `put`, `get`. */
export interface CopyOptions extends BatchOptions {
  recursive?: boolean;
  /** Depth of recursion; 1 copies only the files directly in a directory. */
  maxDepth?: number;
  /**
   * A source file gone between the listing and its copy ({@link CopyOnError}): by default
   * skipped by a recursive `cp` and fatal otherwise (`put`, `get`, `cp` without
   * `recursive`), as in fsspec. A skipped file is not counted in the progress's `files`.
   */
  onError?: CopyOnError;
}

/** `mv`: as `cp`, but a file gone before it is moved always fails it (fsspec's `mv` too). */
export type MoveOptions = Omit<CopyOptions, 'onError'>;

/** `rm`. */
export interface RmOptions extends BatchOptions {
  recursive?: boolean;
  maxDepth?: number;
}

/** `find`. */
export interface FindOptions {
  maxDepth?: number;
  /** Include directories in the result, not only files. */
  withDirs?: boolean;
  detail?: boolean;
  /** Cancels the listing; it then rejects with an `Aborted` FsError. */
  signal?: AbortSignal;
}

/** How a whole-object write treats an existing target. */
export type WriteMode = 'overwrite' | 'create';

/** `pipe`, `pipeFile`, `writeText`. */
export interface WriteOptions extends OperationOptions {
  /** `create` fails with `AlreadyExists` when the target exists (default `overwrite`). */
  mode?: WriteMode;
  /**
   * With `mode: 'create'`: the id kept with the file (default: a random one), by which a
   * create that is sent again after its answer was lost recognises the file as its own.
   */
  writeId?: string;
}

/** `cat`, `catFile`, `createReadStream`: a byte range, `end` exclusive; negative counts from the end. */
export interface RangeOptions extends OperationOptions {
  /** First byte (negative: from the end); `null`, as fsspec's `None`, is the start. */
  start?: number | null;
  /** Byte after the last (exclusive; negative: from the end); `null`, as fsspec's `None`, is the end. */
  end?: number | null;
  /**
   * Read only if the file still has this ETag (from `info`), else fail with
   * `ConditionNotMatch`; on backends that keep no ETags (`info` shows none) it is not checked.
   */
  etag?: string;
}

/** Options of `cat`. */
export interface CatOptions extends RangeOptions {
  /** Files read at once for a list or a glob. */
  batchSize?: number;
  /** For a list or a glob, what a file that cannot be read does: fail the call (`raise`), be left out (`omit`), or be returned as its FsError (`return`). */
  onError?: 'raise' | 'omit' | 'return';
}

/** Where each range of {@link FileSystem.catRanges} starts or ends: one bound per path, or one for all. */
export type RangeBounds = number | null | ReadonlyArray<number | null>;

/** Options of {@link FileSystem.catRanges}. */
export interface CatRangesOptions {
  /** Ranges read at once. */
  batchSize?: number;
  /** A range that cannot be read: its FsError in its place (`return`, the default, as fsspec), or the call fails (`raise`). */
  onError?: 'raise' | 'return';
  /** Cancels the reads; the call then rejects with an `Aborted` FsError. */
  signal?: AbortSignal;
}

/** Options of {@link FileSystem.readBlock}. */
export interface ReadBlockOptions {
  /** Cut the block on this record separator (`'\n'`, or bytes; a string is UTF-8). */
  delimiter?: string | Uint8Array;
  /** Cancels the read; it then rejects with an `Aborted` FsError. */
  signal?: AbortSignal;
}

/** Modes of {@link FileSystem.open}. */
export type OpenMode = 'rb' | 'wb' | 'ab' | 'xb' | 'r' | 'w' | 'a' | 'x';

/** `open`. */
export interface OpenOptions {
  /** Block size for reads and part size for writes, bytes. */
  blockSize?: number;
  /** How many blocks the read cache keeps (default 4). */
  cacheBlocks?: number;
  signal?: AbortSignal;
}

/**
 * What a backend can do natively: one object that core consults to choose an
 * implementation (native append or emulation, server-side copy or stream), that the
 * conformance suite chooses its tests by, and that the docs' capability tables are
 * generated from (`scripts/capabilities.mjs`).
 *
 * It is derived (see `capabilities.ts`): the capabilities marked "hook" are true when the
 * backend implements that hook; the others are facts its hooks cannot show, declared by
 * the backend where they differ from its base class's defaults.
 */
export interface Capabilities {
  /** Directories exist on their own (local, memory, HDFS); false for object-store prefixes. */
  realDirectories: boolean;
  /** Appends to an existing file without rewriting it. */
  append: boolean;
  /** Exclusive create enforced by the service (If-None-Match or O_EXCL). */
  exclusiveCreate: boolean;
  /** Ranged reads. */
  rangedRead: boolean;
  /** Modification times are kept. */
  mtime: boolean;
  /** Server-side copy of one file (hook `_copy`): `cp` and `copyFile` send no bytes through the client. */
  copy: boolean;
  /** Rename in one step (hook `_rename`): `mv` of one path renames instead of copying. */
  rename: boolean;
  /** `sign` gives URLs (hook `_sign`). */
  sign: boolean;
  /** A new mtime without rewriting the file (hook `_touch`): `touch({ truncate: false })`. */
  touch: boolean;
  /** Recursive flat listing in one call (hook `_find`, object stores). */
  flatListing: boolean;
  /** Deletes many files in one call (hook `_rmMany`): batch requests, or many at once. */
  batchDelete: boolean;
  /** Removes a directory tree in as few requests as the service allows (hook `_rmTree`). */
  treeDelete: boolean;
  /** Files can be written at any offset before they are committed (hook `_openRandomWriter`). */
  randomWrite: boolean;
  /**
   * `ab` assembles the new file on the service from the old one and the new bytes (hook
   * `_openAppendByCopy`). Used without native `append` (S3 multipart part-copy), so the old
   * bytes do not pass through the client (above the service's minimum size, if it has one).
   */
  appendByCopy: boolean;
  /** Bytes per part of streamed uploads and of concurrent ranged downloads, where parts exist. */
  partSize?: number;
  /**
   * Parts of one large file moved at once: parts an upload keeps in flight, ranges a
   * streamed read fetches ahead, and, where `readConcurrency` is not declared, ranges
   * `get` reads at once into a target that writes at any offset (`randomWrite`).
   */
  concurrency?: number;
  /**
   * Ranged reads at once when `get` copies one large file in parts to a target that writes
   * at any offset; each part goes into place as it arrives, so memory stays near this many
   * MiB whatever the part size (`concurrency` where not declared).
   */
  readConcurrency?: number;
  /**
   * Bytes per ranged read when `get` copies one large file in parts (`partSize` where not
   * declared): where each read costs the service a lookup, larger reads cost less.
   */
  readPartSize?: number;
  /**
   * Files moved at once by many-path operations (`put`, `get`, `cp`, `cat`, `rm` of a list)
   * when no `batchSize` is given; enough to keep a high-latency link busy (default 8).
   */
  batchSize?: number;
}

/**
 * What a backend declares about itself: the facts its hooks cannot show (`realDirectories`,
 * `append`, ...), and hook capabilities it turns off although it has the hook (an S3
 * filesystem without credentials cannot `sign`). Declaring a hook capability true without
 * the hook is an error.
 */
export type CapabilityFacts = Partial<Capabilities>;

/** A setting a backend takes from the environment, as `omnifs config` shows it. */
export interface EnvironmentSetting {
  /** The variable (`AWS_REGION`), or a setting found through one (`fs.defaultFS`). */
  readonly name: string;
  /** Its value as safe to show: secrets as `***`, a URL's password cut out. */
  readonly value: string;
  /** The file a setting found through a variable was read from; undefined for a variable. */
  readonly file?: string;
}

/** The defaults of {@link FileSystemBase}; a backend declares only what differs. */
export const DEFAULT_CAPABILITIES: Readonly<Capabilities> = Object.freeze({
  realDirectories: true,
  append: false,
  exclusiveCreate: false,
  rangedRead: true,
  mtime: true,
  copy: false,
  rename: false,
  sign: false,
  touch: false,
  flatListing: false,
  batchDelete: false,
  treeDelete: false,
  randomWrite: false,
  appendByCopy: false,
});

/** Data accepted by writes. */
export type Data = Uint8Array | string;

/**
 * What `cat(path)` gives for a path of type `P`: bytes for a literal path without glob
 * characters (`*`, `?`, `[`), a record of path to bytes for a literal glob, either for a
 * path typed only as `string`.
 */
export type CatResult<P extends string> = string extends P
  ? Buffer | Record<string, Buffer>
  : P extends `${string}${'*' | '?' | '['}${string}`
    ? Record<string, Buffer>
    : Buffer;
