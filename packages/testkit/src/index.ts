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
export { expectFsError, expectBytes, rejected } from './assertions';
export {
  randomName,
  randomBytes,
  randomSize,
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
