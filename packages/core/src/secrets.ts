/** Keeping credentials out of messages, logs and serialised instances. */
import type { OptionSchema } from './options';

const SECRET_KEY =
  /secret|password|passwd|token|credential|signature|sas|connectionstring|accountkey|privatekey|^key$|apikey|auth/i;

/** True when an option name looks like it holds a secret. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/**
 * A copy of `options` fit for logs and `JSON.stringify`: secret-looking fields become
 * `'***'` (booleans and numbers, which hold no secret, are kept), and so do the values of those `schema` marks `secret` (a gateway's `headers`
 * show their names only: `{ "x-api-key": "***" }`); a URL's `user:password@`
 * and secret query parameters are cut out of strings; nested objects are redacted too,
 * functions and class instances are named only.
 */
export function redact(options: unknown, schema?: OptionSchema, depth = 0): unknown {
  if (typeof options === 'string') return /^[a-z][a-z0-9+.-]*:\/\//i.test(options) ? redactUrl(options) : options;
  if (options === null || typeof options !== 'object') {
    return typeof options === 'function' ? '[function]' : options;
  }
  if (depth > 4) return '[…]';
  if (Array.isArray(options)) return options.map((v) => redact(v, undefined, depth + 1));
  const proto = Object.getPrototypeOf(options) as object | null;
  if (proto !== Object.prototype && proto !== null) {
    return `[${(options as object).constructor?.name ?? 'object'}]`;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options as Record<string, unknown>)) {
    // A flag or a number holds no secret whatever its name (`useAuthWithCustomEndpoint: true`).
    if (v === undefined || v === null || typeof v === 'boolean' || typeof v === 'number') out[k] = v;
    else if (isSecretKey(k)) out[k] = '***';
    else if (schema?.[k]?.secret === true) out[k] = namesOnly(v);
    else out[k] = redact(v, undefined, depth + 1);
  }
  return out;
}

/** A secret option shown by its field names only (`{ "x-api-key": "***" }`), or `'***'`. */
function namesOnly(value: unknown): unknown {
  if (typeof value !== 'object' || Array.isArray(value) || Object.getPrototypeOf(value) !== Object.prototype)
    return '***';
  return Object.fromEntries(Object.keys(value as object).map((k) => [k, '***']));
}

/** Removes `user:password@` and secret-looking query parameters (SAS, presigned, WebHDFS `delegation`) from a URL for messages. */
export function redactUrl(url: string): string {
  return url
    .replace(/\/\/[^/@\s]*@/, '//***@')
    .replace(/([?&])([^=&]+)=([^&]*)/g, (m, sep: string, k: string) =>
      isSecretKey(k) || /^(sig|se|sp|sv|st|delegation|x-amz-[a-z-]+)$/i.test(k) ? `${sep}${k}=***` : m,
    );
}

/**
 * An environment variable's value as safe to show (`omnifs config`): `'***'` when `secret`;
 * otherwise a URL's password and secret query parameters cut out, as in a query string
 * (`sv=...&sig=...`), and in a `Key=value;Key=value` connection string the values of
 * secret-looking keys (`AccountKey`, `SharedAccessSignature`) and any field that is not
 * `Key=value` replaced by `***`.
 */
export function redactEnvValue(value: string, secret: boolean): string {
  if (secret) return value === '' ? '' : '***';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return redactUrl(value);
  if (/^[^=&;\s]+=[^&;=]*&/.test(value)) return redactUrl(`?${value}`).slice(1);
  if (!/^\s*[A-Za-z][\w.-]*=/.test(value)) return value;
  return value
    .split(';')
    .map((field) => {
      const eq = field.indexOf('=');
      if (field.trim() === '') return field;
      if (eq <= 0) return '***';
      const key = field.slice(0, eq);
      const v = field.slice(eq + 1);
      return `${key}=${isSecretKey(key) ? '***' : /^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? redactUrl(v) : v}`;
    })
    .join(';');
}

/** Names of fields and headers whose string values are secrets wherever they appear in an error. */
const SECRET_FIELD =
  /authorization|cookie|token|secret|password|passwd|signature|credential|^sas$|connectionstring|accountkey|privatekey|apikey|-key$/i;
