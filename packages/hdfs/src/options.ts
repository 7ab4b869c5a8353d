/** Options of the HDFS filesystem, and how they become the WebHDFS base URL. */
import { userInfo } from 'node:os';
import { type TimeoutOptions } from '@omnifs/core';
import { defineOptions, errors, TIMEOUT_OPTION_SCHEMA } from '@omnifs/core/backend';
import {
  assumedNamenode,
  configuredNamenodes,
  defaultAuthority,
  defaultFs,
  hadoopConfDir,
  loadHadoopConf,
} from './hadoopconf';

/** Headers added to every namenode request: a record, or a function of the request URL. */
export type HdfsHeaders = Record<string, string> | ((url: string) => Record<string, string>);

/**
 * Options of {@link HDFSFileSystem}. Each can also be given as `OMNIFS_HDFS_<NAME>`
 * (e.g. `OMNIFS_HDFS_URL=http://nn:9870`, `OMNIFS_HDFS_USER=etl`); explicit options win.
 *
 * The namenode is named by `url`, else by `host` and `port`, else by `nameservice` (the
 * authority of an `hdfs://` URL) read with the Hadoop configuration, else by that
 * configuration's `fs.defaultFS`. See {@link webhdfsBases}.
 */
export interface HDFSOptions extends TimeoutOptions {
  /**
   * Namenode HTTP(S) base URL, e.g. `http://namenode:9870` (a trailing `/webhdfs/v1` is
   * accepted); several (an array, or comma-separated) for HA namenodes: requests go to the
   * one that last answered as active, and move to the next when a namenode answers as a
   * standby or cannot be reached.
   */
  url?: string | readonly string[];
  /** Namenode host, when `url` is not given. */
  host?: string;
  /** Namenode HTTP port with `host` (default 9870, Hadoop 3's `dfs.namenode.http-address`). */
  port?: number;
  /** Use `https` with `host` (default false). */
  https?: boolean;
  /**
   * The cluster as an `hdfs://` URL names it: an HA nameservice (`ns1`) or a namenode's RPC
   * address (`namenode:8020`), turned into the namenodes' HTTP addresses with the Hadoop
   * configuration (see `hadoopConfDir`); the authority of `hdfs://AUTHORITY/path` given to
   * `urlToFs` sets it. Used when neither `url` nor `host` is given.
   */
  nameservice?: string;
  /** The Hadoop client configuration read for `nameservice` and `fs.defaultFS` (default `HADOOP_CONF_DIR`, else `$HADOOP_HOME/etc/hadoop`). */
  hadoopConfDir?: string;
  /**
   * Simple authentication: sent as `user.name` (ignored when `delegationToken` is given).
   * Default: `HADOOP_USER_NAME`, else the OS user, as Hadoop's own clients do.
   */
  user?: string;
  /** Act for another user (`doas`), where the cluster lets `user` impersonate. */
  doAs?: string;
  /** A delegation token (`delegation=`), for clusters with Kerberos; never shown in errors or `toJSON`. */
  delegationToken?: string;
  /** Extra headers on every namenode request (a record, or a function of the URL). */
  headers?: HdfsHeaders;
  /**
   * Called before every namenode request for authentication headers, e.g. a Kerberos
   * SPNEGO `Authorization: Negotiate ...` header from a GSSAPI library.
   */
  authHeaders?: (url: string) => Promise<Record<string, string>> | Record<string, string>;
  /** Replication of new files (default: the cluster's `dfs.replication`). */
  replication?: number;
  /** Block size of new files in bytes (default: the cluster's `dfs.blocksize`). */
  blockSize?: number;
  /** Octal permission of new files, e.g. `'640'` (default: the cluster's umask); directories keep the cluster's default. */
  permission?: string;
  /** Buffer size the datanode uses for reads and writes, bytes (default: the cluster's). */
  bufferSize?: number;
  /** Bytes per ranged read when `get` copies a large file to local disk in parts (default 32 MiB). */
  partSize?: number;
  /**
   * Ranged reads at once when `get` copies one large file to local disk, each written in
   * place as it arrives through two small windows, so memory stays near 2.5 MiB per read
   * (default 8, at most 64; 1 streams the file in one read).
   */
  readConcurrency?: number;
  /** Former name of `requestTimeout` (default 60000; 0 for none). */
  timeout?: number;
  /** Entries per `LISTSTATUS_BATCH` page are the cluster's (`dfs.ls.limit`); set false to always use `LISTSTATUS`. */
  batchListing?: boolean;
  /** Build a new instance even when an equal one is cached. */
  skipInstanceCache?: boolean;
}

