/**
 * @omnifs/cli: the `omnifs` command. `omnifs ls s3://bucket/`, `omnifs cp -r ./data s3://b/data/`,
 * `omnifs cat gs://b/k`. Any installed protocol works.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FsError } from '@omnifs/core';
import { toFsError, withSignal } from '@omnifs/core/backend';
import { ADMIN_COMMANDS } from './commands/admin';
import { LIST_COMMANDS } from './commands/list';
import { LOG_COMMANDS } from './commands/logs';
import { READ_COMMANDS } from './commands/read';
import { failureLine } from './commands/common';
import { TRANSFER_COMMANDS } from './commands/transfer';
import { bashCompletion, commandHelp, HELP_OPTION, overview, STORAGE_OPTIONS, zshCompletion } from './help';
import {
  ReportedFailure,
  UsageError,
  type CommandSpec,
  type Context,
  type Flags,
  type Io,
  type OptionSpec,
} from './spec';
import { Storage } from './storage';

export type { CommandSpec, Context, Flags, Io, OptionSpec } from './spec';
export { UsageError } from './spec';
export { Storage, type Target, type StorageFlags } from './storage';
export { ThrottledFileSystem, type ThrottleOptions } from './throttle';
export { humanSize } from './format';

/** The version of this package. */
export const VERSION = (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string })
  .version;

const META_COMMANDS: CommandSpec[] = [
  {
    name: 'help',
    args: '[COMMAND]',
    summary: 'this overview, or the options of one command',
    min: 0,
    max: 1,
    urls: false,
    storage: false,
    options: {},
    example: 'omnifs help cp',
    async run(ctx) {
      const name = ctx.args[0];
      if (name === undefined) return ctx.io.out(overview(COMMANDS));
      ctx.io.out(commandHelp(lookup(name)));
    },
  },
  {
    name: 'version',
    args: '',
    summary: 'the version of omnifs and of Node.js',
    min: 0,
    max: 0,
    urls: false,
    storage: false,
    options: {},
    example: 'omnifs version',
    async run(ctx) {
      ctx.io.out(`omnifs ${VERSION}`);
      ctx.io.out(`node ${process.version}`);
    },
  },
  {
    name: 'completion',
    args: 'bash|zsh',
    summary: 'a shell completion script',
    min: 1,
    max: 1,
    urls: false,
    storage: false,
    options: {},
    choices: ['bash', 'zsh'],
    example: 'source <(omnifs completion bash)',
    async run(ctx) {
      const shell = ctx.args[0];
      if (shell === 'bash') return ctx.io.out(bashCompletion(COMMANDS).trimEnd());
      if (shell === 'zsh') return ctx.io.out(zshCompletion(COMMANDS).trimEnd());
      throw new UsageError(`completion is for bash or zsh, not ${JSON.stringify(shell)}`);
    },
  },
];

/** Every command, in the order help lists them. */
export const COMMANDS: CommandSpec[] = [
  ...LIST_COMMANDS,
  ...READ_COMMANDS,
  ...TRANSFER_COMMANDS,
  ...ADMIN_COMMANDS,
  ...LOG_COMMANDS,
  ...META_COMMANDS,
];
META_COMMANDS[0]!.choices = COMMANDS.map((c) => c.name);

/** The overview printed by `omnifs help`. */
export const USAGE = overview(COMMANDS);

function lookup(name: string): CommandSpec {
  const found = COMMANDS.find((c) => c.name === name || c.aliases?.includes(name));
  if (found !== undefined) return found;
  const near = COMMANDS.filter((c) => c.name.startsWith(name.slice(0, 2))).map((c) => c.name);
  const hint = near.length > 0 ? ` (did you mean ${near.join(' or ')}?)` : '';
  throw new UsageError(`unknown command "${name}"${hint}; 'omnifs help' lists them`);
}

/** Storage options that take a value, so that `--region X ls` finds `ls` as the command. */
const VALUE_OPTIONS = new Set(['--endpoint-url', '--region', '--profile', '-o', '--option']);

/** Splits argv into the command name and the rest (options may come before the command). */
function splitCommand(argv: string[]): { name: string | undefined; rest: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return { name: argv[i + 1], rest: [...argv.slice(0, i), ...argv.slice(i + 2)] };
    if (!a.startsWith('-') || a === '-') return { name: a, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
    if (VALUE_OPTIONS.has(a)) i++;
  }
  return { name: undefined, rest: argv };
}

/**
 * The word after an option that takes a value is its value, as getopt reads it, also when
 * it starts with a dash (`head -n -1`, `--max-depth -2`, `-lo -x`): passed on as
 * `--name=value`, so that the option's own check answers it rather than parseArgs'
 * "ambiguous" text.
 */
