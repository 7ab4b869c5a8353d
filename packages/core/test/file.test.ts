import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { RemoteFile, FsError } from '@omnifs/core';
import { type BlockSource } from '@omnifs/core/backend';
import { MemoryFileSystem } from '@omnifs/memory';

/** A block source over a buffer that counts its reads. */
function source(data: Buffer): BlockSource & { reads: Array<[number, number]> } {
  const reads: Array<[number, number]> = [];
  return {
    size: data.byteLength,
    reads,
    async read(start: number, end: number) {
      reads.push([start, end]);
      return data.subarray(start, end);
    },
  };
}

describe('core: RemoteFile', () => {
  const data = randomBytes(10_000);

  it('serves small sequential reads from cached blocks', async () => {
    const src = source(data);
    const f = new RemoteFile('/f', 'rb', src, undefined, { blockSize: 4096 });
    const parts: Uint8Array[] = [];
    for (let i = 0; i < 100; i++) parts.push(await f.read(100));
    expect(Buffer.concat(parts).equals(data.subarray(0, 10_000))).to.equal(true);
    expect(src.reads).to.deep.equal([
      [0, 4096],
      [4096, 8192],
      [8192, 10_000],
    ]);
  });

  it('gives reads made together consecutive ranges, in the order they were made', async () => {
    const fs = new MemoryFileSystem({ store: 'private' });
    await fs.writeText('/f.txt', '0123456789abcdefghijKLMNOP');
    const f = await fs.open('/f.txt', 'rb', { blockSize: 4 });
    const [a, b] = await Promise.all([f.read(10), f.read(10)]);
    expect([String(a), String(b), f.tell()]).to.deep.equal(['0123456789', 'abcdefghij', 20]);
    expect(String(await f.read(100))).to.equal('KLMNOP');
    await f.close();

    // A read that fails gives its range back.
    let fail = true;
    const flaky: BlockSource = {
      size: data.byteLength,
      read: async (start, end) => {
        if (fail) throw new FsError({ kind: 'Unexpected', message: 'injected' });
        return data.subarray(start, end);
      },
    };
    const g = new RemoteFile('/g', 'rb', flaky, undefined, { blockSize: 4096 });
    g.seek(100);
    await g.read(50).then(
      () => expect.fail('read should fail'),
      (e: FsError) => expect(e.kind).to.equal('Unexpected'),
    );
    expect(g.tell()).to.equal(100);
    fail = false;
    expect((await g.read(50)).equals(data.subarray(100, 150))).to.equal(true);
  });

  it('reads the rest for no count, null or a negative one, and refuses a count that is not a whole number', async () => {
    const f = new RemoteFile('/f', 'rb', source(data), undefined, { blockSize: 4096 });
    for (const n of [undefined, null, -1]) {
      f.seek(9990);
      expect((await f.read(n)).equals(data.subarray(9990))).to.equal(true);
    }
    f.seek(0);
    for (const n of [NaN, 2.5, Infinity]) {
      const e = await f.read(n).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(e).to.be.instanceOf(FsError).with.property('kind', 'InvalidArgument');
    }
    expect(f.tell()).to.equal(0);
  });

  it('seeks from the start, the current position and the end', async () => {
    const f = new RemoteFile('/f', 'rb', source(data), undefined, { blockSize: 1024 });
    expect(f.seek(100)).to.equal(100);
    expect(f.seek(50, 1)).to.equal(150);
    expect(Buffer.from(await f.read(10)).equals(data.subarray(150, 160))).to.equal(true);
    expect(f.seek(-10, 2)).to.equal(9990);
    expect(Buffer.from(await f.read()).equals(data.subarray(9990))).to.equal(true);
    expect((await f.read(5)).byteLength).to.equal(0);
    expect(f.tell()).to.equal(10_000);
  });

  it('keeps no more blocks than cacheBlocks', async () => {
    const src = source(data);
    const f = new RemoteFile('/f', 'rb', src, undefined, { blockSize: 1000, cacheBlocks: 2 });
    await f.read(3000); // blocks 0,1,2 - only 1 and 2 kept
    f.seek(0);
    await f.read(10);
    expect(src.reads.filter(([s]) => s === 0)).to.have.length(2);
  });

  it('iterates the rest of the file in blocks', async () => {
    const f = new RemoteFile('/f', 'rb', source(data), undefined, { blockSize: 4000 });
    f.seek(1000);
    const chunks: Uint8Array[] = [];
    for await (const c of f) chunks.push(c);
    expect(chunks.map((c) => c.byteLength)).to.deep.equal([4000, 4000, 1000]);
    expect(Buffer.concat(chunks).equals(data.subarray(1000))).to.equal(true);
  });

  it('refuses bad seeks and I/O after close', async () => {
    const f = new RemoteFile('/f', 'rb', source(data), undefined);
    expect(() => f.seek(-1)).to.throw(FsError, /negative/);
    expect(() => f.seek(1.5)).to.throw(FsError, /integer/);
    expect(() => f.seek(0, 7 as 0)).to.throw(FsError, /whence/);
    await f.close();
    let kind: string | undefined;
    await f.read(1).catch((e: FsError) => {
      kind = e.kind;
    });
    expect(kind).to.equal('InvalidArgument');
  });

  it('cannot be written in read mode', async () => {
    const f = new RemoteFile('/f', 'rb', source(data), undefined);
    let kind: string | undefined;
    await f.write('x').catch((e: FsError) => {
      kind = e.kind;
    });
    expect(kind).to.equal('Unsupported');
  });
});
