import { filesystem } from '@omnifs/core';
import { expect, expectFsError, randomName } from '@omnifs/testkit';
import { MemoryFileSystem, resetMemoryStore } from '@omnifs/memory';

describe('memory backend', () => {
  it('mkdir and makedirs without existOk: of several racers exactly one succeeds', async () => {
    const fs = new MemoryFileSystem({ store: 'private' });
    for (const make of [(p: string) => fs.mkdir(p), (p: string) => fs.makedirs(p)]) {
      const p = `/race-${Math.random().toString(36).slice(2)}/leaf`;
      const outcomes = await Promise.all(
        Array.from({ length: 6 }, () =>
          make(p).then(
            () => 'made',
            (e: unknown) => (e as { kind?: string }).kind,
          ),
        ),
      );
      expect(outcomes.filter((o) => o === 'made')).to.have.length(1);
      expect(outcomes.filter((o) => o === 'AlreadyExists')).to.have.length(5);
    }
  });

  describe('versions', () => {
    const fs = new MemoryFileSystem({ store: 'private' });

    it('readChunks and open rb read one version: a file replaced meanwhile fails with ConditionNotMatch', async () => {
      await fs.pipeFile('/v/chunks.bin', Buffer.alloc(12 << 20, 'a'));
      const parts: Buffer[] = [];
      const reading = (async () => {
        for await (const c of fs.readChunks('/v/chunks.bin')) {
          parts.push(c);
          if (parts.length === 1) await fs.pipeFile('/v/chunks.bin', Buffer.alloc((12 << 20) + 500, 'b'));
        }
      })();
      await expectFsError(reading, 'ConditionNotMatch', 'ESTALE');
      expect(Buffer.concat(parts).includes('b')).to.equal(false);

      await fs.pipeFile('/v/open.bin', Buffer.alloc(200_000, 'a'));
      const f = await fs.open('/v/open.bin', 'rb', { blockSize: 65_536 });
      try {
        expect(String(await f.read(1000))).to.equal('a'.repeat(1000));
        await fs.pipeFile('/v/open.bin', Buffer.alloc(200_000, 'b'));
        await expectFsError(f.read(199_000), 'ConditionNotMatch', 'ESTALE');
      } finally {
        await f.close();
      }
    });

    it('gives every write a new version, even of one size within one millisecond', async () => {
      const etags = new Set<string | undefined>();
      for (const text of ['one', 'two', 'six']) {
        await fs.pipeFile('/v/same.txt', text);
        etags.add((await fs.info('/v/same.txt')).etag);
      }
      await fs.cp('/v/same.txt', '/v/copy.txt');
      etags.add((await fs.info('/v/copy.txt')).etag);
      await fs.mv('/v/copy.txt', '/v/same.txt');
      etags.add((await fs.info('/v/same.txt')).etag);
      expect([...etags].every((e) => typeof e === 'string')).to.equal(true);
      expect(etags.size).to.equal(5);
      expect(await fs.checksum('/v/same.txt')).to.match(/^[0-9a-f]{32}$/);
      await expectFsError(fs.catFile('/v/same.txt', { etag: [...etags][0]! }), 'ConditionNotMatch', 'ESTALE');
    });
  });

  describe('stores', () => {
    it("empties the store with rm('/', { recursive: true }) and rmTree('/'), as fsspec, without an error", async () => {
      const fs = new MemoryFileSystem({ store: 'private' });
      for (const remove of [() => fs.rm('/', { recursive: true }), () => fs.rmTree('/')]) {
        await fs.pipe({ '/a/b.txt': 'b', '/c.txt': 'c' });
        await fs.makedirs('/empty/dir');
        await remove();
        expect(await fs.find('/', { withDirs: true })).to.deep.equal([]);
        expect(await fs.isDir('/')).to.equal(true);
      }
    });

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

    it("reset() empties the instance's own store", async () => {
      const priv = new MemoryFileSystem({ store: 'private' });
      await priv.writeText('/a/b', 'x');
      priv.reset();
      expect(await priv.find('/')).to.deep.equal([]);
    });

    it('declares native append and exclusive create', () => {
      expect(new MemoryFileSystem().capabilities).to.include({
        append: true,
        exclusiveCreate: true,
        realDirectories: true,
      });
    });
  });
});
