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
export { WRITE_ID_KEY, newWriteId, createOnce } from './create';
export { FileSystem, type FileSystemOptions, type WriterOptions, type LsOptions, type ReadOptions, type SignOptions } from './filesystem';
export { FileSystemBase } from './base';
export { optionsOf, checkTargetPath, checkMode, normalizeOpenMode } from './args';
export type { WalkEntry } from './listing';
export { copyFiles, removePaths, type TransferPlanOptions } from './transfer';
export {
  filesystem, registerImplementation, unregisterImplementation, availableProtocols, clearInstanceCache, getFileSystemClass,
  optionsFromEnv, localFileSystem, KNOWN_IMPLEMENTATIONS, registerKnownImplementation, type FileSystemClass, type KnownImplementation,
} from './registry';
export { rsync, type RsyncOptions, type RsyncResult, type RsyncUpdate } from './rsync';
export { urlToFs, open, isWrapperProtocol, registerWrapperProtocol, type FsAndPath, type UrlOptions } from './url';
export * from './layers/index';
export { ObjectStoreFileSystem, dirInfo, splitObjectPath, type ObjectPage } from './objectstore';
