import {
  conformanceSuite,
  expect,
  expectFsError,
  randomBytes,
  randomName,
  ReferenceObjectStore,
  referenceService,
} from '@omnifs/testkit';
import { DeleteError, FsError, type Writer } from '@omnifs/core';
import type { UploadOptions } from '@omnifs/core/backend';
import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A reference store that counts how its uploads were fed: chunks written, or rooms filled in place. */
class CountingStore extends ReferenceObjectStore {
  writes = 0;
  fills = 0;
  /** Runs as an upload opens (after the transfer was planned, before its source is read). */
  onOpen: (() => void) | undefined;
  protected override openUpload(bucket: string, key: string, options: UploadOptions): Writer {
    this.onOpen?.();
    const writer = super.openUpload(bucket, key, options) as Writer & { filled(n: number): Promise<void> };
    const write = writer.write.bind(writer);
    const filled = writer.filled.bind(writer);
    writer.write = (chunk) => {
      this.writes++;
      return write(chunk);
    };
    writer.filled = (n) => {
      this.fills++;
      return filled(n);
    };
    return writer;
  }
}

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

  describe('put of a local file of several parts', function () {
    let local = '';
    before(async () => {
      local = await mkdtemp(join(tmpdir(), 'omnifs-fill-'));
    });
    after(() => rm(local, { recursive: true, force: true }));

    it('reads the file straight into the part buffers: byte-exact, nothing copied through write', async function () {
      const counting = new CountingStore({ service, partSize: 1024 });
      const data = randomBytes(5 * 1024 + 7);
      await writeFile(join(local, 'big.bin'), data);
      const seen: number[] = [];
      await counting.put(join(local, 'big.bin'), `${root}/big.bin`, { onProgress: (p) => seen.push(p.bytes) });
      expect(Buffer.compare(await counting.catFile(`${root}/big.bin`), data)).to.equal(0);
      expect({ writes: counting.writes, fills: counting.fills }).to.deep.equal({ writes: 0, fills: 6 });
      expect(seen.at(-1)).to.equal(data.byteLength);
      expect(service.uploads.size).to.equal(0);
      // A file of one part goes through write, as one put.
      await writeFile(join(local, 'small.bin'), data.subarray(0, 1000));
      await counting.put(join(local, 'small.bin'), `${root}/small.bin`);
      expect({ writes: counting.writes, fills: counting.fills }).to.deep.equal({ writes: 1, fills: 6 });
    });

    it('aborted midway leaves neither the object nor an upload', async function () {
      const counting = new CountingStore({ service, partSize: 1024 });
      await writeFile(join(local, 'big.bin'), randomBytes(8 * 1024));
      const controller = new AbortController();
      const err = await counting
        .put(join(local, 'big.bin'), `${root}/big.bin`, {
          signal: controller.signal,
          onProgress: (p) => {
            if (p.bytes >= 2048) controller.abort();
          },
        })
        .catch((e: unknown) => e);
      expect(err).to.be.instanceOf(FsError).with.property('kind', 'Aborted');
      expect(counting.fills).to.be.within(2, 7);
      expect(service.uploads.size).to.equal(0);
      expect(await counting.exists(`${root}/big.bin`)).to.equal(false);
    });

    it('fails with NotFound and leaves nothing when the file is gone before it is opened', async function () {
      const counting = new CountingStore({ service, partSize: 1024 });
      await writeFile(join(local, 'gone.bin'), randomBytes(4096));
      counting.onOpen = () => rmSync(join(local, 'gone.bin'));
      await expectFsError(counting.put(join(local, 'gone.bin'), `${root}/gone.bin`), 'NotFound', 'ENOENT');
      expect(counting.fills + counting.writes).to.equal(0);
      expect(service.uploads.size).to.equal(0);
      expect(await counting.exists(`${root}/gone.bin`)).to.equal(false);
    });
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
