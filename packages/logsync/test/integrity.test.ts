/**
 * What must never go silently wrong: a stale spool lock taken by several processes at
 * once, and log lines forged or lost to unusual values (a full spool disk and two writers
 * on one run are in failures.test.ts).
 */
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogSync } from '@omnifs/logsync';
import { lines, tempDir } from './helpers/util';

const SPOOL_JS = join(__dirname, '..', 'dist', 'spool.js');

/**
 * Runs `count` processes that all try to open the spool at the same moment (a winner
 * keeps its lock while the others try); returns what each said.
 */
async function race(dir: string, count: number): Promise<string[]> {
  const at = Date.now() + 1000;
  const script = `const { Spool } = require(${JSON.stringify(SPOOL_JS)});
    while (Date.now() < ${at}) {}
    try { new Spool(${JSON.stringify(dir)}, 't', true).open(); process.stdout.write('locked'); setTimeout(() => {}, 2500); }
    catch (e) { process.stdout.write('busy:' + e.kind); }`;
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<string>((resolve) => {
          const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
          let out = '';
          child.stdout.on('data', (d: Buffer) => (out += d.toString()));
          child.on('exit', () => resolve(out));
        }),
    ),
  );
}

describe('logsync integrity', function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  it('lets exactly one of six processes take over a stale spool lock, every round', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    for (let round = 0; round < 3; round++) {
      const dir = join(tmp.dir, `spool-${round}`);
      mkdirSync(join(dir, '.logsync'), { recursive: true });
      writeFileSync(join(dir, '.logsync', 'lock'), String(dead));
      const said = await race(dir, 6);
      expect(
        said.filter((s) => s === 'locked'),
        `round ${round}: ${said.join(' ')}`,
      ).to.have.length(1);
      expect(said.filter((s) => s === 'busy:AlreadyExists')).to.have.length(5);
    }
  });

  it('writes a line break in a text message as \\n: a message cannot forge a line', async () => {
    const logDir = join(tmp.dir, 'runs');
    const log = await createLogSync({ logDir, experiment: 'exp', handleSignals: false });
    log.info('real\n2026-01-01T00:00:00.000Z ERROR forged\r\nsecond');
    log.info('path C:\\dir');
    await log.close();
    const text = lines(readFileSync(join(logDir, 'exp', 'training.log'), 'utf8'));
    expect(text).to.have.length(2);
    expect(text[0]).to.match(/ INFO {2}real\\n2026-01-01T00:00:00.000Z ERROR forged\\r\\nsecond$/);
    expect(text[1]).to.match(/ INFO {2}path C:\\dir$/);
  });

  it('logs BigInt and circular fields instead of throwing, in text and JSON lines and metrics', async () => {
    for (const format of ['text', 'json'] as const) {
      const logDir = join(tmp.dir, format);
      const log = await createLogSync({ logDir, experiment: 'exp', handleSignals: false, format });
      const loop: Record<string, unknown> = { name: 'loop' };
      loop.self = loop;
      const shared = { a: 1 };
      log.info('fields', { step: 10n ** 20n, loop, twice: [shared, shared] });
      await log.epochEnd(1, { samples: 5n, loop });
      await log.close();
      const line = lines(readFileSync(join(logDir, 'exp', 'training.log'), 'utf8'))[0]!;
      const json = JSON.parse(format === 'json' ? line : line.slice(line.indexOf('{')));
      expect(json).to.deep.include({
        step: '100000000000000000000',
        loop: { name: 'loop', self: '[Circular]' },
        twice: [{ a: 1 }, { a: 1 }],
      });
      const metrics = JSON.parse(readFileSync(join(logDir, 'exp', 'metrics.jsonl'), 'utf8'));
      expect(metrics).to.deep.include({ epoch: 1, samples: '5', loop: { name: 'loop', self: '[Circular]' } });
    }
  });
});
