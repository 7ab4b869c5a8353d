/**
 * The fault tests every HTTP object store passes through the fault proxy, beside the cut
 * downloads of `downloads.ts`: an upload in parts retried past throttling, 500s and
 * resets lands byte-exact; persistent throttling ends in a temporary RateLimited error.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import type { FileSystem } from '@omnifs/core';
import { expectFsError, type Store, sha256 } from '@omnifs/testkit';
import type { Fault, FaultProxy } from './proxy';

/** A started proxy and how to clear its faults (a recording proxy keeps its recording rule). */
export interface StartedProxy {
  proxy: FaultProxy;
  clearFaults?: () => void;
}

/**
 * Registers the hooks that start the proxy once (`before`), close it (`after`) and clear
 * its faults and counters before each test, inside the caller's `describe`.
 */
export function useFaultProxy(start: () => Promise<StartedProxy>): { readonly proxy: FaultProxy } {
  let started: StartedProxy | undefined;
  before(async function () {
    started = await start();
  });
  after(async function () {
    await started?.proxy.close();
  });
  beforeEach(function () {
    if (started!.clearFaults) started!.clearFaults();
    else started!.proxy.clearRules();
    started!.proxy.resetCounters();
  });
  return {
    get proxy(): FaultProxy {
      return started!.proxy;
    },
  };
}

/** What the shared fault tests need: the proxy, the store straight, and the store's throttling answer. */
export interface StoreFaultTarget {
  faults: { readonly proxy: FaultProxy };
  /** The store straight (writes and checks) and this test's root. */
  store: Store;
  /** The store's answer when it throttles: S3's SlowDown, Azure's ServerBusy. */
  throttle: Fault;
}

/** What the flaky upload test needs besides the target. */
export interface FlakyUploadSides {
  /** `multipart upload`, `staged-block upload`. */
  what: string;
  /** The store through the proxy, with enough SDK retries, in parts smaller than `size`. */
  viaProxy: () => FileSystem;
  size: number;
  /** The body as the upload is given it, of a length it cannot know. */
  body: (data: Uint8Array) => AsyncIterable<Uint8Array>;
  /** Uploads left in progress below the root (S3's multipart uploads). */
  pending?: () => Promise<string[]>;
}

/** An upload in parts retried past throttling, 500s and resets lands byte-exact, leaving no upload open. */
export function flakyUploadTest(t: StoreFaultTarget, sides: FlakyUploadSides): void {
  it(`retries past throttling, 500 and resets during a ${sides.what} and ends byte-exact`, async function () {
    const { proxy } = t.faults;
    proxy.addRule({ fault: t.throttle, rate: 0.15 });
    proxy.addRule({ fault: { kind: 'status', status: 500 }, rate: 0.1 });
    proxy.addRule({ fault: { kind: 'reset' }, rate: 0.05 });
    const data = randomBytes(sides.size);
    await sides.viaProxy().pipeFile(`${t.store.root}/flaky.bin`, sides.body(data));
    proxy.clearRules();
    expect(proxy.counters.slowdowns + proxy.counters.statuses + proxy.counters.resets).to.be.greaterThan(0);
    expect(sha256(await t.store.fs.catFile(`${t.store.root}/flaky.bin`))).to.equal(sha256(data));
    if (sides.pending) expect(await sides.pending()).to.deep.equal([]);
  });
}

/** What the persistent throttling test needs besides the target. */
export interface ThrottledReadSides {
  /** The store through the proxy, making `attempts` requests for a read before it gives up. */
  viaProxy: () => FileSystem;
  attempts: number;
  /** What the message names, where the store says it. */
  message?: string;
}

/** A read the store is throttled on every time gives up with a temporary RateLimited / EAGAIN. */
export function throttledReadTest(t: StoreFaultTarget, sides: ThrottledReadSides): void {
  it('gives up on persistent throttling with a temporary RateLimited error', async function () {
    const { proxy } = t.faults;
    await t.store.fs.writeText(`${t.store.root}/busy.txt`, 'x');
    proxy.addRule({ fault: t.throttle });
    const err = await expectFsError(sides.viaProxy().readText(`${t.store.root}/busy.txt`), 'RateLimited', 'EAGAIN');
    expect(err.temporary).to.equal(true);
    if (sides.message !== undefined) expect(err.message).to.contain(sides.message);
    expect(proxy.counters.slowdowns + proxy.counters.statuses).to.equal(sides.attempts);
  });
}
