/**
 * @omnifs/core: one async filesystem interface over many storage services.
 *
 * ```ts
 * import { filesystem, urlToFs } from '@omnifs/core';
 * const fs = filesystem('memory');
 * await fs.writeText('/notes/a.txt', 'hello');
 * const { fs: s3, path } = urlToFs('s3://bucket/data.csv');
 * ```
 */
export * from './errors';
export * from './types';
export * from './paths';
export * from './glob';
export * from './data';
export * from './batch';
export * from './writer';
export * from './file';
export * from './secrets';
export {
  isTemporaryName,
  temporarySibling,
  DEFAULT_CLEANUP_AGE_MS,
  type CleanupOptions,
  type CleanupResult,
  type Debris,
} from './debris';
export {
  FileSystem,
  type FileSystemOptions,
  type WriterOptions,
  type LsOptions,
  type ReadOptions,
  type SignOptions,
  type InfoOptions,
} from './filesystem';
export * from './timeouts';
export { WRITE_ID_KEY, newWriteId, createOnce } from './create';
export { FileSystemBase } from './base';
export { optionsOf, checkTargetPath, checkMode, normalizeOpenMode } from './args';
export type { WalkEntry } from './listing';
export { copyFiles, removePaths, type TransferPlanOptions } from './transfer';
export { readRanges, type FetchRange, type RangeReadOptions, type RangeResponse } from './parts';
export {
  defineOptions,
  validateOptions,
  ownOptionSchema,
  nearestName,
  unknownOptionMessage,
  checkMethodOptions,
  positiveInt,
  COMMON_OPTIONS,
  type OptionSchema,
  type OptionSpec,
  type OptionType,
  type OptionSources,
} from './options';
export { METHOD_OPTIONS, type CheckedMethod } from './args';
export {
  filesystem,
  registerImplementation,
  unregisterImplementation,
  availableProtocols,
  clearInstanceCache,
  getFileSystemClass,
  optionsFromEnv,
  envOptions,
  localFileSystem,
  KNOWN_IMPLEMENTATIONS,
  registerKnownImplementation,
  type FileSystemClass,
  type KnownImplementation,
  type ProtocolRegistry,
  type OptionsOf,
  type FileSystemOf,
  type EnvOptions,
} from './registry';
export { installStandIn, standInFor } from './standin';
export { rsync, type RsyncOptions, type RsyncResult, type RsyncUpdate } from './rsync';
export {
  urlToFs,
  open,
  isWrapperProtocol,
  registerWrapperProtocol,
  urlProtocols,
  layerOptionsOf,
  resolveUrl,
  checkSharedOptions,
  checkObjectStoreUrl,
  type OtherOptions,
  type FsAndPath,
  type UrlOptions,
} from './url';
export * from './layers/index';
export { LocalFileSystem, mapLocalError, type LocalOptions } from './local/index';
export {
  ObjectStoreFileSystem,
  dirInfo,
  splitObjectPath,
  type ObjectPage,
  type PutOptions,
  type RangeRequest,
  type UploadOptions,
} from './objectstore';
export { DeleteError, failedDelete, type FailedDelete } from './deletes';
