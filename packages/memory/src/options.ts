/** Options of the memory filesystem. */
import type { Volume } from 'memfs';
import { defineOptions } from '@omnifs/core/backend';

/** Options of {@link MemoryFileSystem}. */
export interface MemoryOptions {
  /**
   * Which store the instance uses: `'shared'` (default) is one store per process, so code
   * under test and the test itself see the same files, as in fsspec; `'private'` gives the
   * instance a store of its own.
   */
  store?: 'shared' | 'private';
  /** A memfs Volume to use as the store (overrides `store`). */
  volume?: InstanceType<typeof Volume>;
  /** Build a new instance even when an equal one is cached. */
  skipInstanceCache?: boolean;
}

/** The names and types of {@link MemoryOptions}, checked when a filesystem is made. */
export const MEMORY_OPTION_SCHEMA = defineOptions<MemoryOptions>({
  store: { type: 'string', oneOf: ['shared', 'private'] },
  volume: 'object',
  skipInstanceCache: 'boolean',
});
