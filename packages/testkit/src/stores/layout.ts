/**
 * How an object store shows as a filesystem: buckets (containers) at the top, key
 * prefixes as directories, reads and writes of objects, server-side copies.
 */
import type { FileInfo, FileSystem } from '@omnifs/core';
import { expect } from '../chai';
import { expectFsError } from '../assertions';
import { randomName } from '../helpers';
import type { Store } from './store';

/** What the bucket tests need besides the store. */
export interface BucketSides {
  /** What the store calls a bucket: `bucket`, `container`. */
  readonly word: string;
  /** True where the server gives one fixed bucket (an external server): the bucket tests then skip. */
  readonly fixed?: () => boolean;
  /** Checks the store's own fields of a new bucket's `info`. */
  readonly bucketEntry?: (info: FileInfo) => void;
}

/** Buckets as the top directories: makedirs, mkdir, rmdir, ls and a missing bucket. */
export function bucketTests(store: Store, sides: BucketSides): void {
  const { word } = sides;
  describe(`${word}s`, function () {
    beforeEach(function () {
      if (sides.fixed?.()) this.skip(); // an external server gives one fixed bucket
    });

    it(`creates a ${word} with makedirs and lists it at the root`, async function () {
      const { fs } = store;
      const bucket = randomName('mk');
      await fs.makedirs(bucket);
      expect(await fs.ls('')).to.include(bucket);
      const info = await fs.info(bucket);
      expect(info).to.include({ name: bucket, type: 'directory', size: 0 });
      sides.bucketEntry?.(info);
      expect(await fs.isDir(bucket)).to.equal(true);
      expect(await fs.ls(bucket)).to.deep.equal([]);
    });

    it(`refuses makedirs and mkdir of an existing ${word} unless existOk`, async function () {
      const { fs, root } = store;
      await expectFsError(fs.makedirs(root), 'AlreadyExists');
      await fs.makedirs(root, { existOk: true });
      await expectFsError(fs.mkdir(root), 'AlreadyExists');
    });

    it(`creates the ${word} of a prefix given to makedirs, and refuses mkdir below a missing one`, async function () {
      const { fs } = store;
      const bucket = randomName('mkp');
      await expectFsError(fs.mkdir(`${bucket}/exp`, { createParents: false }), 'NotFound');
      await fs.makedirs(`${bucket}/exp/run`);
      expect(await fs.isDir(bucket)).to.equal(true);
    });

    it(`removes an empty ${word} with rmdir and refuses a non-empty one`, async function () {
      const { fs, root } = store;
      await fs.writeText(`${root}/a.txt`, 'a');
      await expectFsError(fs.rmdir(root), 'NotEmpty', 'ENOTEMPTY');
      expect(await fs.readText(`${root}/a.txt`)).to.equal('a');
      await fs.rm(`${root}/a.txt`);
      await fs.rmdir(root);
      expect(await fs.exists(root)).to.equal(false);
    });
  });

  it(`reports a missing ${word} as NotFound`, async function () {
    const { fs } = store;
    await expectFsError(fs.catFile(`omnifs-no-such-${word}-x1/k`), 'NotFound');
    await expectFsError(fs.ls(`omnifs-no-such-${word}-x1`), 'NotFound');
    expect(await fs.exists(`omnifs-no-such-${word}-x1`)).to.equal(false);
  });
}

/** What the prefix tests need besides the store. */
export interface PrefixSides {
  /** Checks the store's own fields of a listed file's entry (`dir/a.txt`, one byte). */
  readonly fileEntry?: (entry: FileInfo) => void;
}

/** Writes the tree the prefix tests list below the test's root: `dir/a.txt`, `dir/sub/b.txt`, `top.txt`. */
export async function writePrefixFixture(store: Store): Promise<void> {
  const { fs, root } = store;
  await fs.pipe({ [`${root}/dir/a.txt`]: 'a', [`${root}/dir/sub/b.txt`]: 'bb', [`${root}/top.txt`]: 'top' });
}

