/**
 * Files on local disk through node:fs, with atomic writes: the `file` and `local` protocols,
 * bare paths and `file://` URLs, and the local side of `put` and `get`. Part of core so that
 * every backend's `put`/`get` works with `@omnifs/core` alone; `@omnifs/local` re-exports it.
 */
export { LocalFileSystem } from './filesystem';
export { mapLocalError } from './errors';
export type { LocalOptions } from './options';
