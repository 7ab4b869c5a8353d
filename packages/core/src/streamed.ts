/**
 * One HTTP request whose body is written as its bytes come, over `node:http` (a request
 * of its own, outside the keep-alive pool: it lasts as long as the upload): the data step
 * of an HDFS CREATE or APPEND, a GCS resumable session's bytes.
 */
import { request as httpRequest, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { TLS_PIECE } from './http1';
import { abortError, afterGrace, sentAbortError, timeoutError, type Timeouts } from './timeouts';

/** How a {@link StreamedUpload} is sent. */
export interface StreamedUploadOptions {
  method: string;
  /** Header names in lower case; `content-type` defaults to `application/octet-stream`. */
  headers?: Record<string, string> | undefined;
  /** The body's length when known: sent with `Content-Length` (no chunk framing), else chunked. */
  length?: number | undefined;
  /** `idleTimeout` while the body goes, `requestTimeout` for the answer after its end. */
  timeouts: Timeouts;
  /** What the request is, in error messages: `the datanode's CREATE`. */
  what: string;
  /** The error an answer outside 2xx fails the upload with, from its status and body. */
  refused: (status: number, body: string) => unknown;
  /** Cleans a network error before it is thrown (a URL it quotes may carry a token). */
  clean?: ((err: unknown) => unknown) | undefined;
  /**
   * Ends the upload with {@link abortError} while its body goes; once `finish` sent the
   * last byte, the answer is given {@link SENT_GRACE_MS} and the upload then fails with
   * {@link sentAbortError} (the service may have stored it).
   */
  signal?: AbortSignal | undefined;
}

/** The answer to a {@link StreamedUpload}. */
export interface StreamedAnswer {
  status: number;
  /** Names in lower case. */
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * An upload whose body is written chunk by chunk with back-pressure, so memory stays
 * bounded whatever the size.
 *
 * Behaviour: `write` resolves when the socket can take more, `lend` once the socket has
 * taken all of its bytes (the caller may fill the buffer again); no progress for
 * `idleTimeout` while the body goes, or no answer within `requestTimeout` of its end,
 * fails the upload with a temporary `ETIMEDOUT`; an early answer (a refusal) fails the
 * pending and later writes; `finish` ends the body and resolves with the 2xx answer;
 * `destroy` drops the connection, failing what waits with `reason` when given. While the
 * body waits for the next `write` (all sent so far in the kernel), the connection does not
 * keep the process alive.
 */
export class StreamedUpload {
  private readonly req: ClientRequest;
  private readonly answer: Promise<StreamedAnswer>;
  private failure: unknown;
  private settled = false;
  private sentAll = false;
  /** Bytes per socket write. */
  private readonly piece: number;
  /** Writes handed to the request and not yet taken by the kernel. */
  private unsent = 0;

  constructor(
    url: string,
    private readonly options: StreamedUploadOptions,
  ) {
    const { method, headers, length, timeouts, what, refused } = options;
    const secure = url.startsWith('https:');
    const send = secure ? httpsRequest : httpRequest;
    // Over TLS in pieces (see TLS_PIECE); a plain socket takes a chunk in one write.
    this.piece = secure ? TLS_PIECE : Number.POSITIVE_INFINITY;
    const framing = length === undefined ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(length) };
    this.req = send(url, {
      method,
      headers: { 'content-type': 'application/octet-stream', ...headers, ...framing },
    });
    // While the body waits for the app's next bytes, the connection does not keep the
    // process alive by itself: an app that leaves a writer unclosed exits (the upload
    // uncommitted), as it does where writers buffer their parts.
    this.req.on('socket', (socket) => {
      if (this.unsent === 0 && !this.sentAll) socket.unref();
    });
    // The socket's idle timer while the body flows; once it is sent, the answer's wait (see finish).
    this.req.setTimeout(timeouts.idleTimeout, () =>
      this.req.destroy(
        timeoutError(
          this.sentAll
            ? `no answer to ${what} within ${timeouts.requestTimeout} ms`
            : `no progress on ${what} within ${timeouts.idleTimeout} ms`,
        ),
      ),
    );
    this.answer = new Promise<StreamedAnswer>((ok, fail) => {
      this.req.on('response', (res: IncomingMessage) => {
        const parts: Buffer[] = [];
        res.on('data', (b: Buffer) => parts.push(b));
        res.on('error', fail);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const body = Buffer.concat(parts);
          if (status >= 200 && status < 300) return ok({ status, headers: res.headers, body });
          fail(refused(status, body.toString('utf8')));
        });
      });
      this.req.on('error', (err) => fail(this.clean(err)));
    });
    const signal = options.signal;
    if (signal !== undefined) {
      const onAbort = (): void => {
        if (!this.sentAll) this.destroy(abortError(signal));
        // An answer within the grace stands: the upload then is not failed after all.
        else afterGrace(() => this.settled || this.destroy(sentAbortError(signal)));
      };
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        this.answer.finally(() => signal.removeEventListener('abort', onAbort)).catch(() => undefined);
      }
    }
    this.answer.then(
      () => {
        this.settled = true;
      },
      (err: unknown) => {
        this.settled = true;
        this.failure ??= err;
        // Refused before the body ended: the writes waiting for room fail now, not at the idle timeout.
        if (!this.sentAll) this.req.destroy();
      },
    );
  }

  /** Sends the next bytes; resolves when the request can take more. */
  async write(chunk: Uint8Array): Promise<void> {
    this.check();
    if (chunk.byteLength === 0) return;
    let room = true;
    const piece = this.piece;
    this.sending();
    for (let at = 0; at < chunk.byteLength; at += piece) {
      const last = at + piece >= chunk.byteLength;
      room = last ? this.req.write(chunk.subarray(at), this.taken) : this.req.write(chunk.subarray(at, at + piece));
    }
    if (room) return;
    await new Promise<void>((ok, fail) => {
      const onDrain = (): void => {
        this.req.off('close', onClose);
        ok();
      };
      const onClose = (): void => {
        this.req.off('drain', onDrain);
        fail(this.closed());
      };
      this.req.once('drain', onDrain);
      this.req.once('close', onClose);
    });
    this.check();
  }

  /**
   * Sends bytes the caller fills again afterwards: resolves once the socket has taken all
   * of them (they are in the kernel, the buffer is free), fails if the upload does.
   */
  lend(chunk: Uint8Array): Promise<void> {
    this.check();
    if (chunk.byteLength === 0) return Promise.resolve();
    return new Promise<void>((ok, fail) => {
      const onClose = (): void => fail(this.closed());
      this.req.once('close', onClose);
      const sent = (err?: Error | null): void => {
        this.req.off('close', onClose);
        this.taken();
        if (err) fail(this.clean(err));
        else ok();
      };
      this.sending();
      // In pieces, as `write` sends them; the last one's callback says all of them left.
      const size = this.piece;
      for (let at = 0; at < chunk.byteLength; at += size) {
        const piece = chunk.subarray(at, at + size);
        if (at + size >= chunk.byteLength) this.req.write(piece, sent);
        else this.req.write(piece);
      }
    });
  }

  /** Ends the body; resolves with the answer once it came (a refusal rejects). */
  async finish(): Promise<StreamedAnswer> {
    this.check();
    this.sentAll = true;
    this.req.socket?.ref();
    this.req.end(() => this.req.setTimeout(this.options.timeouts.requestTimeout));
    return this.answer;
  }

  /** Bytes go out: the connection keeps the process alive until the kernel has them. */
  private sending(): void {
    this.unsent++;
    this.req.socket?.ref();
  }

  /** The kernel took a write's bytes; with none left to send, the body waits for the app. */
  private readonly taken = (): void => {
    this.unsent--;
    if (this.unsent === 0 && !this.sentAll) this.req.socket?.unref();
  };

  /** Drops the connection; what was sent is not confirmed. Waiting writes and the answer fail with `reason`. */
  destroy(reason?: unknown): void {
    if (reason !== undefined) this.failure ??= reason;
    if (!this.settled) this.req.destroy(reason instanceof Error ? reason : undefined);
    this.answer.catch(() => undefined);
  }

  /** True once the upload failed (an error answer, a dropped connection, `destroy` with a reason). */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  private closed(): unknown {
    return this.failure ?? new Error(`${this.options.what}: the server closed the connection`);
  }

  private clean(err: unknown): unknown {
    return this.options.clean ? this.options.clean(err) : err;
  }

  private check(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}
