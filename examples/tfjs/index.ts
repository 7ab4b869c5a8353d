/**
 * TensorFlow.js training logged through @omnifs/logsync (pure-JS CPU backend; no native
 * tfjs-node needed).
 *
 *   npx tsx examples/tfjs/index.ts [logDir]     # default ./runs, any omnifs URL works
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { createLogSync } from '@omnifs/logsync';
import { LogSyncCallback } from '@omnifs/logsync/tfjs';

async function main(): Promise<void> {
  const logDir = process.argv[2] ?? process.env.OMNIFS_LOG_DIR ?? './runs';
  tf.env().set('PROD', true); // quiet: no "install tfjs-node" banner
  await tf.setBackend('cpu');

  const log = await createLogSync({ logDir, experiment: 'tfjs-linear', syncIntervalMs: 2000 });
  const model = tfl.sequential();
  model.add(tfl.layers.dense({ units: 1, inputShape: [1] }));
  model.compile({ loss: 'meanSquaredError', optimizer: 'sgd' });
  await log.writeText('model_info.txt', `dense(1), ${model.countParams()} parameters, sgd, mse\n`);

  // y = 2x - 1 with a little noise
  const x = Array.from({ length: 64 }, (_, i) => i / 16);
  const xs = tf.tensor2d(x, [x.length, 1]);
  const ys = tf.tensor2d(x.map((v) => 2 * v - 1 + 0.05 * (Math.random() - 0.5)), [x.length, 1]);
  await model.fit(xs, ys, { epochs: 20, batchSize: 16, verbose: 0, callbacks: new LogSyncCallback(log, { closeOnTrainEnd: true }) });
  console.log(`20 epochs logged to ${log.target} (metrics.jsonl, training.log, model_info.txt)`);
  xs.dispose();
  ys.dispose();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
