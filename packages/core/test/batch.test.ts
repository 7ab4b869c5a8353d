/** How many files many-path operations move at once when the call does not say. */
import { expect } from 'chai';
import type { FileSystem } from '@omnifs/core';
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
