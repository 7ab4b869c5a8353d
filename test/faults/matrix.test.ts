/**
 * The probe matrix on every HTTP backend (see matrix.ts): pipe, put, cat, get and cp of
 * 0 B, 1 KiB and 6 MiB under resets, 500s, 503s, cut bodies, delays and stalls, with and
 * without the retry layer. Every cell ends byte-exact or with a clear error: no hang, no
 * silently wrong result. `OMNIFS_MATRIX_REPORT=1` prints the table (docs/reliability.md).
 */
import { expect } from 'chai';
import { FAULT_KINDS, useFaultTarget } from './backends';
import { formatTally, runMatrix } from './matrix';

FAULT_KINDS.forEach((kind, i) => {
  describe(`faults: probe matrix on ${kind}`, function () {
    this.timeout(300_000);
    const t = useFaultTarget(kind, 100 + i);

    it('ends every cell byte-exact or with a clear error: no hang, nothing silently wrong', async function () {
      const { rows, total } = await runMatrix(t, 1000 * (i + 1));
      if (process.env.OMNIFS_MATRIX_REPORT)
        console.log(`${formatTally(kind, rows)}\n\ntotal: ${JSON.stringify(total)}\n`);
      expect({ hang: total.hang, wrong: total.wrong }, formatTally(kind, rows)).to.deep.equal({ hang: 0, wrong: 0 });
      // The retry layer turns most transient faults into successes.
      const retried = [...rows].filter(([k]) => k.endsWith('retry')).reduce((n, [, r]) => n + r.ok, 0);
      expect(retried).to.be.greaterThan(0);
    });
  });
});
