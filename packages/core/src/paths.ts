/**
 * Path handling shared by every backend. Paths are POSIX-style: absolute (`/a/b`) on
 * filesystems whose root marker is `/`, `bucket/key` on object stores (root marker `''`).
 */
import { posix } from 'node:path';
import { FsError } from './errors';

/** Longest path accepted anywhere, in characters. */
export const MAX_PATH_LENGTH = 4096;

/**
 * Checks that `path` is a usable path string and returns it.
 *
 * Behaviour: non-strings, NUL bytes, lone surrogates and paths over {@link MAX_PATH_LENGTH} characters
 * throw an `InvalidArgument` FsError naming the problem; the empty string is allowed
 * (it names the root).
 */
export function checkPath(path: unknown, what = 'path'): string {
  if (typeof path !== 'string') {
    const got = path === null ? 'null' : Array.isArray(path) ? 'array' : typeof path;
    throw new FsError({ kind: 'InvalidArgument', message: `${what} must be a string, got ${got}` });
  }
  if (path.includes('\0')) {
    throw new FsError({
      kind: 'InvalidArgument',
      message: `${what} contains a NUL byte`,
      path: path.replace(/\0/g, '\\0'),
    });
  }
  if (/[\uD800-\uDFFF]/u.test(path)) {
    const message = `${what} contains a lone UTF-16 surrogate (not valid Unicode text)`;
    throw new FsError({ kind: 'InvalidArgument', message });
  }
  if (path.length > MAX_PATH_LENGTH) {
    throw new FsError({ kind: 'InvalidArgument', message: `${what} is longer than ${MAX_PATH_LENGTH} characters` });
  }
  return path;
}

/** `s3://bucket/key` → `{ protocol: 's3', rest: 'bucket/key' }`; no protocol → undefined. */
export function splitProtocol(url: string): { protocol: string; rest: string } | undefined {
  if (!url.includes('://')) return undefined; // most paths: no URL to match
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(.*)$/s.exec(url);
  if (!m) return undefined;
  return { protocol: m[1]!.toLowerCase(), rest: m[2]! };
}

/** Removes one `proto://` prefix when it names one of `protocols`. */
export function stripProtocol(path: string, protocols: readonly string[]): string {
  const split = splitProtocol(path);
  if (split && protocols.includes(split.protocol)) return split.rest;
  return path;
}

/** A path that normalisation leaves unchanged: no empty, `.` or `..` segment, no trailing slash. */
const NORMAL_ABSOLUTE = /^(?:\/(?!\.\.?(?:\/|$))[^/]+)+$/;
const NORMAL_RELATIVE = /^(?!\.\.?(?:\/|$))[^/]+(?:\/(?!\.\.?(?:\/|$))[^/]+)*$/;

/**
 * Normalises a path for a filesystem with the given root marker: resolves `.` and `..`,
 * collapses repeated slashes, drops the trailing slash. `..` above the root is an error.
 */
export function normalizePath(path: string, rootMarker: '' | '/'): string {
  if (path === '' || path === '/') return rootMarker;
  // Most paths arrive already normal: return them without splitting and joining.
  if ((rootMarker === '/' ? NORMAL_ABSOLUTE : NORMAL_RELATIVE).test(path)) return path;
  const segments = path.split('/');
  const out: string[] = [];
  for (const seg of segments) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) {
        throw new FsError({ kind: 'InvalidArgument', message: 'path escapes the root with ".."', path });
      }
      out.pop();
      continue;
    }
    out.push(seg);
  }
  const joined = out.join('/');
  return rootMarker === '/' ? `/${joined}` : joined;
}

/** Joins path segments with `/`, ignoring empty ones. */
export function joinPath(...parts: string[]): string {
  const kept = parts.filter((p) => p !== '');
  if (kept.length === 0) return '';
  const lead = kept[0]!.startsWith('/') ? '/' : '';
  const body = kept
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter((p) => p !== '')
    .join('/');
  return lead + body;
}

/** The parent of a normalised path (`/a/b` → `/a`, `bucket/k` → `bucket`, `bucket` → ``). */
export function parentPath(path: string, rootMarker: '' | '/' = '/'): string {
  const i = path.lastIndexOf('/');
  if (i < 0) return rootMarker === '/' ? '/' : '';
  if (i === 0) return '/';
  return path.slice(0, i);
}

/** The last segment of a path, ignoring a trailing slash. */
export function baseName(path: string): string {
  return posix.basename(path.replace(/\/+$/, ''));
}

/** True when a path names a directory by its trailing slash. */
export function hasTrailingSlash(path: string): boolean {
  return path.length > 1 && path.endsWith('/');
}

/** True when `path` is `dir` itself or below it. */
export function isUnder(path: string, dir: string): boolean {
  if (dir === '' || dir === '/') return true;
  return path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

/** `path` relative to `dir` (which must contain it); '' when equal. */
export function relativeTo(path: string, dir: string): string {
  if (path === dir) return '';
  if (dir === '') return path;
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}

/** Depth of `path` below `dir`: a direct child has depth 1. */
export function depthBelow(path: string, dir: string): number {
  const rel = relativeTo(path, dir);
  return rel === '' ? 0 : rel.split('/').length;
}