function attachValues(options: Record<string, OptionSpec>, args: string[]): string[] {
  const long = new Map<string, string>();
  const short = new Map<string, string>();
  for (const [name, o] of Object.entries(options)) {
    if (o.type !== 'string') continue;
    long.set(`--${name}`, name);
    if (o.short !== undefined) short.set(o.short, name);
  }
  /** The option `word` ends with that takes the next word as its value, if it does. */
  const wanting = (word: string): string | undefined => {
    if (word.startsWith('--')) return long.get(word);
    if (!/^-[^-]/.test(word)) return undefined;
    // In a group (`-lo`), the first option taking a value takes the rest of the group, or the next word.
    const at = [...word.slice(1)].findIndex((c) => short.has(c));
    return at === word.length - 2 ? short.get(word.at(-1)!) : undefined;
  };
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    if (word === '--') return [...out, ...args.slice(i)];
    const name = wanting(word);
    const next = args[i + 1];
    if (name === undefined || next === undefined || !next.startsWith('-') || next === '--') {
      out.push(word);
      continue;
    }
    if (!word.startsWith('--') && word.length > 2) out.push(word.slice(0, -1));
    out.push(`--${name}=${next}`);
    i++;
  }
  return out;
}

function parse(spec: CommandSpec, rest: string[]): { flags: Flags; args: string[] } {
  const options = { ...spec.options, ...(spec.storage === false ? {} : STORAGE_OPTIONS), help: HELP_OPTION };
  let parsed;
  try {
    parsed = parseArgs({ args: attachValues(options, rest), options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  return { flags: parsed.values as Flags, args: parsed.positionals };
}

/** Options of {@link main}. */
export interface MainOptions {
  /** Aborts the running command (Ctrl-C); it then exits with 130. */
  signal?: AbortSignal;
}

/**
 * Runs the CLI with `argv` (without `node` and the script); resolves to the exit status:
 * 0 success, 1 failure, 2 usage error (nothing was changed), 130 interrupted.
 */
export async function main(argv: string[], io: Io, options: MainOptions = {}): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    io.out(`omnifs ${VERSION}`);
    return 0;
  }
  if (argv.length === 0 || (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h'))) {
    (argv.length === 0 ? io.err : io.out)(USAGE);
    return argv.length === 0 ? 2 : 0;
  }
  const { name, rest } = splitCommand(argv);
  let spec: CommandSpec | undefined;
  try {
    if (name === undefined) {
      const unknown = rest.find((a) => a.startsWith('-') && a !== '-' && !VALUE_OPTIONS.has(a.split('=')[0]!));
      throw new UsageError(
        unknown === undefined ? 'no command given' : `unknown option '${unknown}' (and no command given)`,
      );
    }
    spec = lookup(name);
    const { flags, args } = parse(spec, rest);
    if (flags.help === true) {
      io.out(commandHelp(spec));
      return 0;
    }
    if (args.length < spec.min) throw new UsageError(`${spec.name} needs ${spec.args}`);
    if (spec.max !== undefined && args.length > spec.max)
      throw new UsageError(`${spec.name} takes ${spec.max === 0 ? 'no arguments' : spec.args}`);
    const storage = new Storage(
      {
        ...(typeof flags['endpoint-url'] === 'string' ? { endpointUrl: flags['endpoint-url'] } : {}),
        ...(typeof flags.region === 'string' ? { region: flags.region } : {}),
        ...(typeof flags.profile === 'string' ? { profile: flags.profile } : {}),
        anon: flags.anon === true,
        options: Array.isArray(flags.option) ? flags.option : [],
      },
      io.env ?? process.env,
    );
    if (spec.urls !== false) {
      // Every URL is resolved before anything runs: a malformed one, or a storage flag
      // that none of them takes, is a usage error and changes nothing.
      for (const a of args) if (a !== '-') storage.resolve(a);
      storage.checkFlagsUsed();
    }
    const ctx: Context = { args, flags, io, storage, signal: options.signal ?? new AbortController().signal };
    // Every call of the command runs under the signal, also those that take none of their own:
    // Ctrl-C stops a listing or a metadata call waiting on a server as it stops a copy.
    const command = spec;
    await withSignal(ctx.signal, () => command.run(ctx));
    return 0;
  } catch (err) {
    return report(err, spec, io);
  }
}

function report(err: unknown, spec: CommandSpec | undefined, io: Io): number {
  const who = spec === undefined ? 'omnifs' : `omnifs ${spec.name}`;
  if (err instanceof UsageError) {
    io.err(`${who}: ${err.message}`);
    io.err(
      spec === undefined
        ? "run 'omnifs help' for the commands"
        : `usage: omnifs ${spec.name} [options] ${spec.args}`.trimEnd() +
            `\nrun 'omnifs help ${spec.name}' for its options`,
    );
    return 2;
  }
  if (err instanceof ReportedFailure) return 1;
  const e = toFsError(err);
  if (e.kind === 'Aborted') {
    io.err(`${who}: interrupted`);
    return 130;
  }
  io.err(failureLine(who, e));
  return e instanceof FsError && e.kind === 'InvalidArgument' && e.operation === undefined ? 2 : 1;
}
