/**
 * The live progress line of transfers: bytes, percentage, rate and ETA (and files, for
 * many), redrawn in place on a terminal; plain lines once a second when forced on
 * elsewhere; then a summary. Removals count files instead of bytes.
 */
import type { Progress } from '@omnifs/core';
import { clock, elapsed, humanSize } from './format';
import type { Context, Io, OptionSpec } from './spec';

/** `--progress` and `--no-progress`, of the commands that draw a progress line. */
export const PROGRESS_FLAGS: Record<'progress' | 'no-progress', OptionSpec> = {
  progress: { type: 'boolean', help: 'draw progress even when standard error is not a terminal' },
  'no-progress': { type: 'boolean', help: 'no progress line, even on a terminal' },
};

/** Whether to draw the line: on a terminal unless turned off (`--no-progress`, `-q`), else with `--progress`. */
export function progressOn(ctx: Context): boolean {
  if (ctx.flags.progress === true) return true;
  if (ctx.flags['no-progress'] === true || ctx.flags.quiet === true) return false;
  return ctx.io.progress?.tty === true;
}

/** How often the line is redrawn on a terminal, and printed elsewhere. */
const TTY_INTERVAL_MS = 100;
const PLAIN_INTERVAL_MS = 1000;
/** The rate is measured over this much recent time. */
const RATE_WINDOW_MS = 3000;

/** Progress of one command's transfer, drawn on standard error. */
export class ProgressLine {
  private readonly started = performance.now();
  /** Recent figures (bytes, or files when counting files) for the rate. */
  private readonly samples: Array<{ at: number; bytes: number }> = [];
  private last: Progress = { bytes: 0, files: 0 };
  private drawnAt = 0;
  private drawn = false;

  /**
   * @param io where to draw (`io.progress`) and print the summary (`io.err`)
   * @param enabled draw the live line (a terminal, or `--progress`)
   * @param counting `bytes` for transfers; `files` for removals (`N / M files removed`)
   */
  constructor(
    private readonly io: Io,
    private readonly enabled: boolean,
    private readonly counting: 'bytes' | 'files' = 'bytes',
  ) {}

  /** The `onProgress` callback for core operations. */
  readonly update = (p: Progress): void => {
    this.last = p;
    const now = Date.now();
    this.samples.push({ at: now, bytes: this.counting === 'files' ? p.files : p.bytes });
    while (this.samples.length > 2 && now - this.samples[0]!.at > RATE_WINDOW_MS) this.samples.shift();
    if (!this.enabled || this.io.progress === undefined) return;
    const interval = this.io.progress.tty ? TTY_INTERVAL_MS : PLAIN_INTERVAL_MS;
    if (now - this.drawnAt < interval) return;
    this.drawnAt = now;
    this.draw();
  };

  /** Bytes (or files) per second over the recent window (over the whole run at first). */
  private rate(): number {
    const first = this.samples[0];
    const lastSample = this.samples[this.samples.length - 1];
    if (first === undefined || lastSample === undefined || lastSample.at - first.at < 200) {
      const secs = (performance.now() - this.started) / 1000;
      const done = this.counting === 'files' ? this.last.files : this.last.bytes;
      return secs > 0 ? done / secs : 0;
    }
    return (lastSample.bytes - first.bytes) / ((lastSample.at - first.at) / 1000);
  }

  /** The text of the live line. */
  line(): string {
    const p = this.last;
    const rate = this.rate();
    if (this.counting === 'files') {
      const parts = [`${p.files}${p.totalFiles === undefined ? '' : ` / ${p.totalFiles}`} files removed`];
      parts.push(`${Math.round(rate)} files/s`);
      if (p.totalFiles !== undefined) parts.push(`ETA ${rate > 0 ? clock((p.totalFiles - p.files) / rate) : '-:--'}`);
      return parts.join('  ');
    }
    const parts = [
      p.totalBytes === undefined ? humanSize(p.bytes) : `${humanSize(p.bytes)} / ${humanSize(p.totalBytes)}`,
    ];
    if (p.totalBytes !== undefined && p.totalBytes > 0) parts.push(`${Math.floor((100 * p.bytes) / p.totalBytes)}%`);
    parts.push(`${humanSize(Math.round(rate))}/s`);
    if (p.totalBytes !== undefined) {
      const left = p.totalBytes - p.bytes;
      parts.push(`ETA ${rate > 0 ? clock(left / rate) : '-:--'}`);
    }
    if ((p.totalFiles ?? 0) > 1) parts.push(`${p.files}/${p.totalFiles} files`);
    return parts.join('  ');
  }

  private draw(): void {
    const target = this.io.progress!;
    let text = this.line();
    if (target.tty) {
      const width = (target.columns ?? 80) - 1;
      if (text.length > width) text = text.slice(0, width);
      target.write(`\r\x1b[K${text}`);
      this.drawn = true;
    } else {
      target.write(`${text}\n`);
    }
  }

  /** Clears the live line (on a terminal) so that what follows starts on a clean line. */
  clear(): void {
    if (this.drawn && this.io.progress?.tty) this.io.progress.write('\r\x1b[K');
    this.drawn = false;
  }

  /** Seconds since the transfer started. */
  seconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  /** Clears the line and prints `<verb> N files, SIZE in TIME (RATE)`. */
  finish(verb: string, files: number, bytes: number): void {
    this.clear();
    const secs = this.seconds();
    const rate = secs > 0 ? `, ${humanSize(Math.round(bytes / secs))}/s` : '';
    this.io.err(`${verb} ${files} file${files === 1 ? '' : 's'}, ${humanSize(bytes)} in ${elapsed(secs)}${rate}`);
  }

  /** The latest figures. */
  get progress(): Progress {
    return this.last;
  }
}
