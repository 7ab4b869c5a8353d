/** The shared behaviour suite of @omnifs/testkit, run against the harness's MiniDFSCluster. */
import { conformanceSuite } from '@omnifs/testkit';
import { HDFSFileSystem } from '@omnifs/hdfs';
import { freshDir, makeFs, useHdfs } from './helpers';

describe('hdfs: conformance', function () {
  const hdfs = useHdfs();

  conformanceSuite({
    name: 'hdfs (MiniDFSCluster)',
    factory: () => makeFs(hdfs.info),
    root: () => freshDir('conformance'),
    declared: new HDFSFileSystem({ url: 'http://127.0.0.1:9870' }).capabilities,
    secretFactory: (secret) =>
      makeFs(hdfs.info, { delegationToken: secret, authHeaders: () => ({ authorization: `Negotiate ${secret}` }) }),
    timeout: 60_000,
  });
});
