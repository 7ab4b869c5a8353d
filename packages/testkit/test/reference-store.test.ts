import {
  conformanceSuite,
  expect,
  expectFsError,
  randomBytes,
  randomName,
  ReferenceObjectStore,
  referenceService,
} from '@omnifs/testkit';
import { DeleteError } from '@omnifs/core';

// The suite's object-store branches run against the reference store, which is built on
// ObjectStoreFileSystem: pages of three keys, so every listing is paged.
conformanceSuite({
  name: 'reference object store (testkit)',
  factory: () => new ReferenceObjectStore({ pageSize: 3, partSize: 1024 }),
  declared: new ReferenceObjectStore({ partSize: 1024 }).capabilities,
  root: async () => `${randomName('bucket')}/${randomName('prefix')}`,
});

describe('reference object store: the store rules ObjectStoreFileSystem derives from the primitives', function () {
  const service = referenceService();
  const fs = new ReferenceObjectStore({ service, pageSize: 2, partSize: 1024 });
  let root = '';

  beforeEach(async function () {
    root = randomName('bucket');
    await fs.makedirs(root);
  });

  it('writes an object larger than a part as a multipart upload and reads it back whole and in ranges', async function () {
    const data = randomBytes(5 * 1024 + 7);
    await fs.pipeFile(`${root}/big.bin`, data);
    expect(Buffer.compare(await fs.catFile(`${root}/big.bin`), data)).to.equal(0);
    expect(
      Buffer.compare(await fs.catFile(`${root}/big.bin`, { start: 1000, end: 3000 }), data.subarray(1000, 3000)),
    ).to.equal(0);
    expect(service.uploads.size).to.equal(0);
  });

  it('leaves neither an object nor an upload behind when a streamed write is aborted', async function () {
    const writer = await fs.openWriter(`${root}/gone.bin`);
    await writer.write(randomBytes(3000));
    expect(service.uploads.size).to.equal(1);
    await writer.abort();
    expect(service.uploads.size).to.equal(0);
    expect(await fs.exists(`${root}/gone.bin`)).to.equal(false);
  });

  it('refuses an exclusive create of an existing key with AlreadyExists, keeping the object', async function () {
    await fs.writeText(`${root}/a`, 'first');
    await expectFsError(fs.openWriter(`${root}/a`, { mode: 'create' }), 'AlreadyExists');
    await expectFsError(fs.pipeFile(`${root}/a`, new Uint8Array(1), { mode: 'create' }), 'AlreadyExists');
    expect(await fs.readText(`${root}/a`)).to.equal('first');
  });

  it('deletes a tree through deleteBatch and reports the keys the service refused in one DeleteError', async function () {
    await fs.pipe({ [`${root}/d/a`]: 'a', [`${root}/d/locked`]: 'b', [`${root}/d/e/c`]: 'c' });
    service.locked.add(`${root}/d/locked`);
    const err = await fs.rm(`${root}/d`, { recursive: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    service.locked.clear();
    expect(err).to.be.instanceOf(DeleteError);
    const failure = err as DeleteError;
    expect(failure.failed).to.deep.equal([
      { path: `${root}/d/locked`, kind: 'PermissionDenied', code: 'AccessDenied', temporary: false },
    ]);
    expect(failure.kind).to.equal('PermissionDenied');
    expect(failure.message)
      .to.contain('could not delete 1 of 3 objects')
      .and.contain(`${root}/d/locked (AccessDenied)`);
    expect(await fs.find(root)).to.deep.equal([`${root}/d/locked`]);
  });

  it('rm of a prefix is IsADirectory, of a missing key NotFound; rmdir removes an empty bucket only', async function () {
    await fs.writeText(`${root}/p/x`, 'x');
    await expectFsError(fs.rm(`${root}/p`), 'IsADirectory');
    await expectFsError(fs.rm(`${root}/nothing`), 'NotFound');
    await expectFsError(fs.rmdir(root), 'NotEmpty');
    await fs.rm(`${root}/p/x`);
    await fs.rmdir(root);
    expect(await fs.exists(root)).to.equal(false);
  });

  it('lists across pages: every key of a prefix, one level and the whole tree', async function () {
    const files = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`${root}/many/f${i}`, `${i}`]));
    await fs.pipe({ ...files, [`${root}/many/sub/g`]: 'g' });
    expect(await fs.ls(`${root}/many`)).to.have.length(8);
    expect(await fs.find(`${root}/many`)).to.have.length(8);
  });
});
