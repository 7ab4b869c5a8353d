/** Commands that move bytes: cp, mv, put, get, rsync. */
import { createHash } from 'node:crypto';
import { FsError, rsync, type CopyOptions, type FileInfo, type FileSystem, type Progress } from '@omnifs/core';
import { baseName, copyFiles, hasMagic, isUnder, joinPath, relativeTo } from '@omnifs/core/backend';
import { elapsed, humanSize, parseSize } from '../format';
import { PROGRESS_FLAGS, progressOn, ProgressLine } from '../progress';
import { intFlag, stringFlag, UsageError, type CommandSpec, type Context, type OptionSpec } from '../spec';
import type { Target } from '../storage';
import { throttled, throttledChunks } from '../throttle';
import { expand, fail, globOrLiteral, notFound, on, stdinOf, written } from './common';

type Op = 'cp' | 'mv' | 'put' | 'get';
const VERBS: Record<Op, string> = { cp: 'copied', mv: 'moved', put: 'uploaded', get: 'downloaded' };

/** `--bwlimit` in bytes per second, or undefined without a limit. */
function bwlimit(ctx: Context): number | undefined {
  const v = stringFlag(ctx.flags, 'bwlimit');
  return v === undefined ? undefined : parseSize(v, '--bwlimit');
}

/** A source named as itself (not a glob), and what it is. */
interface Named {
  source: Target;
  info: FileInfo;
}

/**
 * Refuses, before anything changes, a missing source and a directory without `-r`. A glob
 * without `-r` copies the files it matches, as in fsspec: it is refused only when it
 * matches no file. Returns the directories a glob skips (those with no matched file below
 * them), for a note, and the sources named as themselves.
 */
async function checkSources(
  op: Op,
  sources: Target[],
  recursive: boolean,
): Promise<{ skipped: string[]; named: Named[] }> {
  const skipped: string[] = [];
  const named: Named[] = [];
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
    if (!glob) named.push({ source: s, info: found[0]! });
    if (recursive) continue;
    const dirs = found.filter((f) => f.type === 'directory');
    const files = found.filter((f) => f.type !== 'directory');
    if (dirs.length > 0 && (!glob || files.length === 0)) {
      throw fail(
        'IsADirectory',
        `${s.url(dirs[0]!.name)} is a directory: use ${op} -r to ${op === 'mv' ? 'move' : 'copy'} it`,
      );
    }
    for (const d of dirs) if (!files.some((f) => f.name.startsWith(`${d.name}/`))) skipped.push(s.url(d.name));
  }
  return { skipped, named };
}

/**
 * Refuses a source that would land on itself, as GNU cp and mv do (`cp f f`, `cp f ./`,
 * `mv d/sub d`, `cp -r d/ d`): the library leaves such a file as it is, so the command
 * would report nothing copied and succeed. Spellings of one path (`./f`, `d/../f`, a
 * `file://` URL) are the same path.
 */
async function refuseSameFile(op: Op, named: Named[], dst: Target, several: boolean): Promise<void> {
  const d = dst.fs.normalize(dst.path);
  // Where each path is held (a layer answers for the store it wraps), as the library compares them.
  const home = dst.fs.locate(d);
  const near = named.map((n) => ({ ...n, at: n.source.fs.locate(n.info.name) })).filter((n) => n.at.fs === home.fs);
  if (near.length === 0) return;
  const into = several || written(dst).endsWith('/') || (await dst.fs.isDir(d));
  for (const { source, info, at } of near) {
    const contents = info.type === 'directory' && written(source).endsWith('/');
    const lands = contents || !into ? d : joinPath(d, baseName(info.name));
    // Also a move onto itself, which the library leaves where it is.
    const same = dst.fs.locate(lands).path === at.path ? lands : op === 'mv' && home.path === at.path ? d : undefined;
    if (same === undefined) continue;
    throw new FsError({
      kind: 'InvalidArgument',
      operation: op,
      message: `${source.raw} and ${dst.url(same)} are the same ${info.type === 'directory' ? 'directory' : 'file'}`,
    });
  }
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
  const { skipped, named } = await checkSources(op, sources, recursive);
  await refuseSameFile(op, named, dst, sources.length > 1);
  if (!on(ctx.flags, 'quiet'))
    for (const d of skipped) ctx.io.err(`omnifs ${op}: skipping directory ${d} (${op} -r takes directories)`);

  const depth = intFlag(ctx.flags, 'max-depth');
  const done: Progress = { bytes: 0, files: 0 };
  // Sources on one filesystem go in one call; several sources always land inside the destination.
  const groups = new Map<FileSystem, Target[]>();
  for (const s of sources) groups.set(s.fs, [...(groups.get(s.fs) ?? []), s]);
  for (const [fs, group] of groups) {
    const src = sources.length === 1 ? written(group[0]!) : group.map(written);
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
  if (quiet || (op === 'mv' && done.files === 0)) return progress.clear();
  progress.finish(VERBS[op], done.files, done.bytes);
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
