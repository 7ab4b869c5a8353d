/**
 * The docs' capability tables are generated from the backends' `capabilities` objects
 * (scripts/capabilities.mjs): this fails when a table says something the object does not.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');

interface Script {
  FILES: string[];
  run(options: { check: boolean }): string[];
  loadCapabilities(): Record<string, Record<string, unknown>>;
  regenerate(file: string, text: string, caps: Record<string, Record<string, unknown>>): string;
}

describe('capability tables in the docs', () => {
  let script: Script;
  before(async () => {
    script = (await import(join(root, 'scripts', 'capabilities.mjs'))) as Script;
  });

  it('docs/api.md and every package README show the capabilities the backends have', () => {
    expect(script.run({ check: true })).to.deep.equal([]);
  });

  it('a table that claims what a backend cannot do differs from the generated one', () => {
    const file = 'packages/s3/README.md';
    const text = readFileSync(join(root, file), 'utf8');
    const claimed = text.replace(/^\| `append` \| no \|/m, '| `append` | yes |');
    expect(claimed).to.not.equal(text);
    expect(script.regenerate(file, claimed, script.loadCapabilities())).to.equal(text);
  });

  it('the matrix has a row per capability of the object and a column per backend', () => {
    const text = readFileSync(join(root, 'docs/api.md'), 'utf8');
    const table = text.slice(text.indexOf('<!-- capabilities -->'), text.indexOf('<!-- /capabilities -->'));
    const caps = script.loadCapabilities();
    const names = [...table.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]);
    // Every capability some backend has (S3 declares no readPartSize, HDFS no partSize).
    expect(names).to.have.members([...new Set(Object.values(caps).flatMap((c) => Object.keys(c)))]);
    expect(table).to.match(/^\| `append` \| yes \| yes \| no \| yes \| yes \| yes \|/m);
  });
});
