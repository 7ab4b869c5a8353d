/**
 * The Azure client's transport: the SDK's HTTP client with omnifs's timeouts, and the
 * operation's signal (core's {@link currentSignal}) given to every request it sends.
 */
import { Transform } from 'node:stream';
import type { BlobServiceClient, Pipeline } from '@azure/storage-blob';
import { type Timeouts } from '@omnifs/core';
import { abortable, abortError, bodyInPieces, RequestTimers, requestSignal, SentAbortGate } from '@omnifs/core/backend';

/** The parts of the SDK's pipeline request used here. */
interface PipelineRequest {
  method: string;
  url: string;
  body?: unknown;
  abortSignal?: AbortSignal;
  onUploadProgress?: (progress: { loadedBytes: number }) => void;
}

/** The parts of the SDK's pipeline response used here. */
interface PipelineResponse {
  readableStreamBody?: NodeJS.ReadableStream;
}

/** The SDK's HTTP client. */
interface HttpClient {
  sendRequest(request: PipelineRequest): Promise<PipelineResponse>;
}

/** The bytes of a request whose body was turned into a stream, for the SDK's next attempt. */
const BYTES = new WeakMap<PipelineRequest, Uint8Array>();

/**
 * Wraps an HTTP client: each request obeys the operation's signal; a request without a
 * body is answered (a metadata call in full, a download's headers) within
 * `requestTimeout`; a body that moves no byte, either way, for `idleTimeout` fails the
 * request. A timeout is a temporary `ETIMEDOUT`.
 */
export function timedHttpClient(inner: HttpClient, timeouts: Timeouts): HttpClient {
  return {
    async sendRequest(request) {
      const own = new AbortController();
      const watched = requestSignal(own.signal, request.abortSignal);
      // A write sent in full is given SENT_GRACE_MS for its answer when the caller aborts.
      const gate = SentAbortGate.forWrite(request.method, request.abortSignal);
      const signal = gate?.signal(own.signal) ?? watched;
      const where = `${request.method} ${new URL(request.url).host}`;
      const hasBody = request.body !== undefined && request.body !== null;
      const timers = new RequestTimers(own, where, timeouts);
      const { idle } = timers;
      const sent = (): void => {
        gate?.sent();
        timers.sent();
      };
      if (!hasBody) sent();
      if (hasBody) idle.start();
      // A short body written with the head (Put Block List's XML) counts as sent at once.
      if (typeof request.body === 'string') gate?.sent();
      const upload = request.onUploadProgress;
      request.abortSignal = signal;
      // The SDK's retries send the same request again: each attempt streams the bytes afresh.
      const bytes = BYTES.get(request) ?? request.body;
      if (bytes instanceof Uint8Array && bytes.byteLength > 0) {
        BYTES.set(request, bytes);
        request.body = () => bodyInPieces(bytes, { idle, sent });
      }
      request.onUploadProgress = (p) => {
        idle.start();
        upload?.(p);
      };
      try {
        // A body read to text inside the SDK does not always fail when its request is destroyed.
        const response = await abortable(inner.sendRequest(request), signal, 0);
        timers.answered();
        const body = response.readableStreamBody;
        if (body === undefined) {
          idle.clear();
          return response;
        }
        idle.start();
        // The SDK destroys an aborted body with a plain AbortError: say what stopped it.
        // Each chunk re-arms the idle timer. (No onDownloadProgress: the SDK would pipe the
        // body through a stream that never learns of a dropped connection.)
        const out = new Transform({
          highWaterMark: 0,
          transform(chunk: Buffer, _enc, done) {
            idle.start();
            done(null, chunk);
          },
        });
        // Named AbortError on its way through the SDK's download stream, which otherwise
        // takes any error for an early end; the reader gives it back its own name.
        // (`watched`, not the gated signal: a body is stopped by an abort at once.)
        const stopped = (): Error => Object.assign(abortError(watched), { name: 'AbortError' });
        const onAbort = (): void => {
          out.destroy(stopped());
        };
        // The SDK's download stream stops listening once its reader lets go of it (a read
        // stopped early): an error of `out` after that has no one left to tell.
        out.on('error', () => undefined);
        watched.addEventListener('abort', onAbort, { once: true });
        body.on('error', (err) => out.destroy(watched.aborted ? stopped() : err));
        // A connection dropped mid-body: the SDK's download stream knows it by 'aborted'.
        let ended = false;
        body.on('aborted', () => out.emit('aborted'));
        body.on('close', () => {
          if (!ended && !out.destroyed)
            out.destroy(
              Object.assign(new Error('the connection closed before the body ended'), { code: 'ECONNRESET' }),
            );
        });
        body.on('end', () => {
          ended = true;
          idle.clear();
        });
        out.on('close', () => {
          idle.clear();
          watched.removeEventListener('abort', onAbort);
        });
        body.pipe(out);
        response.readableStreamBody = out;
        return response;
      } catch (err) {
        timers.clear();
        if (gate?.cutAfterSent === true) throw gate.error();
        if (own.signal.aborted) throw abortError(own.signal);
        throw signal.aborted || watched.aborted ? abortError(watched) : err;
      } finally {
        gate?.close();
      }
    },
  };
}

/**
 * `service` again, with {@link timedHttpClient} under it and under every client built from
 * it (they share its pipeline, which keeps the HTTP client they are built with).
 */
export function withTransport(service: BlobServiceClient, timeouts: Timeouts): BlobServiceClient {
  const { pipeline } = service as unknown as { pipeline: Pipeline & { _coreHttpClient?: HttpClient } };
  if (pipeline._coreHttpClient !== undefined)
    pipeline._coreHttpClient = timedHttpClient(pipeline._coreHttpClient, timeouts);
  // The service client's own requests (List Containers) go through the client it was built
  // with, before the line above: build it again on the pipeline.
  const Service = service.constructor as new (url: string, pipeline: Pipeline) => BlobServiceClient;
  return new Service(service.url, pipeline);
}
