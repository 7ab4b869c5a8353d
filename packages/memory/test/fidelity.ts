/**
 * The rules of an object store, as tests that run the same way on the real server
 * (moto, fake-gcs-server, Azurite) and on the memory stand-in configured as that store:
 * what one passes, the other must pass, with the same error kinds and codes.
 */
import { createHash } from 'node:crypto';
import type { FileSystem } from '@omnifs/core';
import { expect, expectFsError } from '@omnifs/testkit';
import { freshName } from '../../../test/servers/index';

/** One side of the comparison. */
export interface StoreSide {
  /** `s3`, `gs` or `az`. */
  protocol: string;
  /** The filesystem under test (built in a `before` hook). */
  fs(): FileSystem;
  /** False where the server accepts bucket names the service refuses (moto). */
  validatesBucketNames?: boolean;
  /** Writes the key `path/` (a directory marker, as other tools write them). */
  marker(path: string): Promise<void>;
  /** S3: a filesystem on the same store made with `options` too. */
  withOptions?(options: Record<string, unknown>): FileSystem;
}

/** Defines the store-rule tests for one side. */
export function storeRuleTests(side: () => StoreSide): void {
  let fs: FileSystem;
  let bucket: string;
  beforeEach(async () => {
    fs = side().fs();
    bucket = freshName('rules');
    await fs.makedirs(bucket);
  });

  describe('buckets', () => {
    it('refuses writes, reads and listings in a bucket that does not exist, and creates nothing', async () => {
      const missing = freshName('missing');
      await expectFsError(fs.writeText(`${missing}/k.txt`, 'x'), 'NotFound', 'ENOENT');
      await expectFsError(fs.readText(`${missing}/k.txt`), 'NotFound', 'ENOENT');
      await expectFsError(fs.ls(missing), 'NotFound', 'ENOENT');
      await expectFsError(fs.info(missing), 'NotFound', 'ENOENT');
      expect(await fs.exists(missing)).to.equal(false);
      expect(await fs.ls('')).to.not.include(missing);
    });

    it('creates a bucket with makedirs, lists it at the root, and refuses it again unless existOk', async () => {
      expect(await fs.ls('')).to.include(bucket);
      expect(await fs.isDir(bucket)).to.equal(true);
      expect(await fs.ls(bucket)).to.deep.equal([]);
      await expectFsError(fs.makedirs(bucket), 'AlreadyExists', 'EEXIST');
      await fs.makedirs(bucket, { existOk: true });
      await expectFsError(fs.mkdir(bucket), 'AlreadyExists', 'EEXIST');
    });

    it('creates the bucket of a prefix given to makedirs, and no directory below it', async () => {
      const other = freshName('prefixed');
      await fs.makedirs(`${other}/exp/run`);
      expect(await fs.isDir(other)).to.equal(true);
      expect(await fs.exists(`${other}/exp`)).to.equal(false);
      expect(await fs.ls(other)).to.deep.equal([]);
      await fs.rmdir(other);
    });

    if (side().validatesBucketNames !== false) {
      it('refuses a bucket name the service does not allow', async () => {
        await expectFsError(fs.makedirs('Invalid_Bucket_Name'), 'InvalidArgument', 'EINVAL');
        expect(await fs.ls('')).to.not.include('Invalid_Bucket_Name');
      });
    }

    it('removes an empty bucket with rmdir and refuses a non-empty one', async () => {
      await fs.writeText(`${bucket}/a.txt`, 'a');
      await expectFsError(fs.rmdir(bucket), 'NotEmpty', 'ENOTEMPTY');
      await fs.rm(`${bucket}/a.txt`);
      await fs.rmdir(bucket);
      expect(await fs.exists(bucket)).to.equal(false);
      await expectFsError(fs.writeText(`${bucket}/a.txt`, 'a'), 'NotFound', 'ENOENT');
    });
  });

  describe('prefixes and markers', () => {
    it('keeps no empty directories: a prefix exists while a key is below it', async () => {
      await fs.makedirs(`${bucket}/empty/dir`);
      expect(await fs.isDir(`${bucket}/empty/dir`)).to.equal(false);
      await fs.writeText(`${bucket}/d/f.txt`, 'f');
      expect(await fs.info(`${bucket}/d`)).to.deep.include({ name: `${bucket}/d`, type: 'directory', size: 0 });
      await fs.rm(`${bucket}/d/f.txt`);
      expect(await fs.exists(`${bucket}/d`)).to.equal(false);
      expect(await fs.ls(bucket)).to.deep.equal([]);
      await expectFsError(fs.ls(`${bucket}/d`), 'NotFound', 'ENOENT');
    });

    it('shows a key/ marker as an empty directory, which rmdir removes', async () => {
      await side().marker(`${bucket}/m`);
      expect(await fs.isDir(`${bucket}/m`)).to.equal(true);
      expect(await fs.ls(`${bucket}/m`)).to.deep.equal([]);
      expect(await fs.ls(bucket)).to.deep.equal([`${bucket}/m`]);
      expect(await fs.find(bucket)).to.deep.equal([]);
      expect(await fs.find(bucket, { withDirs: true })).to.deep.equal([bucket, `${bucket}/m`]);
      await fs.rmdir(`${bucket}/m`);
      expect(await fs.exists(`${bucket}/m`)).to.equal(false);
    });

    it('lets a key and a prefix share a name', async () => {
      await fs.writeText(`${bucket}/a`, 'file');
      await fs.writeText(`${bucket}/a/b`, 'below');
      expect((await fs.info(`${bucket}/a`)).type).to.equal('file');
      expect(await fs.readText(`${bucket}/a`)).to.equal('file');
      expect(await fs.readText(`${bucket}/a/b`)).to.equal('below');
    });

    it('refuses to remove a prefix as a file, and a missing key is NotFound', async () => {
      await fs.writeText(`${bucket}/d/f.txt`, 'f');
      await expectFsError(fs.rmFile(`${bucket}/d`), 'IsADirectory', 'EISDIR');
      await expectFsError(fs.rmFile(`${bucket}/nope`), 'NotFound', 'ENOENT');
      await expectFsError(fs.rmdir(`${bucket}/d`), 'NotEmpty', 'ENOTEMPTY');
      await expectFsError(fs.readText(`${bucket}/d`), 'NotFound', 'ENOENT');
      await expectFsError(fs.readText(bucket), 'IsADirectory', 'EISDIR');
    });
  });

  describe('objects', () => {
    it('creates exclusively: a second create is AlreadyExists and keeps the first', async () => {
      await fs.pipeFile(`${bucket}/x.txt`, 'first', { mode: 'create' });
      await expectFsError(fs.pipeFile(`${bucket}/x.txt`, 'second', { mode: 'create' }), 'AlreadyExists', 'EEXIST');
      await expectFsError(fs.open(`${bucket}/x.txt`, 'xb'), 'AlreadyExists', 'EEXIST');
      const f = await fs.open(`${bucket}/race.txt`, 'xb');
      await f.write('mine');
      await fs.writeText(`${bucket}/race.txt`, 'theirs');
      await expectFsError(f.close(), 'AlreadyExists', 'EEXIST');
      expect(await fs.readText(`${bucket}/race.txt`)).to.equal('theirs');
      expect(await fs.readText(`${bucket}/x.txt`)).to.equal('first');
    });

    it('gives a new ETag when the content changes, and the checksum of the store', async () => {
      const p = `${bucket}/e.txt`;
      await fs.writeText(p, 'one');
      const first = (await fs.info(p)).etag;
      expect(first).to.be.a('string').and.not.equal('');
      expect((await fs.info(p)).etag).to.equal(first);
      await fs.writeText(p, 'two');
      const second = (await fs.info(p)).etag;
      expect(second).to.not.equal(first);
      // GCS's checksum is the MD5 it keeps; S3 and Azure give the ETag.
      const md5 = createHash('md5').update('two').digest('hex');
      expect(await fs.checksum(p)).to.equal(side().protocol === 'gs' ? md5 : String(second).replace(/"/g, ''));
      await fs.writeText(p, 'two');
      // S3's ETag is the MD5 of a single PUT: the same bytes give the same ETag; GCS and Azure give a new one.
      if (side().protocol === 's3') expect((await fs.info(p)).etag).to.equal(second);
      else expect((await fs.info(p)).etag).to.not.equal(second);
    });

    it('fails a read pinned to an ETag once the object changed', async () => {
      const p = `${bucket}/pinned.txt`;
      await fs.writeText(p, 'v1');
      const etag = (await fs.info(p)).etag!;
      expect(Buffer.from(await fs.catFile(p, { etag })).toString()).to.equal('v1');
      await fs.writeText(p, 'v2');
      await expectFsError(fs.catFile(p, { etag }), 'ConditionNotMatch', 'ESTALE');
    });

    it('copies server-side into an existing bucket only', async () => {
      await fs.writeText(`${bucket}/src.txt`, 'copied');
      await fs.cp(`${bucket}/src.txt`, `${bucket}/dst.txt`);
      expect(await fs.readText(`${bucket}/dst.txt`)).to.equal('copied');
      expect(await fs.readText(`${bucket}/src.txt`)).to.equal('copied');
      await expectFsError(fs.copyFile(`${bucket}/src.txt`, `${freshName('missing')}/dst.txt`), 'NotFound', 'ENOENT');
      await expectFsError(fs.copyFile(`${bucket}/nope.txt`, `${bucket}/dst2.txt`), 'NotFound', 'ENOENT');
    });

    it('appends with ab to an object written whole, tell() starting at its end', async () => {
      await fs.writeText(`${bucket}/log.txt`, 'one\n');
      const f = await fs.open(`${bucket}/log.txt`, 'ab');
      expect(f.tell()).to.equal(4);
      await f.write('two\n');
      expect(f.tell()).to.equal(8);
      await f.close();
      expect(await fs.readText(`${bucket}/log.txt`)).to.equal('one\ntwo\n');
      const fresh = await fs.open(`${bucket}/new.log`, 'ab');
      expect(fresh.tell()).to.equal(0);
      await fresh.write('first\n');
      await fresh.close();
      expect(await fs.readText(`${bucket}/new.log`)).to.equal('first\n');
    });

    it('gives a new object the content type of its name; a copy, an append and a touch keep it', async () => {
      await fs.pipe({ [`${bucket}/index.html`]: '<p>hi</p>', [`${bucket}/raw`]: 'x', [`${bucket}/log.txt`]: 'a\n' });
      const f = await fs.open(`${bucket}/data.json`, 'wb');
      await f.write('{}');
      await f.close();
      await fs.cp(`${bucket}/index.html`, `${bucket}/copy.bin`);
      const log = await fs.open(`${bucket}/log.txt`, 'ab');
      await log.write('b\n');
      await log.close();
      await fs.touch(`${bucket}/index.html`, { truncate: false });
      const types: Record<string, unknown> = {};
      for (const name of await fs.ls(bucket)) types[name.slice(bucket.length + 1)] = (await fs.info(name)).contentType;
      expect(types).to.deep.equal({
        'copy.bin': 'text/html',
        'data.json': 'application/json',
        'index.html': 'text/html',
        'log.txt': 'text/plain',
        raw: 'application/octet-stream',
      });
      // GCS and Azure list content types; S3's listing has none (HeadObject does).
      const listed = (await fs.ls(bucket, { detail: true })).map((e) => e.contentType);
      if (side().protocol === 's3')
        expect(listed).to.deep.equal([undefined, undefined, undefined, undefined, undefined]);
      else
        expect(listed).to.deep.equal([
          'text/html',
          'application/json',
          'text/html',
          'text/plain',
          'application/octet-stream',
        ]);
    });

    if (side().protocol === 's3') {
      it("gives every new object the content type writeParams names; a copy keeps the source's", async () => {
        const typed = side().withOptions!({ writeParams: { ContentType: 'text/csv; charset=utf-8' } });
        await fs.pipeFile(`${bucket}/page.html`, '<p>hi</p>');
        await typed.pipe({ [`${bucket}/a.bin`]: 'x', [`${bucket}/b.json`]: '{}' });
        const f = await typed.open(`${bucket}/streamed.html`, 'wb');
        await f.write('<p>');
        await f.close();
        const appended = await typed.open(`${bucket}/new.log`, 'ab');
        await appended.write('a\n');
        await appended.close();
        await typed.touch(`${bucket}/empty.txt`);
        await typed.cp(`${bucket}/page.html`, `${bucket}/copy.txt`);
        const types: Record<string, unknown> = {};
        for (const name of await fs.ls(bucket))
          types[name.slice(bucket.length + 1)] = (await fs.info(name)).contentType;
        const csv = 'text/csv; charset=utf-8';
        expect(types).to.deep.equal({
          'a.bin': csv,
          'b.json': csv,
          'copy.txt': 'text/html',
          'empty.txt': csv,
          'new.log': csv,
          'page.html': 'text/html',
          'streamed.html': csv,
        });
      });
    }

    it('keeps the content of an object touched without truncate', async () => {
      await fs.writeText(`${bucket}/t.txt`, 'kept');
      const before = await fs.info(`${bucket}/t.txt`);
      await fs.touch(`${bucket}/t.txt`, { truncate: false });
      expect(await fs.readText(`${bucket}/t.txt`)).to.equal('kept');
      expect((await fs.info(`${bucket}/t.txt`)).mtime).to.be.instanceOf(Date);
      expect((await fs.info(`${bucket}/t.txt`)).size).to.equal(before.size);
    });
  });
}
