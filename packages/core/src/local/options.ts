/** Options of the local filesystem. */
import { defineOptions } from '../options';

/** Options of {@link LocalFileSystem}. */
export interface LocalOptions {
  /** Resolve relative paths against this directory instead of `process.cwd()`. */
  cwd?: string;
  /** Build a new instance even when an equal one is cached. */
  skipInstanceCache?: boolean;
}

/** The names and types of {@link LocalOptions}, checked when a filesystem is made. */
export const LOCAL_OPTION_SCHEMA = defineOptions<LocalOptions>({ cwd: 'string', skipInstanceCache: 'boolean' });
