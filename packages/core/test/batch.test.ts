/** How many files many-path operations move at once when the call does not say. */
import { expect } from 'chai';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filesystem, type FileSystem } from '@omnifs/core';
import { mapLimit } from '@omnifs/core/backend';
import { privateMemory } from './helpers';

/** A memory filesystem declaring `batchSize` (if given) whose pipeFile reports how many run at once. */
function watched(batchSize?: number): { fs: FileSystem; most: () => number } {
  const fs = privateMemory();
  if (batchSize !== undefined) {
    Object.defineProperty(fs, 'capabilities', { value: { ...fs.capabilities, batchSize } });
  }
  let running = 0;
  let most = 0;
  const pipeFile = fs.pipeFile.bind(fs);
  fs.pipeFile = async (...args: Parameters<FileSystem['pipeFile']>) => {
    most = Math.max(most, ++running);
    await new Promise((r) => setTimeout(r, 5));
    try {
      return await pipeFile(...args);
    } finally {
      running--;
    }
  };
  return { fs, most: () => most };
}

const files = (n: number): Record<string, string> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`/d/f${i}`, `${i}`]));

describe('batch size', () => {
  it('moves 8 files at once by default', async () => {
    const { fs, most } = watched();
    await fs.pipe(files(40));
    expect(most()).to.equal(8);
  });

  it('moves as many files at once as the filesystem declares in capabilities.batchSize', async () => {
    const { fs, most } = watched(20);
    await fs.pipe(files(40));
    expect(most()).to.equal(20);
    expect(Object.keys(await fs.cat(Object.keys(files(40))))).to.have.length(40);
  });

  it('lets the call decide with batchSize', async () => {
    const { fs, most } = watched(20);
    await fs.pipe(files(40), undefined, { batchSize: 3 });
    expect(most()).to.equal(3);
  });
});

describe('memory of a batch', () => {
  const MiB = 1024 * 1024;

  it('starts a task only while the bytes held leave room for it, one alone even when larger', async () => {
    const weights = [100, 100, 100, 10, 10, 300, 10, 10, 10, 10];
    let held = 0;
    let most = 0;
    let running = 0;
    let mostRunning = 0;
    const results = await mapLimit(
      weights,
      4,
      async (w, i) => {
        held += w;
        running++;
        most = Math.max(most, held);
        mostRunning = Math.max(mostRunning, running);
        if (w > 250) expect(running).to.equal(1);
        else expect(held).to.be.at.most(250);
        await new Promise((r) => setTimeout(r, 3));
        held -= w;
        running--;
        return i;
      },
      undefined,
      { bytes: 250, weigh: (w) => w },
    );
    expect(results).to.deep.equal(weights.map((_, i) => i));
    expect(most).to.equal(300);
    expect(mostRunning).to.equal(4);
  });

  it('stops admitting tasks after a failure, as without a budget', async () => {
    const started: number[] = [];
    const run = mapLimit(
      [50, 50, 50, 50, 50],
      2,
      async (_w, i) => {
        started.push(i);
        await new Promise((r) => setTimeout(r, 2));
        if (i === 0) throw new Error('boom');
      },
      undefined,
      { bytes: 60, weigh: (w) => w },
    );
    let error: unknown;
    await run.catch((e: unknown) => (error = e));
    expect((error as Error).message).to.equal('boom');
    expect(started).to.deep.equal([0]);
  });

  it('copies large files fewer at a time than batchSize, as their buffers allow', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'omnifs-budget-'));
    try {
      // Sparse files: large sizes, no bytes on disk; the copy itself is replaced below.
      for (let i = 0; i < 6; i++) {
        writeFileSync(join(dir, `big${i}`), '');
        truncateSync(join(dir, `big${i}`), 100 * MiB);
      }
      for (let i = 0; i < 10; i++) writeFileSync(join(dir, `small${i}`), 'x');
      const fs = filesystem('file', { skipInstanceCache: true });
      // Written whole, not in parts: each file counts what its writer may buffer.
      const caps = { ...fs.capabilities, partSize: 64 * MiB, concurrency: 3, batchSize: 8, randomWrite: false };
      Object.defineProperty(fs, 'capabilities', { value: caps, writable: true });
      let running = 0;
      let mostBig = 0;
      let bigRunning = 0;
      let mostSmall = 0;
      fs.copyFile = async (src: string) => {
        const big = src.includes('big');
        running++;
        if (big) mostBig = Math.max(mostBig, ++bigRunning);
        else mostSmall = Math.max(mostSmall, running);
        await new Promise((r) => setTimeout(r, 10));
        running--;
        if (big) bigRunning--;
      };
      await fs.cp([...Array.from({ length: 6 }, (_, i) => join(dir, `big${i}`))], join(dir, 'out') + '/');
      expect(mostBig).to.equal(2); // 100 MiB each against 256 MiB
      // Copied in parts, a file counts only the windows of its ranges (3 x 2.5 MiB): all at once.
      Object.defineProperty(fs, 'capabilities', { value: { ...caps, randomWrite: true } });
      mostBig = 0;
      await fs.cp([...Array.from({ length: 6 }, (_, i) => join(dir, `big${i}`))], join(dir, 'out2') + '/');
      expect(mostBig).to.equal(6);
      await fs.cp(
        Array.from({ length: 10 }, (_, i) => join(dir, `small${i}`)),
        join(dir, 'out') + '/',
      );
      expect(mostSmall).to.equal(8);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
