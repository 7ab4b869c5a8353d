/** The user of simple authentication and the option checks (no server needed). */
import { expect } from 'chai';
import { userInfo } from 'node:os';
import { FsError } from '@omnifs/core';
import { HDFSFileSystem, resolveUser, WebHdfsClient } from '@omnifs/hdfs';

describe('hdfs: options', () => {
  const url = 'http://127.0.0.1:1';

  it('sends the user option as user.name', () => {
    expect(new WebHdfsClient({ url, user: 'etl' }).url('/a', 'GETFILESTATUS')).to.include('user.name=etl');
  });

  it('defaults the user to HADOOP_USER_NAME, then the OS user, as Hadoop clients do', () => {
    expect(resolveUser({}, { HADOOP_USER_NAME: 'alice' })).to.equal('alice');
    expect(resolveUser({ user: 'etl' }, { HADOOP_USER_NAME: 'alice' })).to.equal('etl');
    expect(resolveUser({}, {})).to.equal(userInfo().username);
  });

  it('sends a delegation token instead of a user', () => {
    const u = new WebHdfsClient({ url, delegationToken: 'tok' }).url('/a', 'OPEN');
    expect(u).to.include('delegation=tok').and.not.include('user.name');
  });

  it('refuses an unknown option naming the nearest one, and a port of the wrong type', () => {
    expect(() => new HDFSFileSystem({ url, usr: 'etl' } as never)).to.throw(
      FsError,
      "unknown option 'usr' for hdfs; did you mean 'user'?",
    );
    expect(() => new HDFSFileSystem({ host: 'nn', port: '9870' } as never)).to.throw(
      FsError,
      'option \'port\' of hdfs must be an integer, got "9870"',
    );
  });

  it('reads large files in parts of partSize, readConcurrency at once (32 MiB and 8 by default), 64 files at once', () => {
    const defaults = new HDFSFileSystem({ url }).capabilities;
    expect(defaults).to.include({ readPartSize: 32 * 1024 * 1024, readConcurrency: 8, batchSize: 64 });
    // No parts on the way in: a file is written as one stream.
    expect(defaults.partSize).to.equal(undefined);
    expect(new HDFSFileSystem({ url, partSize: 1024, readConcurrency: 2 }).capabilities).to.include({
      readPartSize: 1024,
      readConcurrency: 2,
    });
    for (const bad of [{ partSize: 0 }, { readConcurrency: 0 }, { readConcurrency: 65 }, { partSize: 1.5 }])
      expect(() => new HDFSFileSystem({ url, ...bad }))
        .to.throw(FsError, Object.keys(bad)[0])
        .with.property('kind', 'InvalidArgument');
  });
});
