// The same test under node:test (`node --test report.node-test.mjs`).
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { memoryStandIn } from '@omnifs/memory';
import { s3, saveReport } from './report.mjs';

describe('saveReport', () => {
  let standIn;
  before(() => { standIn = memoryStandIn(['s3']); });
  beforeEach(async () => {
    standIn.reset();
    await s3.makedirs('reports');
  });
  after(() => standIn.restore());

  it('writes the rows as CSV', async () => {
    await saveReport('q4', [['a', 1], ['b', 2]]);
    assert.deepEqual(standIn.files(), { 's3://reports/q4.csv': 'a,1\nb,2' });
    assert.equal(standIn.calls.put, 1);
  });

  it('surfaces a throttled write as a temporary error', async () => {
    standIn.failNext('put', 'RateLimited');
    await assert.rejects(saveReport('q4', []), { kind: 'RateLimited', temporary: true });
  });
});
