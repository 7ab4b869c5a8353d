/** Unicode, spaces and odd characters in names; deep nesting; URLs. */
import { ObjectStoreFileSystem } from '@omnifs/core/backend';
import { expect } from '../chai';
import type { SuiteContext } from '../context';
import { expectBytes, expectFsError } from '../assertions';
import { fixtureContent } from '../helpers';

const NAMES = [
  'with space.txt',
  'ünïcödé.txt',
  '日本語のファイル.txt',
  'emoji 🙂.bin',
  "quote's & (paren) #hash %25 +plus=.txt",
  'trailing dot.',
];

/** Defines the name tests. */
export function nameTests(ctx: SuiteContext): void {
  describe('names', () => {
    for (const name of NAMES) {
      it(`writes, lists, reads and removes "${name}"`, async () => {
        const p = ctx.path('dir with space', name);
        await ctx.fs.pipeFile(p, fixtureContent(name));
        expect(await ctx.fs.ls(ctx.path('dir with space'))).to.deep.equal([ctx.fs.normalize(p)]);
        expectBytes(await ctx.fs.catFile(p), fixtureContent(name));
        expect(await ctx.fs.info(p)).to.include({ name: ctx.fs.normalize(p), type: 'file' });
        await ctx.fs.rm(p);
        expect(await ctx.fs.exists(p)).to.equal(false);
      });
    }

    it('copies and finds unicode names in a tree', async () => {
      await ctx.fs.pipeFile(ctx.path('src', 'répertoire', 'fichier été.txt'), 'é');
      await ctx.fs.cp(`${ctx.path('src')}/`, ctx.path('dst'), { recursive: true });
      expect(await ctx.fs.find(ctx.path('dst'))).to.deep.equal([
        ctx.fs.normalize(ctx.path('dst', 'répertoire', 'fichier été.txt')),
      ]);
      expect(await ctx.fs.glob(ctx.path('dst', '*', '*été*'))).to.have.length(1);
    });

    it('writes names of 255 bytes (the longest most filesystems take), streamed or whole', async () => {
      // 255 bytes each: ASCII, and two-byte characters with one ASCII byte.
      const names = ['n'.repeat(255), `${'é'.repeat(127)}x`];
      for (const name of names) {
        const p = ctx.path(`long/${name}`);
        await ctx.fs.pipeFile(p, 'whole');
        expect(await ctx.fs.readText(p)).to.equal('whole');
        const f = await ctx.fs.open(p, 'wb');
        await f.write('streamed');
        await f.close();
        expect(await ctx.fs.readText(p)).to.equal('streamed');
      }
      expect((await ctx.fs.ls(ctx.path('long'))).length).to.equal(2);
    });

    it('handles a file 12 directories deep', async () => {
      const segments = Array.from({ length: 12 }, (_, i) => `level${i}`);
      const p = ctx.path(...segments, 'leaf.txt');
      await ctx.fs.pipeFile(p, 'deep');
      expect(await ctx.fs.readText(p)).to.equal('deep');
      expect(await ctx.fs.find(ctx.path('level0'))).to.deep.equal([ctx.fs.normalize(p)]);
      expect(await ctx.fs.glob(ctx.path('**', 'leaf.txt'))).to.deep.equal([ctx.fs.normalize(p)]);
      await ctx.fs.rm(ctx.path('level0'), { recursive: true });
      expect(await ctx.fs.exists(ctx.path('level0'))).to.equal(false);
    });

    // A path names a file: "." and ".." segments and repeated slashes are resolved. An
    // object key may hold them literally (written by another tool), and resolving one
    // would read or remove another key, its twin: object stores refuse such names.
    it('treats "." segments and repeated slashes as the same path; an object store refuses them', async () => {
      await ctx.fs.pipeFile(ctx.path('a/b.txt'), 'x');
      for (const odd of [`${ctx.path('a')}/.//b.txt`, `${ctx.path('a')}//b.txt`, `${ctx.path('a')}/./b.txt`]) {
        if (ctx.fs instanceof ObjectStoreFileSystem) {
          await expectFsError(() => ctx.fs.readText(odd), 'InvalidArgument', 'EINVAL');
          await expectFsError(() => ctx.fs.rm(odd), 'InvalidArgument', 'EINVAL');
          continue;
        }
        expect(await ctx.fs.readText(odd)).to.equal('x');
        expect((await ctx.fs.info(odd)).name).to.equal(ctx.fs.normalize(ctx.path('a/b.txt')));
      }
      expect(await ctx.fs.readText(`${ctx.path('a/b.txt')}`)).to.equal('x');
    });

    it('resolves ".." inside the root; an object store refuses it', async () => {
      await ctx.fs.pipeFile(ctx.path('a/b.txt'), 'x');
      const odd = `${ctx.path('a')}/c/../b.txt`;
      if (ctx.fs instanceof ObjectStoreFileSystem) {
        await expectFsError(() => ctx.fs.readText(odd), 'InvalidArgument', 'EINVAL');
        await expectFsError(() => ctx.fs.rm(odd), 'InvalidArgument', 'EINVAL');
        expect(await ctx.fs.readText(ctx.path('a/b.txt'))).to.equal('x');
        return;
      }
      expect(await ctx.fs.readText(odd)).to.equal('x');
    });

    it('accepts full URLs of its own protocol in every method', async () => {
      const url = (rel: string): string => ctx.fs.unstripProtocol(ctx.path(rel));
      await ctx.fs.pipeFile(url('u/a.txt'), 'via url');
      expect(await ctx.fs.readText(url('u/a.txt'))).to.equal('via url');
      expect(await ctx.fs.ls(url('u'))).to.deep.equal([ctx.fs.normalize(ctx.path('u/a.txt'))]);
      await ctx.fs.cp(url('u/a.txt'), url('u/b.txt'));
      expect(await ctx.fs.find(url('u'))).to.have.length(2);
      await ctx.fs.rm(url('u'), { recursive: true });
      expect(await ctx.fs.exists(ctx.path('u'))).to.equal(false);
    });
  });
}
