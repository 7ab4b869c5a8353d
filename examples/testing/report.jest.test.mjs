// The same test under jest (ESM: `NODE_OPTIONS=--experimental-vm-modules npx jest report.jest`).
import { memoryStandIn } from '@omnifs/memory';
import { s3, saveReport } from './report.mjs';

describe('saveReport', () => {
  let standIn;
  beforeAll(() => { standIn = memoryStandIn(['s3']); });
  beforeEach(async () => {
    standIn.reset();
    await s3.makedirs('reports');
  });
  afterAll(() => standIn.restore());

  it('writes the rows as CSV', async () => {
    await saveReport('q4', [['a', 1], ['b', 2]]);
    expect(standIn.files()).toEqual({ 's3://reports/q4.csv': 'a,1\nb,2' });
    expect(standIn.calls.put).toBe(1);
  });

  it('surfaces a throttled write as a temporary error', async () => {
    standIn.failNext('put', 'RateLimited');
    await expect(saveReport('q4', [])).rejects.toMatchObject({ kind: 'RateLimited', temporary: true });
  });
});
