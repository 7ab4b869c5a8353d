import { filesystem } from '@omnifs/core';
import { expect, randomName } from '@omnifs/testkit';
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
