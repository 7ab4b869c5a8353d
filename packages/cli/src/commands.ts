/** The commands of the `omnifs` CLI, each over URLs of any installed protocol. */
import { copyFiles, errors, rsync, urlToFs, type FileSystem, type Progress } from '@omnifs/core';

/** Parsed flags shared by the commands. */
export interface Flags {
  recursive: boolean;
  long: boolean;
  maxDepth: number | undefined;
  bytes: number | undefined;
  expiresIn: number | undefined;
  progress: boolean;
  /** rsync: remove what the source lacks. */
  deleteMissing: boolean;
  /** rsync: print the plan, change nothing. */
  dryRun: boolean;
}

/** Where a command writes its output. */
export interface Output {
  out(text: string): void;
  raw(bytes: Uint8Array): void;
  err(text: string): void;
}

type Command = (args: string[], flags: Flags, io: Output) => Promise<void>;

function one(args: string[], name: string, count = 1): void {
  if (args.length < count) throw errors.invalid(`${name} needs ${count === 1 ? 'a URL' : `${count} URLs`}`);
}

function resolve(url: string): { fs: FileSystem; path: string } {
  return urlToFs(url);
}

function progressOf(flags: Flags, io: Output): { onProgress?: (p: Progress) => void } {
  if (!flags.progress) return {};
  return { onProgress: (p) => io.err(`${p.files}/${p.totalFiles ?? '?'} files, ${p.bytes}/${p.totalBytes ?? '?'} bytes`) };
}

/** Same filesystem: its own cp / mv (server-side where it can). Different ones: streamed across. */
async function transfer(args: string[], flags: Flags, io: Output, move: boolean): Promise<void> {
  one(args, move ? 'mv' : 'cp', 2);
  const src = resolve(args[0]!);
  const dst = resolve(args[1]!);
  const keepSlash = (url: string, path: string): string => (url.endsWith('/') && !path.endsWith('/') ? `${path}/` : path);
  const s = keepSlash(args[0]!, src.path);
  const d = keepSlash(args[1]!, dst.path);
  const options = { recursive: flags.recursive, ...(flags.maxDepth ? { maxDepth: flags.maxDepth } : {}), ...progressOf(flags, io) };
  if (src.fs === dst.fs) {
    await (move ? src.fs.mv(s, d, options) : src.fs.cp(s, d, options));
    return;
  }
  await copyFiles(src.fs, s, dst.fs, d, options);
  if (move) await src.fs.rm(s, { recursive: flags.recursive });
}

/** Every command by name. */
export const COMMANDS: Record<string, Command> = {
  async ls(args, flags, io) {
    const { fs, path } = resolve(args[0] ?? '.');
    for (const e of await fs.ls(path, { detail: true })) {
      io.out(flags.long ? `${e.type === 'directory' ? 'd' : '-'} ${String(e.size).padStart(12)} ${e.mtime?.toISOString() ?? '-'.padEnd(24)} ${e.name}` : e.name);
    }
  },
  async find(args, flags, io) {
    one(args, 'find');
    const { fs, path } = resolve(args[0]!);
    for (const name of await fs.find(path, flags.maxDepth ? { maxDepth: flags.maxDepth } : {})) io.out(name);
  },
  async info(args, _flags, io) {
    one(args, 'info');
    const { fs, path } = resolve(args[0]!);
    io.out(JSON.stringify(await fs.info(path), null, 2));
  },
  async du(args, _flags, io) {
    one(args, 'du');
    const { fs, path } = resolve(args[0]!);
    io.out(String(await fs.du(path)));
  },
  async cat(args, _flags, io) {
    one(args, 'cat');
    for (const url of args) {
      const { fs, path } = resolve(url);
      for await (const chunk of fs.readChunks(path)) io.raw(chunk);
    }
  },
  async head(args, flags, io) {
    one(args, 'head');
    const { fs, path } = resolve(args[0]!);
    io.raw(await fs.head(path, flags.bytes ?? 1024));
  },
  async tail(args, flags, io) {
    one(args, 'tail');
    const { fs, path } = resolve(args[0]!);
    io.raw(await fs.tail(path, flags.bytes ?? 1024));
  },
  cp: (args, flags, io) => transfer(args, flags, io, false),
  mv: (args, flags, io) => transfer(args, flags, io, true),
  async rm(args, flags) {
    one(args, 'rm');
    for (const url of args) {
      const { fs, path } = resolve(url);
      await fs.rm(path, { recursive: flags.recursive });
    }
  },
  async mkdir(args) {
    one(args, 'mkdir');
    for (const url of args) {
      const { fs, path } = resolve(url);
      await fs.makedirs(path, { existOk: true });
    }
  },
  async touch(args) {
    one(args, 'touch');
    for (const url of args) {
      const { fs, path } = resolve(url);
      await fs.touch(path, { truncate: false });
    }
  },
  async rsync(args, flags, io) {
    one(args, 'rsync', 2);
    const result = await rsync(resolve(args[0]!), resolve(args[1]!), {
      deleteMissing: flags.deleteMissing, dryRun: flags.dryRun, ...progressOf(flags, io),
    });
    const verb = flags.dryRun ? 'would ' : '';
    for (const c of result.copied) io.out(`${verb}copy ${c.src} -> ${c.dst}`);
    for (const d of result.deleted) io.out(`${verb}delete ${d}`);
    const [copied, deleted] = flags.dryRun ? ['to copy', 'to delete'] : ['copied', 'deleted'];
    io.err(`${result.copied.length} ${copied}, ${result.deleted.length} ${deleted}, ${result.unchanged} unchanged`);
  },
  async sign(args, flags, io) {
    one(args, 'sign');
    const { fs, path } = resolve(args[0]!);
    io.out(await fs.sign(path, flags.expiresIn ? { expiresIn: flags.expiresIn } : {}));
  },
};