/** The names and types of {@link HDFSOptions}, checked when a filesystem is made. */
export const HDFS_OPTION_SCHEMA = defineOptions<HDFSOptions>({
  ...TIMEOUT_OPTION_SCHEMA,
  url: {
    type: ['string', 'array'],
    check: (v) =>
      Array.isArray(v) && (v.length === 0 || v.some((u) => typeof u !== 'string'))
        ? 'a non-empty array of URL strings'
        : undefined,
  },
  host: 'string',
  port: { type: 'integer', min: 1, max: 65535 },
  https: { type: 'boolean', fsspec: ['use_https'] },
  nameservice: 'string',
  hadoopConfDir: 'string',
  user: 'string',
  doAs: { type: 'string', fsspec: ['proxy_to'] },
  delegationToken: { type: 'string', secret: true, fsspec: ['token'] },
  headers: { type: ['object', 'function'], secret: true },
  authHeaders: { type: 'function', fsspec: ['kerberos', 'kerb_kwargs'] },
  replication: { type: 'integer', min: 1 },
  blockSize: { type: 'integer', min: 1 },
  permission: { type: ['string', 'integer'] },
  bufferSize: { type: 'integer', min: 1 },
  partSize: { type: 'integer', min: 1 },
  readConcurrency: { type: 'integer', min: 1, max: 64 },
  timeout: { type: 'number', min: 0 },
  batchListing: 'boolean',
  skipInstanceCache: 'boolean',
});

/**
 * The user of simple authentication: the `user` option, else `HADOOP_USER_NAME`, else the
 * OS user (undefined where the OS names none).
 */
export function resolveUser(options: HDFSOptions, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (options.user !== undefined && options.user !== '') return options.user;
  if (env.HADOOP_USER_NAME) return env.HADOOP_USER_NAME;
  try {
    return userInfo().username || undefined;
  } catch {
    return undefined;
  }
}

/** The default request timeout, ms. */
export const DEFAULT_HDFS_TIMEOUT = 60_000;

/** The default namenode HTTP port of Hadoop 3. */
export const DEFAULT_NAMENODE_HTTP_PORT = 9870;

/**
 * The namenodes' WebHDFS bases (`http://host:port/webhdfs/v1`), from the first of:
 * - `url` (one, several, or comma-separated);
 * - `host`, `port` (default 9870) and `https`;
 * - `nameservice`, through the Hadoop configuration (see {@link namenodesOf});
 * - the configuration's `fs.defaultFS`, when it is an `hdfs://` URI.
 * None of them is `InvalidArgument` saying what to give.
 */
export function webhdfsBases(options: HDFSOptions, env: NodeJS.ProcessEnv = process.env): string[] {
  return resolveNamenodes(options, env).bases;
}

/** The namenodes of {@link webhdfsBases}, and what to say when the one assumed cannot be reached. */
export interface ResolvedNamenodes {
  bases: string[];
  /**
   * Where no setting names the namenode's HTTP address (an `hdfs://` authority the Hadoop
   * configuration does not name, or none is read): why that address was taken and what to
   * give instead, for a connection that fails.
   */
  assumed?: string;
}

