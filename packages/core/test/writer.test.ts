import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { FsError } from '@omnifs/core';
import { MultipartWriter, type MultipartTarget } from '@omnifs/core/backend';

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
