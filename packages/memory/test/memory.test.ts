import {
  clearInstanceCache, filesystem, FileSystem, getFileSystemClass, registerImplementation, registerKnownImplementation, unregisterImplementation, urlToFs,
  type FileSystemClass,
} from '@omnifs/core';
import { expect, expectFsError, randomName } from '@omnifs/testkit';
import { MemoryFileSystem, memoryBackedClass, resetMemoryStore, useMemoryFor } from '@omnifs/memory';

describe('memory backend', () => {
  describe('stores', () => {
    it('shares one store between instances by default', async () => {
      const p = `/${randomName()}/shared.txt`;
      await filesystem('memory').writeText(p, 'seen by all');
      expect(await new MemoryFileSystem().readText(p)).to.equal('seen by all');
      expect(await filesystem('memory', { skipInstanceCache: true }).readText(p)).to.equal('seen by all');
    });

    it('gives an instance with store "private" a store of its own', async () => {
      const p = `/${randomName()}/private.txt`;
      const a = new MemoryFileSystem({ store: 'private' });
      const b = new MemoryFileSystem({ store: 'private' });
      await a.writeText(p, 'only a');
      expect(await b.exists(p)).to.equal(false);
      expect(await filesystem('memory').exists(p)).to.equal(false);
      expect(await a.readText(p)).to.equal('only a');
    });

    it('resetMemoryStore empties the shared store, not private ones', async () => {
      const p = `/${randomName()}/r.txt`;
      const priv = new MemoryFileSystem({ store: 'private' });
      await filesystem('memory').writeText(p, 'x');
      await priv.writeText(p, 'y');
      resetMemoryStore();
      expect(await filesystem('memory').exists(p)).to.equal(false);
      expect(await priv.readText(p)).to.equal('y');
    });

    it('reset() empties the instance\'s own store', async () => {
      const priv = new MemoryFileSystem({ store: 'private' });
      await priv.writeText('/a/b', 'x');
      priv.reset();
      expect(await priv.find('/')).to.deep.equal([]);
    });

    it('declares native append and exclusive create', () => {
      expect(new MemoryFileSystem().capabilities).to.include({ append: true, exclusiveCreate: true, realDirectories: true });
    });
  });

  describe('useMemoryFor', () => {
    afterEach(() => clearInstanceCache());

    it('serves a protocol from memory with object-store paths', async () => {
      const restore = useMemoryFor(['s3']);
      try {
        const fs = filesystem('s3');
        expect(fs).to.be.instanceOf(MemoryFileSystem);
        expect(fs.rootMarker).to.equal('');
        const bucket = randomName('bucket');
        await fs.writeText(`${bucket}/data/a.csv`, '1,2');
        const { fs: viaUrl, path } = urlToFs(`s3://${bucket}/data/a.csv`);
        expect(path).to.equal(`${bucket}/data/a.csv`);
        expect(await viaUrl.readText(path)).to.equal('1,2');
        expect(await fs.ls(`${bucket}/data`)).to.deep.equal([`${bucket}/data/a.csv`]);
      } finally {
        restore();
      }
    });

    it('keeps mocked files apart from the memory protocol\'s own files', async () => {
      const restore = useMemoryFor(['gs']);
      try {
        const bucket = randomName('bucket');
        await filesystem('gs').writeText(`${bucket}/k`, 'gs');
        expect(await filesystem('memory').exists(`/${bucket}/k`)).to.equal(false);
      } finally {
        restore();
      }
    });

    it('restores the previous registration when undone', () => {
      class Placeholder extends MemoryFileSystem {
        static override protocols: readonly string[] = ['gs'];
      }
      registerImplementation('gs', Placeholder as unknown as FileSystemClass, { clobber: true });
      try {
        const restore = useMemoryFor(['gs']);
        expect(getFileSystemClass('gs')).to.not.equal(Placeholder);
        restore();
        expect(getFileSystemClass('gs')).to.equal(Placeholder);
        expect(filesystem('gs')).to.be.instanceOf(Placeholder);
      } finally {
        unregisterImplementation('gs');
      }
    });

    it('leaves a protocol whose package is not installed unavailable again when undone', async () => {
      // A known protocol whose package is not installed (every omnifs package is, here).
      registerKnownImplementation('notinstalled', { pkg: '@omnifs/not-installed', exportName: 'NotInstalledFileSystem' });
      const restore = useMemoryFor(['notinstalled']);
      expect(filesystem('notinstalled')).to.be.instanceOf(FileSystem);
      restore();
      const err = await expectFsError(() => filesystem('notinstalled'), 'Unsupported', 'ENOTSUP');
      expect(err.message).to.include('npm install @omnifs/not-installed');
    });

    it('memoryBackedClass names its protocol', () => {
      const cls = memoryBackedClass('hdfs');
      expect(cls.protocols).to.deep.equal(['hdfs']);
      expect(String(new cls())).to.include('hdfs');
    });
  });
});
