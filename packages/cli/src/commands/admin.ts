/** Commands that change or describe: rm, mkdir, touch, sign, config. */
import { FsError, getFileSystemClass, type FileInfo } from '@omnifs/core';
import {
  COMMON_OPTIONS,
  FileSystemBase,
  hasMagic,
  redact,
  unknownOptionMessage,
  type EnvironmentSetting,
} from '@omnifs/core/backend';
import { parseDuration } from '../format';
import { PROGRESS_FLAGS, progressOn, ProgressLine } from '../progress';
import { stringFlag, UsageError, type CommandSpec, type Context } from '../spec';
import { canonicalProtocol, checkProtocolKnown, type Target } from '../storage';
import { expandAll, fail, globOrLiteral, notFound, on, printJson, written } from './common';

async function rm(ctx: Context): Promise<void> {
  const recursive = on(ctx.flags, 'recursive');
  const force = on(ctx.flags, 'force');
  // Every URL is checked before anything is removed.
  const targets: Array<{ t: Target; found: FileInfo[] }> = [];
  for (const raw of ctx.args) {
    let t = ctx.storage.resolve(raw);
    let found: FileInfo[];
    if (hasMagic(t.path)) ({ target: t, found } = await globOrLiteral(t));
    else
      found = [
        await t.fs.info(t.path).catch((err: unknown) => {
          if (err instanceof FsError && err.kind === 'NotFound') return undefined;
          throw err;
        }),
      ].filter((i) => i !== undefined);
    if (found.length === 0) {
      if (force) continue;
      throw hasMagic(t.path) ? fail('NotFound', `${raw}: no match`) : notFound(raw);
    }
    const dir = found.find((f) => f.type === 'directory');
    if (dir !== undefined && !recursive)
      throw fail('IsADirectory', `${t.url(dir.name)} is a directory: use rm -r to remove it`);
    targets.push({ t, found });
  }
  // One line for all targets: the files of those done before are added to each one's figures.
  const progress = new ProgressLine(ctx.io, progressOn(ctx), 'files');
  let before = 0;
  try {
    for (const { t } of targets) {
      await t.fs.rm(t.path, {
        recursive,
        signal: ctx.signal,
        onProgress: (p) =>
          progress.update({
            bytes: 0,
            files: before + p.files,
            ...(p.totalFiles === undefined ? {} : { totalFiles: before + p.totalFiles }),
          }),
      });
      before = progress.progress.files;
    }
  } finally {
    progress.clear();
  }
  // What was removed, by URL: each match of a pattern, not the pattern.
  if (on(ctx.flags, 'verbose'))
    for (const { t, found } of targets) for (const f of found) ctx.io.out(`removed ${t.url(f.name)}`);
}

async function mkdir(ctx: Context): Promise<void> {
  for (const raw of ctx.args) {
    const t = ctx.storage.resolve(raw);
    if (on(ctx.flags, 'parents')) await t.fs.makedirs(t.path, { existOk: true });
    else await t.fs.mkdir(t.path, { createParents: false });
  }
}

async function touch(ctx: Context): Promise<void> {
  for (const raw of ctx.args) {
    const t = ctx.storage.resolve(raw);
    // `touch dir/` names a directory: refused as a write there is, not a file `dir` made.
    await t.fs.touch(written(t), { truncate: false });
  }
}

async function sign(ctx: Context): Promise<void> {
  const text = stringFlag(ctx.flags, 'expires-in');
  const expiresIn = text === undefined ? undefined : parseDuration(text, '--expires-in');
  for (const m of await expandAll(ctx, ctx.args)) {
    if (m.info.type !== 'file') throw fail('IsADirectory', `${m.url}: only files can be signed`);
    ctx.io.out(await m.target.fs.sign(m.info.name, expiresIn === undefined ? {} : { expiresIn }));
  }
}

/**
 * Shown values: secrets as `***` (by their name or the protocol's option schema), a
 * URL's password cut out, objects as JSON.
 */
function show(protocol: string, key: string, value: unknown): string {
  const shown = (redact({ [key]: value }, getFileSystemClass(protocol).optionSchema) as Record<string, unknown>)[key];
  return typeof shown === 'string' ? shown : JSON.stringify(shown);
}

/** A line of `omnifs config`: an option of omnifs's, or a setting the service's own variables make. */
type ConfigRow =
  | { protocol: string; option: string; value: unknown; source: string; from: string }
  | { protocol: string; setting: string; value: string; source: 'env' | 'file'; from: string };

