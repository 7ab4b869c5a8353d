// Its test: s3:// served from memory, no network, no change to the module.
import assert from 'node:assert/strict';
import { filesystem } from '@omnifs/core';
import { useMemoryFor, resetMemoryStore } from '@omnifs/memory';
import { saveReport } from './report.mjs';

describe('saveReport', () => {
  let restore;
  before(() => { restore = useMemoryFor(['s3']); });
  afterEach(() => resetMemoryStore());
  after(() => restore());

  it('writes the rows as CSV', async () => {
    await saveReport('s3://reports/2026/q4.csv', [['a', 1], ['b', 2]]);
    assert.equal(await filesystem('s3').readText('reports/2026/q4.csv'), 'a,1\nb,2');
  });
});
