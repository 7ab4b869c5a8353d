import { filesystem } from '@omnifs/core';
import { conformanceSuite, randomName } from '@omnifs/testkit';
import { memoryStandIn, MemoryFileSystem, STORE_RULES, type StandIn } from '@omnifs/memory';

conformanceSuite({
  name: 'memory',
  factory: () => filesystem('memory'),
  declared: new MemoryFileSystem({ store: 'private' }).capabilities,
  root: () => `/${randomName()}`,
});

// The stand-in of each object store runs the whole suite as that store, through the
// registry as an application reaches it; its declared capabilities are the store's.
for (const protocol of ['s3', 'gs', 'az']) {
  describe(`memory stand-in as ${protocol}`, () => {
    let standIn: StandIn | undefined;
    before(() => {
      standIn = memoryStandIn([protocol]);
    });
    after(() => standIn?.restore());

    conformanceSuite({
      name: `memory stand-in as ${protocol}`,
      factory: () => filesystem(protocol, protocol === 'az' ? { accountName: 'standin' } : {}),
      declared: STORE_RULES[protocol]!.capabilities,
      root: () => `${randomName('bucket')}/${randomName('prefix')}`,
    });
  });
}
