/**
 * Names of rotated segments of an append-only log: `<log>.<N>.gz` (or `<log>.<N>` without
 * compression, and while a local segment is being compressed), N counting up from 1.
 */

/** The name of segment `n` of `file`. */
export function segmentName(file: string, n: number, gzip: boolean): string {
  return gzip ? `${file}.${n}.gz` : `${file}.${n}`;
}

/** N when `name` is a rotated segment of `file` (`training.log.7.gz` or `training.log.7` → 7), else undefined. */
export function parseSegment(file: string, name: string): number | undefined {
  if (!name.startsWith(`${file}.`)) return undefined;
  const middle = name.slice(file.length + 1).replace(/\.gz$/, '');
  if (!/^[1-9]\d{0,14}$/.test(middle)) return undefined;
  return Number(middle);
}
