/** The conformance suite: every topic, run against one target. */
import { SuiteContext } from './context';
import { expect } from './chai';
import { declaredCapabilities } from './gating';
import type { ConformanceTarget } from './target';
import { metadataTests } from './suites/metadata';
import { listingTests } from './suites/listing';
import { globTests } from './suites/glob';
import { rangeTests } from './suites/ranges';
import { wholeFileTests } from './suites/whole-files';
import { openTests } from './suites/open';
import { streamTests } from './suites/streams';
import { copyScenarioTests } from './suites/copy';
import { copyGlobEdgeCaseTests } from './suites/copy-globs';
import { transferControlTests } from './suites/transfer-control';
import { goneSourceTests } from './suites/gone-sources';
import { moveRemoveTests } from './suites/move-remove';
import { sharedNameTests } from './suites/shared-names';
import { dirTests } from './suites/dirs';
import { nameTests } from './suites/names';
import { errorTests } from './suites/errors';
import { fsspecCopyTests, fsspecMoveRemoveTests } from './suites/fsspec-copy';
import { fsspecReadTests } from './suites/fsspec-read';

/** The topics of the suite, in the order they run; pass a subset to `conformanceSuite` to run fewer. */
export const TOPICS = {
  metadata: metadataTests,
  listing: listingTests,
  glob: globTests,
  ranges: rangeTests,
  wholeFiles: wholeFileTests,
  open: openTests,
  streams: streamTests,
  copy: (ctx: SuiteContext) => {
    for (const op of ['cp', 'put', 'get'] as const) copyScenarioTests(ctx, op);
  },
  copyGlobs: (ctx: SuiteContext) => {
    for (const op of ['cp', 'put', 'get'] as const) copyGlobEdgeCaseTests(ctx, op);
  },
  transferControl: (ctx: SuiteContext) => {
    for (const op of ['cp', 'put', 'get'] as const) {
      transferControlTests(ctx, op);
      goneSourceTests(ctx, op);
    }
  },
  moveRemove: (ctx: SuiteContext) => {
    moveRemoveTests(ctx);
    sharedNameTests(ctx);
  },
  dirs: dirTests,
  names: nameTests,
  errors: errorTests,
  fsspecRules: (ctx: SuiteContext) => {
    fsspecReadTests(ctx);
    for (const op of ['cp', 'put', 'get'] as const) fsspecCopyTests(ctx, op);
    fsspecMoveRemoveTests(ctx);
  },
} as const;

/** A topic name of {@link TOPICS}. */
export type Topic = keyof typeof TOPICS;

/**
 * Defines the omnifs conformance suite for one backend as mocha `describe`/`it` blocks,
 * titled `conformance: <name>`.
 *
 * Behaviour:
 * - the filesystem is built once (`factory`), each test gets a fresh root (`root`) that
 *   is removed afterwards (`cleanup`, default `rm -r`);
 * - tests are chosen by the filesystem's `capabilities` merged with the target's
 *   overrides; with `declared`, tests that do not apply are not defined (and one test
 *   checks the declaration), without it they are reported as pending, never passed;
 * - `put`/`get` use a fresh local temporary directory (node:fs) as the other side.
 *
 * ```ts
 * import { conformanceSuite, randomName } from '@omnifs/testkit';
 * conformanceSuite({ name: 'memory', factory: () => filesystem('memory'), root: () => `/${randomName()}` });
 * ```
 */
export function conformanceSuite(
  target: ConformanceTarget,
  topics: readonly Topic[] = Object.keys(TOPICS) as Topic[],
): void {
  describe(`conformance: ${target.name}`, function () {
    if (target.timeout !== undefined) this.timeout(target.timeout);
    const ctx = new SuiteContext(target);
    before(() => ctx.setUp());
    beforeEach(() => ctx.enter());
    afterEach(() => ctx.leave());
    after(() => ctx.tearDown());
    const declared = declaredCapabilities(ctx);
    if (declared !== undefined) {
      it('declares the capabilities its tests were chosen by', () => {
        expect(ctx.caps).to.deep.equal(declared);
      });
    }
    for (const topic of topics) TOPICS[topic](ctx);
  });
}
