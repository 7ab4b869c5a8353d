/** HDFSFileSystem: HDFS over WebHDFS, on the FileSystem base class of @omnifs/core. */
import { FileSystem, FsError, isFsError, type FileInfo, type WriteMode, type Writer } from '@omnifs/core';
import {
  DEFAULT_READ_CONCURRENCY,
  collectBytes,
  errors,
  fillSink,
  joinPath,
  parentPath,
  positiveInt,
  redactUrl,
  splitProtocol,
  throwIfAborted,
  type BodySink,
  type CapabilityFacts,
  type EnvironmentSetting,
  type Http1Answer,
  type ReadOptions,
  type RmTreeOptions,
  type WriterOptions,
  validateOptions,
} from '@omnifs/core/backend';
import { WebHdfsClient, type HdfsFileStatus, type Params } from './client';
import { mapHdfsError } from './errors';
import { defaultFs, hadoopConfDir, loadHadoopConf } from './hadoopconf';
import { createParams, DEFAULT_NAMENODE_HTTP_PORT, HDFS_OPTION_SCHEMA, type HDFSOptions } from './options';
import { HdfsWriter, readWriteId, type HdfsWriterOptions } from './writer';

/**
 * Files moved at once by many-path operations when no `batchSize` is given. A new file is
 * three round trips (CREATE, the datanode's data, RENAME): with 20 ms per request, core's
 * default of 8 at once wrote ~110 files/s in bench/race.mjs, 64 ~135 (the namenode's own
 * limit there; 256 added nothing), and 64 stays gentle on a namenode that serves a cluster.
 */
const HDFS_BATCH_SIZE = 64;

/**
 * Bytes per ranged OPEN when `get` copies a large file in parts. Each OPEN costs the
 * namenode a block lookup and the datanode a block reader: a 1 GiB get on MiniDFSCluster,
 * parts of each size alternating in one process, spent a median of 1.31 s of client CPU in
 * 8 MiB parts and 1.15 s in 32 MiB parts (64 MiB: no less), and went about 20% faster.
 */
const HDFS_READ_PART_SIZE = 32 * 1024 * 1024;

/**
 * HDFS through its WebHDFS REST API (`hdfs://` and `webhdfs://` URLs): no Hadoop client,
 * no JVM.
 *
 * ```ts
 * const fs = new HDFSFileSystem({ url: 'http://namenode:9870', user: 'etl' });
 * await fs.writeText('/data/run-1/notes.txt', 'hello');
 * const f = await fs.open('/data/run-1/train.log', 'ab'); // native APPEND
 * ```
 *
 * Behaviour:
 * - paths are absolute (`/a/b`); the authority of `hdfs://host:port/a/b` is dropped, the
 *   namenode is the one in the options;
 * - `info` is GETFILESTATUS, `ls` pages with LISTSTATUS_BATCH (LISTSTATUS where the
 *   cluster has no batch listing), reads are OPEN with offset and length;
 * - writes stream to the datanode and are renamed into place on close (see
 *   {@link HdfsWriter}); `ab` is native APPEND; `xb` and `mode: 'create'` are exclusive;
 * - `info().etag` is the file's version (file id, modification time, length); reads given
 *   it (`open('rb')` blocks, `get`, retried streams) check it after reading and fail with
 *   `ConditionNotMatch` when the file changed;
 * - `mv` of one path is RENAME, `touch` of an existing file is SETTIMES, `rm` is DELETE.
 */
export class HDFSFileSystem extends FileSystem {
  static override protocols: readonly string[] = ['hdfs', 'webhdfs'];
  /** `hdfs://nameservice/path` and `webhdfs://host:port/path`: the path is `/path`. */
  static override urlAuthority = 'host' as const;
  /** The options it takes (see {@link HDFSOptions}). */
  static override optionSchema = HDFS_OPTION_SCHEMA;
  /** Read by the options: the cluster's configuration, the user. */
  static override environment: readonly string[] = ['HADOOP_CONF_DIR', 'HADOOP_HOME', 'HADOOP_USER_NAME'];

