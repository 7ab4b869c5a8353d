/** Ranged reads checked against their answer's Content-Range: another range is never taken for the one asked. */
import { expect } from 'chai';
import { expectFsError } from '@omnifs/testkit';
import {
  bytesBody,
  checkRangeAnswer,
  checkRangeHeaders,
  collectBytes,
  cutWhole,
  parseContentRange,
  rangedSink,
  type BodySink,
} from '@omnifs/core/backend';

const sink: BodySink = { length: 4, windows: [new Uint8Array(4), new Uint8Array(4)], write: async () => undefined };
const ranged = (contentRange: string | undefined, contentLength?: number) => ({
  status: 206,
  contentRange,
  ...(contentLength !== undefined ? { contentLength } : {}),
});

describe('core: ranged reads checked against their answer', () => {
  it('reads bytes first-last/total, and nothing else', () => {
    expect(parseContentRange('bytes 0-9/100')).to.deep.equal({ first: 0, last: 9, total: 100 });
    expect(parseContentRange('bytes 5-5/*')).to.deep.equal({ first: 5, last: 5, total: undefined });
    expect(parseContentRange('bytes 10-9/10')).to.deep.equal({ first: 10, last: 9, total: 10 });
    for (const bad of [
      undefined,
      '',
      'bytes */100',
      'bytes 9-0/100',
      'bytes 10-9/100',
      'bytes 10-9/*',
      'bytes 0-100/100',
      'items 0-9/100',
      'bytes 0-9',
    ])
      expect(parseContentRange(bad), String(bad)).to.equal(undefined);
  });

  it('takes the range asked for, cut by the end of the object, and a whole object as whole', () => {
    expect(checkRangeAnswer(ranged('bytes 10-19/100', 10), 10, 20)).to.deep.equal({ whole: false, total: 100 });
    // The object ends before the end asked for.
    expect(checkRangeAnswer(ranged('bytes 90-99/100'), 90, 200)).to.deep.equal({ whole: false, total: 100 });
    expect(checkRangeAnswer(ranged('bytes 90-99/100'), 90, undefined)).to.deep.equal({ whole: false, total: 100 });
    // An object of unknown size may end anywhere before the end asked for.
    expect(checkRangeAnswer(ranged('bytes 90-94/*'), 90, 100)).to.deep.equal({ whole: false, total: undefined });
    // No bytes from the object's end.
    expect(checkRangeAnswer(ranged('bytes 100-99/100', 0), 100, undefined)).to.deep.equal({ whole: false, total: 100 });
    expect(checkRangeAnswer({ status: 200, contentRange: undefined, contentLength: 100 }, 10, 20)).to.deep.equal({
      whole: true,
    });
    // A body's length in another encoding is not compared.
    expect(checkRangeAnswer({ ...ranged('bytes 0-9/100', 4), contentEncoding: 'gzip' }, 0, 10).whole).to.equal(false);
  });

  it('fails another range with EIO, naming both, and releases the body', async () => {
    const cases: Array<[ReturnType<typeof ranged>, number, number | undefined]> = [
      [ranged('bytes 0-19/100'), 10, 20], // another start
      [ranged('bytes 10-14/100'), 10, 20], // short of the end asked for
      [ranged('bytes 10-24/100'), 10, 20], // past it
      [ranged('bytes 10-49/100'), 10, undefined], // short of the object's end
      [ranged('bytes 10-19/100', 5), 10, 20], // a body of another length
      [ranged(undefined), 10, 20], // no Content-Range at all
      [ranged('bytes 10-19'), 10, 20], // unreadable
      [ranged('bytes 90-104/*'), 90, 100], // past the end asked for, size unknown
    ];
    for (const [head, start, end] of cases) {
      let released = 0;
      const err = await expectFsError(
        (async () => checkRangeAnswer(head, start, end, () => released++))(),
        'Unexpected',
        'EIO',
      );
      expect(err.message).to.include(`asked for bytes ${start}-${end === undefined ? '' : end - 1}`);
      expect(released, String(head.contentRange)).to.equal(1);
    }
  });

  it('checks an answer by its headers, releasing its streamed body when it fails', () => {
    let destroyed = 0;
    const answer = { status: 206, headers: { 'content-range': 'bytes 0-3/8' }, body: { destroy: () => destroyed++ } };
    expect(() => checkRangeHeaders(answer, 4, 8)).to.throw('another range');
    expect(destroyed).to.equal(1);
    expect(checkRangeHeaders({ ...answer, headers: { 'content-range': 'bytes 4-7/8' } }, 4, 8).total).to.equal(8);
  });

  it('puts only the range asked for into a sink', () => {
    const take = rangedSink(sink, 8);
    expect(take(206, { 'content-range': 'bytes 8-11/20' })).to.equal(sink);
    expect(take(206, { 'content-range': 'bytes 8-9/10' })).to.equal(sink); // the object ends first
    expect(take(206, { 'content-range': 'bytes 0-11/20' })).to.equal(undefined);
    expect(take(206, { 'content-range': 'bytes 8-9/20' })).to.equal(undefined);
    expect(take(206, {})).to.equal(undefined);
    expect(take(200, {})).to.equal(undefined); // the whole object: cut from the offset by the caller
  });

  it('cuts a whole answer to the range, in hand or streamed', async () => {
    const whole = Uint8Array.from({ length: 20 }, (_, i) => i);
    expect(cutWhole(whole, 5, 9)).to.deep.equal(whole.subarray(5, 9));
    expect(cutWhole(whole, 25, undefined)).to.deep.equal(new Uint8Array(0));
    let destroyed = 0;
    const body = Object.assign(bytesBody(Buffer.from(whole)), { destroy: () => destroyed++ });
    const cut = cutWhole(body, 5, undefined);
    expect(cut).to.not.be.instanceOf(Uint8Array);
    expect(await collectBytes(cut as AsyncIterable<Uint8Array>)).to.deep.equal(whole.subarray(5));
    (cut as { destroy: () => void }).destroy();
    expect(destroyed).to.equal(1);
  });
});
