/** Options of the local filesystem. */

/** Options of {@link LocalFileSystem}. */
export interface LocalOptions {
  /** Resolve relative paths against this directory instead of `process.cwd()`. */
  cwd?: string;
  /** Build a new instance even when an equal one is cached. */
  skipInstanceCache?: boolean;
}
