/**
 * No package has an import cycle at run time: a cycle makes a class undefined at the moment a
 * module that extends it loads (the order depends on which file is imported first).
 */
import { expect } from 'chai';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');

interface CycleScript {
  findCycles(dir: string): string[][];
}

describe('import cycles', () => {
  let script: CycleScript;
  before(async () => {
    script = (await import(join(root, 'scripts', 'import-cycles.mjs'))) as CycleScript;
  });

  it('finds a cycle when there is one (the check can fail)', () => {
    const cycles = script.findCycles(join(__dirname, 'fixtures', 'cycle'));
    expect(cycles).to.deep.equal([['a.ts', 'b.ts']]);
  });

  for (const pkg of readdirSync(join(root, 'packages'))) {
    const src = join(root, 'packages', pkg, 'src');
    if (!existsSync(src)) continue;
    it(`@omnifs/${pkg} has none`, () => {
      expect(script.findCycles(src)).to.deep.equal([]);
    });
  }
});
