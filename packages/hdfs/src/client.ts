/**
 * The WebHDFS REST client: namenode calls read in full (core's `smallAnswer`), reads
 * streamed (`streamAnswer`) and data whose bytes are all at hand sent in one request, over
 * core's keep-alive pool; streamed uploads to the datanode go over `node:http` (core's
 * `StreamedUpload`).
 *
 * Data calls take two steps. CREATE and APPEND are answered with a 307 to a datanode: the
 * first request goes without a body (the redirect not followed), the data then goes to the
 * `Location` (the datanode answers it with an unrequested `100 Continue`, which the pool
 * and `node:http` skip). OPEN's redirect is followed to the datanode, whose answer ends
 * with the connection closed.
 */
import { FsError, type Timeouts } from '@omnifs/core';
import {
  baseName,
  connectFailed,
  errors,
  formQuery,
  joinPath,
  preconnect,
  redactUrl,
  resolveTimeouts,
  smallAnswer,
  streamAnswer,
  StreamedUpload,
  type BodySink,
  type Http1Answer,
  type SmallAnswer,
} from '@omnifs/core/backend';
import { WebHdfsError, errorFromAnswer, isIpcPortAnswer, parseRemoteException } from './errors';
import { DEFAULT_HDFS_TIMEOUT, resolveNamenodes, resolveUser, type HDFSOptions } from './options';

/** One entry of GETFILESTATUS / LISTSTATUS, as WebHDFS sends it. */
export interface HdfsFileStatus {
  pathSuffix: string;
  type: 'FILE' | 'DIRECTORY' | 'SYMLINK';
  length: number;
  modificationTime: number;
  accessTime?: number;
  blockSize?: number;
  replication?: number;
  permission?: string;
  owner?: string;
  group?: string;
  fileId?: number;
  childrenNum?: number;
}

/** Query parameters of one call. */
export type Params = Record<string, string | number | boolean | undefined>;

/** HTTP methods WebHDFS uses. */
export type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';

/**
 * A client for the WebHDFS endpoint of a namenode, or of HA namenodes.
 *
 * Behaviour: every call carries `user.name` (or `delegation`) and `doas`, the `headers`
 * and `authHeaders()` of the options, and a timeout until the answer's headers arrive;
 * a failed call throws a {@link WebHdfsError} whose URL is redacted. With several
 * namenodes, a call goes to the one that last answered as active; one that answers
 * `StandbyException` or cannot be reached (nothing was sent) passes the call to the next,
 * each tried once per call; the last one's answer stands.
 */
export class WebHdfsClient {
  /** The origin of the datanode the last redirect named: connected to ahead of the next. */
  private datanode: string | undefined;
  /** Each namenode's `http://namenode:9870/webhdfs/v1`. */
  readonly bases: readonly string[];
  /** Index in {@link bases} of the namenode calls go to first: the last one that answered as active. */
  private active = 0;
  /** RENAME here ignores `renameoptions` and answers a boolean (see {@link rename}): learnt from an answer. */
  private plainRename = false;
  readonly timeouts: Timeouts;
  /** Sent as `user.name` (see {@link resolveUser}). */
  readonly user: string | undefined;

  /** Why the namenode's address was assumed, where it was (see {@link ResolvedNamenodes.assumed}). */
  private readonly assumed: string | undefined;

  constructor(private readonly options: HDFSOptions) {
    ({ bases: this.bases, assumed: this.assumed } = resolveNamenodes(options));
    this.user = resolveUser(options);
    this.timeouts = resolveTimeouts({ requestTimeout: options.timeout ?? DEFAULT_HDFS_TIMEOUT, ...options });
  }

  /** `http://namenode:9870/webhdfs/v1` of the namenode calls go to first. */
  get base(): string {
    return this.bases[this.active]!;
  }

  /** The URL of an operation on an absolute path, at the namenode calls go to first (or at `base`). */
  url(path: string, op: string, params: Params = {}, base = this.base): string {
    const { delegationToken, doAs } = this.options;
    const q = formQuery({
      op,
      ...(delegationToken ? { delegation: delegationToken } : { 'user.name': this.user }),
      ...(doAs ? { doas: doAs } : {}),
      ...params,
    });
    const encoded = path.split('/').map(encodeURIComponent).join('/');
    return `${base}${encoded.startsWith('/') ? encoded : `/${encoded}`}?${q}`;
  }

