/**
 * The local disk that `put` and `get` copy from and to. The registry provides it (as its
 * `file` protocol, so a stand-in or a registered replacement is honoured); `FileSystem`
 * asks for it here, so the base class does not import the registry (which loads layers
 * and the local backend, both built on the base class: an import cycle).
 */
import { FsError } from './errors';
import type { FileSystem } from './filesystem';

let provider: (() => FileSystem) | undefined;

/** Sets where `put` and `get` find local disk (called once, by the registry). */
export function provideLocalDisk(get: () => FileSystem): void {
  provider = get;
}

/** The local-disk filesystem of `put` and `get`. */
export function localDisk(): FileSystem {
  if (provider === undefined)
    throw new FsError({ kind: 'Unexpected', message: 'no local disk provided: load @omnifs/core through its index' });
  return provider();
}
