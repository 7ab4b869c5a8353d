/**
 * Core's object stores on a service that refuses batch deletes as a whole (a store without
 * S3's DeleteObjects, Azurite's blob batch under a SAS): the keys are deleted one by one,
 * and from then on without trying a batch again.
 */
import { DeleteError, FsError, type ErrorKind, type FailedDelete } from '@omnifs/core';
import { expect } from '@omnifs/testkit';
import { MemoryObjectStore, S3_RULES } from '@omnifs/memory';

/** A memory object store whose batch deletes fail with `kind`, counting the requests. */
class NoBatchStore extends MemoryObjectStore {
  batches = 0;
  singles = 0;
  refuse = new Set<string>();
  constructor(
    private readonly batchKind: ErrorKind,
    private readonly temporary = false,
  ) {
    super(S3_RULES, { skipInstanceCache: true });
  }
  protected override async deleteBatch(): Promise<FailedDelete[]> {
    this.batches++;
    throw new FsError({
      kind: this.batchKind,
      message: 'batch deletes are not served here',
      temporary: this.temporary,
    });
  }
  protected override async deleteObject(bucket: string, key: string): Promise<void> {
    this.singles++;
    if (this.refuse.has(key)) throw new FsError({ kind: 'PermissionDenied', message: 'AccessDenied' });
    return super.deleteObject(bucket, key);
  }
}

const tree = async (fs: NoBatchStore, dir: string, n: number): Promise<void> => {
  await fs.makedirs('bkt', { existOk: true });
  await fs.pipe(Object.fromEntries(Array.from({ length: n }, (_, i) => [`bkt/${dir}/f${i}`, `${i}`])));
};

describe('object stores without batch deletes', () => {
  it('deletes one by one after a temporary batch failure, and tries a batch again next time', async () => {
    const fs = new NoBatchStore('Unexpected', true);
    await tree(fs, 'x', 3);
    await fs.rm('bkt/x', { recursive: true });
    await tree(fs, 'y', 3);
    await fs.rm('bkt/y', { recursive: true });
    expect(await fs.find('bkt')).to.deep.equal([]);
    expect([fs.batches, fs.singles]).to.deep.equal([2, 6]);
  });

  for (const kind of ['Unsupported', 'InvalidArgument', 'Unexpected'] as const) {
    it(`removes trees, lists and files one key at a time after a batch fails with ${kind}, and asks no batch again`, async () => {
      const fs = new NoBatchStore(kind);
      await tree(fs, 'x', 30);
      await fs.rm('bkt/x', { recursive: true });
      expect(await fs.exists('bkt/x')).to.equal(false);
      expect(fs.batches).to.equal(1);
      expect(fs.singles).to.equal(30);
      await tree(fs, 'y', 5);
      await fs.rm(['bkt/y/f0', 'bkt/y/f1']);
      await fs.rm('bkt/y', { recursive: true });
      expect(await fs.find('bkt')).to.deep.equal([]);
      expect(fs.batches).to.equal(1);
    });
  }

  it('reports the keys the service refused one by one in a DeleteError, the rest deleted', async () => {
    const fs = new NoBatchStore('Unsupported');
    await tree(fs, 'x', 4);
    fs.refuse.add('x/f2');
    const err = await fs.rm('bkt/x', { recursive: true }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(DeleteError);
    expect((err as DeleteError).failed.map((f) => [f.path, f.kind])).to.deep.equal([['bkt/x/f2', 'PermissionDenied']]);
    expect(await fs.find('bkt')).to.deep.equal(['bkt/x/f2']);
  });

  it('keeps the batch error when no key goes one by one either, and tries batches again', async () => {
    const fs = new NoBatchStore('Unexpected');
    await tree(fs, 'x', 2);
    fs.refuse.add('x/f0').add('x/f1');
    const err = await fs.rm('bkt/x', { recursive: true }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(FsError).and.include({ kind: 'Unexpected' });
    expect((err as FsError).message).to.include('batch deletes are not served here');
    fs.refuse.clear();
    await fs.rm('bkt/x', { recursive: true });
    expect(fs.batches).to.equal(2);
  });

  for (const kind of ['PermissionDenied', 'NotFound', 'RateLimited'] as const) {
    it(`does not go one by one when the batch fails with ${kind}`, async () => {
      const fs = new NoBatchStore(kind);
      await tree(fs, 'x', 2);
      const err = await fs.rm('bkt/x', { recursive: true }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(FsError).and.include({ kind });
      expect(fs.singles).to.equal(0);
    });
  }
});
