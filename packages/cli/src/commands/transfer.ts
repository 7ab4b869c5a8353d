/** Commands that move bytes: cp, mv, put, get, rsync. */
import { createHash } from 'node:crypto';
import { FsError, rsync, type CopyOptions, type FileInfo, type FileSystem, type Progress } from '@omnifs/core';
import {
  baseName,
  copyFiles,
  globBase,
  hasMagic,
  isUnder,
  joinPath,
  parentPath,
  planCopy,
  relativeTo,
} from '@omnifs/core/backend';
import { elapsed, humanSize, parseSize } from '../format';
import { PROGRESS_FLAGS, progressOn, ProgressLine } from '../progress';
import {
  intFlag,
  ReportedFailure,
  stringFlag,
  UsageError,
  type CommandSpec,
  type Context,
  type OptionSpec,
} from '../spec';
import type { Target } from '../storage';
import { throttled, throttledChunks } from '../throttle';
import { expand, fail, failureLine, globOrLiteral, notFound, on, stdinOf, written } from './common';

type Op = 'cp' | 'mv' | 'put' | 'get';
const VERBS: Record<Op, string> = { cp: 'copied', mv: 'moved', put: 'uploaded', get: 'downloaded' };

/** `--bwlimit` in bytes per second, or undefined without a limit. */
function bwlimit(ctx: Context): number | undefined {
  const v = stringFlag(ctx.flags, 'bwlimit');
  return v === undefined ? undefined : parseSize(v, '--bwlimit');
}

/** A source as the command found it. */
interface Checked {
  source: Target;
  /** False for a source named as itself, true for a glob. */
  glob: boolean;
  /** The entry a path names, or the matches of a glob. */
  found: FileInfo[];
  /**
   * The directories left out for want of `-r`, as GNU cp leaves them out: a directory
   * named as a source, or those a glob matches with no matched file below them.
   */
  omitted: FileInfo[];
  /** False when nothing of the source is copied: without `-r`, it names only directories. */
  copies: boolean;
}

/**
 * Refuses, before anything changes, a missing source, and for mv a directory named
 * without `-r`. Without `-r`, cp (put, get) leaves out each directory named, and a glob
 * copies the files it matches (as in fsspec) and leaves out the directories; the others
 * are copied and the command fails, as GNU cp does with the arguments a shell expanded.
 */
async function checkSources(op: Op, sources: Target[], recursive: boolean): Promise<Checked[]> {
  const checked: Checked[] = [];
  for (const [i, given] of sources.entries()) {
    let s = given;
    let found: FileInfo[];
    let glob = hasMagic(s.path);
    if (glob) {
      ({ target: s, found } = await globOrLiteral(s));
      if (found.length === 0) throw fail('NotFound', `${s.raw}: no match`);
      // A name with glob characters, matched as itself: a path, not a glob.
      if (s !== given) {
        sources[i] = s;
        glob = false;
      }
    } else {
      const info = await s.fs.info(s.path).catch((err: unknown) => {
        throw err instanceof FsError && err.kind === 'NotFound' ? notFound(s.raw) : err;
      });
      found = [info];
    }
    const dirs = recursive ? [] : found.filter((f) => f.type === 'directory');
    if (dirs.length > 0 && !glob && op === 'mv')
      throw fail('IsADirectory', `${s.url(dirs[0]!.name)} is a directory: use mv -r to move it`);
    const files = found.filter((f) => f.type !== 'directory');
    const omitted = dirs.filter((d) => !files.some((f) => f.name.startsWith(`${d.name}/`)));
    checked.push({ source: s, glob, found, omitted, copies: dirs.length < found.length });
  }
  return checked;
}

/**
 * A path of `t` as GNU cp names it: spelt from the argument as the user wrote it, joined
 * with the rest of the path, as GNU cp joins a destination directory and a source's name
 * (`cd d; cp a ../d/` names `../d/a`) and as a shell spells the matches of a glob (`d/*`
 * gives `d/a`). `path` is on `t.fs`, at or below what `t` names (for a glob, its base);
 * elsewhere, or where the spelling cannot be told, it is the URL as printed.
 */
