/**
 * Storage options for the CLI: from flags (`--endpoint-url`, `--region`, `--profile`,
 * `--anon`, `-o key=value`), from the environment (`OMNIFS_<PROTOCOL>_<OPTION>`) and from a
 * config file (`OMNIFS_CONFIG`, else `~/.config/omnifs/config.json`), in that order of
 * precedence; and URLs resolved to filesystems with them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { availableProtocols, getFileSystemClass, isFsError, urlToFs, type FileSystem } from '@omnifs/core';
import { optionsFromEnv, parseEnvValue, splitProtocol, urlProtocols, type OptionSchema } from '@omnifs/core/backend';
import { UsageError } from './spec';

/** Where an option's value came from. */
export type OptionSource = 'flag' | 'env' | 'config';

/** Storage flags as parsed from the command line. */
export interface StorageFlags {
  endpointUrl?: string;
  region?: string;
  profile?: string;
  anon?: boolean;
  /** `-o key=value` or `-o protocol.key=value`, in order. */
  options?: string[];
}

/** A URL given on the command line, resolved. */
export interface Target {
  fs: FileSystem;
  /** The path on `fs`. */
  path: string;
  /** The URL as the user wrote it. */
  raw: string;
  /** True for `file://` URLs and bare local paths. */
  local: boolean;
  /** The URL of a path on `fs`, in the form the user wrote (`s3://b/k`, `/abs/path`, `memory:///x`). */
  url(path: string): string;
}

/** One storage flag: which option it sets, per canonical protocol. */
const FLAG_OPTIONS: Record<keyof Omit<StorageFlags, 'options'>, { flag: string; byProtocol: Record<string, string> }> =
  {
    endpointUrl: {
      flag: '--endpoint-url',
      byProtocol: { s3: 'endpoint', gs: 'apiEndpoint', az: 'accountUrl', hdfs: 'url' },
    },
    region: { flag: '--region', byProtocol: { s3: 'region' } },
    profile: { flag: '--profile', byProtocol: { s3: 'profile' } },
    anon: { flag: '--anon', byProtocol: { s3: 'anon', gs: 'anon', az: 'anon' } },
  };

/** Protocols whose instances take no connection options. */
const LOCAL_PROTOCOLS = new Set(['file', 'memory']);

/** The option schema of a protocol's class, if its package loads (as `omnifs config` reads it). */
function optionSchemaFor(canonical: string): OptionSchema | undefined {
  try {
    return getFileSystemClass(canonical).optionSchema;
  } catch {
    return undefined;
  }
}

