/**
 * The suite-facing API of the server harness.
 *
 * ```ts
 * describe('s3 smoke', function () {
 *   const s3 = useServer('s3');            // starts moto once per mocha run, or skips
 *   it('puts', async () => {
 *     const client = new S3Client(s3.info);
 *     const bucket = freshName();          // a new random bucket name for this test
 *   });
 * });
 * ```
 *
 * Servers start lazily and once per run, shared by all suites; the root hook in
 * `hooks.ts` stops them at the end. Outside CI a server whose toolchain is missing skips
 * its suites with one line saying how to get it; with `CI=true` it fails them.
 */
import { randomBytes } from 'node:crypto';
import { externalAzure, startAzurite } from './azurite';
import { externalGcs, startFakeGcs } from './fakegcs';
import { externalHdfs, startHdfs, startHdfsHa, type HdfsHaInfo } from './hdfs';
import { startHttpFs, type HttpFsInfo } from './httpfs';
import { externalS3, startMoto } from './moto';
import type { InfoByKind, ServerKind, StartedServer } from './types';
import { IS_CI, ToolchainMissing, say, startRetryingPortClash } from './util';

export type { AzureInfo, GcsInfo, HdfsInfo, InfoByKind, S3Info, ServerKind, StartedServer } from './types';
export type { HdfsHaInfo } from './hdfs';
export type { HttpFsInfo } from './httpfs';

interface Entry<K extends ServerKind> {
  start: () => Promise<StartedServer<InfoByKind[K]>>;
  external: () => InfoByKind[K] | undefined;
  label: string;
}

const ENTRIES: { [K in ServerKind]: Entry<K> } = {
  s3: { start: startMoto, external: externalS3, label: 'S3 (moto)' },
  gcs: { start: startFakeGcs, external: externalGcs, label: 'GCS (fake-gcs-server)' },
  azure: { start: startAzurite, external: externalAzure, label: 'Azure Blob (Azurite)' },
  hdfs: { start: startHdfs, external: externalHdfs, label: 'HDFS (MiniDFSCluster)' },
};

const running = new Map<ServerKind, Promise<StartedServer<unknown>>>();
const announcedSkip = new Set<ServerKind>();
const wanted = new Set<ServerKind>();

/** Generous: a cold install (pip, go build, Maven download) can take minutes. */
const START_TIMEOUT_MS = 20 * 60_000;

/**
 * Starts the server of `kind` (or returns the already started / external one). One start
 * per process; concurrent callers share it.
 */
export function ensureServer<K extends ServerKind>(kind: K): Promise<StartedServer<InfoByKind[K]>> {
  let p = running.get(kind);
  if (!p) {
    const entry = ENTRIES[kind] as Entry<K>;
    const ext = entry.external();
    p = ext
      ? Promise.resolve<StartedServer<InfoByKind[K]>>({
          info: ext,
          installMs: 0,
          startMs: 0,
          proc: undefined,
          stop: async () => {},
        })
      : startRetryingPortClash(entry.label, entry.start).then((s) => {
          say(`${entry.label} ready at ${describeInfo(s.info)} (install ${s.installMs} ms, start ${s.startMs} ms)`);
          return s;
        });
    p.catch(() => {}); // Reported by whoever awaits it.
    running.set(kind, p);
  }
  return p as Promise<StartedServer<InfoByKind[K]>>;
}

function describeInfo(info: unknown): string {
  const i = info as Record<string, unknown>;
  return String(i.endpoint ?? i.apiEndpoint ?? i.blobEndpoint ?? i.namenodeUrl ?? '?');
}

/** Handle returned by {@link useServer}; `info` is available from the suite's tests and later hooks on. */
export interface ServerRef<K extends ServerKind> {
  /** Connection info; throws if read before the suite's `before` hook ran. */
  readonly info: InfoByKind[K];
  /** The started server (timings, process), same lifetime rule as `info`. */
  readonly server: StartedServer<InfoByKind[K]>;
}

/**
 * Declares that the current mocha `describe` needs the server of `kind`. Registers a
 * `before` hook that starts it (once per run) or skips the suite outside CI when the
 * toolchain is missing. Call it directly inside `describe`.
 */
export function useServer<K extends ServerKind>(kind: K): ServerRef<K> {
  wanted.add(kind);
  let started: StartedServer<InfoByKind[K]> | undefined;
  before(async function () {
    this.timeout(START_TIMEOUT_MS);
    try {
      started = await ensureServer(kind);
    } catch (e) {
      if (e instanceof ToolchainMissing && !IS_CI) {
        if (!announcedSkip.has(kind)) {
          announcedSkip.add(kind);
          process.stderr.write(
            `\n!!! SKIPPING ${ENTRIES[kind].label} suites: ${e.reason}. To run them: ${e.howTo}\n\n`,
          );
        }
        this.skip();
      }
      throw e;
    }
  });
  const get = (): StartedServer<InfoByKind[K]> => {
    if (!started) throw new Error(`useServer('${kind}'): server not started yet (read .info inside tests or hooks)`);
    return started;
  };
  return {
    get info() {
      return get().info;
    },
    get server() {
      return get();
    },
  };
}

