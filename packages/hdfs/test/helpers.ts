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

/**
 * Per test of the calling suite: a new filesystem on the cluster and a fresh top-level
 * directory (`/<label>-<random>`, made first when `made`), handed to `use` before the test
 * and removed, with all it holds, after it.
 */
export function useFreshDir(
  hdfs: { readonly info: HdfsInfo },
  label: string,
  use: (fs: HDFSFileSystem, dir: string) => void,
  { made = false }: { made?: boolean } = {},
): void {
  let current: { fs: HDFSFileSystem; dir: string } | undefined;
  beforeEach(async () => {
    current = { fs: makeFs(hdfs.info), dir: freshDir(label) };
    if (made) await current.fs.makedirs(current.dir);
    use(current.fs, current.dir);
  });
  afterEach(async () => {
    await current?.fs.rm(current.dir, { recursive: true }).catch(() => undefined);
    current = undefined;
  });
}
