/**
 * @omnifs/core: one async filesystem interface over many storage services.
 *
 * This is the user API: the registry, the FileSystem every backend is, the error type,
 * layers and rsync. What a backend author needs beside it (hook options, writers, error
 * and option helpers, the object-store template) is `@omnifs/core/backend`.
 *
 * ```ts
 * import { filesystem, urlToFs } from '@omnifs/core';
 * const fs = filesystem('memory');
 * await fs.writeText('/notes/a.txt', 'hello');
 * const { fs: s3, path } = urlToFs('s3://bucket/data.csv');
 * ```
 */
export { FsError, isFsError, type ErrorKind, type FsErrorInit } from './errors';
export type {
  FileInfo,
  Progress,
  OperationOptions,
  BatchOptions,
  CopyOptions,
  CopyOnError,
  MoveOptions,
  RmOptions,
  FindOptions,
  WriteMode,
  WriteOptions,
  RangeOptions,
  ReadBlockOptions,
  OpenMode,
  OpenOptions,
  Capabilities,
  Data,
  CatOptions,
  CatRangesOptions,
  RangeBounds,
  CatResult,
} from './types';
export type { Source, Bytes } from './data';
export type { Writer, RandomWriter } from './writer';
export { RemoteFile, type RemoteFileOptions, type Whence } from './file';
export { DEFAULT_CLEANUP_AGE_MS, type CleanupOptions, type CleanupResult, type Debris } from './debris';
export {
  FileSystem,
  type FileSystemOptions,
  type LsOptions,
  type SignOptions,
  type InfoOptions,
  type DuOptions,
} from './filesystem';
export { DEFAULT_TIMEOUTS, type TimeoutOptions, type Timeouts } from './timeouts';
export type { WalkEntry, WalkOnError } from './listing';
export {
  filesystem,
  registerImplementation,
  unregisterImplementation,
  availableProtocols,
  clearInstanceCache,
  getFileSystemClass,
  type FileSystemClass,
  type ProtocolRegistry,
  type OptionsOf,
  type FileSystemOf,
} from './registry';
export { rsync, type RsyncOptions, type RsyncResult, type RsyncUpdate } from './rsync';
export { urlToFs, open, type FsAndPath, type UrlOptions } from './url';
export {
  RetryFileSystem,
  DirFileSystem,
  SimpleCacheFileSystem,
  BlockCacheFileSystem,
  ListingCacheFileSystem,
  LimitFileSystem,
  TimeoutFileSystem,
  type RetryOptions,
  type DirOptions,
  type SimpleCacheOptions,
  type BlockCacheOptions,
  type ListingCacheOptions,
  type LimitOptions,
  type TimeoutLayerOptions,
} from './layers/index';
export { LocalFileSystem, type LocalOptions } from './local/index';
export { DeleteError, type FailedDelete } from './deletes';
