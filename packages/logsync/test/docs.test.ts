/** docs/logsync.md shows its example exactly as it is, and the example prints what its comments say. */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
    // A temporary directory of its own: the run's default spool is named after it and the
    // run, and another test run on the machine (CI runs Node 20, 22 and 24 at once) that
    // spools the same run in the same place is refused as a second writer.
    const tmp = mkdtempSync(join(tmpdir(), 'omnifs-logsync-doc-'));
    let out: { stdout: string; stderr: string };
    try {
      out = await promisify(execFile)(process.execPath, [join(root, 'examples/training-loop/fleet.mjs')], {
        cwd: root,
        env: { ...process.env, TMPDIR: tmp },
      });
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    const { stdout, stderr } = out;
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
