/** mkdir, makedirs, rmdir. */
import { expect } from '../chai';
import type { SuiteContext } from '../context';
import { expectFsError } from '../assertions';
import { itWhere } from '../gating';

/** Defines the directory tests. */
export function dirTests(ctx: SuiteContext): void {
  describe('makedirs', () => {
    itWhere(ctx, 'realDirectories', 'creates a directory with its missing parents', async () => {
      await ctx.fs.makedirs(ctx.path('a/b/c'));
      expect(await ctx.fs.isDir(ctx.path('a'))).to.equal(true);
      expect(await ctx.fs.isDir(ctx.path('a/b/c'))).to.equal(true);
    });

    itWhere(ctx, 'realDirectories', 'on an existing directory fails with AlreadyExists (EEXIST)', async () => {
      await ctx.fs.makedirs(ctx.path('a'));
      await expectFsError(ctx.fs.makedirs(ctx.path('a')), 'AlreadyExists', 'EEXIST');
    });

    it('with existOk succeeds on an existing directory and keeps its files', async () => {
      await ctx.fs.pipeFile(ctx.path('a/f'), 'x');
      await ctx.fs.makedirs(ctx.path('a'), { existOk: true });
      expect(await ctx.fs.readText(ctx.path('a/f'))).to.equal('x');
    });

    itWhere(
      ctx,
      'realDirectories',
      'on a prefix is a no-op that succeeds, also when it holds files',
      async () => {
        await ctx.fs.makedirs(ctx.path('p/q'));
        await ctx.fs.pipeFile(ctx.path('p/q/f'), 'x');
        await ctx.fs.makedirs(ctx.path('p/q'));
        expect(await ctx.fs.find(ctx.path('p'))).to.deep.equal([ctx.fs.normalize(ctx.path('p/q/f'))]);
      },
      false,
    );

    it('over a file fails with AlreadyExists and keeps the file', async () => {
      await ctx.fs.pipeFile(ctx.path('f'), 'x');
      await expectFsError(ctx.fs.makedirs(ctx.path('f'), { existOk: true }), 'AlreadyExists', 'EEXIST');
      expect(await ctx.fs.readText(ctx.path('f'))).to.equal('x');
    });

    itWhere(ctx, 'realDirectories', 'below a file fails with NotADirectory, with existOk too', async () => {
      await ctx.fs.pipeFile(ctx.path('g'), 'x');
      await expectFsError(ctx.fs.makedirs(ctx.path('g/sub')), 'NotADirectory', 'ENOTDIR');
      await expectFsError(ctx.fs.makedirs(ctx.path('g/sub'), { existOk: true }), 'NotADirectory', 'ENOTDIR');
      await expectFsError(ctx.fs.mkdir(ctx.path('g/sub/deeper')), 'NotADirectory', 'ENOTDIR');
      expect(await ctx.fs.readText(ctx.path('g'))).to.equal('x');
    });

    it('makes a directory that files can be written into', async () => {
      await ctx.fs.makedirs(ctx.path('w'), { existOk: true });
      await ctx.fs.pipeFile(ctx.path('w/f'), 'x');
      expect(await ctx.fs.isDir(ctx.path('w'))).to.equal(true);
    });
  });

  describe('mkdir', () => {
    itWhere(ctx, 'realDirectories', 'creates a directory and its parents', async () => {
      await ctx.fs.mkdir(ctx.path('m/n'));
      expect(await ctx.fs.isDir(ctx.path('m/n'))).to.equal(true);
    });

    itWhere(
      ctx,
      'realDirectories',
      'with createParents false fails with NotFound when the parent is missing',
      async () => {
        await expectFsError(ctx.fs.mkdir(ctx.path('m/n'), { createParents: false }), 'NotFound', 'ENOENT');
        expect(await ctx.fs.exists(ctx.path('m'))).to.equal(false);
      },
    );

    itWhere(ctx, 'realDirectories', 'on an existing directory fails with AlreadyExists (EEXIST)', async () => {
      await ctx.fs.mkdir(ctx.path('m'));
      await expectFsError(ctx.fs.mkdir(ctx.path('m')), 'AlreadyExists', 'EEXIST');
    });

    itWhere(
      ctx,
      'realDirectories',
      'on a prefix is a no-op that succeeds',
      async () => {
        await ctx.fs.mkdir(ctx.path('m/n'));
        await ctx.fs.mkdir(ctx.path('m/n'));
        expect(await ctx.fs.find(ctx.path('m'))).to.deep.equal([]);
      },
      false,
    );
  });

  describe('rmdir', () => {
    itWhere(ctx, 'realDirectories', 'removes an empty directory', async () => {
      await ctx.fs.makedirs(ctx.path('e'));
      await ctx.fs.rmdir(ctx.path('e'));
      expect(await ctx.fs.exists(ctx.path('e'))).to.equal(false);
    });

    it('fails with NotEmpty (ENOTEMPTY) for a directory with files and removes nothing', async () => {
      await ctx.fs.pipeFile(ctx.path('d/f'), 'x');
      await expectFsError(ctx.fs.rmdir(ctx.path('d')), 'NotEmpty', 'ENOTEMPTY');
      expect(await ctx.fs.readText(ctx.path('d/f'))).to.equal('x');
    });

    it('fails with NotFound (ENOENT) for a missing directory', async () => {
      await expectFsError(ctx.fs.rmdir(ctx.path('missing')), 'NotFound', 'ENOENT');
    });

    it('fails with NotADirectory (ENOTDIR) for a file and keeps it', async () => {
      await ctx.fs.pipeFile(ctx.path('f'), 'x');
      await expectFsError(ctx.fs.rmdir(ctx.path('f')), 'NotADirectory', 'ENOTDIR');
      expect(await ctx.fs.exists(ctx.path('f'))).to.equal(true);
    });
  });
}
