/**
 * The download fault tests every HTTP object store passes, through the fault proxy: a
 * read whose response is cut off is never returned short; a `get` whose part is cut off
 * fails with a temporary error and leaves no local file (or, where parts are read whole
 * into their buffers, the part's request is sent again and the file lands byte-exact), and
 * under the retry layer the part resumes and the file lands byte-exact.
 */
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsError, RetryFileSystem, type FileSystem } from '@omnifs/core';
import { expectFsError } from '@omnifs/testkit';
import type { FaultProxy, RequestInfo } from './proxy';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** What the shared tests need from a store's fault suite; functions, read when each test runs. */
export interface CutDownloadTarget {
  proxy: () => FaultProxy;
  /** The store straight, to write the object. */
  direct: () => FileSystem;
  /** The store through the proxy, with its SDK's own retries off or few, and parts smaller than `size`. */
  viaProxy: () => FileSystem;
  root: () => string;
  /** Object size: more than one part of `viaProxy`. */
  size: number;
  /** Bytes after which the first download response is cut. */
  cutAfter: number;
  /** Which requests are downloads of the object's bytes. */
  isDownload: (r: RequestInfo) => boolean;
  /** The Node code the cut surfaces as. */
  code: string;
  /**
   * True where `get` reads each part whole into its buffer (S3's lean path): a cut part is
   * then one failed request, which the SDK's retry strategy sends again.
   */
  partsRetried?: boolean;
}

/** Defines the tests, inside the caller's describe. */
export function cutDownloadTests(t: CutDownloadTarget): void {
  describe('a download cut off midway', function () {
    let dir: string;
    let data: Uint8Array;
    beforeEach(async function () {
      data = randomBytes(t.size);
      await t.direct().pipeFile(`${t.root()}/cut.bin`, data);
      t.proxy().addRule({
        fault: { kind: 'truncate', afterBytes: t.cutAfter },
        failNext: 1,
        match: (r) => t.isDownload(r) && r.url.includes('cut.bin'),
      });
      dir = await mkdtemp(join(tmpdir(), 'omnifs-cut-'));
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));

    it('is never returned short by a read, whole or ranged: byte-exact or a temporary error', async function () {
      const fs = t.viaProxy();
      for (const [start, end] of [
        [0, t.size],
        [10, t.size - 1000],
      ] as const) {
        if (start > 0)
          t.proxy().addRule({
            fault: { kind: 'truncate', afterBytes: t.cutAfter },
            failNext: 1,
            match: (r) => t.isDownload(r) && r.url.includes('cut.bin'),
          });
        const result = await fs.catFile(`${t.root()}/cut.bin`, { start, end }).then(
          (b) => b,
          (e: unknown) => e,
        );
        if (result instanceof Uint8Array) expect(sha(result)).to.equal(sha(data.subarray(start, end)));
        else expect(result).to.be.instanceOf(FsError).with.property('temporary', true);
      }
      expect(t.proxy().counters.truncations).to.equal(2);
    });

    if (t.partsRetried === true) {
      it('sends the cut part again and lands byte-exact', async function () {
        await t.viaProxy().get(`${t.root()}/cut.bin`, join(dir, 'cut.bin'));
        expect(t.proxy().counters.truncations).to.equal(1);
        expect(sha(await readFile(join(dir, 'cut.bin')))).to.equal(sha(data));
        expect(await readdir(dir)).to.deep.equal(['cut.bin']);
      });
    } else {
      it('fails with a temporary error and leaves no local file', async function () {
        const err = await expectFsError(
          t.viaProxy().get(`${t.root()}/cut.bin`, join(dir, 'cut.bin')),
          'Unexpected',
          t.code,
        );
        expect(err.temporary).to.equal(true);
        expect(t.proxy().counters.truncations).to.equal(1);
        expect(await readdir(dir)).to.deep.equal([]);
      });
    }

    it('is resumed by the retry layer and lands byte-exact', async function () {
      const fs = new RetryFileSystem({ fs: t.viaProxy(), minDelayMs: 1 });
      await fs.get(`${t.root()}/cut.bin`, join(dir, 'cut.bin'));
      expect(t.proxy().counters.truncations).to.equal(1);
      expect(sha(await readFile(join(dir, 'cut.bin')))).to.equal(sha(data));
      expect(await readdir(dir)).to.deep.equal(['cut.bin']);
    });
  });
}

/** What {@link ignoredRangeTests} needs: the store straight and through the proxy. */
export type IgnoredRangeTarget = Pick<CutDownloadTarget, 'proxy' | 'direct' | 'viaProxy' | 'root' | 'size'>;

/**
 * A store that answers every ranged read with the whole object (the proxy drops the Range
 * header): a `get` in parts and a ranged read still land byte-exact.
 */
export function ignoredRangeTests(t: IgnoredRangeTarget): void {
  describe('a store that ignores Range', function () {
    let dir: string;
    beforeEach(async function () {
      dir = await mkdtemp(join(tmpdir(), 'omnifs-norange-'));
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));

    it('is still read byte-exact, by a get in parts and by a ranged read', async function () {
      const data = randomBytes(t.size);
      await t.direct().pipeFile(`${t.root()}/whole.bin`, data);
      t.proxy().addRule({ fault: { kind: 'ignore-range' } });
      const fs = t.viaProxy();
      await fs.get(`${t.root()}/whole.bin`, join(dir, 'whole.bin'));
      expect(sha(await readFile(join(dir, 'whole.bin')))).to.equal(sha(data));
      // One ranged read per part, each answered with the whole object.
      expect(t.proxy().counters.rangesIgnored).to.be.at.least(2);
      const middle = await fs.catFile(`${t.root()}/whole.bin`, { start: 1000, end: t.size - 1000 });
      expect(sha(middle)).to.equal(sha(data.subarray(1000, t.size - 1000)));
    });

    it('cuts a small object that came whole with its answer to the range asked for', async function () {
      const data = randomBytes(5000);
      await t.direct().pipeFile(`${t.root()}/small.bin`, data);
      t.proxy().addRule({ fault: { kind: 'ignore-range' } });
      const fs = t.viaProxy();
      const middle = await fs.catFile(`${t.root()}/small.bin`, { start: 100, end: 4000 });
      expect(Buffer.from(middle).equals(data.subarray(100, 4000))).to.equal(true);
      const tail = await fs.catFile(`${t.root()}/small.bin`, { start: -10 });
      expect(Buffer.from(tail).equals(data.subarray(-10))).to.equal(true);
      expect(t.proxy().counters.rangesIgnored).to.be.at.least(2);
      expect(Buffer.from(await fs.catFile(`${t.root()}/small.bin`)).equals(data)).to.equal(true);
    });
  });
}
