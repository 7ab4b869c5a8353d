/**
 * Capabilities as one truth: derived from the hooks a backend implements, plus the few
 * facts its hooks cannot show. Behaviour, the conformance suite and the docs read the
 * object this builds.
 */
import { errors } from './errors';
import { DEFAULT_CAPABILITIES, type Capabilities, type CapabilityFacts } from './types';

/** The capability each optional hook shows: true exactly when the backend implements it. */
export const CAPABILITY_HOOKS = Object.freeze({
  copy: '_copy',
  rename: '_rename',
  sign: '_sign',
  touch: '_touch',
  flatListing: '_find',
  batchDelete: '_rmMany',
  treeDelete: '_rmTree',
  randomWrite: '_openRandomWriter',
  appendByCopy: '_openAppendByCopy',
} as const satisfies Partial<Record<keyof Capabilities, string>>);

/** A capability shown by a hook. */
export type HookCapability = keyof typeof CAPABILITY_HOOKS;

const HOOK_CAPABILITIES = Object.keys(CAPABILITY_HOOKS) as HookCapability[];

/** True when `name` is a capability shown by a hook. */
export function isHookCapability(name: string): name is HookCapability {
  return Object.hasOwn(CAPABILITY_HOOKS, name);
}

/** The numeric capabilities a backend may declare, with no default. */
const TUNING_CAPABILITIES: readonly string[] = [
  'partSize',
  'concurrency',
  'readConcurrency',
  'readPartSize',
  'batchSize',
];

/**
 * The capabilities of `fs`: {@link DEFAULT_CAPABILITIES}, then what its hooks show, then
 * what it declares (`facts`).
 *
 * Behaviour:
 * - a hook capability is true when `fs` has the hook, unless `facts` turns it off;
 * - `facts` declaring a hook capability true without the hook is `InvalidArgument`
 *   (a backend cannot claim what it does not implement);
 * - an unknown name in `facts` is `InvalidArgument`;
 * - the result is frozen: it is read, never changed.
 */
export function deriveCapabilities(fs: object, facts: CapabilityFacts, where: string): Readonly<Capabilities> {
  const hooks = fs as Record<string, unknown>;
  const shown: Partial<Capabilities> = {};
  for (const cap of HOOK_CAPABILITIES) shown[cap] = typeof hooks[CAPABILITY_HOOKS[cap]] === 'function';
  for (const [name, value] of Object.entries(facts)) {
    if (!Object.hasOwn(DEFAULT_CAPABILITIES, name) && !TUNING_CAPABILITIES.includes(name))
      throw errors.invalid(`${where} declares an unknown capability ${JSON.stringify(name)}`);
    if (isHookCapability(name) && value === true && shown[name] !== true)
      throw errors.invalid(`${where} declares ${name} but has no ${CAPABILITY_HOOKS[name]} hook`);
  }
  const caps: Capabilities = { ...DEFAULT_CAPABILITIES, ...shown };
  for (const [name, value] of Object.entries(facts)) {
    if (value !== undefined) (caps as unknown as Record<string, unknown>)[name] = value;
  }
  return Object.freeze(caps);
}
