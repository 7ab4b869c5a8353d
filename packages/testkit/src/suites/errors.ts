/** Bad input, error context and secrets. */
import { inspect } from 'node:util';
import { expect } from '../chai';
import { FsError, type FileSystem } from '@omnifs/core';
import type { SuiteContext } from '../context';
import { expectFsError } from '../assertions';
import { randomName } from '../helpers';

type Call = [name: string, run: (fs: FileSystem, p: never) => unknown, takesList?: boolean];

/** Every method that takes a path, called with `p`. */
const PATH_CALLS: readonly Call[] = [
  ['info', (fs, p) => fs.info(p)],
  ['exists', (fs, p) => fs.exists(p)],
  ['isFile', (fs, p) => fs.isFile(p)],
  ['isDir', (fs, p) => fs.isDir(p)],
  ['size', (fs, p) => fs.size(p)],
  ['checksum', (fs, p) => fs.checksum(p)],
  ['ls', (fs, p) => fs.ls(p)],
  ['find', (fs, p) => fs.find(p)],
  ['glob', (fs, p) => fs.glob(p)],
  ['du', (fs, p) => fs.du(p)],
  [
    'walk',
    async (fs, p) => {
      for await (const _ of fs.walk(p)) void _;
    },
  ],
  ['catFile', (fs, p) => fs.catFile(p)],
  ['cat', (fs, p) => fs.cat(p), true],
  ['head', (fs, p) => fs.head(p)],
  ['tail', (fs, p) => fs.tail(p)],
  ['readBlock', (fs, p) => fs.readBlock(p, 0, 10)],
  ['readText', (fs, p) => fs.readText(p)],
  ['pipeFile', (fs, p) => fs.pipeFile(p, 'x')],
  ['writeText', (fs, p) => fs.writeText(p, 'x')],
  ['touch', (fs, p) => fs.touch(p)],
  ['open rb', (fs, p) => fs.open(p, 'rb')],
  ['open wb', (fs, p) => fs.open(p, 'wb')],
  [
    'createReadStream',
    async (fs, p) => {
      for await (const _ of fs.createReadStream(p)) void _;
    },
  ],
  ['cp source', (fs, p) => fs.cp(p, '/x'), true],
  ['rm', (fs, p) => fs.rm(p), true],
  ['rmFile', (fs, p) => fs.rmFile(p)],
  ['mkdir', (fs, p) => fs.mkdir(p)],
  ['makedirs', (fs, p) => fs.makedirs(p)],
  ['rmdir', (fs, p) => fs.rmdir(p)],
];

