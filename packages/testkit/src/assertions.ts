/** Assertions shared by the suite and backend tests. */
import { expect } from './chai';
import { FsError, type ErrorKind } from '@omnifs/core';
import { NODE_CODES } from '@omnifs/core/backend';

/**
 * Runs `action` (a promise or a function, sync throws included) and asserts that it fails
 * with an {@link FsError} of `kind` and its Node code; returns the error for more checks.
 */
export async function expectFsError(
  action: Promise<unknown> | (() => unknown),
  kind: ErrorKind,
  code: string = NODE_CODES[kind],
): Promise<FsError> {
  let error: unknown;
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (err) {
    error = err;
  }
  expect(error, `expected an FsError ${kind}, but nothing was thrown`).to.not.equal(undefined);
  if (!(error instanceof FsError)) {
    throw new Error(
      `expected an FsError ${kind}, got ${String((error as Error)?.name)}: ${String((error as Error)?.message)}`,
      { cause: error },
    );
  }
  expect(error.kind, `kind of "${error.message}"`).to.equal(kind);
  expect(error.code, `code of "${error.message}"`).to.equal(code);
  return error;
}

/** Asserts that two byte arrays are equal, without printing megabytes on failure. */
export function expectBytes(actual: Uint8Array, expected: Uint8Array | string, what = 'bytes'): void {
  const want = typeof expected === 'string' ? new Uint8Array(Buffer.from(expected, 'utf8')) : expected;
  expect(actual, what).to.be.instanceOf(Uint8Array);
  if (actual.byteLength !== want.byteLength) {
    expect.fail(`${what}: length ${actual.byteLength}, expected ${want.byteLength}`);
  }
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
  const b = Buffer.from(want.buffer, want.byteOffset, want.byteLength);
  if (!a.equals(b)) {
    let i = 0;
    while (a[i] === b[i]) i++;
    expect.fail(`${what}: first difference at byte ${i} of ${want.byteLength}`);
  }
}

/** The FsError a promise rejects with, whatever its kind; fails when it resolves or throws something else. */
export async function rejected(action: Promise<unknown>): Promise<FsError> {
  try {
    await action;
  } catch (err) {
    if (err instanceof FsError) return err;
    throw new Error(`expected an FsError, got ${String((err as Error)?.name)}: ${String((err as Error)?.message)}`, {
      cause: err,
    });
  }
  throw new Error('expected an FsError, but nothing was thrown');
}

/** What a user sees of an FsError: kind, code, temporary, message (its request id left out, it differs per request). */
export interface ErrorShape {
  kind: string;
  code: string | undefined;
  temporary: boolean;
  message: string;
}

/** The {@link ErrorShape} of the FsError `action` rejects with (see {@link rejected}). */
export async function rejectedShape(action: Promise<unknown>): Promise<Partial<ErrorShape>> {
  const e = await rejected(action);
  return {
    kind: e.kind,
    code: e.code,
    temporary: e.temporary,
    message: e.message.replace(/ \(request id [^)]*\)/, ''),
  };
}