  /**
   * Sends a request to the namenodes, starting at the active one, and returns the URL and
   * answer of the first that is neither unreachable nor a standby (else the last one's).
   */
  private async toNamenode<A extends { status: number; data?: Buffer | undefined }>(
    method: Method,
    path: string,
    op: string,
    params: Params,
    send: (url: string) => Promise<A>,
  ): Promise<{ url: string; res: A }> {
    const n = this.bases.length;
    const first = this.active;
    for (let i = 0; ; i++) {
      const at = (first + i) % n;
      const url = this.url(path, op, params, this.bases[at]);
      const last = i === n - 1;
      let res: A;
      try {
        res = await send(url);
      } catch (err) {
        if (!last && connectFailed(err)) continue;
        if (this.assumed !== undefined && connectFailed(err) && err instanceof Error)
          err.message = `${err.message} (${this.assumed})`;
        throw withRedactedMessage(await this.rpcPortError(method, op, url, this.bases[at]!, err));
      }
      const standby = isStandby(res);
      if (standby && !last) continue;
      if (!standby) this.active = at;
      return { url, res };
    }
  }

  /**
   * Sends one namenode request (never followed: a 307 resolves like a 2xx when `redirect`
   * is true) and returns its answer read in full; any other status throws a WebHdfsError.
   */
  async answer(method: Method, path: string, op: string, params: Params = {}, redirect = false): Promise<SmallAnswer> {
    const { url, res } = await this.toNamenode(method, path, op, params, async (to) =>
      smallAnswer(to, { method, headers: await this.headers(to) }, this.timeouts),
    );
    if ((res.status >= 200 && res.status < 300) || (res.status === 307 && redirect)) return res;
    throw errorFromAnswer(res.status, res.data.toString('utf8'), op, url, this.secrets);
  }

  /**
   * What to throw for `err`, the failure of a `method` call to `url` at namenode `base`. A
   * Hadoop RPC port answers only a GET with an HTTP page ("HTTP request to a Hadoop IPC
   * port"); any other method gets a binary RPC error and the connection closed, which
   * reads as a connection closed before the answer. For such a failure of a PUT, POST or
   * DELETE, a GETFILESTATUS of `/` asks the same port: when that page is its answer, it
   * is the error (mapped to `InvalidArgument` naming the port to use), else `err` stands.
   */
  private async rpcPortError(method: Method, op: string, url: string, base: string, err: unknown): Promise<unknown> {
    if (method === 'GET' || !closedWithoutAnswer(err)) return err;
    const probe = this.url('/', 'GETFILESTATUS', {}, base);
    try {
      const res = await smallAnswer(probe, { method: 'GET', headers: await this.headers(probe) }, this.timeouts);
      const text = res.data.toString('utf8');
      return isIpcPortAnswer(text) ? errorFromAnswer(res.status, text, op, url, this.secrets) : err;
    } catch {
      return err;
    }
  }

  /** A call whose answer is JSON. */
  async json<T>(method: Method, path: string, op: string, params: Params = {}): Promise<T> {
    return JSON.parse((await this.answer(method, path, op, params)).data.toString('utf8')) as T;
  }

  /** A call answered `{ "boolean": true|false }`. */
  async bool(method: Method, path: string, op: string, params: Params = {}): Promise<boolean> {
    return (await this.json<{ boolean: boolean }>(method, path, op, params)).boolean;
  }

  /**
   * Renames `src` onto `dst`: with `overwrite` a file at `dst` is replaced, without it an
   * existing `dst` is refused (`AlreadyExists`); a directory at `dst` is refused either way.
   * A namenode does this in one RENAME with `renameoptions`, answered with an empty body. A
   * gateway that renames as Hadoop's `FileSystem.rename` does (HttpFS) ignores them and
   * answers a boolean: `false` where `dst` exists, `true` also where it moved `src` into a
   * directory at `dst` (moved back here). Once such an answer came, `dst` is looked at
   * first, and a file to overwrite is deleted just before the RENAME (readers may then find
   * no file for that moment; the new bytes are never lost, `src` holds them).
   */
  async rename(src: string, dst: string, overwrite: boolean): Promise<void> {
    if (!this.plainRename) {
      const renameoptions = overwrite ? 'OVERWRITE' : 'NONE';
      const res = await this.answer('PUT', src, 'RENAME', { destination: dst, renameoptions });
      const answered = booleanOf(res.data);
      if (answered === undefined) return;
      this.plainRename = true;
      if (answered) {
        if ((await this.status(dst)).type !== 'DIRECTORY') return;
        await this.bool('PUT', joinPath(dst, baseName(src)), 'RENAME', { destination: src });
        throw errors.isADirectory(dst);
      }
    }
    const existing = await this.status(dst).catch((err: unknown) => {
      if (err instanceof WebHdfsError && err.status === 404) return undefined;
      throw err;
    });
    if (existing?.type === 'DIRECTORY') throw errors.isADirectory(dst);
    if (existing !== undefined) {
      if (!overwrite) throw errors.alreadyExists(dst);
      await this.bool('DELETE', dst, 'DELETE', { recursive: false });
    }
    if (!(await this.bool('PUT', src, 'RENAME', { destination: dst })))
      throw new FsError({
        kind: 'Unexpected',
        message: `RENAME ${src} to ${dst} answered false: the source is gone, or the target appeared meanwhile`,
      });
  }

