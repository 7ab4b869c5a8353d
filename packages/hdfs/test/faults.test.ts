/** HDFS through the fault proxy (the datanode's redirects through it too): a download cut off is never returned short. */
import { expect } from 'chai';
import { rejected } from '@omnifs/testkit';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFaultProxy } from '../../../test/faults/proxy';
import { useFaultProxy } from '../../../test/faults/stores';
import { cutDownloadTests } from '../../../test/faults/downloads';
import type { HDFSFileSystem } from '@omnifs/hdfs';
import { freshDir, makeFs, useHdfs } from './helpers';

const MiB = 1024 * 1024;

describe('hdfs: faults', function () {
  this.timeout(120_000);
  const hdfs = useHdfs();
  const faults = useFaultProxy(async () => ({
    proxy: await startFaultProxy({ target: hdfs.info.namenodeUrl, seed: 11, rewriteRedirects: 'loopback' }),
  }));
  let direct: HDFSFileSystem;
  let root = '';
  beforeEach(async function () {
    direct = makeFs(hdfs.info);
    root = freshDir('faults');
    await direct.makedirs(root);
  });
  afterEach(async function () {
    await direct.rm(root, { recursive: true }).catch(() => undefined);
  });

  it('fails a put whose datanode refuses the data midway, leaving nothing behind', async function () {
    const local = await mkdtemp(join(tmpdir(), 'omnifs-hdfs-fault-'));
    try {
      await writeFile(join(local, 'src.bin'), randomBytes(12 * MiB)); // more than a part: read into the writer's buffers
      faults.proxy.addRule({
        fault: {
          kind: 'status',
          status: 500,
          body: '{"RemoteException":{"exception":"IOException","message":"disk"}}',
        },
        match: (r) => r.url.startsWith('/__via/') && /[?&]op=APPEND/.test(r.url),
      });
      const viaProxy = makeFs(hdfs.info, { url: faults.proxy.url });
      const err = await rejected(viaProxy.put(join(local, 'src.bin'), `${root}/f.bin`));
      expect(err.kind).to.equal('Unexpected');
      expect(await direct.ls(root)).to.deep.equal([]);
    } finally {
      await rm(local, { recursive: true, force: true });
    }
  });

  cutDownloadTests({
    proxy: () => faults.proxy,
    direct: () => direct,
    viaProxy: () => makeFs(hdfs.info, { url: faults.proxy.url, partSize: MiB, readConcurrency: 3 }),
    root: () => root,
    size: 5 * MiB + 11,
    cutAfter: MiB / 2,
    // The datanode's answer: the proxy names it by its /__via/ prefix.
    isDownload: (r) => r.url.startsWith('/__via/') && /[?&]op=OPEN/.test(r.url),
    code: 'ECONNRESET',
  });
});
