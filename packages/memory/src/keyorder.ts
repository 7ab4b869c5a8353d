/**
 * The keys of a bucket in the order an object store lists them (by their UTF-8 bytes), kept
 * between listings: a listing of a prefix is a binary search and a walk over its own keys,
 * where it was a sort of every key of the bucket (a walk of 1,000 directories among 20,000
 * objects took 26 s). Keys written since the last listing are sorted in by the next one;
 * keys removed are dropped then.
 */

/** A character of a code point past U+FFFF (or a lone surrogate): UTF-16 order differs from UTF-8's there. */
const ASTRAL = /[\uD800-\uDFFF]/;

/** Byte order of two keys' UTF-8. */
export const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** One bucket's keys: sorted as of the last listing, and those written since. */
class KeyOrder {
  private sorted: string[] = [];
  private added: string[] = [];
  private removed = false;
  /** Keys whose UTF-16 order may not be their byte order; all others compare as strings. */
  private readonly astral = new Set<string>();
  private readonly compare = (a: string, b: string): number =>
    this.astral.size > 0 && (this.astral.has(a) || this.astral.has(b)) ? byBytes(a, b) : a < b ? -1 : a > b ? 1 : 0;

  constructor(keys: Iterable<string>) {
    for (const key of keys) this.add(key);
  }

  add(key: string): void {
    this.added.push(key);
    if (ASTRAL.test(key)) this.astral.add(key);
  }

  remove(): void {
    this.removed = true;
  }

  /** The keys of `objects` that start with `prefix`, in byte order. */
  *under(prefix: string, objects: Map<string, unknown>): Generator<string> {
    const sorted = this.current(objects);
    if (ASTRAL.test(prefix)) {
      // A lone surrogate's bytes are U+FFFD's: its keys need not sit together.
      for (const key of sorted) if (key.startsWith(prefix)) yield key;
      return;
    }
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(sorted[mid]!, prefix) < 0) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < sorted.length && sorted[i]!.startsWith(prefix); i++) yield sorted[i]!;
  }

  /** Every key of `objects` in byte order: the sorted ones with those added merged in, those removed dropped. */
  private current(objects: Map<string, unknown>): string[] {
    if (this.added.length === 0 && !this.removed) return this.sorted;
    const added = this.added.filter((k) => objects.has(k)).sort(this.compare);
    const kept = this.removed ? this.sorted.filter((k) => objects.has(k)) : this.sorted;
    const out: string[] = [];
    let i = 0;
    let j = 0;
    let last: string | undefined;
    while (i < kept.length || j < added.length) {
      const next =
        j >= added.length || (i < kept.length && this.compare(kept[i]!, added[j]!) <= 0) ? kept[i++]! : added[j++]!;
      // A key removed and written again is in both.
      if (next !== last) out.push((last = next));
    }
    if (this.removed) for (const k of this.astral) if (!objects.has(k)) this.astral.delete(k);
    this.sorted = out;
    this.added = [];
    this.removed = false;
    return out;
  }
}

const orders = new WeakMap<Map<string, unknown>, KeyOrder>();

/** The keys of a bucket's `objects` under `prefix`, in byte order. */
export function keysUnder(objects: Map<string, unknown>, prefix: string): Generator<string> {
  let order = orders.get(objects);
  if (order === undefined) orders.set(objects, (order = new KeyOrder(objects.keys())));
  return order.under(prefix, objects);
}

/** Records that `key` was written to `objects` where it was not. */
export function keyAdded(objects: Map<string, unknown>, key: string): void {
  orders.get(objects)?.add(key);
}

/** Records that keys were removed from `objects`. */
export function keysRemoved(objects: Map<string, unknown>): void {
  orders.get(objects)?.remove();
}
