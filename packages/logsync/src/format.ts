/** How lines look in the log file. */
import type { LogLevel } from './options';

const LABELS: Readonly<Record<LogLevel, string>> = { debug: 'DEBUG', info: 'INFO ', warn: 'WARN ', error: 'ERROR' };

/**
 * One log line, newline included.
 *
 * - `text`: `2025-01-02T03:04:05.678Z INFO  message {"k":1}` (fields as JSON, when given);
 * - `json`: `{"time":"...","level":"info","msg":"message","k":1}`.
 */
export function formatLine(format: 'text' | 'json', level: LogLevel, message: string, fields?: Record<string, unknown>): string {
  const time = new Date().toISOString();
  const msg = typeof message === 'string' ? message : String(message);
  if (format === 'json') return `${JSON.stringify({ time, level, msg, ...fields })}\n`;
  const extra = fields === undefined ? '' : ` ${JSON.stringify(fields)}`;
  return `${time} ${LABELS[level]} ${msg}${extra}\n`;
}

/** ` loss=0.31 acc=0.9` for a metrics record (numbers shortened to 6 significant digits). */
export function formatMetrics(metrics: Record<string, unknown>): string {
  let out = '';
  for (const [k, v] of Object.entries(metrics)) {
    const shown = typeof v === 'number' ? (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)))) : JSON.stringify(v);
    out += ` ${k}=${shown}`;
  }
  return out;
}
