/** Shared set-up of the HDFS suites: the harness's MiniDFSCluster and filesystems on it. */
import { expect } from 'chai';
import { FsError } from '@omnifs/core';
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

const MiB = 1024 * 1024;

/**
 * Reads a file of 18 MiB that names no version (`readChunks`, `catFile`) while it is
 * replaced: each read ends with the whole of one version or with `ConditionNotMatch`, and a
 * read that went on past the swap fails. A datanode, or a gateway's client of the cluster,
 * looks the path up again every ten blocks (1 MiB here): a read past them would go on in the
 * new file.
 */
export async function expectReadsOfOneVersion(fs: HDFSFileSystem, dir: string): Promise<void> {
  const old = Buffer.alloc(18 * MiB, 'a');
  const replacement = Buffer.alloc(18 * MiB, 'b');
  for (const read of ['readChunks', 'catFile'] as const) {
    await fs.pipeFile(`${dir}/swap.bin`, old);
    let got: Buffer | undefined;
    const err = await (async () => {
      if (read === 'readChunks') {
        const chunks: Buffer[] = [];
        for await (const c of fs.readChunks(`${dir}/swap.bin`)) {
          if (chunks.length === 0) await fs.pipeFile(`${dir}/swap.bin`, replacement);
          chunks.push(c);
        }
        got = Buffer.concat(chunks);
      } else {
        const reading = fs.catFile(`${dir}/swap.bin`);
        await fs.pipeFile(`${dir}/swap.bin`, replacement);
        got = await reading;
      }
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    // Either the whole of one version (the read ended before the swap mattered) or the error.
    if (err === undefined) expect(got!.equals(old) || got!.equals(replacement), read).to.equal(true);
    else expect(err, read).to.be.instanceOf(FsError).with.property('kind', 'ConditionNotMatch');
    if (read === 'readChunks') expect(err, 'a read that went on past the swap').to.not.equal(undefined);
  }
}