/** `true`, `false`, numbers and JSON objects/arrays are parsed; anything else is a string. */
export function parseOptionValue(raw: string): unknown {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  if (/^[[{]/.test(raw)) {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      throw new UsageError(`-o value ${JSON.stringify(raw)} looks like JSON but does not parse`);
    }
  }
  return raw;
}

/** The canonical name of a protocol (`gcs` → `gs`), loading its package. */
export function canonicalProtocol(protocol: string): string {
  const cls = getFileSystemClass(protocol);
  return cls.protocols[0] ?? protocol.toLowerCase();
}

/** The config file's path: `OMNIFS_CONFIG`, else `~/.config/omnifs/config.json`. */
export function configPath(env: NodeJS.ProcessEnv): { path: string; explicit: boolean } {
  if (env.OMNIFS_CONFIG) return { path: env.OMNIFS_CONFIG, explicit: true };
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return { path: join(base, 'omnifs', 'config.json'), explicit: false };
}

function readConfig(env: NodeJS.ProcessEnv): {
  path: string;
  found: boolean;
  data: Record<string, Record<string, unknown>>;
} {
  const { path, explicit } = configPath(env);
  if (!existsSync(path)) {
    if (explicit) throw new UsageError(`OMNIFS_CONFIG names ${path}, which does not exist`);
    return { path, found: false, data: {} };
  }
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (
    data === null ||
    typeof data !== 'object' ||
    Array.isArray(data) ||
    Object.values(data).some((v) => v === null || typeof v !== 'object' || Array.isArray(v))
  ) {
    throw new UsageError(
      `config file ${path} must map protocols to option objects, e.g. {"s3": {"region": "eu-west-1"}}`,
    );
  }
  return { path, found: true, data: data as Record<string, Record<string, unknown>> };
}

/** Options of one protocol and where each came from. */
export interface ResolvedOptions {
  options: Record<string, unknown>;
  sources: Record<string, { source: OptionSource; detail: string }>;
}

/** Resolves URLs to filesystems with the options of flags, environment and config file. */
export class Storage {
  readonly env: NodeJS.ProcessEnv;
  readonly config: { path: string; found: boolean; data: Record<string, Record<string, unknown>> };
  private readonly flags: StorageFlags;
  private readonly scoped: Array<{ protocol: string | undefined; key: string; raw: string; text: string }>;
  /** Flags that some URL took; the rest are reported by {@link checkFlagsUsed}. */
  private readonly used = new Set<string>();

  constructor(flags: StorageFlags, env: NodeJS.ProcessEnv = process.env) {
    this.env = env;
    this.flags = flags;
    this.config = readConfig(env);
    this.scoped = (flags.options ?? []).map((text) => {
      const eq = text.indexOf('=');
      if (eq <= 0) throw new UsageError(`-o needs key=value, got ${JSON.stringify(text)}`);
      const name = text.slice(0, eq);
      const dot = name.indexOf('.');
      const protocol = dot > 0 ? name.slice(0, dot).toLowerCase() : undefined;
      const key = dot > 0 ? name.slice(dot + 1) : name;
      if (key === '') throw new UsageError(`-o needs key=value, got ${JSON.stringify(text)}`);
      return { protocol, key, raw: text.slice(eq + 1), text };
    });
  }

  /** The options for a protocol: config file, then environment, then flags. */
  optionsFor(protocol: string): ResolvedOptions {
    const canonical = canonicalProtocol(protocol);
    const resolved: ResolvedOptions = { options: {}, sources: {} };
    const set = (key: string, value: unknown, source: OptionSource, detail: string): void => {
      resolved.options[key] = value;
      resolved.sources[key] = { source, detail };
    };
    for (const [name, opts] of Object.entries(this.config.data)) {
      if (this.sameProtocol(name, canonical))
        for (const [k, v] of Object.entries(opts)) set(k, v, 'config', this.config.path);
    }
    // Values typed as the protocol's options are: `projectId=123456789012` stays a string.
    const schema = optionSchemaFor(canonical);
    const aliases = new Set([canonical, protocol.toLowerCase()]);
    for (const alias of aliases) {
      const prefix = `OMNIFS_${alias.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_`;
      const fromEnv = optionsFromEnv(alias, this.env, schema);
      for (const [k, v] of Object.entries(fromEnv))
        set(k, v, 'env', `${prefix}${k.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`);
    }
    if (LOCAL_PROTOCOLS.has(canonical)) return resolved;
    for (const [field, { flag, byProtocol }] of Object.entries(FLAG_OPTIONS)) {
      const value = this.flags[field as keyof typeof FLAG_OPTIONS];
      const option = byProtocol[canonical];
      if (value === undefined || value === false || option === undefined) continue;
      set(option, value, 'flag', flag);
      this.used.add(flag);
      // An S3-compatible endpoint is nearly always addressed path-style, as the AWS CLI does for it.
      if (field === 'endpointUrl' && canonical === 's3' && resolved.options.forcePathStyle === undefined) {
        set('forcePathStyle', true, 'flag', flag);
      }
    }
    for (const o of this.scoped) {
      if (o.protocol !== undefined && !this.sameProtocol(o.protocol, canonical)) continue;
      const name = `-o ${o.text.slice(0, o.text.indexOf('='))}`;
      // Typed as the option is, as the environment's values are; an option not in the schema as written.
      const spec = schema?.[o.key];
      set(o.key, spec === undefined ? parseOptionValue(o.raw) : parseEnvValue(o.raw, spec), 'flag', name);
      this.used.add(name);
    }
    return resolved;
  }

  private sameProtocol(name: string, canonical: string): boolean {
    if (name.toLowerCase() === canonical) return true;
    try {
      return canonicalProtocol(name) === canonical;
    } catch {
      return false;
    }
  }

  /** The options for `urlToFs(raw, options)`: the innermost protocol's, keyed by it in a chained URL. */
  urlOptions(raw: string): Record<string, unknown> {
    const parts = raw.split('::');
    const protocol = splitProtocol(parts[parts.length - 1]!)?.protocol ?? 'file';
    const own = this.optionsFor(protocol).options;
    return parts.length > 1 ? { [protocol]: own } : own;
  }

  /** Resolves a URL (or local path) as the user wrote it; an unknown protocol in it is a usage error. */
  resolve(raw: string): Target {
    for (const protocol of urlProtocols(raw)) checkProtocolKnown(protocol);
    const parts = raw.split('::');
    const innermost = parts[parts.length - 1]!;
    const split = splitProtocol(innermost);
    const protocol = split?.protocol ?? 'file';
    const { fs, path } = urlToFs(raw, this.urlOptions(raw));
    const chain = parts
      .slice(0, -1)
      .map((p) => `${p}::`)
      .join('');
    const local = split === undefined || canonicalProtocol(protocol) === 'file';
    return { fs, path, raw, local, url: displayUrl(chain, innermost, split?.protocol, path) };
  }

  /** Fails with a usage error for a storage flag that no URL of the command took. */
  checkFlagsUsed(): void {
    for (const [field, { flag, byProtocol }] of Object.entries(FLAG_OPTIONS)) {
      const value = this.flags[field as keyof typeof FLAG_OPTIONS];
      if (value !== undefined && value !== false && !this.used.has(flag)) {
        throw new UsageError(
          `${flag} applies to ${Object.keys(byProtocol)
            .map((p) => `${p}://`)
            .join(', ')} URLs, and this command has none`,
        );
      }
    }
    for (const o of this.scoped) {
      const name = `-o ${o.text.slice(0, o.text.indexOf('='))}`;
      if (!this.used.has(name)) throw new UsageError(`${name} applies to no URL of this command`);
    }
  }
}

/**
 * Fails with a usage error for a protocol name that omnifs does not know; a known protocol
 * whose package is not installed passes (using it names the package to install), and so
 * does a malformed name, which `urlToFs` reports.
 */
export function checkProtocolKnown(protocol: string): void {
  const name = protocol.toLowerCase();
  const known = availableProtocols();
  if (!/^[a-z][a-z0-9+.-]*$/.test(name)) return;
  if (!known.includes(name))
    throw new UsageError(`unknown protocol ${JSON.stringify(name)}; known protocols: ${known.join(', ')}`);
  try {
    getFileSystemClass(name);
  } catch (err) {
    const pkg = isFsError(err, 'Unsupported') ? /needs the package (\S+):/.exec(err.message)?.[1] : undefined;
    if (pkg === undefined) throw err;
    throw new UsageError(
      `protocol ${JSON.stringify(name)} needs the package ${pkg}, installed where omnifs is: npm install -g ${pkg} beside a global omnifs, npm install ${pkg} in a project`,
    );
  }
}

/**
 * Prints local paths relative to the working directory, as a relative path was written
 * (`demo/runs/42/f`, with `./` kept when the user wrote it), so what is shown is what to type.
 */
function relativeToCwd(chain: string, dotted: boolean): (p: string) => string {
  const cwd = process.cwd();
  return (p) => {
    if (!isAbsolute(p)) return `${chain}${p}`;
    const rel = relative(cwd, p);
    const slash = p.endsWith('/') && rel !== '' ? '/' : '';
    if (rel === '') return `${chain}.${p.endsWith('/') ? '/' : ''}`;
    return `${chain}${dotted && !rel.startsWith('..') ? './' : ''}${rel}${slash}`;
  };
}

/** Builds the function that prints paths of `fs` as URLs in the form the user wrote. */
function displayUrl(
  chain: string,
  innermost: string,
  protocol: string | undefined,
  path: string,
): (p: string) => string {
  if (protocol === undefined && !isAbsolute(innermost)) return relativeToCwd(chain, innermost.startsWith('./'));
  if (protocol === undefined) return (p) => `${chain}${p}`;
  // Keep what precedes the path in the user's URL (an HDFS authority, say), when it can be told apart.
  const written = innermost.replace(/\/+$/, '');
  const scheme = innermost.slice(0, innermost.indexOf('://') + 3);
  // `abfss://container@account.dfs.core.windows.net/dir`: the path is `container/dir`; the
  // account stays in every URL printed, so one pasted back reaches the same account.
  const hosted = /^[^:/]+:\/\/([^/@]+)@([^/]+)/.exec(written);
  if (hosted !== null && (path === hosted[1] || path.startsWith(`${hosted[1]}/`))) {
    const [, container, host] = hosted as unknown as [string, string, string];
    return (p) =>
      p === container || p.startsWith(`${container}/`)
        ? `${chain}${scheme}${container}@${host}${p.slice(container.length)}`
        : `${chain}${scheme}${p}`;
  }
  let prefix = scheme;
  if (path !== '' && path !== '/' && written.endsWith(path) && !/[*?[]/.test(path)) {
    prefix = written.slice(0, written.length - path.length);
  }
  if (!prefix.endsWith('://') && !prefix.startsWith(scheme)) prefix = scheme;
  return (p) => `${chain}${prefix}${p}`;
}
