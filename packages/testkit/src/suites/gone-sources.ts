/**
 * cp, put and get of a source file deleted after the listing that planned the copy and
 * before its copy: fsspec's `on_error` of `copy` (skipped by a recursive `cp`, fatal for
 * `put`, `get`, `mv` and any copy without `recursive`), and `onError` to say otherwise;
 * of a source directory deleted so: nothing left of it at the target.
 */
import { rmSync, unlinkSync } from 'node:fs';
import { expect } from '../chai';
import { FsError, type CopyOptions, type FileInfo, type Progress, type RangeOptions } from '@omnifs/core';
import { WrapperFileSystem, type HookName } from '@omnifs/core/backend';
import type { SuiteContext } from '../context';
import { expectFsError } from '../assertions';
import { itWhere } from '../gating';
import { randomName } from '../helpers';
import { makeTransfer, type Transfer } from '../sides';

/** The names a hook's answer holds: an entry, or a listing. */
function namesIn(answer: unknown): string[] {
  if (Array.isArray(answer)) return answer.map((e: FileInfo) => e.name);
  const name = (answer as FileInfo | undefined)?.name;
  return typeof name === 'string' ? [name] : [];
}

/**
 * The filesystem as a copy from it sees it: the file `victim` is deleted right after an
 * `info`, `ls` or `find` named it, so the copy has planned it and finds it gone.
 */
class DeletedAfterListing extends WrapperFileSystem {
  victim = '';
  deleted = false;
  protected override async call<T>(hook: HookName, fn: () => Promise<T>): Promise<T> {
    const answer = await fn();
    const lists = hook === 'info' || hook === 'ls' || hook === 'find';
    if (!this.deleted && lists && namesIn(answer).includes(this.victim)) {
      this.deleted = true;
      await this.fs.rmFile(this.victim);
    }
    return answer;
  }
}

/**
 * The filesystem while another client removes part of it: `removal`, once set, runs before
 * the next call or read goes through.
 */
class RemovedMidCopy extends WrapperFileSystem {
  removal: (() => Promise<void>) | undefined;
  private async removeNow(): Promise<void> {
    const removal = this.removal;
    this.removal = undefined;
    if (removal !== undefined) await removal();
  }
  protected override async call<T>(_hook: HookName, fn: () => Promise<T>): Promise<T> {
    await this.removeNow();
    return fn();
  }
  override async *readChunks(path: string, options?: RangeOptions): AsyncGenerator<Buffer> {
    await this.removeNow();
    yield* super.readChunks(path, options);
  }
}