/** Key prefixes as directories: info, ls, find, glob, du, makedirs, rm and rmdir. */
export function prefixTests(store: Store, sides: PrefixSides = {}): void {
  describe('prefixes as directories', function () {
    beforeEach(() => writePrefixFixture(store));

    it('reports a prefix as a directory in info, isDir and isFile', async function () {
      const { fs, root } = store;
      expect(await fs.info(`${root}/dir`)).to.deep.include({ name: `${root}/dir`, type: 'directory', size: 0 });
      expect(await fs.isDir(`${root}/dir/sub`)).to.equal(true);
      expect(await fs.isFile(`${root}/dir`)).to.equal(false);
      expect(await fs.isFile(`${root}/dir/a.txt`)).to.equal(true);
      expect(await fs.exists(`${root}/di`)).to.equal(false);
    });

    it('lists one level with files and subdirectories', async function () {
      const { fs, root } = store;
      expect(await fs.ls(root)).to.deep.equal([`${root}/dir`, `${root}/top.txt`]);
      const detail = await fs.ls(`${root}/dir`, { detail: true });
      expect(detail.map((e) => [e.name, e.type, e.size])).to.deep.equal([
        [`${root}/dir/a.txt`, 'file', 1],
        [`${root}/dir/sub`, 'directory', 0],
      ]);
      expect(detail[0]!.mtime).to.be.instanceOf(Date);
      sides.fileEntry?.(detail[0]!);
    });

    it('lists a file as itself and a missing prefix as NotFound', async function () {
      const { fs, root } = store;
      expect(await fs.ls(`${root}/top.txt`)).to.deep.equal([`${root}/top.txt`]);
      await expectFsError(fs.ls(`${root}/nothing`), 'NotFound');
    });

    it('finds every key below a prefix in one flat listing, with directories on request', async function () {
      const { fs, root } = store;
      expect(await fs.find(root)).to.deep.equal([`${root}/dir/a.txt`, `${root}/dir/sub/b.txt`, `${root}/top.txt`]);
      expect(await fs.find(root, { withDirs: true })).to.deep.equal([
        root,
        `${root}/dir`,
        `${root}/dir/a.txt`,
        `${root}/dir/sub`,
        `${root}/dir/sub/b.txt`,
        `${root}/top.txt`,
      ]);
      expect(await fs.find(`${root}/dir`, { maxDepth: 1 })).to.deep.equal([`${root}/dir/a.txt`]);
      expect(await fs.du(`${root}/dir`)).to.equal(3);
    });

    it('globs across prefixes', async function () {
      const { fs, root } = store;
      const all = [`${root}/dir/a.txt`, `${root}/dir/sub/b.txt`, `${root}/top.txt`];
      expect(await fs.glob(`${root}/**/*.txt`)).to.deep.equal(all);
    });

    it('treats makedirs of a prefix as a no-op that succeeds', async function () {
      const { fs, root } = store;
      await fs.makedirs(`${root}/new/prefix`);
      await fs.makedirs(`${root}/dir`);
      expect(await fs.exists(`${root}/new/prefix`)).to.equal(false);
    });

    it('removes a prefix recursively', async function () {
      const { fs, root } = store;
      await fs.rm(`${root}/dir`, { recursive: true });
      expect(await fs.find(root)).to.deep.equal([`${root}/top.txt`]);
      expect(await fs.exists(`${root}/dir`)).to.equal(false);
    });

    it('removes an object named like a prefix with the keys below it by rm -r, alone by rm', async function () {
      const { fs, root } = store;
      await fs.writeText(`${root}/dir`, 'object');
      expect((await fs.info(`${root}/dir`)).type).to.equal('file');
      await fs.rm(`${root}/dir`);
      expect(await fs.find(root)).to.deep.equal([`${root}/dir/a.txt`, `${root}/dir/sub/b.txt`, `${root}/top.txt`]);
      await fs.writeText(`${root}/dir`, 'object');
      await fs.rm(`${root}/dir`, { recursive: true });
      expect(await fs.find(root)).to.deep.equal([`${root}/top.txt`]);
    });

    it('refuses rmdir of a non-empty prefix', async function () {
      await expectFsError(store.fs.rmdir(`${store.root}/dir`), 'NotEmpty');
    });
  });
}

