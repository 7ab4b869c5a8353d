/** Large files copied in concurrent ranged parts, written in place on local disk. */
import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { expectFsError } from '@omnifs/testkit';
import {
  BlockCacheFileSystem,
  DirFileSystem,
  FsError,
  LimitFileSystem,
  ListingCacheFileSystem,
  RetryFileSystem,
  SimpleCacheFileSystem,
  TimeoutFileSystem,
  type FileSystem,
  type Progress,
} from '@omnifs/core';
import {
  fillSink,
  localFileSystem,
  partBuffers,
  readRanges,
  readRangesAll,
  type BodySink,
  type FetchRange,
} from '@omnifs/core/backend';
import { IntoFileSystem, PartedFileSystem, privateMemory } from './helpers';

const PART = 64 * 1024;

/**
 * How a copy in parts ends early, whichever way its parts are read: a file that shrinks
 * meanwhile fails, an abort stops it, and neither leaves a file behind.
 */
function endingTests(
  setup: () => { src: PartedFileSystem; mem: FileSystem; data: Buffer; dir: string; parts: number },
): void {
  it('fails with ConditionNotMatch and leaves nothing when the file shrinks during the copy', async () => {
    const { src, mem, data, dir } = setup();
    let shrunk = false;
    await expectFsError(
      src.get('/big.bin', join(dir, 'big.bin'), {
        onProgress: () => {
          if (shrunk) return;
          shrunk = true;
          void mem.pipeFile('/big.bin', data.subarray(0, PART + 10));
        },
      }),
      'ConditionNotMatch',
      'ESTALE',
    );
    expect(readdirSync(dir)).to.deep.equal([]);
  });

  it('stops on abort with Aborted and leaves no file, temporary or final', async () => {
    const { src, dir, parts } = setup();
    const controller = new AbortController();
    await expectFsError(
      src.get('/big.bin', join(dir, 'big.bin'), {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.bytes > 0) controller.abort();
        },
      }),
      'Aborted',
      'ABORT_ERR',
    );
    expect(readdirSync(dir)).to.deep.equal([]);
    expect(src.ranges.length).to.be.below(parts);
  });
}

