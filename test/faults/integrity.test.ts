/**
 * Never silently wrong, on every HTTP backend through the fault proxy: reads pinned to
 * one version across blocks, streams and retry resumes; exclusive creates that recognise
 * their own committed write; errors classified before they leave a backend, and marked
 * persistent once retries give up; no secret in an error's `cause` chain.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { FsError, RetryFileSystem, type FileSystem } from '@omnifs/core';
import { S3FileSystem } from '@omnifs/s3';
import { GCSFileSystem } from '@omnifs/gcs';
import { AzureBlobFileSystem } from '@omnifs/azure';
import { HDFSFileSystem } from '@omnifs/hdfs';
import { expectFsError } from '@omnifs/testkit';
import { FAULT_KINDS, useFaultTarget } from './backends';
import type { RequestInfo } from './proxy';

const MiB = 1024 * 1024;
const filled = (byte: number, size = 3 * MiB): Uint8Array => new Uint8Array(size).fill(byte);
const retrying = (fs: FileSystem, maxAttempts = 4): RetryFileSystem =>
  new RetryFileSystem({ fs, minDelayMs: 1, maxDelayMs: 5, maxAttempts });

/** Reads a stream to the end, calling `midway` once after the first `after` bytes. */
async function drain(stream: AsyncIterable<Uint8Array>, after: number, midway: () => Promise<void>): Promise<number> {
  let got = 0;
  let called = false;
  for await (const chunk of stream) {
    got += chunk.byteLength;
    if (!called && got >= after) {
      called = true;
      await midway();
    }
  }
  return got;
}

/** Reads a stream to its end. */
async function collect(stream: AsyncIterable<Uint8Array>): Promise<number> {
  let got = 0;
  for await (const chunk of stream) got += chunk.byteLength;
  return got;
}

