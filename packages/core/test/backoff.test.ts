/** The one backoff of omnifs (retry layer and logsync): exponential cap, full jitter. */
import { expect } from 'chai';
import { backoffDelay } from '@omnifs/core/backend';

describe('backoffDelay', () => {
  const bounds = { minDelayMs: 100, maxDelayMs: 1000 };
  const draws = (attempt: number): number[] => Array.from({ length: 400 }, () => backoffDelay(attempt, bounds));

  it('draws whole milliseconds below a cap that doubles per attempt from minDelayMs', () => {
    for (const [attempt, cap] of [
      [1, 100],
      [2, 200],
      [3, 400],
    ] as const) {
      const d = draws(attempt);
      expect(
        d.every((x) => Number.isInteger(x) && x >= 0 && x <= cap),
        `attempt ${attempt}`,
      ).to.equal(true);
      expect(Math.max(...d), `attempt ${attempt}`).to.be.greaterThan(cap / 2);
    }
  });

  it('stops growing at maxDelayMs, also for a huge attempt number', () => {
    for (const attempt of [5, 60, 10_000]) expect(Math.max(...draws(attempt))).to.be.within(500, 1000);
  });

  it('spreads retries out: the delays of one attempt differ', () => {
    expect(new Set(draws(3)).size).to.be.greaterThan(50);
  });
});
