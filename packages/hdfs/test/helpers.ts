/** Shared set-up of the HDFS suites: the harness's MiniDFSCluster and filesystems on it. */
import { HDFSFileSystem, type HDFSOptions } from '@omnifs/hdfs';
import { freshName, useServer, type HdfsInfo } from '../../../test/servers/index';

/** The HDFS server of this suite, started (once per run) by the harness. */
export function useHdfs(): { readonly info: HdfsInfo } {
  return useServer('hdfs');
}

/** Connection options of the harness's cluster. */
export function connection(info: HdfsInfo, url = info.namenodeUrl): HDFSOptions {
  return { url, user: info.user };
}

/** A new filesystem on the cluster (never cached), with extra options. */
export function makeFs(info: HdfsInfo, extra: HDFSOptions = {}): HDFSFileSystem {
  return new HDFSFileSystem({ ...connection(info), skipInstanceCache: true, ...extra });
}

/** A fresh top-level directory name for one test: `/omnifs-<random>`. */
export function freshDir(prefix = 'omnifs'): string {
  return `/${freshName(prefix)}`;
}
