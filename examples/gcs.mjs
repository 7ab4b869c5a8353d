// Google Cloud Storage: the bucket comes from GCS_BUCKET, credentials from the environment
// (Application Default Credentials), or OMNIFS_GS_API_ENDPOINT names an emulator.
import { filesystem, FsError } from '@omnifs/core';

const bucket = process.env.GCS_BUCKET ?? 'my-omnifs-bucket';
const fs = filesystem('gs');                             // options from OMNIFS_GS_* variables
await fs.makedirs(bucket, { existOk: true });

await fs.writeText(`${bucket}/runs/run-1/metrics.json`, '{"loss":0.31}');
await fs.pipeFile(`gs://${bucket}/runs/run-1/weights.bin`, new Uint8Array(20 * 1024 * 1024));
const names = (paths) => paths.map((p) => p.slice(bucket.length + 1));
console.log(names(await fs.ls(`${bucket}/runs/run-1`))); // [ 'runs/run-1/metrics.json', 'runs/run-1/weights.bin' ]
console.log((await fs.info(`${bucket}/runs/run-1/weights.bin`)).size); // 20971520

await fs.pipeFile(`${bucket}/runs/run-1/metrics.json`, '{}', { mode: 'create' }).catch((e) => {
  if (e instanceof FsError) console.log(e.kind);         // AlreadyExists
});
await fs.cp(`${bucket}/runs/run-1/`, `${bucket}/archive/run-1`, { recursive: true }); // server-side
console.log(names(await fs.find(`${bucket}/archive`))); // [ 'archive/run-1/metrics.json', 'archive/run-1/weights.bin' ]
await fs.rm(`${bucket}/runs`, { recursive: true });
console.log(await fs.exists(`${bucket}/runs/run-1`));    // false
