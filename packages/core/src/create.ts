/**
 * Exclusive creates that recognise their own committed write. A create whose answer is
 * lost (a reset after the service committed it) is sent again by the SDK or the retry
 * layer, and the second request finds the file: without more, the write would report
 * `AlreadyExists` for the file it made itself. Each exclusive create therefore carries a
 * random write id, which the backend keeps with the file (object metadata, an HDFS
 * extended attribute); a create that finds the file carrying its own id has succeeded.
 */
import { randomUUID } from 'node:crypto';
import { FsError } from './errors';

/** The metadata key under which object stores keep the id of the write that created an object. */
export const WRITE_ID_KEY = 'omnifs-write-id';

/** A fresh id for one exclusive create. */
export function newWriteId(): string {
  return randomUUID();
}

/** True for the answers a create gives when the file exists: `AlreadyExists`, or a failed `If-None-Match`. */
function foundExisting(err: unknown): boolean {
  return err instanceof FsError && (err.kind === 'AlreadyExists' || err.kind === 'ConditionNotMatch');
}

/**
 * Runs `create`, an exclusive create tagged with `writeId`.
 *
 * Behaviour: when it fails because the file exists and `readId` shows the file carries
 * `writeId`, the file is this write's own, committed by an earlier attempt: the create
 * resolves. Any other failure, or a file with another id (or none), is thrown as it came.
 * Without `writeId` or `readId` this is `create()`.
 *
 * @param mapError turns a thrown error into an FsError, to see its kind
 */
export async function createOnce(
  create: () => Promise<void>,
  writeId: string | undefined,
  readId: (() => Promise<string | undefined>) | undefined,
  mapError: (err: unknown) => FsError,
): Promise<void> {
  try {
    await create();
  } catch (err) {
    if (writeId === undefined || readId === undefined || !foundExisting(mapError(err))) throw err;
    const found = await readId().catch(() => undefined);
    if (found !== writeId) throw err;
  }
}
