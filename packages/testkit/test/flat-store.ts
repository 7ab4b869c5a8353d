/**
 * A minimal object store for testing the suite itself: flat keys `bucket/key` in a Map,
 * directories only as prefixes (no empty directories), buckets made by `makedirs('bucket')`.
 * It is what an S3-like backend looks like to core.
 */
import { FileSystem, type FileInfo, type WriteMode } from '@omnifs/core';
import { errors, type CapabilityFacts } from '@omnifs/core/backend';

interface Entry {
  data: Uint8Array;
  mtime: Date;
  etag: string;
}

let etags = 0;

/** A Map-backed object store with prefix directories. */
export class FlatStoreFileSystem extends FileSystem {
  static override protocols: readonly string[] = ['flatstore'];
  override readonly rootMarker = '' as const;
  protected override capabilityFacts(): CapabilityFacts {
    return { ...super.capabilityFacts(), realDirectories: false, exclusiveCreate: true };
  }

  readonly buckets = new Set<string>();
  readonly objects = new Map<string, Entry>();

  private bucketOf(path: string): string {
    return path.split('/')[0]!;
  }

  protected async _info(path: string): Promise<FileInfo> {
    if (path === '') return { name: '', size: 0, type: 'directory' };
    const obj = this.objects.get(path);
    if (obj) return { name: path, size: obj.data.byteLength, type: 'file', mtime: obj.mtime, etag: obj.etag };
    if (!path.includes('/') && this.buckets.has(path)) return { name: path, size: 0, type: 'directory' };
    for (const k of this.objects.keys())
      if (k.startsWith(`${path}/`)) return { name: path, size: 0, type: 'directory' };
    throw errors.notFound(path);
  }

  protected async _ls(path: string): Promise<FileInfo[]> {
    if (path === '') return [...this.buckets].map((b) => ({ name: b, size: 0, type: 'directory' as const }));
    const info = await this._info(path);
    if (info.type === 'file') throw errors.notADirectory(path);
    const out = new Map<string, FileInfo>();
    for (const [k, v] of this.objects) {
      if (!k.startsWith(`${path}/`)) continue;
      const rest = k.slice(path.length + 1);
      const slash = rest.indexOf('/');
      if (slash < 0) out.set(k, { name: k, size: v.data.byteLength, type: 'file', mtime: v.mtime, etag: v.etag });
      else
        out.set(`${path}/${rest.slice(0, slash)}`, {
          name: `${path}/${rest.slice(0, slash)}`,
          size: 0,
          type: 'directory',
        });
    }
    return [...out.values()];
  }

  protected async _read(path: string, start: number, end: number | undefined): Promise<Uint8Array> {
    const obj = this.objects.get(path);
    if (!obj) throw errors.notFound(path);
    return obj.data.slice(start, end === undefined ? undefined : Math.min(end, obj.data.byteLength));
  }

  protected async _write(path: string, data: Uint8Array, mode: WriteMode): Promise<void> {
    if (!path.includes('/')) throw errors.invalid('an object needs a bucket and a key', path);
    if (!this.buckets.has(this.bucketOf(path))) throw errors.notFound(this.bucketOf(path));
    if (mode === 'create' && this.objects.has(path)) throw errors.alreadyExists(path);
    this.objects.set(path, { data: new Uint8Array(data), mtime: new Date(), etag: `e${++etags}` });
  }

  protected async _rm(path: string): Promise<void> {
    if (!this.objects.delete(path)) throw errors.notFound(path);
  }

  /** Creates the bucket (for `bucket`, or for `bucket/prefix` with parents); prefixes need nothing. */
  protected override async _mkdir(path: string, parents: boolean): Promise<void> {
    if (!path.includes('/') || parents) this.buckets.add(this.bucketOf(path));
    else if (!this.buckets.has(this.bucketOf(path))) throw errors.notFound(this.bucketOf(path));
  }

  protected override async _rmdir(path: string): Promise<void> {
    if ((await this._ls(path)).length > 0) throw errors.notEmpty(path);
    if (!path.includes('/')) this.buckets.delete(path);
  }
}
