/**
 * HDFS through an HttpFS gateway (the WebHDFS API served by a client of the cluster, as
 * HttpFS and Knox deployments do): the conformance suite, and the writes whose RENAME
 * semantics differ there (HttpFS renames as FileSystem.rename does and ignores
 * `renameoptions`).
 */
import { expect } from 'chai';
import { conformanceSuite } from '@omnifs/testkit';
import { HDFSFileSystem } from '@omnifs/hdfs';
import { useHttpFs } from '../../../test/servers/index';
import { expectReadsOfOneVersion, freshDir } from './helpers';

describe('hdfs: through an HttpFS gateway', function () {
  this.timeout(120_000);
  const gateway = useHttpFs();
  const make = (): HDFSFileSystem =>
    new HDFSFileSystem({ url: gateway.info.url, user: 'omnifs', skipInstanceCache: true });

  // Each case on a new filesystem: its first RENAME is the one that tells how the gateway renames.
  it('refuses a write over a directory with IsADirectory, leaving nothing inside it', async () => {
    const fs = make();
    const dir = freshDir('httpfs');
    await fs.makedirs(`${dir}/target`);
    await fs.writeText(`${dir}/target/kept.txt`, 'kept');
    const err = await fs.writeText(`${dir}/target`, 'new').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.include({ kind: 'IsADirectory' });
    expect(await make().ls(`${dir}/target`, { detail: false })).to.deep.equal([`${dir}/target/kept.txt`]);
    expect((await make().find(dir, { withDirs: true })).sort()).to.deep.equal([
      dir,
      `${dir}/target`,
      `${dir}/target/kept.txt`,
    ]);
    await fs.rm(dir, { recursive: true });
  });

  it('replaces the file on an overwrite and keeps it on a create, from the first write on', async () => {
    const dir = freshDir('httpfs');
    await make().writeText(`${dir}/a.txt`, 'one');
    const fs = make();
    await fs.writeText(`${dir}/a.txt`, 'two');
    expect(await fs.readText(`${dir}/a.txt`)).to.equal('two');
    const exclusive = make();
    const err = await exclusive.pipeFile(`${dir}/a.txt`, 'three', { mode: 'create' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.include({ kind: 'AlreadyExists' });
    expect(await fs.readText(`${dir}/a.txt`)).to.equal('two');
    const mover = make();
    await mover.writeText(`${dir}/b.txt`, 'bee');
    await mover.mv(`${dir}/b.txt`, `${dir}/a.txt`);
    expect(await fs.readText(`${dir}/a.txt`)).to.equal('bee');
    expect(await fs.find(dir)).to.deep.equal([`${dir}/a.txt`]);
    await fs.rm(dir, { recursive: true });
  });

  it('fails a long read that names no version when the file is replaced under it, never mixing the two', async () => {
    // The gateway streams its answer without a length.
    const fs = make();
    const dir = freshDir('httpfs');
    await expectReadsOfOneVersion(fs, dir);
    await fs.rm(dir, { recursive: true });
  });

  // Every topic whose requests a gateway answers its own way; the glob, copy-glob, naming
  // and fsspec-rule topics test core's path rules on the same calls and run on the namenode.
  conformanceSuite(
    {
      name: 'hdfs (HttpFS gateway)',
      factory: make,
      root: () => freshDir('httpfs'),
      declared: new HDFSFileSystem({ url: 'http://127.0.0.1:14000' }).capabilities,
      timeout: 60_000,
    },
    ['metadata', 'listing', 'ranges', 'wholeFiles', 'open', 'streams', 'copy', 'moveRemove', 'dirs', 'errors'],
  );
});