  /** GETFILESTATUS. */
  async status(path: string): Promise<HdfsFileStatus> {
    return (await this.json<{ FileStatus: HdfsFileStatus }>('GET', path, 'GETFILESTATUS')).FileStatus;
  }

  /** One page of LISTSTATUS_BATCH after `startAfter`; `remaining` is 0 on the last page. */
  async listPage(
    path: string,
    startAfter: string | undefined,
  ): Promise<{ entries: HdfsFileStatus[]; remaining: number }> {
    type Page = {
      DirectoryListing: {
        partialListing: { FileStatuses: { FileStatus: HdfsFileStatus[] } };
        remainingEntries: number;
      };
    };
    // The namenode reads `startafter` in lower case only (`startAfter` is ignored).
    const body = await this.json<Page>(
      'GET',
      path,
      'LISTSTATUS_BATCH',
      startAfter === undefined ? {} : { startafter: startAfter },
    );
    const listing = body.DirectoryListing;
    return { entries: listing.partialListing.FileStatuses.FileStatus, remaining: listing.remainingEntries };
  }

  /** LISTSTATUS: the whole directory in one answer. */
  async list(path: string): Promise<HdfsFileStatus[]> {
    return (await this.json<{ FileStatuses: { FileStatus: HdfsFileStatus[] } }>('GET', path, 'LISTSTATUS')).FileStatuses
      .FileStatus;
  }

  /**
   * OPEN at `offset` for `length` bytes (to the end when undefined), the redirect to the
   * datanode followed: the body is `data` when it came whole with the head (a small file),
   * else the Node stream `body` (destroy it to stop). With `sink`, a 200's body is copied
   * into its windows instead (`sunk`, once written). Other statuses throw a WebHdfsError.
   */
  async openAnswer(
    path: string,
    offset: number,
    length: number | undefined,
    signal?: AbortSignal,
    sink?: BodySink,
  ): Promise<Http1Answer> {
    const params = { offset: offset > 0 ? offset : undefined, length };
    // A 200 to OPEN is the range asked, from the datanode or a gateway that answers itself.
    const into = sink === undefined ? undefined : (status: number) => (status === 200 ? sink : undefined);
    this.connectAhead();
    const sent = await this.toNamenode('GET', path, 'OPEN', params, async (to) =>
      streamAnswer(to, { method: 'GET', headers: await this.headers(to), signal }, this.timeouts, into),
    );
    const url = sent.url;
    let res = sent.res;
    try {
      const location = res.status >= 300 && res.status < 400 ? res.headers.location : undefined;
      if (location !== undefined) {
        // The datanode takes no headers: the URL carries the user or token.
        const target = new URL(location, url);
        this.datanode = target.origin;
        res = await streamAnswer(target.toString(), { method: 'GET', signal }, this.timeouts, into);
      }
    } catch (err) {
      throw withRedactedMessage(err);
    }
    if (res.status >= 200 && res.status < 300) return res;
    throw errorFromAnswer(res.status, res.data?.toString('utf8') ?? '', 'OPEN', url, this.secrets);
  }

  /**
   * First step of CREATE / APPEND: the namenode request without a body; returns the
   * datanode `Location` it redirects to. With `whole` (the bytes go by {@link sendWhole}),
   * a connection to the datanode last named opens while the namenode answers.
   */
  async dataLocation(
    method: 'PUT' | 'POST',
    path: string,
    op: 'CREATE' | 'APPEND',
    params: Params,
    whole = false,
  ): Promise<string> {
    if (whole) this.connectAhead();
    const res = await this.answer(method, path, op, params, true);
    const location = res.headers.location ?? locationOf(res.data.toString('utf8'));
    if (!location)
      throw new WebHdfsError(
        res.status,
        op,
        { message: 'the namenode sent no datanode Location' },
        redactUrl(this.url(path, op, params)),
      );
    if (whole) this.datanode = new URL(location, this.base).origin;
    return location;
  }

  /**
   * Opens a connection to the datanode of the last redirect, unless one is idle: a
   * datanode closes its connection after each answer, and the connect then happens while
   * the namenode answers the next call instead of after it.
   */
  private connectAhead(): void {
    if (this.datanode !== undefined) preconnect(this.datanode, this.timeouts);
  }

