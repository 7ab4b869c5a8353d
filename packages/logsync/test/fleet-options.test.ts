/** The fleet options: rotate, ranks, close and followLog arguments, checked and applied in this process. */
import { expect } from 'chai';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FsError } from '@omnifs/core';
import { createLogSync, type LogSyncOptions } from '@omnifs/logsync';
import { lineNumbers, range, tempDir } from './helpers/util';

describe('logsync fleet options', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());
  const base = (): LogSyncOptions => ({ logDir: join(tmp.dir, 'runs'), experiment: 'exp', handleSignals: false });

  it('refuses bad rotate, rank and close options with InvalidArgument', async () => {
    const bad: Partial<LogSyncOptions>[] = [
      { rotate: {} },
      { rotate: { maxBytes: 0 } },
      { rotate: { maxByte: 10 } as never },
      { rotate: { maxBytes: 10, gzip: 'yes' as never } },
      { rank: -1 },
      { rank: 1.5 },
      { rank: 4, worldSize: 4 },
      { worldSize: 0 },
      { ranks: 'all' as never },
    ];
    for (const extra of bad) {
      const err = await createLogSync({ ...base(), ...extra }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((err as FsError).kind, JSON.stringify(extra)).to.equal('InvalidArgument');
    }
    const log = await createLogSync(base());
    for (const options of [{ timeoutMs: -1 }, { timeout: 5 }]) {
      expect(() => log.close(options as never)).to.throw(FsError, /timeoutMs|no option/);
    }
    await log.close();
  });

  it('rotates by age: a write to a segment older than maxAgeMs starts the next one, and keep prunes the oldest segments (local target)', async () => {
    const log = await createLogSync({ ...base(), rotate: { maxAgeMs: 30, keep: 2 } });
    for (let i = 0; i < 6; i++) {
      log.info(`line ${i}`);
      await new Promise((r) => setTimeout(r, 45));
    }
    await log.close();
    const dir = join(tmp.dir, 'runs', 'exp');
    const names = readdirSync(dir)
      .filter((n) => n.startsWith('training.log'))
      .sort();
    expect(names).to.deep.equal(['training.log', 'training.log.4.gz', 'training.log.5.gz']);
    const kept = [4, 5].map((n) => gunzipSync(readFileSync(join(dir, `training.log.${n}.gz`))).toString()).join('');
    expect(lineNumbers(kept + readFileSync(join(dir, 'training.log'), 'utf8'))).to.deep.equal([3, 4, 5]);
  });

  it('compressing a segment removes the temporary file a killed compression of it left (local target)', async () => {
    const dir = join(tmp.dir, 'runs', 'exp');
    mkdirSync(dir, { recursive: true });
    // As a process killed while gzipping segment 1 leaves it; another log's is not ours.
    writeFileSync(join(dir, '.training.log.1.gz.0badc0de.tmp'), 'half a gzip');
    writeFileSync(join(dir, '.other.log.1.gz.0badc0de.tmp'), 'not ours');
    const log = await createLogSync({ ...base(), rotate: { maxAgeMs: 30 } });
    for (let i = 0; i < 3; i++) {
      log.info(`line ${i}`);
      await new Promise((r) => setTimeout(r, 45));
    }
    await log.close();
    expect(readdirSync(dir).sort()).to.deep.equal([
      '.other.log.1.gz.0badc0de.tmp',
      'training.log',
      'training.log.1.gz',
      'training.log.2.gz',
    ]);
    const all = [1, 2].map((n) => gunzipSync(readFileSync(join(dir, `training.log.${n}.gz`))).toString()).join('');
    expect(lineNumbers(all + readFileSync(join(dir, 'training.log'), 'utf8'))).to.deep.equal([0, 1, 2]);
  });

  it("ranks: 'zero' drops the lines of other ranks; 'each' names their files by rank", async () => {
    const quiet = await createLogSync({ ...base(), rank: 2, worldSize: 4, ranks: 'zero' });
    quiet.info('line 0');
    quiet.append('x\n', 'tool.log');
    await quiet.close();
    const each = await createLogSync({ ...base(), rank: 3, worldSize: 4 });
    each.info('line 0');
    each.append('x\n', 'tool.log');
    await each.writeJson('metrics.json', { ignored: true });
    await each.epochEnd(1, { loss: 1 });
    expect(each.rank).to.deep.equal({ rank: 3, worldSize: 4 });
    await each.close();
    const dir = join(tmp.dir, 'runs', 'exp');
    expect(readdirSync(dir).sort()).to.deep.equal(['tool.rank-3.log', 'training.rank-3.log']);
    expect(lineNumbers(readFileSync(join(dir, 'training.rank-3.log'), 'utf8'))).to.deep.equal(range(1));
  });
});
