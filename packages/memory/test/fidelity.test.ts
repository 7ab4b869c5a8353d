/**
 * Fidelity of the stand-in: the store-rule tests (fidelity.ts) on moto, fake-gcs-server
 * and Azurite, and the same tests on the memory stand-in configured as each store.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { filesystem, type FileSystem } from '@omnifs/core';
import { memoryStandIn, type StandIn } from '@omnifs/memory';
import type { S3FileSystem } from '@omnifs/s3';
import type { GCSFileSystem } from '@omnifs/gcs';
import type { AzureBlobFileSystem } from '@omnifs/azure';
import { makeFs as makeS3, useS3 } from '../../s3/test/helpers';
import { makeFs as makeGcs, useGcs } from '../../gcs/test/helpers';
import { makeFs as makeAzure, useAzure } from '../../azure/test/helpers';
import { storeRuleTests, type StoreSide } from './fidelity';

interface RealServer {
  server: string;
  /** Returns what makes the filesystem under test, with `options` added. */
  use: () => (options?: Record<string, unknown>) => FileSystem;
  marker: (fs: FileSystem, path: string) => Promise<void>;
  validatesBucketNames?: boolean;
}

const real: Record<string, RealServer> = {
  s3: {
    server: 'moto',
    validatesBucketNames: false, // moto creates buckets S3 refuses (InvalidBucketName); the stand-in follows S3
    use: () => {
      const s3 = useS3();
      return (options) => makeS3(s3.info, options);
    },
    marker: async (fs, path) => {
      const [bucket, ...key] = path.split('/');
      await (fs as S3FileSystem).client.send(
        new PutObjectCommand({ Bucket: bucket, Key: `${key.join('/')}/`, Body: '' }),
      );
    },
  },
  gs: {
    server: 'fake-gcs-server',
    use: () => {
      const gcs = useGcs();
      return () => makeGcs(gcs.info);
    },
    marker: async (fs, path) => {
      const [bucket, ...key] = path.split('/');
      await (fs as GCSFileSystem).storage
        .bucket(bucket!)
        .file(`${key.join('/')}/`)
        .save('');
    },
  },
  az: {
    server: 'Azurite',
    use: () => {
      const azure = useAzure();
      return () => makeAzure(azure.info);
    },
    marker: async (fs, path) => {
      const [container, ...blob] = path.split('/');
      await (fs as AzureBlobFileSystem).service
        .getContainerClient(container!)
        .getBlockBlobClient(`${blob.join('/')}/`)
        .upload('', 0);
    },
  },
};

for (const [protocol, r] of Object.entries(real)) {
  describe(`store rules: ${protocol}`, function () {
    this.timeout(60_000);

    describe(`on ${r.server}`, () => {
      const make = r.use();
      let fs: FileSystem;
      before(() => {
        fs = make();
      });
      storeRuleTests(() => ({
        protocol,
        fs: () => fs,
        marker: (p) => r.marker(fs, p),
        withOptions: make,
        ...(r.validatesBucketNames === false ? { validatesBucketNames: false } : {}),
      }));
    });

    describe('on the memory stand-in', () => {
      let standIn: StandIn;
      before(() => {
        standIn = memoryStandIn([protocol]);
      });
      after(() => standIn.restore());
      const side = (): StoreSide => ({
        protocol,
        fs: () => filesystem(protocol, protocol === 'az' ? { accountName: 'standin' } : {}),
        marker: async (p) => standIn.seed({ [`${protocol}://${p}/`]: '' }),
        withOptions: (options) => filesystem(protocol, options),
      });
      storeRuleTests(side);
    });
  });
}
