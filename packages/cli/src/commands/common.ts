/** Helpers the commands share: globs expanded to URLs, stdin, a directory check. */
import { FsError, type FileInfo } from '@omnifs/core';
import { hasMagic } from '@omnifs/core/backend';
import type { Context, Flags } from '../spec';
import type { Target } from '../storage';

/** One path a URL argument stands for, with its target. */
export interface Match {
  target: Target;
  info: FileInfo;
  /** Its URL as printed. */
  url: string;
}

/** An FsError with its kind's code and a message of our own. */
export function fail(kind: FsError['kind'], message: string): FsError {
  return new FsError({ kind, message });
}

/** How a failure is printed: `omnifs cp: message [CODE]`. */
export function failureLine(who: string, err: FsError): string {
  return `${who}: ${err.message} [${err.code}]`;
}

/** `NotFound` naming the URL as the user wrote it. */
export function notFound(url: string): FsError {
  return fail('NotFound', `${url}: no such file or directory`);
}

/** `path` with its glob characters escaped (`x[1]` → `x[[]1]`): a glob reads it as itself. */
export function literalPattern(path: string): string {
  return path.replace(/[*?[]/g, (c) => `[${c}]`);
}

/**
 * What a glob names: its matches; when it matches nothing, the entry named by it as
 * written, if there is one (as a shell passes on a pattern that matches nothing), so a
 * name with `[`, `*` or `?` that a listing printed can be pasted back. The target's path
 * is then escaped, so that the library reads it as that name too.
 */
export async function globOrLiteral(target: Target): Promise<{ target: Target; found: FileInfo[] }> {
  const found = await target.fs.glob(target.path, { detail: true });
  if (found.length > 0) return { target, found };
  const info = await target.fs.info(target.path).catch((err: unknown) => {
    if (err instanceof FsError && err.kind === 'NotFound') return undefined;
    throw err;
  });
  if (info === undefined) return { target, found };
  return { target: { ...target, path: literalPattern(target.path) }, found: [info] };
}

/**
 * What a URL argument names: the entry itself, or every match of a glob (sorted);
 * a missing path or a glob matching nothing (and no entry of that name) is `NotFound`.
 */
export async function expand(ctx: Context, raw: string): Promise<Match[]> {
  const resolved = ctx.storage.resolve(raw);
  if (hasMagic(resolved.path)) {
    const { target, found } = await globOrLiteral(resolved);
    if (found.length === 0) throw fail('NotFound', `${raw}: no match`);
    return found.map((info) => ({ target, info, url: target.url(info.name) }));
  }
  const target = resolved;
  let info: FileInfo;
  try {
    info = await target.fs.info(target.path);
  } catch (err) {
    if (err instanceof FsError && err.kind === 'NotFound') throw notFound(raw);
    throw err;
  }
  return [{ target, info, url: target.url(info.name) }];
}

/** Expands every argument in order. */
export async function expandAll(ctx: Context, raws: string[]): Promise<Match[]> {
  const out: Match[] = [];
  for (const raw of raws) out.push(...(await expand(ctx, raw)));
  return out;
}

/** A URL for a directory, with the trailing slash that tells it apart from a file. */
export function dirUrl(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** Standard input as chunks; a usage error when there is none. */
export function stdinOf(ctx: Context): AsyncIterable<Uint8Array> {
  if (ctx.io.stdin === undefined) throw fail('InvalidArgument', 'standard input is not available');
  return ctx.io.stdin;
}

/** True when a boolean flag is set. */
export function on(flags: Flags, name: string): boolean {
  return flags[name] === true;
}

/** Prints one JSON value per entry, as one JSON array. */
export function printJson(ctx: Context, rows: unknown[]): void {
  if (rows.length === 0) {
    ctx.io.out('[]');
    return;
  }
  rows.forEach((row, i) =>
    ctx.io.out(`${i === 0 ? '[' : ' '}${JSON.stringify(row)}${i === rows.length - 1 ? ']' : ','}`),
  );
}

/** An entry as JSON: its URL first, dates as ISO strings. */
export function entryJson(info: FileInfo, url: string): Record<string, unknown> {
  const out: Record<string, unknown> = { url };
  for (const [k, v] of Object.entries(info)) out[k] = v instanceof Date ? v.toISOString() : v;
  return out;
}

/** The path with the trailing slash the user wrote (it means "the contents of", or a directory). */
export function written(t: Target): string {
  return t.raw.endsWith('/') && !t.path.endsWith('/') ? `${t.path}/` : t.path;
}
