import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { FsError } from '@omnifs/core';
import { BufferPool, MultipartWriter, partBuffers, type MultipartTarget } from '@omnifs/core/backend';

/** A multipart target that records what it was asked to do. */
class RecordingTarget implements MultipartTarget<number> {
  single: Uint8Array | undefined;
  parts = new Map<number, Uint8Array>();
  completed: number[] | undefined;
  aborted = false;
  initiated = 0;
  inFlight = 0;
  maxInFlight = 0;
  failPart: number | undefined;

  async putSingle(data: Uint8Array): Promise<void> {
    this.single = data;
  }
  async initiate(): Promise<void> {
    this.initiated++;
  }
  async uploadPart(n: number, data: Uint8Array): Promise<number> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((r) => setTimeout(r, 2));
    this.inFlight--;
    if (n === this.failPart) throw new FsError({ kind: 'Unexpected', message: 'part failed' });
    this.parts.set(n, Uint8Array.from(data));
    return n;
  }
  async complete(parts: number[]): Promise<void> {
    this.completed = parts;
  }
  async abort(): Promise<void> {
    this.aborted = true;
  }
  joined(): Buffer {
    return Buffer.concat([...this.parts.keys()].sort((a, b) => a - b).map((k) => this.parts.get(k)!));
  }
}

async function writeAll(w: MultipartWriter<number>, data: Uint8Array, chunk: number): Promise<void> {
  for (let i = 0; i < data.byteLength; i += chunk) await w.write(data.subarray(i, i + chunk));
}

/** Fills `w` with `data` through `space` / `filled`, at most `step` bytes at a time; the buffers lent. */
async function fillAll(w: MultipartWriter<number>, data: Uint8Array, step: number): Promise<Set<ArrayBufferLike>> {
  const rooms = new Set<ArrayBufferLike>();
  for (let at = 0; at < data.byteLength;) {
    const room = w.space();
    rooms.add(room.buffer);
    const n = Math.min(step, room.byteLength, data.byteLength - at);
    room.set(data.subarray(at, at + n));
    at += n;
    await w.filled(n);
  }
  return rooms;
}

