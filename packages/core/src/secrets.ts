/** Keeping credentials out of messages, logs and serialised instances. */

const SECRET_KEY = /secret|password|passwd|token|credential|signature|sas|connectionstring|accountkey|privatekey|^key$|apikey|auth/i;

/** True when an option name looks like it holds a secret. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/**
 * A copy of `options` fit for logs and `JSON.stringify`: secret-looking fields become
 * `'***'`, nested objects are redacted too, functions and class instances are named only.
 */
export function redact(options: unknown, depth = 0): unknown {
  if (options === null || typeof options !== 'object') {
    return typeof options === 'function' ? '[function]' : options;
  }
  if (depth > 4) return '[…]';
  if (Array.isArray(options)) return options.map((v) => redact(v, depth + 1));
  const proto = Object.getPrototypeOf(options) as object | null;
  if (proto !== Object.prototype && proto !== null) {
    return `[${(options as object).constructor?.name ?? 'object'}]`;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options as Record<string, unknown>)) {
    out[k] = isSecretKey(k) && v !== undefined && v !== null && v !== false ? '***' : redact(v, depth + 1);
  }
  return out;
}

/** Removes `user:password@` and secret-looking query parameters (SAS, presigned, WebHDFS `delegation`) from a URL for messages. */
export function redactUrl(url: string): string {
  return url
    .replace(/\/\/[^/@\s]*@/, '//***@')
    .replace(/([?&])([^=&]+)=([^&]*)/g, (m, sep: string, k: string) => (isSecretKey(k) || /^(sig|se|sp|sv|st|delegation|x-amz-[a-z-]+)$/i.test(k) ? `${sep}${k}=***` : m));
}
