import { expect } from 'chai';
import { fsError } from './helpers';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  urlToFs,
  open,
  filesystem,
  DirFileSystem,
  SimpleCacheFileSystem,
  RetryFileSystem,
  clearInstanceCache,
  registerImplementation,
  unregisterImplementation,
} from '@omnifs/core';
import { LocalFileSystem } from '@omnifs/local';
import { MemoryFileSystem } from '@omnifs/memory';

describe('core: urlToFs and open', () => {
  afterEach(() => clearInstanceCache());

  it('turns a protocol URL into its filesystem and path', () => {
    const { fs, path } = urlToFs('memory:///data/x.csv');
    expect(fs).to.be.instanceOf(MemoryFileSystem);
    expect(path).to.equal('/data/x.csv');
  });

  it('treats a bare path as local', () => {
    const { fs, path } = urlToFs('/tmp/x');
    expect(fs).to.be.instanceOf(LocalFileSystem);
    expect(path).to.equal('/tmp/x');
  });

  it('chains layers left to right, with options keyed by protocol', () => {
    const { fs, path } = urlToFs('retry::simplecache::memory:///a/b', { retry: { maxAttempts: 2 } });
    expect(fs).to.be.instanceOf(RetryFileSystem);
    expect((fs as RetryFileSystem).fs).to.be.instanceOf(SimpleCacheFileSystem);
    expect(fs.storageOptions.maxAttempts).to.equal(2);
    expect(path).to.equal('/a/b');
  });

  it('lets a class take options from its URL, explicit options winning', () => {
    class HostFs extends MemoryFileSystem {
      static override protocols = ['hostfs'];
      static optionsFromUrl(url: string): Record<string, unknown> {
        return { host: /^hostfs:\/\/([^/]*)/.exec(url)?.[1] };
      }
    }
    registerImplementation('hostfs', HostFs, { clobber: true });
    try {
      expect(urlToFs('hostfs://h1/a').fs.storageOptions.host).to.equal('h1');
      expect(urlToFs('hostfs://h1/a', { host: 'h2' }).fs.storageOptions.host).to.equal('h2');
    } finally {
      unregisterImplementation('hostfs');
    }
  });

  it('roots dir:: at the URL path and returns the root', async () => {
    await filesystem('memory').writeText('/rooted/in/f.txt', 'x');
    const { fs, path } = urlToFs('dir::memory:///rooted');
    expect(fs).to.be.instanceOf(DirFileSystem);
    expect(path).to.equal('');
    expect(await fs.find('')).to.deep.equal(['in/f.txt']);
  });

  it('rejects malformed URLs with InvalidArgument', () => {
    for (const bad of ['', 'memory::', '::memory:///a', 's3:/bucket/key', 'memory://a\0b']) {
      expect(fsError(() => urlToFs(bad)).kind, bad).to.equal('InvalidArgument');
    }
    expect(fsError(() => urlToFs(42 as unknown as string)).kind).to.equal('InvalidArgument');
  });

  it('refuses a non-layer protocol in a chain', () => {
    expect(fsError(() => urlToFs('memory::memory:///a')).kind).to.equal('InvalidArgument');
    expect(fsError(() => urlToFs('nosuch::memory:///a')).kind).to.equal('Unsupported');
  });

  it('opens a URL in one call', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'omnifs-url-'));
    writeFileSync(join(dir, 'f.bin'), Buffer.from('hello world'));
    const f = await open(`file://${dir}/f.bin`, 'rb');
    expect(Buffer.from(await f.read(5)).toString()).to.equal('hello');
    await f.close();
    const w = await open('memory:///opened/w.txt', 'wb');
    await w.write('written');
    await w.close();
    expect(await filesystem('memory').readText('/opened/w.txt')).to.equal('written');
  });
});
