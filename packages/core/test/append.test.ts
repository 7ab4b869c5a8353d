/**
 * `ab` on a backend with neither native append nor append by copy: core writes the old
 * content, then the new bytes. The old content must be one version of the file.
 */
import { expect } from 'chai';
import { FsError } from '@omnifs/core';
import { VersionedFileSystem } from './helpers';

describe('core: append by rewriting', () => {
  const MiB = 1024 * 1024;

  it('appends to the old content read in several reads', async () => {
    const fs = new VersionedFileSystem();
    const old = Buffer.alloc(9 * MiB, 1);
    fs.store('/log', old);
    const f = await fs.open('/log', 'ab');
    await f.write('new');
    await f.close();
    expect(Buffer.concat([old, Buffer.from('new')]).equals(fs.files.get('/log')!.data)).to.equal(true);
  });

  it('fails with ConditionNotMatch, not a mix of two versions, when the file is replaced while read', async () => {
    const fs = new VersionedFileSystem();
    fs.store('/log', Buffer.alloc(9 * MiB, 1)); // read in 4 MiB pieces
    fs.afterRead = () => fs.store('/log', Buffer.alloc(9 * MiB, 2));
    const err = await fs.open('/log', 'ab').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(FsError);
    expect((err as FsError).kind).to.equal('ConditionNotMatch');
    // What the other writer wrote is kept, whole.
    expect(fs.files.get('/log')!.data.equals(Buffer.alloc(9 * MiB, 2))).to.equal(true);
  });
});