function spelt(t: Target, path: string, glob: boolean): string {
  let raw = t.raw;
  let base = t.fs.normalize(t.path);
  if (glob) {
    const at = globBase(t.path);
    const pattern = t.path.slice(at.length).replace(/^\/+/, '');
    const bare = raw.replace(/\/+$/, '');
    if (!bare.endsWith(pattern)) return t.url(path);
    raw = bare.slice(0, bare.length - pattern.length);
    base = t.fs.normalize(at);
  }
  if (!isUnder(path, base)) return t.url(path);
  const rest = relativeTo(path, base);
  if (rest === '') return raw;
  // `d//` and `d/` join as `d/a`; the slashes of `memory:///` stay.
  const dir = /:\/*$/.test(raw) ? raw : raw.replace(/\/+$/, '/');
  return dir === '' || dir.endsWith('/') ? `${dir}${rest}` : `${dir}/${rest}`;
}

/** An entry of a source that would land on itself, and its target (a path on the destination's filesystem). */
interface OnItself {
  info: FileInfo;
  target: string;
  /** A directory that `mv` would move below itself (`mv -r d d`, which lands at `d/d`). */
  below?: true;
}

/**
 * Where a source named as itself lands on itself, as GNU cp and mv refuse it (`cp f f`,
 * `cp f ./`, `mv d/sub d`, `cp -r d/ d`): the library leaves such a file as it is. Also
 * a directory `mv` would move below itself (`mv -r d d`, `mv -r d d/sub`), which GNU mv
 * refuses and the library too. Spellings of one path (`./f`, `d/../f`, a `file://` URL)
 * are the same path.
 */
function namedOnItself(op: Op, c: Checked, dst: Target, into: boolean): OnItself[] {
  const d = dst.fs.normalize(dst.path);
  // Where each path is held (a layer answers for the store it wraps), as the library compares them.
  const home = dst.fs.locate(d);
  const info = c.found[0]!;
  const at = c.source.fs.locate(info.name);
  const contents = info.type === 'directory' && written(c.source).endsWith('/');
  const lands = contents || !into ? d : joinPath(d, baseName(info.name));
  const landsAt = dst.fs.locate(lands).path;
  if (landsAt === at.path) return [{ info, target: lands }];
  if (op === 'mv' && info.type === 'directory' && isUnder(landsAt, at.path))
    return [{ info, target: lands, below: true }];
  // Also a move onto itself, which the library leaves where it is.
  return op === 'mv' && home.path === at.path ? [{ info, target: d }] : [];
}

/**
 * The matches of a glob that land on themselves (`cp 'd/*' d/`), each as GNU cp names the
 * arguments a shell expanded. The copy keeps the glob's paths relative to a directory at
 * or below the glob's base, so only a destination there that holds every match can be
 * one; the copy is then planned as the library plans it, which lands all of the glob on
 * itself or none of it.
 */
async function globOnItself(op: Op, c: Checked, dst: Target, options: CopyOptions): Promise<OnItself[]> {
  const d = dst.fs.normalize(dst.path);
  const home = dst.fs.locate(d);
  const src = c.source.fs;
  if (op === 'mv' && options.recursive) {
    // A matched directory that holds the destination would move below itself (`mv 'd/*' d/sub`).
    const below = c.found.filter((f) => f.type === 'directory' && isUnder(home.path, src.locate(f.name).path));
    if (below.length > 0) return below.map((info) => ({ info, target: joinPath(d, baseName(info.name)), below: true }));
  }
  const base = src.locate(globBase(c.source.path));
  const kept = c.found.filter((f) => f.type !== 'directory' || (options.recursive && !options.maxDepth));
  if (!isUnder(home.path, base.path) || kept.some((f) => !isUnder(src.locate(f.name).path, home.path))) return [];
  const planned = await planCopy(src, written(c.source), dst.fs, written(dst), { ...options, move: op === 'mv' });
  const steps = planned.filter((s) => !s.removeOnly);
  if (steps.length === 0 || steps.some((s) => src.locate(s.src.name).path !== dst.fs.locate(s.dst).path)) return [];
  const bySource = new Map(steps.map((s) => [s.src.name, s]));
  return c.found.flatMap((info) => {
    // A directory's own step, or, where a depth-limited copy makes none, one of a file below it.
    const step = bySource.get(info.name) ?? steps.find((s) => isUnder(s.src.name, info.name));
    if (step === undefined) return [];
    const below = relativeTo(step.src.name, info.name);
    return [{ info, target: below === '' ? step.dst : step.dst.slice(0, -(below.length + 1)) }];
  });
}

/** For each source, what of it would land on itself (nothing for most). */
async function onItself(
  op: Op,
  checked: Checked[],
  dst: Target,
  several: boolean,
  options: CopyOptions,
): Promise<OnItself[][]> {
  const home = dst.fs.locate(dst.fs.normalize(dst.path)).fs;
  let into: boolean | undefined;
  const out: OnItself[][] = [];
  for (const c of checked) {
    if (!c.copies || c.source.fs.locate(c.found[0]!.name).fs !== home) out.push([]);
    else if (c.glob) out.push(await globOnItself(op, c, dst, options));
    else {
      into ??= several || written(dst).endsWith('/') || (await dst.fs.isDir(dst.fs.normalize(dst.path)));
      out.push(namedOnItself(op, c, dst, into));
    }
  }
  return out;
}

/**
 * Says, in the order of the sources and their matches, which would land on themselves
 * and which directories are left out for want of `-r`: errors, as GNU cp reports each and
 * goes on, naming the paths as the user spelt them.
 */
function sayLeftOut(ctx: Context, op: Op, checked: Checked[], same: OnItself[][], dst: Target): void {
  for (const [i, c] of checked.entries()) {
    const named = (path: string): string => (c.glob ? spelt(c.source, path, true) : c.source.raw);
    const line = (kind: FsError['kind'], name: string, message: string): { name: string; text: string } => ({
      name,
      text: failureLine(`omnifs ${op}`, new FsError({ kind, operation: op, message })),
    });
    const lines = same[i]!.map(({ info, target, below }) =>
      line(
        'InvalidArgument',
        info.name,
        below
          ? `cannot move ${named(info.name)} to a subdirectory of itself, ${spelt(dst, target, false)}`
          : `${named(info.name)} and ${spelt(dst, target, false)} are the same ${info.type === 'directory' ? 'directory' : 'file'}`,
      ),
    );
    for (const d of c.omitted)
      lines.push(line('IsADirectory', d.name, `-r not specified; omitting directory ${named(d.name)}`));
    lines.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const l of lines) ctx.io.err(l.text);
  }
}

