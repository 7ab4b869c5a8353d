/**
 * @omnifs/testkit: the conformance suite every omnifs backend runs (mocha + chai), and
 * helpers for backend tests.
 *
 * ```ts
 * import { conformanceSuite, randomName } from '@omnifs/testkit';
 * import { MyFileSystem } from '../src';
 *
 * conformanceSuite({
 *   name: 'mystore',
 *   factory: () => new MyFileSystem({ endpoint: process.env.MYSTORE_URL }),
 *   root: () => `test-bucket/${randomName()}`,
 * });
 * ```
 */
export { conformanceSuite, TOPICS, type Topic } from './suite';
export type { ConformanceTarget } from './target';
export { SuiteContext } from './context';
export { itWhere } from './gating';
export { expect } from './chai';
export { expectFsError, expectBytes, rejected, rejectedShape, type ErrorShape } from './assertions';
export {
  randomName,
  randomBytes,
  randomSize,
  sha256,
  joinPath,
  utf8,
  text,
  collect,
  chunked,
  COPY_FIXTURE,
  GLOB_EDGE_FIXTURE,
  fixtureContent,
  writeTree,
  buildCopyFixture,
} from './helpers';
export { fsSide, localSide, makeTransfer, DUMMY, type Side, type Transfer } from './sides';
export { GLOB_EDGE_CASES } from './suites/copy-globs';
export { LISTING_FIXTURE } from './suites/listing';
export {
  ReferenceObjectStore,
  ReferenceServiceError,
  referenceService,
  type ReferenceErrorCode,
  type ReferenceObject,
  type ReferenceService,
  type ReferenceStoreOptions,
} from './reference-store';
export {
  useStore,
  useServerStore,
  bucketAndPrefix,
  bucketTarget,
  type Store,
  type ServerStore,
  type UseStoreOptions,
} from './stores/store';
export {
  layoutTests,
  bucketTests,
  prefixTests,
  readWriteTests,
  copyMoveTests,
  writePrefixFixture,
  type BucketSides,
  type PrefixSides,
} from './stores/layout';
export {
  serverErrorTests,
  anonymousTests,
  secretTests,
  type ErrorSides,
  type AnonymousSides,
  type SecretSides,
} from './stores/errors';
export { registryTests, type RegistrySides } from './stores/urls';
export {
  abandonedUploadTests,
  partedDownloadTests,
  etagReadTests,
  type UploadSides,
  type DownloadSides,
} from './stores/transfers';