/** Defines the bad-input and error tests. */
export function errorTests(ctx: SuiteContext): void {
  describe('bad input', () => {
    for (const [label, bad] of [
      ['undefined', undefined],
      ['null', null],
      ['a number', 42],
      ['an object', {}],
      ['an array', ['a']],
    ] as const) {
      it(`rejects ${label} as a path with InvalidArgument (EINVAL) in every method`, async () => {
        for (const [name, call, takesList] of PATH_CALLS) {
          if (takesList && Array.isArray(bad)) continue; // a list of paths is valid input there
          const err = await expectFsError(() => call(ctx.fs, bad as never), 'InvalidArgument', 'EINVAL').catch(
            (e: Error) => {
              throw new Error(`${name}: ${e.message}`);
            },
          );
          expect(err.message, name).to.match(/path|string/i);
        }
      });
    }

    it('rejects a path with a NUL byte with InvalidArgument in every method', async () => {
      for (const [name, call] of PATH_CALLS) {
        await expectFsError(() => call(ctx.fs, ctx.path('nul\0byte') as never), 'InvalidArgument', 'EINVAL').catch(
          (e: Error) => {
            throw new Error(`${name}: ${e.message}`);
          },
        );
      }
      expect(await ctx.fs.find(ctx.root)).to.deep.equal([]);
    });

    it('rejects a path that escapes the root with ".." with InvalidArgument', async () => {
      const depth = ctx.fs
        .normalize(ctx.root)
        .split('/')
        .filter((s) => s !== '').length;
      const escaping = `${ctx.root}/${'../'.repeat(depth + 1)}etc`;
      await expectFsError(ctx.fs.info(escaping), 'InvalidArgument', 'EINVAL');
      await expectFsError(ctx.fs.pipeFile(escaping, 'x'), 'InvalidArgument', 'EINVAL');
      await expectFsError(ctx.fs.rm(escaping, { recursive: true }), 'InvalidArgument', 'EINVAL');
    });

    it('rejects an empty path for writes and removals with InvalidArgument', async () => {
      await expectFsError(ctx.fs.pipeFile('', 'x'), 'InvalidArgument', 'EINVAL');
      await expectFsError(ctx.fs.touch(''), 'InvalidArgument', 'EINVAL');
      await expectFsError(ctx.fs.open('', 'wb'), 'InvalidArgument', 'EINVAL');
      await expectFsError(ctx.fs.rmFile(''), 'InvalidArgument', 'EINVAL');
      await expectFsError(ctx.fs.rm('', { recursive: true }), 'InvalidArgument', 'EINVAL');
      await expectFsError(ctx.fs.rmdir(''), 'InvalidArgument', 'EINVAL');
      await expectFsError(ctx.fs.cp(ctx.path('x'), ''), 'InvalidArgument', 'EINVAL');
    });

    it('rejects option values of the wrong type with InvalidArgument', async () => {
      await ctx.fs.pipeFile(ctx.path('f'), '0123456789');
      const p = ctx.path('f');
      await expectFsError(ctx.fs.find(ctx.root, { maxDepth: 'two' as never }), 'InvalidArgument', 'EINVAL');
      await expectFsError(ctx.fs.find(ctx.root, { maxDepth: 0 }), 'InvalidArgument', 'EINVAL');
      await expectFsError(ctx.fs.glob(ctx.path('*'), { maxDepth: 1.5 }), 'InvalidArgument', 'EINVAL');
      await expectFsError(ctx.fs.catFile(p, { start: '1' as never }), 'InvalidArgument', 'EINVAL');
      await expectFsError(ctx.fs.catFile(p, { end: Number.NaN }), 'InvalidArgument', 'EINVAL');
      await expectFsError(ctx.fs.pipeFile(p, 'x', { mode: 'excl' as never }), 'InvalidArgument', 'EINVAL');
      await expectFsError(ctx.fs.open(p, 'rb', { blockSize: -1 }), 'InvalidArgument', 'EINVAL');
      await expectFsError(ctx.fs.rm(p, { batchSize: 0 }), 'InvalidArgument', 'EINVAL');
      await expectFsError(ctx.fs.cp(p, ctx.path('g'), { maxDepth: 'deep' as never }), 'InvalidArgument', 'EINVAL');
      expect(await ctx.fs.readText(p)).to.equal('0123456789');
    });

    it('treats null options as none', async () => {
      await ctx.fs.pipeFile(ctx.path('d/f'), 'x', null as never);
      expect(await ctx.fs.ls(ctx.path('d'), null as never)).to.deep.equal([ctx.fs.normalize(ctx.path('d/f'))]);
      expect(await ctx.fs.find(ctx.path('d'), null as never)).to.have.length(1);
      expect(Buffer.from(await ctx.fs.catFile(ctx.path('d/f'), null as never)).toString()).to.equal('x');
      await ctx.fs.cp(ctx.path('d/f'), ctx.path('d/g'), null as never);
      await ctx.fs.rm(ctx.path('d/g'), null as never);
      expect(await ctx.fs.find(ctx.path('d'))).to.have.length(1);
    });

    it('rejects options that are not an object with InvalidArgument', async () => {
      const p = ctx.path('f');
      await ctx.fs.pipeFile(p, 'x');
      const calls: Array<() => unknown> = [
        () => ctx.fs.ls(ctx.root, 'detail' as never),
        () => ctx.fs.find(ctx.root, 3 as never),
        () => ctx.fs.catFile(p, 'all' as never),
        () => ctx.fs.pipeFile(p, 'y', 'create' as never),
        () => ctx.fs.open(p, 'rb', 4096 as never),
        () => ctx.fs.cp(p, ctx.path('g'), true as never),
        () => ctx.fs.rm(p, 'recursive' as never),
        () => ctx.fs.makedirs(ctx.path('d'), true as never),
        () => ctx.fs.touch(p, [] as never),
      ];
      for (const call of calls) await expectFsError(call, 'InvalidArgument', 'EINVAL');
      expect(await ctx.fs.find(ctx.root)).to.deep.equal([ctx.fs.normalize(p)]);
      expect(await ctx.fs.readText(p)).to.equal('x');
    });

    it('rejects a list holding a non-string path with InvalidArgument', async () => {
      await expectFsError(ctx.fs.cat([ctx.path('a'), 42] as never), 'InvalidArgument', 'EINVAL');
      await expectFsError(ctx.fs.rm([ctx.path('a'), null] as never), 'InvalidArgument', 'EINVAL');
      await expectFsError(ctx.fs.cp([ctx.path('a'), undefined] as never, ctx.path('t/')), 'InvalidArgument', 'EINVAL');
    });

    it('rejects a list of sources with a destination that is not a path with InvalidArgument', async () => {
      await ctx.fs.pipeFile(ctx.path('f'), 'x');
      await expectFsError(ctx.fs.cp([ctx.path('f')], 42 as never), 'InvalidArgument', 'EINVAL');
      await expectFsError(ctx.fs.cp(ctx.path('f'), [ctx.path('g')]), 'InvalidArgument', 'EINVAL');
      await expectFsError(ctx.fs.rm({} as never), 'InvalidArgument', 'EINVAL');
    });
  });

  describe('errors', () => {
    it('are FsErrors that name protocol, operation and path', async () => {
      const cases: Array<[string, () => Promise<unknown>]> = [
        ['info', () => ctx.fs.info(ctx.path('missing'))],
        ['ls', () => ctx.fs.ls(ctx.path('missing'))],
        ['cat', () => ctx.fs.catFile(ctx.path('missing'))],
        ['open', () => ctx.fs.open(ctx.path('missing'))],
        ['rm', () => ctx.fs.rm(ctx.path('missing'))],
      ];
      for (const [operation, call] of cases) {
        const err = await expectFsError(call(), 'NotFound', 'ENOENT');
        expect(err).to.be.instanceOf(Error);
        expect(err.name).to.equal('FsError');
        expect(err.protocol, operation).to.equal(ctx.fs.protocol);
        expect(err.operation, operation).to.equal(operation);
        expect(err.path, operation).to.equal(ctx.fs.normalize(ctx.path('missing')));
        expect(err.message, operation).to.include(ctx.fs.protocol).and.include(operation);
        expect(err.temporary, operation).to.equal(false);
      }
    });

    it('name the path of an exclusive-create conflict', async () => {
      await ctx.fs.pipeFile(ctx.path('f'), 'x');
      const err = await expectFsError(
        ctx.fs.pipeFile(ctx.path('f'), 'y', { mode: 'create' }),
        'AlreadyExists',
        'EEXIST',
      );
      expect(err.path).to.equal(ctx.fs.normalize(ctx.path('f')));
      expect(err.protocol).to.equal(ctx.fs.protocol);
    });
  });

  describe('secrets', () => {
    const secret = `s3cr3t-${randomName('v')}`;
    const withSecrets = async (): Promise<FileSystem> => {
      if (ctx.target.secretFactory) return ctx.target.secretFactory(secret);
      // A subclass declares no option schema of its own, so it takes these made-up secret options.
      type Make<T> = new (options: Record<string, unknown>) => T;
      const Unchecked = class extends (ctx.fs.constructor as Make<object>) {} as Make<FileSystem>;
      return new Unchecked({
        ...ctx.fs.storageOptions,
        password: secret,
        accessToken: secret,
        credentials: { secretAccessKey: secret },
        skipInstanceCache: true,
      });
    };

    it('never appear in JSON.stringify, String or util.inspect of an instance', async () => {
      const fs = await withSecrets();
      for (const shown of [JSON.stringify(fs), String(fs), `${fs}`, inspect(fs, { depth: 10 })]) {
        expect(shown).to.not.include(secret);
      }
    });

    it('never appear in the message of an error', async () => {
      const fs = await withSecrets();
      let caught: unknown;
      try {
        await fs.info(ctx.path('missing'));
      } catch (err) {
        caught = err;
      }
      expect(caught).to.be.instanceOf(FsError);
      expect(String(caught)).to.not.include(secret);
      expect(JSON.stringify({ ...(caught as object), message: (caught as Error).message })).to.not.include(secret);
    });
  });
}
