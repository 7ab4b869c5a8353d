/**
 * @omnifs/memory: files in memory, on memfs. Installing it makes `filesystem('memory')`
 * and `memory://` URLs work; `memoryStandIn(['s3'])` / `useMemoryFor(['s3'])` serve other
 * protocols from memory in tests, with the rules of the store they replace.
 */
import { registerImplementation, type FileSystemClass } from '@omnifs/core';
import { MemoryFileSystem } from './filesystem';
import type { MemoryOptions } from './options';

declare module '@omnifs/core' {
  interface ProtocolRegistry {
    memory: { options: MemoryOptions; fs: MemoryFileSystem };
  }
}

export { MemoryFileSystem } from './filesystem';
export { resetMemoryStore } from './standin';
export { MemoryObjectStore, type StoredBucket, type StoredObject } from './objectstore';
export {
  memoryStandIn,
  useMemoryFor,
  protocolFamily,
  OPERATIONS,
  type StandIn,
  type StandInOptions,
  type FailOptions,
  type Operation,
} from './standin';
export { STORE_RULES, S3_RULES, GCS_RULES, AZURE_RULES, type StoreRules, type ServiceError } from './rules';
export { mapMemoryError } from './errors';
export { MEMORY_OPTION_SCHEMA, type MemoryOptions } from './options';

/** Registers the `memory` protocol (done on import; call again after a clobber). */
export function register(): void {
  registerImplementation('memory', MemoryFileSystem as unknown as FileSystemClass, { clobber: true });
}

register();