async function config(ctx: Context): Promise<void> {
  const { storage } = ctx;
  const fromFile = Object.keys(storage.config.data);
  const fromEnv = Object.keys(storage.env)
    .map((k) => /^OMNIFS_([A-Z0-9]+)_/.exec(k)?.[1]?.toLowerCase())
    .filter((p): p is string => p !== undefined && p !== 'config');
  const asked = ctx.args.length > 0 ? ctx.args : [...new Set([...fromFile, ...fromEnv, 's3', 'gs', 'az', 'hdfs'])];
  const rows: ConfigRow[] = [];
  let unreadable: unknown;
  for (const protocol of ctx.args) checkProtocolKnown(protocol);
  for (const protocol of asked) {
    let canonical: string;
    try {
      canonical = canonicalProtocol(protocol);
    } catch (err) {
      // A protocol whose package is not installed has no options to show.
      if (ctx.args.length === 0 && err instanceof FsError && err.kind === 'Unsupported') continue;
      throw err;
    }
    if (rows.some((r) => r.protocol === canonical)) continue;
    const { options, sources } = storage.optionsFor(canonical);
    // A misspelt option is refused as every other command refuses it, before anything is shown:
    // its value cannot be told secret by its name.
    const schema = getFileSystemClass(canonical).optionSchema ?? {};
    const known = [...Object.keys(schema), ...Object.keys(COMMON_OPTIONS)];
    for (const option of Object.keys(options)) {
      if (known.includes(option)) continue;
      const where = `${sources[option]!.source}: ${sources[option]!.detail}`;
      throw new UsageError(`${unknownOptionMessage(option, canonical, known, schema)} (${where})`);
    }
    for (const [option, value] of Object.entries(options)) {
      rows.push({
        protocol: canonical,
        option,
        value: show(canonical, option, value),
        source: sources[option]!.source,
        from: sources[option]!.detail,
      });
    }
    // The service's own variables (AWS_REGION, AZURE_STORAGE_CONNECTION_STRING, ...), which the options override,
    // and what a backend finds through them or through the options (the Hadoop configuration
    // `hadoopConfDir` names). What it cannot read (a broken Hadoop file) is reported
    // once the rest is shown, the variables themselves included.
    const cls = getFileSystemClass(canonical);
    let settings: readonly EnvironmentSetting[];
    try {
      settings = cls.environmentSettings?.(storage.env, options) ?? [];
    } catch (err) {
      unreadable ??= err;
      settings = FileSystemBase.environmentSettings.call(cls as unknown as typeof FileSystemBase, storage.env);
    }
    for (const s of settings) {
      const source = s.file === undefined ? 'env' : 'file';
      rows.push({ protocol: canonical, setting: s.name, value: s.value, source, from: s.file ?? s.name });
    }
  }
  storage.checkFlagsUsed();
  printConfig(ctx, rows);
  if (unreadable !== undefined) throw unreadable;
}

/** The rows as text, or as JSON with `--json`. */
function printConfig(ctx: Context, rows: ConfigRow[]): void {
  const { storage } = ctx;
  if (on(ctx.flags, 'json')) return printJson(ctx, rows);
  ctx.io.out(`config file: ${storage.config.path}${storage.config.found ? '' : ' (none)'}`);
  ctx.io.out(
    "precedence: flags, then OMNIFS_<PROTOCOL>_<OPTION> variables, then the config file, then the service's own variables",
  );
  for (const r of rows) {
    if ('option' in r) ctx.io.out(`${r.protocol}.${r.option} = ${String(r.value)}    (${r.source}: ${r.from})`);
    else ctx.io.out(`${r.protocol} ${r.setting} = ${r.value}    (${r.source === 'env' ? 'env' : `file: ${r.from}`})`);
  }
}

/** The commands that change or describe. */
export const ADMIN_COMMANDS: CommandSpec[] = [
  {
    name: 'rm',
    args: 'URL...',
    summary: 'remove files (-r directories); globs expand',
    min: 1,
    options: {
      recursive: { type: 'boolean', short: 'r', help: 'remove directories and everything below them' },
      force: { type: 'boolean', short: 'f', help: 'a missing URL is not an error' },
      verbose: { type: 'boolean', short: 'v', help: 'print each URL removed' },
      ...PROGRESS_FLAGS,
    },
    example: 'omnifs rm -r s3://bucket/tmp/',
    run: rm,
  },
  {
    name: 'mkdir',
    args: 'URL...',
    summary: 'create directories (buckets on object stores)',
    min: 1,
    options: { parents: { type: 'boolean', short: 'p', help: 'create parents too; an existing directory is fine' } },
    example: 'omnifs mkdir -p ./project/data',
    run: mkdir,
  },
  {
    name: 'touch',
    args: 'URL...',
    summary: 'create empty files, or update the time of existing ones',
    min: 1,
    options: {},
    example: 'omnifs touch s3://bucket/runs/42/_SUCCESS',
    run: touch,
  },
  {
    name: 'sign',
    args: 'URL...',
    summary: 'a URL that grants time-limited access without credentials',
    min: 1,
    options: {
      'expires-in': { type: 'string', value: 'TIME', help: 'validity: seconds or 15m, 12h, 7d (default 1h)' },
    },
    example: 'omnifs sign --expires-in 15m s3://bucket/report.pdf',
    run: sign,
  },
  {
    name: 'config',
    args: '[PROTOCOL...]',
    summary: 'the storage options in force and where each comes from',
    min: 0,
    urls: false,
    options: { json: { type: 'boolean', help: 'print JSON' } },
    example: 'omnifs config s3 --endpoint-url http://127.0.0.1:9000',
    run: config,
  },
];
