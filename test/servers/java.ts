/**
 * Test servers that are a small Java main over Maven dependencies (MiniDFSCluster, HttpFS):
 * the classpath comes from `mvn dependency:build-classpath` (local repository under
 * `.cache/servers/<name>/m2`) and the main is compiled with javac into the cache, again
 * only when the pom or the source changed.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  cacheDir,
  digest,
  hasCommand,
  readMarker,
  runInstall,
  startProcess,
  ToolchainMissing,
  withInstallLock,
  writeMarker,
  type ServerProcess,
} from './util';

/** One Java main of the harness. */
export interface JavaMain {
  /** Cache directory and install lock name, e.g. `hdfs`. */
  name: string;
  /** What needs it, for the message when the toolchain is missing (`HDFS tests`). */
  label: string;
  /** Directory of its pom.xml. */
  project: string;
  /** The one source file. */
  mainSrc: string;
  /** javac options besides `-d` and `-cp` (e.g. `--release 8`). */
  javacOptions: string[];
}

/** True when the cached classpath names only files that exist (a moved cache directory leaves stale paths). */
function classpathPresent(cpFile: string): boolean {
  if (!existsSync(cpFile)) return false;
  return readFileSync(cpFile, 'utf8')
    .trim()
    .split(':')
    .every((entry) => entry === '' || existsSync(entry));
}

/** Resolves the classpath and compiles the main unless cached for this pom + source; returns ms spent. */
export function installJavaMain(main: JavaMain): Promise<number> {
  return withInstallLock(main.name, async () => {
    const dir = cacheDir(main.name);
    const marker = join(dir, 'installed');
    const cpFile = join(dir, 'classpath.txt');
    const classes = join(dir, 'classes');
    const pom = join(main.project, 'pom.xml');
    const want = digest(readFileSync(pom, 'utf8'), readFileSync(main.mainSrc, 'utf8'));
    if (readMarker(marker) === want && existsSync(classes) && classpathPresent(cpFile)) return 0;
    for (const [cmd, pkg] of [
      ['java', 'openjdk-17-jdk-headless'],
      ['javac', 'openjdk-17-jdk-headless'],
      ['mvn', 'maven'],
    ] as const) {
      if (!hasCommand(cmd))
        throw new ToolchainMissing(
          `${main.label} need a JDK 17+ and Maven (no \`${cmd}\`)`,
          `apt-get install ${pkg} (JDK 17+ and Maven 3.8+)`,
        );
    }
    const mvnArgs = ['-q', '-B', `-Dmaven.repo.local=${join(dir, 'm2')}`, '-f', pom, 'dependency:build-classpath'];
    let ms = await runInstall(`${main.name}-classpath`, 'mvn', [...mvnArgs, `-Dmdep.outputFile=${cpFile}`]);
    await rm(classes, { recursive: true, force: true });
    const cp = readFileSync(cpFile, 'utf8').trim();
    ms += await runInstall(`${main.name}-main`, 'javac', [
      ...main.javacOptions,
      '-d',
      classes,
      '-cp',
      cp,
      main.mainSrc,
    ]);
    writeMarker(marker, want);
    return ms;
  });
}

/** The compiled main's classpath: its classes, then its dependencies. */
export function javaClasspath(name: string): string {
  const dir = cacheDir(name);
  return `${join(dir, 'classes')}:${readFileSync(join(dir, 'classpath.txt'), 'utf8').trim()}`;
}

/**
 * Starts the compiled main `mainClass` of `name` with a new temporary directory as its first
 * argument, then `args`: a serial-GC heap of `heap`, IPv4, the harness's log level
 * (`OMNIFS_TEST_HDFS_LOG_LEVEL`, default warn) and `jvmOptions`.
 */
export function startJavaMain(
  name: string,
  mainClass: string,
  options: { heap: string; jvmOptions?: string[]; args?: string[] },
): { base: string; proc: ServerProcess } {
  const base = mkdtempSync(join(tmpdir(), `omnifs-${name}-`));
  const proc = startProcess(basename(base), 'java', [
    `-Xmx${options.heap}`,
    '-XX:+UseSerialGC',
    '-Djava.net.preferIPv4Stack=true',
    `-Dorg.slf4j.simpleLogger.defaultLogLevel=${process.env.OMNIFS_TEST_HDFS_LOG_LEVEL ?? 'warn'}`,
    ...(options.jvmOptions ?? []),
    '-cp',
    javaClasspath(name),
    mainClass,
    base,
    ...(options.args ?? []),
  ]);
  return { base, proc };
}
