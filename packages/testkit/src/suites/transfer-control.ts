/** onProgress, AbortSignal and batchSize of cp, put and get. */
import { writeFile, readFile, readdir, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from '../chai';
import { type CopyOptions, type FileInfo, type Progress } from '@omnifs/core';
import { WrapperFileSystem } from '@omnifs/core/backend';
import type { SuiteContext } from '../context';
import { expectBytes, expectFsError } from '../assertions';
import { itWhere } from '../gating';
import { randomBytes } from '../helpers';

type Op = 'cp' | 'put' | 'get';

/** Defines the progress, abort and batch tests for one of `cp`, `put`, `get`. */
export function transferControlTests(ctx: SuiteContext, op: Op): void {
  /** Writes `files` (name → bytes) to the source side; returns source dir and target dir. */
  const prepare = async (
    files: Record<string, Uint8Array>,
  ): Promise<{
    src: string;
    dst: string;
    read: (name: string) => Promise<Uint8Array | undefined>;
    list: () => Promise<string[]>;
  }> => {
    const local = op === 'cp' ? undefined : await ctx.localDir();
    if (op === 'put') {
      await mkdir(join(local!, 'src'));
      for (const [n, d] of Object.entries(files)) await writeFile(join(local!, 'src', n), d);
    } else {
      for (const [n, d] of Object.entries(files)) await ctx.fs.pipeFile(ctx.path('src', n), d);
    }
    const src = op === 'put' ? join(local!, 'src') : ctx.path('src');
    const dst = op === 'get' ? join(local!, 'dst') : ctx.path('dst');
    const read = async (name: string): Promise<Uint8Array | undefined> => {
      if (op === 'get')
        return readFile(join(dst, name)).then(
          (b) => new Uint8Array(b),
          () => undefined,
        );
      return ctx.fs.catFile(`${dst}/${name}`).catch(() => undefined);
    };
    const list = async (): Promise<string[]> => {
      if (op === 'get') return readdir(dst).catch(() => []);
      const top = ctx.fs.normalize(dst);
      return (await ctx.fs.find(dst)).map((f) => f.slice(top.length + 1));
    };
    return { src, dst, read, list };
  };
  const run = (src: string, dst: string, options: CopyOptions): Promise<void> =>
    op === 'cp'
      ? ctx.fs.cp(src, dst, options)
      : op === 'put'
        ? ctx.fs.put(src, dst, options)
        : ctx.fs.get(src, dst, options);
  const sameSize = (n: number, size: number): Record<string, Uint8Array> =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${String(i).padStart(2, '0')}`, randomBytes(size)]));

  describe(`${op}: progress, abort and batches`, () => {
    it('reports progress whose bytes and files reach the totals', async () => {
      const files = { a: randomBytes(3 << 20), b: randomBytes(1000), c: randomBytes(0) };
      const { src, dst } = await prepare(files);
      const seen: Progress[] = [];
      await run(src, dst, { recursive: true, onProgress: (p) => seen.push(p) });
      const last = seen.at(-1)!;
      expect(last).to.deep.include({ bytes: (3 << 20) + 1000, totalBytes: (3 << 20) + 1000, files: 3, totalFiles: 3 });
      for (let i = 1; i < seen.length; i++) {
        expect(seen[i]!.bytes).to.be.at.least(seen[i - 1]!.bytes);
        expect(seen[i]!.files).to.be.at.least(seen[i - 1]!.files);
      }
    });

    if (op === 'cp')
      itWhere(
        ctx,
        'rename',
        'mv by copy reports progress that never goes back and ends at the totals',
        async () => {
          await ctx.fs.pipe({ [ctx.path('m/a')]: randomBytes(3000), [ctx.path('m/b')]: randomBytes(1000) });
          const seen: Progress[] = [];
          await ctx.fs.mv(ctx.path('m'), ctx.path('moved'), { onProgress: (p) => seen.push({ ...p }) });
          expect(seen.at(-1)).to.deep.include({ bytes: 4000, totalBytes: 4000, files: 2, totalFiles: 2 });
          for (let i = 1; i < seen.length; i++) expect(seen[i]!.bytes).to.be.at.least(seen[i - 1]!.bytes);
        },
        false,
      );

    if (op === 'cp')
      itWhere(ctx, 'rename', 'mv by rename reports the file, or the files of the directory, it moved', async () => {
        await ctx.fs.pipe({ [ctx.path('r/a')]: randomBytes(3000), [ctx.path('r/s/b')]: randomBytes(1000) });
        const seen: Progress[] = [];
        await ctx.fs.mv(ctx.path('r'), ctx.path('renamed'), { onProgress: (p) => seen.push({ ...p }) });
        expect(seen).to.deep.equal([{ bytes: 4000, totalBytes: 4000, files: 2, totalFiles: 2 }]);
        seen.length = 0;
        await ctx.fs.mv(ctx.path('renamed/a'), ctx.path('a2'), { onProgress: (p) => seen.push({ ...p }) });
        expect(seen).to.deep.equal([{ bytes: 3000, totalBytes: 3000, files: 1, totalFiles: 1 }]);
        expect(await ctx.fs.ls(ctx.path('renamed'))).to.deep.equal([ctx.path('renamed/s')]);
      });

    it('moves a file of several parts byte-exact, leaving only that file in the target', async () => {
      // Above two of the backend's parts, so a backend that moves large files in parts does.
      const size = Math.max(ctx.target.largeFileSize ?? 0, 2 * (ctx.caps.partSize ?? 4 << 20) + 12_345);
      const files = { big: randomBytes(size) };
      const { src, dst, read, list } = await prepare(files);
      const seen: Progress[] = [];
      await run(src, dst, { recursive: true, onProgress: (p) => seen.push(p) });
      expectBytes((await read('big'))!, files.big);
      expect(await list()).to.deep.equal(['big']);
      expect(seen.at(-1)).to.deep.include({ bytes: size, totalBytes: size, files: 1 });
    });

    if (op === 'get') {
      itWhere(
        ctx,
        (caps) => (caps.concurrency ?? 1) > 1 && caps.rangedRead,
        'fails with ConditionNotMatch and leaves nothing when a file fetched in parts is replaced after it was planned',
        async () => {
          const size = 2 * (ctx.caps.partSize ?? 8 << 20) + 12_345;
          const { src, dst, list } = await prepare({ moving: randomBytes(size) });
          const inner = ctx.fs;
          /** The filesystem as `get` sees it: the file is replaced right after `get` has looked at it. */
          class ReplacedAfterPlanning extends WrapperFileSystem {
            replaced = false;
            protected override async _info(path: string): Promise<FileInfo> {
              const info = await super._info(path);
              if (!this.replaced && info.type === 'file') {
                this.replaced = true;
                await inner.pipeFile(path, randomBytes(size));
              }
              return info;
            }
          }
          const moving = new ReplacedAfterPlanning({ fs: inner, skipInstanceCache: true });
          await expectFsError(moving.get(`${src}/moving`, `${dst}/moving`), 'ConditionNotMatch', 'ESTALE');
          expect(moving.replaced).to.equal(true);
          expect(await list()).to.deep.equal([]);
        },
      );
    }

    it('fails with Aborted and copies nothing when the signal is already aborted', async () => {
      const { src, dst, list } = await prepare({ a: randomBytes(10) });
      const controller = new AbortController();
      controller.abort();
      await expectFsError(run(src, dst, { recursive: true, signal: controller.signal }), 'Aborted');
      expect(await list()).to.deep.equal([]);
    });

    it('aborted midway fails with Aborted and leaves no partial file under a final name', async () => {
      const files = { ...sameSize(6, 2 << 20), big: randomBytes(6 << 20) };
      const { src, dst, read } = await prepare(files);
      const controller = new AbortController();
      const err = await expectFsError(
        run(src, dst, {
          recursive: true,
          batchSize: 2,
          signal: controller.signal,
          onProgress: (p) => {
            if (p.bytes > 0) controller.abort();
          },
        }),
        'Aborted',
        'ABORT_ERR',
      );
      expect(err.kind).to.equal('Aborted');
      let complete = 0;
      for (const [name, data] of Object.entries(files)) {
        const got = await read(name);
        if (got === undefined) continue;
        expectBytes(got, data, name);
        complete++;
      }
      expect(complete).to.be.below(Object.keys(files).length);
    });

    it('with batchSize 1 transfers one file at a time', async () => {
      const size = 300_000;
      const files = sameSize(8, size);
      const { src, dst, list } = await prepare(files);
      const seen: Progress[] = [];
      await run(src, dst, { recursive: true, batchSize: 1, onProgress: (p) => seen.push({ ...p }) });
      for (const p of seen) {
        expect(p.bytes, JSON.stringify(p)).to.be.at.least(p.files * size);
        expect(p.bytes, JSON.stringify(p)).to.be.at.most((p.files + 1) * size);
      }
      expect((await list()).sort()).to.deep.equal(Object.keys(files).sort());
    });

    it('with a large batchSize copies every file', async () => {
      const files = sameSize(30, 1000);
      const { src, dst, list } = await prepare(files);
      await run(src, dst, { recursive: true, batchSize: 64 });
      expect((await list()).sort()).to.deep.equal(Object.keys(files).sort());
    });

    it('rejects a batchSize or maxDepth that is not a positive integer with InvalidArgument', async () => {
      const { src, dst, list } = await prepare({ a: randomBytes(10) });
      for (const options of [
        { batchSize: 0 },
        { batchSize: 1.5 },
        { batchSize: '4' },
        { maxDepth: 0 },
        { maxDepth: -1 },
      ] as CopyOptions[]) {
        await expectFsError(run(src, dst, { recursive: true, ...options }), 'InvalidArgument', 'EINVAL');
      }
      expect(await list()).to.deep.equal([]);
    });
  });
}
