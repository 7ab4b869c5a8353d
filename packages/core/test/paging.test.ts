/** pagesAhead: a listing's next page asked for before this one is handed on. */
import { expect } from 'chai';
import { pagesAhead, type PageAnswer } from '@omnifs/core/backend';

/** A listing of `pages` pages ("p0", "p1", ...) whose requests are recorded as they are sent. */
function listing(pages: number): {
  sent: Array<{ token: string | undefined; signal: AbortSignal }>;
  read: string[];
  fetch: (token: string | undefined, signal: AbortSignal) => Promise<PageAnswer<string>>;
} {
  const sent: Array<{ token: string | undefined; signal: AbortSignal }> = [];
  const read: string[] = [];
  return {
    sent,
    read,
    fetch: async (token, signal) => {
      sent.push({ token, signal });
      const i = token === undefined ? 0 : Number(token);
      await new Promise((r) => setImmediate(r));
      if (signal.aborted) throw signal.reason;
      return {
        next: i + 1 < pages ? String(i + 1) : undefined,
        page: () => {
          read.push(`p${i}`);
          return `p${i}`;
        },
      };
    },
  };
}

describe('pagesAhead', () => {
  it('hands on every page in order, one request a page', async () => {
    const l = listing(4);
    const got: string[] = [];
    for await (const p of pagesAhead(l.fetch)) got.push(p);
    expect(got).to.deep.equal(['p0', 'p1', 'p2', 'p3']);
    expect(l.sent.map((s) => s.token)).to.deep.equal([undefined, '1', '2', '3']);
  });

  it("asks for the next page before this page's entries are read and handed on", async () => {
    const l = listing(3);
    const seen: Array<{ page: string; asked: number; read: number }> = [];
    for await (const page of pagesAhead(l.fetch)) seen.push({ page, asked: l.sent.length, read: l.read.length });
    expect(seen).to.deep.equal([
      { page: 'p0', asked: 2, read: 1 },
      { page: 'p1', asked: 3, read: 2 },
      { page: 'p2', asked: 3, read: 3 },
    ]);
  });

  it('with firstOnly hands on the first page alone, asking for nothing more', async () => {
    const l = listing(3);
    const got: string[] = [];
    for await (const p of pagesAhead(l.fetch, { firstOnly: true })) got.push(p);
    expect(got).to.deep.equal(['p0']);
    expect(l.sent.map((s) => s.token)).to.deep.equal([undefined]);
  });

  it('aborts the request sent ahead when the caller stops, and nothing else is sent', async () => {
    const l = listing(5);
    for await (const page of pagesAhead(l.fetch)) if (page === 'p1') break;
    expect(l.sent.map((s) => s.token)).to.deep.equal([undefined, '1', '2']);
    expect(l.sent[2]!.signal.aborted).to.equal(true);
    expect(l.read).to.deep.equal(['p0', 'p1']);
    await new Promise((r) => setTimeout(r, 10)); // the dropped request's failure is not unhandled
  });

  it("follows the caller's signal, and fails with a page's failure", async () => {
    const ac = new AbortController();
    const l = listing(3);
    const it = pagesAhead(l.fetch, { signal: ac.signal })[Symbol.asyncIterator]();
    expect((await it.next()).value).to.equal('p0');
    ac.abort(new Error('stopped'));
    expect(l.sent[1]!.signal.aborted).to.equal(true);
    const err = await it.next().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.have.property('message', 'stopped');
  });
});
