/** info, exists, isFile, isDir, size, modified, checksum. */
import { expect } from '../chai';
import type { SuiteContext } from '../context';
import { expectFsError } from '../assertions';
import { itWhere } from '../gating';

/** Defines the metadata tests. */
export function metadataTests(ctx: SuiteContext): void {
  describe('info', () => {
    it('describes a file by name, size and type', async () => {
      const p = ctx.path('a.txt');
      await ctx.fs.pipeFile(p, 'hello');
      const info = await ctx.fs.info(p);
      expect(info).to.include({ name: ctx.fs.normalize(p), size: 5, type: 'file' });
    });

    it('describes a directory with type "directory" and size 0', async () => {
      await ctx.fs.pipeFile(ctx.path('dir/inner.txt'), 'x');
      const info = await ctx.fs.info(ctx.path('dir'));
      expect(info).to.include({ name: ctx.fs.normalize(ctx.path('dir')), type: 'directory', size: 0 });
    });

    it('gives a file the same version (etag) in info, ls and find while it is unchanged', async () => {
      const p = ctx.path('same/v.txt');
      await ctx.fs.pipeFile(p, 'version');
      const { etag } = await ctx.fs.info(p);
      expect(etag, 'info gives a version').to.be.a('string').and.not.equal('');
      expect((await ctx.fs.ls(ctx.path('same'), { detail: true }))[0]?.etag).to.equal(etag);
      expect((await ctx.fs.find(ctx.path('same'), { detail: true }))[0]?.etag).to.equal(etag);
    });

    itWhere(ctx, 'realDirectories', 'describes an empty directory made by makedirs', async () => {
      await ctx.fs.makedirs(ctx.path('empty'));
      expect((await ctx.fs.info(ctx.path('empty'))).type).to.equal('directory');
    });

    it('accepts a full URL of its own protocol', async () => {
      const p = ctx.path('url.txt');
      await ctx.fs.pipeFile(p, 'abc');
      const info = await ctx.fs.info(ctx.fs.unstripProtocol(p));
      expect(info).to.include({ name: ctx.fs.normalize(p), size: 3, type: 'file' });
    });

    it('ignores a trailing slash on a directory', async () => {
      await ctx.fs.pipeFile(ctx.path('d/f'), 'x');
      expect((await ctx.fs.info(`${ctx.path('d')}/`)).name).to.equal(ctx.fs.normalize(ctx.path('d')));
    });

    it('fails with NotFound (ENOENT) for a missing path, naming protocol, operation and path', async () => {
      const p = ctx.path('missing.txt');
      const err = await expectFsError(ctx.fs.info(p), 'NotFound', 'ENOENT');
      expect(err.protocol).to.equal(ctx.fs.protocol);
      expect(err.operation).to.equal('info');
      expect(err.path).to.equal(ctx.fs.normalize(p));
      expect(err.message).to.include('missing.txt');
    });

    it('fails with NotFound (ENOENT) for a path below a file', async () => {
      await ctx.fs.pipeFile(ctx.path('plain'), 'x');
      await expectFsError(ctx.fs.info(ctx.path('plain/below')), 'NotFound', 'ENOENT');
    });
  });

  describe('exists / isFile / isDir', () => {
    it('exists is true for a file and a directory, false for a missing path', async () => {
      await ctx.fs.pipeFile(ctx.path('d/f.txt'), 'x');
      expect(await ctx.fs.exists(ctx.path('d/f.txt'))).to.equal(true);
      expect(await ctx.fs.exists(ctx.path('d'))).to.equal(true);
      expect(await ctx.fs.exists(ctx.path('nope'))).to.equal(false);
      expect(await ctx.fs.exists(ctx.path('d/nope'))).to.equal(false);
    });

    it('exists is false for a path below a file', async () => {
      await ctx.fs.pipeFile(ctx.path('plain'), 'x');
      expect(await ctx.fs.exists(ctx.path('plain/below'))).to.equal(false);
    });

    it('isFile is true only for files', async () => {
      await ctx.fs.pipeFile(ctx.path('d/f.txt'), 'x');
      expect(await ctx.fs.isFile(ctx.path('d/f.txt'))).to.equal(true);
      expect(await ctx.fs.isFile(ctx.path('d'))).to.equal(false);
      expect(await ctx.fs.isFile(ctx.path('nope'))).to.equal(false);
    });

    it('isDir is true only for directories', async () => {
      await ctx.fs.pipeFile(ctx.path('d/f.txt'), 'x');
      expect(await ctx.fs.isDir(ctx.path('d'))).to.equal(true);
      expect(await ctx.fs.isDir(ctx.path('d/f.txt'))).to.equal(false);
      expect(await ctx.fs.isDir(ctx.path('nope'))).to.equal(false);
    });

    it('isDir is true for the test root', async () => {
      await ctx.fs.pipeFile(ctx.path('f'), 'x');
      expect(await ctx.fs.isDir(ctx.root)).to.equal(true);
    });
  });

  describe('size', () => {
    it('is the number of bytes of a file', async () => {
      await ctx.fs.pipeFile(ctx.path('s.bin'), new Uint8Array(1234));
      expect(await ctx.fs.size(ctx.path('s.bin'))).to.equal(1234);
    });

    it('is 0 for an empty file', async () => {
      await ctx.fs.pipeFile(ctx.path('empty'), new Uint8Array(0));
      expect(await ctx.fs.size(ctx.path('empty'))).to.equal(0);
    });

    it('counts UTF-8 bytes, not characters', async () => {
      await ctx.fs.writeText(ctx.path('u.txt'), 'héllo €');
      expect(await ctx.fs.size(ctx.path('u.txt'))).to.equal(Buffer.byteLength('héllo €'));
    });

    it('fails with NotFound for a missing file', async () => {
      await expectFsError(ctx.fs.size(ctx.path('missing')), 'NotFound');
    });
  });

  describe('modified', () => {
    itWhere(ctx, 'mtime', 'is a Date close to the time of the write', async () => {
      const before = Date.now();
      await ctx.fs.pipeFile(ctx.path('m.txt'), 'x');
      const mtime = await ctx.fs.modified(ctx.path('m.txt'));
      expect(mtime).to.be.instanceOf(Date);
      expect(Math.abs(mtime.getTime() - before)).to.be.below(60_000);
    });

    itWhere(
      ctx,
      'mtime',
      'fails with Unsupported where no modification time is kept',
      async () => {
        await ctx.fs.pipeFile(ctx.path('m.txt'), 'x');
        await expectFsError(ctx.fs.modified(ctx.path('m.txt')), 'Unsupported');
      },
      false,
    );

    it('fails with NotFound for a missing file', async () => {
      await expectFsError(ctx.fs.modified(ctx.path('missing')), 'NotFound');
    });
  });

  describe('checksum', () => {
    it('is a non-empty string that stays the same while the file is unchanged', async () => {
      await ctx.fs.pipeFile(ctx.path('c.txt'), 'abc');
      const first = await ctx.fs.checksum(ctx.path('c.txt'));
      expect(first).to.be.a('string').that.is.not.empty;
      expect(await ctx.fs.checksum(ctx.path('c.txt'))).to.equal(first);
    });

    it('changes when the content changes size', async () => {
      await ctx.fs.pipeFile(ctx.path('c.txt'), 'abc');
      const first = await ctx.fs.checksum(ctx.path('c.txt'));
      await ctx.fs.pipeFile(ctx.path('c.txt'), 'abcdef');
      expect(await ctx.fs.checksum(ctx.path('c.txt'))).to.not.equal(first);
    });

    it('changes when the content changes but the size does not', async () => {
      await ctx.fs.pipeFile(ctx.path('c.txt'), 'abc');
      const first = await ctx.fs.checksum(ctx.path('c.txt'));
      await new Promise((r) => setTimeout(r, 30));
      await ctx.fs.pipeFile(ctx.path('c.txt'), 'xyz');
      expect(await ctx.fs.checksum(ctx.path('c.txt'))).to.not.equal(first);
    });

    it('differs between files of different content', async () => {
      await ctx.fs.pipeFile(ctx.path('one'), 'same');
      await ctx.fs.pipeFile(ctx.path('two'), 'other');
      expect(await ctx.fs.checksum(ctx.path('one'))).to.not.equal(await ctx.fs.checksum(ctx.path('two')));
    });

    it('fails with NotFound for a missing file', async () => {
      await expectFsError(ctx.fs.checksum(ctx.path('missing')), 'NotFound');
    });
  });
}
