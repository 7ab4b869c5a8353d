/**
 * A range sized from one version of a file is read from that version: `tail` and negative
 * bounds look at the file first, and a file replaced before the read fails the read
 * (ConditionNotMatch) instead of giving bytes of the wrong length or place.
 */
import { expect } from 'chai';
import { FsError } from '@omnifs/core';
import { VersionedFileSystem } from './helpers';

describe('core: ranges sized from a look at the file', () => {
  const replaced = (): VersionedFileSystem => {
    const fs = new VersionedFileSystem();
    fs.store('/f', Buffer.from('0123456789'));
    fs.afterInfo = () => fs.store('/f', Buffer.from('0123456789abcdef'));
    return fs;
  };
  const failed = async (p: Promise<unknown>): Promise<FsError> => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(FsError);
    return err as FsError;
  };

  it('tail and catFile with a negative start fail when the file is replaced after the look', async () => {
    expect((await failed(replaced().tail('/f', 3))).kind).to.equal('ConditionNotMatch');
    expect((await failed(replaced().catFile('/f', { start: -3 }))).kind).to.equal('ConditionNotMatch');
    expect((await failed(replaced().catFile('/f', { start: 2, end: -1 }))).kind).to.equal('ConditionNotMatch');
  });

  it('readChunks with a negative bound fails the same way', async () => {
    const read = async (): Promise<void> => {
      for await (const _ of replaced().readChunks('/f', { start: -4 }));
    };
    expect((await failed(read())).kind).to.equal('ConditionNotMatch');
  });

  it('reads the bytes of the version looked at when nothing changed', async () => {
    const fs = new VersionedFileSystem();
    fs.store('/f', Buffer.from('0123456789'));
    expect((await fs.tail('/f', 3)).toString()).to.equal('789');
    expect((await fs.catFile('/f', { start: -4, end: -1 })).toString()).to.equal('678');
  });
});
