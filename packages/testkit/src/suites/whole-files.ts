/** pipe / pipeFile, readText / writeText, touch. */
import { Readable } from 'node:stream';
import { expect } from '../chai';
import type { Progress } from '@omnifs/core';
import type { SuiteContext } from '../context';
import { expectBytes, expectFsError } from '../assertions';
import { itWhere } from '../gating';
import { chunked, debrisBelow, randomBytes, stallingSource } from '../helpers';

/** Defines the whole-file write tests. */
export function wholeFileTests(ctx: SuiteContext): void {
  describe('pipe / pipeFile', () => {
    it('writes bytes that read back the same', async () => {
      const data = randomBytes(4096);
      await ctx.fs.pipeFile(ctx.path('f.bin'), data);
      expectBytes(await ctx.fs.catFile(ctx.path('f.bin')), data);
    });

    it('writes a string as UTF-8', async () => {
      await ctx.fs.pipe(ctx.path('f.txt'), 'grüße ✓');
      expectBytes(await ctx.fs.catFile(ctx.path('f.txt')), Buffer.from('grüße ✓', 'utf8'));
    });

    it('writes an ArrayBuffer', async () => {
      await ctx.fs.pipeFile(ctx.path('ab'), new Uint8Array([1, 2, 3]).buffer);
      expectBytes(await ctx.fs.catFile(ctx.path('ab')), new Uint8Array([1, 2, 3]));
    });

    it('writes an empty file', async () => {
      await ctx.fs.pipeFile(ctx.path('empty'), new Uint8Array(0));
      expect(await ctx.fs.info(ctx.path('empty'))).to.include({ size: 0, type: 'file' });
    });

    it('overwrites an existing file by default', async () => {
      await ctx.fs.pipeFile(ctx.path('f'), 'first version, long');
      await ctx.fs.pipeFile(ctx.path('f'), 'second');
      expect(await ctx.fs.readText(ctx.path('f'))).to.equal('second');
    });

    it('with mode "create" writes a new file', async () => {
      await ctx.fs.pipeFile(ctx.path('new'), 'x', { mode: 'create' });
      expect(await ctx.fs.readText(ctx.path('new'))).to.equal('x');
    });

    it('with mode "create" fails with AlreadyExists (EEXIST) on an existing file and keeps it', async () => {
      await ctx.fs.pipeFile(ctx.path('f'), 'old');
      await expectFsError(ctx.fs.pipeFile(ctx.path('f'), 'new', { mode: 'create' }), 'AlreadyExists', 'EEXIST');
      expect(await ctx.fs.readText(ctx.path('f'))).to.equal('old');
    });

    it('with mode "create" and a stream fails with AlreadyExists on an existing file and keeps it', async () => {
      await ctx.fs.pipeFile(ctx.path('f'), 'old');
      await expectFsError(
        ctx.fs.pipeFile(ctx.path('f'), Readable.from([Buffer.from('new')]), { mode: 'create' }),
        'AlreadyExists',
        'EEXIST',
      );
      expect(await ctx.fs.readText(ctx.path('f'))).to.equal('old');
    });

    it('with mode "overwrite" replaces an existing file', async () => {
      await ctx.fs.pipeFile(ctx.path('f'), 'old');
      await ctx.fs.pipeFile(ctx.path('f'), 'new', { mode: 'overwrite' });
      expect(await ctx.fs.readText(ctx.path('f'))).to.equal('new');
    });

    it('writes from an async iterable of chunks', async () => {
      const data = randomBytes(300_000);
      await ctx.fs.pipeFile(ctx.path('it.bin'), chunked(data, 65_536));
      expectBytes(await ctx.fs.catFile(ctx.path('it.bin')), data);
    });

    it('writes from a Node Readable', async () => {
      const data = randomBytes(200_000);
      await ctx.fs.pipeFile(ctx.path('r.bin'), Readable.from(chunked(data, 10_000)));
      expectBytes(await ctx.fs.catFile(ctx.path('r.bin')), data);
    });

    it('writes from a web ReadableStream', async () => {
      const data = randomBytes(50_000);
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(data.subarray(0, 20_000));
          controller.enqueue(data.subarray(20_000));
          controller.close();
        },
      });
      await ctx.fs.pipeFile(ctx.path('w.bin'), stream);
      expectBytes(await ctx.fs.catFile(ctx.path('w.bin')), data);
    });

    it('writes string chunks of a stream as UTF-8', async () => {
      await ctx.fs.pipeFile(ctx.path('s.txt'), Readable.from(['ab', 'ç', 'd']));
      expect(await ctx.fs.readText(ctx.path('s.txt'))).to.equal('abçd');
    });

    it('creates missing parent directories', async () => {
      await ctx.fs.pipeFile(ctx.path('x/y/z/f.txt'), 'deep');
      expect(await ctx.fs.readText(ctx.path('x/y/z/f.txt'))).to.equal('deep');
      expect(await ctx.fs.isDir(ctx.path('x/y'))).to.equal(true);
    });

    it('writes several files from a record of path to content', async () => {
      await ctx.fs.pipe({ [ctx.path('m1')]: 'one', [ctx.path('m2')]: new Uint8Array([50]) });
      expect(await ctx.fs.readText(ctx.path('m1'))).to.equal('one');
      expect(await ctx.fs.readText(ctx.path('m2'))).to.equal('2');
    });

    it('reports progress that reaches the number of bytes written', async () => {
      const seen: Progress[] = [];
      await ctx.fs.pipeFile(ctx.path('p.bin'), chunked(randomBytes(100_000), 30_000), {
        onProgress: (p) => seen.push(p),
      });
      expect(seen.length).to.be.greaterThan(0);
      expect(seen.at(-1)).to.include({ bytes: 100_000, files: 1 });
    });

    it('fails with Aborted and writes nothing when the signal is already aborted', async () => {
      const controller = new AbortController();
      controller.abort();
      await expectFsError(ctx.fs.pipeFile(ctx.path('a.bin'), 'x', { signal: controller.signal }), 'Aborted');
      expect(await ctx.fs.exists(ctx.path('a.bin'))).to.equal(false);
    });

    it('aborted while its source waits, fails with Aborted at once and leaves nothing', async () => {
      const { source, release } = stallingSource([randomBytes(1 << 20), randomBytes(1 << 20)]);
      const controller = new AbortController();
      try {
        const writing = ctx.fs.pipeFile(ctx.path('s/a.bin'), source, { signal: controller.signal });
        // Once both chunks are taken the source waits for `release`: abort then.
        await new Promise((r) => setTimeout(r, 100));
        controller.abort();
        await expectFsError(writing, 'Aborted', 'ABORT_ERR');
        // The source still waits: what the write made is gone already.
        expect(await ctx.fs.exists(ctx.path('s/a.bin'))).to.equal(false);
        expect(await debrisBelow(ctx.fs, ctx.root)).to.deep.equal([]);
      } finally {
        release();
      }
    });

    itWhere(ctx, 'realDirectories', 'fails with IsADirectory (EISDIR) when writing over a directory', async () => {
      await ctx.fs.pipeFile(ctx.path('d/inner'), 'x');
      await expectFsError(ctx.fs.pipeFile(ctx.path('d'), 'over'), 'IsADirectory', 'EISDIR');
      expect(await ctx.fs.readText(ctx.path('d/inner'))).to.equal('x');
    });

    itWhere(ctx, 'realDirectories', 'fails with IsADirectory when streaming over a directory', async () => {
      await ctx.fs.pipeFile(ctx.path('d/inner'), 'x');
      await expectFsError(
        ctx.fs.pipeFile(ctx.path('d'), Readable.from([Buffer.from('over')])),
        'IsADirectory',
        'EISDIR',
      );
      expect(await ctx.fs.isDir(ctx.path('d'))).to.equal(true);
    });

    it('rejects an unknown mode with InvalidArgument', async () => {
      await expectFsError(
        ctx.fs.pipeFile(ctx.path('f'), 'x', { mode: 'append' as never }),
        'InvalidArgument',
        'EINVAL',
      );
      expect(await ctx.fs.exists(ctx.path('f'))).to.equal(false);
    });

    it('rejects content that is not bytes, a string or a stream with InvalidArgument', async () => {
      await expectFsError(ctx.fs.pipeFile(ctx.path('f'), 42 as never), 'InvalidArgument', 'EINVAL');
      await expectFsError(ctx.fs.pipeFile(ctx.path('f'), { a: 1 } as never), 'InvalidArgument', 'EINVAL');
      await expectFsError(ctx.fs.pipeFile(ctx.path('f'), null as never), 'InvalidArgument', 'EINVAL');
      expect(await ctx.fs.exists(ctx.path('f'))).to.equal(false);
    });

    it('rejects pipe without data with InvalidArgument', async () => {
      await expectFsError(() => ctx.fs.pipe(ctx.path('f')), 'InvalidArgument', 'EINVAL');
    });
  });

  describe('readText / writeText', () => {
    it('round-trip unicode text', async () => {
      const t = 'línea 1\n第二行\n🙂\n';
      await ctx.fs.writeText(ctx.path('t.txt'), t);
      expect(await ctx.fs.readText(ctx.path('t.txt'))).to.equal(t);
    });

    it('readText decodes with the given encoding', async () => {
      await ctx.fs.pipeFile(ctx.path('l1.txt'), Buffer.from('café', 'latin1'));
      expect(await ctx.fs.readText(ctx.path('l1.txt'), 'latin1')).to.equal('café');
    });

    it('readText refuses bytes that are not UTF-8 (as fsspec), never replacing them', async () => {
      await ctx.fs.pipeFile(ctx.path('l1.txt'), Buffer.from('café', 'latin1'));
      await expectFsError(ctx.fs.readText(ctx.path('l1.txt')), 'InvalidArgument', 'EINVAL');
      await ctx.fs.pipeFile(ctx.path('bom.txt'), Buffer.from('\ufeffok'));
      expect(await ctx.fs.readText(ctx.path('bom.txt'))).to.equal('\ufeffok');
    });

    it('writeText with mode "create" fails with AlreadyExists on an existing file', async () => {
      await ctx.fs.writeText(ctx.path('t.txt'), 'a');
      await expectFsError(ctx.fs.writeText(ctx.path('t.txt'), 'b', { mode: 'create' }), 'AlreadyExists', 'EEXIST');
      expect(await ctx.fs.readText(ctx.path('t.txt'))).to.equal('a');
    });

    it('readText fails with NotFound for a missing file', async () => {
      await expectFsError(ctx.fs.readText(ctx.path('missing')), 'NotFound', 'ENOENT');
    });

    it('writeText rejects non-string text with InvalidArgument', async () => {
      await expectFsError(ctx.fs.writeText(ctx.path('t'), new Uint8Array(1) as never), 'InvalidArgument', 'EINVAL');
      expect(await ctx.fs.exists(ctx.path('t'))).to.equal(false);
    });
  });

  describe('touch', () => {
    it('creates an empty file', async () => {
      await ctx.fs.touch(ctx.path('t'));
      expect(await ctx.fs.info(ctx.path('t'))).to.include({ size: 0, type: 'file' });
    });

    it('creates missing parent directories', async () => {
      await ctx.fs.touch(ctx.path('a/b/t'));
      expect(await ctx.fs.isFile(ctx.path('a/b/t'))).to.equal(true);
    });

    it('truncates an existing file by default', async () => {
      await ctx.fs.pipeFile(ctx.path('t'), 'content');
      await ctx.fs.touch(ctx.path('t'));
      expect(await ctx.fs.size(ctx.path('t'))).to.equal(0);
    });

    it('with truncate false keeps the content of an existing file', async () => {
      await ctx.fs.pipeFile(ctx.path('t'), 'content');
      await ctx.fs.touch(ctx.path('t'), { truncate: false });
      expect(await ctx.fs.readText(ctx.path('t'))).to.equal('content');
    });

    itWhere(ctx, 'mtime', 'with truncate false moves the modification time forward', async () => {
      await ctx.fs.pipeFile(ctx.path('t'), 'content');
      const before = await ctx.fs.modified(ctx.path('t'));
      await new Promise((r) => setTimeout(r, 1100));
      await ctx.fs.touch(ctx.path('t'), { truncate: false });
      expect((await ctx.fs.modified(ctx.path('t'))).getTime()).to.be.greaterThan(before.getTime());
    });

    it('refuses a directory with IsADirectory (EISDIR), with truncate false too, and writes nothing', async () => {
      await ctx.fs.pipeFile(ctx.path('d/in.txt'), 'in');
      await expectFsError(ctx.fs.touch(ctx.path('d')), 'IsADirectory', 'EISDIR');
      await expectFsError(ctx.fs.touch(ctx.path('d'), { truncate: false }), 'IsADirectory', 'EISDIR');
      // No file `d` beside the directory `d` (an object store would list both).
      const entries = await ctx.fs.ls(ctx.root, { detail: true });
      expect(entries.map((e) => `${e.type} ${e.name}`)).to.deep.equal([`directory ${ctx.fs.normalize(ctx.path('d'))}`]);
      expect(await ctx.fs.readText(ctx.path('d/in.txt'))).to.equal('in');
    });

    it('with truncate false creates a missing file', async () => {
      await ctx.fs.touch(ctx.path('new'), { truncate: false });
      expect(await ctx.fs.info(ctx.path('new'))).to.include({ size: 0, type: 'file' });
    });
  });
}
