/** HDFS against a silent and a stalling namenode: timeouts and aborts end every operation. */
import { timeoutTests } from '../../../test/faults/timeouts';
import { makeFs, useHdfs } from './helpers';

describe('hdfs: timeouts', function () {
  const hdfs = useHdfs();

  timeoutTests({
    make: (url, timeouts) => makeFs(hdfs.info, { url, ...timeouts }),
    file: '/dir/file.bin',
    // WebHDFS answers JSON: a FileStatus cut after a few bytes.
    contentType: 'application/json',
  });
});