/**
 * True for a glob whose matches all sit in the directory the glob starts from, as the
 * entries of `d` that `d/` followed by a star matches; not a pattern over deeper levels.
 */
function oneLevel(c: Checked): boolean {
  const base = c.source.fs.normalize(globBase(c.source.path));
  return c.found.every((f) => parentPath(f.name) === base);
}

/** `cp - URL`: standard input to a file, read at most at `--bwlimit`. */
async function fromStdin(
  ctx: Context,
  dstRaw: string,
  limit: number | undefined,
  progress: ProgressLine,
): Promise<void> {
  const dst = ctx.storage.resolve(dstRaw);
  if (dstRaw.endsWith('/') || (await dst.fs.isDir(dst.path)))
    throw fail('IsADirectory', `${dstRaw}: cp - needs a file URL to write standard input to`);
  const chunks = throttledChunks(stdinOf(ctx), limit, ctx.signal);
  await dst.fs.pipeFile(dst.path, chunks, { signal: ctx.signal, onProgress: progress.update });
}

/** `cp URL -`: a file to standard output, read at most at `--bwlimit`. */
async function toStdout(ctx: Context, srcRaw: string, limit: number | undefined): Promise<void> {
  const matches = await expand(ctx, srcRaw);
  if (matches.length !== 1 || matches[0]!.info.type !== 'file')
    throw fail('IsADirectory', `${srcRaw}: cp to - needs one file`);
  const m = matches[0]!;
  const chunks = throttledChunks(m.target.fs.readChunks(m.info.name, { signal: ctx.signal }), limit, ctx.signal);
  for await (const chunk of chunks) await ctx.io.raw(chunk);
}

