/** Reads pinned to an ETag, checked on the answer: a store that ignores If-Match is caught. */
import { expect } from 'chai';
import { expectFsError } from '@omnifs/testkit';
import {
  bytesBody,
  checkPinnedAnswer,
  checkPinnedHeaders,
  rangedSink,
  readRangesAll,
  sameEtag,
  type BodySink,
  type FetchRange,
} from '@omnifs/core/backend';

const sink: BodySink = { length: 4, windows: [new Uint8Array(4), new Uint8Array(4)], write: async () => undefined };

/** A store of `versions` (bytes by ETag) that answers every range with the newest, whatever If-Match says. */
function ignoringIfMatch(versions: Array<[string, Uint8Array]>): FetchRange {
  let served = 0;
  return async (start, end) => {
    const [etag, bytes] = versions[Math.min(served++, versions.length - 1)]!;
    const part = bytes.subarray(start, Math.min(end, bytes.byteLength));
    return { body: bytesBody(part), total: bytes.byteLength, etag };
  };
}

describe('core: reads pinned to an ETag', () => {
  it('compares ETags whatever their quotes and weak prefix', () => {
    expect(sameEtag('"abc"', 'abc')).to.equal(true);
    expect(sameEtag('W/"abc"', '"abc"')).to.equal(true);
    expect(sameEtag('"0x8D1"', '"0x8D2"')).to.equal(false);
  });

  it('fails an answer of another version with ConditionNotMatch naming both, and passes what it cannot tell', async () => {
    const err = await expectFsError(
      Promise.resolve().then(() => checkPinnedAnswer('"new"', 'old')),
      'ConditionNotMatch',
      'ESTALE',
    );
    expect(err.message).to.include('old').and.include('"new"').and.include('If-Match');
    for (const [answered, pinned] of [
      [undefined, 'old'],
      ['', 'old'],
      ['"new"', undefined],
      ['"old"', 'old'],
    ] as const)
      expect(() => checkPinnedAnswer(answered, pinned)).to.not.throw();
  });

  it('releases the body of an answer it fails', () => {
    let destroyed = 0;
    const answer = { headers: { etag: '"new"' }, body: { destroy: () => destroyed++ } };
    expect(() => checkPinnedHeaders(answer, '"old"')).to.throw('ignored If-Match');
    expect(destroyed).to.equal(1);
    checkPinnedHeaders({ ...answer, headers: { etag: 'old' } }, '"old"');
    expect(destroyed).to.equal(1);
  });

  it('puts no answer of another version into a ranged read sink', () => {
    const range = { 'content-range': 'bytes 8-11/20' };
    const take = rangedSink(sink, 8, '"old"');
    expect(take(206, { ...range, etag: '"old"' })).to.equal(sink);
    expect(take(206, range)).to.equal(sink);
    expect(take(206, { ...range, etag: '"new"' })).to.equal(undefined);
    expect(rangedSink(sink, 8)(206, { ...range, etag: '"new"' })).to.equal(sink);
  });

  it('fails a read in ranges whose later range came from a newer version', async () => {
    const old = new Uint8Array(10).fill(1);
    const replacement = new Uint8Array(10).fill(2);
    const fetch = ignoringIfMatch([
      ['"v1"', old],
      ['"v2"', replacement],
    ]);
    await expectFsError(readRangesAll(fetch, 0, undefined, { partSize: 4, concurrency: 2 }), 'ConditionNotMatch');
    // One version throughout: read as it is.
    const same = ignoringIfMatch([['"v1"', old]]);
    expect(await readRangesAll(same, 0, undefined, { partSize: 4, concurrency: 2 })).to.deep.equal(old);
  });

  it('fails a read pinned to a version the first answer does not have', async () => {
    const fetch = ignoringIfMatch([['"v2"', new Uint8Array(10)]]);
    await expectFsError(
      readRangesAll(fetch, 0, undefined, { partSize: 4, concurrency: 2, etag: 'v1' }),
      'ConditionNotMatch',
    );
  });
});
