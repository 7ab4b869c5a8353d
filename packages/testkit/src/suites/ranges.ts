/** cat / catFile with ranges, catRanges, head, tail, readBlock, and multi-MiB files. */
import { expect } from '../chai';
import { FsError } from '@omnifs/core';
import type { SuiteContext } from '../context';
import { expectBytes, expectFsError } from '../assertions';
import { itWhere } from '../gating';
import { randomBytes, randomSize, utf8 } from '../helpers';

const DIGITS = '0123456789';

/** Defines the ranged-read tests. */
export function rangeTests(ctx: SuiteContext): void {
  const digits = async (): Promise<string> => {
    const p = ctx.path('digits.txt');
    await ctx.fs.pipeFile(p, DIGITS);
    return p;
  };
  const range = async (start?: number, end?: number): Promise<string> => {
    const opts = { ...(start === undefined ? {} : { start }), ...(end === undefined ? {} : { end }) };
    return Buffer.from(await ctx.fs.catFile(await digits(), opts)).toString();
  };

  describe('cat / catFile', () => {
    it('reads a whole file', async () => {
      expect(await range()).to.equal(DIGITS);
      expectBytes((await ctx.fs.cat(await digits())) as Buffer, DIGITS);
    });

    it('reads from start to the end of the file', async () => expect(await range(3)).to.equal('3456789'));
    it('reads from the beginning up to end, end exclusive', async () =>
      expect(await range(undefined, 4)).to.equal('0123'));
    it('reads between start and end', async () => expect(await range(2, 5)).to.equal('234'));
    it('reads the last bytes with a negative start', async () => expect(await range(-3)).to.equal('789'));
    it('stops before the last bytes with a negative end', async () => expect(await range(1, -2)).to.equal('1234567'));
    it('reads between two negative bounds', async () => expect(await range(-4, -1)).to.equal('678'));
    it('reads the whole file with a negative start larger than the file', async () =>
      expect(await range(-100)).to.equal(DIGITS));
    it('reads the last byte with start = size - 1', async () => expect(await range(9)).to.equal('9'));
    it('gives no bytes with start = size', async () => expect(await range(10)).to.equal(''));
    it('gives no bytes with start past the end', async () => expect(await range(25)).to.equal(''));
    it('clamps an end past the end of the file', async () => expect(await range(7, 1000)).to.equal('789'));
    it('gives no bytes when end equals start', async () => expect(await range(4, 4)).to.equal(''));
    it('gives no bytes when end is before start', async () => expect(await range(6, 2)).to.equal(''));
    it('gives no bytes with end 0', async () => expect(await range(0, 0)).to.equal(''));

    it('reads an empty file as no bytes, with or without a range', async () => {
      const p = ctx.path('empty');
      await ctx.fs.pipeFile(p, new Uint8Array(0));
      expect((await ctx.fs.catFile(p)).byteLength).to.equal(0);
      expect((await ctx.fs.catFile(p, { start: 0, end: 10 })).byteLength).to.equal(0);
      expect((await ctx.fs.catFile(p, { start: -5 })).byteLength).to.equal(0);
    });

    it('reads a multi-MiB file of random bytes byte-exact', async () => {
      const data = randomBytes(ctx.target.largeFileSize ?? randomSize(5 << 20, 9 << 20));
      const p = ctx.path('large.bin');
      await ctx.fs.pipeFile(p, data);
      expect(await ctx.fs.size(p)).to.equal(data.byteLength);
      expectBytes(await ctx.fs.catFile(p), data);
    });

    it('reads a range of a multi-MiB file that crosses 4 MiB boundaries', async () => {
      const data = randomBytes(ctx.target.largeFileSize ?? 9 << 20);
      const p = ctx.path('large.bin');
      await ctx.fs.pipeFile(p, data);
      const start = (4 << 20) - 12345;
      const end = Math.min(data.byteLength, (8 << 20) + 777);
      expectBytes(await ctx.fs.catFile(p, { start, end }), data.subarray(start, end));
      expectBytes(await ctx.fs.catFile(p, { start: -1000 }), data.subarray(data.byteLength - 1000));
    });

    it('reads several files given as a list, keyed by path', async () => {
      await ctx.fs.pipeFile(ctx.path('x'), 'X');
      await ctx.fs.pipeFile(ctx.path('y'), 'YY');
      const out = await ctx.fs.cat([ctx.path('x'), ctx.path('y')]);
      expect(Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Buffer.from(v).toString()]))).to.deep.equal({
        [ctx.fs.normalize(ctx.path('x'))]: 'X',
        [ctx.fs.normalize(ctx.path('y'))]: 'YY',
      });
    });

    it('reads the files matching a glob, keyed by path', async () => {
      await ctx.fs.pipeFile(ctx.path('g1.txt'), '1');
      await ctx.fs.pipeFile(ctx.path('g2.txt'), '2');
      await ctx.fs.pipeFile(ctx.path('other.bin'), '3');
      const out = (await ctx.fs.cat(ctx.path('g*.txt') as string)) as unknown as Record<string, Uint8Array>;
      expect(Object.keys(out).sort()).to.deep.equal([
        ctx.fs.normalize(ctx.path('g1.txt')),
        ctx.fs.normalize(ctx.path('g2.txt')),
      ]);
    });

    it('fails with NotFound (ENOENT) for a missing file', async () => {
      const err = await expectFsError(ctx.fs.catFile(ctx.path('missing')), 'NotFound', 'ENOENT');
      expect(err.operation).to.equal('cat');
    });

    it('fails with NotFound for a missing file also with a negative range', async () => {
      await expectFsError(ctx.fs.catFile(ctx.path('missing'), { start: -3 }), 'NotFound');
    });

    itWhere(ctx, 'realDirectories', 'fails with IsADirectory (EISDIR) for a directory', async () => {
      await ctx.fs.makedirs(ctx.path('d'));
      await expectFsError(ctx.fs.catFile(ctx.path('d')), 'IsADirectory', 'EISDIR');
    });

    it('rejects a non-integer start or end with InvalidArgument', async () => {
      const p = await digits();
      await expectFsError(ctx.fs.catFile(p, { start: 1.5 }), 'InvalidArgument', 'EINVAL');
      await expectFsError(ctx.fs.catFile(p, { end: '3' as unknown as number }), 'InvalidArgument', 'EINVAL');
    });
  });

  describe('catRanges', () => {
    it('reads several ranges of one file, in order', async () => {
      const p = await digits();
      const out = await ctx.fs.catRanges([p, p, p], [0, 5, -2], [2, 8, 10], { onError: 'raise' });
      expect(out.map((b) => Buffer.from(b).toString())).to.deep.equal(['01', '567', '89']);
    });

    it('reads ranges of several files', async () => {
      await ctx.fs.pipeFile(ctx.path('a'), 'abcdef');
      await ctx.fs.pipeFile(ctx.path('b'), 'uvwxyz');
      const out = await ctx.fs.catRanges([ctx.path('a'), ctx.path('b')], [1, 3], [3, 100], { onError: 'raise' });
      expect(out.map((b) => Buffer.from(b).toString())).to.deep.equal(['bc', 'xyz']);
    });

    it("gives a range that fails its FsError in its place (fsspec's on_error='return'), or fails with 'raise'", async () => {
      await ctx.fs.pipeFile(ctx.path('a'), 'abcdef');
      const [a, missing, b] = await ctx.fs.catRanges([ctx.path('a'), ctx.path('gone'), ctx.path('a')], 0, 2);
      expect([Buffer.from(a as Buffer).toString(), Buffer.from(b as Buffer).toString()]).to.deep.equal(['ab', 'ab']);
      expect(missing).to.be.instanceOf(FsError).and.include({ kind: 'NotFound', code: 'ENOENT' });
      await expectFsError(
        ctx.fs.catRanges([ctx.path('a'), ctx.path('gone')], [0, 0], [null, 1], { onError: 'raise' }),
        'NotFound',
        'ENOENT',
      );
    });

    it('rejects lists of different lengths with InvalidArgument', async () => {
      const p = await digits();
      await expectFsError(() => ctx.fs.catRanges([p, p], [0], [1, 2]), 'InvalidArgument', 'EINVAL');
    });
  });

  describe('head / tail', () => {
    it('head gives the first bytes', async () => expectBytes(await ctx.fs.head(await digits(), 3), '012'));
    it('tail gives the last bytes', async () => expectBytes(await ctx.fs.tail(await digits(), 3), '789'));
    it('head of a file shorter than the size gives the whole file', async () =>
      expectBytes(await ctx.fs.head(await digits(), 100), DIGITS));
    it('tail of a file shorter than the size gives the whole file', async () =>
      expectBytes(await ctx.fs.tail(await digits(), 100), DIGITS));

    it('default to 1024 bytes', async () => {
      const data = randomBytes(3000);
      await ctx.fs.pipeFile(ctx.path('r.bin'), data);
      expectBytes(await ctx.fs.head(ctx.path('r.bin')), data.subarray(0, 1024));
      expectBytes(await ctx.fs.tail(ctx.path('r.bin')), data.subarray(3000 - 1024));
    });

    it('give no bytes for an empty file', async () => {
      await ctx.fs.pipeFile(ctx.path('e'), utf8(''));
      expect((await ctx.fs.head(ctx.path('e'))).byteLength).to.equal(0);
      expect((await ctx.fs.tail(ctx.path('e'))).byteLength).to.equal(0);
    });

    it('fail with NotFound for a missing file', async () => {
      await expectFsError(ctx.fs.head(ctx.path('missing')), 'NotFound');
      await expectFsError(ctx.fs.tail(ctx.path('missing')), 'NotFound');
    });
  });

  describe('readBlock', () => {
    it("cuts a block on a delimiter as fsspec's read_block does", async () => {
      const p = ctx.path('people.csv');
      await ctx.fs.pipeFile(p, 'Alice, 100\nBob, 200\nCharlie, 300');
      const block = (offset: number, length: number | null, delimiter?: string): Promise<string> =>
        ctx.fs.readBlock(p, offset, length, delimiter === undefined ? {} : { delimiter }).then(String);
      expect(await block(0, 13)).to.equal('Alice, 100\nBo');
      expect(await block(0, 13, '\n')).to.equal('Alice, 100\nBob, 200\n');
      expect(await block(13, 13, '\n')).to.equal('Charlie, 300');
      expect(await block(0, null, '\n')).to.equal('Alice, 100\nBob, 200\nCharlie, 300');
      expect(await block(5, 3, ', ')).to.equal('100\nBob, ');
      expect(await block(40, 10, '\n')).to.equal('');
    });

    it('gives blocks that cover a large file once, each ending on the delimiter', async () => {
      // Lines of up to 3,000 bytes and one of 90,000, so a delimiter is sought beyond the first read.
      const lines: string[] = [];
      for (let i = 0, n = 0; n < 150_000; i++) {
        const line = `${i}:${'x'.repeat(i === 20 ? 90_000 : (i * 7919) % 3000)}\r\n`;
        lines.push(line);
        n += line.length;
      }
      const data = Buffer.from(lines.join(''));
      const p = ctx.path('big.txt');
      await ctx.fs.pipeFile(p, data);
      for (const size of [40_000, 70_000]) {
        const blocks: Buffer[] = [];
        for (let at = 0; at < data.byteLength; at += size)
          blocks.push(await ctx.fs.readBlock(p, at, size, { delimiter: utf8('\r\n') }));
        expect(Buffer.concat(blocks).equals(data), `blocks of ${size}`).to.equal(true);
        for (const b of blocks.slice(0, -1)) if (b.byteLength > 0) expect(b.subarray(-2).toString()).to.equal('\r\n');
      }
      expectBytes(await ctx.fs.readBlock(p, 100_000, 3), data.subarray(100_000, 100_003));
    });

    it('refuses a bad offset, length or delimiter, a missing file and an aborted signal', async () => {
      const p = await digits();
      await expectFsError(ctx.fs.readBlock(p, -1, 3), 'InvalidArgument', 'EINVAL');
      await expectFsError(ctx.fs.readBlock(p, 0, -3), 'InvalidArgument', 'EINVAL');
      await expectFsError(ctx.fs.readBlock(p, 0, 3, { delimiter: '' }), 'InvalidArgument', 'EINVAL');
      await expectFsError(ctx.fs.readBlock(ctx.path('missing'), 0, 3), 'NotFound', 'ENOENT');
      await expectFsError(ctx.fs.readBlock(p, 0, 3, { signal: AbortSignal.abort() }), 'Aborted');
    });
  });
}