describe('core: MultipartWriter', () => {
  it('writes a file smaller than one part with a single put', async () => {
    const t = new RecordingTarget();
    const w = new MultipartWriter(t, { partSize: 1024 });
    await w.write(Buffer.from('small'));
    await w.close();
    expect(Buffer.from(t.single!).toString()).to.equal('small');
    expect(t.initiated).to.equal(0);
  });

  it('uploads exact-size parts in order and completes with all of them', async () => {
    const t = new RecordingTarget();
    const data = randomBytes(10_000);
    const w = new MultipartWriter(t, { partSize: 1000, concurrency: 3 });
    await writeAll(w, data, 333);
    await w.close();
    expect(t.completed).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const part of t.parts.values()) expect(part.byteLength).to.equal(1000);
    expect(t.joined().equals(data)).to.equal(true);
  });

  it('fills at most `concurrency` + 1 part buffers, each again once its upload ended', async () => {
    const t = new RecordingTarget();
    const buffers = new Set<ArrayBufferLike>();
    const upload = t.uploadPart.bind(t);
    t.uploadPart = (n, data) => {
      buffers.add(data.buffer);
      return upload(n, data);
    };
    const data = randomBytes(20_000);
    const w = new MultipartWriter(t, { partSize: 1000, concurrency: 3 });
    await writeAll(w, data, 300);
    await w.close();
    expect(t.parts.size).to.equal(20);
    expect(t.joined().equals(data)).to.equal(true);
    expect(buffers.size).to.be.within(2, 4);
  });

  it('sends a chunk that is exactly one part as it is, without a copy', async () => {
    const t = new RecordingTarget();
    const seen: Uint8Array[] = [];
    const upload = t.uploadPart.bind(t);
    t.uploadPart = (n, data) => {
      seen.push(data);
      return upload(n, data);
    };
    const data = randomBytes(3000);
    const w = new MultipartWriter(t, { partSize: 1000 });
    await writeAll(w, data, 1000);
    await w.close();
    expect(seen.map((d) => d.buffer === data.buffer)).to.deep.equal([true, true, true]);
    expect(t.joined().equals(data)).to.equal(true);
  });

  it('keeps at most `concurrency` parts in flight', async () => {
    const t = new RecordingTarget();
    const w = new MultipartWriter(t, { partSize: 100, concurrency: 2 });
    await writeAll(w, randomBytes(2000), 1000);
    await w.close();
    expect(t.maxInFlight).to.be.at.most(2);
    expect(t.maxInFlight).to.equal(2);
  });

  it('aborts the upload when a part fails, and reports the failure', async () => {
    const t = new RecordingTarget();
    t.failPart = 2;
    const w = new MultipartWriter(t, { partSize: 100, concurrency: 1 });
    let error: unknown;
    try {
      await writeAll(w, randomBytes(1000), 100);
      await w.close();
    } catch (e) {
      error = e;
    }
    expect((error as FsError).message).to.equal('part failed');
    await w.abort();
    expect(t.aborted).to.equal(true);
    expect(t.completed).to.equal(undefined);
  });

  it("reports the completion's failure, not the cleanup's, when aborting the upload then fails too", async () => {
    const t = new RecordingTarget();
    // The completion fails after the service carried it out; aborting the upload finds it gone.
    t.complete = async () => {
      throw new FsError({ kind: 'Aborted', message: 'aborted after the request was sent' });
    };
    t.abort = async () => {
      t.aborted = true;
      throw new FsError({ kind: 'NotFound', message: 'NoSuchUpload' });
    };
    const w = new MultipartWriter(t, { partSize: 100 });
    await writeAll(w, randomBytes(450), 150);
    const err = await w.close().then(
      () => undefined,
      (e: unknown) => e as FsError,
    );
    expect(err?.kind).to.equal('Aborted');
    expect(err?.message).to.equal('aborted after the request was sent');
    expect(t.aborted).to.equal(true);
  });

  it('abort() after some parts cancels the upload', async () => {
    const t = new RecordingTarget();
    const w = new MultipartWriter(t, { partSize: 100 });
    await writeAll(w, randomBytes(450), 150);
    await w.abort();
    expect(t.aborted).to.equal(true);
    expect(t.completed).to.equal(undefined);
  });

  it('refuses writes after close', async () => {
    const w = new MultipartWriter(new RecordingTarget(), { partSize: 100 });
    await w.close();
    let kind: string | undefined;
    await w.write(Buffer.from('x')).catch((e: FsError) => {
      kind = e.kind;
    });
    expect(kind).to.equal('InvalidArgument');
  });

  it('rejects a non-positive part size', () => {
    expect(() => new MultipartWriter(new RecordingTarget(), { partSize: 0 })).to.throw(FsError, /positive/);
  });

  describe('filled in place (space / filled)', () => {
    /** Fills `w` from `data` the way a file read does: up to `step` bytes into each room lent. */
    it('uploads the parts filled in place, byte-exact, the last one short', async () => {
      const t = new RecordingTarget();
      const data = randomBytes(10_500);
      const w = new MultipartWriter(t, { partSize: 1000, concurrency: 3 });
      await fillAll(w, data, 700);
      await w.close();
      expect(t.completed).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      expect([...t.parts.values()].map((p) => p.byteLength)).to.deep.equal([...Array(10).fill(1000), 500]);
      expect(t.joined().equals(data)).to.equal(true);
    });

    it('lends at most `concurrency` + 1 part buffers, each again once its upload ended', async () => {
      const t = new RecordingTarget();
      const sent = new Set<ArrayBufferLike>();
      const upload = t.uploadPart.bind(t);
      t.uploadPart = (n, data) => {
        sent.add(data.buffer);
        return upload(n, data);
      };
      const data = randomBytes(20_000);
      const w = new MultipartWriter(t, { partSize: 1000, concurrency: 3 });
      const rooms = await fillAll(w, data, 1000);
      await w.close();
      expect(t.joined().equals(data)).to.equal(true);
      // The parts went out in the very buffers lent: nothing was copied.
      expect([...sent].every((b) => rooms.has(b))).to.equal(true);
      expect(rooms.size).to.be.within(2, 4);
    });

    it('writes a file smaller than one part with a single put', async () => {
      const t = new RecordingTarget();
      const w = new MultipartWriter(t, { partSize: 1024 });
      await fillAll(w, Buffer.from('small'), 2);
      await w.close();
      expect(Buffer.from(t.single!).toString()).to.equal('small');
      expect(t.initiated).to.equal(0);
    });

    it('refuses more bytes than the room lent, and writes mixed with fills', async () => {
      const w = new MultipartWriter(new RecordingTarget(), { partSize: 100 });
      expect(w.space().byteLength).to.equal(100);
      await w.filled(60);
      expect(w.space().byteLength).to.equal(40);
      for (const bad of [41, -1, 1.5]) {
        const e = await w.filled(bad).catch((err: unknown) => err);
        expect(e, String(bad)).to.be.instanceOf(FsError).with.property('kind', 'InvalidArgument');
      }
      const e = await w.write(Buffer.from('x')).catch((err: unknown) => err);
      expect(e).to.be.instanceOf(FsError).with.property('kind', 'InvalidArgument');
      const written = new MultipartWriter(new RecordingTarget(), { partSize: 100 });
      await written.write(Buffer.from('x'));
      expect(() => written.space()).to.throw(FsError, /being written/);
    });

    it('aborts the upload when a part fails, and leaves nothing', async () => {
      const t = new RecordingTarget();
      t.failPart = 2;
      const w = new MultipartWriter(t, { partSize: 100, concurrency: 1 });
      const error = await fillAll(w, randomBytes(1000), 100)
        .then(() => w.close())
        .catch((err: unknown) => err);
      expect(error).to.be.instanceOf(FsError).with.property('message', 'part failed');
      await w.abort();
      expect(t.aborted).to.equal(true);
      expect(t.completed).to.equal(undefined);
    });
  });
});

