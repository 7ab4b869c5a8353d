/** Choosing tests by capability. */
import { type Capabilities } from '@omnifs/core';
import { DEFAULT_CAPABILITIES } from '@omnifs/core/backend';
import type { SuiteContext } from './context';

type BooleanCapability = {
  [K in keyof Capabilities]-?: Capabilities[K] extends boolean ? K : never;
}[keyof Capabilities];

/** The capabilities a target declares up front, with its overrides; undefined when it does not. */
export function declaredCapabilities(ctx: SuiteContext): Capabilities | undefined {
  const { declared, capabilities } = ctx.target;
  return declared === undefined ? undefined : { ...DEFAULT_CAPABILITIES, ...declared, ...capabilities };
}

/**
 * Defines a test that runs only where the filesystem has capability `cap` (or lacks it
 * with `expected: false`), or where `cap`, a predicate of the capabilities, holds. Where
 * the target declares its capabilities up front, a test that does not apply is not
 * defined; otherwise it is reported as pending, never passed.
 */
export function itWhere(
  ctx: SuiteContext,
  cap: BooleanCapability | ((caps: Capabilities) => boolean),
  title: string,
  fn: () => Promise<void>,
  expected = true,
): void {
  const applies = (caps: Capabilities): boolean => (typeof cap === 'function' ? cap(caps) : caps[cap]) === expected;
  const declared = declaredCapabilities(ctx);
  if (declared !== undefined) {
    if (applies(declared)) it(title, fn);
    return;
  }
  it(title, async function () {
    if (!applies(ctx.caps)) this.skip();
    await fn();
  });
}
