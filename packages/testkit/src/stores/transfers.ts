/**
 * Uploads and downloads of several parts on an object store: an upload that is aborted,
 * whose source fails or whose exclusive target appears leaves nothing behind; a download
 * in parts lands byte-exact, and an aborted one leaves no local file; reads pinned to an
 * ETag.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from '../chai';
import { expectFsError } from '../assertions';
import { randomBytes, sha256 } from '../helpers';
import type { Store } from './store';

const MiB = 1024 * 1024;

/** What the upload tests need besides the store, whose filesystem writes in parts of `partSize`. */
export interface UploadSides {
  readonly partSize: number;
  /** Uploads in progress below the root that a listing does not show (S3's multipart uploads). */
  readonly pending?: () => Promise<string[]>;
  /** Asserts that the upload of the file being written has begun on the server. */
  readonly started?: () => void;
  /** Asserts that the upload was cancelled on the server. */
  readonly cancelled?: () => void;
}

/** Aborts, failing sources, signals and lost exclusive races of uploads in parts: nothing left behind. */
export function abandonedUploadTests(store: Store, sides: UploadSides): void {
  const several = 2 * sides.partSize + MiB;
  const nothingLeft = async (files: string[] = []): Promise<void> => {
    expect(await store.fs.find(store.root)).to.deep.equal(files.map((f) => `${store.root}/${f}`));
    if (sides.pending) expect(await sides.pending()).to.deep.equal([]);
  };

  it('leaves nothing behind when a file of several parts is aborted', async function () {
    const { fs, root } = store;
    const f = await fs.open(`${root}/aborted.bin`, 'wb');
    await f.write(randomBytes(several));
    sides.started?.();
    await f.abort();
    sides.cancelled?.();
    await nothingLeft();
    expect(await fs.exists(`${root}/aborted.bin`)).to.equal(false);
  });

  it('leaves nothing behind when the source stream fails', async function () {
    const { fs, root } = store;
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield randomBytes(sides.partSize + MiB);
      yield randomBytes(sides.partSize + MiB);
      throw new Error('source broke');
    }
    const caught = await fs.pipeFile(`${root}/broken.bin`, failing()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(caught).to.be.instanceOf(Error);
    expect(String((caught as Error).message)).to.contain('source broke');
    sides.cancelled?.();
    await nothingLeft();
  });

  it('leaves nothing behind when the signal aborts', async function () {
    const { fs, root } = store;
    const controller = new AbortController();
    async function* slow(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 10; i++) {
        if (i === 4) controller.abort();
        yield randomBytes(Math.round(sides.partSize * 0.6));
      }
    }
    await expectFsError(fs.pipeFile(`${root}/signal.bin`, slow(), { signal: controller.signal }), 'Aborted');
    await nothingLeft();
  });

  it('fails an exclusive write of several parts with AlreadyExists when the object appears, keeping it', async function () {
    const { fs, root } = store;
    const late = await fs.open(`${root}/late.bin`, 'xb');
    await loses(late, () => fs.writeText(`${root}/late.bin`, 'winner'));
    const early = await fs.open(`${root}/early.bin`, 'xb');
    await fs.writeText(`${root}/early.bin`, 'winner');
    await loses(early, async () => undefined);
    expect(await fs.readText(`${root}/late.bin`)).to.equal('winner');
    expect(await fs.readText(`${root}/early.bin`)).to.equal('winner');
    await nothingLeft(['early.bin', 'late.bin']);

    /** Writes several parts, runs `between`, then closes, which must fail with AlreadyExists. */
    async function loses(w: Awaited<ReturnType<typeof fs.open>>, between: () => Promise<unknown>): Promise<void> {
      await expectFsError(
        (async () => {
          await w.write(randomBytes(several));
          await between();
          await w.close();
        })(),
        'AlreadyExists',
      );
    }
  });
}

/** What the download tests need besides the store, whose filesystem reads in parts of `partSize`. */
export interface DownloadSides {
  readonly partSize: number;
  /** Forgets the requests seen so far. */
  readonly reset: () => void;
  /** How many requests for an object's bytes were seen since `reset`. */
  readonly downloads: () => number;
  /** Checks the store's own marks on the download requests seen since `reset`. */
  readonly checkDownloads?: () => void;
}

/** A download in five parts, whole and ranged, and one aborted at its first bytes. */
export function partedDownloadTests(store: Store, sides: DownloadSides): void {
  const size = 4 * sides.partSize + 3 * MiB + 7;
  let dir: string;
  beforeEach(async function () {
    dir = await mkdtemp(join(tmpdir(), 'omnifs-store-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('gets a large object as five concurrent ranged reads of partSize, byte-exact', async function () {
    const { fs, root } = store;
    const data = randomBytes(size);
    await fs.pipeFile(`${root}/big.bin`, data);
    sides.reset();
    await fs.get(`${root}/big.bin`, join(dir, 'big.bin'));
    expect(sha256(await readFile(join(dir, 'big.bin')))).to.equal(sha256(data));
    expect(sides.downloads()).to.equal(5);
    sides.checkDownloads?.();
    const [start, end] = [sides.partSize - MiB, 2 * sides.partSize + 3 * MiB + 3];
    expect(sha256(await fs.catFile(`${root}/big.bin`, { start, end }))).to.equal(sha256(data.subarray(start, end)));
    expect((await fs.catFile(`${root}/big.bin`, { start: size + 100 })).byteLength).to.equal(0);
  });

  it('stops a get in parts on abort, leaving no local file', async function () {
    const { fs, root } = store;
    await fs.pipeFile(`${root}/big.bin`, randomBytes(size));
    sides.reset();
    const controller = new AbortController();
    const onProgress = (p: { bytes: number }): void => {
      if (p.bytes > 0) controller.abort();
    };
    await expectFsError(
      fs.get(`${root}/big.bin`, join(dir, 'big.bin'), { signal: controller.signal, onProgress }),
      'Aborted',
      'ABORT_ERR',
    );
    expect(await readdir(dir)).to.deep.equal([]);
    expect(sides.downloads()).to.be.below(5);
  });
}

/** Reads given the ETag `checksum` gives, quoted or not: served while it holds, ConditionNotMatch after. */
export function etagReadTests(store: Store): void {
  it('reads only while the object keeps the ETag given, quoted or not', async function () {
    const { fs, root } = store;
    await fs.pipeFile(`${root}/e.bin`, 'first version');
    const etag = await fs.checksum(`${root}/e.bin`);
    expect(etag).not.to.match(/"/);
    expect(Buffer.from(await fs.catFile(`${root}/e.bin`, { start: 0, end: 5, etag })).toString()).to.equal('first');
    expect(Buffer.from(await fs.catFile(`${root}/e.bin`, { etag: `"${etag}"` })).toString()).to.equal('first version');
    await fs.pipeFile(`${root}/e.bin`, 'second version');
    await expectFsError(fs.catFile(`${root}/e.bin`, { start: 0, end: 5, etag }), 'ConditionNotMatch', 'ESTALE');
    await expectFsError(fs.readChunks(`${root}/e.bin`, { etag }).next(), 'ConditionNotMatch', 'ESTALE');
  });
}
