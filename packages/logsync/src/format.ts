/** How lines look in the log file. */
import type { LogLevel } from './options';

const LABELS: Readonly<Record<LogLevel, string>> = { debug: 'DEBUG', info: 'INFO ', warn: 'WARN ', error: 'ERROR' };

/**
 * `JSON.stringify` that never throws: a BigInt becomes its decimal string, a repeated
 * object that contains itself `"[Circular]"`, and a `toJSON` that throws `"[Unserializable]"`.
 */
export function safeJson(value: unknown): string {
  const ancestors: unknown[] = [];
  const replace = function (this: unknown, _key: string, v: unknown): unknown {
    if (typeof v === 'bigint') return v.toString();
    if (typeof v !== 'object' || v === null) return v;
    // The objects above this one in the tree: the holder is the last one still open.
    while (ancestors.length > 0 && ancestors.at(-1) !== this) ancestors.pop();
    if (ancestors.includes(v)) return '[Circular]';
    ancestors.push(v);
    return v;
  };
  try {
    return JSON.stringify(value, replace) ?? 'null';
  } catch {
    return '"[Unserializable]"';
  }
}

/** A message on one line: CR, LF and the other line breaks are written as `\n`-style escapes. */
function oneLine(message: string): string {
  return /[\r\n\u2028\u2029]/.test(message)
    ? message
        .replace(/\\/g, '\\\\')
        .replace(/\r/g, '\\r')
        .replace(/\n/g, '\\n')
        .replace(/\u2028/g, '\\u2028')
        .replace(/\u2029/g, '\\u2029')
    : message;
}

/**
 * One log line, newline included.
 *
 * - `text`: `2025-01-02T03:04:05.678Z INFO  message {"k":1}` (fields as JSON, when given);
 *   a line break inside the message is escaped (`\n`, and `\\` for a backslash, only in
 *   messages that have one), so a message can never forge a line;
 * - `json`: `{"time":"...","level":"info","msg":"message","k":1}`.
 *
 * BigInt fields are written as strings and circular references as `"[Circular]"`: logging never throws.
 */
export function formatLine(
  format: 'text' | 'json',
  level: LogLevel,
  message: string,
  fields?: Record<string, unknown>,
): string {
  const time = new Date().toISOString();
  const msg = typeof message === 'string' ? message : String(message);
  if (format === 'json') return `${safeJson({ time, level, msg, ...fields })}\n`;
  const extra = fields === undefined ? '' : ` ${safeJson(fields)}`;
  return `${time} ${LABELS[level]} ${oneLine(msg)}${extra}\n`;
}

/** ` loss=0.31 acc=0.9` for a metrics record (numbers shortened to 6 significant digits). */
export function formatMetrics(metrics: Record<string, unknown>): string {
  let out = '';
  for (const [k, v] of Object.entries(metrics)) {
    const shown =
      typeof v === 'number' ? (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)))) : safeJson(v);
    out += ` ${oneLine(k)}=${shown}`;
  }
  return out;
}
