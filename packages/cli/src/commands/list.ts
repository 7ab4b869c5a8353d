/** Commands that look: ls, find, glob, stat, du, tree. */
import { type FileInfo } from '@omnifs/core';
import { baseName, joinPath, relativeTo } from '@omnifs/core/backend';
import { humanSize, listTime } from '../format';
import { intFlag, stringFlag, UsageError, type CommandSpec, type Context } from '../spec';
import { dirUrl, entryJson, expand, expandAll, fail, on, printJson, type Match } from './common';

const json = { type: 'boolean', help: 'print JSON (one array of entries)' } as const;
const human = { type: 'boolean', short: 'h', help: 'sizes as 1.5 KiB, 20.0 MiB' } as const;
const maxDepth = { type: 'string', value: 'N', help: 'go at most N levels below the URL' } as const;

/** An entry's URL, directories with a trailing slash. */
function shown(info: FileInfo, url: string): string {
  return info.type === 'directory' ? dirUrl(url) : url;
}

function longLine(info: FileInfo, url: string, humanSizes: boolean): string {
  const size = humanSizes ? humanSize(info.size) : String(info.size);
  const type = info.type === 'directory' ? 'd' : '-';
  return `${type} ${size.padStart(humanSizes ? 10 : 12)}  ${listTime(info.mtime)}  ${shown(info, url)}`;
}

/** The entries a listing shows for one match: a file itself, a directory's children (all of them with -R). */
async function listed(m: Match, recursive: boolean): Promise<FileInfo[]> {
  if (m.info.type === 'file') return [m.info];
  const { fs } = m.target;
  return recursive ? fs.find(m.info.name, { withDirs: true, detail: true }) : fs.ls(m.info.name, { detail: true });
}

async function ls(ctx: Context): Promise<void> {
  const { flags } = ctx;
  const rows: Array<{ info: FileInfo; url: string }> = [];
  for (const m of await expandAll(ctx, ctx.args.length > 0 ? ctx.args : ['.'])) {
    for (const info of await listed(m, on(flags, 'recursive'))) {
      if (info.name === m.info.name && info.type === 'directory') continue;
      rows.push({ info, url: m.target.url(info.name) });
    }
  }
  if (on(flags, 'json'))
    return printJson(
      ctx,
      rows.map((r) => entryJson(r.info, r.url)),
    );
  for (const { info, url } of rows)
    ctx.io.out(on(flags, 'long') ? longLine(info, url, on(flags, 'human-readable')) : shown(info, url));
}

async function find(ctx: Context): Promise<void> {
  const depth = intFlag(ctx.flags, 'max-depth');
  const type = stringFlag(ctx.flags, 'type');
  if (type !== undefined && type !== 'f' && type !== 'd')
    throw new UsageError(`--type takes f or d, got ${JSON.stringify(type)}`);
  const rows: Array<{ info: FileInfo; url: string }> = [];
  for (const m of await expandAll(ctx, ctx.args)) {
    const entries =
      m.info.type === 'file'
        ? [m.info]
        : await m.target.fs.find(m.info.name, {
            detail: true,
            withDirs: type === 'd',
            ...(depth ? { maxDepth: depth } : {}),
          });
    for (const info of entries) {
      if (info.type === 'directory' && info.name === m.info.name) continue;
      if (type === undefined || (type === 'd') === (info.type === 'directory'))
        rows.push({ info, url: m.target.url(info.name) });
    }
  }
  if (on(ctx.flags, 'json'))
    return printJson(
      ctx,
      rows.map((r) => entryJson(r.info, r.url)),
    );
  for (const { info, url } of rows) ctx.io.out(on(ctx.flags, 'long') ? longLine(info, url, false) : shown(info, url));
}

async function glob(ctx: Context): Promise<void> {
  const depth = intFlag(ctx.flags, 'max-depth');
  const rows: Array<{ info: FileInfo; url: string }> = [];
  for (const raw of ctx.args) {
    const target = ctx.storage.resolve(raw);
    const matches = await target.fs.glob(target.path, { detail: true, ...(depth ? { maxDepth: depth } : {}) });
    for (const info of matches) rows.push({ info, url: target.url(info.name) });
  }
  if (on(ctx.flags, 'json'))
    return printJson(
      ctx,
      rows.map((r) => entryJson(r.info, r.url)),
    );
  for (const { info, url } of rows) ctx.io.out(shown(info, url));
  if (rows.length === 0) throw fail('NotFound', `nothing matches ${ctx.args.join(' ')}`);
}

/** The label column of `stat` is at least as wide as "modified". */
const STAT_MIN_LABEL = 'modified'.length;

/** The labelled lines `stat` prints for one entry: url, type, size, time, then the rest. */
function statFields(info: FileInfo, url: string): Array<[string, string]> {
  const { name: _name, size, type, mtime, ...rest } = info;
  const fields: Array<[string, string]> = [
    ['url', shown(info, url)],
    ['type', type],
    ['size', `${size}${size >= 1024 ? ` (${humanSize(size)})` : ''}`],
  ];
  if (mtime instanceof Date) fields.push(['modified', mtime.toISOString()]);
  for (const [k, v] of Object.entries(rest)) {
    if (v === undefined || v === null || (typeof v === 'object' && !(v instanceof Date))) continue;
    fields.push([k, v instanceof Date ? v.toISOString() : String(v)]);
  }
  return fields;
}

async function stat(ctx: Context): Promise<void> {
  const matches = await expandAll(ctx, ctx.args);
  if (on(ctx.flags, 'json'))
    return printJson(
      ctx,
      matches.map((m) => entryJson(m.info, m.url)),
    );
  matches.forEach((m, i) => {
    if (i > 0) ctx.io.out('');
    const fields = statFields(m.info, m.url);
    // Values line up at least one space after the longest label, and never left of where
    // they start after "modified:", so entries with and without a time look alike.
    const width = Math.max(STAT_MIN_LABEL, ...fields.map(([label]) => label.length)) + 2;
    for (const [label, value] of fields) ctx.io.out(`${`${label}:`.padEnd(width)}${value}`);
  });
}

