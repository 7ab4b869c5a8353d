// docs/logsync.md: a run that rotates its log, saves checkpoints, and is followed live.
import { urlToFs } from '@omnifs/core';
import { createLogSync, followLog, listRuns } from '@omnifs/logsync';

const logDir = 'memory://runs';   // any URL: s3://bucket/runs, gs://..., a local path
const log = await createLogSync({ logDir, experiment: 'run-42', rotate: { maxBytes: 4096, keep: 10 } });
log.on('warning', (err) => console.error('sync trouble:', err.message));   // failed attempts, as they happen

// Follow the run as it grows: from another process or machine this is `omnifs logs follow`.
const controller = new AbortController();
const followed = [];
const following = (async () => {
  const run = `${logDir}/run-42`;
  for await (const line of followLog(run, { fromStart: true, pollMs: 50, signal: controller.signal })) {
    followed.push(line);
    if (line.endsWith('epoch 3 loss=0.333333')) controller.abort();
  }
})();

for (let epoch = 1; epoch <= 3; epoch++) {
  for (let step = 0; step < 100; step++) log.info(`epoch ${epoch} step ${step}`, { loss: 1 / (epoch + step) });
  await log.epochEnd(epoch, { loss: 1 / epoch }, { wait: true });
  await log.saveCheckpoint(`ckpt-${epoch}.bin`, new Uint8Array(1024), { keepLast: 2 });
}
await following;
console.log(followed.length);               // 303: every line once, in order, across the rotations
console.log(log.status().lagBytes);         // 0: everything is on the target
await log.close({ timeoutMs: 10_000 });     // never holds the job longer than that

const { fs } = urlToFs(logDir);
console.log((await fs.ls('/runs/run-42')).map((p) => p.split('/').pop()).join(' '));
// checkpoints metrics.jsonl training.log training.log.1.gz training.log.2.gz training.log.3.gz
const [run] = await listRuns(logDir);       // `omnifs logs ls memory://runs`
console.log(run.name, JSON.parse(run.lastMetrics).epoch);   // run-42 3
console.log((await fs.ls('/runs/run-42/checkpoints')).map((p) => p.split('/').pop()).join(' '));   // ckpt-2.bin ckpt-3.bin