describe('core: copies in parts', () => {
  let mem: FileSystem;
  let src: PartedFileSystem;
  let dir: string;
  let data: Buffer;
  beforeEach(async () => {
    mem = privateMemory();
    src = new PartedFileSystem({ fs: mem, partSize: PART, concurrency: 3 });
    data = randomBytes(5 * PART - 12_345);
    await mem.pipeFile('/big.bin', data);
    dir = mkdtempSync(join(tmpdir(), 'omnifs-parts-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gets a large file as one ranged read per part, several at once, byte-exact', async () => {
    await src.get('/big.bin', join(dir, 'big.bin'));
    expect(readFileSync(join(dir, 'big.bin')).equals(data)).to.equal(true);
    expect(src.ranges.map(([s, e]) => [s, e]).sort((a, b) => a[0]! - b[0]!)).to.deep.equal(
      [0, 1, 2, 3, 4].map((i) => [i * PART, Math.min((i + 1) * PART, data.byteLength)]),
    );
    expect(src.maxStreamsOpen).to.equal(3);
    expect(readdirSync(dir)).to.deep.equal(['big.bin']);
  });

  it('reads readConcurrency parts at once where the source declares it, concurrency aside', async () => {
    const wide = new PartedFileSystem({ fs: mem, partSize: PART, concurrency: 1, readConcurrency: 5 });
    await wide.get('/big.bin', join(dir, 'wide.bin'));
    expect(readFileSync(join(dir, 'wide.bin')).equals(data)).to.equal(true);
    expect(wide.ranges).to.have.length(5);
    expect(wide.maxStreamsOpen).to.equal(5);
    const one = new PartedFileSystem({ fs: mem, partSize: PART, concurrency: 4, readConcurrency: 1 });
    await one.get('/big.bin', join(dir, 'one.bin'));
    expect(readFileSync(join(dir, 'one.bin')).equals(data)).to.equal(true);
    expect(one.ranges).to.deep.equal([[0, undefined]]);
  });

  it('reads parts of readPartSize where the source declares it, partSize aside', async () => {
    const large = new PartedFileSystem({ fs: mem, partSize: PART, concurrency: 3, readPartSize: 2 * PART });
    await large.get('/big.bin', join(dir, 'large.bin'));
    expect(readFileSync(join(dir, 'large.bin')).equals(data)).to.equal(true);
    expect(large.ranges.map(([s, e]) => [s, e]).sort((a, b) => a[0]! - b[0]!)).to.deep.equal(
      [0, 1, 2].map((i) => [i * 2 * PART, Math.min((i + 1) * 2 * PART, data.byteLength)]),
    );
    // A file of one read part or less is one stream.
    await mem.pipeFile('/two.bin', data.subarray(0, 2 * PART));
    large.ranges.length = 0;
    await large.get('/two.bin', join(dir, 'two.bin'));
    expect(large.ranges).to.deep.equal([[0, undefined]]);
  });

  it('reports progress that grows to the file size', async () => {
    const seen: Progress[] = [];
    await src.get('/big.bin', join(dir, 'big.bin'), { onProgress: (p) => seen.push(p) });
    expect(seen.at(-1)).to.deep.include({
      bytes: data.byteLength,
      totalBytes: data.byteLength,
      files: 1,
      totalFiles: 1,
    });
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.bytes).to.be.at.least(seen[i - 1]!.bytes);
  });

  it('copies a file of one part or less as one stream', async () => {
    await mem.pipeFile('/small.bin', data.subarray(0, PART));
    await src.get('/small.bin', join(dir, 'small.bin'));
    expect(readFileSync(join(dir, 'small.bin')).equals(data.subarray(0, PART))).to.equal(true);
    expect(src.ranges).to.deep.equal([[0, undefined]]);
  });

  it('replaces an existing target only once every part has arrived', async () => {
    writeFileSync(join(dir, 'big.bin'), 'old');
    src.breakStreamAfter = 1000;
    src.failures = 1;
    src.temporary = false;
    await expectFsError(src.get('/big.bin', join(dir, 'big.bin')), 'Unexpected', 'EIO');
    expect(readFileSync(join(dir, 'big.bin'), 'utf8')).to.equal('old');
    expect(readdirSync(dir)).to.deep.equal(['big.bin']);
  });

  endingTests(() => ({ src, mem, data, dir, parts: 5 }));

  it('resumes a part that breaks off through the retry layer', async () => {
    src.breakStreamAfter = 10_000;
    src.failures = 3;
    const retrying = new RetryFileSystem({ fs: src, minDelayMs: 1 });
    expect(retrying.capabilities.concurrency).to.equal(3);
    await retrying.get('/big.bin', join(dir, 'big.bin'));
    expect(readFileSync(join(dir, 'big.bin')).equals(data)).to.equal(true);
    expect(src.failures).to.equal(0);
  });

  describe('openRandomWriter', () => {
    const local = (): FileSystem => localFileSystem();

    it('takes parts out of order and commits them on close', async () => {
      const target = join(dir, 'sub', 'out.bin');
      const w = await local().openRandomWriter(target);
      await Promise.all([w.writeAt(data.subarray(PART), PART), w.writeAt(data.subarray(0, PART), 0)]);
      expect(readdirSync(join(dir, 'sub')).some((n) => n === 'out.bin')).to.equal(false);
      await w.close();
      expect(readFileSync(target).equals(data)).to.equal(true);
      expect(readdirSync(join(dir, 'sub'))).to.deep.equal(['out.bin']);
    });

    it('writes one at a time in the order asked: the last of overlapping writes wins', async () => {
      const target = join(dir, 'out.bin');
      const w = await local().openRandomWriter(target);
      const size = 256 * 1024;
      const chunks = Array.from({ length: 20 }, (_, i) => Buffer.alloc(size, i + 1));
      // Count this writer's file-handle writes in flight at once (its chunks only).
      const proto = Object.getPrototypeOf(await open(join(dir, 'probe'), 'w').then(async (h) => (await h.close(), h)));
      const write = proto.write as (...args: unknown[]) => Promise<unknown>;
      let inFlight = 0;
      let most = 0;
      proto.write = async function (this: unknown, ...args: unknown[]) {
        const ours = (chunks as Uint8Array[]).includes(args[0] as Uint8Array);
        if (ours) most = Math.max(most, ++inFlight);
        try {
          return await write.apply(this, args);
        } finally {
          if (ours) inFlight--;
        }
      };
      const settled: number[] = [];
      try {
        await Promise.all(chunks.map((c, i) => w.writeAt(c, (i % 4) * 1024).then(() => settled.push(i))));
      } finally {
        proto.write = write;
      }
      await w.close();
      expect(most).to.equal(1);
      expect(settled).to.deep.equal(Array.from({ length: 20 }, (_, i) => i));
      const got = readFileSync(target);
      expect(got.length).to.equal(3 * 1024 + size);
      // Write 19 (at 3 KiB) came last; below it, write 18 (at 2 KiB), 17 (1 KiB), 16 (0).
      expect([got[0], got[1024], got[2048], got[3072], got[3072 + size - 1]]).to.deep.equal([17, 18, 19, 20, 20]);
    });

    it('leaves nothing behind on abort', async () => {
      const w = await local().openRandomWriter(join(dir, 'out.bin'));
      await w.writeAt(data.subarray(0, 100), 0);
      await w.abort();
      expect(readdirSync(dir)).to.deep.equal([]);
    });

    it('refuses bad positions, writes after close, an existing file in create mode and a directory', async () => {
      const w = await local().openRandomWriter(join(dir, 'out.bin'));
      await expectFsError(w.writeAt(data.subarray(0, 1), -1), 'InvalidArgument', 'EINVAL');
      await expectFsError(w.writeAt(data.subarray(0, 1), 0.5), 'InvalidArgument', 'EINVAL');
      await w.close();
      await expectFsError(w.writeAt(data.subarray(0, 1), 0), 'InvalidArgument', 'EINVAL');
      await expectFsError(
        local().openRandomWriter(join(dir, 'out.bin'), { mode: 'create' }),
        'AlreadyExists',
        'EEXIST',
      );
      await expectFsError(local().openRandomWriter(dir), 'IsADirectory', 'EISDIR');
      await expectFsError(local().openRandomWriter(''), 'InvalidArgument', 'EINVAL');
    });

    it('is Unsupported where the backend writes files in order only', async () => {
      const e = await expectFsError(mem.openRandomWriter('/x.bin'), 'Unsupported', 'ENOTSUP');
      expect(e.message).to.match(/random offsets/);
    });
  });

  it('refuses an etag that is not a non-empty string with InvalidArgument', async () => {
    await expectFsError(mem.catFile('/big.bin', { etag: 42 as unknown as string }), 'InvalidArgument', 'EINVAL');
    await expectFsError(mem.readChunks('/big.bin', { etag: '' }).next(), 'InvalidArgument', 'EINVAL');
  });
});

describe('core: reads stopped early', () => {
  let src: PartedFileSystem;
  beforeEach(async () => {
    const mem = privateMemory();
    src = new PartedFileSystem({ fs: mem, partSize: PART, concurrency: 3 });
    await mem.pipeFile('/big.bin', randomBytes(5 * PART));
  });

  it("close the backend's stream, stopped by a break or by destroying the stream", async () => {
    for await (const chunk of src.readChunks('/big.bin')) {
      expect(chunk.byteLength).to.be.greaterThan(0);
      break;
    }
    await new Promise((r) => setTimeout(r, 10));
    expect(src.streamsOpen, 'after a break').to.equal(0);
    const stream = src.createReadStream('/big.bin');
    await new Promise((r) => stream.once('data', r));
    stream.destroy();
    await new Promise((r) => stream.once('close', r));
    await new Promise((r) => setTimeout(r, 10));
    expect(src.streamsOpen, 'after destroy').to.equal(0);
    expect(src.ranges.every(([s]) => s === 0)).to.equal(true);
  });
});

describe('core: copies in parts read straight into part buffers (_readInto)', () => {
  let mem: FileSystem;
  let src: IntoFileSystem;
  let dir: string;
  let data: Buffer;
  beforeEach(async () => {
    mem = privateMemory();
    src = new IntoFileSystem({ fs: mem, partSize: PART, concurrency: 3 });
    data = randomBytes(7 * PART - 12_345);
    await mem.pipeFile('/big.bin', data);
    dir = mkdtempSync(join(tmpdir(), 'omnifs-into-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gets a large file byte-exact, each part read into one of a few buffers used again', async () => {
    const seen: Progress[] = [];
    await src.get('/big.bin', join(dir, 'big.bin'), { onProgress: (p) => seen.push(p) });
    expect(readFileSync(join(dir, 'big.bin')).equals(data)).to.equal(true);
    expect([...src.buffers.values()].reduce((a, b) => a + b, 0)).to.equal(7);
    // One buffer per part in flight, each filled again: never one per part.
    expect(src.buffers.size).to.be.within(1, 3);
    expect(seen.at(-1)).to.deep.include({ bytes: data.byteLength, totalBytes: data.byteLength, files: 1 });
    expect(readdirSync(dir)).to.deep.equal(['big.bin']);
  });

  it('gives its windows back to the shared pool once the copy ended: the next file reuses them', async () => {
    partBuffers.clear();
    await src.get('/big.bin', join(dir, 'first.bin'));
    // What the pool holds now: the first copy's windows (1 MiB + 256 KiB each).
    const held = partBuffers.heldBytes;
    expect(held).to.be.greaterThan(0);
    const windows: Buffer[] = [];
    while (partBuffers.heldBytes > 0) windows.push(partBuffers.take(1.25 * 1024 * 1024));
    expect(windows.length * 1.25 * 1024 * 1024).to.equal(held);
    for (const w of windows) partBuffers.give(w);
    src.buffers.clear();
    await src.get('/big.bin', join(dir, 'second.bin'));
    const pooled = new Set<ArrayBufferLike>(windows.map((w) => w.buffer));
    expect([...src.buffers.keys()].every((b) => pooled.has(b))).to.equal(true);
    expect(partBuffers.heldBytes).to.equal(held);
    expect(readFileSync(join(dir, 'first.bin')).equals(data)).to.equal(true);
    expect(readFileSync(join(dir, 'second.bin')).equals(data)).to.equal(true);
    partBuffers.clear();
  });

  it('streams the parts where the backend declines to read into buffers', async () => {
    src.readsInto = false;
    await src.get('/big.bin', join(dir, 'big.bin'));
    expect(readFileSync(join(dir, 'big.bin')).equals(data)).to.equal(true);
    expect(src.buffers.size).to.equal(0);
    expect(src.ranges).to.have.length(7);
  });

  endingTests(() => ({ src, mem, data, dir, parts: 7 }));
});

describe('core: copies in parts through layers', () => {
  let mem: FileSystem;
  let inner: IntoFileSystem;
  let dir: string;
  let data: Buffer;
  beforeEach(async () => {
    mem = privateMemory();
    inner = new IntoFileSystem({ fs: mem, partSize: PART, concurrency: 3 });
    data = randomBytes(4 * PART + 77);
    await mem.pipeFile('/big.bin', data);
    dir = mkdtempSync(join(tmpdir(), 'omnifs-layers-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads each part into a buffer through dir, limit, listing-cache and retry layers', async () => {
    const layers: Array<[string, FileSystem, string]> = [
      ['dir', new DirFileSystem({ fs: inner, path: '/' }), 'big.bin'],
      ['limit', new LimitFileSystem({ fs: inner, maxConcurrency: 2 }), '/big.bin'],
      ['listcache', new ListingCacheFileSystem({ fs: inner }), '/big.bin'],
      ['retry', new RetryFileSystem({ fs: inner, minDelayMs: 1 }), '/big.bin'],
    ];
    for (const [name, layer, path] of layers) {
      inner.buffers.clear();
      await layer.get(path, join(dir, name));
      expect(readFileSync(join(dir, name)).equals(data), name).to.equal(true);
      expect(
        [...inner.buffers.values()].reduce((a, b) => a + b, 0),
        name,
      ).to.equal(5);
    }
  });

  it('sends a part that failed again whole through the retry layer, byte-exact', async () => {
    inner.failInto = 2;
    await new RetryFileSystem({ fs: inner, minDelayMs: 1 }).get('/big.bin', join(dir, 'big.bin'));
    expect(readFileSync(join(dir, 'big.bin')).equals(data)).to.equal(true);
    expect(inner.failInto).to.equal(0);
    expect([...inner.buffers.values()].reduce((a, b) => a + b, 0)).to.equal(7);
  });

  it('streams the parts through caches and the timeout layer, which decline to read into buffers', async () => {
    const cacheDir = join(dir, 'cache');
    const layers: Array<[string, FileSystem]> = [
      ['blockcache', new BlockCacheFileSystem({ fs: inner })],
      ['simplecache', new SimpleCacheFileSystem({ fs: inner, cacheDir })],
      ['timeout', new TimeoutFileSystem({ fs: inner, timeout: 10_000 })],
    ];
    for (const [name, layer] of layers) {
      inner.buffers.clear();
      await layer.get('/big.bin', join(dir, name));
      expect(readFileSync(join(dir, name)).equals(data), name).to.equal(true);
      expect(inner.buffers.size, name).to.equal(0);
    }
  });
});

describe('core: fillSink', () => {
  const bytes = randomBytes(1000);
  /** `bytes` in pieces of `size`, noting whether the stream was released. */
  const pieces = (size: number): AsyncIterable<Uint8Array> & { destroy(): void; destroyed: boolean } => ({
    destroyed: false,
    destroy() {
      this.destroyed = true;
    },
    async *[Symbol.asyncIterator]() {
      for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
    },
  });
  /** A sink of `length` bytes into a target, through windows of `window` bytes, noting each write. */
  function sinkOf(length: number, window: number) {
    const target = new Uint8Array(length);
    const writes: Array<[number, number]> = [];
    const sink: BodySink = {
      length,
      windows: [new Uint8Array(window), new Uint8Array(window)],
      async write(part, at) {
        await new Promise((r) => setTimeout(r, 1));
        writes.push([at, part.byteLength]);
        target.set(part, at);
      },
    };
    return { sink, target, writes };
  }

  it('writes bytes read in full at once, from an offset', async () => {
    const a = sinkOf(300, 64);
    expect(await fillSink(a.sink, bytes, 500)).to.equal(300);
    expect(Buffer.from(a.target).equals(bytes.subarray(500, 800))).to.equal(true);
    expect(a.writes).to.deep.equal([[0, 300]]);
    expect(await fillSink(sinkOf(300, 64).sink, bytes, 900)).to.equal(100);
    const none = sinkOf(300, 64);
    expect(await fillSink(none.sink, bytes, 2000)).to.equal(0);
    expect(none.writes).to.deep.equal([]);
  });

  it('writes a stream window by window, skipping across pieces, and releases it once full or ended', async () => {
    const a = sinkOf(250, 100);
    const stream = pieces(64);
    expect(await fillSink(a.sink, stream, 130)).to.equal(250);
    expect(Buffer.from(a.target).equals(bytes.subarray(130, 380))).to.equal(true);
    expect(a.writes).to.deep.equal([
      [0, 100],
      [100, 100],
      [200, 50],
    ]);
    expect(stream.destroyed).to.equal(true);
    const short = pieces(333);
    const tail = sinkOf(250, 64);
    expect(await fillSink(tail.sink, short, 900)).to.equal(100);
    expect(Buffer.from(tail.target.subarray(0, 100)).equals(bytes.subarray(900))).to.equal(true);
    expect(short.destroyed).to.equal(true);
  });
});

describe('core: ranged reads in order (readRanges)', () => {
  const data = randomBytes(10 * 1000 + 7);
  /** A store of `data` answering ranged reads, recording each and the most in flight at once. */
  function store(options: { etag?: string; whole?: boolean; bytes?: boolean } = {}) {
    const calls: Array<{ start: number; end: number; etag: string | undefined }> = [];
    const answered: Uint8Array[] = [];
    let open = 0;
    let maxOpen = 0;
    let bodiesRead = 0;
    let cancels = 0;
    const fetchRange: FetchRange = async (start, end, etag, signal) => {
      calls.push({ start, end, etag });
      if (start >= data.byteLength) return undefined;
      if (etag !== undefined && etag !== (options.etag ?? '"v1"'))
        throw new FsError({ kind: 'ConditionNotMatch', message: 'precondition failed' });
      open++;
      maxOpen = Math.max(maxOpen, open);
      const bytes = options.whole ? data : data.subarray(start, Math.min(end, data.byteLength));
      let cancelled = false;
      async function* body(): AsyncGenerator<Uint8Array> {
        bodiesRead++;
        if (cancelled) throw new Error('a cancelled body was read');
        try {
          for (let i = 0; i < bytes.byteLength; i += 300) {
            await new Promise((r) => setTimeout(r, 1));
            signal?.throwIfAborted();
            yield bytes.subarray(i, i + 300);
          }
        } finally {
          open--;
        }
      }
      const held = options.bytes ? Buffer.from(bytes) : undefined;
      if (held !== undefined) answered.push(held);
      const total = data.byteLength;
      const cancel = (): void => {
        cancelled = true;
        cancels++;
      };
      return { body: body(), bytes: held, total, etag: options.etag ?? '"v1"', whole: options.whole === true, cancel };
    };
    return {
      fetchRange,
      calls,
      answered,
      maxOpen: () => maxOpen,
      bodiesRead: () => bodiesRead,
      cancels: () => cancels,
    };
  }
  const read = async (gen: AsyncIterable<Uint8Array>): Promise<Buffer> => {
    const chunks: Uint8Array[] = [];
    for await (const c of gen) chunks.push(c);
    return Buffer.concat(chunks);
  };

  it('streams the first range, then the rest several at once, in order, pinned to its ETag', async () => {
    const s = store();
    const got = await read(readRanges(s.fetchRange, 5, undefined, { partSize: 1000, concurrency: 3 }));
    expect(got.equals(data.subarray(5))).to.equal(true);
    expect(s.calls[0]).to.deep.equal({ start: 5, end: 1005, etag: undefined });
    expect(s.calls.slice(1).every((c) => c.etag === '"v1"')).to.equal(true);
    expect(s.calls.map((c) => c.start)).to.deep.equal(Array.from({ length: 11 }, (_, i) => 5 + i * 1000));
    expect(s.maxOpen()).to.be.within(2, 4);
  });

  it('reads a bounded range, slices a whole-object answer, and yields nothing past the end', async () => {
    const s = store();
    expect(
      (await read(readRanges(s.fetchRange, 100, 2500, { partSize: 1000, concurrency: 2 }))).equals(
        data.subarray(100, 2500),
      ),
    ).to.equal(true);
    expect(s.calls.map((c) => [c.start, c.end])).to.deep.equal([
      [100, 1100],
      [1100, 2100],
      [2100, 2500],
    ]);
    const whole = store({ whole: true });
    expect(
      (await read(readRanges(whole.fetchRange, 42, 4242, { partSize: 1000, concurrency: 2 }))).equals(
        data.subarray(42, 4242),
      ),
    ).to.equal(true);
    expect(whole.calls).to.have.length(1);
    expect(
      await read(readRanges(s.fetchRange, data.byteLength, undefined, { partSize: 1000, concurrency: 2 })),
    ).to.have.length(0);
  });

  it('fails with ConditionNotMatch when the object is not the version asked for', async () => {
    const s = store({ etag: '"v2"' });
    await expectFsError(
      read(readRanges(s.fetchRange, 0, undefined, { partSize: 1000, concurrency: 2, etag: '"v1"' })),
      'ConditionNotMatch',
    );
  });

  it('stops the reads in flight when the reader stops early, and fails an aborted read with the abort', async () => {
    const s = store();
    for await (const _ of readRanges(s.fetchRange, 0, undefined, { partSize: 1000, concurrency: 3 })) break;
    await new Promise((r) => setTimeout(r, 20));
    expect(s.calls.length).to.be.below(5);
    const controller = new AbortController();
    const reading = read(
      readRanges(s.fetchRange, 0, undefined, { partSize: 1000, concurrency: 3, signal: controller.signal }),
    );
    setTimeout(() => controller.abort(), 5);
    await expectFsError(reading, 'Aborted');
  });

  describe('in one buffer (readRangesAll)', () => {
    it('returns the bytes a one-range answer came with as they are: one request, no stream, no copy', async () => {
      const s = store({ bytes: true });
      const got = await readRangesAll(s.fetchRange, 0, 700, { partSize: 1000, concurrency: 3 });
      expect(got).to.equal(s.answered[0]);
      expect(Buffer.from(got).equals(data.subarray(0, 700))).to.equal(true);
      expect(s.calls).to.deep.equal([{ start: 0, end: 700, etag: undefined }]);
      expect(s.bodiesRead()).to.equal(0);
      expect(s.cancels()).to.equal(1);
      const small = store({ bytes: true });
      const tail = await readRangesAll(small.fetchRange, 9500, undefined, { partSize: 1000, concurrency: 3 });
      expect(Buffer.from(tail).equals(data.subarray(9500))).to.equal(true);
      expect(small.calls).to.have.length(1);
    });

    it('slices a whole-object answer that came with its bytes', async () => {
      const s = store({ bytes: true, whole: true });
      const got = await readRangesAll(s.fetchRange, 42, 4242, { partSize: 1000, concurrency: 2 });
      expect(Buffer.from(got).equals(data.subarray(42, 4242))).to.equal(true);
      expect(s.calls).to.have.length(1);
      expect(s.bodiesRead()).to.equal(0);
      const past = await readRangesAll(store({ bytes: true, whole: true }).fetchRange, data.byteLength + 5, undefined, {
        partSize: 1000,
        concurrency: 2,
      });
      expect(past).to.have.length(0);
    });

    it('reads the other ranges as readRanges does when the first is not all, pinned to its ETag', async () => {
      for (const bytes of [true, false]) {
        const s = store({ bytes });
        const got = await readRangesAll(s.fetchRange, 5, undefined, { partSize: 1000, concurrency: 3 });
        expect(Buffer.from(got).equals(data.subarray(5)), `bytes: ${bytes}`).to.equal(true);
        expect(s.calls.map((c) => c.start)).to.deep.equal(Array.from({ length: 11 }, (_, i) => 5 + i * 1000));
        expect(s.calls.slice(1).every((c) => c.etag === '"v1"')).to.equal(true);
      }
    });

    it('gives nothing for an empty range or past the end, and fails on a version or an abort', async () => {
      const s = store({ bytes: true });
      expect(await readRangesAll(s.fetchRange, 10, 10, { partSize: 1000, concurrency: 2 })).to.have.length(0);
      expect(s.calls).to.have.length(0);
      expect(
        await readRangesAll(s.fetchRange, data.byteLength, undefined, { partSize: 1000, concurrency: 2 }),
      ).to.have.length(0);
      await expectFsError(
        readRangesAll(store({ etag: '"v2"', bytes: true }).fetchRange, 0, 100, {
          partSize: 1000,
          concurrency: 2,
          etag: '"v1"',
        }),
        'ConditionNotMatch',
      );
      const controller = new AbortController();
      const reading = readRangesAll(store().fetchRange, 0, undefined, {
        partSize: 1000,
        concurrency: 3,
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(), 5);
      await expectFsError(reading, 'Aborted');
      await expectFsError(
        readRangesAll(s.fetchRange, 0, 100, { partSize: 1000, concurrency: 2, signal: AbortSignal.abort() }),
        'Aborted',
      );
    });
  });
});
