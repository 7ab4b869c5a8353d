/** The shapes every command shares: its declaration, what it is given to run, where it writes. */
import type { Storage } from './storage';

/** Where a command writes and reads. */
export interface Io {
  /** Writes one line to standard output. */
  out(text: string): void;
  /** Writes bytes to standard output; resolves once they are accepted (backpressure). */
  raw(bytes: Uint8Array): void | Promise<void>;
  /** Writes one line to standard error. */
  err(text: string): void;
  /** Standard input, for `-` sources. */
  stdin?: AsyncIterable<Uint8Array>;
  /**
   * Where the live progress line is drawn (standard error); `tty` says whether it is a
   * terminal, which turns progress on by default.
   */
  progress?: { write(text: string): void; tty: boolean; columns?: number };
  /** The environment options come from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

/** One option of a command, as `util.parseArgs` takes it, plus its help. */
export interface OptionSpec {
  type: 'boolean' | 'string';
  short?: string;
  multiple?: boolean;
  /** Name of the value in help (`N`, `SECONDS`). */
  value?: string;
  help: string;
}

/** Values of parsed options. */
export type Flags = Record<string, string | boolean | string[] | undefined>;

/** What a running command is given. */
export interface Context {
  /** Positional arguments after the command name. */
  args: string[];
  flags: Flags;
  io: Io;
  /** URLs to filesystems with the options of flags, environment and config file. */
  storage: Storage;
  /** Aborted by Ctrl-C. */
  signal: AbortSignal;
}

/** A command of the CLI. */
export interface CommandSpec {
  name: string;
  aliases?: string[];
  /** Arguments as shown in usage, e.g. `SRC... DST`. */
  args: string;
  summary: string;
  /** Options of this command (the storage options are added to every one). */
  options: Record<string, OptionSpec>;
  /** Fewest and most positional arguments. */
  min: number;
  max?: number;
  /** One line a user can run, shown in help. */
  example: string;
  /** False when the arguments are not URLs (they are then not resolved up front). */
  urls?: boolean;
  /** False for commands that take no storage options (help, version, completion). */
  storage?: boolean;
  /** Words completion offers for the first argument, when they are fixed. */
  choices?: string[];
  run(ctx: Context): Promise<void>;
}

/** A usage error: exit status 2, printed with the command's usage. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure the command has already described on standard error: exit status 1, nothing more said. */
export class ReportedFailure extends Error {
  constructor(message = 'failed, as reported') {
    super(message);
    this.name = 'ReportedFailure';
  }
}

/** The value of a string flag, or undefined. */
export function stringFlag(flags: Flags, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

/** A positive integer flag (named `shown` in the error); anything else is a usage error. */
export function intFlag(flags: Flags, name: string, min = 1, shown = `--${name}`): number | undefined {
  const v = stringFlag(flags, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`${shown} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  }
  return n;
}
