/**
 * What layers reach the hooks of the filesystem they wrap by: the hooks are protected on
 * FileSystemBase, so users never call them.
 */
import type { BodySink } from './http1';
import type { FsError } from './errors';
import type { FileSystemBase, ReadOptions, SignOptions, WriterOptions } from './base';
import type { FileInfo, WriteMode } from './types';
import type { RandomWriter, Writer } from './writer';

/**
 * The backend hooks of a filesystem (protected on {@link FileSystemBase}, so users never
 * call them), as a layer reaches them to forward its own hooks without a second
 * normalisation and error context. Optional hooks are undefined where the backend has
 * none; the errors they throw are the backend's own, mapped by `mapError`.
 */
export interface BackendHooks {
  readonly protocol: string;
  _info(path: string): Promise<FileInfo>;
  _infoForRead(path: string): Promise<FileInfo>;
  _ls(path: string): Promise<FileInfo[]>;
  _read(path: string, start: number, end: number | undefined, options?: ReadOptions): Promise<Uint8Array>;
  _write(path: string, data: Uint8Array, mode: WriteMode, options?: { writeId?: string }): Promise<void>;
  _rm(path: string): Promise<void>;
  _openWriter(path: string, options: WriterOptions): Promise<Writer>;
  _mkdir(path: string, parents: boolean): Promise<void>;
  _rmdir(path: string): Promise<void>;
  _readStream(path: string, start: number, end: number | undefined, options?: ReadOptions): AsyncGenerator<Uint8Array>;
  _readInto?(path: string, start: number, sink: BodySink, options: ReadOptions): Promise<number | undefined>;
  _openRandomWriter?(path: string, options: WriterOptions): Promise<RandomWriter>;
  _openAppendByCopy?(path: string, options: WriterOptions): Promise<Writer | undefined>;
  _isDir?(path: string): Promise<boolean>;
  _copy?(src: string, dst: string, source: FileInfo): Promise<void>;
  _find?(path: string, withDirs: boolean): Promise<FileInfo[]>;
  _rmMany?(paths: string[]): Promise<void>;
  _sign?(path: string, options: Required<SignOptions>): Promise<string>;
  _rename?(src: string, dst: string): Promise<void>;
  _touch?(path: string, info: FileInfo): Promise<void>;
  _rmTree?(path: string, options: RmTreeOptions): Promise<void>;
  _writeId?(path: string): Promise<string | undefined>;
  mapError(err: unknown): FsError;
}

/** What `_rmTree` is given beside the path. */
export interface RmTreeOptions {
  signal?: AbortSignal;
  /** Counts files as they are removed. */
  onRemoved?: (files: number) => void;
  /** Called once with the number of files to remove, when it is known (before the last is removed). */
  onTotal?: (files: number) => void;
  /**
   * The path was not looked at first (`rm -r` of one path): a file there is removed, and
   * nothing there is `NotFound`. Without it, the path is a directory the caller has seen.
   */
  orFile?: boolean;
}

/**
 * The hooks of `fs`, for a layer that forwards to them (see {@link BackendHooks}). Each is
 * looked up when called, so a stand-in installed later is honoured.
 */
export function backendHooks(fs: FileSystemBase): BackendHooks {
  return fs as unknown as BackendHooks;
}
