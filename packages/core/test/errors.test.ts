import { expect } from 'chai';
import { inspect } from 'node:util';
import { execFileSync } from 'node:child_process';
import { FsError, isFsError } from '@omnifs/core';
import { FileSystemBase, NODE_CODES, toFsError, withContext, errors } from '@omnifs/core/backend';

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
    expect(NODE_CODES).to.include({
      NotFound: 'ENOENT',
      AlreadyExists: 'EEXIST',
      PermissionDenied: 'EACCES',
      IsADirectory: 'EISDIR',
      NotADirectory: 'ENOTDIR',
      NotEmpty: 'ENOTEMPTY',
      InvalidArgument: 'EINVAL',
      Unsupported: 'ENOTSUP',
    });
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

describe('core: FsError classification and secrets', () => {
  it("maps fetch's TypeError by the socket error behind it: a body cut off is temporary", () => {
    const socket = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    const e = toFsError(Object.assign(new TypeError('terminated'), { cause: socket }));
    expect(e).to.include({ kind: 'Unexpected', code: 'UND_ERR_SOCKET', temporary: true });
    expect(e.message).to.equal('terminated: other side closed');
  });

  it('treats a stream closed before its end as temporary', () => {
    expect(
      toFsError(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' })).temporary,
    ).to.equal(true);
  });

  it('is persistent, and no longer temporary, once marked so', () => {
    const e = new FsError({ kind: 'RateLimited', message: 'slow down' }).markPersistent(4);
    expect(e).to.include({ persistent: true, temporary: false });
    expect(e.message).to.equal('slow down (gave up after 4 attempts)');
    expect(new FsError({ kind: 'RateLimited', message: 'x', persistent: true }).temporary).to.equal(false);
  });

  it('scrubs credentials from its cause chain: headers, quoted bearer tokens, secret URL parameters', () => {
    const token = 'ya29.very-secret';
    const config = {
      url: 'http://x/o?sig=abc123&alt=media',
      headers: { Authorization: `Bearer ${token}`, 'x-amz-security-token': token, Accept: 'json' },
    };
    const inner = Object.assign(new Error(`request failed with Authorization: Bearer ${token}`), {
      config,
      response: { config },
    });
    const outer = new Error('wrapped', { cause: inner });
    const e = new FsError({ kind: 'PermissionDenied', message: 'denied', cause: outer });
    const shown = inspect(e, { depth: 12 });
    expect(shown).to.not.include(token).and.not.include('abc123');
    expect(JSON.stringify(inner)).to.not.include(token);
    expect(config.headers.Accept).to.equal('json');
    expect(config.url).to.equal('http://x/o?sig=***&alt=media');
  });

  it("shows a backend's environment with its secrets as ***: declared ones, connection-string fields, URLs", () => {
    abstract class Env extends FileSystemBase {
      static override environment = ['PLAIN', 'UNSET', 'KEY_VAR', 'CONN', 'BAD_CONN', 'ONE_FIELD', 'QUERY', 'URL'];
      static override secretEnvironment = ['KEY_VAR'];
    }
    const env = {
      PLAIN: 'eu-west-1',
      UNSET: '',
      KEY_VAR: 'sEcReT-1',
      CONN: 'AccountName=a;AccountKey=sEcReT-2;BlobEndpoint=https://u:sEcReT-3@a.example/?sv=1&sig=sEcReT-4;',
      BAD_CONN: 'AccountName=a;sEcReT-5',
      ONE_FIELD: 'SharedAccessSignature=sv=1&sig=sEcReT-6',
      QUERY: 'sv=2024&sig=sEcReT-7&sp=r',
      URL: 'http://user:sEcReT-8@host:1/p?token=sEcReT-9',
    };
    expect(Env.environmentSettings(env)).to.deep.equal([
      { name: 'PLAIN', value: 'eu-west-1' },
      { name: 'KEY_VAR', value: '***' },
      { name: 'CONN', value: 'AccountName=a;AccountKey=***;BlobEndpoint=https://***@a.example/?sv=***&sig=***;' },
      { name: 'BAD_CONN', value: 'AccountName=a;***' },
      { name: 'ONE_FIELD', value: 'SharedAccessSignature=***' },
      { name: 'QUERY', value: 'sv=***&sig=***&sp=***' },
      { name: 'URL', value: 'http://***@host:1/p?token=***' },
    ]);
  });

  it("scrubs a fetch Headers object's credentials", () => {
    const headers = new Headers({ authorization: 'Bearer tok-0123456789', accept: 'json' });
    new FsError({ kind: 'PermissionDenied', message: 'x', cause: Object.assign(new Error('x'), { headers }) });
    expect(headers.get('authorization')).to.equal('***');
    expect(headers.get('accept')).to.equal('json');
  });

  it("does not load Node's fetch to make an error with a cause (a fresh process's first error stays cheap)", () => {
    const script = `
      const { FsError } = require(${JSON.stringify(require.resolve('@omnifs/core'))});
      const e = new FsError({ kind: 'NotFound', message: 'x', cause: Object.assign(new Error('404'), { headers: {} }) });
      process.stdout.write(JSON.stringify({ kind: e.kind, fetch: process.moduleLoadList.filter((m) => /undici/.test(m)) }));`;
    const out = JSON.parse(
      execFileSync(process.execPath, ['-e', script], { env: { PATH: process.env.PATH } }).toString(),
    );
    expect(out).to.deep.equal({ kind: 'NotFound', fetch: [] });
  });

  it('walks no sockets or class instances other than errors, and survives cycles', () => {
    const holder: Record<string, unknown> = { token: 'secret-1' };
    holder.self = holder;
    class Client {
      readonly token = 'kept';
    }
    const client = new Client();
    new FsError({ kind: 'Unexpected', message: 'x', cause: Object.assign(new Error('x'), { holder, client }) });
    expect(holder.token).to.equal('***');
    expect(client.token).to.equal('kept');
  });
});

describe('core: FsError shown with util.inspect', () => {
  it('hides a secret found in the cause chain also where the scrubbing could not reach', () => {
    class Request {
      constructor(readonly headers: Record<string, string>) {}
    }
    const token = 'tok-0123456789';
    const cause = Object.assign(new Error('denied'), {
      config: { headers: { Authorization: `Bearer ${token}` } },
      request: new Request({ Authorization: `Bearer ${token}` }),
    });
    const e = new FsError({ kind: 'PermissionDenied', message: 'denied', cause });
    const shown = inspect(e, { depth: 12 });
    expect(shown).to.not.include(token);
    expect(shown).to.include('PermissionDenied').and.include('denied');
  });
});
