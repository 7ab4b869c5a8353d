/**
 * @omnifs/cli: the `omnifs` command. `omnifs ls s3://bucket/`, `omnifs cp -r ./data s3://b/data/`,
 * `omnifs cat gs://b/k`. Any installed protocol works.
 */
import { parseArgs } from 'node:util';
import { FsError, toFsError } from '@omnifs/core';
import { COMMANDS, type Flags, type Output } from './commands';

export { COMMANDS, type Flags, type Output } from './commands';

/** The help text. */
export const USAGE = `usage: omnifs <command> [options] URL...

commands:
  ls [URL]          list a directory (-l for details)
  find URL          every file below URL (--max-depth N)
  info URL          metadata as JSON
  du URL            total bytes below URL
  cat URL...        print files
  head URL, tail URL  first / last bytes (-n BYTES, default 1024)
  cp SRC DST        copy (-r for directories), also from one protocol to another
  mv SRC DST        move
  rm URL...         remove (-r for directories)
  mkdir URL...      create directories (buckets on object stores)
  touch URL...      create empty files or update times
  sign URL          a presigned URL (--expires-in SECONDS)
  rsync SRC DST     copy the files of SRC that DST lacks or has older (--delete removes
                    what SRC lacks, --dry-run only prints what would change)

options: -r/--recursive  -l/--long  --max-depth N  -n/--bytes N  --expires-in S  --progress
         --delete  --dry-run  -h/--help
URLs: /local/path, file://, memory://, s3://bucket/key, gs://, az://, hdfs://, layer::proto://...`;

function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new FsError({ kind: 'InvalidArgument', message: `${name} must be a positive integer, got ${JSON.stringify(value)}` });
  return n;
}

/** Runs the CLI with `argv` (without `node` and the script); returns the exit code. */
export async function main(argv: string[], io: Output): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        recursive: { type: 'boolean', short: 'r', default: false },
        long: { type: 'boolean', short: 'l', default: false },
        'max-depth': { type: 'string' },
        bytes: { type: 'string', short: 'n' },
        'expires-in': { type: 'string' },
        progress: { type: 'boolean', default: false },
        delete: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    io.err(`omnifs: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const [name, ...args] = parsed.positionals;
  if (parsed.values.help || name === undefined) {
    (name === undefined && !parsed.values.help ? io.err : io.out)(USAGE);
    return name === undefined && !parsed.values.help ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    io.err(`omnifs: unknown command "${name}"\n${USAGE}`);
    return 2;
  }
  try {
    const flags: Flags = {
      recursive: parsed.values.recursive === true,
      long: parsed.values.long === true,
      maxDepth: positiveInt('--max-depth', parsed.values['max-depth']),
      bytes: positiveInt('--bytes', parsed.values.bytes),
      expiresIn: positiveInt('--expires-in', parsed.values['expires-in']),
      progress: parsed.values.progress === true,
      deleteMissing: parsed.values.delete === true,
      dryRun: parsed.values['dry-run'] === true,
    };
    await command(args, flags, io);
    return 0;
  } catch (err) {
    const e = toFsError(err);
    io.err(`omnifs: ${e.message} [${e.code}]`);
    return e.kind === 'InvalidArgument' ? 2 : 1;
  }
}
