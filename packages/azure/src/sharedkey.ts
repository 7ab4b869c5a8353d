/**
 * Shared Key authorization of the lean path: the string the service signs, built as the
 * SDK's `StorageSharedKeyCredentialPolicy` builds it, and signed with the account key
 * (HMAC-SHA256, as the SDK's `computeHMACSHA256`).
 */
import type { ServiceAccess } from './options';

/** What is signed of a request: header names in lower case, the path as sent (escaped), the query unescaped. */
export interface SignedParts {
  method: string;
  path: string;
  query: Readonly<Record<string, string>>;
  headers: Readonly<Record<string, string>>;
}

/** The standard headers of the string to sign, in its order. */
const STANDARD = [
  'content-language',
  'content-encoding',
  'content-length',
  'content-md5',
  'content-type',
  'date',
  'if-modified-since',
  'if-match',
  'if-none-match',
  'if-unmodified-since',
  'range',
] as const;

/**
 * The order the service sorts `x-ms-*` header names in (a culture-aware comparer): hyphens
 * are skipped at first, and `_` comes before digits, digits before letters. Names equal
 * that way are ordered by their hyphens: the one whose first differing hyphen comes later
 * (or that has none left) sorts first, so `ab` < `a-b` < `a--b`. Exact for the names a
 * request carries: lower-case letters, digits, `_` and `-`.
 */
function compareHeaderNames(a: string, b: string): number {
  const x = sortKey(a);
  const y = sortKey(b);
  if (x !== y) return x < y ? -1 : 1;
  const hx = hyphenPositions(a);
  const hy = hyphenPositions(b);
  for (let i = 0; i < Math.max(hx.length, hy.length); i++) {
    const p = hx[i] ?? Infinity;
    const q = hy[i] ?? Infinity;
    if (p !== q) return p > q ? -1 : 1;
  }
  return 0;
}

/** The first-level sort key of each header name seen (the names a client sends are few). */
const SORT_KEYS = new Map<string, string>();

function sortKey(name: string): string {
  let key = SORT_KEYS.get(name);
  if (key === undefined) {
    key = name.replaceAll('-', '').replaceAll('_', '/');
    if (SORT_KEYS.size < 1024) SORT_KEYS.set(name, key);
  }
  return key;
}

/** Where the hyphens of `name` stand, counted in the characters that are not hyphens before them. */
function hyphenPositions(name: string): number[] {
  const out: number[] = [];
  let n = 0;
  for (const c of name) {
    if (c === '-') out.push(n);
    else n++;
  }
  return out;
}

/** The string Shared Key signs for `req` of `account`. */
export function stringToSign(account: string, req: SignedParts): string {
  const h = req.headers;
  let out = req.method;
  for (const name of STANDARD) {
    const v = h[name];
    out += `\n${v === undefined || (name === 'content-length' && v === '0') ? '' : v}`;
  }
  out += '\n';
  const names = Object.keys(h)
    .filter((n) => n.startsWith('x-ms-'))
    .sort(compareHeaderNames);
  for (const n of names) out += `${n}:${h[n]!.trimStart()}\n`;
  out += `/${account}${req.path === '' ? '/' : req.path}`;
  const keys = Object.keys(req.query)
    .map((k) => k.toLowerCase())
    .sort();
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.query)) lower[k.toLowerCase()] = v;
  for (const k of keys) out += `\n${k}:${lower[k]}`;
  return out;
}

/** The `Authorization` header of `req`, signed with the account's key. */
export function sharedKeyAuthorization(key: NonNullable<ServiceAccess['sharedKey']>, req: SignedParts): string {
  return `SharedKey ${key.accountName}:${key.sign(stringToSign(key.accountName, req))}`;
}
