/** Bookkeeping of rotated segments that the spool keeps and restores. */
import * as fs from 'node:fs';
import { dirname } from 'node:path';
import { parseSegment, segmentName } from './rotation';

/** A closed segment of a rotated log, waiting to be compressed and uploaded. */
export interface ClosedSegment {
  /** The log it was cut from (`training.log`). */
  file: string;
  /** Its local file: under `.logsync/segments/` (remote targets) or next to the log (local targets). */
  local: string;
  /** Its number on the target, assigned before its first upload (null until then). */
  n: number | null;
  /** The `base` of the log when it was cut (remote bytes before this spool's first), null if never looked at. */
  base: number | null;
  /** Bytes of it already in the live remote log when it was cut. */
  uploaded?: number;
}

/** When the line log is cut into segments. */
export interface RotationRule {
  file: string;
  maxBytes: number;
  maxAgeMs: number;
  /** Segments kept on the target (older ones are deleted); Infinity keeps all. */
  keep: number;
  gzip: boolean;
}

/** Finishes the cuts that a killed process recorded but did not rename. */
export function finishCuts(closed: readonly ClosedSegment[], pathOf: (name: string) => string): void {
  for (const segment of closed) {
    if (!fs.existsSync(pathOf(segment.local)) && fs.existsSync(pathOf(segment.file))) {
      fs.renameSync(pathOf(segment.file), pathOf(segment.local));
    }
  }
}

/** The next segment number of a log on a local target (one more than the highest there), recorded in `next`. */
export function takeLocalSegmentNumber(
  next: Record<string, number>,
  name: string,
  pathOf: (name: string) => string,
): number {
  let n = next[name];
  if (n === undefined) {
    n = 1;
    const base = name.split('/').pop()!;
    for (const entry of fs.readdirSync(dirname(pathOf(name)))) {
      const found = parseSegment(base, entry);
      if (found !== undefined && found >= n) n = found + 1;
    }
  }
  next[name] = n + 1;
  return n;
}

/** Local targets: plain segments a killed process left uncompressed, oldest first. */
export function uncompressedLocalSegments(
  rule: RotationRule | undefined,
  pathOf: (name: string) => string,
): ClosedSegment[] {
  if (rule === undefined || !rule.gzip) return [];
  const base = rule.file.split('/').pop()!;
  const found: ClosedSegment[] = [];
  for (const entry of fs.readdirSync(dirname(pathOf(rule.file)))) {
    const n = parseSegment(base, entry);
    if (n !== undefined && !entry.endsWith('.gz'))
      found.push({ file: rule.file, local: segmentName(rule.file, n, false), n, base: 0 });
  }
  return found.sort((a, b) => a.n! - b.n!);
}
