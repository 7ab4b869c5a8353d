import { filesystem, FsError, RetryFileSystem } from '@omnifs/core';

const fs = new RetryFileSystem({ fs: filesystem('memory'), maxAttempts: 3, minDelayMs: 1 });
await fs.writeText('/runs/42/lock', 'host-a', { mode: 'create' });
try {
  await fs.writeText('/runs/42/lock', 'host-b', { mode: 'create' });
} catch (err) {
  if (!(err instanceof FsError)) throw err;
  // AlreadyExists EEXIST false false: another writer holds the lock; retrying will not help
  console.log(err.kind, err.code, err.temporary, err.persistent);
}
