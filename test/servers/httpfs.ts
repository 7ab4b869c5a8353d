/**
 * HttpFS on loopback: Hadoop's WebHDFS gateway (3.4.1, the newest on Maven Central) in
 * front of the harness's MiniDFSCluster, reached over RPC as the user running the tests
 * (a proxy user there), run by the small Java main in test/servers/httpfs/. Its classpath
 * comes from Maven (`dependency:build-classpath`, local repository under
 * `.cache/servers/httpfs/m2`) and the main is compiled with javac into the cache.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { installJavaMain, startJavaMain } from './java';
import type { StartedServer } from './types';
import { REPO_ROOT, waitForHttp } from './util';

const PROJECT = join(REPO_ROOT, 'test', 'servers', 'httpfs');
const MAIN_SRC = join(
  PROJECT,
  'src',
  'main',
  'java',
  'org',
  'apache',
  'hadoop',
  'fs',
  'http',
  'server',
  'OmnifsHttpFs.java',
);
const MAIN_CLASS = 'org.apache.hadoop.fs.http.server.OmnifsHttpFs';

/** An HttpFS gateway: its WebHDFS base, as `url` takes it. */
export interface HttpFsInfo {
  /** e.g. `http://127.0.0.1:PORT` */
  readonly url: string;
}

/** Resolves the classpath and compiles the main unless cached for this pom + source; returns ms spent. */
export function installHttpFs(): Promise<number> {
  // Java 8 classes: Jersey 1 scans the gateway's package, this class included, with an old ASM.
  return installJavaMain({
    name: 'httpfs',
    label: 'HttpFS tests',
    project: PROJECT,
    mainSrc: MAIN_SRC,
    javacOptions: ['--release', '8', '-nowarn', '-Xlint:-options'],
  });
}

/** Installs (if needed) and starts HttpFS in front of the namenode at `namenodeRpc` (`hdfs://127.0.0.1:PORT`). */
export async function startHttpFs(namenodeRpc: string): Promise<StartedServer<HttpFsInfo>> {
  const installMs = await installHttpFs();
  const t0 = Date.now();
  const { base, proc } = startJavaMain('httpfs', MAIN_CLASS, {
    heap: '256m',
    // JAXB (Jersey's JSON) defines classes at run time, as Hadoop's own scripts allow on Java 17.
    jvmOptions: ['--add-opens', 'java.base/java.lang=ALL-UNNAMED'],
    args: [namenodeRpc],
  });
  const stop = async (): Promise<void> => {
    await proc.stop(10_000);
    await rm(base, { recursive: true, force: true });
  };
  try {
    const [, json = ''] = await proc.waitForLine(/^READY (\{.*\})$/m, 120_000);
    const url = `http://127.0.0.1:${(JSON.parse(json) as { port: number }).port}`;
    await waitForHttp(`${url}/webhdfs/v1/?op=GETFILESTATUS&user.name=omnifs`, 30_000, {
      proc,
      accept: (s) => s === 200,
    });
    return { info: { url }, installMs, startMs: Date.now() - t0, proc, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
