/**
 * A small fake training loop that logs through @omnifs/logsync.
 *
 *   npm start                                   # ./runs/<experiment>/
 *   npm start -- --log-dir memory://runs        # in memory, read back at the end
 *   npm start -- --log-dir s3://bucket/runs     # any omnifs URL (install its package)
 *   OMNIFS_LOG_DIR=/tmp/runs npm start
 *
 * Options: --log-dir URL, --experiment NAME, --epochs N, --steps N (per epoch),
 * --step-ms N (time per step), --sync-ms N (background sync period), --close-timeout-ms N
 * (the longest the final sync may take; default 10 000: without a network the job still ends).
 */
import { parseArgs } from 'node:util';
import { urlToFs } from '@omnifs/core';
import { createLogSync } from '@omnifs/logsync';

const USAGE = 'usage: npm start -- [--log-dir URL] [--experiment NAME] [--epochs N] [--steps N] [--step-ms N] [--sync-ms N] [--close-timeout-ms N]';

function number(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number\n${USAGE}`);
  return n;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'log-dir': { type: 'string' },
      experiment: { type: 'string' },
      epochs: { type: 'string' },
      steps: { type: 'string' },
      'step-ms': { type: 'string' },
      'sync-ms': { type: 'string' },
      'close-timeout-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const logDir = values['log-dir'] ?? process.env.OMNIFS_LOG_DIR ?? './runs';
  const experiment = values.experiment ?? `run-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}`;
  const epochs = number(values.epochs, 'epochs', 5);
  const steps = number(values.steps, 'steps', 40);
  const stepMs = number(values['step-ms'], 'step-ms', 10);

  const log = await createLogSync({ logDir, experiment, syncIntervalMs: number(values['sync-ms'], 'sync-ms', 1000) });
  console.log(`logging to ${log.target} (${log.local ? 'local, written in place' : `spool ${log.spoolDir}, ${log.strategy} sync`})`);

  await log.writeText('model_info.txt', 'FakeNet: dense(16) -> relu -> dense(1)\nparameters: 49\noptimizer: sgd(lr=0.1)\n');
  log.info('training started', { epochs, steps });
  let best = Infinity;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    let sum = 0;
    for (let step = 1; step <= steps; step++) {
      const progress = (epoch - 1 + step / steps) / epochs;
      const loss = 2 * Math.exp(-3 * progress) + 0.05 * Math.random();
      sum += loss;
      if (step % 10 === 0) log.info(`epoch ${epoch} step ${step}/${steps} loss=${loss.toFixed(4)}`);
      await sleep(stepMs);
    }
    const loss = sum / steps;
    const valLoss = loss * (1.05 + 0.05 * Math.random());
    best = Math.min(best, valLoss);
    await log.writeJson('metrics.json', { epoch, loss, val_loss: valLoss, best_val_loss: best });
    await log.epochEnd(epoch, { loss, val_loss: valLoss });
    console.log(`epoch ${epoch}/${epochs}  loss=${loss.toFixed(4)}  val_loss=${valLoss.toFixed(4)}`);
  }
  log.info('training finished', { best_val_loss: best });
  await log.close({ timeoutMs: number(values['close-timeout-ms'], 'close-timeout-ms', 10_000) });
  if (!log.local) console.log(`uploaded ${log.stats.bytesSent} bytes in ${log.stats.syncs} syncs`);

  // Read the run back through omnifs, wherever it went.
  const { fs, path } = urlToFs(log.target);
  console.log(`\n${log.target}:`);
  for (const f of await fs.find(path, { detail: true })) console.log(`  ${f.name.slice(path.length + 1).padEnd(16)} ${String(f.size).padStart(7)} bytes`);
  const tail = (await fs.readText(`${path}/training.log`)).trimEnd().split('\n').slice(-3);
  console.log('\ntraining.log (last lines):');
  for (const line of tail) console.log(`  ${line}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
