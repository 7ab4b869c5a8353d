/** The arguments and answers of the primitives an object store gives ObjectStoreFileSystem. */
import type { ReadOptions } from './base';
import type { FileInfo, WriteMode } from './types';

/** One page of a listing: the objects under a prefix, and (with a delimiter) the common prefixes, each ending in `/`. */
export interface ObjectPage {
  objects: Array<{ key: string; info: FileInfo }>;
  prefixes: string[];
}

/** What a listing asks for. */
export interface ListRequest {
  /** Group keys below a further `/` as common prefixes (one level), instead of every key below. */
  delimiter?: boolean;
  /** One page of at most this many keys, and no more pages. */
  limit?: number;
}

/** What a new object is written with. */
export interface PutOptions {
  /** `create` makes the service refuse an existing key (`If-None-Match: *` or its like). */
  mode: WriteMode;
  /** With `mode: 'create'`: an id kept in the object's metadata, read back by `_writeId`. */
  writeId?: string;
}

/** What an upload in parts is opened with. */
export interface UploadOptions extends PutOptions {
  /** Bytes a part (the store rounds to what its service allows). */
  partSize: number;
  signal?: AbortSignal;
}

/** What a ranged read asks for. */
export interface RangeRequest extends ReadOptions {
  start: number;
  /** Exclusive; undefined reads to the end. */
  end: number | undefined;
}
