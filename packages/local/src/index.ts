/**
 * @omnifs/local: files on local disk through node:fs, with atomic writes. The implementation
 * lives in `@omnifs/core` (which `put`/`get` of every backend need); this package re-exports it
 * under its own name, so `import { LocalFileSystem } from '@omnifs/local'` keeps working.
 */
import { LocalFileSystem, registerImplementation, type FileSystemClass } from '@omnifs/core';

export { LocalFileSystem, type LocalOptions } from '@omnifs/core';
export { mapLocalError } from '@omnifs/core/backend';

/** Registers `file` and `local` (done on import; core also loads them on first use). */
export function register(): void {
  for (const p of LocalFileSystem.protocols)
    registerImplementation(p, LocalFileSystem as unknown as FileSystemClass, { clobber: true });
}

register();