async function transfer(ctx: Context, op: Op): Promise<void> {
  const progress = new ProgressLine(ctx.io, progressOn(ctx));
  try {
    await transferWith(ctx, op, progress);
  } finally {
    progress.clear();
  }
}

async function transferWith(ctx: Context, op: Op, progress: ProgressLine): Promise<void> {
  const recursive = on(ctx.flags, 'recursive');
  const srcRaws = ctx.args.slice(0, -1);
  const dstRaw = ctx.args[ctx.args.length - 1]!;
  const quiet = on(ctx.flags, 'quiet');
  const limit = bwlimit(ctx);
  if (srcRaws.includes('-') || dstRaw === '-') {
    if (op !== 'cp' || srcRaws.length !== 1)
      throw new UsageError(`- (standard input or output) works with cp and one source`);
    if (srcRaws[0] === '-' && dstRaw === '-')
      throw new UsageError('cp - - would copy standard input to standard output');
    if (dstRaw === '-') return toStdout(ctx, srcRaws[0]!, limit);
    await fromStdin(ctx, dstRaw, limit, progress);
    if (!quiet) progress.finish(VERBS[op], 1, progress.progress.bytes);
    return;
  }
  const dst = ctx.storage.resolve(dstRaw);
  const sources = srcRaws.map((r) => ctx.storage.resolve(r));
  if (op === 'put')
    for (const s of sources)
      if (!s.local) throw new UsageError(`put uploads local files; ${s.raw} is not local (use cp)`);
  if (op === 'get' && !dst.local) throw new UsageError(`get downloads to local disk; ${dstRaw} is not local (use cp)`);
  const depth = intFlag(ctx.flags, 'max-depth');
  const checked = await checkSources(op, sources, recursive);
  const several = sources.length > 1;
  const same = await onItself(op, checked, dst, several, { recursive, ...(depth ? { maxDepth: depth } : {}) });
  sayLeftOut(ctx, op, checked, same, dst);
  // What lands on itself is left as it is, as GNU cp leaves it, and so is a directory
  // without -r: either fails the command once the rest is copied.
  const refused = same.some((s) => s.length > 0) || checked.some((c) => c.omitted.length > 0);
  // What of each source goes: the source as written, or, for a one-level glob some of whose
  // matches would move below themselves, its other matches (as GNU mv moves the rest of
  // what a shell expanded).
  // `matches`: the paths are a glob's matches, given one by one (they land inside the destination).
  const left: Array<{ source: Target; paths: string[]; matches: boolean }> = [];
  for (const [i, c] of checked.entries()) {
    if (!c.copies) continue;
    if (same[i]!.length === 0) left.push({ source: c.source, paths: [written(c.source)], matches: false });
    else if (c.glob && same[i]!.every((x) => x.below) && oneLevel(c)) {
      const out = new Set(same[i]!.map((x) => x.info.name));
      const rest = c.found.filter((f) => !out.has(f.name) && !c.omitted.includes(f)).map((f) => f.name);
      if (rest.length > 0) left.push({ source: c.source, paths: rest, matches: true });
    }
  }
  if (left.length === 0) throw new ReportedFailure();

  const done: Progress = { bytes: 0, files: 0 };
  // Sources on one filesystem go in one call; several sources, or the matches of a glob
  // given one by one, always land inside the destination.
  const groups = new Map<FileSystem, { targets: Target[]; paths: string[]; matches: boolean }>();
  for (const { source, paths, matches } of left) {
    const g = groups.get(source.fs) ?? { targets: [], paths: [], matches: false };
    g.targets.push(source);
    g.paths.push(...paths);
    g.matches ||= matches;
    groups.set(source.fs, g);
  }
  for (const [fs, { targets: group, paths, matches }] of groups) {
    const src = several || matches || paths.length > 1 ? paths : paths[0]!;
    let last: Progress = { bytes: 0, files: 0 };
    // With -r a file deleted after the listing is skipped, as fsspec's recursive copy does,
    // and named; mv fails on it, as fsspec's does.
    const gone = (err: FsError): void => {
      if (!quiet)
        ctx.io.err(`omnifs ${op}: skipping ${group[0]!.url(err.path ?? '')}: it was removed before it was copied`);
    };
    const options: CopyOptions = {
      recursive,
      signal: ctx.signal,
      ...(recursive && op !== 'mv' ? { onError: gone } : {}),
      ...(depth ? { maxDepth: depth } : {}),
      onProgress: (p) => {
        last = p;
        progress.update({
          bytes: done.bytes + p.bytes,
          files: done.files + p.files,
          ...(p.totalBytes === undefined ? {} : { totalBytes: done.bytes + p.totalBytes }),
          ...(p.totalFiles === undefined ? {} : { totalFiles: done.files + p.totalFiles }),
        });
      },
    };
    if (fs === dst.fs && limit === undefined)
      await (op === 'mv' ? fs.mv(src, written(dst), options) : fs.cp(src, written(dst), options));
    else await copyFiles(throttled(fs, limit), src, dst.fs, written(dst), { ...options, move: op === 'mv' });
    done.bytes += last.bytes;
    done.files += last.files;
  }
  if (quiet || (op === 'mv' && done.files === 0)) progress.clear();
  else progress.finish(VERBS[op], done.files, done.bytes);
  if (refused) throw new ReportedFailure();
}

