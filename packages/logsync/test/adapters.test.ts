import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pino from 'pino';
import winston from 'winston';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { filesystem, urlToFs } from '@omnifs/core';
import '@omnifs/memory';
import { createLogSync, writableDestination } from '@omnifs/logsync';
import { winstonTransport } from '@omnifs/logsync/winston';
import pinoTransport, { pinoDestination } from '@omnifs/logsync/pino';
import { LogSyncCallback } from '@omnifs/logsync/tfjs';
import { lines, randomName, tempDir } from './helpers/util';

const memory = filesystem('memory');

describe('logsync adapters', function () {
  this.timeout(30_000);
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  describe('pino', () => {
    it('pinoDestination: a pino logger in the same thread writes its JSON lines to the run', async () => {
      const root = `/${randomName('runs')}`;
      const log = await createLogSync({
        logDir: `memory://${root}`,
        experiment: 'e',
        syncIntervalMs: 0,
        handleSignals: false,
      });
      const logger = pino({ base: undefined }, pinoDestination(log));
      logger.info({ step: 1 }, 'hello');
      logger.warn('careful');
      await log.close();
      const parsed = lines(await memory.readText(`${root}/e/training.log`)).map(
        (l) => JSON.parse(l) as Record<string, unknown>,
      );
      expect(parsed.map((p) => [p.level, p.msg, p.step])).to.deep.equal([
        [30, 'hello', 1],
        [40, 'careful', undefined],
      ]);
    });

    it('the transport function appends each line and closes the log when the stream ends', async () => {
      const root = `/${randomName('runs')}`;
      const stream = await pinoTransport({
        logDir: `memory://${root}`,
        experiment: 'e',
        spoolDir: join(tmp.dir, 'spool'),
        handleSignals: false,
        file: 'pino.log',
      });
      stream.write('{"level":30,"msg":"a"}\n{"level":30,"msg":"b"}\n');
      const closed = new Promise((resolve) => stream.on('close', resolve));
      stream.end();
      await closed;
      expect(await memory.readText(`${root}/e/pino.log`)).to.equal('{"level":30,"msg":"a"}\n{"level":30,"msg":"b"}\n');
    });

    it('pino.transport runs it in a worker thread (built package)', async () => {
      const transport = pino.transport({
        target: require.resolve('@omnifs/logsync/pino'),
        options: { logDir: tmp.dir, experiment: 'w', syncIntervalMs: 0 },
      });
      const logger = pino(transport);
      for (let i = 0; i < 100; i++) logger.info({ i }, 'from the worker');
      const closed = new Promise((resolve) => transport.on('close', resolve));
      logger.flush();
      transport.end();
      await closed;
      const parsed = lines(readFileSync(join(tmp.dir, 'w', 'training.log'), 'utf8')).map(
        (l) => JSON.parse(l) as { i: number },
      );
      expect(parsed.map((p) => p.i)).to.deep.equal(Array.from({ length: 100 }, (_, i) => i));
    });
  });

  describe('TensorFlow.js', () => {
    before(async () => {
      tf.env().set('IS_TEST', true); // no "install tfjs-node" banner
      await tf.setBackend('cpu');
    });

    it('model.fit() with a LogSyncCallback logs each epoch, its metrics and syncs', async () => {
      const root = `/${randomName('runs')}`;
      const log = await createLogSync({
        logDir: `memory://${root}`,
        experiment: 'fit',
        syncIntervalMs: 0,
        handleSignals: false,
      });
      const model = tfl.sequential();
      model.add(tfl.layers.dense({ units: 1, inputShape: [1] }));
      model.compile({ loss: 'meanSquaredError', optimizer: 'sgd' });
      const xs = tf.tensor2d([1, 2, 3, 4], [4, 1]);
      const ys = tf.tensor2d([1, 3, 5, 7], [4, 1]);
      await model.fit(xs, ys, { epochs: 4, verbose: 0, callbacks: new LogSyncCallback(log) });
      // onTrainEnd synced: the target has every epoch before close().
      const metrics = lines(await memory.readText(`${root}/fit/metrics.jsonl`)).map(
        (l) => JSON.parse(l) as { epoch: number; loss: number },
      );
      expect(metrics.map((m) => m.epoch)).to.deep.equal([1, 2, 3, 4]);
      for (const m of metrics) expect(m.loss).to.be.a('number');
      expect(metrics[3]!.loss).to.be.lessThan(metrics[0]!.loss);
      const text = await memory.readText(`${root}/fit/training.log`);
      expect(text).to.contain('training started');
      expect(text).to.match(/epoch 4 loss=\d/);
      expect(text).to.contain('training ended');
      await log.close();
      xs.dispose();
      ys.dispose();
    });

    it('closes the log at the end of training with closeOnTrainEnd', async () => {
      const root = `/${randomName('runs')}`;
      const log = await createLogSync({
        logDir: `memory://${root}`,
        experiment: 'fit',
        syncIntervalMs: 0,
        handleSignals: false,
      });
      const cb = new LogSyncCallback(log, { closeOnTrainEnd: true, oneBasedEpochs: false });
      await cb.onTrainBegin();
      await cb.onEpochEnd(0, { loss: 1 });
      await cb.onTrainEnd();
      expect(() => log.info('late')).to.throw(/closed/);
      const metrics = JSON.parse(lines(await memory.readText(`${root}/fit/metrics.jsonl`))[0]!) as { epoch: number };
      expect(metrics.epoch).to.equal(0);
    });
  });
});

describe('winston transport and Writable destination', () => {
  it('winston: records go to the run log as the logger formats them, filtered by the transport level', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const log = await createLogSync({
        logDir: `memory://${randomName('winston')}`,
        experiment: 'exp',
        handleSignals: false,
        syncIntervalMs: 0,
        spoolDir: join(dir, 'spool'),
      });
      const logger = winston.createLogger({
        level: 'debug',
        format: winston.format.json(),
        transports: [winstonTransport(log, { level: 'info' })],
      });
      logger.info('line 0', { step: 1 });
      logger.debug('dropped by the transport level');
      logger.warn('line 1');
      await new Promise((r) => setImmediate(r));
      const target = log.target;
      await log.close();
      const { fs, path } = urlToFs(`${target}/training.log`);
      const records = lines(await fs.readText(path)).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(records).to.deep.equal([
        { level: 'info', message: 'line 0', step: 1 },
        { level: 'warn', message: 'line 1' },
      ]);
    } finally {
      cleanup();
    }
  });

  it('a Writable destination appends text and UTF-8 bytes split anywhere', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const log = await createLogSync({ logDir: join(dir, 'runs'), experiment: 'exp', handleSignals: false });
      const stream = writableDestination(log, 'tool.log');
      const bytes = Buffer.from('naïve line 1\n');
      await pipeline(Readable.from(['line 0\n', bytes.subarray(0, 3), bytes.subarray(3)]), stream);
      await log.close();
      expect(readFileSync(join(dir, 'runs', 'exp', 'tool.log'), 'utf8')).to.equal('line 0\nnaïve line 1\n');
    } finally {
      cleanup();
    }
  });
});
