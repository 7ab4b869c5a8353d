/**
 * Option schemas: each filesystem class declares the options it takes (names and types)
 * next to its options interface, and core checks them once, at construction, so a typo
 * or a wrong type is an `InvalidArgument` naming the nearest valid option.
 */
import { errors } from './errors';

/** The JavaScript type an option holds. */
export type OptionType = 'string' | 'number' | 'integer' | 'boolean' | 'function' | 'object' | 'array' | 'any';

/** What one option may hold. */
export interface OptionSpec {
  /** The type, or several accepted types. */
  type: OptionType | readonly OptionType[];
  /** The only values allowed (for enumerations such as `'shared' | 'private'`). */
  oneOf?: readonly (string | number | boolean)[];
  /** Smallest allowed number (for `number` and `integer`). */
  min?: number;
  /** Largest allowed number (for `number` and `integer`). */
  max?: number;
  /** A further check: returns what is wrong with a value of the right type, or undefined. */
  check?: (value: unknown) => string | undefined;
  /** Holds a secret: its value is never shown in an error. */
  secret?: boolean;
  /**
   * What fsspec's filesystem for the protocol calls this option, where the name differs
   * by more than case and `_` (s3fs's `key` for `accessKeyId`): an option given under
   * one of these names is refused with a message naming this one.
   */
  fsspec?: readonly string[];
}

/** Option name → what it may hold. */
export type OptionSchema = Readonly<Record<string, OptionSpec>>;

/**
 * Declares the schema of an options interface. Typed against `T`, so every option of the
 * interface has an entry and no entry names an option the interface lacks:
 *
 * ```ts
 * export const S3_OPTIONS = defineOptions<S3Options>({ region: { type: 'string' }, ... });
 * ```
 */
export function defineOptions<T>(schema: { readonly [K in keyof Required<T>]: OptionSpec | OptionType }): OptionSchema {
  const out: Record<string, OptionSpec> = {};
  for (const [name, spec] of Object.entries(schema as Record<string, OptionSpec | OptionType>)) {
    out[name] = typeof spec === 'string' ? { type: spec } : spec;
  }
  return Object.freeze(out);
}

/**
 * The schema a class declares itself (`static optionSchema`), not one inherited: a
 * subclass that adds options without declaring them is not checked against its parent's.
 */
export function ownOptionSchema(cls: object): OptionSchema | undefined {
  return Object.hasOwn(cls, 'optionSchema') ? (cls as { optionSchema?: OptionSchema }).optionSchema : undefined;
}

/** The options every filesystem takes, beside its own. */
export const COMMON_OPTIONS: OptionSchema = Object.freeze({ skipInstanceCache: { type: 'boolean' } });

/** Edit distance of two names, with a transposition of neighbours counted as one edit. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The name among `names` closest to `name` (case and `_`/`-` ignored), or undefined when
 * none is close enough to be what was meant.
 */
export function nearestName(name: string, names: Iterable<string>): string | undefined {
  const plain = (s: string): string => s.toLowerCase().replace(/[-_]/g, '');
  const target = plain(name);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of names) {
    const c = plain(candidate);
    const d = c === target ? 0 : c.startsWith(target) || target.startsWith(c) ? 1 : distance(target, c);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(target.length / 3)) ? best : undefined;
}

/**
 * "unknown option 'endpont' for s3; did you mean 'endpoint'?", or for a name fsspec gives
 * an option of `schema`, "unknown option 'key' for s3; fsspec's 'key' is given as 'accessKeyId' here".
 */
export function unknownOptionMessage(
  name: string,
  where: string,
  known: Iterable<string>,
  schema: OptionSchema = {},
): string {
  const renamed = Object.keys(schema).find((option) => schema[option]!.fsspec?.includes(name));
  if (renamed !== undefined)
    return `unknown option '${name}' for ${where}; fsspec's '${name}' is given as '${renamed}' here`;
  const near = nearestName(name, known);
  const hint =
    near !== undefined ? `; did you mean '${near}'?` : `; valid options: ${[...new Set(known)].sort().join(', ')}`;
  return `unknown option '${name}' for ${where}${hint}`;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  return typeof value;
}

function hasType(value: unknown, type: OptionType): boolean {
  switch (type) {
    case 'any':
      return true;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && !Number.isNaN(value);
    default:
      return typeof value === type;
  }
}