/** Content hashes of the files present on both sides with equal sizes that differ in content. */
async function differingContent(src: Target, dst: Target, signal: AbortSignal): Promise<Set<string>> {
  const tree = async (t: Target): Promise<Map<string, FileInfo>> => {
    if (!(await t.fs.isDir(t.path))) return new Map();
    const entries = await t.fs.find(t.path, { detail: true });
    return new Map(entries.map((e) => [relativeTo(e.name, t.path), e]));
  };
  const hash = async (fs: FileSystem, path: string): Promise<string> => {
    const h = createHash('sha256');
    for await (const chunk of fs.readChunks(path, { signal })) h.update(chunk);
    return h.digest('hex');
  };
  const [want, have] = await Promise.all([tree(src), tree(dst)]);
  const differ = new Set<string>();
  for (const [rel, s] of want) {
    const d = have.get(rel);
    if (d === undefined || d.size !== s.size) continue;
    if ((await hash(src.fs, s.name)) !== (await hash(dst.fs, d.name))) differ.add(s.name);
  }
  return differ;
}

async function rsyncCommand(ctx: Context): Promise<void> {
  const [src, dst] = ctx.args.map((r) => ctx.storage.resolve(r)) as [Target, Target];
  const dryRun = on(ctx.flags, 'dry-run');
  if (on(ctx.flags, 'checksum') && on(ctx.flags, 'size-only'))
    throw new UsageError('give --checksum or --size-only, not both');
  if (src.fs === dst.fs && (src.path === dst.path || isUnder(dst.path, src.path) || isUnder(src.path, dst.path))) {
    throw new UsageError('rsync source and destination must not contain each other');
  }
  const progress = new ProgressLine(ctx.io, progressOn(ctx) && !dryRun);
  let update: 'changed' | 'size' | ((s: FileInfo, d: FileInfo) => boolean) = 'changed';
  if (on(ctx.flags, 'size-only')) update = 'size';
  if (on(ctx.flags, 'checksum')) {
    const differ = await differingContent(src, dst, ctx.signal);
    update = (s, d) => s.size !== d.size || differ.has(s.name);
  }
  const result = await rsync(
    { fs: throttled(src.fs, bwlimit(ctx)), path: src.path },
    { fs: dst.fs, path: dst.path },
    {
      deleteMissing: on(ctx.flags, 'delete'),
      dryRun,
      update,
      signal: ctx.signal,
      onProgress: progress.update,
    },
  ).finally(() => progress.clear());
  const verb = dryRun ? 'would ' : '';
  for (const c of result.copied) ctx.io.out(`${verb}copy ${src.url(c.src)} -> ${dst.url(c.dst)}`);
  for (const d of result.deleted) ctx.io.out(`${verb}delete ${dst.url(d)}`);
  if (on(ctx.flags, 'quiet')) return;
  const counts = dryRun ? ['to copy', 'to delete'] : ['copied', 'deleted'];
  const bytes = result.copied.reduce((n, c) => n + c.size, 0);
  const secs = progress.seconds();
  ctx.io.err(
    `${result.copied.length} ${counts[0]}, ${result.deleted.length} ${counts[1]}, ${result.unchanged} unchanged` +
      `${dryRun ? '' : `; ${humanSize(bytes)} in ${elapsed(secs)}`}`,
  );
}

