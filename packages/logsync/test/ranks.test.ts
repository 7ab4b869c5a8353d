/** Several processes of one distributed job logging to one run. */
import { expect } from 'chai';
import { join } from 'node:path';
import { urlToFs } from '@omnifs/core';
import { registerDiskRemote } from './fixtures/diskremote';
import { runJob } from './helpers/follow';
import { lineNumbers, range, tempDir } from './helpers/util';

registerDiskRemote();

describe('ranks', function () {
  this.timeout(60_000);
  it('4 ranks in parallel processes: one log file each, one metrics owner, no spool or remote conflict', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const url = `diskremote://${dir}/runs`;
      const ranks = [0, 1, 2, 3];
      await Promise.all(
        ranks.map((rank) =>
          runJob({
            LS_URL: url,
            LS_COUNT: '200',
            LS_EPOCH: '1',
            RANK: String(rank),
            WORLD_SIZE: '4',
            LS_EXPERIMENT: 'job',
          }),
        ),
      );
      const { fs } = urlToFs(url);
      const run = join(dir, 'runs', 'job');
      const names = ((await fs.ls(run)) as string[]).map((p) => p.slice(run.length + 1)).sort();
      expect(names).to.deep.equal([
        'metrics.json',
        'metrics.jsonl',
        'training.log',
        'training.rank-1.log',
        'training.rank-2.log',
        'training.rank-3.log',
      ]);
      for (const name of names.filter((n) => n.startsWith('training'))) {
        expect(lineNumbers(await fs.readText(`${run}/${name}`)), name).to.deep.equal(range(200));
      }
      expect(JSON.parse(await fs.readText(`${run}/metrics.json`))).to.deep.equal({ rank: 0 });
      const metrics = (await fs.readText(`${run}/metrics.jsonl`)).trim().split('\n');
      expect(metrics).to.have.length(1);
      expect(JSON.parse(metrics[0]!)).to.include({ epoch: 1, rank: 0 });
    } finally {
      cleanup();
    }
  });
});