/** Whole and ranged reads of what was written, and exclusive creation. */
export function readWriteTests(store: Store): void {
  it('reads back what it wrote, whole and by range', async function () {
    const { fs, root } = store;
    await fs.pipeFile(`${root}/r.txt`, '0123456789abcdef');
    expect(await fs.readText(`${root}/r.txt`)).to.equal('0123456789abcdef');
    expect(Buffer.from(await fs.catFile(`${root}/r.txt`, { start: 4, end: 10 })).toString()).to.equal('456789');
    expect(Buffer.from(await fs.tail(`${root}/r.txt`, 3)).toString()).to.equal('def');
    expect(Buffer.from(await fs.catFile(`${root}/r.txt`, { start: 14, end: 100 })).toString()).to.equal('ef');
    expect((await fs.catFile(`${root}/r.txt`, { start: 100 })).byteLength).to.equal(0);
  });

  it('creates exclusively with mode create and xb', async function () {
    const { fs, root } = store;
    await fs.pipeFile(`${root}/x.txt`, 'first', { mode: 'create' });
    await expectFsError(fs.pipeFile(`${root}/x.txt`, 'second', { mode: 'create' }), 'AlreadyExists', 'EEXIST');
    await expectFsError(fs.open(`${root}/x.txt`, 'xb'), 'AlreadyExists');
    const f = await fs.open(`${root}/y.txt`, 'xb');
    await f.write('created');
    await f.close();
    expect(await fs.readText(`${root}/y.txt`)).to.equal('created');
    expect(await fs.readText(`${root}/x.txt`)).to.equal('first');
  });
}

/** Server-side copies of an object and of a prefix, and moves. */
export function copyMoveTests(store: Store): void {
  it('copies an object server-side and keeps the source', async function () {
    const { fs, root } = store;
    await fs.writeText(`${root}/src/a b+c.txt`, 'payload');
    await fs.cp(`${root}/src/a b+c.txt`, `${root}/dst/copy.txt`);
    expect(await fs.readText(`${root}/dst/copy.txt`)).to.equal('payload');
    expect(await fs.exists(`${root}/src/a b+c.txt`)).to.equal(true);
  });

  it('copies a prefix recursively', async function () {
    const { fs, root } = store;
    await fs.pipe({ [`${root}/tree/a`]: 'a', [`${root}/tree/s/b`]: 'b' });
    await fs.cp(`${root}/tree/`, `${root}/copy`, { recursive: true });
    expect(await fs.find(`${root}/copy`)).to.deep.equal([`${root}/copy/a`, `${root}/copy/s/b`]);
    expect(await fs.find(`${root}/tree`)).to.deep.equal([`${root}/tree/a`, `${root}/tree/s/b`]);
  });

  it('moves a prefix as copy then delete', async function () {
    const { fs, root } = store;
    await fs.pipe({ [`${root}/m/a`]: 'a', [`${root}/m/s/b`]: 'b' });
    await fs.mv(`${root}/m`, `${root}/moved`);
    expect(await fs.find(root)).to.deep.equal([`${root}/moved/a`, `${root}/moved/s/b`]);
  });
}

/** Every layout topic of this module, in one call. */
export function layoutTests(store: Store<FileSystem>, sides: BucketSides & PrefixSides): void {
  bucketTests(store, sides);
  prefixTests(store, sides);
  describe('reading and writing', () => readWriteTests(store));
  describe('copy and move', () => copyMoveTests(store));
}
