/** The memory stand-in: which instances it redirects, and what its handle gives a test. */
import { dirname } from 'node:path';
import { filesystem, FsError, getFileSystemClass, urlToFs, type ErrorKind, type FileSystem } from '@omnifs/core';
import { registerKnownImplementation } from '@omnifs/core/backend';
import { expect, expectFsError } from '@omnifs/testkit';
import { S3FileSystem } from '@omnifs/s3';
import { GCSFileSystem } from '@omnifs/gcs';
import { AzureBlobFileSystem } from '@omnifs/azure';
import {
  MemoryFileSystem,
  MemoryObjectStore,
  memoryStandIn,
  protocolFamily,
  resetMemoryStore,
  STORE_RULES,
  useMemoryFor,
} from '@omnifs/memory';

// Made at import time, before any stand-in exists, as an application module would.
const moduleS3 = filesystem('s3', { region: 'eu-west-1' });
const moduleTyped = filesystem('s3', { region: 'eu-west-1', writeParams: { ContentType: 'text/markdown' } });

describe('memory stand-in', () => {
  describe('redirection', () => {
    it('gives S3 back once every stand-in is restored, in whatever order', async () => {
      const first = memoryStandIn(['s3']);
      const second = memoryStandIn(['s3']);
      try {
        await moduleS3.makedirs('second-bucket');
        first.restore();
        // The later stand-in still serves.
        expect(await moduleS3.ls('')).to.deep.equal(['second-bucket']);
      } finally {
        first.restore();
        second.restore();
      }
      expect(moduleS3).to.be.instanceOf(S3FileSystem);
    });

    it('redirects an instance made before it, and gives it back to S3 on restore', async () => {
      expect(moduleS3).to.be.instanceOf(S3FileSystem);
      const standIn = memoryStandIn(['s3']);
      try {
        expect(moduleS3).to.be.instanceOf(MemoryObjectStore);
        expect(String(moduleS3)).to.equal('MemoryStandIn(s3)');
        await moduleS3.makedirs('reports');
        await moduleS3.writeText('reports/q4.csv', 'a,1');
        expect(standIn.files()).to.deep.equal({ 's3://reports/q4.csv': 'a,1' });
      } finally {
        standIn.restore();
      }
      expect(moduleS3).to.be.instanceOf(S3FileSystem);
      expect(String(moduleS3)).to.equal('S3FileSystem(s3)');
      expect(moduleS3.capabilities.sign).to.equal(true);
    });

    it('serves an instance whose writeParams name a content type with that type, from the same store', async () => {
      const standIn = memoryStandIn(['s3']);
      try {
        expect(moduleTyped).to.be.instanceOf(MemoryObjectStore);
        await moduleS3.makedirs('notes');
        await moduleTyped.writeText('notes/a.txt', '# a');
        await moduleS3.writeText('notes/b.txt', 'b');
        expect(standIn.files()).to.deep.equal({ 's3://notes/a.txt': '# a', 's3://notes/b.txt': 'b' });
        expect((await moduleS3.info('notes/a.txt')).contentType).to.equal('text/markdown');
        expect((await moduleTyped.info('notes/b.txt')).contentType).to.equal('text/plain');
        // One store, one count, one queue of failures for every handle.
        expect(standIn.calls.put).to.equal(2);
        standIn.failNext('put', 'RateLimited');
        await expectFsError(moduleTyped.writeText('notes/c.txt', 'c'), 'RateLimited', 'EAGAIN');
        expect(standIn.calls.put).to.equal(3);
        standIn.reset();
        expect(await moduleTyped.ls('')).to.deep.equal([]);
      } finally {
        standIn.restore();
      }
      expect(moduleTyped).to.be.instanceOf(S3FileSystem);
    });

    it('serves every alias of a protocol from the same store', async () => {
      const standIn = memoryStandIn(['s3', 'gs', 'abfs']);
      try {
        expect(standIn.protocols).to.have.members(['s3', 's3a', 'gs', 'gcs', 'az', 'abfs', 'abfss', 'azure']);
        expect(standIn.fs('gcs')).to.equal(standIn.fs('gs')).and.be.instanceOf(MemoryObjectStore);
        expect(standIn.fs()).to.equal(standIn.fs('s3a'));
        await filesystem('s3').makedirs('b-s3');
        await urlToFs('s3a://b-s3/k').fs.writeText('s3a://b-s3/k', 'via s3a');
        await filesystem('gcs').makedirs('b-gs');
        await urlToFs('gs://b-gs/k').fs.writeText('b-gs/k', 'via gs');
        await filesystem('azure', { accountName: 'acct' }).makedirs('b-az');
        const { fs, path } = urlToFs('abfs://b-az@acct.dfs.core.windows.net/dir/k');
        expect(path).to.equal('b-az/dir/k');
        await fs.writeText(path, 'via abfs');
        expect(standIn.files()).to.deep.equal({
          'az://b-az/dir/k': 'via abfs',
          'gs://b-gs/k': 'via gs',
          's3://b-s3/k': 'via s3a',
        });
      } finally {
        standIn.restore();
      }
      expect(filesystem('gcs')).to.be.instanceOf(GCSFileSystem);
      expect(filesystem('abfs', { accountName: 'acct' })).to.be.instanceOf(AzureBlobFileSystem);
    });

    it('redirects instances outside the cache, and layers over them in chained URLs', async () => {
      const own = filesystem('s3', { region: 'eu-west-1', skipInstanceCache: true });
      const standIn = memoryStandIn(['s3']);
      try {
        await own.makedirs('bkt');
        const { fs, path } = urlToFs('dir::s3://bkt/prefix');
        await fs.writeText(`${path}/a.txt`, 'a');
        expect(await own.readText('bkt/prefix/a.txt')).to.equal('a');
      } finally {
        standIn.restore();
      }
      expect(own).to.be.instanceOf(S3FileSystem);
    });

    it('redirects a chained URL made before the stand-in, and gives it back after', async () => {
      const { fs, path } = urlToFs('dir::s3://bkt/early');
      expect(fs.toString()).to.equal('DirFileSystem(S3FileSystem(s3))');
      const standIn = memoryStandIn(['s3']);
      try {
        await filesystem('s3').makedirs('bkt');
        await fs.writeText(`${path}/a.txt`, 'in memory');
        expect(await fs.ls(path)).to.deep.equal(['a.txt']);
        expect(standIn.files()).to.deep.equal({ 's3://bkt/early/a.txt': 'in memory' });
        // The same chained URL again: the cached instance, still served by the stand-in.
        expect(await urlToFs('dir::s3://bkt/early').fs.readText('a.txt')).to.equal('in memory');
      } finally {
        standIn.restore();
      }
      const inner = (fs as unknown as { fs: object }).fs;
      expect(inner).to.be.instanceOf(S3FileSystem);
    });

    it('walks and globs a bucket whose keys hold an empty name (a//b, /a) to the end', async () => {
      const standIn = memoryStandIn(['s3']);
      try {
        standIn.seed({ 's3://bkt//lead.txt': 'x', 's3://bkt/a//b.txt': 'y', 's3://bkt/a/c.txt': 'z' });
        const fs = filesystem('s3');
        expect(await fs.find('bkt')).to.deep.equal(['bkt//lead.txt', 'bkt/a//b.txt', 'bkt/a/c.txt']);
        const walked = [];
        for await (const e of fs.walk('bkt')) walked.push(e);
        expect(walked).to.deep.equal([
          { root: 'bkt', dirs: ['a'], files: [] },
          { root: 'bkt/a', dirs: [], files: ['c.txt'] },
        ]);
        expect(await fs.glob('bkt/**')).to.deep.equal(['bkt', 'bkt/a', 'bkt/a/c.txt']);
        expect(await fs.du('bkt')).to.equal(3);
      } finally {
        standIn.restore();
      }
    });

    it('empties the caching layers over it at install, reset and restore', async () => {
      const { fs: listed } = urlToFs('listcache::s3://cached');
      const { fs: blocks } = urlToFs('blockcache::s3://cached');
      const { fs: copies } = urlToFs('simplecache::s3://cached');
      const standIn = memoryStandIn(['s3']);
      try {
        standIn.seed({ 's3://cached/one.txt': 'first test' });
        expect(await listed.ls('cached')).to.deep.equal(['cached/one.txt']);
        expect(await blocks.readText('cached/one.txt')).to.equal('first test');
        expect(await copies.readText('cached/one.txt')).to.equal('first test');
        standIn.reset();
        expect(await listed.exists('cached')).to.equal(false);
        standIn.seed({ 's3://cached/one.txt': 'second test', 's3://cached/two.txt': '2' });
        expect(await listed.ls('cached')).to.deep.equal(['cached/one.txt', 'cached/two.txt']);
        expect(await blocks.readText('cached/one.txt')).to.equal('second test');
        expect(await copies.readText('cached/one.txt')).to.equal('second test');
      } finally {
        standIn.restore();
      }
    });

    it('does not redirect an instance built with new, outside the registry', () => {
      const direct = new S3FileSystem({ region: 'eu-west-1' });
      const standIn = memoryStandIn(['s3']);
      try {
        expect(direct).to.be.instanceOf(S3FileSystem);
        expect(filesystem('s3')).to.be.instanceOf(MemoryObjectStore);
      } finally {
        standIn.restore();
      }
    });

    it('nests: restoring the inner stand-in brings the outer one back', async () => {
      const outer = memoryStandIn(['s3']);
      try {
        await filesystem('s3').makedirs('outer');
        const inner = memoryStandIn(['s3']);
        expect(await filesystem('s3').ls('')).to.deep.equal([]);
        inner.restore();
        inner.restore();
        expect(await filesystem('s3').ls('')).to.deep.equal(['outer']);
      } finally {
        outer.restore();
      }
    });

    it('serves a protocol whose package is not installed, until restored', async () => {
      registerKnownImplementation('notinstalled', {
        pkg: '@omnifs/not-installed',
        exportName: 'NotInstalledFileSystem',
      });
      const restore = useMemoryFor(['notinstalled']);
      const fs = filesystem('notinstalled');
      await fs.writeText('/a/b.txt', 'x');
      const viaUrl = urlToFs('notinstalled:///a/b.txt');
      expect(await viaUrl.fs.readText(viaUrl.path)).to.equal('x');
      restore();
      const err = await expectFsError(() => filesystem('notinstalled'), 'Unsupported', 'ENOTSUP');
      expect(err.message).to.include('npm install @omnifs/not-installed');
      expect(() => fs.ls('/')).to.throw(FsError, 'npm install @omnifs/not-installed');
      expect(() => urlToFs('notinstalled:///a/b.txt')).to.throw(FsError, 'npm install @omnifs/not-installed');
    });

    it('keeps its stores private: nothing shows in the memory protocol', async () => {
      const standIn = memoryStandIn(['s3', 'hdfs']);
      try {
        await filesystem('s3').makedirs('private-bucket');
        await filesystem('s3').writeText('private-bucket/k', 's3');
        await filesystem('hdfs', { url: 'http://namenode:9870' }).writeText('/user/k', 'hdfs');
        expect(await filesystem('memory').exists('/private-bucket')).to.equal(false);
        expect(await filesystem('memory').exists('/.omnifs-mock')).to.equal(false);
        expect(await filesystem('memory').exists('/user/k')).to.equal(false);
        expect(standIn.files()).to.deep.equal({ 'hdfs:///user/k': 'hdfs', 's3://private-bucket/k': 's3' });
      } finally {
        standIn.restore();
      }
    });

    it('names the aliases of each protocol', () => {
      expect(protocolFamily('s3a')).to.deep.equal(['s3', 's3a']);
      expect(protocolFamily('gcs')).to.deep.equal(['gs', 'gcs']);
      expect(protocolFamily('abfss')).to.deep.equal(['az', 'abfs', 'abfss', 'azure']);
      expect(protocolFamily('webhdfs')).to.deep.equal(['hdfs', 'webhdfs']);
    });
  });

  describe('rules taken from the real backend', () => {
    const real: Record<string, () => FileSystem> = {
      s3: () => new S3FileSystem({ region: 'us-east-1' }),
      gs: () => new GCSFileSystem({ projectId: 'p' }),
      az: () => new AzureBlobFileSystem({ accountName: 'acct' }),
    };
    for (const [protocol, make] of Object.entries(real)) {
      it(`declares the capabilities of ${protocol}'s backend, without signed URLs`, () => {
        expect(STORE_RULES[protocol]!.capabilities).to.deep.equal({ ...make().capabilities, sign: false });
        expect(getFileSystemClass(protocol).protocols).to.deep.equal(protocolFamily(protocol));
      });
    }

    it('refuses the bucket names and object names each store refuses, as InvalidArgument', async () => {
      const standIn = memoryStandIn(['s3', 'gs', 'az']);
      try {
        const fs = { s3: filesystem('s3'), gs: filesystem('gs'), az: filesystem('az', { accountName: 'acct' }) };
        const refused: Array<[keyof typeof fs, string]> = [
          ['s3', '192.168.5.4'],
          ['s3', 'my..bucket'],
          ['s3', 'my.-bucket'],
          ['s3', 'xn--bucket'],
          ['s3', 'data-s3alias'],
          ['s3', 'sthree-data'],
          ['gs', 'goog-data'],
          ['gs', 'my-google-data'],
          ['gs', '10.1.2.3'],
          ['gs', 'x'.repeat(64)],
        ];
        for (const [p, bucket] of refused) await expectFsError(fs[p].mkdir(bucket), 'InvalidArgument', 'EINVAL');
        await fs.gs.mkdir(`${'a'.repeat(63)}.${'b'.repeat(63)}`);
        for (const p of ['s3', 'gs', 'az'] as const) {
          await fs[p].mkdir('keys');
          await expectFsError(fs[p].pipe(`keys/${'k'.repeat(1025)}`, 'x'), 'InvalidArgument', 'EINVAL');
          await fs[p].pipe(`keys/${'k'.repeat(1024)}`, 'x');
          expect(await fs[p].size(`keys/${'k'.repeat(1024)}`)).to.equal(1);
        }
        const crlf = await expectFsError(fs.gs.pipe('keys/a\nb', 'x'), 'InvalidArgument', 'EINVAL');
        expect(crlf.message).to.include('the name holds a carriage return or line feed');
        await expectFsError(fs.az.pipe(`keys/${Array(255).fill('s').join('/')}`, 'x'), 'InvalidArgument', 'EINVAL');
        expect(() => standIn.seed({ 's3://My_Bucket/x': 'x' })).to.throw(FsError, 'InvalidBucketName');
      } finally {
        standIn.restore();
      }
    });

    it('injects the error codes of each store, temporary only for a throttle or a server error', async () => {
      const standIn = memoryStandIn(['gs', 'az']);
      try {
        standIn.failNext('get', 'PermissionDenied', { times: 2 });
        const gs = await expectFsError(filesystem('gs').cat('b/k'), 'PermissionDenied', 'EACCES');
        const az = await expectFsError(filesystem('az', { accountName: 'acct' }).cat('b/k'), 'PermissionDenied');
        expect([gs.message, az.message]).to.satisfy(
          ([g, a]: string[]) => g!.includes('forbidden') && a!.includes('AuthorizationPermissionMismatch'),
        );
        standIn.failNext('get', 'Unsupported');
        const unsupported = await expectFsError(filesystem('gs').cat('b/k'), 'Unsupported', 'ENOTSUP');
        expect(unsupported.message).to.include('notImplemented: The requested operation has not been implemented.');
        expect(unsupported.temporary).to.equal(false);
        for (const kind of ['IsADirectory', 'NotADirectory', 'Aborted', 'Unexpected'] as const) {
          standIn.failNext('get', kind);
          const err = await expectFsError(filesystem('gs').cat('b/k'), kind);
          expect(err.temporary, kind).to.equal(kind === 'Unexpected');
        }
      } finally {
        standIn.restore();
      }
    });
  });

  describe('the handle', () => {
    let standIn: ReturnType<typeof memoryStandIn>;
    let s3: FileSystem;
    beforeEach(async () => {
      standIn = memoryStandIn(['s3']);
      s3 = filesystem('s3');
      await s3.makedirs('bkt');
    });
    afterEach(() => standIn.restore());

    it('lists no buckets after reset, and counts from zero again', async () => {
      await s3.writeText('bkt/a', 'a');
      standIn.reset();
      expect(Object.values(standIn.calls).every((n) => n === 0)).to.equal(true);
      expect(await s3.ls('')).to.deep.equal([]);
      expect(standIn.files()).to.deep.equal({});
      await expectFsError(s3.writeText('bkt/a', 'a'), 'NotFound', 'ENOENT');
    });

    it('is reset by resetMemoryStore too', async () => {
      await s3.writeText('bkt/a', 'a');
      resetMemoryStore();
      expect(await s3.ls('')).to.deep.equal([]);
    });

    it('is reset by resetMemoryStore of another copy of the package (jest.resetModules)', async () => {
      await s3.writeText('bkt/a', 'a');
      const dist = dirname(require.resolve('@omnifs/memory'));
      const kept = Object.keys(require.cache).filter((k) => k.startsWith(dist));
      const saved = kept.map((k) => [k, require.cache[k]] as const);
      for (const k of kept) delete require.cache[k];
      try {
        const other = require('@omnifs/memory') as typeof import('@omnifs/memory');
        expect(other.resetMemoryStore).not.to.equal(resetMemoryStore);
        other.resetMemoryStore();
      } finally {
        for (const k of Object.keys(require.cache)) if (k.startsWith(dist)) delete require.cache[k];
        for (const [k, m] of saved) require.cache[k] = m;
      }
      expect(standIn.files()).to.deep.equal({});
      expect(await s3.ls('')).to.deep.equal([]);
    });

    it('gives files as text and a snapshot as bytes', async () => {
      await s3.pipe({ 'bkt/x/1.bin': new Uint8Array([1, 2]), 'bkt/t.txt': 'text' });
      expect(standIn.files()).to.deep.equal({ 's3://bkt/t.txt': 'text', 's3://bkt/x/1.bin': '\u0001\u0002' });
      const snap = standIn.snapshot();
      expect([...snap['s3://bkt/x/1.bin']!]).to.deep.equal([1, 2]);
      snap['s3://bkt/x/1.bin']![0] = 9;
      expect([...(await s3.cat('bkt/x/1.bin'))]).to.deep.equal([1, 2]);
    });

    it('seeds files and directory markers, creating buckets', async () => {
      standIn.seed({ 's3://seeded/data/a.csv': '1,2', 's3://seeded/empty/': '' });
      expect(await s3.ls('seeded')).to.deep.equal(['seeded/data', 'seeded/empty']);
      expect(await s3.ls('seeded/empty')).to.deep.equal([]);
      expect(await s3.isDir('seeded/empty')).to.equal(true);
      await s3.rmdir('seeded/empty');
      expect(await s3.exists('seeded/empty')).to.equal(false);
      expect(() => standIn.seed({ 'gs://b/k': 'x' })).to.throw(FsError, 'not a URL of s3, s3a');
      expect(() => standIn.seed({ 's3://bucket-only/': 'x' })).to.throw(FsError, 's3://bucket/key');
    });

    it('lists keys past U+FFFF, whose UTF-16 order is not their byte order', async () => {
      // S3 orders keys by their UTF-8 bytes, where the emoji (a surrogate pair) comes after
      // U+E000 and U+FFFD; in UTF-16 order it comes before them. The stand-in keeps S3's.
      const names = ['k\u{1F600}', 'k\uFFFD', 'ka', 'k\uE000', 'k\u{1F600}/x', 'k'];
      for (const n of names) await s3.writeText(`bkt/${n}`, n);
      const top = ['bkt/k', 'bkt/ka', 'bkt/k\uE000', 'bkt/k\uFFFD', 'bkt/k\u{1F600}'];
      expect(new Set(await s3.ls('bkt'))).to.deep.equal(new Set(top));
      expect(await s3.ls('bkt/k\u{1F600}')).to.deep.equal(['bkt/k\u{1F600}/x']);
      expect(await s3.find('bkt')).to.have.members(names.map((n) => `bkt/${n}`));
      expect(await s3.readText('bkt/k\u{1F600}')).to.equal('k\u{1F600}');
      // The order of the store's own pages (what a page limit cuts), below the sorting of ls.
      type Pages = { listPages(b: string, p: string): AsyncGenerator<{ objects: Array<{ key: string }> }> };
      const keys: string[] = [];
      for await (const page of (s3 as unknown as Pages).listPages('bkt', ''))
        keys.push(...page.objects.map((o) => o.key));
      expect(keys).to.deep.equal(['k', 'ka', 'k\uE000', 'k\uFFFD', 'k\u{1F600}', 'k\u{1F600}/x']);
    });

    it('lists what was written and removed since the last listing, each key once', async () => {
      await s3.pipe({ 'bkt/d/b': 'b', 'bkt/d/d': 'd' });
      expect(await s3.ls('bkt/d')).to.deep.equal(['bkt/d/b', 'bkt/d/d']);
      await s3.writeText('bkt/d/c', 'c');
      await s3.writeText('bkt/d/a', 'a');
      await s3.writeText('bkt/d/b', 'b again');
      expect(await s3.ls('bkt/d')).to.deep.equal(['bkt/d/a', 'bkt/d/b', 'bkt/d/c', 'bkt/d/d']);
      await s3.rm('bkt/d/c');
      await s3.rm('bkt/d/a');
      await s3.writeText('bkt/d/a', 'a, written again');
      expect(await s3.ls('bkt/d')).to.deep.equal(['bkt/d/a', 'bkt/d/b', 'bkt/d/d']);
      await s3.rm('bkt/d', { recursive: true });
      expect(await s3.exists('bkt/d')).to.equal(false);
      expect(await s3.ls('bkt')).to.deep.equal([]);
    });

    it('walks a bucket of many directories, each listed on its own', async () => {
      const files: Record<string, string> = {};
      for (let i = 0; i < 3000; i++) files[`bkt/d${i % 300}/f${i}`] = String(i);
      await s3.pipe(files);
      let dirs = 0;
      const seen: string[] = [];
      for await (const { root, files: names } of s3.walk('bkt')) {
        dirs++;
        for (const n of names) seen.push(`${root}/${n}`);
      }
      expect(dirs).to.equal(301);
      expect(seen.sort()).to.deep.equal(Object.keys(files).sort());
      expect(standIn.calls.list).to.be.greaterThan(300);
    });

    it('counts the requests each operation made', async () => {
      standIn.reset();
      await s3.makedirs('counted');
      await s3.writeText('counted/a.txt', 'a');
      const w = await s3.open('counted/b.txt', 'wb');
      await w.write('b');
      await w.close();
      await s3.readText('counted/a.txt');
      await s3.ls('counted');
      await s3.rm('counted/a.txt');
      expect(standIn.calls).to.deep.include({ mkdir: 1, put: 2, get: 1, list: 1 });
      expect(standIn.calls.delete).to.be.greaterThan(0);
    });

    it('fails the next request of an operation with the error S3 gives, then succeeds', async () => {
      standIn.failNext('put', 'RateLimited');
      const err = await expectFsError(s3.writeText('bkt/a', 'a'), 'RateLimited', 'EAGAIN');
      expect(err.temporary).to.equal(true);
      expect(err.message).to.include('SlowDown');
      expect(await s3.exists('bkt/a')).to.equal(false);
      await s3.writeText('bkt/a', 'a');
      standIn.failNext('get', 'PermissionDenied', { times: 2 });
      await expectFsError(s3.readText('bkt/a'), 'PermissionDenied', 'EACCES');
      await expectFsError(s3.readText('bkt/a'), 'PermissionDenied', 'EACCES');
      expect(await s3.readText('bkt/a')).to.equal('a');
      standIn.failNext('put');
      const f = await s3.open('bkt/streamed', 'wb');
      await f.write('x');
      const failed = await expectFsError(f.close(), 'Unexpected', 'EIO');
      expect(failed.temporary).to.equal(true);
      expect(await s3.exists('bkt/streamed')).to.equal(false);
      expect(() => standIn.failNext('upload' as 'put')).to.throw(FsError, 'unknown operation');
      for (const kind of ['Bogus', 'Timeout', 'notfound'])
        expect(() => standIn.failNext('put', kind as ErrorKind), kind).to.throw(FsError, 'unknown error kind');
    });

    it("injects S3's 501 NotImplemented answer as Unsupported (ENOTSUP), not retried", async () => {
      standIn.failNext('put', 'Unsupported');
      const err = await expectFsError(s3.writeText('bkt/u', 'u'), 'Unsupported', 'ENOTSUP');
      expect(err.temporary).to.equal(false);
      expect(err.message).to.include('NotImplemented');
      expect(await s3.exists('bkt/u')).to.equal(false);
    });

    it('gives the error codes of each store', async () => {
      const gs = memoryStandIn(['gs', 'az']);
      try {
        gs.failNext('list', 'RateLimited', { times: 2 });
        const a = await expectFsError(filesystem('gs').ls(''), 'RateLimited');
        const b = await expectFsError(filesystem('az', { accountName: 'acct' }).ls(''), 'RateLimited');
        expect([a.message, b.message]).to.satisfy(
          ([x, y]: string[]) => x!.includes('rateLimitExceeded') && y!.includes('ServerBusy'),
        );
      } finally {
        gs.restore();
      }
    });

    it("adds latency to every request, which the operation's signal ends", async () => {
      standIn.latencyMs = 30;
      const started = Date.now();
      await s3.writeText('bkt/slow', 'x');
      expect(Date.now() - started).to.be.at.least(25);
      // An aborted write is not made later, once the wait is over.
      standIn.latencyMs = 300;
      await expectFsError(s3.pipeFile('bkt/never', 'x', { signal: AbortSignal.timeout(50) }), 'Aborted');
      await new Promise((r) => setTimeout(r, 500));
      standIn.latencyMs = 0;
      expect(await s3.exists('bkt/never')).to.equal(false);
      expect(() => {
        standIn.latencyMs = -1;
      }).to.throw(FsError, 'latencyMs');
    });

    it('counts and fails the requests of a protocol with real directories (hdfs)', async () => {
      const hdfs = memoryStandIn(['webhdfs']);
      try {
        const fs = filesystem('hdfs', { url: 'http://namenode:9870' });
        await fs.makedirs('/data/run');
        expect(await fs.isDir('/data/run')).to.equal(true);
        await fs.writeText('/data/run/a.txt', 'a');
        hdfs.failNext('get', 'PermissionDenied');
        await expectFsError(fs.readText('/data/run/a.txt'), 'PermissionDenied', 'EACCES');
        expect(await fs.readText('/data/run/a.txt')).to.equal('a');
        expect(hdfs.calls).to.deep.include({ get: 2, put: 1, mkdir: 1 });
        expect(hdfs.files()).to.deep.equal({ 'hdfs:///data/run/a.txt': 'a' });
      } finally {
        hdfs.restore();
      }
    });

    it('reads hdfs:// and webhdfs:// URLs as HDFS does: the authority names the cluster, not a directory', async () => {
      const hdfs = memoryStandIn(['hdfs']);
      try {
        const { fs, path } = urlToFs('hdfs://nameservice1/data/run/a.txt');
        expect(path).to.equal('/data/run/a.txt');
        await fs.writeText(path, 'a');
        const viaWeb = urlToFs('webhdfs://etl@namenode:9870/data/run/a.txt');
        expect(await viaWeb.fs.readText(viaWeb.path)).to.equal('a');
        expect(await filesystem('hdfs', { url: 'http://namenode:9870' }).readText('/data/run/a.txt')).to.equal('a');
        expect(await fs.ls('hdfs://other-cluster/data/run')).to.deep.equal(['/data/run/a.txt']);
        hdfs.seed({ 'hdfs://nameservice1/data/b.txt': 'b' });
        expect(hdfs.files()).to.deep.equal({ 'hdfs:///data/b.txt': 'b', 'hdfs:///data/run/a.txt': 'a' });
      } finally {
        hdfs.restore();
      }
    });

    it('cannot sign URLs (the deliberate difference from S3)', async () => {
      await s3.writeText('bkt/a', 'a');
      await expectFsError(s3.sign('bkt/a'), 'Unsupported', 'ENOTSUP');
      expect(s3.capabilities.sign).to.equal(false);
    });

    it('refuses a call without protocols', () => {
      expect(() => memoryStandIn([])).to.throw(FsError, 'non-empty list');
      expect(filesystem('memory')).to.be.instanceOf(MemoryFileSystem);
    });

    it('refuses what names no protocol, an unknown option and a bad failNext, serving nothing', async () => {
      const failNext = standIn.failNext.bind(standIn);
      standIn.restore();
      for (const [name, hint] of [
        ['s3://', "write 's3'"],
        ['s3a:', "write 's3a'"],
        ['S3 ', "write 'S3'"],
        ['aws', 'no protocol omnifs knows'],
      ] as const) {
        const err = await expectFsError(() => memoryStandIn([name]), 'InvalidArgument', 'EINVAL');
        expect(err.message, name).to.include(hint);
      }
      expect(filesystem('s3', { region: 'eu-west-1' })).to.be.instanceOf(S3FileSystem);
      const bad = await expectFsError(
        () => memoryStandIn(['s3'], { latency: 50 } as never),
        'InvalidArgument',
        'EINVAL',
      );
      expect(bad.message).to.include("did you mean 'latencyMs'");
      expect(filesystem('s3', { region: 'eu-west-1' })).to.be.instanceOf(S3FileSystem);
      for (const o of [{ time: 3 }, { times: 0 }, { times: -2 }, { times: 2.5 }, { times: '3' }, { times: Infinity }])
        await expectFsError(() => failNext('put', 'RateLimited', o as never), 'InvalidArgument', 'EINVAL');
    });

    it("walks past a directory it cannot list with onError 'omit' or a function, as fsspec", async () => {
      await s3.pipe({ 'bkt/w/a/1': '1', 'bkt/w/b/2': '2', 'bkt/w/c/3': '3' });
      const walk = async (onError?: 'raise' | 'omit' | ((err: FsError) => void)): Promise<string[]> => {
        const roots: string[] = [];
        for await (const e of s3.walk('bkt/w', onError === undefined ? {} : { onError })) {
          roots.push(e.root);
          // The next listing, of bkt/w/a, is refused.
          if (e.root === 'bkt/w') standIn.failNext('list', 'PermissionDenied');
        }
        return roots;
      };
      await expectFsError(walk(), 'PermissionDenied', 'EACCES');
      await expectFsError(walk('raise'), 'PermissionDenied', 'EACCES');
      expect(await walk('omit')).to.deep.equal(['bkt/w', 'bkt/w/b', 'bkt/w/c']);
      const seen: string[] = [];
      expect(await walk((err) => seen.push(`${err.kind} ${err.path}`))).to.deep.equal(['bkt/w', 'bkt/w/b', 'bkt/w/c']);
      expect(seen).to.deep.equal(['PermissionDenied bkt/w/a']);
      expect(() => s3.walk('bkt/w', { onError: 'ignore' as never })).to.throw(FsError, "'raise', 'omit' or a function");
    });

    it("fails a recursive cp on an error other than a source gone, whatever onError says, as fsspec's copy", async () => {
      await s3.pipe({ 'bkt/c/a': 'a', 'bkt/c/b': 'b' });
      const heard: string[] = [];
      const onErrors = [undefined, 'omit', (err: FsError) => heard.push(err.kind)] as const;
      // A refused copy, and a NotFound while the source is still there (as a bucket gone).
      for (const kind of ['PermissionDenied', 'NotFound'] as const)
        for (const onError of onErrors) {
          standIn.failNext('copy', kind);
          const copy = s3.cp('bkt/c', 'bkt/d', { recursive: true, batchSize: 1, ...(onError ? { onError } : {}) });
          await expectFsError(copy, kind);
        }
      expect(heard).to.deep.equal([]);
      expect(standIn.calls.copy).to.equal(6);
    });

    it('counts and fails a recursive delete: its listing and batch deletes', async () => {
      await s3.pipe({ 'bkt/tree/a': 'a', 'bkt/tree/b/c': 'c', 'bkt/other': 'o' });
      const sent = (before: Record<string, number>): Record<string, number> =>
        Object.fromEntries(Object.entries(standIn.calls).map(([op, n]) => [op, n - before[op]!]));
      standIn.failNext('delete', 'PermissionDenied');
      await expectFsError(s3.rm('bkt/tree', { recursive: true }), 'PermissionDenied', 'EACCES');
      expect(await s3.find('bkt')).to.deep.equal(['bkt/other', 'bkt/tree/a', 'bkt/tree/b/c']);
      const before = { ...standIn.calls };
      await s3.rm('bkt/tree', { recursive: true });
      expect(sent(before)).to.deep.include({ head: 1, list: 1, delete: 1 });
      expect(await s3.find('bkt')).to.deep.equal(['bkt/other']);
      standIn.latencyMs = 40;
      const started = Date.now();
      await s3.rm('bkt', { recursive: true });
      expect(Date.now() - started, 'each request waits').to.be.at.least(3 * 35);
      expect(await s3.exists('bkt')).to.equal(false);
      standIn.latencyMs = 0;
      await s3.pipe({ 'bkt2/x': 'x' }).catch(() => undefined);
      await s3.makedirs('bkt2');
      await s3.writeText('bkt2/other', 'o');
      standIn.failNext('list', 'PermissionDenied');
      await expectFsError(s3.rm('bkt2', { recursive: true }), 'PermissionDenied', 'EACCES');
      expect(await s3.exists('bkt2/other')).to.equal(true);
    });
  });
});
