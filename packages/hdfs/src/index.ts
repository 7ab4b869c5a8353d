/**
 * @omnifs/hdfs: HDFS over WebHDFS (REST). Installing it makes `filesystem('hdfs')` and
 * `hdfs://` / `webhdfs://` URLs work.
 *
 * ```ts
 * import { filesystem } from '@omnifs/core';
 * const fs = filesystem('hdfs', { url: 'http://namenode:9870', user: 'etl' });
 * await fs.put('./model.bin', '/experiments/run-42/model.bin');
 * ```
 */
import { registerImplementation, type FileSystemClass } from '@omnifs/core';
import { HDFSFileSystem } from './filesystem';
import type { HDFSOptions } from './options';

declare module '@omnifs/core' {
  interface ProtocolRegistry {
    hdfs: { options: HDFSOptions; fs: HDFSFileSystem };
    webhdfs: { options: HDFSOptions; fs: HDFSFileSystem };
  }
}

export { HDFSFileSystem } from './filesystem';
export { HdfsWriter, type HdfsWriterOptions } from './writer';
export { WebHdfsClient, DatanodeUpload, type HdfsFileStatus, type Method, type Params } from './client';
export { mapHdfsError, WebHdfsError, errorFromResponse, parseRemoteException, type RemoteException } from './errors';
export {
  createParams,
  resolveUser,
  HDFS_OPTION_SCHEMA,
  webhdfsBase,
  webhdfsBases,
  DEFAULT_HDFS_TIMEOUT,
  DEFAULT_NAMENODE_HTTP_PORT,
  type HDFSOptions,
  type HdfsHeaders,
} from './options';

/** Registers `hdfs` and `webhdfs` (done on import). */
export function register(): void {
  for (const p of HDFSFileSystem.protocols)
    registerImplementation(p, HDFSFileSystem as unknown as FileSystemClass, { clobber: true });
}

register();
