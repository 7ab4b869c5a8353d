/** HDFS against a silent and a stalling namenode, and over a slow link: timeouts and aborts end every operation. */
import { timeoutTests } from '../../../test/faults/timeouts';
import { startFaultProxy, type FaultProxy } from '../../../test/faults/proxy';
import { freshDir, makeFs, useHdfs } from './helpers';

describe('hdfs: timeouts', function () {
  const hdfs = useHdfs();
  // Datanode redirects come back through this proxy, so the slow link carries the data too.
  let routed: FaultProxy;
  const root = freshDir();
  before(async function () {
    routed = await startFaultProxy({ target: hdfs.info.namenodeUrl, rewriteRedirects: 'loopback' });
    await makeFs(hdfs.info).mkdir(root);
  });
  after(async function () {
    await routed?.close();
  });

  timeoutTests({
    make: (url, timeouts) => makeFs(hdfs.info, { url, ...timeouts }),
    file: '/dir/file.bin',
    // WebHDFS answers JSON: a FileStatus cut after a few bytes.
    contentType: 'application/json',
    real: () => ({ url: routed.url, root, redirectVia: (origin) => routed.redirectVia(origin) }),
  });
});
