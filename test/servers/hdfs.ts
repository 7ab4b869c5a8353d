/**
 * HDFS on loopback: Apache Hadoop 3.5.0's MiniDFSCluster (one datanode, WebHDFS on,
 * permissions off), run by the small Java main in test/servers/hdfs/. Its classpath
 * comes from Maven (`dependency:build-classpath`, local repository under
 * `.cache/servers/hdfs/m2`) and the main is compiled with javac into the cache.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { HdfsInfo, StartedServer } from './types';
import {
  cacheDir,
  digest,
  hasCommand,
  readMarker,
  REPO_ROOT,
  runInstall,
  startProcess,
  ToolchainMissing,
  waitForHttp,
  withInstallLock,
  writeMarker,
} from './util';

const PROJECT = join(REPO_ROOT, 'test', 'servers', 'hdfs');
const MAIN_SRC = join(PROJECT, 'src', 'main', 'java', 'omnifs', 'testserver', 'MiniDfs.java');
const MAIN_CLASS = 'omnifs.testserver.MiniDfs';
/** User name sent as `user.name` to the harness's cluster. */
export const HDFS_USER = 'omnifs';

/** Resolves the classpath and compiles the main unless cached for this pom + source; returns ms spent. */
export function installHdfs(): Promise<number> {
  return withInstallLock('hdfs', installHdfsNow);
}

/** True when the cached classpath names only files that exist (a moved cache directory leaves stale paths). */
function classpathPresent(cpFile: string): boolean {
  if (!existsSync(cpFile)) return false;
  return readFileSync(cpFile, 'utf8')
    .trim()
    .split(':')
    .every((entry) => entry === '' || existsSync(entry));
}

async function installHdfsNow(): Promise<number> {
  const dir = cacheDir('hdfs');
  const marker = join(dir, 'installed');
  const cpFile = join(dir, 'classpath.txt');
  const classes = join(dir, 'classes');
  const want = digest(readFileSync(join(PROJECT, 'pom.xml'), 'utf8'), readFileSync(MAIN_SRC, 'utf8'));
  if (readMarker(marker) === want && existsSync(classes) && classpathPresent(cpFile)) return 0;
  for (const [cmd, pkg] of [
    ['java', 'openjdk-17-jdk-headless'],
    ['javac', 'openjdk-17-jdk-headless'],
    ['mvn', 'maven'],
  ] as const) {
    if (!hasCommand(cmd)) {
      throw new ToolchainMissing(
        `HDFS tests need a JDK 17+ and Maven (no \`${cmd}\`)`,
        `apt-get install ${pkg} (JDK 17+ and Maven 3.8+)`,
      );
    }
  }
  let ms = await runInstall('hdfs-classpath', 'mvn', [
    '-q',
    '-B',
    `-Dmaven.repo.local=${join(dir, 'm2')}`,
    '-f',
    join(PROJECT, 'pom.xml'),
    'dependency:build-classpath',
    `-Dmdep.outputFile=${cpFile}`,
  ]);
  await rm(classes, { recursive: true, force: true });
  ms += await runInstall('hdfs-main', 'javac', [
    '-nowarn',
    '-XDignore.symbol.file',
    '-d',
    classes,
    '-cp',
    readFileSync(cpFile, 'utf8').trim(),
    MAIN_SRC,
  ]);
  writeMarker(marker, want);
  return ms;
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

/** The ports MiniDfs reports on its READY line. */
interface ReadyPorts {
  nnRpcPort: number;
  nnHttpPort: number;
  dnHttpPort: number;
}

/** Installs (if needed) and starts a one-datanode MiniDFSCluster; resolves once WebHDFS answers. */
export async function startHdfs(): Promise<StartedServer<HdfsInfo>> {
  const installMs = await installHdfs();
  const dir = cacheDir('hdfs');
  const cp = `${join(dir, 'classes')}:${readFileSync(join(dir, 'classpath.txt'), 'utf8').trim()}`;
  const base = mkdtempSync(join(tmpdir(), 'omnifs-minidfs-'));
  const t0 = Date.now();
  // Every port is 0: the JVM binds each listener itself and reports the ports it got, so no
  // other process can take a port between its choice and its bind.
  const proc = startProcess(basename(base), 'java', [
    '-Xmx512m',
    '-XX:+UseSerialGC',
    '-Djava.net.preferIPv4Stack=true',
    '-Dorg.slf4j.simpleLogger.showDateTime=true',
    '-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS',
    `-Dorg.slf4j.simpleLogger.defaultLogLevel=${process.env.OMNIFS_TEST_HDFS_LOG_LEVEL ?? 'warn'}`,
    '-cp',
    cp,
    MAIN_CLASS,
    base,
    '0',
    '0',
    '0',
  ]);
  const stop = async (): Promise<void> => {
    await proc.stop(10_000);
    await rm(base, { recursive: true, force: true });
  };
  let ports: ReadyPorts;
  let namenodeUrl: string;
  try {
    const [, json = ''] = await proc.waitForLine(/^READY (\{.*\})$/m, 120_000);
    ports = JSON.parse(json) as ReadyPorts;
    namenodeUrl = `http://127.0.0.1:${ports.nnHttpPort}`;
    await waitForHttp(`${namenodeUrl}/webhdfs/v1/?op=GETFILESTATUS&user.name=${HDFS_USER}`, 30_000, {
      proc,
      accept: (s) => s === 200,
    });
  } catch (e) {
    await stop();
    throw e;
  }
  const startMs = Date.now() - t0;
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