/** A bearer or basic credential quoted inside a longer string. */
const INLINE_CREDENTIAL = /\b(Bearer|Basic|SharedKey|SharedKeyLite|AWS4-HMAC-SHA256)\s+[^\s"',]+/g;
const SCRUB_DEPTH = 16;

/** A string with quoted credentials and secret URL parameters replaced by `***`. */
function scrubString(value: string): string {
  const inline = value.replace(INLINE_CREDENTIAL, '$1 ***');
  return /[?&][^=&\s]+=/.test(inline) ? redactUrl(inline) : inline;
}

/** Objects worth walking: errors, plain objects and arrays, header maps; never sockets, streams or clients. */
function walkable(value: object): boolean {
  if (Array.isArray(value) || value instanceof Error || value instanceof Map || isHeaders(value)) return true;
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === Object.prototype || proto === null;
}

/**
 * A fetch `Headers` object, known by its tag: reading the global `Headers` would load
 * Node's fetch implementation (about 25 ms in a fresh process) on the first error made.
 */
function isHeaders(value: object): value is Headers {
  return Object.prototype.toString.call(value) === '[object Headers]';
}

/** The secret itself in a credential value (`Bearer abc` → `abc`), if long enough to find elsewhere. */
function secretPart(value: string): string | undefined {
  const part = value.replace(/^(Bearer|Basic|SharedKey|SharedKeyLite)\s+/i, '').trim();
  return part.length >= 8 ? part : undefined;
}

/**
 * Removes secrets from an error and what it holds (its `cause` chain, an SDK's request
 * `config` and `headers`, the response it kept), in place: the values of fields named
 * like secrets (`Authorization`, `x-amz-security-token`, `*-key`, ...) become `***`, and
 * credentials or secret query parameters quoted inside other strings are cut out. Only
 * errors, plain objects, arrays and header maps are walked, never sockets or clients.
 * Returns the secret values it replaced, for {@link hideSecrets} to take out of what it
 * could not reach (copies inside an SDK's request objects).
 */
export function scrubSecrets(err: unknown): string[] {
  const found = new Set<string>();
  const note = (v: string): void => {
    const part = secretPart(v);
    if (part !== undefined) found.add(part);
  };
  const seen = new Set<object>();
  const walk = (value: object, depth: number): void => {
    if (seen.has(value) || depth > SCRUB_DEPTH || !walkable(value)) return;
    seen.add(value);
    if (value instanceof Map || isHeaders(value)) {
      const map = value as Map<string, unknown>;
      for (const [k, v] of [...map.entries()]) {
        if (typeof v === 'string' && SECRET_FIELD.test(k)) note(v);
        if (typeof v === 'string') map.set(k, SECRET_FIELD.test(k) ? '***' : scrubString(v));
        else if (v !== null && typeof v === 'object') walk(v, depth + 1);
      }
      return;
    }
    const keys = new Set([...Object.keys(value), ...(value instanceof Error ? ['message', 'stack', 'cause'] : [])]);
    for (const k of keys) {
      const desc = Object.getOwnPropertyDescriptor(value, k);
      if (desc === undefined || !('value' in desc)) continue;
      const v: unknown = desc.value;
      if (typeof v === 'string') {
        if (SECRET_FIELD.test(k) && v !== '***') note(v);
        const clean = SECRET_FIELD.test(k) && v !== '' ? '***' : scrubString(v);
        if (clean !== v && desc.writable) (value as Record<string, unknown>)[k] = clean;
      } else if (v !== null && typeof v === 'object') {
        walk(v, depth + 1);
      }
    }
  };
  if (err !== null && typeof err === 'object') walk(err, 0);
  return [...found];
}

/** A field named like a secret with a quoted value, as `util.inspect` and JSON show it. */
const SHOWN_SECRET_FIELD =
  /((?:^|[\s{,'"])['"]?[\w.-]*(?:authorization|cookie|token|secret|password|signature|credential|-key)['"]?\s*:\s*)(['"])(?:(?!\2)[^\\]|\\.)*\2/gi;

/**
 * `text` (an error as `util.inspect` or JSON shows it) with each of `secrets`, quoted
 * credentials and the values of fields named like secrets replaced by `***`.
 */
export function hideSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('***');
  return out.replace(INLINE_CREDENTIAL, '$1 ***').replace(SHOWN_SECRET_FIELD, '$1$2***$2');
}
