/**
 * Serving other protocols from memory in a test suite: an app that reads and writes
 * `s3://` or `gs://` URLs runs its tests with no network and no code change.
 */
import { clearInstanceCache, getFileSystemClass, registerImplementation, unregisterImplementation, type FileSystemClass } from '@omnifs/core';
import { MemoryFileSystem } from './filesystem';
import type { MemoryOptions } from './options';

const MOCK_ROOT = '/.omnifs-mock';

/**
 * A memory-backed class for `protocol` with object-store paths (`bucket/key`, root `''`).
 * Its files live under a directory of their own in the memory store.
 */
export function memoryBackedClass(protocol: string): FileSystemClass {
  const root = `${MOCK_ROOT}/${protocol}`;
  class MemoryBackedFileSystem extends MemoryFileSystem {
    static override protocols: readonly string[] = [protocol];
    override readonly rootMarker = '' as const;

    constructor(options: MemoryOptions = {}) {
      super(options);
      this.volume.mkdirSync(root, { recursive: true });
    }

    protected override toStore(path: string): string {
      return path === '' ? root : `${root}/${path}`;
    }

    protected override fromStore(path: string): string {
      return path.slice(root.length + 1);
    }
  }
  Object.defineProperty(MemoryBackedFileSystem, 'name', { value: `MemoryBacked(${protocol})` });
  return MemoryBackedFileSystem as unknown as FileSystemClass;
}

/**
 * Makes `filesystem(p)` and `urlToFs('p://...')` use memory for each protocol in
 * `protocols` until the returned function is called, which restores what was there.
 *
 * ```ts
 * let restore: () => void;
 * before(() => { restore = useMemoryFor(['s3', 'gs']); });
 * after(() => restore());
 * ```
 */
export function useMemoryFor(protocols: string[]): () => void {
  const previous = new Map<string, FileSystemClass | undefined>();
  for (const p of protocols) {
    let before: FileSystemClass | undefined;
    try {
      before = getFileSystemClass(p);
    } catch {
      before = undefined; // not installed: nothing to restore
    }
    previous.set(p, before);
    registerImplementation(p, memoryBackedClass(p), { clobber: true });
  }
  clearInstanceCache();
  return () => {
    for (const [p, cls] of previous) {
      if (cls === undefined) unregisterImplementation(p);
      else registerImplementation(p, cls, { clobber: true });
    }
    clearInstanceCache();
  };
}
