/** Listing pages through continuation tokens with the next page's request sent early. */

/** One page as a backend's listing request gives it: the next page's token, and the page itself. */
export interface PageAnswer<P> {
  /** The token that asks for the next page; undefined on the last page. */
  next: string | undefined;
  /** The page's entries, read when the page is handed on (after the next page is asked for). */
  page: () => P;
}

/**
 * The pages of a listing, each next page asked for as soon as its token is known: before
 * this page's entries are read out of the answer and handed on, so that the service works
 * on the next page while the client reads this one and its caller works through it. The
 * listing's own cost is unchanged, one request a page, except when the caller stops early:
 * the request already sent for the next page is then aborted and its answer dropped.
 *
 * `fetch` sends one page's request (`token` undefined for the first) with `signal`, which
 * follows the caller's `signal` and is aborted when the caller stops early. With
 * `firstOnly` (a listing asked for one page of a given size) the first page alone is
 * fetched and handed on.
 */
export async function* pagesAhead<P>(
  fetch: (token: string | undefined, signal: AbortSignal) => Promise<PageAnswer<P>>,
  { signal, firstOnly = false }: { signal?: AbortSignal | undefined; firstOnly?: boolean } = {},
): AsyncGenerator<P> {
  const stop = new AbortController();
  const linked = signal === undefined ? stop.signal : AbortSignal.any([signal, stop.signal]);
  let pending: Promise<PageAnswer<P>> | undefined = fetch(undefined, linked);
  try {
    while (pending !== undefined) {
      const { next, page } = await pending;
      pending = undefined;
      if (next !== undefined && !firstOnly) {
        pending = fetch(next, linked);
        // Awaited on the next turn; a caller that stops before then never sees its failure.
        pending.catch(() => undefined);
      }
      yield page();
    }
  } finally {
    if (pending !== undefined) stop.abort();
  }
}