/** Post-order: a directory after everything below it, siblings by name. */
function postOrder(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  return y.length - x.length;
}

async function du(ctx: Context): Promise<void> {
  const depth = intFlag(ctx.flags, 'max-depth');
  const size = (n: number): string => (on(ctx.flags, 'human-readable') ? humanSize(n) : String(n));
  for (const m of await expandAll(ctx, ctx.args)) {
    if (m.info.type === 'file') {
      ctx.io.out(`${size(m.info.size)}\t${m.url}`);
      continue;
    }
    const root = m.info.name;
    const totals = new Map<string, number>([[root, 0]]);
    for (const e of await m.target.fs.find(root, { withDirs: true, detail: true })) {
      if (e.type === 'directory') totals.set(e.name, totals.get(e.name) ?? 0);
      if (e.type !== 'file') continue;
      // Add the file's size to every directory from its parent up to the root.
      const rel = relativeTo(e.name, root).split('/');
      totals.set(root, totals.get(root)! + e.size);
      for (let i = 1; i < rel.length; i++) {
        const dir = joinPath(root, ...rel.slice(0, i));
        totals.set(dir, (totals.get(dir) ?? 0) + e.size);
      }
    }
    if (on(ctx.flags, 'summarize')) {
      ctx.io.out(`${size(totals.get(root)!)}\t${dirUrl(m.url)}`);
      continue;
    }
    const dirs = [...totals.keys()].filter(
      (d) => d === root || depth === undefined || relativeTo(d, root).split('/').length <= depth,
    );
    for (const d of dirs.sort(postOrder)) ctx.io.out(`${size(totals.get(d)!)}\t${dirUrl(m.target.url(d))}`);
  }
}

async function tree(ctx: Context): Promise<void> {
  const depth = intFlag(ctx.flags, 'max-depth', 1, '-L (--max-depth)');
  let dirs = 0;
  let files = 0;
  for (const m of await expand(ctx, ctx.args[0]!)) {
    ctx.io.out(shown(m.info, m.url));
    if (m.info.type === 'file') {
      files++;
      continue;
    }
    const entries = await m.target.fs.find(m.info.name, {
      withDirs: true,
      detail: true,
      ...(depth ? { maxDepth: depth } : {}),
    });
    const children = new Map<string, FileInfo[]>();
    for (const e of entries) {
      if (e.name === m.info.name) continue;
      const parent = m.target.fs.parent(e.name);
      children.set(parent, [...(children.get(parent) ?? []), e]);
    }
    const draw = (dir: string, indent: string): void => {
      const kids = children.get(dir) ?? [];
      kids.forEach((e, i) => {
        const lastOne = i === kids.length - 1;
        ctx.io.out(`${indent}${lastOne ? '└── ' : '├── '}${baseName(e.name)}${e.type === 'directory' ? '/' : ''}`);
        if (e.type === 'directory') {
          dirs++;
          draw(e.name, `${indent}${lastOne ? '    ' : '│   '}`);
        } else {
          files++;
        }
      });
    };
    draw(m.info.name, '');
  }
  ctx.io.out(`\n${dirs} director${dirs === 1 ? 'y' : 'ies'}, ${files} file${files === 1 ? '' : 's'}`);
}

/** The listing commands. */
export const LIST_COMMANDS: CommandSpec[] = [
  {
    name: 'ls',
    args: '[URL...]',
    summary: 'list directories (files list as themselves)',
    min: 0,
    options: {
      long: { type: 'boolean', short: 'l', help: 'type, size, modification time and URL' },
      recursive: { type: 'boolean', short: 'R', help: 'everything below, not only the direct entries' },
      'human-readable': human,
      json,
    },
    example: 'omnifs ls -l s3://bucket/runs/',
    run: ls,
  },
  {
    name: 'find',
    args: 'URL...',
    summary: 'every file below URL, as full URLs',
    min: 1,
    options: {
      'max-depth': maxDepth,
      type: { type: 'string', value: 'f|d', help: 'only files (f) or only directories (d)' },
      long: { type: 'boolean', short: 'l', help: 'type, size, modification time and URL' },
      json,
    },
    example: 'omnifs find gs://bucket/logs/ --max-depth 2',
    run: find,
  },
  {
    name: 'glob',
    args: 'PATTERN...',
    summary: 'paths matching a pattern (* ** ? [..]); exit 1 when none does',
    min: 1,
    options: { 'max-depth': maxDepth, json },
    example: "omnifs glob 's3://bucket/runs/*/metrics.json'",
    run: glob,
  },
  {
    name: 'stat',
    aliases: ['info'],
    args: 'URL...',
    summary: 'metadata: type, size, modification time, etag',
    min: 1,
    options: { json },
    example: 'omnifs stat s3://bucket/model.bin',
    run: stat,
  },
  {
    name: 'du',
    args: 'URL...',
    summary: 'bytes below each directory, deepest first, URL last',
    min: 1,
    options: {
      summarize: { type: 'boolean', short: 's', help: 'only the total of each URL' },
      'human-readable': human,
      'max-depth': maxDepth,
    },
    example: 'omnifs du -sh s3://bucket/datasets/',
    run: du,
  },
  {
    name: 'tree',
    args: 'URL',
    summary: 'a directory as a tree',
    min: 1,
    max: 1,
    options: { 'max-depth': { ...maxDepth, short: 'L' } },
    example: 'omnifs tree -L 2 ./project',
    run: tree,
  },
];
