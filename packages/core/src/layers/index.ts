/** Layers: wrappers that add one behaviour to any FileSystem. */
export { WrapperFileSystem, type WrapperOptions, type HookName } from './wrapper';
export { RetryFileSystem, type RetryOptions } from './retry';
export { DirFileSystem, type DirOptions } from './dir';
export { SimpleCacheFileSystem, type SimpleCacheOptions } from './simplecache';
export { BlockCacheFileSystem, type BlockCacheOptions } from './blockcache';
export { ListingCacheFileSystem, type ListingCacheOptions } from './listcache';
export { LimitFileSystem, type LimitOptions } from './limit';
export { TimeoutFileSystem, type TimeoutLayerOptions } from './timeout';