describe('core: BufferPool', () => {
  it('gives back the buffers it was given, by size, up to its bound', () => {
    const pool = new BufferPool(3000);
    const a = pool.take(1000);
    expect(a.byteLength).to.equal(1000);
    pool.give(a);
    pool.give(a);
    expect(pool.heldBytes).to.equal(1000);
    expect(pool.take(1000)).to.equal(a);
    expect(pool.take(1000)).to.not.equal(a);
    expect(pool.take(500).byteLength).to.equal(500);

    for (let i = 0; i < 4; i++) pool.give(Buffer.allocUnsafeSlow(1000));
    expect(pool.heldBytes).to.equal(3000);
    pool.give(Buffer.alloc(1000)); // a view into Node's shared slab is not the pool's to keep
    pool.give(Buffer.allocUnsafeSlow(2000).subarray(0, 1000));
    expect(pool.heldBytes).to.equal(3000);
    pool.clear();
    expect(pool.heldBytes).to.equal(0);
  });

  it('keeps the sizes taken lately when one it does not hold is taken, and drops the others', async () => {
    const pool = new BufferPool(10_000, 200);
    const parts = [pool.take(1000), pool.take(1000)];
    const windows = [pool.take(300), pool.take(300)];
    for (const b of [...parts, ...windows]) pool.give(b);
    // Both sizes taken within the last 100 ms: a third size drops neither.
    pool.take(50);
    expect(pool.heldBytes).to.equal(2600);
    await new Promise((r) => setTimeout(r, 130));
    expect(pool.take(300)).to.equal(windows[1]);
    // 1000 and 50 were last taken over 100 ms ago: work moved on from them.
    pool.take(70);
    expect(pool.heldBytes).to.equal(300);
    expect(pool.take(300)).to.equal(windows[0]);
  });

  it('drops what it holds once idle', async () => {
    const pool = new BufferPool(10_000, 20);
    pool.give(Buffer.allocUnsafeSlow(100));
    expect(pool.heldBytes).to.equal(100);
    await new Promise((r) => setTimeout(r, 60));
    expect(pool.heldBytes).to.equal(0);
  });
});

describe('core: MultipartWriter part buffers', () => {
  beforeEach(() => partBuffers.clear());
  after(() => partBuffers.clear());

  it('takes its part buffers from the shared pool, and the next writer reuses them', async () => {
    const t1 = new RecordingTarget();
    const first = new MultipartWriter(t1, { partSize: 4096, concurrency: 2 });
    const data1 = randomBytes(5 * 4096 + 7);
    const rooms = await fillAll(first, data1, 4096);
    await first.close();
    expect(t1.joined().equals(data1)).to.equal(true);
    expect(partBuffers.heldBytes).to.be.greaterThan(0);
    const t2 = new RecordingTarget();
    const second = new MultipartWriter(t2, { partSize: 4096, concurrency: 2 });
    expect(rooms.has(second.space().buffer)).to.equal(true);
    const data2 = randomBytes(3 * 4096);
    await second.abort();
    const third = new MultipartWriter(t2, { partSize: 4096, concurrency: 2 });
    await fillAll(third, data2, 4096);
    await third.close();
    expect(t2.joined().equals(data2)).to.equal(true);
    expect(t1.joined().equals(data1)).to.equal(true);
  });

  it('gives a part buffer back only once the upload reading it has ended', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const seen: Uint8Array[] = [];
    const t = new RecordingTarget();
    t.uploadPart = async (n, data) => {
      seen.push(data);
      await gate;
      return n;
    };
    const w = new MultipartWriter(t, { partSize: 4096, concurrency: 4 });
    const room = w.space();
    room.fill(7);
    await w.filled(4096);
    const aborting = w.abort();
    await new Promise((r) => setTimeout(r, 10));
    expect(partBuffers.heldBytes, 'still read by its upload').to.equal(0);
    open();
    await aborting;
    expect(partBuffers.heldBytes).to.equal(4096);
    expect(seen).to.have.length(1);
    expect(seen[0]!.every((b) => b === 7)).to.equal(true);
  });
});
