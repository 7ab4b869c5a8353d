/**
 * The Hadoop client configuration (`core-site.xml`, `hdfs-site.xml` in `HADOOP_CONF_DIR`),
 * read for what WebHDFS needs: which namenodes serve `hdfs://AUTHORITY/...` and on which
 * HTTP address, as Hadoop's own clients find them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errors } from '@omnifs/core/backend';
import { parseXml, XmlSyntaxError, type XmlNode } from './xml';

/** The namenode's HTTP and HTTPS ports in Hadoop 3, when the configuration names none. */
const DEFAULT_PORTS = { http: 9870, https: 9871 } as const;
/** The namenode's RPC port when an `hdfs://` authority names none. */
const DEFAULT_RPC_PORT = 8020;

/** Properties of the configuration files read, later files winning (as Hadoop loads them). */
export interface HadoopConf {
  /** The directory read. */
  readonly dir: string;
  /** A property's value, `${name}` and `${env.NAME}` expanded. */
  get(name: string): string | undefined;
  /** The file that sets a property (the last one read that does). */
  fileOf(name: string): string | undefined;
}

/**
 * The configuration directory: `dir` when given, else `HADOOP_CONF_DIR`, else
 * `$HADOOP_HOME/etc/hadoop` where it exists; undefined when none is set.
 */
export function hadoopConfDir(dir: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (dir !== undefined && dir !== '') return dir;
  if (env.HADOOP_CONF_DIR) return env.HADOOP_CONF_DIR;
  if (env.HADOOP_HOME) {
    const inHome = join(env.HADOOP_HOME, 'etc', 'hadoop');
    if (existsSync(inHome)) return inHome;
  }
  return undefined;
}

/**
 * Reads `core-site.xml` then `hdfs-site.xml` of `dir` (either may be missing). A directory
 * that does not exist, a file that is not well-formed XML (named with the line and column
 * where it breaks, as Hadoop's clients refuse it) or not a Hadoop configuration, is
 * `InvalidArgument`.
 */
export function loadHadoopConf(dir: string, env: NodeJS.ProcessEnv = process.env): HadoopConf {
  if (!existsSync(dir)) {
    const source = dir === env.HADOOP_CONF_DIR ? 'HADOOP_CONF_DIR' : 'hadoopConfDir';
    throw errors.invalid(`the Hadoop configuration directory ${dir} (${source}) does not exist`);
  }
  const props = new Map<string, string>();
  const files = new Map<string, string>();
  for (const file of ['core-site.xml', 'hdfs-site.xml']) {
    const path = join(dir, file);
    if (!existsSync(path)) continue;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw errors.invalid(`cannot read the Hadoop configuration ${path}: ${(err as Error).message}`);
    }
    for (const [name, value] of parseProperties(text, path)) {
      props.set(name, value);
      files.set(name, path);
    }
  }
  const get = (name: string, depth = 0): string | undefined => {
    const raw = props.get(name);
    if (raw === undefined || depth > 20) return raw;
    return raw.replace(/\$\{([^}]+)\}/g, (whole, ref: string) =>
      ref.startsWith('env.') ? (env[ref.slice(4)] ?? whole) : (get(ref, depth + 1) ?? whole),
    );
  };
  return { dir, get: (name) => get(name), fileOf: (name) => files.get(name) };
}

/** The names of a Hadoop configuration's markup, which messages may quote (XInclude's too). */
const MARKUP: ReadonlySet<string> = new Set(
  ['configuration', 'property', 'name', 'value', 'final', 'source', 'description', 'tag', 'include', 'fallback']
    .flatMap((n) => [n, `xi:${n}`])
    .concat(['href', 'xmlns', 'xmlns:xi', 'parse', 'xpointer']),
);

/**
 * `name`, `value` pairs of the `<property>` elements of a configuration file, in order:
 * `<property><name>n</name><value>v</value></property>`, or Hadoop's short form
 * `<property name="n" value="v"/>`; names and values trimmed.
 *
 * @throws FsError `InvalidArgument` naming `path`, with the line and column, for a file
 *   that is not well-formed XML (Hadoop's clients refuse it too), and for one whose root
 *   is not `<configuration>`.
 */
export function parseProperties(text: string, path: string): [string, string][] {
  let root: XmlNode;
  try {
    root = parseXml(text, { known: MARKUP });
  } catch (err) {
    if (!(err instanceof XmlSyntaxError)) throw err;
    throw errors.invalid(
      `the Hadoop configuration file ${path} is not well-formed XML: line ${err.line}, column ${err.column}: ${err.message}`,
    );
  }
  if (root.name !== 'configuration')
    throw errors.invalid(`${path} is not a Hadoop configuration file (its root element is not <configuration>)`);
  const out: [string, string][] = [];
  for (const property of root.children) {
    if (property.name !== 'property') continue;
    const field = (tag: string): string | undefined =>
      (property.children.find((c) => c.name === tag)?.text ?? property.attributes.get(tag))?.trim();
    const name = field('name');
    if (name === undefined || name === '') continue;
    out.push([name, field('value') ?? '']);
  }
  return out;
}

