/** createReadStream and createWriteStream (Node streams). */
import { Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { expect } from '../chai';
import type { SuiteContext } from '../context';
import { expectBytes, expectFsError } from '../assertions';
import { chunked, collect, debrisBelow, randomBytes } from '../helpers';

/** Defines the Node stream tests. */
export function streamTests(ctx: SuiteContext): void {
  describe('createReadStream', () => {
    it('streams a whole file', async () => {
      const data = randomBytes(3 << 20);
      await ctx.fs.pipeFile(ctx.path('s.bin'), data);
      expectBytes(await collect(ctx.fs.createReadStream(ctx.path('s.bin'))), data);
    });

    it('streams a range, end exclusive', async () => {
      await ctx.fs.pipeFile(ctx.path('d'), '0123456789');
      expect(
        Buffer.from(await collect(ctx.fs.createReadStream(ctx.path('d'), { start: 2, end: 6 }))).toString(),
      ).to.equal('2345');
    });

    it('streams the last bytes with a negative start', async () => {
      await ctx.fs.pipeFile(ctx.path('d'), '0123456789');
      expect(Buffer.from(await collect(ctx.fs.createReadStream(ctx.path('d'), { start: -4 }))).toString()).to.equal(
        '6789',
      );
    });

    it('streams nothing for an empty range or an empty file', async () => {
      await ctx.fs.pipeFile(ctx.path('d'), '0123456789');
      await ctx.fs.pipeFile(ctx.path('e'), new Uint8Array(0));
      expect((await collect(ctx.fs.createReadStream(ctx.path('d'), { start: 5, end: 5 }))).byteLength).to.equal(0);
      expect((await collect(ctx.fs.createReadStream(ctx.path('d'), { start: 20 }))).byteLength).to.equal(0);
      expect((await collect(ctx.fs.createReadStream(ctx.path('e')))).byteLength).to.equal(0);
    });

    it('streams a range of a multi-MiB file byte-exact', async () => {
      const data = randomBytes(9 << 20);
      await ctx.fs.pipeFile(ctx.path('big'), data);
      const start = 3_000_001;
      const end = 8_500_000;
      expectBytes(await collect(ctx.fs.createReadStream(ctx.path('big'), { start, end })), data.subarray(start, end));
    });

    it('emits NotFound (ENOENT) for a missing file', async () => {
      await expectFsError(collect(ctx.fs.createReadStream(ctx.path('missing'))), 'NotFound', 'ENOENT');
    });

    it('pipes into another file with pipeline', async () => {
      const data = randomBytes(500_000);
      await ctx.fs.pipeFile(ctx.path('from'), data);
      await pipeline(ctx.fs.createReadStream(ctx.path('from')), ctx.fs.createWriteStream(ctx.path('to')));
      expectBytes(await ctx.fs.catFile(ctx.path('to')), data);
    });
  });

  describe('createWriteStream', () => {
    it('writes a file from a Readable with pipeline', async () => {
      const data = randomBytes(2 << 20);
      await pipeline(Readable.from(chunked(data, 100_000)), ctx.fs.createWriteStream(ctx.path('w.bin')));
      expectBytes(await ctx.fs.catFile(ctx.path('w.bin')), data);
    });

    it('makes nothing visible before the stream finishes', async () => {
      const stream = ctx.fs.createWriteStream(ctx.path('w.bin'));
      await new Promise<void>((resolve, reject) =>
        stream.write(Buffer.from('partial'), (e) => (e ? reject(e) : resolve())),
      );
      expect(await ctx.fs.exists(ctx.path('w.bin'))).to.equal(false);
      await new Promise<void>((resolve, reject) => {
        stream.on('error', reject);
        stream.end(() => resolve());
      });
      await new Promise((r) => setImmediate(r));
      expect(await ctx.fs.readText(ctx.path('w.bin'))).to.equal('partial');
    });

    it('leaves nothing behind when the source fails', async () => {
      async function* failing(): AsyncGenerator<Uint8Array> {
        yield randomBytes(10_000);
        throw new Error('source failed');
      }
      let failure: unknown;
      const out = ctx.fs.createWriteStream(ctx.path('w.bin'));
      await pipeline(Readable.from(failing()), out).catch((e: unknown) => {
        failure = e;
      });
      expect(String(failure)).to.include('source failed');
      // pipeline rejects at the first error, before the stream's own cleanup has run;
      // `finished` waits for the stream to close, which marks the end of that cleanup.
      await finished(out).catch(() => undefined);
      expect(await ctx.fs.find(ctx.root)).to.deep.equal([]);
    });

    it('destroyed before it finished, with no error, writes nothing and leaves nothing', async () => {
      const out = ctx.fs.createWriteStream(ctx.path('d/w.bin'));
      await new Promise<void>((resolve, reject) => out.write(randomBytes(2 << 20), (e) => (e ? reject(e) : resolve())));
      out.destroy();
      await finished(out).catch(() => undefined);
      expect(await ctx.fs.exists(ctx.path('d/w.bin'))).to.equal(false);
      expect(await debrisBelow(ctx.fs, ctx.root)).to.deep.equal([]);
    });

    it("open('wb') and openWriter obey their signal: after an abort nothing is written, nothing left", async () => {
      for (const how of ['open', 'openWriter'] as const) {
        const target = ctx.path(`signal-${how}.bin`);
        const controller = new AbortController();
        const writer =
          how === 'open'
            ? await ctx.fs.open(target, 'wb', { signal: controller.signal })
            : await ctx.fs.openWriter(target, { signal: controller.signal });
        for (let i = 0; i < 3; i++) await writer.write(randomBytes(1 << 20));
        controller.abort();
        await expectFsError(writer.write(randomBytes(1 << 20)), 'Aborted', 'ABORT_ERR');
        await expectFsError(writer.close(), 'Aborted', 'ABORT_ERR');
        expect(await ctx.fs.exists(target), how).to.equal(false);
      }
      expect(await debrisBelow(ctx.fs, ctx.root)).to.deep.equal([]);
    });

    it('leaves no temporary file or upload when the source fails', async () => {
      async function* failing(): AsyncGenerator<Uint8Array> {
        yield randomBytes(2 << 20);
        throw new Error('source failed');
      }
      const out = ctx.fs.createWriteStream(ctx.path('w.bin'));
      await pipeline(Readable.from(failing()), out).catch(() => undefined);
      await finished(out).catch(() => undefined);
      expect(await debrisBelow(ctx.fs, ctx.root)).to.deep.equal([]);
    });

    it('with mode "create" fails with AlreadyExists on an existing file', async () => {
      await ctx.fs.pipeFile(ctx.path('w'), 'old');
      await expectFsError(
        pipeline(Readable.from([Buffer.from('new')]), ctx.fs.createWriteStream(ctx.path('w'), { mode: 'create' })),
        'AlreadyExists',
        'EEXIST',
      );
      expect(await ctx.fs.readText(ctx.path('w'))).to.equal('old');
    });
  });
}
