/**
 * chai 5 is an ES module; Node >= 20.19 loads it with `require`, which is what this
 * CommonJS package compiles to. Only the types come through `import`.
 */
import type * as Chai from 'chai' with { 'resolution-mode': 'import' };

const chai = require('chai') as typeof Chai;

/** chai's `expect`, re-exported so backend tests need no ESM import of their own. */
export const expect: typeof Chai.expect = chai.expect;