  /**
   * The variables that are set, then the default filesystem (`fs.defaultFS`) of the Hadoop
   * configuration a filesystem made with `options` reads (their `hadoopConfDir`, else the
   * one the variables name), with the file that sets it; a configuration that cannot be
   * read, or a `hadoopConfDir` that is not a string, fails as a filesystem made with it
   * would (`InvalidArgument`).
   */
  static override environmentSettings(
    env: NodeJS.ProcessEnv = process.env,
    options: Readonly<Record<string, unknown>> = {},
  ): EnvironmentSetting[] {
    const settings = super.environmentSettings(env, options);
    const { hadoopConfDir: given } = options;
    validateOptions({ hadoopConfDir: given }, HDFS_OPTION_SCHEMA, 'hdfs');
    const dir = hadoopConfDir(given as string | undefined, env);
    const conf = dir === undefined ? undefined : loadHadoopConf(dir, env);
    const found = conf === undefined ? undefined : defaultFs(conf);
    if (found !== undefined)
      settings.push({ name: found.name, value: redactUrl(found.value), file: conf!.fileOf(found.name)! });
    return settings;
  }

  override readonly rootMarker = '/' as const;

  /**
   * Options a URL implies (explicit options win): `webhdfs://[user@]host[:port]/path` names
   * the namenode's WebHDFS endpoint (`url`, port 9870 by default) and the user, as fsspec's
   * webhdfs does; `hdfs://[user@]AUTHORITY/path` names the cluster (`nameservice`: an HA
   * nameservice or a namenode's RPC address), found through the Hadoop configuration
   * unless `url` or `host` is given, by option or by variable.
   */
  static optionsFromUrl(url: string): Record<string, unknown> {
    const split = splitProtocol(url);
    if (split === undefined) return {};
    let authority = split.rest.split('/', 1)[0]!;
    const implied: Record<string, unknown> = {};
    const at = authority.lastIndexOf('@');
    if (at >= 0) {
      const user = authority.slice(0, at);
      if (user.includes(':'))
        throw errors.invalid(
          `URL ${redactUrl(url)} has a password before '@': give credentials as options, not in the URL`,
        );
      if (user !== '') implied.user = decodeURIComponent(user);
      authority = authority.slice(at + 1);
    }
    if (authority === '') return implied;
    if (split.protocol === 'webhdfs') {
      const port = /:\d+$/.test(authority) ? '' : `:${DEFAULT_NAMENODE_HTTP_PORT}`;
      return { ...implied, url: `http://${authority}${port}` };
    }
    return { ...implied, nameservice: authority };
  }

  /** Native APPEND; exclusive create by a check at open and a RENAME that fails on an existing target. */
  protected override capabilityFacts(): CapabilityFacts {
    return {
      ...super.capabilityFacts(),
      append: true,
      exclusiveCreate: true,
      readPartSize: this.partSize,
      readConcurrency: this.readConcurrency,
      batchSize: HDFS_BATCH_SIZE,
    };
  }

  /** The WebHDFS client (namenode URL, authentication, timeouts). */
  readonly client: WebHdfsClient;
  private readonly createParams: Params;
  private readonly appendParams: Params;
  private batchListing: boolean;
  private readonly partSize: number;
  private readonly readConcurrency: number;

  constructor(options: HDFSOptions = {}) {
    super(options);
    this.client = new WebHdfsClient(options);
    this.partSize = positiveInt('partSize', options.partSize, HDFS_READ_PART_SIZE);
    this.readConcurrency = positiveInt('readConcurrency', options.readConcurrency, DEFAULT_READ_CONCURRENCY, 64);
    this.createParams = createParams(options);
    this.appendParams = options.bufferSize === undefined ? {} : { buffersize: options.bufferSize };
    this.batchListing = options.batchListing !== false;
  }

  protected override mapError(err: unknown): FsError {
    return mapHdfsError(err);
  }

  // ---------------------------------------------------------------- metadata and listing

  protected async _info(path: string): Promise<FileInfo> {
    return toInfo(path, await this.client.status(path));
  }

