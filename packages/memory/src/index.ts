/**
 * @omnifs/memory: files in memory, on memfs. Installing it makes `filesystem('memory')`
 * and `memory://` URLs work; `useMemoryFor(['s3'])` serves other protocols from memory
 * in tests.
 */
import { registerImplementation, type FileSystemClass } from '@omnifs/core';
import { MemoryFileSystem } from './filesystem';
import type { MemoryOptions } from './options';

declare module '@omnifs/core' {
  interface ProtocolRegistry {
    memory: { options: MemoryOptions; fs: MemoryFileSystem };
  }
}

export { MemoryFileSystem, resetMemoryStore } from './filesystem';
export { memoryBackedClass, useMemoryFor } from './mock';
export { mapMemoryError } from './errors';
export { MEMORY_OPTION_SCHEMA, type MemoryOptions } from './options';

/** Registers the `memory` protocol (done on import; call again after a clobber). */
export function register(): void {
  registerImplementation('memory', MemoryFileSystem as unknown as FileSystemClass, { clobber: true });
}

register();