/** Servers of their own kind (not shared through {@link ensureServer}), once started, by label. */
const extras = new Map<string, Promise<StartedServer<unknown>>>();

/**
 * Declares that the current `describe` needs the server `start` makes: started once per
 * run by the first suite that asks for `label`, stopped with the other servers; skipped
 * outside CI when the toolchain is missing, as {@link useServer}.
 */
function useExtra<I>(label: string, start: () => Promise<StartedServer<I>>): { readonly info: I } {
  let started: StartedServer<I> | undefined;
  before(async function () {
    this.timeout(START_TIMEOUT_MS);
    try {
      let p = extras.get(label) as Promise<StartedServer<I>> | undefined;
      if (p === undefined) {
        p = start().then((s) => {
          say(`${label} ready (install ${s.installMs} ms, start ${s.startMs} ms)`);
          return s;
        });
        p.catch(() => {}); // Reported by whoever awaits it.
        extras.set(label, p);
      }
      started = await p;
    } catch (e) {
      if (e instanceof ToolchainMissing && !IS_CI) {
        process.stderr.write(`\n!!! SKIPPING ${label} suites: ${e.reason}. To run them: ${e.howTo}\n\n`);
        this.skip();
      }
      throw e;
    }
  });
  return {
    get info() {
      if (!started) throw new Error(`${label}: not started yet (read .info inside tests or hooks)`);
      return started.info;
    },
  };
}

/**
 * Declares that the current `describe` needs the HA MiniDFSCluster (two namenodes of one
 * nameservice, the first active, see `startHdfsHa`), one per run. A suite that fails the
 * namenodes over makes the first one active again before it ends.
 */
export function useHdfsHa(): { readonly info: HdfsHaInfo } {
  return useExtra('HDFS HA (MiniDFSCluster)', startHdfsHa);
}

/**
 * Declares that the current `describe` needs an HttpFS gateway in front of the harness's
 * HDFS (see `startHttpFs`), one per run. Not available with an external HDFS
 * (`OMNIFS_TEST_HDFS_URL`).
 */
export function useHttpFs(): { readonly info: HttpFsInfo } {
  return useExtra('HttpFS', async () => {
    const hdfs = await ensureServer('hdfs');
    if (hdfs.info.rpcPort === undefined) throw new Error('HttpFS needs the harness cluster, not an external one');
    return startHttpFs(`hdfs://127.0.0.1:${hdfs.info.rpcPort}`);
  });
}

/**
 * Starts, in the background, every server some loaded suite asked for with
 * {@link useServer}, so their installs and start-ups overlap. Called by the root hook.
 * Not done when mocha filters tests (`--grep`/`--fgrep`) or `OMNIFS_TEST_PREWARM=0`:
 * then each server starts only when a suite that runs needs it.
 */
export function prewarmWanted(): void {
  const filtered = process.argv.some((a) => /^(-g|-f|--grep|--fgrep)(=|$)/.test(a));
  if (filtered || process.env.OMNIFS_TEST_PREWARM === '0') return;
  for (const kind of wanted) void ensureServer(kind).catch(() => {});
}

/** Stops a started (or starting) server. */
async function stopStarted(p: Promise<StartedServer<unknown>>): Promise<void> {
  try {
    await (await p).stop();
  } catch {
    // A server that failed to start has nothing to stop.
  }
}

/** Stops every server this process started. */
export async function stopAllServers(): Promise<void> {
  say(`stopping ${running.size} server(s)`);
  const all = [...running.values()];
  running.clear();
  all.push(...extras.values());
  extras.clear();
  await Promise.all(all.map(stopStarted));
}

/** Stops the server of `kind` this process started and forgets it: the next {@link ensureServer} starts a new one. */
export async function stopServer(kind: ServerKind): Promise<void> {
  const p = running.get(kind);
  running.delete(kind);
  if (p !== undefined) await stopStarted(p);
}

/**
 * A fresh random name valid as an S3 bucket, GCS bucket, Azure container or HDFS
 * directory: lowercase letters and digits, starting with a letter, 3-63 characters.
 */
export function freshName(prefix = 'omnifs'): string {
  const clean =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '')
      .replace(/^[^a-z]+/, '')
      .slice(0, 40) || 't';
  return `${clean}-${randomBytes(8).toString('hex')}`.slice(0, 63);
}

/** Where one test may write: a bucket (or container / directory) and a key prefix inside it. */
export interface TestRoot {
  /** Bucket, container, or top directory. */
  readonly bucket: string;
  /** Key prefix inside it, '' or ending with '/'. */
  readonly prefix: string;
  /** True when the bucket is new and the test must create it; false when it is a given one. */
  readonly create: boolean;
}

/**
 * A fresh root for one test: a new random bucket to create, or, when the server is an
 * external one with a fixed bucket/container (real cloud accounts), that bucket and a
 * fresh random prefix.
 */
export function freshRoot(fixedBucket: string | undefined): TestRoot {
  return fixedBucket
    ? { bucket: fixedBucket, prefix: `${freshName()}/`, create: false }
    : { bucket: freshName(), prefix: '', create: true };
}
