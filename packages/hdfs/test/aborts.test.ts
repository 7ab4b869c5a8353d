/**
 * Aborted writes of new files, against the harness's MiniDFSCluster: whenever the abort
 * comes (before any byte is sent, while the datanode stream opens, mid-stream, just before
 * or while `close` runs), once it has settled the directory holds neither the temporary
 * file nor the target, and no datanode request is left open.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { FsError } from '@omnifs/core';
import type { DatanodeUpload, HDFSFileSystem } from '@omnifs/hdfs';
import { useFreshDir, useHdfs } from './helpers';

const MiB = 1024 * 1024;
/** An abort that waits on nothing but the cluster settles well within this (the idle timeout is 30 s). */
const SETTLES_WITHIN_MS = 5_000;

/** A point where a client call stops until released: `reached` once a call got there. */
interface Gate {
  reached: Promise<void>;
  release(): void;
  /** Called by the hooked call: marks the gate reached, resolves once released. */
  pass(): Promise<void>;
}

function gate(): Gate {
  let reach!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((resolve) => (reach = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  return {
    reached,
    release,
    pass: () => {
      reach();
      return released;
    },
  };
}

/** Everything in `dir`, temporary files too (`ls` leaves those out). */
async function entries(fs: HDFSFileSystem, dir: string): Promise<string[]> {
  return (await fs.client.list(dir)).map((s) => s.pathSuffix);
}

/** Records every datanode upload `fs` opens. */
function trackUploads(fs: HDFSFileSystem): DatanodeUpload[] {
  const uploads: DatanodeUpload[] = [];
  const upload = fs.client.upload.bind(fs.client);
  fs.client.upload = (...args) => {
    const u = upload(...args);
    uploads.push(u);
    return u;
  };
  return uploads;
}

/** Stops the first namenode call of `op` (CREATE or APPEND) at `at`: before it is sent. */
function gateDataLocation(fs: HDFSFileSystem, op: 'CREATE' | 'APPEND', at: Gate): void {
  const dataLocation = fs.client.dataLocation.bind(fs.client);
  let passed = false;
  fs.client.dataLocation = async (...args) => {
    if (args[2] === op && !passed) {
      passed = true;
      await at.pass();
    }
    return dataLocation(...args);
  };
}

/** The error `p` rejects with (`undefined` when it resolves), caught from now on. */
function failure(p: Promise<unknown>): Promise<FsError | undefined> {
  return p.then(
    () => undefined,
    (err: unknown) => err as FsError,
  );
}

/** Resolves `p`'s outcome with the time it took to settle from now. */
async function timed(p: Promise<unknown>): Promise<number> {
  const started = Date.now();
  await p.catch(() => undefined);
  return Date.now() - started;
}

describe('hdfs: aborted writes leave nothing', function () {
  this.timeout(60_000);
  const hdfs = useHdfs();
  let fs: HDFSFileSystem;
  let dir: string;

  useFreshDir(
    hdfs,
    'aborts',
    (f, d) => {
      fs = f;
      dir = d;
    },
    { made: true },
  );

  it('before the first byte is sent (up to 1 MiB held)', async () => {
    const uploads = trackUploads(fs);
    const w = await fs.openWriter(`${dir}/f.bin`);
    await w.write(randomBytes(512 * 1024));
    await w.abort();
    expect(uploads).to.have.length(0);
    expect(await entries(fs, dir)).to.deep.equal([]);
  });

  for (const op of ['CREATE', 'APPEND'] as const) {
    const moment = op === 'CREATE' ? 'before the temporary file is created' : 'once the temporary file exists';
    it(`while the stream opens, ${moment}: waits for it, then removes what it made`, async () => {
      const uploads = trackUploads(fs);
      const at = gate();
      gateDataLocation(fs, op, at);
      const w = await fs.openWriter(`${dir}/f.bin`);
      await w.write(randomBytes(MiB));
      const writing = failure(w.write(randomBytes(MiB))); // past 1 MiB: the stream opens
      await at.reached;
      if (op === 'APPEND') expect(await entries(fs, dir)).to.have.length(1); // the temporary file
      const aborting = w.abort();
      at.release();
      const took = await timed(aborting);
      expect(took).to.be.below(SETTLES_WITHIN_MS);
      expect(uploads, 'no datanode request opened').to.have.length(0);
      expect(await entries(fs, dir)).to.deep.equal([]);
      expect((await writing)?.kind).to.equal('Aborted');
    });
  }

  it('while the stream opens for bytes read into the lent buffers (space / filled)', async () => {
    type Fillable = { space(): Uint8Array; filled(n: number): Promise<void>; abort(): Promise<void> };
    const uploads = trackUploads(fs);
    const at = gate();
    gateDataLocation(fs, 'APPEND', at);
    const w = (await fs.openWriter(`${dir}/f.bin`)) as unknown as Fillable;
    const room = w.space();
    room.set(randomBytes(room.byteLength));
    const filling = failure(w.filled(room.byteLength)); // one byte past 1 MiB: the stream opens
    await at.reached;
    const aborting = w.abort();
    at.release();
    expect(await timed(aborting)).to.be.below(SETTLES_WITHIN_MS);
    expect(uploads).to.have.length(0);
    expect(await entries(fs, dir)).to.deep.equal([]);
    expect((await filling)?.kind).to.equal('Aborted');
  });

  it('mid-stream, between writes and during one: the datanode request is cut', async () => {
    const uploads = trackUploads(fs);
    const w = await fs.openWriter(`${dir}/between.bin`);
    for (let i = 0; i < 12; i++) await w.write(randomBytes(256 * 1024));
    await w.abort();
    const v = await fs.openWriter(`${dir}/during.bin`);
    await v.write(randomBytes(2 * MiB));
    const writing = failure(v.write(randomBytes(16 * MiB)));
    expect(await timed(v.abort())).to.be.below(SETTLES_WITHIN_MS);
    await writing;
    expect(uploads).to.have.length(2);
    expect(uploads.every((u) => u.failed)).to.equal(true);
    expect(await entries(fs, dir)).to.deep.equal([]);
  });

  it("by the signal during a write: that write rejects with Aborted, not the cut upload's error", async () => {
    const controller = new AbortController();
    const f = await fs.open(`${dir}/signalled.bin`, 'wb', { signal: controller.signal });
    await f.write(randomBytes(2 * MiB));
    const writing = failure(f.write(randomBytes(64 * MiB)));
    setTimeout(() => controller.abort(), 50);
    const err = await writing;
    expect(err).to.be.instanceOf(FsError).and.include({ kind: 'Aborted', code: 'ABORT_ERR', operation: 'write' });
    await failure(f.close());
    expect(await entries(fs, dir)).to.deep.equal([]);
  });

  it('just before close, with the stream open', async () => {
    const uploads = trackUploads(fs);
    const w = await fs.openWriter(`${dir}/f.bin`);
    await w.write(randomBytes(3 * MiB));
    await w.abort();
    expect(uploads.map((u) => u.failed)).to.deep.equal([true]);
    expect(await entries(fs, dir)).to.deep.equal([]);
    expect((await failure(w.close()))?.kind).to.equal('InvalidArgument'); // closed after the abort
  });

  it('while a streamed close waits for the datanode: the close fails with Aborted and renames nothing', async () => {
    const at = gate();
    const upload = fs.client.upload.bind(fs.client);
    const uploads: DatanodeUpload[] = [];
    fs.client.upload = (...args) => {
      const u = upload(...args);
      uploads.push(u);
      const finish = u.finish.bind(u);
      u.finish = async () => {
        await at.pass();
        return finish();
      };
      return u;
    };
    const w = await fs.openWriter(`${dir}/f.bin`);
    await w.write(randomBytes(3 * MiB));
    const closing = failure(w.close());
    await at.reached;
    const aborting = w.abort();
    at.release();
    expect(await timed(aborting)).to.be.below(SETTLES_WITHIN_MS);
    expect(uploads.map((u) => u.failed)).to.deep.equal([true]);
    expect(await entries(fs, dir)).to.deep.equal([]);
    expect((await closing)?.kind).to.equal('Aborted');
  });

  it('while a whole-file close creates the temporary file: it is removed, not renamed', async () => {
    const at = gate();
    const sendWhole = fs.client.sendWhole.bind(fs.client);
    fs.client.sendWhole = async (...args) => {
      await sendWhole(...args); // the temporary file now exists
      await at.pass();
    };
    const w = await fs.openWriter(`${dir}/f.bin`);
    await w.write(randomBytes(1000));
    const closing = failure(w.close());
    await at.reached;
    expect(await entries(fs, dir)).to.have.length(1);
    const aborting = w.abort();
    at.release();
    expect(await timed(aborting)).to.be.below(SETTLES_WITHIN_MS);
    expect(await entries(fs, dir)).to.deep.equal([]);
    expect((await closing)?.kind).to.equal('Aborted');
  });

  it('pipeFile whose signal aborts while the stream opens: the cleanup is not cut by that signal', async () => {
    const at = gate();
    gateDataLocation(fs, 'APPEND', at);
    const controller = new AbortController();
    async function* source(): AsyncGenerator<Uint8Array> {
      yield randomBytes(MiB);
      yield randomBytes(MiB);
      yield randomBytes(MiB);
    }
    const piping = failure(fs.pipeFile(`${dir}/f.bin`, source(), { signal: controller.signal }));
    await at.reached;
    controller.abort();
    at.release();
    expect(await timed(piping)).to.be.below(SETTLES_WITHIN_MS);
    expect(await entries(fs, dir)).to.deep.equal([]);
    expect((await piping)?.kind).to.equal('Aborted');
  });

  it('a write stream destroyed while its stream opens: nothing once it has closed', async () => {
    const uploads = trackUploads(fs);
    const at = gate();
    gateDataLocation(fs, 'APPEND', at);
    const ws = fs.createWriteStream(`${dir}/k.txt`);
    const closed = once(ws, 'close');
    const src = new Readable({ read() {} });
    src.push(Buffer.alloc(MiB));
    src.push(Buffer.alloc(MiB));
    src.pipe(ws);
    await at.reached;
    ws.destroy(new Error('boom'));
    at.release();
    expect(await timed(closed)).to.be.below(SETTLES_WITHIN_MS);
    expect(uploads).to.have.length(0);
    expect(await entries(fs, dir)).to.deep.equal([]);
  });

  it('at any of a sweep of moments after the first 2 MiB of a pipeFile', async () => {
    for (const ms of [0, 1, 2, 5, 10, 20, 40]) {
      const controller = new AbortController();
      async function* source(): AsyncGenerator<Uint8Array> {
        yield Buffer.alloc(MiB);
        yield Buffer.alloc(MiB);
        await new Promise<void>((resolve) => setTimeout(resolve, 10_000).unref());
        yield Buffer.alloc(1);
      }
      const timer = setTimeout(() => controller.abort(), ms);
      const piping = fs.pipeFile(`${dir}/f${ms}.bin`, source(), { signal: controller.signal });
      expect(await timed(piping), `abort after ${ms} ms`).to.be.below(SETTLES_WITHIN_MS);
      clearTimeout(timer);
      expect(await entries(fs, dir), `abort after ${ms} ms`).to.deep.equal([]);
    }
  });
});