  protected async _ls(path: string): Promise<FileInfo[]> {
    const statuses = await this.listAll(path);
    // Listing a file answers with the file itself, its pathSuffix empty.
    if (statuses.length === 1 && statuses[0]!.pathSuffix === '' && statuses[0]!.type !== 'DIRECTORY')
      throw errors.notADirectory(path);
    return statuses.map((s) => toInfo(joinPath(path, s.pathSuffix), s));
  }

  private async listAll(path: string): Promise<HdfsFileStatus[]> {
    if (this.batchListing) {
      try {
        const all: HdfsFileStatus[] = [];
        let startAfter: string | undefined;
        for (;;) {
          const page = await this.client.listPage(path, startAfter);
          all.push(...page.entries);
          if (page.remaining <= 0 || page.entries.length === 0) return all;
          const last = page.entries[page.entries.length - 1]!.pathSuffix;
          if (startAfter !== undefined && last <= startAfter)
            throw new Error(`LISTSTATUS_BATCH of ${path} did not advance past ${startAfter}`);
          startAfter = last;
        }
      } catch (err) {
        // Clusters before Hadoop 3.0 have no LISTSTATUS_BATCH.
        if (!isFsError(mapHdfsError(err), 'Unsupported')) throw err;
        this.batchListing = false;
      }
    }
    return this.client.list(path);
  }

  // ---------------------------------------------------------------- reads

  protected async _read(
    path: string,
    start: number,
    end: number | undefined,
    { signal, etag }: ReadOptions = {},
  ): Promise<Uint8Array> {
    const length = end === undefined ? undefined : end - start;
    if (length !== undefined && length <= 0) return new Uint8Array(0);
    const guard = etag === undefined ? this.unpinnedGuard(path, start, length) : undefined;
    const res = await this.openAt(path, start, length, signal);
    guard?.opened(res);
    const data = res?.data ?? (res?.body !== undefined ? await collectBytes(res.body) : new Uint8Array(0));
    await (guard === undefined ? this.checkVersion(path, etag) : guard.check(data.byteLength));
    return data;
  }

  protected override async *_readStream(
    path: string,
    start: number,
    end: number | undefined,
    { signal, etag }: ReadOptions = {},
  ): AsyncGenerator<Uint8Array> {
    throwIfAborted(signal);
    const length = end === undefined ? undefined : end - start;
    if (length !== undefined && length <= 0) return;
    const guard = etag === undefined ? this.unpinnedGuard(path, start, length) : undefined;
    const res = await this.openAt(path, start, length, signal);
    guard?.opened(res);
    let read = 0;
    if (res?.data !== undefined && res.data.byteLength > 0) {
      read += res.data.byteLength;
      yield res.data;
    }
    if (res?.body !== undefined) {
      try {
        for await (const chunk of res.body) {
          if ((chunk as Buffer).byteLength === 0) continue;
          read += (chunk as Buffer).byteLength;
          yield chunk as Buffer;
        }
      } finally {
        res.body.destroy();
      }
    }
    await (guard === undefined ? this.checkVersion(path, etag) : guard.check(read));
  }

  /**
   * Keeps a read that names no version from joining two: a datanode (or a gateway's client
   * of the cluster) looks the path up again every ten blocks of a read, and a file replaced
   * meanwhile would go on with the new file's bytes. A read of at most
   * {@link UNPINNED_SAFE} bytes cannot; a longer one takes the file's version when it
   * starts (asked beside the OPEN when its length is known, else once the answer comes: the
   * answer's length then checked as well, or, for a gateway streaming without a length,
   * where the read ended), and fails with `ConditionNotMatch` if the file has another at
   * its end. A read of unknown length through a gateway so asks one GETFILESTATUS more.
   */
  private unpinnedGuard(
    path: string,
    start: number,
    length: number | undefined,
  ): { opened: (res: Http1Answer | undefined) => void; check: (read: number) => Promise<void> } {
    let asked: Promise<HdfsFileStatus | undefined> | undefined;
    /** Where the file ends, by the answer's length; `toEnd`: where the read ends. */
    let expected: number | 'toEnd' | undefined;
    const ask = (): Promise<HdfsFileStatus | undefined> =>
      this.client.status(path).then(
        (st) => st,
        () => undefined,
      );
    if (length !== undefined && length > UNPINNED_SAFE) asked = ask();
    return {
      opened: (res) => {
        if (asked !== undefined || length !== undefined || res === undefined) return;
        const given = res.headers['content-length'];
        if (given === undefined) {
          // A gateway streaming to the end without a length: how long is known only at the end.
          expected = 'toEnd';
          asked = ask();
          return;
        }
        const size = Number(given);
        if (!(size > UNPINNED_SAFE)) return;
        expected = start + size;
        asked = ask();
      },
      check: async (read) => {
        if (asked === undefined || read <= UNPINNED_SAFE) return;
        const before = await asked;
        if (before === undefined) return;
        const end = expected === 'toEnd' ? start + read : expected;
        if (end !== undefined && before.length !== end)
          throw new FsError({ kind: 'ConditionNotMatch', message: 'the file changed while it was read' });
        await this.checkVersion(path, versionOf(before));
      },
    };
  }