  /**
   * Both steps with all the bytes at hand: the namenode's redirect, then one request to
   * the datanode carrying them (over core's pool; the datanode's unrequested
   * `100 Continue` is skipped), resolved once the datanode confirmed. A datanode that
   * answers `StandbyException` was sent by a standby (one that names itself, not the
   * nameservice, in its redirects): the next namenode is asked, as for any call.
   * `toDatanode` is called as each datanode request starts: until then, nothing was created.
   */
  async sendWhole(
    method: 'PUT' | 'POST',
    path: string,
    op: 'CREATE' | 'APPEND',
    params: Params,
    data: Uint8Array,
    toDatanode?: () => void,
  ): Promise<void> {
    for (let i = 1; ; i++) {
      const location = await this.dataLocation(method, path, op, params, true);
      const from = this.base;
      let res: SmallAnswer;
      toDatanode?.();
      try {
        const headers = { 'content-type': 'application/octet-stream' };
        res = await smallAnswer(location, { method, headers, body: data }, this.timeouts);
      } catch (err) {
        throw withRedactedMessage(err);
      }
      if (res.status >= 200 && res.status <= 299) return;
      if (isStandby(res) && this.passOver(from) && i < this.bases.length) continue;
      throw errorFromAnswer(res.status, res.data.toString('utf8'), op, location, this.secrets);
    }
  }

  /** Starts the second step: a streamed upload of the data to the datanode. */
  upload(location: string, method: 'PUT' | 'POST', op: string, length?: number): DatanodeUpload {
    const from = this.base;
    return new DatanodeUpload(location, method, op, this.timeouts, this.secrets, length, (status, body) => {
      // Sent by a standby: the next call (a retry of this one) goes to the next namenode.
      if (isStandby({ status, data: Buffer.from(body) })) this.passOver(from);
    });
  }

  /**
   * Stops sending calls first to `base` (found to be a standby by a datanode's answer);
   * true when there is another namenode to send them to.
   */
  private passOver(base: string): boolean {
    if (this.bases.length < 2) return false;
    if (this.bases[this.active] === base) this.active = (this.active + 1) % this.bases.length;
    return true;
  }

  /** Values never to show in an error: the delegation token. */
  private get secrets(): string[] {
    return this.options.delegationToken ? [this.options.delegationToken] : [];
  }

  private async headers(url: string): Promise<Record<string, string>> {
    const { headers, authHeaders } = this.options;
    const base = typeof headers === 'function' ? headers(url) : (headers ?? {});
    const auth = authHeaders ? await authHeaders(url) : {};
    return { ...base, ...auth };
  }
}

/** The `boolean` of a `{"boolean": ...}` answer; undefined for any other body (a namenode's RENAME with options sends none). */
function booleanOf(data: Buffer): boolean | undefined {
  if (data.byteLength === 0) return undefined;
  try {
    const v = (JSON.parse(data.toString('utf8')) as { boolean?: unknown }).boolean;
    return typeof v === 'boolean' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Codes of a connection that closed, or sent what is not HTTP, before its answer ended. */
const CLOSED_CODES = new Set(['ECONNRESET', 'EPIPE', 'EPROTO']);

/** True when `err` is a connection that closed, or answered with what is not HTTP, before an answer came. */
function closedWithoutAnswer(err: unknown): boolean {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && (CLOSED_CODES.has(code) || code.startsWith('HPE_'));
}

/** True for a namenode's `403` whose RemoteException is a `StandbyException`. */
function isStandby(res: { status: number; data?: Buffer | undefined }): boolean {
  if (res.status !== 403 || res.data === undefined) return false;
  return parseRemoteException(res.data.toString('utf8'))?.exception === 'StandbyException';
}

/** The `Location` of a `noredirect=true` answer (`{"Location": "..."}`). */
function locationOf(body: string): string | undefined {
  try {
    const v = (JSON.parse(body) as { Location?: unknown }).Location;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Network errors can quote the URL: any `delegation=` token is taken out of their message. */
function withRedactedMessage(err: unknown): unknown {
  if (err instanceof Error && typeof err.message === 'string') {
    const clean = redactUrl(err.message);
    if (clean !== err.message) err.message = clean;
  }
  return err;
}

/**
 * The data step of CREATE / APPEND: one HTTP request to the datanode (chunked, or with
 * `Content-Length` when the body's length is given), a {@link StreamedUpload} whose
 * refusals are {@link WebHdfsError}s and whose errors never show a delegation token.
 */
export class DatanodeUpload extends StreamedUpload {
  constructor(
    location: string,
    method: 'PUT' | 'POST',
    op: string,
    timeouts: Timeouts,
    secrets: readonly string[] = [],
    length?: number,
    onRefused?: (status: number, body: string) => void,
  ) {
    super(location, {
      method,
      length,
      timeouts,
      what: `the datanode's ${op}`,
      refused: (status, body) => {
        onRefused?.(status, body);
        return errorFromAnswer(status, body, op, location, secrets);
      },
      clean: withRedactedMessage,
    });
  }
}
