/** docs/logsync.md shows its example exactly as it is, and the example prints what its comments say. */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const root = join(__dirname, '..', '..', '..');

describe('docs/logsync.md', function () {
  this.timeout(60_000);
  it('shows examples/training-loop/fleet.mjs exactly, and it runs as its comments say', async () => {
    const doc = readFileSync(join(root, 'docs', 'logsync.md'), 'utf8');
    const shown = [...doc.matchAll(/<!-- example: (\S+) -->\n```[a-z]*\n([\s\S]*?)```/g)].map((m) => ({
      file: m[1]!,
      code: m[2]!,
    }));
    expect(shown.map((s) => s.file)).to.deep.equal(['examples/training-loop/fleet.mjs']);
    expect(shown[0]!.code).to.equal(readFileSync(join(root, shown[0]!.file), 'utf8'));
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [join(root, 'examples/training-loop/fleet.mjs')],
      { cwd: root },
    );
    expect(stderr).to.equal('');
    expect(stdout.trim().split('\n')).to.deep.equal([
      '303',
      '0',
      'checkpoints metrics.jsonl training.log training.log.1.gz training.log.2.gz training.log.3.gz',
      'run-42 3',
      'ckpt-2.bin ckpt-3.bin',
    ]);
  });
});