  /**
   * One range of a download in parts: OPEN at `start` for `sink.length` bytes, the
   * datanode's answer copied from the socket into the sink's windows; pinned to `etag` as
   * the streamed read is.
   */
  protected override async _readInto(
    path: string,
    start: number,
    sink: BodySink,
    { signal, etag }: ReadOptions = {},
  ): Promise<number> {
    throwIfAborted(signal);
    const res = await this.openAt(path, start, sink.length, signal, sink);
    const n = res === undefined ? 0 : (res.sunk ?? (await fillSink(sink, res.data ?? res.body!)));
    await this.checkVersion(path, etag);
    return n;
  }

  /**
   * With `etag` (a version from `info`), fails with `ConditionNotMatch` unless the file
   * still has it. Checked after the bytes were read: the file had the version both when it
   * was pinned and after the read, and a file id is never reused, so the bytes came from it.
   */
  private async checkVersion(path: string, etag: string | undefined): Promise<void> {
    if (etag === undefined) return;
    const now = versionOf(await this.client.status(path));
    if (now === etag) return;
    throw new FsError({
      kind: 'ConditionNotMatch',
      message: `the file changed while it was read (version ${etag}, now ${now})`,
    });
  }

  /**
   * OPEN at `start`; undefined when `start` is at or past the end (a namenode refuses such
   * offsets as InvalidArgument, HttpFS with a 500 EOFException: the file's length decides).
   * HttpFS's 500 is Jetty's error page, not a RemoteException: its text is all there is.
   */
  private async openAt(
    path: string,
    start: number,
    length: number | undefined,
    signal?: AbortSignal,
    sink?: BodySink,
  ): Promise<Http1Answer | undefined> {
    try {
      return await this.client.openAnswer(path, start, length, signal, sink);
    } catch (err) {
      const mapped = mapHdfsError(err);
      if (start > 0 && (mapped.kind === 'InvalidArgument' || /EOFException/.test(mapped.message))) {
        const status = await this.client.status(path);
        if (status.type === 'FILE' && start >= status.length) return undefined;
      }
      throw err;
    }
  }

  // ---------------------------------------------------------------- writes

  protected async _write(
    path: string,
    data: Uint8Array,
    mode: WriteMode,
    options: { writeId?: string } = {},
  ): Promise<void> {
    if (path === '/') throw errors.isADirectory(path);
    await HdfsWriter.writeWhole(this.client, path, data, this.writerOptions(mode, false, options.writeId));
  }

  protected override _openWriter(path: string, options: WriterOptions): Promise<Writer> {
    if (path === '/') throw errors.isADirectory(path);
    return HdfsWriter.open(this.client, path, this.writerOptions(options.mode, options.append, options.writeId));
  }

  protected override _writeId(path: string): Promise<string | undefined> {
    return readWriteId(this.client, path);
  }

  private writerOptions(mode: WriteMode, append: boolean, writeId: string | undefined): HdfsWriterOptions {
    return {
      mode,
      append,
      createParams: this.createParams,
      appendParams: this.appendParams,
      ...(writeId ? { writeId } : {}),
    };
  }

