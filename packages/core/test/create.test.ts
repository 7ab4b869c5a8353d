import { expect } from 'chai';
import { rejected } from '@omnifs/testkit';
import { FsError } from '@omnifs/core';
import { createOnce, errors, newWriteId, toFsError } from '@omnifs/core/backend';

describe('core: exclusive create that knows its own write', () => {
  const id = newWriteId();

  it('succeeds when the file it finds carries its own write id (a resent create after a lost answer)', async () => {
    let reads = 0;
    await createOnce(
      async () => {
        throw errors.alreadyExists('b/k');
      },
      id,
      async () => {
        reads++;
        return id;
      },
      toFsError,
    );
    expect(reads).to.equal(1);
  });

  it('treats a failed If-None-Match (ConditionNotMatch) the same way', async () => {
    const failed = new FsError({ kind: 'ConditionNotMatch', message: 'precondition failed' });
    await createOnce(
      async () => {
        throw failed;
      },
      id,
      async () => id,
      toFsError,
    );
  });

  it('reports AlreadyExists for a file with another id, or none', async () => {
    for (const found of [newWriteId(), undefined]) {
      const e = await rejected(
        createOnce(
          async () => {
            throw errors.alreadyExists('b/k');
          },
          id,
          async () => found,
          toFsError,
        ),
      );
      expect(e.kind).to.equal('AlreadyExists');
    }
  });

  it('throws other failures as they came, without looking at the file', async () => {
    let reads = 0;
    const e = await rejected(
      createOnce(
        async () => {
          throw errors.notFound('b');
        },
        id,
        async () => {
          reads++;
          return id;
        },
        toFsError,
      ),
    );
    expect(e.kind).to.equal('NotFound');
    expect(reads).to.equal(0);
  });

  it('keeps the original AlreadyExists when reading the id fails', async () => {
    const e = await rejected(
      createOnce(
        async () => {
          throw errors.alreadyExists('b/k');
        },
        id,
        async () => {
          throw errors.notFound('b/k');
        },
        toFsError,
      ),
    );
    expect(e.kind).to.equal('AlreadyExists');
  });
});
