/**
 * Glob patterns as fsspec reads them (Python's `glob.translate`, recursive, hidden files
 * included): `*` any characters but `/`, `**` as a whole segment any number of segments
 * (`a/**\/b` also matches `a/b`; anywhere else it is refused), `?` one character but `/`,
 * `[abc]`, `[a-z]`, `[!abc]`.
 *
 * Patterns compile to a small automaton run over a path in one pass, in time linear in
 * the path's length times the pattern's: no backtracking, whatever the pattern.
 */
import { errors } from './errors';

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
 * How deep below {@link globBase} a pattern can match. Without `**` that is its number of
 * segments after the base, whatever `maxDepth` says; with `**` it is Infinity, or with
 * `maxDepth` the segments before the first `**` plus `maxDepth` (fsspec's rule).
 */
export function globDepth(pattern: string, maxDepth?: number): number {
  const base = globBase(pattern);
  const rest = pattern.slice(base.length).replace(/^\/+/, '');
  const stars = rest.indexOf('**');
  if (stars < 0) return rest.split('/').length;
  if (maxDepth === undefined) return Infinity;
  return rest.slice(0, stars).split('/').length - 1 + maxDepth;
}

/** A compiled glob pattern. */
export interface GlobMatcher {
  /** True when the whole of `path` matches. */
  test(path: string): boolean;
}

type Token =
  | { t: 'char'; c: string }
  | { t: 'one' } // ?
  | { t: 'set'; negate: boolean; singles: string; ranges: Array<[string, string]> }
  | { t: 'star' } // any run of characters but `/`
  | { t: 'any' } // any run of characters
  | { t: 'skip' } // `**/` as a whole segment: skips the next token (the segments) or enters it
  | { t: 'segments' }; // any characters ending in `/`

/**
 * Reads a bracket class starting at `pattern[open] === '['`, as Python's fnmatch does: a
 * leading `!` negates, a `]` right after `[` or `[!` is a member, `a-z` is a range; with
 * no closing `]` in the segment, the `[` is a literal character.
 */
function readSet(pattern: string, open: number): { token: Token; end: number } | undefined {
  let j = open + 1;
  if (pattern[j] === '!') j++;
  if (pattern[j] === ']') j++;
  while (j < pattern.length && pattern[j] !== ']' && pattern[j] !== '/') j++;
  if (j >= pattern.length || pattern[j] !== ']') return undefined;
  let body = pattern.slice(open + 1, j);
  const negate = body.startsWith('!');
  if (negate) body = body.slice(1);
  const chars = [...body];
  let singles = '';
  const ranges: Array<[string, string]> = [];
  for (let k = 0; k < chars.length; k++) {
    if (chars[k + 1] === '-' && k + 2 < chars.length) {
      const lo = chars[k]!;
      const hi = chars[k + 2]!;
      if (lo.codePointAt(0)! > hi.codePointAt(0)!) {
        throw errors.invalid(`glob pattern has a reversed range [${lo}-${hi}]`, pattern);
      }
      ranges.push([lo, hi]);
      k += 2;
    } else {
      singles += chars[k];
    }
  }
  return { token: { t: 'set', negate, singles, ranges }, end: j };
}

function tokenize(pattern: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      let end = i;
      while (pattern[end + 1] === '*') end++;
      const double = end > i;
      const wholeSegment = (i === 0 || pattern[i - 1] === '/') && pattern[end + 1] === '/';
      if (double && wholeSegment) {
        tokens.push({ t: 'skip' }, { t: 'segments' });
        i = end + 1;
      } else {
        tokens.push({ t: double ? 'any' : 'star' });
        i = end;
      }
    } else if (c === '?') {
      tokens.push({ t: 'one' });
    } else if (c === '[') {
      const set = readSet(pattern, i);
      if (set === undefined) {
        tokens.push({ t: 'char', c });
      } else {
        tokens.push(set.token);
        i = set.end;
      }
    } else {
      const cp = pattern.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      tokens.push({ t: 'char', c: ch });
      i += ch.length - 1;
    }
  }
  return tokens;
}

function inSet(token: Extract<Token, { t: 'set' }>, c: string): boolean {
  if (c === '/') return false;
  const cp = c.codePointAt(0)!;
  const inRange = ([lo, hi]: [string, string]): boolean => cp >= lo.codePointAt(0)! && cp <= hi.codePointAt(0)!;
  const hit = token.singles.includes(c) || token.ranges.some(inRange);
  return hit !== token.negate;
}

/**
 * Compiles a glob pattern to a matcher over whole paths. A reversed range such as
 * `[z-a]`, and `**` inside a path component (`a**`, `***`, `[**]`), are `InvalidArgument`
 * FsErrors, as fsspec refuses them.
 */
export function compileGlob(pattern: string): GlobMatcher {
  if (pattern.split('/').some((part) => part !== '**' && part.includes('**'))) {
    throw errors.invalid(
      `glob pattern has '**' inside a path component; '**' can only be a whole component, as in a/**/b`,
      pattern,
    );
  }
  const tokens = tokenize(pattern);
  const accept = tokens.length;
  // Every state with the states reachable from it without reading a character.
  const closures = tokens.map((_, i) => {
    const out: number[] = [];
    const stack = [i];
    while (stack.length > 0) {
      const s = stack.pop()!;
      if (out.includes(s)) continue;
      out.push(s);
      const tok = tokens[s];
      if (tok?.t === 'star' || tok?.t === 'any') stack.push(s + 1);
      else if (tok?.t === 'skip') stack.push(s + 1, s + 2);
    }
    return out;
  });
  closures.push([accept]);
  return {
    test(path: string): boolean {
      // Two state lists, each with a stamp per state saying which step added it.
      const seen = new Int32Array(accept + 1).fill(-1);
      let list: number[] = [];
      let next: number[] = [];
      let step = 0;
      const add = (i: number): void => {
        for (const s of closures[i]!) {
          if (seen[s] === step) continue;
          seen[s] = step;
          next.push(s);
        }
      };
      add(0);
      for (const c of path) {
        [list, next] = [next, list];
        next.length = 0;
        step++;
        for (const s of list) {
          const tok = tokens[s];
          if (tok === undefined) continue;
          switch (tok.t) {
            case 'char':
              if (tok.c === c) add(s + 1);
              break;
            case 'one':
              if (c !== '/') add(s + 1);
              break;
            case 'set':
              if (inSet(tok, c)) add(s + 1);
              break;
            case 'star':
              if (c !== '/') add(s);
              break;
            case 'any':
              add(s);
              break;
            case 'segments':
              add(s);
              if (c === '/') add(s + 1);
              break;
            case 'skip':
              break;
          }
        }
        if (next.length === 0) return false;
      }
      return seen[accept] === step;
    },
  };
}
