/**
 * The one error every object store reports when some keys of a deletion could not be
 * deleted, and what it says of each key.
 */
import { FsError, type ErrorKind } from './errors';

/** A key an object store could not delete. */
export interface FailedDelete {
  /** `bucket/key`. */
  path: string;
  /** The kind of error the service's answer maps to. */
  kind: ErrorKind;
  /** The service's own code (`AccessDenied`, `LeaseIdMissing`, `forbidden`, or `HTTP 403`). */
  code: string;
  /** Whether deleting the key again may succeed (throttling, a server error). */
  temporary: boolean;
}

/** The failure of a key, from the error its deletion would have thrown and the service's code. */
export function failedDelete(path: string, code: string, error: FsError): FailedDelete {
  return { path, kind: error.kind, code, temporary: error.temporary };
}

/**
 * A deletion of many keys where some failed: `failed` says which and why; the others were
 * deleted. Its kind is the first failure's; it is temporary when every failure is.
 */
export class DeleteError extends FsError {
  constructor(
    readonly failed: FailedDelete[],
    total: number,
    cause?: unknown,
  ) {
    const first = failed[0]!;
    const shown = failed
      .slice(0, 5)
      .map((f) => `${f.path} (${f.code})`)
      .join(', ');
    super({
      kind: first.kind,
      message: `could not delete ${failed.length} of ${total} objects: ${shown}${failed.length > 5 ? ', …' : ''}`,
      path: first.path,
      temporary: failed.every((f) => f.temporary),
      cause,
    });
  }
}
