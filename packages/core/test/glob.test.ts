import { expect } from 'chai';
import { globToRegExp, globBase, globDepth, hasMagic } from '@omnifs/core';

const matches = (pattern: string, path: string): boolean => globToRegExp(pattern).test(path);

describe('core: glob', () => {
  it('* matches within one segment only', () => {
    expect(matches('/a/*.txt', '/a/x.txt')).to.equal(true);
    expect(matches('/a/*.txt', '/a/b/x.txt')).to.equal(false);
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
});
