/** open → RemoteFile in every mode. */
import { expect } from '../chai';
import type { SuiteContext } from '../context';
import { expectBytes, expectFsError } from '../assertions';
import { itWhere } from '../gating';
import { collect, randomBytes } from '../helpers';

/** Defines the RemoteFile tests. */
export function openTests(ctx: SuiteContext): void {
  /** Opens `path` in `mode`, writes `text` and closes: where a write can be refused (at open or at close). */
  const writeThrough = async (path: string, mode: 'wb' | 'xb', text: string): Promise<void> => {
    const f = await ctx.fs.open(path, mode);
    await f.write(text);
    await f.close();
  };

  const digits = async (): Promise<string> => {
    await ctx.fs.pipeFile(ctx.path('digits'), '0123456789');
    return ctx.path('digits');
  };
  const str = (b: Uint8Array): string => Buffer.from(b).toString();

  describe('open "rb"', () => {
    it('read() without a size reads the whole file, then nothing', async () => {
      const f = await ctx.fs.open(await digits(), 'rb');
      expect(str(await f.read())).to.equal('0123456789');
      expect((await f.read()).byteLength).to.equal(0);
      await f.close();
    });

    it('read(n) reads n bytes at a time and advances tell()', async () => {
      const f = await ctx.fs.open(await digits());
      expect(f.tell()).to.equal(0);
      expect(str(await f.read(3))).to.equal('012');
      expect(f.tell()).to.equal(3);
      expect(str(await f.read(4))).to.equal('3456');
      expect(str(await f.read(100))).to.equal('789');
      expect(f.tell()).to.equal(10);
      expect((await f.read(5)).byteLength).to.equal(0);
      await f.close();
    });

    it('gives bytes as Buffers from every read, so toString() is the text', async () => {
      const p = await digits();
      const f = await ctx.fs.open(p);
      const reads: [string, unknown][] = [
        ['read(n)', await f.read(3)],
        ['read()', await f.read()],
        ['read() at the end', await f.read()],
      ];
      await f.seek(0);
      for await (const chunk of f) reads.push(['for await of a file', chunk]);
      await f.close();
      reads.push(
        ['catFile', await ctx.fs.catFile(p)],
        ['catFile of a range', await ctx.fs.catFile(p, { start: 2, end: 5 })],
        ['catFile of an empty range', await ctx.fs.catFile(p, { start: 5, end: 5 })],
        ['cat', await ctx.fs.cat(p)],
        ['cat of a list', (await ctx.fs.cat([p]))[p]],
        ['catRanges', (await ctx.fs.catRanges([p], [1], [4], { onError: 'raise' }))[0]],
        ['head', await ctx.fs.head(p, 4)],
        ['tail', await ctx.fs.tail(p, 4)],
      );
      for await (const chunk of ctx.fs.readChunks(p)) reads.push(['readChunks', chunk]);
      for await (const chunk of ctx.fs.createReadStream(p)) reads.push(['createReadStream', chunk]);
      for (const [call, bytes] of reads) expect(Buffer.isBuffer(bytes), call).to.equal(true);
      const text = reads.map(([call, bytes]) => [call, String(bytes)]);
      expect(Object.fromEntries(text.slice(0, 3))).to.deep.equal({
        'read(n)': '012',
        'read()': '3456789',
        'read() at the end': '',
      });
      expect(
        Object.fromEntries(text.filter(([call]) => /^(catFile|cat|head|tail|catRanges)/.test(call!))),
      ).to.deep.equal({
        catFile: '0123456789',
        'catFile of a range': '234',
        'catFile of an empty range': '',
        cat: '0123456789',
        'cat of a list': '0123456789',
        catRanges: '123',
        head: '0123',
        tail: '6789',
      });
    });

    it('knows the size of the file', async () => {
      const f = await ctx.fs.open(await digits(), 'rb');
      expect(f.size).to.equal(10);
      await f.close();
    });

    it('seek with whence 0 moves to an absolute position', async () => {
      const f = await ctx.fs.open(await digits());
      expect(f.seek(6)).to.equal(6);
      expect(str(await f.read(2))).to.equal('67');
      await f.close();
    });

    it('seek with whence 1 moves relative to the position', async () => {
      const f = await ctx.fs.open(await digits());
      await f.read(2);
      expect(f.seek(3, 1)).to.equal(5);
      expect(str(await f.read(1))).to.equal('5');
      expect(f.seek(-4, 1)).to.equal(2);
      expect(str(await f.read(1))).to.equal('2');
      await f.close();
    });

    it('seek with whence 2 moves relative to the end', async () => {
      const f = await ctx.fs.open(await digits());
      expect(f.seek(-3, 2)).to.equal(7);
      expect(str(await f.read())).to.equal('789');
      await f.close();
    });

    it('seek past the end then read gives no bytes', async () => {
      const f = await ctx.fs.open(await digits());
      f.seek(50);
      expect((await f.read(5)).byteLength).to.equal(0);
      await f.close();
    });

    it('seek to a negative position or with a bad whence fails with InvalidArgument', async () => {
      const f = await ctx.fs.open(await digits());
      await expectFsError(() => f.seek(-1), 'InvalidArgument', 'EINVAL');
      await expectFsError(() => f.seek(0, 3 as never), 'InvalidArgument', 'EINVAL');
      await f.close();
    });

    it('iterates over the chunks of the file with for await', async () => {
      const data = randomBytes(100_000);
      await ctx.fs.pipeFile(ctx.path('big'), data);
      const f = await ctx.fs.open(ctx.path('big'), 'rb', { blockSize: 16_384 });
      const chunks: Uint8Array[] = [];
      for await (const c of f) chunks.push(c);
      expect(chunks.length).to.be.greaterThan(1);
      expectBytes(
        await collect(
          (async function* () {
            yield* chunks;
          })(),
        ),
        data,
      );
      await f.close();
    });

    it('reads a multi-MiB file byte-exact across blocks, after seeks', async () => {
      const data = randomBytes(6 << 20);
      await ctx.fs.pipeFile(ctx.path('big'), data);
      const f = await ctx.fs.open(ctx.path('big'), 'rb', { blockSize: 1 << 20 });
      f.seek((1 << 20) - 10);
      expectBytes(await f.read(3 << 20), data.subarray((1 << 20) - 10, (4 << 20) - 10));
      f.seek(5);
      expectBytes(await f.read(10), data.subarray(5, 15));
      f.seek(0);
      expectBytes(await f.read(), data);
      await f.close();
    });

    it('reads nothing from an empty file', async () => {
      await ctx.fs.pipeFile(ctx.path('e'), new Uint8Array(0));
      const f = await ctx.fs.open(ctx.path('e'));
      expect((await f.read()).byteLength).to.equal(0);
      await f.close();
    });

    it('fails with NotFound (ENOENT) for a missing file', async () => {
      await expectFsError(ctx.fs.open(ctx.path('missing'), 'rb'), 'NotFound', 'ENOENT');
    });

    itWhere(ctx, 'realDirectories', 'fails with IsADirectory for a directory', async () => {
      await ctx.fs.makedirs(ctx.path('d'));
      await expectFsError(ctx.fs.open(ctx.path('d'), 'rb'), 'IsADirectory', 'EISDIR');
    });

    it('refuses writes and reads after close', async () => {
      const f = await ctx.fs.open(await digits());
      await expectFsError(() => f.write('x'), 'Unsupported');
      await f.close();
      expect(f.closed).to.equal(true);
      await expectFsError(() => f.read(), 'InvalidArgument');
    });
  });

  describe('open "wb"', () => {
    it('writes what was written, committed on close', async () => {
      const f = await ctx.fs.open(ctx.path('w.bin'), 'wb');
      expect(await f.write('hello ')).to.equal(6);
      await f.write(new Uint8Array(Buffer.from('world')));
      expect(f.tell()).to.equal(11);
      await f.close();
      expect(await ctx.fs.readText(ctx.path('w.bin'))).to.equal('hello world');
    });

    it('makes nothing visible under the name before close', async () => {
      const f = await ctx.fs.open(ctx.path('w.bin'), 'wb');
      await f.write(randomBytes(100_000));
      await f.flush();
      expect(await ctx.fs.exists(ctx.path('w.bin'))).to.equal(false);
      await f.close();
      expect(await ctx.fs.size(ctx.path('w.bin'))).to.equal(100_000);
    });

    it('keeps the previous content until close', async () => {
      await ctx.fs.pipeFile(ctx.path('w.bin'), 'previous');
      const f = await ctx.fs.open(ctx.path('w.bin'), 'wb');
      await f.write('next');
      expect(await ctx.fs.readText(ctx.path('w.bin'))).to.equal('previous');
      await f.close();
      expect(await ctx.fs.readText(ctx.path('w.bin'))).to.equal('next');
    });

    it('abort leaves nothing behind', async () => {
      const f = await ctx.fs.open(ctx.path('a/w.bin'), 'wb');
      await f.write(randomBytes(50_000));
      await f.abort();
      expect(await ctx.fs.exists(ctx.path('a/w.bin'))).to.equal(false);
      expect(await ctx.fs.find(ctx.root)).to.deep.equal([]);
    });

    it('abort keeps the previous content', async () => {
      await ctx.fs.pipeFile(ctx.path('w.bin'), 'previous');
      const f = await ctx.fs.open(ctx.path('w.bin'), 'wb');
      await f.write('partial');
      await f.abort();
      expect(await ctx.fs.readText(ctx.path('w.bin'))).to.equal('previous');
      expect(await ctx.fs.find(ctx.root)).to.deep.equal([ctx.fs.normalize(ctx.path('w.bin'))]);
    });

    it('writes a multi-MiB file in many writes byte-exact', async () => {
      const data = randomBytes(7 << 20);
      const f = await ctx.fs.open(ctx.path('big'), 'wb', { blockSize: 1 << 20 });
      for (let i = 0; i < data.byteLength; i += 300_000) await f.write(data.subarray(i, i + 300_000));
      await f.close();
      expectBytes(await ctx.fs.catFile(ctx.path('big')), data);
    });

    it('closing with nothing written leaves an empty file', async () => {
      const f = await ctx.fs.open(ctx.path('empty'), 'wb');
      await f.close();
      expect(await ctx.fs.info(ctx.path('empty'))).to.include({ size: 0, type: 'file' });
    });

    it('close twice is harmless and write after close fails with InvalidArgument', async () => {
      const f = await ctx.fs.open(ctx.path('w'), 'wb');
      await f.write('x');
      await f.close();
      await f.close();
      await expectFsError(() => f.write('y'), 'InvalidArgument');
      expect(await ctx.fs.readText(ctx.path('w'))).to.equal('x');
    });

    it('cannot read or seek', async () => {
      const f = await ctx.fs.open(ctx.path('w'), 'wb');
      await expectFsError(() => f.read(), 'Unsupported');
      await expectFsError(() => f.seek(0), 'Unsupported');
      await f.abort();
    });

    itWhere(ctx, 'realDirectories', 'over a directory fails with IsADirectory', async () => {
      await ctx.fs.makedirs(ctx.path('d'));
      await expectFsError(writeThrough(ctx.path('d'), 'wb', 'x'), 'IsADirectory', 'EISDIR');
      expect(await ctx.fs.isDir(ctx.path('d'))).to.equal(true);
    });

    itWhere(ctx, 'realDirectories', 'over a directory fails at open, before any byte is sent', async () => {
      await ctx.fs.pipeFile(ctx.path('d/keep'), 'k');
      for (const mode of ['wb', 'ab'] as const) {
        await expectFsError(ctx.fs.open(ctx.path('d'), mode), 'IsADirectory', 'EISDIR');
      }
      expect(await ctx.fs.readText(ctx.path('d/keep'))).to.equal('k');
    });
  });

  describe('open "xb"', () => {
    it('creates a new file', async () => {
      const f = await ctx.fs.open(ctx.path('x'), 'xb');
      await f.write('new');
      await f.close();
      expect(await ctx.fs.readText(ctx.path('x'))).to.equal('new');
    });

    it('fails with AlreadyExists (EEXIST) on an existing file and keeps it', async () => {
      await ctx.fs.pipeFile(ctx.path('x'), 'old');
      await expectFsError(writeThrough(ctx.path('x'), 'xb', 'new'), 'AlreadyExists', 'EEXIST');
      expect(await ctx.fs.readText(ctx.path('x'))).to.equal('old');
    });

    itWhere(ctx, 'realDirectories', 'fails with AlreadyExists (EEXIST) on an existing directory', async () => {
      await ctx.fs.makedirs(ctx.path('xd'));
      await expectFsError(writeThrough(ctx.path('xd'), 'xb', 'new'), 'AlreadyExists', 'EEXIST');
      expect(await ctx.fs.isDir(ctx.path('xd'))).to.equal(true);
    });

    itWhere(ctx, 'exclusiveCreate', 'fails with AlreadyExists at close when the file appeared meanwhile', async () => {
      const f = await ctx.fs.open(ctx.path('x'), 'xb');
      await f.write('mine');
      await ctx.fs.pipeFile(ctx.path('x'), 'theirs');
      await expectFsError(f.close(), 'AlreadyExists', 'EEXIST');
      expect(await ctx.fs.readText(ctx.path('x'))).to.equal('theirs');
    });
  });

  describe('open "ab"', () => {
    it('appends to an existing file', async () => {
      await ctx.fs.pipeFile(ctx.path('log'), 'line1\n');
      const f = await ctx.fs.open(ctx.path('log'), 'ab');
      await f.write('line2\n');
      await f.close();
      expect(await ctx.fs.readText(ctx.path('log'))).to.equal('line1\nline2\n');
    });

    it('starts at the end of the file: tell and size count the existing bytes', async () => {
      await ctx.fs.pipeFile(ctx.path('log'), 'hello world\n');
      const f = await ctx.fs.open(ctx.path('log'), 'ab');
      expect(f.tell()).to.equal(12);
      expect(await f.write('more')).to.equal(4);
      expect([f.tell(), f.size]).to.deep.equal([16, 16]);
      await f.close();
      expect(await ctx.fs.readText(ctx.path('log'))).to.equal('hello world\nmore');
      const fresh = await ctx.fs.open(ctx.path('new/empty'), 'ab');
      expect(fresh.tell()).to.equal(0);
      await fresh.abort();
    });

    it('creates a missing file', async () => {
      const f = await ctx.fs.open(ctx.path('new/log'), 'ab');
      await f.write('first');
      await f.close();
      expect(await ctx.fs.readText(ctx.path('new/log'))).to.equal('first');
    });

    it('appends again and again', async () => {
      for (const part of ['a', 'b', 'c']) {
        const f = await ctx.fs.open(ctx.path('log'), 'ab');
        await f.write(part);
        await f.close();
      }
      expect(await ctx.fs.readText(ctx.path('log'))).to.equal('abc');
    });

    it('appends to a multi-MiB file byte-exact', async () => {
      const head = randomBytes(5 << 20);
      const tail = randomBytes(1000);
      await ctx.fs.pipeFile(ctx.path('big'), head);
      const f = await ctx.fs.open(ctx.path('big'), 'ab');
      await f.write(tail);
      await f.close();
      expectBytes(await ctx.fs.catFile(ctx.path('big')), Buffer.concat([head, tail]));
    });

    itWhere(ctx, 'append', 'natively keeps the existing content when aborted', async () => {
      await ctx.fs.pipeFile(ctx.path('log'), 'kept');
      const f = await ctx.fs.open(ctx.path('log'), 'ab');
      await f.write('more');
      await f.abort();
      expect((await ctx.fs.readText(ctx.path('log'))).startsWith('kept')).to.equal(true);
    });

    itWhere(
      ctx,
      'append',
      'as an emulation leaves the file unchanged when aborted',
      async () => {
        await ctx.fs.pipeFile(ctx.path('log'), 'kept');
        const f = await ctx.fs.open(ctx.path('log'), 'ab');
        await f.write('lost');
        await f.abort();
        expect(await ctx.fs.readText(ctx.path('log'))).to.equal('kept');
      },
      false,
    );
  });

  describe('open modes', () => {
    it('accepts "r", "w", "a" and "x" as their binary forms', async () => {
      const w = await ctx.fs.open(ctx.path('m'), 'w');
      await w.write('1');
      await w.close();
      const a = await ctx.fs.open(ctx.path('m'), 'a');
      await a.write('2');
      await a.close();
      const r = await ctx.fs.open(ctx.path('m'), 'r');
      expect(str(await r.read())).to.equal('12');
      await r.close();
      await expectFsError(
        ctx.fs.open(ctx.path('m'), 'x').then((f) => f.close()),
        'AlreadyExists',
      );
    });

    it('rejects an unknown mode with InvalidArgument', async () => {
      await expectFsError(ctx.fs.open(ctx.path('m'), 'rw' as never), 'InvalidArgument', 'EINVAL');
      await expectFsError(ctx.fs.open(ctx.path('m'), 1 as never), 'InvalidArgument', 'EINVAL');
      expect(await ctx.fs.exists(ctx.path('m'))).to.equal(false);
    });
  });
}
