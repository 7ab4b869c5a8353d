/**
 * Errors of an object store against its server: a missing object with its context, bad
 * paths, anonymous access, and secrets kept out of errors and serialised instances.
 */
import { inspect } from 'node:util';
import { FsError, type FileSystem } from '@omnifs/core';
import { expect } from '../chai';
import { expectFsError, rejected } from '../assertions';
import type { Store } from './store';

/** What the error tests need besides the store. */
export interface ErrorSides {
  /** The protocol errors name: `s3`, `gs`, `az`. */
  readonly protocol: string;
  /** What the message of a missing object's error starts with, where the store fixes it. */
  readonly missingMessage?: RegExp;
}

/** A missing object, a prefix or bucket read as a file, and paths that cannot be. */
export function serverErrorTests(store: Store, sides: ErrorSides): void {
  it('reports a missing object as an FsError NotFound / ENOENT with context', async function () {
    const { fs, root } = store;
    const err = await rejected(fs.catFile(`${root}/missing.txt`));
    expect(err).to.be.instanceOf(FsError);
    expect(err).to.include({
      kind: 'NotFound',
      code: 'ENOENT',
      protocol: sides.protocol,
      operation: 'cat',
      path: `${root}/missing.txt`,
    });
    if (sides.missingMessage) expect(err.message).to.match(sides.missingMessage);
    await expectFsError(fs.info(`${root}/missing.txt`), 'NotFound');
    await expectFsError(fs.rmFile(`${root}/missing.txt`), 'NotFound');
  });

  it('reports reading or removing a prefix as IsADirectory and bad paths as InvalidArgument', async function () {
    const { fs, root } = store;
    await fs.writeText(`${root}/d/f`, 'x');
    await expectFsError(fs.open(`${root}/d`, 'rb'), 'IsADirectory');
    await expectFsError(fs.rmFile(`${root}/d`), 'IsADirectory');
    await expectFsError(fs.writeText('', 'x'), 'InvalidArgument');
    await expectFsError(fs.info(`${root}/a\0b`), 'InvalidArgument');
  });
}

/** What the anonymous-access tests need besides the store. */
export interface AnonymousSides {
  /** The store without credentials. */
  readonly anonymous: () => FileSystem;
  /** Writes `text` at `path` (below the test's root) so that anonymous requests may read it. */
  readonly publish: (path: string, text: string) => Promise<void>;
}

/** Anonymous requests: refused on a private object, served a public one, never signing. */
export function anonymousTests(store: Store, sides: AnonymousSides): void {
  it('refuses anonymous access to a private object with PermissionDenied, and anonymous signing', async function () {
    const { fs, root } = store;
    await fs.writeText(`${root}/private.txt`, 'secret data');
    const anon = sides.anonymous();
    await expectFsError(anon.catFile(`${root}/private.txt`), 'PermissionDenied', 'EACCES');
    await expectFsError(anon.sign(`${root}/private.txt`), 'Unsupported');
  });

  it('lets anonymous requests read a public object', async function () {
    await sides.publish(`${store.root}/public.txt`, 'for everyone');
    expect(await sides.anonymous().readText(`${store.root}/public.txt`)).to.equal('for everyone');
  });
}

/** What the secrets test needs: filesystems built with secrets, and the secrets. */
export interface SecretSides {
  /** Filesystems holding secrets; the first one's JSON must still show `endpoint`. */
  readonly holders: () => readonly FileSystem[];
  /** Those whose error (the `info` of a missing object) is checked too; default all of `holders`. */
  readonly failing?: (holders: readonly FileSystem[]) => readonly FileSystem[];
  /** The secrets none of what is shown may contain. */
  readonly secrets: () => readonly string[];
  /** The endpoint the first holder's JSON shows. */
  readonly endpoint: () => string;
}

/** Secrets never in an error's message, JSON, inspect or toString, nor in the instance's. */
export function secretTests(store: Store, title: string, sides: SecretSides): void {
  it(`keeps ${title} out of messages, JSON, inspect and toString`, async function () {
    const holders = sides.holders();
    const failing = sides.failing?.(holders) ?? holders;
    const errors = await Promise.all(failing.map((f) => rejected(f.info(`${store.root}/missing`))));
    const shown = [
      ...errors.flatMap((e) => [e.message, String(e), JSON.stringify(e), inspect(e, { depth: 6 })]),
      ...holders.flatMap((f) => [JSON.stringify(f), inspect(f, { depth: 6 }), String(f)]),
    ].join('\n');
    for (const secret of sides.secrets()) expect(shown).to.not.contain(secret);
    expect(JSON.stringify(holders[0])).to.contain(sides.endpoint());
  });
}
