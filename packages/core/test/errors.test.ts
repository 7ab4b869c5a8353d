import { expect } from 'chai';
import { FsError, NODE_CODES, isFsError, toFsError, withContext, errors } from '@omnifs/core';

describe('core: FsError', () => {
  it('carries kind, Node code, temporary flag and cause', () => {
    const cause = new Error('sdk said no');
    const e = new FsError({ kind: 'NotFound', message: 'gone', cause, path: 'b/k' });
    expect(e).to.be.instanceOf(Error);
    expect(e.kind).to.equal('NotFound');
    expect(e.code).to.equal('ENOENT');
    expect(e.temporary).to.equal(false);
    expect(e.cause).to.equal(cause);
    expect(e.path).to.equal('b/k');
  });

  it('marks RateLimited temporary by default', () => {
    expect(new FsError({ kind: 'RateLimited', message: 'slow down' }).temporary).to.equal(true);
  });

  it('gives every kind a Node error code', () => {
    expect(NODE_CODES).to.include({ NotFound: 'ENOENT', AlreadyExists: 'EEXIST', PermissionDenied: 'EACCES', IsADirectory: 'EISDIR', NotADirectory: 'ENOTDIR', NotEmpty: 'ENOTEMPTY', InvalidArgument: 'EINVAL', Unsupported: 'ENOTSUP' });
  });

  it('maps Node system errors by code', () => {
    const sys = Object.assign(new Error('nope'), { code: 'EACCES' });
    const e = toFsError(sys);
    expect(e.kind).to.equal('PermissionDenied');
    expect(e.code).to.equal('EACCES');
    expect(e.cause).to.equal(sys);
  });

  it('maps connection resets to a temporary Unexpected error', () => {
    const e = toFsError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }));
    expect(e.kind).to.equal('Unexpected');
    expect(e.temporary).to.equal(true);
  });

  it('maps AbortError to Aborted', () => {
    const e = toFsError(new DOMException('stop', 'AbortError'));
    expect(e.kind).to.equal('Aborted');
  });

  it('passes FsErrors through unchanged', () => {
    const e = errors.notEmpty('/d');
    expect(toFsError(e)).to.equal(e);
    expect(isFsError(e, 'NotEmpty')).to.equal(true);
    expect(isFsError(e, 'NotFound')).to.equal(false);
  });

  it('adds protocol, operation and path once, the innermost winning', () => {
    const e = withContext(errors.notFound(), 'memory', 'info', '/a');
    expect(e.message).to.equal('memory info "/a": no such file or directory');
    const again = withContext(e, 's3', 'cp', 'b/k');
    expect(again.operation).to.equal('info');
    expect(again.protocol).to.equal('memory');
    expect(again.message).to.equal('memory info "/a": no such file or directory');
  });
});