/** Defines the tests of a source file gone mid-copy for one of `cp`, `put`, `get`. */
export function goneSourceTests(ctx: SuiteContext, op: Transfer['name']): void {
  /**
   * The copy of `S` (holding `a`, `b` and `sub/c`) to `T`, in which `S/b` is deleted once
   * planned: by the source's listing (`cp`, `get`), or, the source being local disk
   * (`put`), once `a`, the first file of one-at-a-time copies, is done.
   */
  const setup = async (): Promise<{
    t: Transfer;
    S: string;
    T: string;
    run: (src: string | string[], options: CopyOptions) => Promise<void>;
    deleted: () => boolean;
  }> => {
    const t = await makeTransfer(ctx, op);
    const S = t.source.join(t.source.base, 'source');
    const T = t.target.join(t.target.base, 'target');
    await t.source.writeFiles(S, ['a', 'b', 'sub/c']);
    const victim = t.source.join(S, 'b');
    if (op === 'put') {
      let deleted = false;
      const run = (src: string | string[], options: CopyOptions): Promise<void> =>
        ctx.fs.put(src, T, {
          ...options,
          batchSize: 1,
          onProgress: (p) => {
            if (p.files === 1 && !deleted) {
              deleted = true;
              unlinkSync(victim);
            }
            options.onProgress?.(p);
          },
        });
      return { t, S, T, run, deleted: () => deleted };
    }
    const fs = new DeletedAfterListing({ fs: ctx.fs, skipInstanceCache: true });
    fs.victim = ctx.fs.normalize(victim);
    const run = (src: string | string[], options: CopyOptions): Promise<void> =>
      op === 'cp' ? fs.cp(src, T, { ...options, batchSize: 1 }) : fs.get(src, T, { ...options, batchSize: 1 });
    return { t, S, T, run, deleted: () => fs.deleted };
  };

  /** `mv` (of a glob: copied, then removed) fails on a file gone, and removes no source; it takes no onError. */
  const movesNothingOfAGoneSource = async (): Promise<void> => {
    const { S, T } = await setup();
    const fs = new DeletedAfterListing({ fs: ctx.fs, skipInstanceCache: true });
    fs.victim = ctx.fs.normalize(`${S}/b`);
    await expectFsError(fs.mv(`${S}/*`, `${T}/`, { batchSize: 1 }), 'NotFound', 'ENOENT');
    expect(fs.deleted).to.equal(true);
    const left = await ctx.fs.find(S);
    expect(left.map((p) => p.slice(ctx.fs.normalize(S).length + 1))).to.deep.equal(['a', 'sub/c']);
    const mv = ctx.fs.mv.bind(ctx.fs) as (src: string, dst: string, options: object) => Promise<void>;
    await expectFsError(mv(S, T, { onError: 'omit' }), 'InvalidArgument', 'EINVAL');
  };

  /**
   * The recursive copy of the contents of `S`, holding `files` and the empty directories `dirs`, to `T`
   * (holding the empty directories `before`, where it has real ones), one file at a time;
   * once the first file is copied, the paths `removed` (below `S`) are
   * removed from the source, as another client would. Gives what the target then holds
   * (directories ending in `/`), the files skipped as gone, relative to `S`, and whether
   * the target has real directories.
   */
  const copyWhileRemoving = async (
    files: readonly string[],
    dirs: readonly string[],
    removed: readonly string[],
    before: readonly string[] = [],
  ): Promise<{ entries: string[]; skipped: string[]; realDirectories: boolean }> => {
    const t = await makeTransfer(ctx, op);
    const S = t.source.join(t.source.base, 'source');
    const T = t.target.join(t.target.base, 'target');
    await t.source.writeFiles(S, files);
    for (const d of dirs) await t.source.makeDir(t.source.join(S, d));
    if (t.target.realDirectories) for (const d of before) await t.target.makeDir(t.target.join(T, d));
    const fs = new RemovedMidCopy({ fs: ctx.fs, skipInstanceCache: true });
    const top = op === 'put' ? S : ctx.fs.normalize(S);
    const skipped: string[] = [];
    let done = false;
    const options: CopyOptions = {
      recursive: true,
      batchSize: 1,
      onError: (err) => skipped.push(err.path!.slice(top.length + 1)),
      onProgress: (p) => {
        if (p.files !== 1 || done) return;
        done = true;
        if (op === 'put') for (const r of removed) rmSync(t.source.join(S, r), { recursive: true });
        else
          fs.removal = async () => {
            for (const r of removed) await ctx.fs.rm(t.source.join(S, r), { recursive: true });
          };
      },
    };
    // `S/`: the contents of S, into T whether T exists or not.
    const src = `${S}/`;
    await (op === 'cp' ? fs.cp(src, T, options) : op === 'put' ? fs.put(src, T, options) : fs.get(src, T, options));
    expect(done).to.equal(true);
    return { entries: await t.target.entries(T), skipped, realDirectories: t.target.realDirectories };
  };

  describe(`${op}: a source directory deleted during the copy`, () => {
    it('with recursive leaves nothing of it at the target, and copies the rest (fsspec)', async () => {
      const { entries, skipped } = await copyWhileRemoving(['a', 'sub/c', 'sub/deep/d', 'z'], [], ['sub']);
      expect(skipped).to.deep.equal(['sub/c', 'sub/deep/d']);
      expect(entries).to.deep.equal(['a', 'z']);
    });

    itWhere(
      ctx,
      (caps) => op === 'put' || caps.realDirectories,
      'an empty one is not made at the target, one there before is kept; one whose files alone are deleted is made',
      async () => {
        const copy = await copyWhileRemoving(
          ['a', 'keep/e', 'old/f', 'z'],
          ['empty'],
          ['empty', 'keep/e', 'old'],
          ['old'],
        );
        expect(copy.skipped).to.deep.equal(['keep/e', 'old/f']);
        expect(copy.entries).to.deep.equal(copy.realDirectories ? ['a', 'keep/', 'old/', 'z'] : ['a', 'z']);
      },
    );
  });

  describe(`${op}: a source file deleted after the listing`, () => {
    const byDefault =
      op === 'cp' ? 'is skipped by default, where mv fails (fsspec)' : 'fails the copy by default (fsspec)';
    it(`with recursive ${byDefault}; 'raise' fails it, 'omit' skips it`, async () => {
      const modes = [undefined, 'raise', 'omit'] as const;
      for (const onError of modes) {
        const { t, S, T, run, deleted } = await setup();
        const copy = run(S, { recursive: true, ...(onError === undefined ? {} : { onError }) });
        const skips = onError === 'omit' || (onError === undefined && op === 'cp');
        if (skips) {
          await copy;
          expect(await t.target.files(T), String(onError)).to.deep.equal(['a', 'sub/c']);
        } else {
          const err = await expectFsError(copy, 'NotFound', 'ENOENT');
          expect(err.path, String(onError)).to.equal(op === 'put' ? t.source.join(S, 'b') : ctx.fs.normalize(`${S}/b`));
          expect(await t.target.files(T), String(onError)).to.not.include('b');
        }
        expect(deleted(), String(onError)).to.equal(true);
        await t.target.remove(T);
        await t.source.remove(S);
      }
      if (op === 'cp') await movesNothingOfAGoneSource();
    });

    it('onError, a function, hears of the file skipped and the copy goes on; one that throws fails it', async () => {
      const { t, S, T, run } = await setup();
      const heard: FsError[] = [];
      const seen: Progress[] = [];
      await run(S, { recursive: true, onError: (err) => heard.push(err), onProgress: (p) => seen.push({ ...p }) });
      expect(await t.target.files(T)).to.deep.equal(['a', 'sub/c']);
      expect(heard.map((e) => [e instanceof FsError, e.kind, e.code])).to.deep.equal([[true, 'NotFound', 'ENOENT']]);
      expect(heard[0]!.path).to.equal(op === 'put' ? t.source.join(S, 'b') : ctx.fs.normalize(`${S}/b`));
      // The file skipped is not counted among those copied.
      expect(seen.at(-1)).to.deep.include({ files: 2, totalFiles: 3 });
      await t.target.remove(T);
      await t.source.remove(S);

      const again = await setup();
      const refused = new FsError({ kind: 'PermissionDenied', message: 'refused by the caller' });
      const err = await expectFsError(
        again.run(again.S, {
          recursive: true,
          onError: () => {
            throw refused;
          },
        }),
        'PermissionDenied',
      );
      expect(err).to.equal(refused);
    });

    it('without recursive (a list of files) fails the copy by default; onError skips it', async () => {
      const { t, S, T, run } = await setup();
      const list = [t.source.join(S, 'a'), t.source.join(S, 'b')];
      await expectFsError(run(list, {}), 'NotFound', 'ENOENT');
      await t.target.remove(T);
      await t.source.remove(S);
      const again = await setup();
      await again.run([again.t.source.join(again.S, 'a'), again.t.source.join(again.S, 'b')], { onError: 'omit' });
      expect(await again.t.target.files(again.T)).to.deep.equal(['a']);
    });

    if (op === 'cp')
      itWhere(
        ctx,
        (caps) => !caps.realDirectories,
        "into a bucket that does not exist fails with NotFound, 'omit' or not: the sources are there",
        async () => {
          const { S } = await setup();
          const nowhere = `${randomName('gone')}/target`;
          for (const onError of ['omit', undefined] as const)
            await expectFsError(
              ctx.fs.cp(S, nowhere, { recursive: true, ...(onError === undefined ? {} : { onError }) }),
              'NotFound',
              'ENOENT',
            );
        },
      );

    it('refuses an onError that is not raise, omit or a function with InvalidArgument, before copying', async () => {
      const { t, S, T } = await setup();
      const copy = (options: CopyOptions): Promise<void> =>
        op === 'cp' ? ctx.fs.cp(S, T, options) : op === 'put' ? ctx.fs.put(S, T, options) : ctx.fs.get(S, T, options);
      for (const onError of ['ignore', 'return', true, 1]) {
        const err = await expectFsError(
          copy({ recursive: true, onError: onError as CopyOptions['onError'] }),
          'InvalidArgument',
          'EINVAL',
        );
        expect(err.message).to.include("onError must be 'raise', 'omit' or a function");
      }
      expect(await t.target.files(T)).to.deep.equal([]);
      await copy({ recursive: true, onError: 'raise' });
      expect(await t.target.files(T)).to.deep.equal(['a', 'b', 'sub/c']);
    });
  });
}