function describeValue(value: unknown, spec: OptionSpec): string {
  if (spec.secret) return typeOf(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeOf(value);
}

/** What is wrong with `value` for `spec`, or undefined when it fits. */
function problemWith(value: unknown, spec: OptionSpec): string | undefined {
  const types = typeof spec.type === 'string' ? [spec.type] : spec.type;
  if (!types.some((t) => hasType(value, t))) {
    const article = (t: OptionType): string =>
      t === 'integer' || t === 'object' || t === 'array' ? `an ${t}` : `a ${t}`;
    return `must be ${types.map(article).join(' or ')}`;
  }
  if (spec.oneOf !== undefined && !spec.oneOf.includes(value as string)) {
    return `must be one of ${spec.oneOf.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  if (typeof value === 'number') {
    if (spec.min !== undefined && value < spec.min) return `must be at least ${spec.min}`;
    if (spec.max !== undefined && value > spec.max) return `must be at most ${spec.max}`;
  }
  return spec.check?.(value);
}

/** Where options came from, for messages: option name → e.g. the environment variable that gave it. */
export type OptionSources = Readonly<Record<string, string>>;

/**
 * Checks `options` against `schema` (plus {@link COMMON_OPTIONS}).
 *
 * Behaviour:
 * - an option the schema does not name is `InvalidArgument`, naming the nearest valid one;
 * - a value of the wrong type, outside its range or its allowed values is `InvalidArgument`
 *   naming the option, the expected type and (unless the option is secret) the value;
 * - `undefined` means "not given" and is always accepted.
 */
export function validateOptions(
  options: Record<string, unknown>,
  schema: OptionSchema,
  where: string,
  sources: OptionSources = {},
): void {
  const from = (name: string): string => (sources[name] !== undefined ? ` (from ${sources[name]})` : '');
  for (const [name, value] of Object.entries(options)) {
    const spec = Object.hasOwn(schema, name)
      ? schema[name]
      : Object.hasOwn(COMMON_OPTIONS, name)
        ? COMMON_OPTIONS[name]
        : undefined;
    if (spec === undefined) {
      const known = new Set([...Object.keys(schema), ...Object.keys(COMMON_OPTIONS)]);
      throw errors.invalid(unknownOptionMessage(name, where, known, schema) + from(name));
    }
    if (value === undefined) continue;
    const problem = problemWith(value, spec);
    if (problem !== undefined) {
      throw errors.invalid(`option '${name}' of ${where} ${problem}, got ${describeValue(value, spec)}${from(name)}`);
    }
  }
}

/**
 * A value of an `OMNIFS_<PROTOCOL>_<OPTION>` variable as the schema's type: `true`/`false`
 * for booleans, numbers for numeric options, JSON for objects and arrays, else the string.
 */
export function parseEnvValue(raw: string, spec: OptionSpec | undefined): unknown {
  const types = spec === undefined ? ['any'] : typeof spec.type === 'string' ? [spec.type] : spec.type;
  const boolean = types.includes('boolean') || types.includes('any');
  if (boolean && (raw === 'true' || raw === 'false')) return raw === 'true';
  const numeric = types.includes('number') || types.includes('integer') || types.includes('any');
  if (numeric && /^-?\d+(\.\d+)?$/.test(raw) && !types.includes('string')) return Number(raw);
  if ((types.includes('object') || types.includes('array')) && /^[[{]/.test(raw)) {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      return raw; // reported as a wrong type by validateOptions, naming the variable
    }
  }
  return raw;
}

/**
 * The options a method takes: a name not among `allowed` (or `signal`, which every
 * operation takes; with `signal: false`, a method that is no operation takes none) is
 * `InvalidArgument` naming the nearest one the method does take.
 */
export function checkMethodOptions(
  options: object,
  method: string,
  allowed: readonly string[],
  how?: { signal?: boolean },
): void {
  const signal = how?.signal !== false;
  for (const name of Object.keys(options)) {
    if ((signal && name === 'signal') || allowed.includes(name)) continue;
    const takes = signal ? [...allowed, 'signal'] : allowed;
    const near = nearestName(name, takes);
    const hint = near !== undefined ? `; did you mean '${near}'?` : `; it takes ${takes.join(', ')}`;
    throw errors.invalid(`${method} does not take option '${name}'${hint}`);
  }
}

/** Ranged reads at once when one large file is copied in parts, where no option says otherwise. */
export const DEFAULT_READ_CONCURRENCY = 8;

/**
 * A store's `readConcurrency` option (see `Capabilities.readConcurrency`): its value when
 * given; else `concurrency` when the user gave that (a store told to go gently reads gently
 * too); else {@link DEFAULT_READ_CONCURRENCY}. A bad value is `InvalidArgument`.
 */
export function resolveReadConcurrency(
  options: { readConcurrency?: unknown; concurrency?: unknown },
  concurrency: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const fallback = options.concurrency !== undefined ? concurrency : Math.min(DEFAULT_READ_CONCURRENCY, max);
  return positiveInt('readConcurrency', options.readConcurrency, fallback, max);
}

/**
 * A whole-number option from 1 to `max`: `fallback` when it is not given, an
 * `InvalidArgument` naming the option for anything else.
 */
export function positiveInt(name: string, value: unknown, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? 'a positive integer' : `an integer from 1 to ${max}`;
    throw errors.invalid(`${name} must be ${range}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** True for an absolute `http:` or `https:` URL (`localhost:9000`, without its scheme, is not one). */
export function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}
