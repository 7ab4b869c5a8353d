/** Checks of the arguments of public methods. */
import { errors } from './errors';
import type { RangeOptions, WriteMode } from './types';
import type { ReadOptions } from './base';

/**
 * The options argument of a public method: `undefined` and `null` mean none; anything
 * else that is not an object is `InvalidArgument` (not a TypeError from deep inside).
 */
export function optionsOf<T>(options: T): T {
  if (options === undefined || options === null) return {} as T;
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw errors.invalid(`options must be an object, got ${Array.isArray(options) ? 'an array' : typeof options}`);
  }
  return options;
}

/** Refuses the empty path as the target of a write or removal; returns the path. */
export function checkTargetPath<T>(path: T): T {
  if (path === '') throw errors.invalid('path must not be empty for a write or removal');
  return path;
}

/** A write mode: `overwrite` (default) or `create`. */
export function checkMode(mode: unknown): WriteMode {
  if (mode === undefined || mode === 'overwrite') return 'overwrite';
  if (mode === 'create') return 'create';
  throw errors.invalid(`mode must be 'overwrite' or 'create', got ${JSON.stringify(mode)}`);
}

/** An open mode, with the short forms (`r`, `w`, `a`, `x`) accepted. */
export function normalizeOpenMode(mode: unknown): 'rb' | 'wb' | 'ab' | 'xb' {
  switch (mode) {
    case 'rb': case 'r': return 'rb';
    case 'wb': case 'w': return 'wb';
    case 'ab': case 'a': return 'ab';
    case 'xb': case 'x': return 'xb';
    default: throw errors.invalid(`mode must be one of rb, wb, ab, xb, got ${JSON.stringify(mode)}`);
  }
}

/** The `etag` and `signal` of range options, as `_read` and `_readStream` take them; a bad etag is `InvalidArgument`. */
export function readOptionsOf(options: RangeOptions): ReadOptions | undefined {
  const { etag, signal } = options;
  if (etag !== undefined && (typeof etag !== 'string' || etag === '')) throw errors.invalid(`etag must be a non-empty string, got ${JSON.stringify(etag)}`);
  if (etag === undefined && signal === undefined) return undefined;
  return { ...(etag === undefined ? {} : { etag }), ...(signal ? { signal } : {}) };
}
