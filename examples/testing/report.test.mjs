// Its test under mocha: S3 served from memory, with no network, no credentials and no change to the module.
import assert from 'node:assert/strict';
import { memoryStandIn } from '@omnifs/memory';
import { s3, saveReport } from './report.mjs';

describe('saveReport', () => {
  let standIn;
  before(() => { standIn = memoryStandIn(['s3']); });
  beforeEach(async () => {
    standIn.reset();
    await s3.makedirs('reports'); // buckets must exist, as on S3
  });
  after(() => standIn.restore());

  it('writes the rows as CSV', async () => {
    await saveReport('q4', [['a', 1], ['b', 2]]);
    assert.deepEqual(standIn.files(), { 's3://reports/q4.csv': 'a,1\nb,2' });
    assert.equal(standIn.calls.put, 1);
    assert.equal((await s3.info('reports/q4.csv')).contentType, 'text/csv'); // from the name, as on S3
  });

  it('surfaces a throttled write as a temporary error', async () => {
    standIn.failNext('put', 'RateLimited');
    await assert.rejects(saveReport('q4', []), { kind: 'RateLimited', temporary: true });
  });
});
