/**
 * The timeout layer: a deadline on every call to the wrapped filesystem, whatever its
 * backend, and on the wait for each chunk of a streamed read.
 */
import { timeoutError, withSignal } from '../timeouts';
import type { ReadOptions } from '../base';
import { defineOptions } from '../options';
import { positiveOption, WrapperFileSystem, type HookName, type WrapperOptions, WRAPPER_OPTIONS } from './wrapper';

/** Options of {@link TimeoutFileSystem}. */
export interface TimeoutLayerOptions extends WrapperOptions {
  /** Milliseconds each call may take, and a streamed read may wait for its next chunk (default 60,000). */
  timeout?: number;
}

/**
 * Fails a call that takes longer than `timeout` with a temporary `ETIMEDOUT` FsError,
 * and aborts the requests it has in flight. Put it inside `retry` (`retry::timeout::s3://...`)
 * to retry a call that timed out.
 *
 * Behaviour:
 * - a call (info, ls, a whole-file read or write, a delete, opening a writer) has `timeout`
 *   ms in all; a streamed read has `timeout` ms for each chunk, and a writer (`open('wb')`,
 *   `openWriter`, a streamed `pipeFile`) for each write and for its close, so a long
 *   transfer over a healthy link is never cut off;
 * - the caller's own `signal` still cancels the call at once.
 */
export class TimeoutFileSystem extends WrapperFileSystem {
  static override protocols: readonly string[] = ['timeout'];
  /** The options the layer takes. */
  static override optionSchema = defineOptions<TimeoutLayerOptions>({
    ...WRAPPER_OPTIONS,
    timeout: 'number',
  });
  /** The deadline of one call, ms. */
  readonly timeout: number;

  constructor(options: TimeoutLayerOptions) {
    super(options);
    this.timeout = positiveOption('timeout', options.timeout, 60_000);
  }

  protected override call<T>(hook: HookName, fn: () => Promise<T>): Promise<T> {
    return this.deadline(`${hook} took longer than ${this.timeout} ms`, fn);
  }

  /** Each write to a writer opened through the layer, and its close, has `timeout` ms. */
  protected override writerCall(what: 'write' | 'close', fn: () => Promise<void>): Promise<void> {
    return this.deadline(`a writer's ${what} took longer than ${this.timeout} ms`, fn);
  }

  /** Declined: a streamed read has a deadline per chunk, which a slow link needs. */
  protected override async _readInto(): Promise<undefined> {
    return undefined;
  }

  protected override async *_readStream(
    path: string,
    start: number,
    end: number | undefined,
    options: ReadOptions = {},
  ): AsyncGenerator<Uint8Array> {
    const chunks = super._readStream(path, start, end, options);
    try {
      for (;;) {
        const next = await this.deadline(`no data read within ${this.timeout} ms`, () => chunks.next());
        if (next.done === true) return;
        yield next.value;
      }
    } finally {
      await chunks.return(undefined).catch(() => undefined);
    }
  }

  private async deadline<T>(message: string, fn: () => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(timeoutError(message)), this.timeout);
    try {
      return await withSignal(controller.signal, fn);
    } finally {
      clearTimeout(timer);
    }
  }
}