for (const kind of FAULT_KINDS) {
  describe(`faults: integrity on ${kind}`, function () {
    this.timeout(60_000);
    const t = useFaultTarget(kind, 11);
    let n = 0;
    const path = (name: string): string => `${t.root()}/${name}-${++n}`;

    beforeEach(function () {
      t.proxy().clearRules();
      t.proxy().resetCounters();
    });

    describe('reads of one version', function () {
      it("open('rb') fails with ConditionNotMatch when the file is replaced between two block reads", async function () {
        const fs = t.direct();
        const p = path('blocks');
        await fs.pipeFile(p, filled(1));
        const f = await fs.open(p, 'rb', { blockSize: MiB, cacheBlocks: 1 });
        expect((await f.read(MiB)).every((b) => b === 1)).to.equal(true);
        await fs.pipeFile(p, filled(2));
        await expectFsError(f.read(MiB), 'ConditionNotMatch', 'ESTALE');
        await f.close();
      });

      it('a stream cut and resumed by the retry layer after the file was replaced fails with ConditionNotMatch', async function () {
        const p = path('stream');
        await t.direct().pipeFile(p, filled(1));
        t.proxy().addRule({ fault: { kind: 'truncate', afterBytes: MiB }, failNext: 1, match: (r) => t.isDownload(r) });
        const fs = retrying(t.viaProxy(0));
        const reading = drain(fs.createReadStream(p), 256 * 1024, () => t.direct().pipeFile(p, filled(2)));
        await expectFsError(reading, 'ConditionNotMatch', 'ESTALE');
        expect(t.proxy().counters.truncations).to.equal(1);
      });

      it('a get cut and resumed after the file was replaced fails with ConditionNotMatch and leaves no local file', async function () {
        const p = path('get');
        await t.direct().pipeFile(p, filled(1));
        let replacing: Promise<void> | undefined;
        t.proxy().addRule({
          fault: { kind: 'truncate', afterBytes: MiB },
          failNext: 1,
          match: (r) => {
            if (t.isDownload(r)) replacing ??= t.direct().pipeFile(p, filled(2));
            return t.isDownload(r);
          },
        });
        // The resumed download waits until the replacement is done.
        t.proxy().addRule({ fault: { kind: 'delay', ms: 1500 }, failNext: 1, match: (r) => t.isDownload(r) });
        const dir = await mkdtemp(join(tmpdir(), 'omnifs-integrity-'));
        try {
          await expectFsError(retrying(t.viaProxy(0)).get(p, join(dir, 'out.bin')), 'ConditionNotMatch', 'ESTALE');
          await replacing;
          expect(await readdir(dir)).to.deep.equal([]);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      });

      // HDFS reads are checked against the file's status, never by a condition a server could ignore.
      if (kind !== 'hdfs') {
        it("open('rb') from a store that ignores If-Match fails with ConditionNotMatch when the file is replaced between two block reads", async function () {
          const p = path('blocks-unconditional');
          await t.direct().pipeFile(p, filled(1));
          t.proxy().addRule({ fault: { kind: 'ignore-if-match' }, match: (r) => t.isDownload(r) });
          const f = await t.unsignedViaProxy().open(p, 'rb', { blockSize: MiB, cacheBlocks: 1 });
          expect((await f.read(MiB)).every((b) => b === 1)).to.equal(true);
          await t.direct().pipeFile(p, filled(2));
          await expectFsError(f.read(MiB), 'ConditionNotMatch', 'ESTALE');
          await f.close();
          // GCS reads name the generation itself, which no condition can drop.
          if (kind !== 'gcs') expect(t.proxy().counters.ifMatchIgnored).to.be.at.least(2);
        });

        it('a get in parts from a store that ignores If-Match fails with ConditionNotMatch once the file was replaced, leaving no local file', async function () {
          const p = path('get-unconditional');
          const size = 12 * MiB;
          await t.direct().pipeFile(p, filled(1, size));
          let replacing: Promise<void> | undefined;
          t.proxy().addRule({
            fault: { kind: 'ignore-if-match' },
            failNext: 1,
            match: (r) => {
              if (t.isDownload(r)) replacing ??= t.direct().pipeFile(p, filled(2, size));
              return t.isDownload(r);
            },
          });
          // The other parts are read once the replacement is done.
          t.proxy().addRule({
            fault: { kind: 'ignore-if-match', after: () => replacing ?? Promise.resolve() },
            match: (r) => t.isDownload(r),
          });
          const dir = await mkdtemp(join(tmpdir(), 'omnifs-integrity-'));
          try {
            await expectFsError(t.unsignedViaProxy().get(p, join(dir, 'out.bin')), 'ConditionNotMatch', 'ESTALE');
            await replacing;
            expect(await readdir(dir)).to.deep.equal([]);
            if (kind !== 'gcs') expect(t.proxy().counters.ifMatchIgnored).to.be.at.least(2);
          } finally {
            await rm(dir, { recursive: true, force: true });
          }
        });
      }

      it('a copy inside the store is pinned to the info planned: ConditionNotMatch once the file was replaced', async function () {
        const fs = t.viaProxy(0);
        const p = path('copied');
        await fs.pipeFile(p, filled(1, 1000));
        const planned = await fs.info(p);
        await fs.pipeFile(p, filled(2, 1000));
        const conditions: unknown[] = [];
        const noted = (r: RequestInfo): boolean => {
          if (r.headers['x-amz-copy-source'] !== undefined) conditions.push(r.headers['x-amz-copy-source-if-match']);
          return false;
        };
        t.proxy().addRule({ fault: { kind: 'delay', ms: 0 }, match: noted });
        if (kind === 's3') {
          // moto ignores x-amz-copy-source-if-match (S3 answers 412): the condition sent is checked.
          await fs.copyFile(p, `${p}-copy`, { source: planned });
          expect(conditions).to.deep.equal([planned.etag]);
          return;
        }
        await expectFsError(fs.copyFile(p, `${p}-copy`, { source: planned }), 'ConditionNotMatch', 'ESTALE');
        expect(await fs.exists(`${p}-copy`)).to.equal(false);
        await fs.copyFile(p, `${p}-copy`, { source: await fs.info(p) });
        expect((await fs.cat(`${p}-copy`)).every((b) => b === 2)).to.equal(true);
      });
    });

    // HDFS reads name their offset and length in the URL, and no answer carries a range.
    if (kind !== 'hdfs') {
      describe('answers to another range than the one asked for', function () {
        const data = randomBytes(12 * MiB);
        const same = (got: Uint8Array, want: Uint8Array): boolean => Buffer.from(got).equals(want);
        const shifted = (first: number, last: number | undefined): [number, number | undefined] => [
          first - (first % 1000),
          last,
        ];
        const capped = (first: number, last: number | undefined): [number, number | undefined] => [
          first,
          Math.min(last ?? Infinity, first + 256 * 1024 - 1),
        ];

        it('a read at an offset answered from another offset fails with EIO', async function () {
          const p = path('shifted');
          await t.direct().pipeFile(p, data);
          t.proxy().addRule({ fault: { kind: 'answer-range', range: shifted }, match: (r) => t.isDownload(r) });
          const fs = t.unsignedViaProxy();
          await expectFsError(fs.catFile(p, { start: MiB + 100, end: 2 * MiB }), 'Unexpected', 'EIO');
          const f = await fs.open(p, 'rb', { blockSize: MiB, cacheBlocks: 1 });
          await f.seek(3 * MiB + 5);
          await expectFsError(f.read(1000), 'Unexpected', 'EIO');
          await f.close();
          expect(t.proxy().counters.rangesRewritten).to.be.at.least(2);
          // A range the store answers as asked is read as before.
          t.proxy().clearRules();
          expect(
            same(await fs.catFile(p, { start: MiB + 100, end: 2 * MiB }), data.subarray(MiB + 100, 2 * MiB)),
          ).to.equal(true);
        });

        it('a get in parts answered with shorter ranges fails with EIO and leaves no local file', async function () {
          const p = path('capped');
          await t.direct().pipeFile(p, data);
          t.proxy().addRule({ fault: { kind: 'answer-range', range: capped }, match: (r) => t.isDownload(r) });
          const fs = t.unsignedViaProxy();
          const dir = await mkdtemp(join(tmpdir(), 'omnifs-integrity-'));
          try {
            await expectFsError(fs.get(p, join(dir, 'out.bin')), 'Unexpected', 'EIO');
            expect(await readdir(dir)).to.deep.equal([]);
          } finally {
            await rm(dir, { recursive: true, force: true });
          }
          await expectFsError(fs.catFile(p, { start: 100, end: 5 * MiB }), 'Unexpected', 'EIO');
          await expectFsError(collect(fs.createReadStream(p, { start: 10 })), 'Unexpected', 'EIO');
          expect(t.proxy().counters.rangesRewritten).to.be.at.least(3);
        });
      });
    }

    describe('exclusive create', function () {
      it('succeeds when its answer was lost and the retry layer sent it again, and still refuses another writer', async function () {
        const p = path('create');
        t.proxy().addRule({ fault: { kind: 'lose-answer' }, failNext: 1, match: (r) => t.isCommit(r) });
        const fs = retrying(t.viaProxy(0));
        await fs.pipeFile(p, 'mine', { mode: 'create' });
        expect(t.proxy().counters.lostAnswers).to.equal(1);
        expect(await t.direct().readText(p)).to.equal('mine');
        await expectFsError(fs.pipeFile(p, 'theirs', { mode: 'create' }), 'AlreadyExists', 'EEXIST');
        expect(await t.direct().readText(p)).to.equal('mine');
      });

      if (kind !== 'hdfs') {
        it("succeeds when its answer was lost and the SDK sent it again ('xb')", async function () {
          const p = path('xb');
          t.proxy().addRule({ fault: { kind: 'lose-answer' }, failNext: 1, match: (r) => t.isCommit(r) });
          const f = await t.viaProxy(2).open(p, 'xb');
          await f.write('mine');
          await f.close();
          expect(t.proxy().counters.lostAnswers).to.equal(1);
          expect(await t.direct().readText(p)).to.equal('mine');
        });
      }
    });

    describe('error classification', function () {
      it('lists through three 503s with the retry layer: the error is mapped before it leaves the backend', async function () {
        await t.direct().pipeFile(path('listed'), 'x');
        t.proxy().addRule({ fault: { kind: 'status', status: 503 }, failNext: 3 });
        const retries: string[] = [];
        const fs = new RetryFileSystem({
          fs: t.viaProxy(0),
          minDelayMs: 1,
          maxDelayMs: 5,
          maxAttempts: 5,
          onRetry: (i) => retries.push(i.error.kind),
        });
        expect((await fs.ls(t.root())).length).to.be.greaterThan(0);
        expect(t.proxy().counters.statuses).to.equal(3);
        expect(retries).to.have.length(3);
      });

      it('a listing cut short is a temporary error, and the retry layer gets past it', async function () {
        for (let i = 0; i < 40; i++) await t.direct().pipeFile(path('many'), 'x');
        const listing = (r: RequestInfo): boolean => r.method === 'GET' && !t.isDownload(r);
        t.proxy().addRule({ fault: { kind: 'truncate', afterBytes: 200 }, failNext: 1, match: listing });
        const err = await t
          .viaProxy(0)
          .ls(t.root())
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(err).to.be.instanceOf(FsError);
        expect((err as FsError).temporary, String(err)).to.equal(true);
        t.proxy().addRule({ fault: { kind: 'truncate', afterBytes: 200 }, failNext: 1, match: listing });
        expect((await retrying(t.viaProxy(0)).ls(t.root())).length).to.be.greaterThan(40);
      });

      it('a write whose answer is lost is a temporary error', async function () {
        t.proxy().addRule({ fault: { kind: 'lose-answer' }, failNext: 1, match: (r) => t.isCommit(r) });
        const err = await t
          .viaProxy(0)
          .pipeFile(path('cut'), 'x')
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(err).to.be.instanceOf(FsError);
        expect((err as FsError).temporary, String(err)).to.equal(true);
      });

      it('once the retry layer gives up the error is persistent and no longer temporary', async function () {
        const p = path('busy');
        await t.direct().pipeFile(p, 'x');
        t.proxy().addRule({ fault: { kind: 'status', status: 503 } });
        const err = await expectFsError(retrying(t.viaProxy(0), 3).readText(p), 'RateLimited');
        expect(err).to.include({ persistent: true, temporary: false });
        expect(err.message).to.match(/gave up after 3 attempts/);
      });
    });
  });
}

describe('faults: no secret in the cause chain of an error', function () {
  this.timeout(60_000);
  const SECRET = 'SeCrEt-4c1d-token-value';
  const denied = {
    fault: {
      kind: 'status',
      status: 403,
      body: '{"error":{"code":403,"message":"denied"}}',
      headers: { 'content-type': 'application/json' },
    },
  } as const;

  const cases: Array<{ kind: 's3' | 'gcs' | 'azure' | 'hdfs'; make: (proxyUrl: string) => FileSystem }> = [
    {
      kind: 'gcs',
      make: (url) =>
        new GCSFileSystem({
          apiEndpoint: url,
          projectId: 'p',
          token: SECRET,
          useAuthWithCustomEndpoint: true,
          skipInstanceCache: true,
          storageOptions: { retryOptions: { autoRetry: false } },
        }),
    },
    {
      kind: 's3',
      make: (url) =>
        new S3FileSystem({
          endpoint: url,
          region: 'us-east-1',
          forcePathStyle: true,
          maxAttempts: 1,
          skipInstanceCache: true,
          credentials: { accessKeyId: 'AKIA', secretAccessKey: SECRET, sessionToken: SECRET },
        }),
    },
    {
      kind: 'azure',
      make: (url) =>
        new AzureBlobFileSystem({
          accountUrl: `${url}/devstoreaccount1`,
          sasToken: `sv=2022-11-02&sig=${SECRET}`,
          skipInstanceCache: true,
          pipelineOptions: { retryOptions: { maxTries: 1 } },
        }),
    },
    { kind: 'hdfs', make: (url) => new HDFSFileSystem({ url, delegationToken: SECRET, skipInstanceCache: true }) },
  ];
  for (const c of cases) {
    describe(c.kind, function () {
      const t = useFaultTarget(c.kind, 5);
      it('keeps the credential out of util.inspect (depth 12), JSON and the stack of every error and its cause', async function () {
        t.proxy().clearRules();
        t.proxy().addRule(denied);
        const fs = c.make(t.proxy().url);
        const file = t.kind === 'hdfs' ? '/d/k' : 'bucket/d/k';
        const calls: Array<[string, () => Promise<unknown>]> = [
          ['info', () => fs.info(file)],
          ['ls', () => fs.ls(fs.parent(file))],
          ['cat', () => fs.readText(file)],
          ['pipe', () => fs.pipeFile(file, 'x')],
          ['rm', () => fs.rm(file)],
        ];
        for (const [name, call] of calls) {
          const err = await call().then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(err, name).to.be.instanceOf(FsError);
          expect(inspect(err, { depth: 12 }), name).to.not.include(SECRET);
          expect(JSON.stringify((err as FsError).cause ?? null), name).to.not.include(SECRET);
          expect(String((err as FsError).stack), name).to.not.include(SECRET);
        }
      });
    });
  }
});
