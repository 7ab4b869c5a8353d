import { expect } from 'chai';
import { expectFsError, rejected } from '@omnifs/testkit';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  RetryFileSystem,
  DirFileSystem,
  SimpleCacheFileSystem,
  BlockCacheFileSystem,
  ListingCacheFileSystem,
  LimitFileSystem,
  FsError,
  filesystem,
  urlToFs,
  type FileSystem,
} from '@omnifs/core';
import { MemoryObjectStore, S3_RULES } from '@omnifs/memory';
import { FlakyFileSystem, privateMemory } from './helpers';

describe('core: layers', () => {
  let mem: FileSystem;
  let flaky: FlakyFileSystem;
  beforeEach(async () => {
    mem = privateMemory();
    await mem.writeText('/d/a.txt', 'alpha');
    flaky = new FlakyFileSystem({ fs: mem });
  });

  describe('retry', () => {
    it('retries temporary failures until the call succeeds', async () => {
      flaky.failOn = new Set(['read']);
      flaky.failures = 2;
      const retries: number[] = [];
      const fs = new RetryFileSystem({ fs: flaky, minDelayMs: 1, onRetry: (r) => retries.push(r.attempt) });
      expect(await fs.readText('/d/a.txt')).to.equal('alpha');
      expect(flaky.count('read')).to.equal(3);
      expect(retries).to.deep.equal([1, 2]);
    });

    it('gives up after maxAttempts with the last error', async () => {
      flaky.failOn = new Set(['info']);
      flaky.failures = 10;
      const fs = new RetryFileSystem({ fs: flaky, minDelayMs: 1, maxAttempts: 3 });
      const e = await rejected(fs.info('/d/a.txt'));
      expect(e.kind).to.equal('RateLimited');
      expect(flaky.count('info')).to.equal(3);
      expect(e).to.include({ persistent: true, temporary: false });
      expect(e.message).to.contain('gave up after 3 attempts');
    });

    it('does not retry permanent failures', async () => {
      flaky.failOn = new Set(['info']);
      flaky.failures = 1;
      flaky.temporary = false;
      const fs = new RetryFileSystem({ fs: flaky, minDelayMs: 1 });
      await expectFsError(fs.info('/d/a.txt'), 'PermissionDenied');
      expect(flaky.count('info')).to.equal(1);
    });

    it("counts the SDK's own attempts toward the budget", async () => {
      let calls = 0;
      const fs = new RetryFileSystem({ fs: mem, minDelayMs: 1, maxAttempts: 4 });
      const result = await rejected(
        (fs as unknown as { call: (h: string, f: () => Promise<unknown>) => Promise<unknown> }).call(
          'info',
          async () => {
            calls++;
            throw new FsError({ kind: 'RateLimited', message: 'throttled', attempts: 3 });
          },
        ),
      );
      expect(result.kind).to.equal('RateLimited');
      expect(calls).to.equal(2); // 3 SDK attempts + 3 more > 4
    });

    it('resumes a stream that breaks midway from the last byte received', async () => {
      const data = randomBytes(3 * 1024 * 1024);
      await mem.pipeFile('/big.bin', data);
      flaky.breakStreamAfter = 1024 * 1024 + 7;
      flaky.failures = 1;
      const fs = new RetryFileSystem({ fs: flaky, minDelayMs: 1 });
      const chunks: Uint8Array[] = [];
      for await (const c of fs.readChunks('/big.bin')) chunks.push(c);
      expect(Buffer.concat(chunks).equals(data)).to.equal(true);
      expect(flaky.count('openRead')).to.equal(2);
    });

    it('backs off exponentially with jitter under the cap', () => {
      const fs = new RetryFileSystem({ fs: mem, minDelayMs: 100, maxDelayMs: 1000 });
      for (let i = 0; i < 50; i++) {
        expect(fs.backoff(1)).to.be.within(0, 100);
        expect(fs.backoff(3)).to.be.within(0, 400);
        expect(fs.backoff(10)).to.be.within(0, 1000);
      }
    });
  });

  describe('dir', () => {
    it('maps paths under its root and names back', async () => {
      const fs = new DirFileSystem({ fs: mem, path: '/d' });
      expect(await fs.ls('')).to.deep.equal(['a.txt']);
      await fs.writeText('sub/b.txt', 'beta');
      expect(await mem.readText('/d/sub/b.txt')).to.equal('beta');
      expect((await fs.info('sub/b.txt')).name).to.equal('sub/b.txt');
    });

    it('lets no path escape the root', async () => {
      const fs = new DirFileSystem({ fs: mem, path: '/d' });
      for (const bad of ['../x', 'sub/../../x', '/../x']) {
        const e = await rejected(fs.readText(bad));
        expect(e.kind, bad).to.equal('InvalidArgument');
      }
      await expectFsError(fs.readText('memory:///etc/passwd'), 'InvalidArgument');
    });

    it('needs a root path', () => {
      expect(() => new DirFileSystem({ fs: mem } as never)).to.throw(FsError, /path/);
    });

    it('copies with the info planned: looked up once, the copy pinned to its version', async () => {
      const store = new MemoryObjectStore(S3_RULES);
      await store.makedirs('bkt');
      await store.writeText('bkt/d/a.txt', 'alpha');
      const counted = new FlakyFileSystem({ fs: store });
      const fs = new DirFileSystem({ fs: counted, path: 'bkt/d' });
      await fs.cp('a.txt', 'c.txt');
      expect(await store.readText('bkt/d/c.txt')).to.equal('alpha');
      // Planning asks whether the target is a directory and looks at the source; the copy asks nothing.
      expect([counted.count('info'), counted.count('copy')]).to.deep.equal([2, 1]);
      const planned = await fs.info('a.txt');
      await store.writeText('bkt/d/a.txt', 'beta');
      await expectFsError(fs.copyFile('a.txt', 'e.txt', { source: planned }), 'ConditionNotMatch', 'ESTALE');
      expect(await store.exists('bkt/d/e.txt')).to.equal(false);
      const elsewhere = { ...planned, name: 'c.txt' };
      await expectFsError(fs.copyFile('a.txt', 'e.txt', { source: elsewhere }), 'InvalidArgument', 'EINVAL');
    });
  });

  it('simplecache and blockcache: a directory removed or renamed through the layer drops the files below it', async () => {
    // Local disk removes a tree and renames a directory in one call each, naming only the directory.
    const local = filesystem('file');
    const root = mkdtempSync(join(tmpdir(), 'omnifs-layers-'));
    try {
      for (const fs of [
        new SimpleCacheFileSystem({ fs: local }),
        new BlockCacheFileSystem({ fs: local, ttlMs: 60_000 }),
      ]) {
        await fs.writeText(`${root}/a/f.txt`, 'OLD');
        expect(await fs.readText(`${root}/a/f.txt`)).to.equal('OLD');
        await fs.rm(`${root}/a`, { recursive: true });
        await expectFsError(fs.readText(`${root}/a/f.txt`), 'NotFound');
        await fs.writeText(`${root}/a/f.txt`, 'OLD');
        expect(await fs.readText(`${root}/a/f.txt`)).to.equal('OLD');
        await fs.writeText(`${root}/b/f.txt`, 'NEW');
        await fs.rm(`${root}/a`, { recursive: true });
        await fs.mv(`${root}/b`, `${root}/a`);
        expect(await fs.readText(`${root}/a/f.txt`)).to.equal('NEW');
        await fs.rm(`${root}/a`, { recursive: true });
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  describe('simplecache', () => {
    it('downloads a file once and serves later reads locally', async () => {
      const fs = new SimpleCacheFileSystem({ fs: flaky });
      expect(await fs.readText('/d/a.txt')).to.equal('alpha');
      expect(Buffer.from(await fs.catFile('/d/a.txt', { start: 1, end: 3 })).toString()).to.equal('lp');
      expect(await fs.readText('/d/a.txt')).to.equal('alpha');
      expect(flaky.count('openRead')).to.equal(1);
      expect(readdirSync(fs.cacheDir)).to.have.length(1);
    });

    it('drops the cached copy on a write through the layer', async () => {
      const fs = new SimpleCacheFileSystem({ fs: flaky });
      await fs.readText('/d/a.txt');
      await fs.writeText('/d/a.txt', 'changed');
      expect(await fs.readText('/d/a.txt')).to.equal('changed');
      await fs.rm('/d/a.txt');
      await expectFsError(fs.readText('/d/a.txt'), 'NotFound');
    });

    it('shares one download between concurrent first reads', async () => {
      flaky.delayMs = 5;
      const fs = new SimpleCacheFileSystem({ fs: flaky });
      const texts = await Promise.all([fs.readText('/d/a.txt'), fs.readText('/d/a.txt'), fs.readText('/d/a.txt')]);
      expect(texts).to.deep.equal(['alpha', 'alpha', 'alpha']);
      expect(flaky.count('openRead')).to.equal(1);
    });

    it('removes the cache directory it made when the process exits, and keeps one it was given', () => {
      const kept = mkdtempSync(join(tmpdir(), 'omnifs-kept-'));
      try {
        const script = `
          const { urlToFs } = require(${JSON.stringify(require.resolve('@omnifs/core'))});
          require(${JSON.stringify(require.resolve('@omnifs/memory'))});
          const made = urlToFs('simplecache::memory:///exit/a.txt').fs;
          const given = urlToFs('simplecache::memory:///exit/a.txt', { simplecache: { cacheDir: ${JSON.stringify(kept)} } }).fs;
          (async () => {
            await made.fs.writeText('/exit/a.txt', 'cached');
            await made.readText('/exit/a.txt');
            await given.readText('/exit/a.txt');
            process.stdout.write(made.cacheDir);
          })();`;
        const made = execFileSync(process.execPath, ['-e', script], { env: { PATH: process.env.PATH } }).toString();
        expect(made).to.match(/omnifs-simplecache-/);
        expect(existsSync(made), `${made} is gone`).to.equal(false);
        expect(readdirSync(kept)).to.have.length(1);
      } finally {
        rmSync(kept, { recursive: true, force: true });
      }
    });

    it('keeps apart like-named files of dir layers with other roots that share a cache directory', async () => {
      await mem.writeText('/tenant1/config.json', 'one');
      await mem.writeText('/tenant2/config.json', 'two');
      const cacheDir = mkdtempSync(join(tmpdir(), 'omnifs-shared-cache-'));
      try {
        const one = new SimpleCacheFileSystem({ fs: new DirFileSystem({ fs: mem, path: '/tenant1' }), cacheDir });
        const two = new SimpleCacheFileSystem({ fs: new DirFileSystem({ fs: mem, path: '/tenant2' }), cacheDir });
        expect(await one.readText('config.json')).to.equal('one');
        expect(await two.readText('config.json')).to.equal('two');
        expect(readdirSync(cacheDir)).to.have.length(2);
      } finally {
        rmSync(cacheDir, { recursive: true, force: true });
      }
    });

    it('keeps no copy of the version before a write through the layer that lands during the first read', async () => {
      const fs = new SimpleCacheFileSystem({ fs: flaky });
      let release!: () => void;
      flaky.holdStreams = new Promise((r) => (release = r));
      const reading = fs.catFile('/d/a.txt', { start: 0, end: 1 });
      while (flaky.count('openRead') === 0) await new Promise((r) => setTimeout(r, 1));
      await fs.writeText('/d/a.txt', 'beta');
      flaky.holdStreams = undefined;
      release();
      await reading;
      expect(await fs.readText('/d/a.txt')).to.equal('beta');
      expect(readdirSync(fs.cacheDir)).to.have.length(1);
    });

    it('fetches a version anew for reads kept to it, and keeps plain reads on the copy', async () => {
      const fs = new SimpleCacheFileSystem({ fs: flaky });
      expect(await fs.readText('/d/a.txt')).to.equal('alpha');
      await mem.writeText('/d/a.txt', 'written by another client');
      // A plain read is served from the copy, as documented...
      expect(await fs.readText('/d/a.txt')).to.equal('alpha');
      // ...but a read sized from the file as it is now gets that version's bytes.
      expect(Buffer.from(await fs.tail('/d/a.txt', 6)).toString()).to.equal('client');
      const f = await fs.open('/d/a.txt', 'rb');
      expect(f.size).to.equal(25);
      expect(String(await f.read())).to.equal('written by another client');
      await f.close();
      expect(await fs.readText('/d/a.txt')).to.equal('written by another client');
      expect(flaky.count('openRead')).to.equal(2);
    });
  });

  describe('blockcache', () => {
    const data = randomBytes(10 * 1024);
    beforeEach(() => mem.pipeFile('/d/big.bin', data));
    const slice = (a: number, b: number): string => data.subarray(a, b).toString('hex');
    const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

    it('fetches each block once and serves repeated ranges from memory', async () => {
      const fs = new BlockCacheFileSystem({ fs: flaky, blockSize: 1024, ttlMs: 60_000 });
      expect(hex(await fs.catFile('/d/big.bin', { start: 100, end: 2100 }))).to.equal(slice(100, 2100));
      expect(flaky.count('read')).to.equal(3);
      expect(hex(await fs.catFile('/d/big.bin', { start: 500, end: 1500 }))).to.equal(slice(500, 1500));
      expect(flaky.count('read')).to.equal(3);
      expect(hex(await fs.catFile('/d/big.bin'))).to.equal(slice(0, data.byteLength));
      expect(flaky.count('read')).to.equal(10);
      expect(flaky.count('info')).to.equal(1);
      const chunks: Buffer[] = [];
      for await (const c of fs.readChunks('/d/big.bin', { start: 1000 })) chunks.push(Buffer.from(c));
      expect(Buffer.concat(chunks).toString('hex')).to.equal(slice(1000, data.byteLength));
      const f = await fs.open('/d/big.bin', 'rb');
      await f.seek(5000);
      expect(hex(await f.read(10))).to.equal(slice(5000, 5010));
      await f.close();
      expect(flaky.count('read')).to.equal(10);
    });

    it('keeps at most maxBlocks blocks, dropping the least recently used', async () => {
      const fs = new BlockCacheFileSystem({ fs: flaky, blockSize: 1024, maxBlocks: 4, ttlMs: 60_000 });
      expect(hex(await fs.catFile('/d/big.bin'))).to.equal(slice(0, data.byteLength));
      expect(fs.cachedBlocks).to.equal(4);
      await fs.catFile('/d/big.bin', { start: 9000, end: 9100 }); // block 8: still held
      expect(flaky.count('read')).to.equal(10);
      await fs.catFile('/d/big.bin', { start: 0, end: 10 }); // block 0: dropped long ago
      expect(flaky.count('read')).to.equal(11);
    });

    it('shares one request between concurrent reads of a block', async () => {
      flaky.delayMs = 5;
      const fs = new BlockCacheFileSystem({ fs: flaky, blockSize: 1024 });
      const reads = await Promise.all([0, 10, 20].map((s) => fs.catFile('/d/big.bin', { start: s, end: s + 100 })));
      expect(reads.map(hex)).to.deep.equal([slice(0, 100), slice(10, 110), slice(20, 120)]);
      expect(flaky.count('read')).to.equal(1);
    });

    it("drops a file's blocks on a write through the layer, and sees other writers after ttlMs", async () => {
      const fs = new BlockCacheFileSystem({ fs: flaky, blockSize: 1024, ttlMs: 60_000 });
      await fs.catFile('/d/big.bin');
      await fs.writeText('/d/big.bin', 'through the layer');
      expect(await fs.readText('/d/big.bin')).to.equal('through the layer');
      const short = new BlockCacheFileSystem({ fs: flaky, blockSize: 1024, ttlMs: 0 });
      expect(await short.readText('/d/big.bin')).to.equal('through the layer');
      await mem.writeText('/d/big.bin', 'written by another client');
      expect(await short.readText('/d/big.bin')).to.equal('written by another client');
    });

    it('reads the version there now once a block of the one known is refused, never joining two', async () => {
      const fs = new BlockCacheFileSystem({ fs: flaky, blockSize: 1024, ttlMs: 60_000 });
      expect(hex(await fs.catFile('/d/big.bin', { start: 0, end: 10 }))).to.equal(slice(0, 10));
      const other = randomBytes(data.byteLength);
      await mem.pipeFile('/d/big.bin', other);
      // Block 0 is cached from the old version; block 1 of it is gone: the read starts again on the new one.
      expect(hex(await fs.catFile('/d/big.bin'))).to.equal(other.toString('hex'));
      expect(hex(await fs.catFile('/d/big.bin', { start: 0, end: 10 }))).to.equal(
        other.subarray(0, 10).toString('hex'),
      );
    });

    it('serves open files from the blocks of the version opened, and fails a stream whose version is gone', async () => {
      const fs = new BlockCacheFileSystem({ fs: flaky, blockSize: 1024, ttlMs: 60_000 });
      const f = await fs.open('/d/big.bin', 'rb');
      expect(hex(await f.read(2000))).to.equal(slice(0, 2000));
      await f.close();
      const fetched = flaky.count('read');
      const g = await fs.open('/d/big.bin', 'rb');
      expect(hex(await g.read(2000))).to.equal(slice(0, 2000));
      await g.close();
      expect(flaky.count('read')).to.equal(fetched);
      fs.clearCache();
      const chunks: Buffer[] = [];
      await expectFsError(
        (async () => {
          for await (const c of fs.readChunks('/d/big.bin')) {
            chunks.push(Buffer.from(c));
            if (chunks.length === 1) await mem.pipeFile('/d/big.bin', randomBytes(data.byteLength));
          }
        })(),
        'ConditionNotMatch',
        'ESTALE',
      );
      expect(Buffer.concat(chunks).toString('hex')).to.equal(slice(0, 1024));
    });

    it('reports directories and missing files as the wrapped filesystem does, and is a chained-URL protocol', async () => {
      const fs = new BlockCacheFileSystem({ fs: mem });
      await expectFsError(fs.catFile('/d'), 'IsADirectory', 'EISDIR');
      await expectFsError(fs.catFile('/d/missing'), 'NotFound', 'ENOENT');
      const shared = filesystem('memory');
      await shared.writeText('/blockcache-url/a.txt', 'via a URL');
      try {
        const { fs: chained, path } = urlToFs('blockcache::memory:///blockcache-url/a.txt', {
          blockcache: { blockSize: 4 },
        });
        expect(chained).to.be.instanceOf(BlockCacheFileSystem);
        expect((chained as BlockCacheFileSystem).blockSize).to.equal(4);
        expect(await chained.readText(path)).to.equal('via a URL');
      } finally {
        await shared.rm('/blockcache-url', { recursive: true });
      }
      expect(() => new BlockCacheFileSystem({ fs: mem, blockSize: 0 })).to.throw(FsError, /blockSize/);
      expect(() => new BlockCacheFileSystem({ fs: mem, maxBlocks: -1 })).to.throw(FsError, /maxBlocks/);
    });
  });

  describe('listcache', () => {
    it('reuses listings and metadata within the ttl', async () => {
      const fs = new ListingCacheFileSystem({ fs: flaky, ttlMs: 60_000 });
      await fs.ls('/d');
      await fs.ls('/d');
      await fs.info('/d/a.txt');
      await fs.info('/d/a.txt');
      expect(flaky.count('ls')).to.equal(1);
      expect(flaky.count('info')).to.equal(1);
    });

    it('sees its own writes at once', async () => {
      const fs = new ListingCacheFileSystem({ fs: flaky, ttlMs: 60_000 });
      expect(await fs.ls('/d')).to.deep.equal(['/d/a.txt']);
      await fs.writeText('/d/b.txt', 'b');
      expect(await fs.ls('/d')).to.deep.equal(['/d/a.txt', '/d/b.txt']);
      await fs.rm('/d/a.txt');
      expect(await fs.exists('/d/a.txt')).to.equal(false);
    });

    it('sizes reads from the file as it is now, not from a cached answer', async () => {
      const fs = new ListingCacheFileSystem({ fs: flaky, ttlMs: 60_000 });
      expect((await fs.info('/d/a.txt')).size).to.equal(5);
      await mem.writeText('/d/a.txt', 'written by another client');
      expect((await fs.info('/d/a.txt')).size).to.equal(5); // a cached answer, within the ttl
      expect(Buffer.from(await fs.tail('/d/a.txt', 6)).toString()).to.equal('client');
      expect(Buffer.from(await fs.catFile('/d/a.txt', { start: -6 })).toString()).to.equal('client');
      expect(String(await fs.readBlock('/d/a.txt', 0, null))).to.equal('written by another client');
      const f = await fs.open('/d/a.txt', 'rb');
      expect(String(await f.read())).to.equal('written by another client');
      await f.close();
      expect((await fs.info('/d/a.txt')).size).to.equal(25); // the fresh answer is the cached one now
    });

    it("sees other clients' changes after the ttl", async () => {
      const fs = new ListingCacheFileSystem({ fs: flaky, ttlMs: 20 });
      await fs.ls('/d');
      await mem.writeText('/d/c.txt', 'c');
      expect(await fs.ls('/d')).to.deep.equal(['/d/a.txt']);
      await new Promise((r) => setTimeout(r, 30));
      expect(await fs.ls('/d')).to.deep.equal(['/d/a.txt', '/d/c.txt']);
    });
  });

  describe('limit', () => {
    it('keeps calls in flight under the cap', async () => {
      flaky.delayMs = 5;
      const fs = new LimitFileSystem({ fs: flaky, maxConcurrency: 2 });
      await Promise.all(Array.from({ length: 10 }, (_, i) => fs.writeText(`/d/n${i}.txt`, String(i))));
      expect(flaky.maxInFlight).to.equal(2);
      expect(await mem.readText('/d/n9.txt')).to.equal('9');
    });

    it('rejects a bad cap', () => {
      expect(() => new LimitFileSystem({ fs: mem, maxConcurrency: 0 })).to.throw(FsError, /maxConcurrency/);
    });
  });
});