const progressOptions: Record<string, OptionSpec> = {
  ...PROGRESS_FLAGS,
  quiet: { type: 'boolean', short: 'q', help: 'no progress and no summary' },
  bwlimit: { type: 'string', value: 'RATE', help: 'read at most RATE bytes per second (e.g. 20M)' },
};
const copyOptions: Record<string, OptionSpec> = {
  recursive: { type: 'boolean', short: 'r', help: 'copy directories and everything below them' },
  'max-depth': { type: 'string', value: 'N', help: 'with -r, at most N levels below each source' },
  ...progressOptions,
};

/** The transfer commands. */
export const TRANSFER_COMMANDS: CommandSpec[] = [
  {
    name: 'cp',
    args: 'SRC... DST',
    summary: 'copy files (-r directories), across protocols too; - is stdin/stdout',
    min: 2,
    options: copyOptions,
    example: 'omnifs cp -r ./checkpoints/ s3://bucket/runs/42/checkpoints/',
    run: (ctx) => transfer(ctx, 'cp'),
  },
  {
    name: 'mv',
    args: 'SRC... DST',
    summary: 'move files (-r directories): renamed where the service can, else copied then removed',
    min: 2,
    options: copyOptions,
    example: 'omnifs mv s3://bucket/tmp/model.bin s3://bucket/models/',
    run: (ctx) => transfer(ctx, 'mv'),
  },
  {
    name: 'put',
    args: 'LOCAL... URL',
    summary: 'upload local files (-r directories)',
    min: 2,
    options: copyOptions,
    example: 'omnifs put -r ./data gs://bucket/datasets/',
    run: (ctx) => transfer(ctx, 'put'),
  },
  {
    name: 'get',
    args: 'URL... LOCAL',
    summary: 'download files (-r directories) to local disk',
    min: 2,
    options: copyOptions,
    example: 'omnifs get s3://bucket/runs/42/metrics.json ./',
    run: (ctx) => transfer(ctx, 'get'),
  },
  {
    name: 'rsync',
    args: 'SRC DST',
    summary: 'make DST hold the files of SRC, copying only what changed',
    min: 2,
    max: 2,
    options: {
      delete: { type: 'boolean', help: 'remove what DST has and SRC lacks' },
      'dry-run': { type: 'boolean', short: 'n', help: 'print what would change, change nothing' },
      checksum: { type: 'boolean', short: 'c', help: 'compare contents, not sizes and times' },
      'size-only': { type: 'boolean', help: 'compare sizes only' },
      ...progressOptions,
    },
    example: 'omnifs rsync --delete ./runs s3://bucket/runs',
    run: rsyncCommand,
  },
];
