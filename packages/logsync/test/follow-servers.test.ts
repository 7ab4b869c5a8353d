/**
 * followLog on each harness server while child jobs log there: every line once, in order,
 * across rotations (segments uploaded as training.log.N.gz) and a restart of the run.
 */
import { join } from 'node:path';
import { clearInstanceCache, filesystem } from '@omnifs/core';
import { freshName, freshRoot, useServer } from '../../../test/servers/index';
import { followAcrossRotationAndRestart } from './helpers/follow';
import { tempDir } from './helpers/util';
import { azureStorage, gcsStorage, hdfsStorage, s3Storage } from './helpers/storage';

/** A bucket (created when the harness gives none) and a fresh prefix, as `bucket/prefix`. */
async function freshBucket(
  protocol: string,
  storage: Record<string, unknown>,
  given: string | undefined,
): Promise<string> {
  const root = freshRoot(given);
  if (root.create) await filesystem(protocol, { ...storage, skipInstanceCache: true }).makedirs(root.bucket);
  return `${root.bucket}${root.prefix === '' ? '' : `/${root.prefix.replace(/\/$/, '')}`}`;
}

describe('followLog on the servers', function () {
  this.timeout(120_000);
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
    clearInstanceCache();
  });
  afterEach(() => tmp.cleanup());

  describe('S3 (moto)', () => {
    const s3 = useServer('s3');
    it('sees every line of child jobs once, in order, across rotations and a restart', async () => {
      const storage = s3Storage(s3.info);
      const url = `s3://${await freshBucket('s3', storage, s3.info.bucket)}/runs`;
      await followAcrossRotationAndRestart(url, `${url}/exp`, join(tmp.dir, 'spool'), storage);
    });
  });

  describe('GCS (fake-gcs-server)', () => {
    const gcs = useServer('gcs');
    it('sees every line of child jobs once, in order, across rotations and a restart', async () => {
      const storage = gcsStorage(gcs.info);
      const url = `gs://${await freshBucket('gs', storage, gcs.info.bucket)}/runs`;
      await followAcrossRotationAndRestart(url, `${url}/exp`, join(tmp.dir, 'spool'), storage);
    });
  });

  describe('Azure Blob (Azurite)', () => {
    const az = useServer('azure');
    it('sees every line of child jobs once, in order, across rotations and a restart', async () => {
      const storage = azureStorage(az.info);
      const url = `az://${await freshBucket('az', storage, az.info.container)}/runs`;
      await followAcrossRotationAndRestart(url, `${url}/exp`, join(tmp.dir, 'spool'), storage);
    });
  });

  describe('HDFS (MiniDFSCluster)', () => {
    const hdfs = useServer('hdfs');
    it('sees every line of child jobs once, in order, across rotations and a restart', async () => {
      const storage = hdfsStorage(hdfs.info);
      const url = `hdfs://namenode:8020/${freshName('follow')}/runs`;
      await followAcrossRotationAndRestart(url, `${url}/exp`, join(tmp.dir, 'spool'), storage);
    });
  });
});
