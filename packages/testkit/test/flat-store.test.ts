import { conformanceSuite, randomName } from '@omnifs/testkit';
import { FlatStoreFileSystem } from './flat-store';

// The suite's object-store branches (prefix directories, no empty directories) run
// against a minimal flat key store, as an S3-like backend would run them.
conformanceSuite({
  name: 'flat object store (testkit reference)',
  factory: () => new FlatStoreFileSystem(),
  declared: new FlatStoreFileSystem().capabilities,
  root: async () => `${randomName('bucket')}/${randomName('prefix')}`,
});
