/**
 * Large buffers kept between writers. A writer lends or fills buffers of a part's size;
 * one allocated anew for each file of a many-file transfer is garbage once the file is
 * written, and freeing megabytes of it per file cost the garbage collector more CPU than
 * the upload itself (40 puts of 3 MiB to HDFS: 5.8 ms of GC per file).
 */
import { errors } from './errors';

/**
 * A pool of buffers by size, holding at most `maxBytes`; what it holds is dropped once it
 * has been idle for `idleMs` (default 2 s), so a process that stopped writing keeps nothing;
 * and when a buffer of a size it does not hold is taken, it drops the sizes no one took for
 * half that time, so work that moved on (an upload's parts, then a download's windows)
 * does not hold both, while work that takes two sizes in turn keeps both.
 */
export class BufferPool {
  private readonly free = new Map<number, Buffer[]>();
  /** When a buffer of each size was last taken (`performance.now()`). */
  private readonly taken = new Map<number, number>();
  private held = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly maxBytes: number,
    private readonly idleMs = 2000,
  ) {}

  /** A buffer of `size` bytes, its contents left over from earlier use (or uninitialized). */
  take(size: number): Buffer {
    const now = performance.now();
    this.taken.set(size, now);
    const buffer = this.free.get(size)?.pop();
    if (buffer === undefined) {
      if (this.held > 0) this.dropStale(now);
      return Buffer.allocUnsafeSlow(size);
    }
    this.held -= size;
    this.touch();
    return buffer;
  }

  /**
   * Takes `buffer` back for a later {@link take}: its giver must hold no view of it that
   * is still read or written (a send in flight included). Kept while the pool holds less
   * than its `maxBytes`, else left to the garbage collector.
   */
  give(buffer: Buffer): void {
    const size = buffer.byteLength;
    if (buffer.byteOffset !== 0 || buffer.buffer.byteLength !== size) return; // a view: not ours to keep
    if (this.held + size > this.maxBytes) return;
    let list = this.free.get(size);
    if (list === undefined) this.free.set(size, (list = []));
    if (list.includes(buffer)) return;
    list.push(buffer);
    this.held += size;
    this.touch();
  }

  /** Bytes held for reuse. */
  get heldBytes(): number {
    return this.held;
  }

  /** Drops everything held. */
  clear(): void {
    this.free.clear();
    this.taken.clear();
    this.held = 0;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Drops the buffers of every size last taken more than half of `idleMs` ago. */
  private dropStale(now: number): void {
    for (const [size, list] of this.free) {
      if (now - (this.taken.get(size) ?? 0) <= this.idleMs / 2) continue;
      this.held -= size * list.length;
      this.free.delete(size);
    }
    this.touch();
  }

  private touch(): void {
    if (this.held === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
      return;
    }
    if (this.timer !== undefined) {
      this.timer.refresh();
      return;
    }
    this.timer = setTimeout(() => this.clear(), this.idleMs);
    this.timer.unref();
  }
}

/** The pool the writers of every backend share: up to 64 MiB, enough for a few files' part buffers. */
export const partBuffers = new BufferPool(64 * 1024 * 1024);

/**
 * Buffers a writer lends to be read into ({@link FillableWriter}'s `space` / `filled`),
 * taken from {@link partBuffers}: a full buffer is sent and filled again once the send
 * says the transport has taken it, so a reader fills one while the ones before go out,
 * and nothing is allocated or copied per chunk.
 */
export class LentBuffers {
  private readonly slots: Array<{ buf: Buffer; sending?: Promise<void> | undefined }>;
  private at = 0;
  private fill = 0;

  /**
   * @param send sends bytes of a buffer; resolves once nothing reads them any more
   * @param count buffers in turn
   * @param size bytes each
   */
  constructor(
    private readonly send: (data: Uint8Array) => Promise<void>,
    count = 4,
    size = 1024 * 1024,
  ) {
    this.slots = Array.from({ length: count }, () => ({ buf: partBuffers.take(size) }));
  }

  /** Room to read into: the rest of the buffer being filled (never empty). */
  space(): Uint8Array {
    return this.slots[this.at]!.buf.subarray(this.fill);
  }

  /**
   * Takes `n` bytes of the room `space` gave as filled; true when that filled the buffer,
   * which {@link next} then sends. More than the room lent is `InvalidArgument`.
   */
  take(n: number): boolean {
    const size = this.slots[this.at]!.buf.byteLength;
    if (!Number.isInteger(n) || n < 0 || this.fill + n > size)
      throw errors.invalid(`filled(${n}) is more than the room lent`);
    this.fill += n;
    return this.fill === size;
  }

  /** Sends what the current buffer holds and moves to the next, once its own last send is done. */
  async next(): Promise<void> {
    const slot = this.slots[this.at]!;
    if (this.fill > 0) {
      slot.sending = this.send(slot.buf.subarray(0, this.fill));
      slot.sending.catch(() => undefined); // awaited when the buffer comes round again, or by `flush`
    }
    this.at = (this.at + 1) % this.slots.length;
    this.fill = 0;
    await this.slots[this.at]!.sending;
  }

  /** Sends what is filled and waits for every send. */
  async flush(): Promise<void> {
    await this.next();
    await Promise.all(this.slots.map((slot) => slot.sending));
  }

  /** Gives the buffers back to the pool once none of their sends can read them. */
  release(): void {
    const slots = this.slots.splice(0);
    void Promise.allSettled(slots.map((slot) => slot.sending)).then(() => {
      for (const slot of slots) partBuffers.give(slot.buf);
    });
  }
}
