/**
 * Checkpoints next to the logs: a real TF.js model saved through omnifsIO and loaded back
 * on memory, local disk and each harness server; saveCheckpoint with progress and keepLast.
 */
import { expect } from 'chai';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { clearInstanceCache, filesystem, FsError, urlToFs } from '@omnifs/core';
import { createLogSync } from '@omnifs/logsync';
import { omnifsIO } from '@omnifs/logsync/tfjs';
import { freshName, freshRoot, useServer } from '../../../test/servers/index';
import { randomName, tempDir } from './helpers/util';
import { azureStorage, gcsStorage, hdfsStorage, s3Storage } from './helpers/storage';

/** Saves a small trained-looking model to `url`, loads it back, and checks weights and predictions are identical. */
async function roundTrip(url: string, storageOptions: Record<string, unknown> = {}): Promise<void> {
  const model = tfl.sequential();
  model.add(tfl.layers.dense({ units: 8, inputShape: [4], activation: 'relu' }));
  model.add(tfl.layers.dense({ units: 1 }));
  model.compile({ loss: 'meanSquaredError', optimizer: 'sgd' });
  const progress: { bytes: number; totalBytes?: number }[] = [];
  const saved = await model.save(omnifsIO(url, { storageOptions, onProgress: (p) => progress.push(p) }));
  expect(saved.modelArtifactsInfo.weightDataBytes).to.equal((4 * 8 + 8 + 8 + 1) * 4);
  expect(progress.at(-1)).to.deep.equal({ bytes: 49 * 4, totalBytes: 49 * 4 });
  const loaded = await tfl.loadLayersModel(omnifsIO(url, { storageOptions }));
  const input = tf.tensor2d([
    [1, 2, 3, 4],
    [-1, 0.5, 0, 2],
  ]);
  expect(Array.from(await (loaded.predict(input) as tf.Tensor).data())).to.deep.equal(
    Array.from(await (model.predict(input) as tf.Tensor).data()),
  );
  const weights = await Promise.all(model.getWeights().map((w) => w.data()));
  const again = await Promise.all(loaded.getWeights().map((w) => w.data()));
  expect(again.map((w) => Array.from(w))).to.deep.equal(weights.map((w) => Array.from(w)));
  const { fs, path } = urlToFs(url, storageOptions);
  expect(((await fs.ls(path)) as string[]).map((p) => p.slice(p.lastIndexOf('/') + 1)).sort()).to.deep.equal([
    'model.json',
    'weights.bin',
  ]);
  input.dispose();
}

describe('checkpoints', function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof tempDir>;
  before(async () => {
    tf.env().set('IS_TEST', true);
    await tf.setBackend('cpu');
  });
  beforeEach(() => {
    tmp = tempDir();
    clearInstanceCache();
  });
  afterEach(() => tmp.cleanup());

  it('TF.js model save/load round trip on memory', async () => {
    await roundTrip(`memory://${randomName('ckpt')}/run-42/checkpoints/ckpt-5`);
  });

  it('TF.js model save/load round trip in a directory whose name holds glob characters', async () => {
    await roundTrip(`memory://${randomName('ckpt')}/run[1]/checkpoints/ckpt-*5`);
  });

  it('TF.js model save/load round trip on local disk', async () => {
    await roundTrip(join(tmp.dir, 'run-42', 'checkpoints', 'ckpt-5'));
  });

  it('saveCheckpoint streams any bytes with progress, and keepLast keeps the newest N', async () => {
    const logDir = `memory://${randomName('ckpt')}`;
    const log = await createLogSync({
      logDir,
      experiment: 'run',
      handleSignals: false,
      syncIntervalMs: 0,
      spoolDir: join(tmp.dir, 'spool'),
    });
    const seen: number[] = [];
    const big = Buffer.alloc(3 * 1024 * 1024 + 5, 7);
    const url = await log.saveCheckpoint('ckpt-1.bin', Readable.from([big.subarray(0, 1000), big.subarray(1000)]), {
      onProgress: (p) => seen.push(p.bytes),
    });
    expect(url).to.equal(`${log.target}/checkpoints/ckpt-1.bin`);
    expect(seen[0]).to.equal(0);
    expect(seen.at(-1)).to.equal(big.byteLength);
    expect(seen.length).to.be.greaterThan(2);
    expect(seen).to.deep.equal([...seen].sort((a, b) => a - b));
    for (let epoch = 2; epoch <= 11; epoch++)
      await log.saveCheckpoint(`ckpt-${epoch}.bin`, `weights of epoch ${epoch}`, { keepLast: 3 });
    const { fs, path } = urlToFs(`${logDir}/run/checkpoints`);
    expect(((await fs.ls(path)) as string[]).map((p) => p.slice(path.length + 1)).sort()).to.deep.equal([
      'ckpt-10.bin',
      'ckpt-11.bin',
      'ckpt-9.bin',
    ]);
    expect(await fs.readText(`${path}/ckpt-11.bin`)).to.equal('weights of epoch 11');
    for (const bad of [{ keepLast: 0 }, { keep: 3 }]) {
      const err = await log.saveCheckpoint('x', 'y', bad as never).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((err as FsError).kind).to.equal('InvalidArgument');
    }
    await log.close();
  });
});

/** A bucket (created when the harness gives none) with a fresh prefix, as `bucket/prefix/`. */
async function bucketOf(
  protocol: string,
  storage: Record<string, unknown>,
  given: string | undefined,
): Promise<string> {
  const root = freshRoot(given);
  if (root.create) await filesystem(protocol, { ...storage, skipInstanceCache: true }).makedirs(root.bucket);
  return `${root.bucket}/${root.prefix}`;
}

describe('checkpoints on the servers: TF.js model save/load round trip', function () {
  this.timeout(60_000);
  before(async () => {
    tf.env().set('IS_TEST', true);
    await tf.setBackend('cpu');
  });
  beforeEach(() => clearInstanceCache());

  describe('S3 (moto)', () => {
    const s3 = useServer('s3');
    it('saves and loads a model', async () => {
      const storage = s3Storage(s3.info);
      await roundTrip(`s3://${await bucketOf('s3', storage, s3.info.bucket)}run/checkpoints/ckpt-5`, storage);
    });
  });

  describe('GCS (fake-gcs-server)', () => {
    const gcs = useServer('gcs');
    it('saves and loads a model', async () => {
      const storage = gcsStorage(gcs.info);
      await roundTrip(`gs://${await bucketOf('gs', storage, gcs.info.bucket)}run/checkpoints/ckpt-5`, storage);
    });
  });

  describe('Azure Blob (Azurite)', () => {
    const az = useServer('azure');
    it('saves and loads a model', async () => {
      const storage = azureStorage(az.info);
      await roundTrip(`az://${await bucketOf('az', storage, az.info.container)}run/checkpoints/ckpt-5`, storage);
    });
  });

  describe('HDFS (MiniDFSCluster)', () => {
    const hdfs = useServer('hdfs');
    it('saves and loads a model', async () => {
      await roundTrip(`hdfs://namenode:8020/${freshName('ckpt')}/run/checkpoints/ckpt-5`, hdfsStorage(hdfs.info));
    });
  });
});
