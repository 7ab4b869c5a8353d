/**
 * HDFS on loopback: Apache Hadoop 3.5.0's MiniDFSCluster (one datanode, WebHDFS on,
 * permissions off), run by the small Java main in test/servers/hdfs/. Its classpath
 * comes from Maven (`dependency:build-classpath`, local repository under
 * `.cache/servers/hdfs/m2`) and the main is compiled with javac into the cache.
 */
import { writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { installJavaMain, startJavaMain } from './java';
import type { HdfsInfo, StartedServer } from './types';
import { REPO_ROOT, type ServerProcess, waitForHttp } from './util';

const PROJECT = join(REPO_ROOT, 'test', 'servers', 'hdfs');
const MAIN_SRC = join(PROJECT, 'src', 'main', 'java', 'omnifs', 'testserver', 'MiniDfs.java');
const MAIN_CLASS = 'omnifs.testserver.MiniDfs';
/** User name sent as `user.name` to the harness's cluster. */
export const HDFS_USER = 'omnifs';

/** Resolves the classpath and compiles the main unless cached for this pom + source; returns ms spent. */
export function installHdfs(): Promise<number> {
  return installJavaMain({
    name: 'hdfs',
    label: 'HDFS tests',
    project: PROJECT,
    mainSrc: MAIN_SRC,
    javacOptions: ['-nowarn', '-XDignore.symbol.file'],
  });
}

/** The WebHDFS endpoint named by OMNIFS_TEST_HDFS_URL (namenode HTTP base), if any. */
export function externalHdfs(): HdfsInfo | undefined {
  const url = process.env.OMNIFS_TEST_HDFS_URL;
  if (!url) return undefined;
  const namenodeUrl = url.replace(/\/+$/, '').replace(/\/webhdfs\/v1$/, '');
  return {
    namenodeUrl,
    webhdfsUrl: `${namenodeUrl}/webhdfs/v1`,
    user: process.env.OMNIFS_TEST_HDFS_USER ?? HDFS_USER,
    rpcPort: undefined,
    datanodeHttpPort: undefined,
  };
}

/** The ports MiniDfs reports on its READY line (and, with `ha`, the two namenodes). */
interface ReadyPorts {
  nnRpcPort: number;
  nnHttpPort: number;
  dnHttpPort: number;
  nameservice?: string;
  namenodes?: { id: string; rpcPort: number; httpPort: number }[];
}

/** An HA MiniDFSCluster: two namenodes of one nameservice, the first active at start. */
export interface HdfsHaInfo {
  /** The nameservice, as in `hdfs://NAMESERVICE/path` and `dfs.nameservices`. */
  readonly nameservice: string;
  /** The namenodes, in order: their ids (`nn1`, `nn2`), RPC ports and HTTP bases. */
  readonly namenodes: readonly { id: string; rpcPort: number; httpUrl: string }[];
  readonly user: string;
  /** Makes namenode `n` (0 or 1) the active one and the other the standby; resolves once done. */
  activate(n: 0 | 1): Promise<void>;
}

/** Installs (if needed) and starts MiniDfs with `args`; resolves with its READY ports once WebHDFS answers at `check`. */
async function launch(
  args: string[],
  ready: (ports: ReadyPorts) => string,
): Promise<{
  ports: ReadyPorts;
  base: string;
  proc: ServerProcess;
  stop: () => Promise<void>;
  installMs: number;
  startMs: number;
}> {
  const installMs = await installHdfs();
  const t0 = Date.now();
  // Every port is 0: the JVM binds each listener itself and reports the ports it got, so no
  // other process can take a port between its choice and its bind.
  const { base, proc } = startJavaMain('hdfs', MAIN_CLASS, {
    heap: '512m',
    jvmOptions: ['-Dorg.slf4j.simpleLogger.showDateTime=true', '-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS'],
    args,
  });
  const stop = async (): Promise<void> => {
    await proc.stop(10_000);
    await rm(base, { recursive: true, force: true });
  };
  try {
    const [, json = ''] = await proc.waitForLine(/^READY (\{.*\})$/m, 120_000);
    const ports = JSON.parse(json) as ReadyPorts;
    await waitForHttp(`${ready(ports)}/webhdfs/v1/?op=GETFILESTATUS&user.name=${HDFS_USER}`, 30_000, {
      proc,
      accept: (s) => s === 200,
    });
    return { ports, base, proc, stop, installMs, startMs: Date.now() - t0 };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Installs (if needed) and starts a one-datanode MiniDFSCluster; resolves once WebHDFS answers. */
export async function startHdfs(): Promise<StartedServer<HdfsInfo>> {
  const { ports, proc, stop, installMs, startMs } = await launch(
    ['0', '0', '0'],
    (p) => `http://127.0.0.1:${p.nnHttpPort}`,
  );
  const namenodeUrl = `http://127.0.0.1:${ports.nnHttpPort}`;
  return {
    info: {
      namenodeUrl,
      webhdfsUrl: `${namenodeUrl}/webhdfs/v1`,
      user: HDFS_USER,
      rpcPort: ports.nnRpcPort,
      datanodeHttpPort: ports.dnHttpPort,
    },
    installMs,
    startMs,
    proc,
    stop,
  };
}

/**
 * Starts an HA MiniDFSCluster (two namenodes, one datanode, the first namenode active);
 * resolves once the active one answers WebHDFS. Not shared: each caller stops its own.
 */
export async function startHdfsHa(): Promise<StartedServer<HdfsHaInfo>> {
  const httpOf = (port: number): string => `http://127.0.0.1:${port}`;
  const { ports, base, proc, stop, installMs, startMs } = await launch(['0', '0', '0', 'ha'], (p) =>
    httpOf(p.namenodes![0]!.httpPort),
  );
  let active = 0;
  const activate = async (n: 0 | 1): Promise<void> => {
    if (n === active) return;
    active = n;
    const done = proc.waitForLine(new RegExp(`^ACTIVE ${n}$`, 'm'), 60_000);
    writeFileSync(join(base, 'active'), String(n));
    await done;
  };
  return {
    info: {
      nameservice: ports.nameservice!,
      namenodes: ports.namenodes!.map((nn) => ({ id: nn.id, rpcPort: nn.rpcPort, httpUrl: httpOf(nn.httpPort) })),
      user: HDFS_USER,
      activate,
    },
    installMs,
    startMs,
    proc,
    stop,
  };
}
