/** Commands over runs and debris: `logs follow|ls` (a job's synced logs) and `gc` (what killed writes left). */
import { humanSize, listTime, parseDuration } from '../format';
import { stringFlag, UsageError, type CommandSpec, type Context } from '../spec';
import { entryJson, notFound, on, printJson } from './common';

/** @omnifs/logsync, loaded only by the commands that use it. */
function logsync(): typeof import('@omnifs/logsync') {
  return require('@omnifs/logsync') as typeof import('@omnifs/logsync');
}

async function follow(ctx: Context, url: string): Promise<void> {
  const { followLog } = logsync();
  const lines = followLog(url, {
    fromStart: on(ctx.flags, 'from-start'),
    signal: ctx.signal,
    storageOptions: ctx.storage.urlOptions(url),
  });
  for await (const line of lines) ctx.io.out(line);
}

async function runs(ctx: Context, url: string): Promise<void> {
  const { listRuns } = logsync();
  const found = await listRuns(url, { storageOptions: ctx.storage.urlOptions(url) });
  if (on(ctx.flags, 'json'))
    return printJson(
      ctx,
      found.map((r) => entryJson({ ...r, type: 'directory' }, r.url)),
    );
  const size = (n: number): string => (on(ctx.flags, 'human-readable') ? humanSize(n) : String(n));
  for (const r of found)
    ctx.io.out(
      `${listTime(r.modified)}  ${size(r.size).padStart(10)}  ${r.url}${r.lastMetrics ? `  ${r.lastMetrics}` : ''}`,
    );
}

async function logs(ctx: Context): Promise<void> {
  const [what, url] = ctx.args as [string, string];
  ctx.storage.resolve(url);
  ctx.storage.checkFlagsUsed();
  if (what === 'follow') return follow(ctx, url);
  if (what === 'ls') return runs(ctx, url);
  throw new UsageError(`logs takes follow or ls, not ${JSON.stringify(what)}`);
}

async function gc(ctx: Context): Promise<void> {
  const text = stringFlag(ctx.flags, 'older-than');
  const olderThan = text === undefined ? undefined : parseDuration(text, '--older-than', true) * 1000;
  const dryRun = on(ctx.flags, 'dry-run');
  let removed = 0;
  let kept = 0;
  for (const raw of ctx.args) {
    const t = ctx.storage.resolve(raw);
    const result = await t.fs.cleanup(t.path, {
      dryRun,
      signal: ctx.signal,
      ...(olderThan === undefined ? {} : { olderThan }),
    });
    for (const d of result.removed) {
      const what = d.kind === 'upload' ? `unfinished upload${d.uploadId ? ` ${d.uploadId}` : ''}` : 'temporary file';
      const size = d.size === undefined ? '' : `, ${humanSize(d.size)}`;
      ctx.io.out(`${dryRun ? 'would remove' : 'removed'} ${t.url(d.path)} (${what}${size})`);
    }
    // Nothing found under a path that is not there is a typo, not a clean store.
    if (result.removed.length + result.kept.length === 0 && !(await t.fs.exists(t.path))) throw notFound(raw);
    removed += result.removed.length;
    kept += result.kept.length;
  }
  ctx.io.err(`${removed} ${dryRun ? 'to remove' : 'removed'}, ${kept} kept as younger than ${text ?? '1d'}`);
}

/** The commands over runs and debris. */
export const LOG_COMMANDS: CommandSpec[] = [
  {
    name: 'logs',
    args: 'follow|ls URL',
    summary: "a job's synced logs: follow a run's lines as they arrive, or list the runs under a URL",
    min: 2,
    max: 2,
    urls: false,
    choices: ['follow', 'ls'],
    options: {
      'from-start': { type: 'boolean', help: 'follow: print the lines already there first' },
      'human-readable': { type: 'boolean', short: 'h', help: 'ls: sizes as 1.5 KiB' },
      json: { type: 'boolean', help: 'ls: print JSON' },
    },
    example: 'omnifs logs follow --from-start s3://bucket/experiments/run-42',
    run: logs,
  },
  {
    name: 'gc',
    args: 'URL...',
    summary: 'remove what interrupted writes left: temporary files, unfinished multipart uploads',
    min: 1,
    options: {
      'older-than': {
        type: 'string',
        value: 'TIME',
        help: 'only what was started this long ago (default 1d; 0 for all)',
      },
      'dry-run': { type: 'boolean', short: 'n', help: 'print what would be removed, remove nothing' },
    },
    example: 'omnifs gc --older-than 12h s3://bucket/',
    run: gc,
  },
];