  protected async _rm(path: string): Promise<void> {
    const status = await this.client.status(path);
    if (status.type === 'DIRECTORY') throw errors.isADirectory(path);
    if (!(await this.client.bool('DELETE', path, 'DELETE', { recursive: false }))) throw errors.notFound(path);
  }

  /** One recursive DELETE (with a content summary first when progress is wanted). */
  protected override async _rmTree(path: string, options: RmTreeOptions): Promise<void> {
    if (path === '/') throw errors.invalid('the root directory cannot be removed', path);
    const summary = options.onRemoved
      ? await this.client.json<{ ContentSummary?: { fileCount?: number } }>('GET', path, 'GETCONTENTSUMMARY')
      : undefined;
    if (summary) options.onTotal?.(summary.ContentSummary?.fileCount ?? 0);
    if (!(await this.client.bool('DELETE', path, 'DELETE', { recursive: true }))) throw errors.notFound(path);
    options.onRemoved?.(summary?.ContentSummary?.fileCount ?? 0);
  }

  // ---------------------------------------------------------------- directories and names

  protected override async _mkdir(path: string, parents: boolean): Promise<void> {
    if (!parents && path !== '/') {
      const parent = parentPath(path, '/');
      const status = await this.client.status(parent);
      if (status.type !== 'DIRECTORY') throw errors.notADirectory(parent);
    }
    if (!(await this.client.bool('PUT', path, 'MKDIRS'))) throw new Error(`MKDIRS ${path} returned false`);
  }

  protected override async _rmdir(path: string): Promise<void> {
    if (path === '/') throw errors.invalid('the root directory cannot be removed', path);
    if (!(await this.client.bool('DELETE', path, 'DELETE', { recursive: false }))) throw errors.notFound(path);
  }

  protected override async _rename(src: string, dst: string): Promise<void> {
    const parent = parentPath(dst, '/');
    if (parent !== '/') await this.client.bool('PUT', parent, 'MKDIRS');
    const dstInfo = await this.client.status(dst).catch(() => undefined);
    if (dstInfo === undefined) {
      if (!(await this.client.bool('PUT', src, 'RENAME', { destination: dst }))) {
        await this.client.status(src); // NotFound when the source is missing
        throw new Error(`RENAME ${src} to ${dst} returned false`);
      }
      return;
    }
    await this.client.rename(src, dst, true);
  }

  protected override async _touch(path: string): Promise<void> {
    await this.client.answer('PUT', path, 'SETTIMES', { modificationtime: Date.now(), accesstime: -1 });
  }
}

/** A WebHDFS FileStatus as an omnifs FileInfo (HDFS's own fields kept beside). */
function toInfo(name: string, s: HdfsFileStatus): FileInfo {
  const info: FileInfo = {
    name,
    size: s.type === 'DIRECTORY' ? 0 : s.length,
    type: s.type === 'DIRECTORY' ? 'directory' : 'file',
    mtime: new Date(s.modificationTime),
  };
  if (s.permission !== undefined) info.permission = s.permission;
  if (s.owner !== undefined) info.owner = s.owner;
  if (s.group !== undefined) info.group = s.group;
  if (s.replication !== undefined && s.type !== 'DIRECTORY') info.replication = s.replication;
  if (s.blockSize !== undefined && s.type !== 'DIRECTORY') info.blockSize = s.blockSize;
  if (s.type === 'SYMLINK') info.symlink = true;
  if (s.type === 'FILE') info.etag = versionOf(s);
  return info;
}

/**
 * The longest read that cannot see two versions of a file without naming one: under ten
 * blocks of the smallest block size a namenode allows (1 MiB), a datanode never looks the
 * path up again within it.
 */
const UNPINNED_SAFE = 8 * 1024 * 1024;

/**
 * A file's version, as `info().etag`: its file id, modification time and length. HDFS
 * keeps no ETag; a rewrite gives a new file id, an append or truncate a new length and
 * modification time.
 */
function versionOf(s: HdfsFileStatus): string {
  return `${s.fileId ?? 0}-${s.modificationTime}-${s.length}`;
}
