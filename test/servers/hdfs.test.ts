/**
 * Smoke tests of HDFS (MiniDFSCluster) over WebHDFS with plain fetch, not omnifs.
 *
 * Trap: the datanode answers a CREATE/APPEND data PUT/POST with an unsolicited
 * `100 Continue` before its `201`/`200`, and Node's fetch (undici) rejects any 100
 * response ("fetch failed", cause "bad response"). The data step therefore goes
 * through node:http, which skips informational responses.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { freshName, useServer } from './index';

interface FileStatus {
  pathSuffix: string;
  type: 'FILE' | 'DIRECTORY';
  length: number;
}

describe('servers: HDFS (MiniDFSCluster) over WebHDFS with fetch', function () {
  const hdfs = useServer('hdfs');

  function url(path: string, op: string, params: Record<string, string | number> = {}): string {
    const q = new URLSearchParams({ op, 'user.name': hdfs.info.user });
    for (const [k, v] of Object.entries(params)) q.set(k, String(v));
    return `${hdfs.info.webhdfsUrl}${path}?${q}`;
  }

  /** First step of CREATE/APPEND: no body, no redirect following; returns the datanode Location. */
  async function redirectFor(method: 'PUT' | 'POST', u: string): Promise<string> {
    const res = await fetch(u, { method, redirect: 'manual' });
    await res.arrayBuffer();
    expect(res.status, `${method} ${u}`).to.equal(307);
    const loc = res.headers.get('location');
    expect(loc).to.be.a('string');
    return loc!;
  }

  /** Second step: the data to the datanode's Location; resolves with the status code. */
  function sendData(method: 'PUT' | 'POST', loc: string, data: Uint8Array | string): Promise<number> {
    return new Promise((ok, fail) => {
      const body = typeof data === 'string' ? Buffer.from(data) : data;
      const req = request(
        loc,
        {
          method,
          headers: { 'content-type': 'application/octet-stream', 'content-length': body.length },
        },
        (res) => {
          res.resume();
          res.on('end', () => ok(res.statusCode ?? 0));
        },
      );
      req.on('error', fail);
      req.end(body);
    });
  }

  async function create(path: string, data: Uint8Array): Promise<string> {
    const loc = await redirectFor('PUT', url(path, 'CREATE', { overwrite: 'true' }));
    expect(await sendData('PUT', loc, data)).to.equal(201);
    return loc;
  }

  async function read(path: string, params: Record<string, number> = {}): Promise<Buffer> {
    const res = await fetch(url(path, 'OPEN', params));
    expect(res.status).to.equal(200);
    return Buffer.from(await res.arrayBuffer());
  }

  const dir = (): string => `/${freshName()}`;

  it('creates a file in two steps, the redirect pointing at the loopback datanode', async function () {
    const d = dir();
    const data = randomBytes(2_500_000); // spans 3 blocks of the cluster's 1 MiB block size
    const loc = new URL(await create(`${d}/f.bin`, data));
    expect(loc.hostname).to.equal('127.0.0.1');
    if (hdfs.info.datanodeHttpPort !== undefined) expect(Number(loc.port)).to.equal(hdfs.info.datanodeHttpPort);
    expect((await read(`${d}/f.bin`)).equals(data)).to.equal(true);
  });

  it('appends to an existing file', async function () {
    const d = dir();
    await create(`${d}/log.txt`, Buffer.from('one\n'));
    for (const line of ['two\n', 'three\n']) {
      const loc = await redirectFor('POST', url(`${d}/log.txt`, 'APPEND'));
      expect(await sendData('POST', loc, line)).to.equal(200);
    }
    expect((await read(`${d}/log.txt`)).toString()).to.equal('one\ntwo\nthree\n');
  });

  it('opens at an offset with a length', async function () {
    const d = dir();
    await create(`${d}/r.txt`, Buffer.from('0123456789abcdef'));
    expect((await read(`${d}/r.txt`, { offset: 4, length: 6 })).toString()).to.equal('456789');
    expect((await read(`${d}/r.txt`, { offset: 13 })).toString()).to.equal('def');
  });

  it('lists a directory with LISTSTATUS', async function () {
    const d = dir();
    const mk = await fetch(url(`${d}/sub`, 'MKDIRS'), { method: 'PUT' });
    expect(await mk.json()).to.deep.equal({ boolean: true });
    await create(`${d}/a.txt`, Buffer.from('aa'));
    await create(`${d}/b.txt`, Buffer.from('bbb'));
    const res = await fetch(url(d, 'LISTSTATUS'));
    const body = (await res.json()) as { FileStatuses: { FileStatus: FileStatus[] } };
    const got = body.FileStatuses.FileStatus.map((s) => [s.pathSuffix, s.type, s.length]);
    expect(got).to.deep.equal([
      ['a.txt', 'FILE', 2],
      ['b.txt', 'FILE', 3],
      ['sub', 'DIRECTORY', 0],
    ]);
  });

  it('deletes a directory recursively', async function () {
    const d = dir();
    await create(`${d}/x/y.txt`, Buffer.from('y'));
    const del = await fetch(url(d, 'DELETE', { recursive: 'true' }), { method: 'DELETE' });
    expect(await del.json()).to.deep.equal({ boolean: true });
    const st = await fetch(url(d, 'GETFILESTATUS'));
    await st.arrayBuffer();
    expect(st.status).to.equal(404);
  });
});
