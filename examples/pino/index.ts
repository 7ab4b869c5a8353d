/**
 * pino through @omnifs/logsync, both ways.
 *
 *   npx tsx examples/pino/index.ts [logDir]     # default ./runs, any omnifs URL works
 *
 * 1. In the same thread: `pino(options, pinoDestination(log))` — lines go to the spool
 *    synchronously, the LogSync you hold syncs and closes.
 * 2. As a pino transport in a worker thread: `pino.transport({ target: '@omnifs/logsync/pino' })`.
 *    (The worker has its own memory, so use a local directory or a real remote URL with it.)
 */
import pino from 'pino';
import { createLogSync } from '@omnifs/logsync';
import { pinoDestination } from '@omnifs/logsync/pino';

async function main(): Promise<void> {
  const logDir = process.argv[2] ?? process.env.OMNIFS_LOG_DIR ?? './runs';

  // 1. same thread
  const log = await createLogSync({ logDir, experiment: 'pino-inline', syncIntervalMs: 1000 });
  const logger = pino({ base: undefined }, pinoDestination(log));
  for (let step = 1; step <= 5; step++) logger.info({ step, loss: 1 / step }, 'step done');
  await log.close();
  console.log(`in-thread pino lines: ${log.target}/training.log`);

  // 2. worker-thread transport
  if (logDir.startsWith('memory://')) {
    console.log('(no worker transport for memory://: the worker thread has a memory of its own)');
    return;
  }
  const transport = pino.transport({
    target: '@omnifs/logsync/pino',
    options: { logDir, experiment: 'pino-transport', syncIntervalMs: 1000 },
  });
  const workerLogger = pino(transport);
  for (let step = 1; step <= 5; step++) workerLogger.info({ step }, 'from the worker transport');
  await new Promise<void>((resolve) => {
    transport.on('close', () => resolve());
    workerLogger.flush();
    transport.end();
  });
  console.log(`transport lines: ${logDir.replace(/\/+$/, '')}/pino-transport/training.log`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