/** Comma-separated names, blanks dropped. */
function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** `host` and `port` of `host[:port]` (IPv6 in brackets). */
function splitHostPort(authority: string): { host: string; port: number | undefined } {
  const m = /^(\[[^\]]+\]|[^:]*)(?::(\d+))?$/.exec(authority);
  if (!m) throw errors.invalid(`"${authority}" is not a host or host:port`);
  return { host: m[1]!, port: m[2] === undefined ? undefined : Number(m[2]) };
}

/** The default filesystem's URI: `fs.defaultFS`, else the older `fs.default.name`, and its property's name. */
export function defaultFs(conf: HadoopConf): { name: string; value: string } | undefined {
  for (const name of ['fs.defaultFS', 'fs.default.name']) {
    const value = conf.get(name);
    if (value !== undefined) return { name, value };
  }
  return undefined;
}

/**
 * The authority of the default filesystem (`fs.defaultFS`, formerly `fs.default.name`)
 * when it is an `hdfs://` URI; undefined otherwise.
 */
export function defaultAuthority(conf: HadoopConf): string | undefined {
  const uri = defaultFs(conf)?.value;
  const m = uri === undefined ? null : /^hdfs:\/\/([^/]+)/i.exec(uri.trim());
  return m ? m[1] : undefined;
}

/**
 * The WebHDFS bases (`http://host:port`) of the namenodes that serve `hdfs://AUTHORITY`,
 * in the configuration's order:
 * - a nameservice with HA namenodes (`dfs.ha.namenodes.NS`): each one's
 *   `dfs.namenode.http-address.NS.NN` (`https-address` where `dfs.http.policy` is
 *   `HTTPS_ONLY`);
 * - a nameservice without (`dfs.namenode.http-address.NS`);
 * - `host:port` naming a namenode's RPC address (`dfs.namenode.rpc-address[.NS[.NN]]`):
 *   that namenode's HTTP address; `dfs.namenode.http-address` where its host is the
 *   authority's or a wildcard (`0.0.0.0`);
 * - else none: undefined (see {@link namenodesOf}).
 */
export function configuredNamenodes(authority: string, conf: HadoopConf | undefined): string[] | undefined {
  const https = conf?.get('dfs.http.policy')?.trim().toUpperCase() === 'HTTPS_ONLY';
  const scheme = https ? 'https' : 'http';
  const key = `dfs.namenode.${scheme}-address`;
  const base = (address: string, fallbackHost: string): string => {
    const { host, port } = splitHostPort(address.trim());
    const wildcard = host === '' || host === '0.0.0.0' || host === '[::]';
    return `${scheme}://${wildcard ? fallbackHost : host}:${port ?? DEFAULT_PORTS[scheme]}`;
  };
  const { host, port } = splitHostPort(authority);
  if (conf !== undefined) {
    const nameservices = list(conf.get('dfs.nameservices'));
    const ha = list(conf.get(`dfs.ha.namenodes.${authority}`));
    if (ha.length > 0) {
      return ha.map((nn) => {
        const address = conf.get(`${key}.${authority}.${nn}`);
        if (address === undefined)
          throw errors.invalid(
            `the Hadoop configuration in ${conf.dir} names namenode ${nn} of ${authority} (dfs.ha.namenodes.${authority}) ` +
              `but not its HTTP address (${key}.${authority}.${nn})`,
          );
        return base(address, host);
      });
    }
    const own = conf.get(`${key}.${authority}`);
    if (own !== undefined) return [base(own, host)];
    // An RPC address: the namenode (of a nameservice, or the only one) that listens there.
    const rpc = `${host}:${port ?? DEFAULT_RPC_PORT}`;
    for (const ns of ['', ...nameservices]) {
      for (const nn of ns === '' ? [''] : ['', ...list(conf.get(`dfs.ha.namenodes.${ns}`))]) {
        const suffix = [ns, nn].filter((s) => s !== '').join('.');
        const at = (k: string): string | undefined => conf.get(suffix === '' ? k : `${k}.${suffix}`);
        const address = at('dfs.namenode.rpc-address');
        if (address === undefined || address.trim() !== rpc) continue;
        const http = at(key);
        if (http !== undefined) return [base(http, host)];
      }
    }
    const single = conf.get(key);
    if (single !== undefined) {
      const named = splitHostPort(single.trim()).host;
      if (named === host || named === '0.0.0.0' || named === '' || named === '[::]') return [base(single, host)];
    }
  }
  return undefined;
}

/**
 * The namenodes of {@link configuredNamenodes}, else the authority's host at the default
 * HTTP port (9870, 9871 for HTTPS): what the configuration does not name is assumed.
 */
export function namenodesOf(authority: string, conf: HadoopConf | undefined): string[] {
  return configuredNamenodes(authority, conf) ?? [assumedNamenode(authority, conf)];
}

/** The authority's host at the namenode's default HTTP(S) port. */
export function assumedNamenode(authority: string, conf: HadoopConf | undefined): string {
  const scheme = conf?.get('dfs.http.policy')?.trim().toUpperCase() === 'HTTPS_ONLY' ? 'https' : 'http';
  return `${scheme}://${splitHostPort(authority).host}:${DEFAULT_PORTS[scheme]}`;
}
