/** HA namenodes: an HA MiniDFSCluster of its own (two namenodes), a standby first, an unreachable one, a failover. */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FsError } from '@omnifs/core';
import { HDFSFileSystem } from '@omnifs/hdfs';
import { useHdfsHa } from '../../../test/servers/index';
import { freePort } from '../../../test/servers/util';
import { freshDir } from './helpers';

describe('hdfs: HA namenodes', function () {
  this.timeout(120_000);
  const ha = useHdfsHa();
  const urls = (): string[] => ha.info.namenodes.map((n) => n.httpUrl);
  const make = (url: string | string[]): HDFSFileSystem =>
    new HDFSFileSystem({ url, user: ha.info.user, skipInstanceCache: true });

  it('works with the standby listed first, and sends the next calls to the active one', async () => {
    const [active, standby] = urls();
    const fs = make([standby!, active!]);
    expect(fs.client.base).to.equal(`${standby}/webhdfs/v1`);
    const dir = freshDir('ha');
    await fs.pipe(`${dir}/a.txt`, 'first');
    expect(fs.client.base).to.equal(`${active}/webhdfs/v1`);
    expect(await fs.readText(`${dir}/a.txt`)).to.equal('first');
    expect(await fs.ls(dir, { detail: false })).to.deep.equal([`${dir}/a.txt`]);
    await fs.rm(dir, { recursive: true });
    expect(await fs.exists(dir)).to.equal(false);
  });

  it('passes over a namenode that cannot be reached', async () => {
    const [active] = urls();
    const fs = make([`http://127.0.0.1:${await freePort()}`, active!]);
    const dir = freshDir('ha');
    await fs.pipe(`${dir}/b.txt`, 'second');
    expect(await fs.readText(`${dir}/b.txt`)).to.equal('second');
    expect(fs.client.base).to.equal(`${active}/webhdfs/v1`);
    await fs.rm(dir, { recursive: true });
  });

  it('asks the next namenode when a datanode says the redirect came from a standby', async () => {
    // A standby that names itself, not the nameservice, in its redirects (its fs.defaultFS is
    // not the nameservice): CREATE is redirected, and the datanode answers StandbyException.
    const standby = JSON.stringify({
      RemoteException: {
        exception: 'StandbyException',
        javaClassName: 'org.apache.hadoop.ipc.StandbyException',
        message: 'Operation category WRITE is not supported in state standby',
      },
    });
    const seen: string[] = [];
    const server = createHttpServer((req, res) => {
      const url = new URL(req.url!, 'http://fake');
      const datanode = url.pathname.startsWith('/dn/');
      seen.push(`${req.method} ${datanode ? 'datanode' : url.searchParams.get('op')}`);
      req.resume();
      if (!datanode && ['CREATE', 'APPEND'].includes(url.searchParams.get('op')!)) {
        res.writeHead(307, { location: `http://127.0.0.1:${port}/dn${url.pathname}${url.search}` }).end();
      } else {
        res.writeHead(403, { 'content-type': 'application/json' }).end(standby);
      }
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const { port } = server.address() as AddressInfo;
    try {
      const fs = make([`http://127.0.0.1:${port}`, urls()[0]!]);
      const dir = freshDir('ha');
      await fs.pipe(`${dir}/whole.txt`, 'whole');
      expect(seen).to.deep.equal(['PUT CREATE', 'PUT datanode']);
      expect(fs.client.base).to.equal(`${urls()[0]}/webhdfs/v1`);
      expect(await fs.readText(`${dir}/whole.txt`)).to.equal('whole');
      await fs.rm(dir, { recursive: true });
    } finally {
      await new Promise((ok) => server.close(ok));
    }
  });

  it('with the standby alone: a temporary RateLimited error naming StandbyException', async () => {
    const fs = make(urls()[1]!);
    const err = await fs.info('/').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(FsError).and.include({ kind: 'RateLimited', temporary: true });
    expect((err as Error).message).to.include('StandbyException');
  });

  it('keeps working across a failover: a read and a write open across it, then new calls', async () => {
    const fs = make(urls());
    const dir = freshDir('ha');
    const before = randomBytes(3 * 1024 * 1024 + 17);
    await fs.pipe(`${dir}/before.bin`, before);
    const reader = await fs.open(`${dir}/before.bin`, 'rb', { blockSize: 1024 * 1024 });
    const head = await reader.read(1024 * 1024);
    const writer = await fs.open(`${dir}/across.bin`, 'wb');
    const across = randomBytes(4 * 1024 * 1024);
    await writer.write(across.subarray(0, 2 * 1024 * 1024));
    try {
      await ha.info.activate(1);
      await writer.write(across.subarray(2 * 1024 * 1024));
      await writer.close();
      const rest = await reader.read();
      await reader.close();
      expect(Buffer.concat([head, rest]).equals(before)).to.equal(true);
      expect(Buffer.from(await fs.catFile(`${dir}/across.bin`)).equals(across)).to.equal(true);
      await fs.pipe(`${dir}/after.txt`, 'after');
      expect(fs.client.base).to.equal(`${urls()[1]}/webhdfs/v1`);
      expect(await fs.ls(dir, { detail: false })).to.deep.equal(
        ['after.txt', 'across.bin', 'before.bin'].map((f) => `${dir}/${f}`).sort(),
      );
      await fs.rm(dir, { recursive: true });
    } finally {
      await ha.info.activate(0);
    }
    // And back: the same instance follows the active namenode again.
    await fs.pipe(`${dir}/back.txt`, 'back');
    expect(fs.client.base).to.equal(`${urls()[0]}/webhdfs/v1`);
    await fs.rm(dir, { recursive: true });
  });
});
