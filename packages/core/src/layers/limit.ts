/** The concurrency-limit layer: at most N calls to the wrapped filesystem at once. */
import { defineOptions } from '../options';
import { positiveOption, WrapperFileSystem, type HookName, type WrapperOptions, WRAPPER_OPTIONS } from './wrapper';

/** Options of {@link LimitFileSystem}. */
export interface LimitOptions extends WrapperOptions {
  /** Calls in flight at once (default 16). */
  maxConcurrency?: number;
}

/**
 * Caps concurrent calls: the rest wait in order. A streamed read or write holds a slot
 * only while it is being opened.
 */
export class LimitFileSystem extends WrapperFileSystem {
  static override protocols: readonly string[] = ['limit'];
  /** The options the layer takes. */
  static override optionSchema = defineOptions<LimitOptions>({
    ...WRAPPER_OPTIONS,
    maxConcurrency: 'number',
  });
  /** The cap. */
  readonly maxConcurrency: number;
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(options: LimitOptions) {
    super(options);
    this.maxConcurrency = Math.floor(positiveOption('maxConcurrency', options.maxConcurrency, 16));
  }

  /** Calls running now. */
  get inFlight(): number {
    return this.active;
  }

  protected override async call<T>(_hook: HookName, fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.maxConcurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next)
        next(); // the slot passes straight to the next caller
      else this.active--;
    }
  }
}
