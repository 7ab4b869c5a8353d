import { filesystem } from '@omnifs/core';
import { conformanceSuite, randomName } from '@omnifs/testkit';
import { memoryBackedClass, MemoryFileSystem, useMemoryFor } from '@omnifs/memory';

conformanceSuite({
  name: 'memory',
  factory: () => filesystem('memory'),
  declared: new MemoryFileSystem({ store: 'private' }).capabilities,
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
    declared: new (memoryBackedClass('s3'))({ store: 'private' }).capabilities,
    root: () => `${randomName('bucket')}/${randomName('prefix')}`,
  });
});
