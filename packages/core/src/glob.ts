/**
 * Glob patterns as fsspec and POSIX shells read them:
 * `*` any characters but `/`, `**` any characters including `/` (also none, so
 * `a/**\/b` matches `a/b`), `?` one character but `/`, `[abc]`, `[a-z]`, `[!abc]`.
 */

const MAGIC = /[*?[]/;

/** True when `pattern` has glob characters. */
export function hasMagic(pattern: string): boolean {
  return MAGIC.test(pattern);
}

/** The directory part before the first segment with glob characters: `a/b/*.txt` → `a/b`. */
export function globBase(pattern: string): string {
  const segs = pattern.split('/');
  const i = segs.findIndex((s) => MAGIC.test(s));
  if (i < 0) return pattern;
  return segs.slice(0, i).join('/') || (pattern.startsWith('/') ? '/' : '');
}

/**
 * How deep below {@link globBase} a pattern can match; Infinity when it has `**`.
 */
export function globDepth(pattern: string): number {
  const base = globBase(pattern);
  const rest = pattern.slice(base.length).replace(/^\/+/, '');
  if (rest.includes('**')) return Infinity;
  return rest.split('/').length;
}

/** Compiles a glob pattern to an anchored RegExp over whole paths. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        const slashAfter = pattern[i + 2] === '/';
        const atSegmentStart = i === 0 || pattern[i - 1] === '/';
        i += 1;
        if (slashAfter && atSegmentStart) {
          i += 1;
          re += '(?:.*/)?';
        } else {
          re += '.*';
        }
      } else {
        re += '[^/]*';
      }
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, close);
      let negate = false;
      if (body.startsWith('!') || body.startsWith('^')) {
        negate = true;
        body = body.slice(1);
      }
      body = body.replace(/[\\\]]/g, '\\$&');
      re += negate ? `[^/${body}]` : `[${body}]`;
      i = close;
    } else {
      re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`, 's');
}
