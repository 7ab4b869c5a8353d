/**
 * @omnifs/local: files on local disk through node:fs, with atomic writes. Installing it
 * makes `filesystem('file')`, `file://` URLs and bare paths work, and backs `put`/`get`.
 */
import { registerImplementation, type FileSystemClass } from '@omnifs/core';
import { LocalFileSystem } from './filesystem';
import type { LocalOptions } from './options';

declare module '@omnifs/core' {
  interface ProtocolRegistry {
    file: { options: LocalOptions; fs: LocalFileSystem };
    local: { options: LocalOptions; fs: LocalFileSystem };
  }
}

export { LocalFileSystem } from './filesystem';
export { mapLocalError } from './errors';
export { LOCAL_OPTION_SCHEMA, type LocalOptions } from './options';

/** Registers `file` and `local` (done on import). */
export function register(): void {
  for (const p of LocalFileSystem.protocols) registerImplementation(p, LocalFileSystem as unknown as FileSystemClass, { clobber: true });
}

register();
