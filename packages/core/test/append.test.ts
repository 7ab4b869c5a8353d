/**
 * `ab` on a backend with neither native append nor append by copy: core writes the old
 * content, then the new bytes. The old content must be one version of the file.
 */
import { expect } from 'chai';
import { FileSystem, FsError, type FileInfo } from '@omnifs/core';
import { errors, type ReadOptions } from '@omnifs/core/backend';

/** A flat store of versioned files (ETag = version) whose reads honour `options.etag`, as object stores do. */
class VersionedFileSystem extends FileSystem {
  static override protocols = ['versioned'];
  readonly files = new Map<string, { data: Buffer; etag: string }>();
  private version = 0;
  /** Called after each `_read`, once: a writer replacing the file meanwhile. */
  afterRead: (() => void) | undefined;

  store(path: string, data: Buffer): void {
    this.files.set(path, { data, etag: `v${++this.version}` });
  }

  protected async _info(path: string): Promise<FileInfo> {
    const f = this.files.get(path);
    if (f === undefined) throw errors.notFound(path);
    return { name: path, size: f.data.byteLength, type: 'file', etag: f.etag };
  }

  protected async _ls(path: string): Promise<FileInfo[]> {
    return [await this._info(path)];
  }

  protected async _read(path: string, start: number, end: number | undefined, options: ReadOptions = {}) {
    const f = this.files.get(path);
    if (f === undefined) throw errors.notFound(path);
    if (options.etag !== undefined && options.etag !== f.etag)
      throw new FsError({ kind: 'ConditionNotMatch', message: 'the file changed', path });
    const out = f.data.subarray(start, end);
    const then = this.afterRead;
    this.afterRead = undefined;
    then?.();
    return out;
  }

  protected async _write(path: string, data: Uint8Array): Promise<void> {
    this.store(path, Buffer.from(data));
  }

  protected async _rm(path: string): Promise<void> {
    this.files.delete(path);
  }
}

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
