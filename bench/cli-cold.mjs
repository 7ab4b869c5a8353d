/**
 * The `omnifs` command's start-up: `omnifs stat` of a 4 KiB object run as a new process,
 * with Node's compile cache (which the CLI turns on where Node has it, 22.1 and later) and
 * without it (`NODE_DISABLE_COMPILE_CACHE=1`), alternating; median wall time of the runs,
 * process start to exit. The cache lives in a scratch directory (`TMPDIR`), filled by a
 * first run.
 *
 *   node bench/cli-cold.mjs                       S3, 9 runs each
 *   node bench/cli-cold.mjs --stores=s3,azure --runs=15
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { median } from './lib/harness.mjs';
import { startStore } from './race/stores.mjs';

const arg = (name, fallback) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a === undefined ? fallback : a.slice(name.length + 3);
};
const stores = arg('stores', 's3').split(',');
const runs = Number(arg('runs', 9));
const run = promisify(execFile);
const bin = fileURLToPath(new URL('../packages/cli/bin/omnifs.js', import.meta.url));

/** The CLI's environment and URL of the object for each store. */
function target(kind, st, scratch) {
  const c = st.conns.direct;
  const base = { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: scratch };
  switch (kind) {
    case 's3':
      return {
        env: {
          ...base,
          AWS_ACCESS_KEY_ID: c.accessKeyId,
          AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
          AWS_REGION: c.region,
        },
        url: `s3://${st.bucket}/cold/obj`,
        endpoint: c.endpoint,
      };
    case 'gcs':
      return {
        env: { ...base, GOOGLE_CLOUD_PROJECT: c.projectId },
        url: `gs://${st.bucket}/cold/obj`,
        endpoint: c.apiEndpoint,
      };
    case 'azure':
      return {
        env: { ...base, AZURE_STORAGE_ACCOUNT_NAME: c.accountName, AZURE_STORAGE_ACCOUNT_KEY: c.accountKey },
        url: `az://${st.bucket}/cold/obj`,
        endpoint: c.blobEndpoint,
      };
    case 'hdfs':
      return { env: base, url: `hdfs:///${st.bucket}/cold/obj`, endpoint: c.namenodeUrl };
    default:
      throw new Error(`unknown store ${kind}`);
  }
}

for (const kind of stores) {
  const scratch = mkdtempSync(join(os.tmpdir(), 'omnifs-cli-cold-'));
  const st = await startStore(kind, scratch);
  try {
    const t = target(kind, st, scratch);
    const cli = (args, env) =>
      run(process.execPath, [bin, ...args, '--endpoint-url', t.endpoint], { env, timeout: 60_000 });
    const file = join(scratch, 'obj');
    copyFileSync(bin, file);
    await cli(['put', file, t.url], t.env);
    const times = { off: [], on: [] };
    for (let i = 0; i < runs; i++)
      for (const mode of ['off', 'on']) {
        const env = mode === 'off' ? { ...t.env, NODE_DISABLE_COMPILE_CACHE: '1' } : t.env;
        const t0 = performance.now();
        await cli(['stat', t.url], env);
        times[mode].push(performance.now() - t0);
      }
    const ms = (a) => median(a).toFixed(0);
    process.stdout.write(
      `${kind}: omnifs stat, Node ${process.version}: compile cache off ${ms(times.off)} ms, on ${ms(times.on)} ms (median of ${runs})\n`,
    );
  } finally {
    await st.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}
process.exit(0);
