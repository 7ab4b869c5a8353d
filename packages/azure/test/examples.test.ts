/** The Azure page's example, shown verbatim in the docs, run against Azurite. */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { useAzure } from './helpers';

const run = promisify(execFile);
const root = join(__dirname, '..', '..', '..');

describe('azure: documented example', function () {
  this.timeout(60_000);
  const az = useAzure();

  it('docs/protocols/azure.md shows examples/azure.mjs exactly as it is', function () {
    const doc = readFileSync(join(root, 'docs/protocols/azure.md'), 'utf8');
    const shown = /<!-- example: examples\/azure\.mjs -->\n```[a-z]*\n([\s\S]*?)```/.exec(doc);
    expect(shown?.[1]).to.equal(readFileSync(join(root, 'examples/azure.mjs'), 'utf8'));
  });

  it('examples/azure.mjs prints what its comments say', async function () {
    const env = { ...process.env, AZURE_STORAGE_CONNECTION_STRING: az.info.connectionString };
    const { stdout } = await run(process.execPath, [join(root, 'examples/azure.mjs')], { cwd: root, env });
    expect(stdout.trim().split('\n')).to.deep.equal([
      "[ 'runs/1/notes.txt', 'runs/1/train.log' ]",
      'AppendBlob',
      '"epoch 1\\nepoch 2\\n"',
      'loss=0.31',
    ]);
  });
});
