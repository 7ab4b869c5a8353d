/**
 * Files written by omnifs read back with the npm `webhdfs` client (the one Node had, last
 * released in 2018), and the other way round.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { HDFSFileSystem } from '@omnifs/hdfs';
import type { HdfsInfo } from '../../../test/servers/index';
import { useFreshDir, useHdfs } from './helpers';

/** The part of the `webhdfs` package's client these tests use (it ships no types). */
interface WebHdfsClient {
  writeFile(path: string, data: Buffer, append: boolean, opts: object, cb: (err: Error | null) => void): void;
  readFile(path: string, cb: (err: Error | null, data: Buffer) => void): void;
}

function legacyClient(info: HdfsInfo): WebHdfsClient {
  const webhdfs = createRequire(__filename)('webhdfs') as { createClient(opts: object): WebHdfsClient };
  const u = new URL(info.namenodeUrl);
  return webhdfs.createClient({ user: info.user, host: u.hostname, port: Number(u.port), path: '/webhdfs/v1' });
}

describe('hdfs: interoperates with the npm webhdfs client', function () {
  this.timeout(60_000);
  const hdfs = useHdfs();
  let fs: HDFSFileSystem;
  let dir: string;

  useFreshDir(hdfs, 'interop', (f, d) => {
    fs = f;
    dir = d;
  });

  it('reads back with webhdfs what omnifs wrote, streamed and appended', async () => {
    const head = randomBytes(1_500_000);
    const tail = randomBytes(777);
    await fs.pipeFile(
      `${dir}/a.bin`,
      (async function* () {
        yield head.subarray(0, 1_000_000);
        yield head.subarray(1_000_000);
      })(),
    );
    const f = await fs.open(`${dir}/a.bin`, 'ab');
    await f.write(tail);
    await f.close();
    const back = await new Promise<Buffer>((ok, fail) =>
      legacyClient(hdfs.info).readFile(`${dir}/a.bin`, (err, data) => (err ? fail(err) : ok(data))),
    );
    expect(back.equals(Buffer.concat([head, tail]))).to.equal(true);
  });

  it('reads back with omnifs what webhdfs wrote', async () => {
    const data = randomBytes(1_200_000);
    await fs.makedirs(dir);
    await new Promise<void>((ok, fail) =>
      legacyClient(hdfs.info).writeFile(`${dir}/b.bin`, data, false, {}, (err) => (err ? fail(err) : ok())),
    );
    expect(Buffer.from(await fs.catFile(`${dir}/b.bin`)).equals(data)).to.equal(true);
    expect(await fs.size(`${dir}/b.bin`)).to.equal(data.length);
  });
});
