import { expect } from 'chai';
import { filesystem, FsError } from '@omnifs/core';
import { compileGlob, globBase, globDepth, hasMagic } from '@omnifs/core/backend';

const matches = (pattern: string, path: string): boolean => compileGlob(pattern).test(path);

describe('core: glob', () => {
  it('* matches within one segment only', () => {
    expect(matches('/a/*.txt', '/a/x.txt')).to.equal(true);
    expect(matches('/a/*.txt', '/a/b/x.txt')).to.equal(false);
  });

  it("refuses '**' inside a path component, naming the rule", () => {
    for (const pattern of ['/a/b**', '/a/**b/c', '/a/***', '***', '/a/[**]', '/a/x**y/z']) {
      expect(() => compileGlob(pattern), pattern)
        .to.throw(FsError, "glob pattern has '**' inside a path component")
        .with.property('kind', 'InvalidArgument');
    }
    for (const pattern of ['**', '/**', '/a/**', '/a/**/', '/a/**/b', '**/b'])
      expect(() => compileGlob(pattern)).to.not.throw();
  });

  it('** crosses segments and also matches none', () => {
    expect(matches('/a/**/x.txt', '/a/x.txt')).to.equal(true);
    expect(matches('/a/**/x.txt', '/a/b/c/x.txt')).to.equal(true);
    expect(matches('/a/**', '/a/b/c')).to.equal(true);
  });

  it('? matches one character but not a slash', () => {
    expect(matches('/a/?.txt', '/a/1.txt')).to.equal(true);
    expect(matches('/a/?.txt', '/a/12.txt')).to.equal(false);
    expect(matches('/a?b', '/a/b')).to.equal(false);
  });

  it('[..] and [!..] match character classes', () => {
    expect(matches('/f[0-2]', '/f1')).to.equal(true);
    expect(matches('/f[0-2]', '/f5')).to.equal(false);
    expect(matches('/f[!0-2]', '/f5')).to.equal(true);
    expect(matches('/f[!0-2]', '/f1')).to.equal(false);
  });

  it('treats regex characters literally', () => {
    expect(matches('/a+b(1).txt', '/a+b(1).txt')).to.equal(true);
    expect(matches('/a.txt', '/abtxt')).to.equal(false);
  });

  it('finds the base directory and depth of a pattern', () => {
    expect(globBase('/a/b/*.txt')).to.equal('/a/b');
    expect(globBase('bucket/*/k')).to.equal('bucket');
    expect(globDepth('/a/*/*.txt')).to.equal(2);
    expect(globDepth('/a/**/x')).to.equal(Infinity);
    expect(hasMagic('/a/b')).to.equal(false);
  });

  it('reads bracket classes as fsspec: [!a] negates, [^a] is a set, [!] and [] without a close are literal', () => {
    expect(matches('/[!a]', '/b')).to.equal(true);
    expect(matches('/[!a]', '/a')).to.equal(false);
    expect(matches('/[^a]', '/^')).to.equal(true);
    expect(matches('/[^a]', '/b')).to.equal(false);
    expect(matches('/[!]h', '/[!]h')).to.equal(true);
    expect(matches('/[!]h', '/.h')).to.equal(false);
    expect(matches('/[]a]', '/]')).to.equal(true);
    expect(matches('/[]', '/[]')).to.equal(true);
    expect(matches('/[a-]', '/-')).to.equal(true);
    expect(matches('/[a/b]', '/[a/b]')).to.equal(true);
  });

  it('refuses a reversed range with InvalidArgument (EINVAL)', () => {
    let caught: unknown;
    try {
      compileGlob('/g/[z-a]');
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(FsError);
    expect((caught as FsError).kind).to.equal('InvalidArgument');
    expect((caught as FsError).code).to.equal('EINVAL');
  });

  it('matches patterns that make a backtracking regex explode, in one pass', () => {
    const long = `/g/${'a'.repeat(4000)}`;
    expect(matches('/g/**/*a*a*a*a*a*a*a*a*ab', long)).to.equal(false);
    expect(matches('/g/**/*a*a*a*a*a*a*a*a*ab', `${long}b`)).to.equal(true);
    const deep = `/${Array.from({ length: 40 }, () => 'd').join('/')}/x`;
    expect(matches(`/${'**/'.repeat(12)}y`, deep)).to.equal(false);
    expect(matches(`/${'**/'.repeat(12)}x`, deep)).to.equal(true);
  });

  it('limits ** alone by maxDepth, counted from the segments before it', () => {
    expect(globDepth('/a/*/sub/x', 2)).to.equal(3);
    expect(globDepth('/a/**', 2)).to.equal(2);
    expect(globDepth('/a/*/**/x', 1)).to.equal(2);
  });

  it('globs 50 long names with a pattern of many stars, and 12 "**/" segments, without blocking', async () => {
    const fs = filesystem('memory', { skipInstanceCache: true });
    await fs.pipe(
      Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`/g/d${i % 5}/${'a'.repeat(300 + i)}`, 'x'])),
    );
    expect(await fs.glob('/g/**/*a*a*a*a*a*a*a*a*ab')).to.deep.equal([]);
    expect(await fs.glob('/g/**/*a*a*a*a*a*a*a*a*a')).to.have.length(50);
    expect(await fs.glob(`/g/${'**/'.repeat(12)}a*`)).to.have.length(50);
  });
});
