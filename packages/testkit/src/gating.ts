/** Choosing tests by capability. */
import type { Capabilities } from '@omnifs/core';
import type { SuiteContext } from './context';

type BooleanCapability = { [K in keyof Capabilities]-?: Capabilities[K] extends boolean ? K : never }[keyof Capabilities];

/**
 * Defines a test that runs only where the filesystem has capability `cap` (or lacks it
 * with `expected: false`); elsewhere it is reported as pending, never as passed.
 */
export function itWhere(ctx: SuiteContext, cap: BooleanCapability, title: string, fn: () => Promise<void>, expected = true): void {
  it(title, async function () {
    if (ctx.caps[cap] !== expected) this.skip();
    await fn();
  });
}
