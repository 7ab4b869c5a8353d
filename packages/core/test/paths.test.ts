import { expect } from 'chai';
import { FsError } from '@omnifs/core';
import {
  checkPath,
  normalizePath,
  joinPath,
  stripProtocol,
  splitProtocol,
  parentPath,
  baseName,
  relativeTo,
  isUnder,
  MAX_PATH_LENGTH,
} from '@omnifs/core/backend';

function invalid(fn: () => unknown, text: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(FsError);
    expect((e as FsError).kind).to.equal('InvalidArgument');
    expect((e as FsError).code).to.equal('EINVAL');
    expect((e as FsError).message).to.match(text);
    return;
  }
  expect.fail('expected an InvalidArgument FsError');
}

describe('core: paths', () => {
  it('rejects non-strings naming the type received', () => {
    invalid(() => checkPath(42), /must be a string, got number/);
    invalid(() => checkPath(null), /got null/);
    invalid(() => checkPath(['a']), /got array/);
  });

  it('rejects NUL bytes and over-long paths', () => {
    invalid(() => checkPath('a\0b'), /NUL byte/);
    invalid(() => checkPath('x'.repeat(MAX_PATH_LENGTH + 1)), /longer than/);
  });

  it('normalises absolute paths: dots, double slashes, trailing slash', () => {
    expect(normalizePath('/a//b/./c/', '/')).to.equal('/a/b/c');
    expect(normalizePath('/a/b/../c', '/')).to.equal('/a/c');
    expect(normalizePath('', '/')).to.equal('/');
  });

  it('normalises object-store paths without a leading slash', () => {
    expect(normalizePath('/bucket/key/', '')).to.equal('bucket/key');
    expect(normalizePath('', '')).to.equal('');
  });

  it('refuses ".." above the root', () => {
    invalid(() => normalizePath('/../etc', '/'), /escapes the root/);
    invalid(() => normalizePath('bucket/../../x', ''), /escapes the root/);
  });

  it('strips only its own protocols', () => {
    expect(stripProtocol('s3://b/k', ['s3', 's3a'])).to.equal('b/k');
    expect(stripProtocol('gs://b/k', ['s3'])).to.equal('gs://b/k');
    expect(splitProtocol('S3://b/k')).to.deep.equal({ protocol: 's3', rest: 'b/k' });
    expect(splitProtocol('/plain')).to.equal(undefined);
  });

  it('joins, splits and relates paths', () => {
    expect(joinPath('/a/', '/b', 'c/')).to.equal('/a/b/c');
    expect(joinPath('bucket', '', 'k')).to.equal('bucket/k');
    expect(parentPath('/a/b')).to.equal('/a');
    expect(parentPath('/a')).to.equal('/');
    expect(parentPath('bucket', '')).to.equal('');
    expect(baseName('/a/b/')).to.equal('b');
    expect(relativeTo('/a/b/c', '/a')).to.equal('b/c');
    expect(isUnder('/a/bc', '/a/b')).to.equal(false);
    expect(isUnder('/a/b/c', '/a/b')).to.equal(true);
  });
});
