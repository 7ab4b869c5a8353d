import { filesystem } from '@omnifs/core';
import { conformanceSuite, randomName } from '@omnifs/testkit';
import { useMemoryFor } from '../src';

conformanceSuite({
  name: 'memory',
  factory: () => filesystem('memory'),
  root: () => `/${randomName()}`,
});

describe('memory-backed s3 mock', () => {
  let restore: (() => void) | undefined;
  before(() => {
    restore = useMemoryFor(['s3']);
  });
  after(() => restore?.());

  conformanceSuite({
    name: 'memory as s3 (useMemoryFor)',
    factory: () => filesystem('s3'),
    root: () => `${randomName('bucket')}/${randomName('prefix')}`,
  });
});