/** {@link webhdfsBases}, saying when the address was assumed. */
export function resolveNamenodes(options: HDFSOptions, env: NodeJS.ProcessEnv = process.env): ResolvedNamenodes {
  let bases: string[];
  let assumed: string | undefined;
  if (options.url !== undefined && options.url !== '') {
    const urls = typeof options.url === 'string' ? options.url.split(',') : options.url;
    bases = urls
      .map((u) => u.trim())
      .filter((u) => u !== '')
      .map(baseOfUrl);
    if (bases.length === 0) throw errors.invalid('hdfs option url names no namenode');
  } else if (typeof options.host === 'string' && options.host !== '') {
    const port = options.port ?? DEFAULT_NAMENODE_HTTP_PORT;
    if (!Number.isInteger(port) || port <= 0 || port > 65535)
      throw errors.invalid(`hdfs option port must be a port number, got ${String(port)}`);
    const host = options.host.includes(':') && !options.host.startsWith('[') ? `[${options.host}]` : options.host;
    bases = [`${options.https ? 'https' : 'http'}://${host}:${port}`];
  } else {
    const dir = hadoopConfDir(options.hadoopConfDir, env);
    const conf = dir === undefined ? undefined : loadHadoopConf(dir, env);
    const authority = options.nameservice || (conf === undefined ? undefined : defaultAuthority(conf));
    if (authority === undefined)
      throw errors.invalid(
        'hdfs needs the namenode: the url option (http://namenode:9870), or host and port, or OMNIFS_HDFS_URL, ' +
          (conf === undefined
            ? 'or an hdfs:// URL with the Hadoop configuration in HADOOP_CONF_DIR'
            : defaultFs(conf) === undefined
              ? `or an hdfs:// URL (the Hadoop configuration in ${conf.dir} sets no fs.defaultFS)`
              : `or an hdfs:// URL (fs.defaultFS in ${conf.dir} is not one)`),
      );
    const configured = configuredNamenodes(authority, conf);
    if (configured === undefined) {
      const address = assumedNamenode(authority, conf);
      assumed =
        conf === undefined
          ? `no Hadoop configuration names the namenodes of hdfs://${authority}, so WebHDFS was sought at the default ${address}: set HADOOP_CONF_DIR, or give url`
          : `the Hadoop configuration in ${conf.dir} does not name hdfs://${authority}, so WebHDFS was sought at the default ${address}: give url, or a configuration that names it`;
      bases = [address];
    } else bases = configured;
  }
  return { bases: bases.map((b) => (b.endsWith('/webhdfs/v1') ? b : `${b}/webhdfs/v1`)), assumed };
}

/** The first of {@link webhdfsBases}: the namenode requests go to first. */
export function webhdfsBase(options: HDFSOptions, env: NodeJS.ProcessEnv = process.env): string {
  return webhdfsBases(options, env)[0]!;
}

/** `http(s)://host:port[/path]` of one `url`, checked. */
function baseOfUrl(url: string): string {
  let u: URL;
  try {
    // webhdfs:// and swebhdfs:// name the HTTP(S) endpoint as fsspec does.
    u = new URL(url.replace(/^webhdfs:/i, 'http:').replace(/^swebhdfs:/i, 'https:'));
  } catch {
    throw errors.invalid('hdfs option url is not a valid URL (expected http://namenode:9870)');
  }
  if (u.protocol === 'hdfs:' || u.protocol === 'viewfs:')
    throw errors.invalid(
      `hdfs option url names the namenode's WebHDFS (HTTP) endpoint, e.g. http://namenode:9870; ` +
        `${u.protocol}// names the RPC port, which WebHDFS does not use`,
    );
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw errors.invalid(`hdfs option url must be http(s), got ${u.protocol}`);
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
}

/** Checks the numeric and permission options; returns them as query parameters of CREATE. */
export function createParams(options: HDFSOptions): Record<string, string> {
  const create: Record<string, string> = {};
  for (const [name, param] of [
    ['replication', 'replication'],
    ['blockSize', 'blocksize'],
    ['bufferSize', 'buffersize'],
  ] as const) {
    const v = options[name];
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v <= 0)
      throw errors.invalid(`hdfs option ${name} must be a positive integer, got ${String(v)}`);
    create[param] = String(v);
  }
  if (options.permission !== undefined) {
    const p = String(options.permission);
    if (!/^[01]?[0-7]{3}$/.test(p))
      throw errors.invalid(`hdfs option permission must be octal like '644', got ${JSON.stringify(p)}`);
    create.permission = p;
  }
  return create;
}
