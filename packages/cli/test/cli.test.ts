/** Every command and flag on memory://, through `main` in this process (memory state is per process). */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { filesystem, registerImplementation, unregisterImplementation, type FileInfo } from '@omnifs/core';
import { MemoryFileSystem } from '@omnifs/memory';
import { main, type Io } from '@omnifs/cli';
import { cli, statFields } from './helpers';

const mem = filesystem('memory');

/** memory:// whose entries carry metadata with labels as long as HDFS's and S3's. */
class LongLabelsFileSystem extends MemoryFileSystem {
  static override protocols: readonly string[] = ['longlabels'];
  protected override async _info(path: string): Promise<FileInfo> {
    return { ...(await super._info(path)), replication: 3, contentType: 'text/plain', blockSize: 1048576 };
  }
}

/** A line of the big file; its first line is {@link FIRST}. */
const LINE = Buffer.from('abcdefghijklmnopqrstuvw\n');
const FIRST = Buffer.from('00000000000000000000000\n');
/** Lines repeated, from which any 64 KiB of the big file is cut. */
const LINES = Buffer.concat(Array.from({ length: 3000 }, () => LINE));

/**
 * memory:// with a file of 256 MiB, `/big.log`, made of 24-byte lines as it is read in
 * 64 KiB chunks (lines cross them), which counts the bytes read.
 */
class BigFileSystem extends MemoryFileSystem {
  static override protocols: readonly string[] = ['bigfile'];
  static readonly size = 256 * 1024 * 1024;
  static served = 0;
  protected override async _info(path: string): Promise<FileInfo> {
    return path === '/big.log' ? { name: path, type: 'file', size: BigFileSystem.size } : super._info(path);
  }
  protected override async *_readStream(path: string, start: number, end?: number): AsyncGenerator<Uint8Array> {
    if (path !== '/big.log') return yield* super._readStream(path, start, end);
    const stop = Math.min(end ?? BigFileSystem.size, BigFileSystem.size);
    for (let pos = start; pos < stop;) {
      const at = pos % LINE.length;
      const chunk = Buffer.from(LINES.subarray(at, at + Math.min(64 * 1024, stop - pos)));
      if (pos < FIRST.length) FIRST.subarray(pos).copy(chunk);
      BigFileSystem.served += chunk.length;
      pos += chunk.length;
      yield chunk;
    }
  }
}

describe('omnifs on memory://', () => {
  let root: string;
  let u: string;
  beforeEach(async () => {
    root = `/cli-${randomBytes(4).toString('hex')}`;
    u = `memory://${root}`;
    await mem.pipe({
      [`${root}/a.txt`]: 'alpha\n',
      [`${root}/b.csv`]: 'x,y\n1,2\n3,4\n',
      [`${root}/sub/c.txt`]: 'l1\nl2\nl3\nl4\nl5\nl6\nl7\nl8\nl9\nl10\nl11\nl12\n',
      [`${root}/sub/deep/d.bin`]: Buffer.alloc(2048, 1),
    });
  });
  afterEach(() => mem.rm(root, { recursive: true }).catch(() => undefined));

  describe('ls', () => {
    it('lists a directory as full URLs, directories with a trailing slash', async () => {
      expect(await cli(['ls', u])).to.include({ code: 0, out: `${u}/a.txt\n${u}/b.csv\n${u}/sub/\n` });
    });
    it('-l shows type, size, time and URL; -h makes sizes human; -R goes below', async () => {
      const long = (await cli(['ls', '-l', `${u}/sub/deep`])).out;
      expect(long).to.match(/^- +2048 {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}memory:\/\/\/cli-\w+\/sub\/deep\/d\.bin\n$/);
      expect((await cli(['ls', '-lh', `${u}/sub/deep`])).out).to.match(/^- +2\.0 KiB {2}/);
      const rec = (await cli(['ls', '-R', u])).out.trim().split('\n');
      expect(rec).to.deep.equal([
        `${u}/a.txt`,
        `${u}/b.csv`,
        `${u}/sub/`,
        `${u}/sub/c.txt`,
        `${u}/sub/deep/`,
        `${u}/sub/deep/d.bin`,
      ]);
    });
    it('--json prints an array of entries with their URLs', async () => {
      const rows = JSON.parse((await cli(['ls', '--json', u])).out) as Array<{
        url: string;
        type: string;
        size: number;
      }>;
      expect(rows.map((r) => [r.url, r.type])).to.deep.equal([
        [`${u}/a.txt`, 'file'],
        [`${u}/b.csv`, 'file'],
        [`${u}/sub`, 'directory'],
      ]);
      expect(rows[0]!.size).to.equal(6);
    });
    it('expands globs, and a file lists as itself', async () => {
      expect((await cli(['ls', `${u}/*.txt`, `${u}/b.csv`])).out).to.equal(`${u}/a.txt\n${u}/b.csv\n`);
    });
    it('fails with 1 for a missing URL', async () => {
      const r = await cli(['ls', `${u}/nope`]);
      expect(r.code).to.equal(1);
      expect(r.err).to.equal(`omnifs ls: ${u}/nope: no such file or directory [ENOENT]\n`);
    });
  });

  describe('find, glob, stat, du, tree', () => {
    it('find prints every file below, --max-depth limits, --type d gives directories, --json and -l', async () => {
      expect((await cli(['find', u])).out.trim().split('\n')).to.deep.equal([
        `${u}/a.txt`,
        `${u}/b.csv`,
        `${u}/sub/c.txt`,
        `${u}/sub/deep/d.bin`,
      ]);
      expect((await cli(['find', '--max-depth', '1', u])).out).to.equal(`${u}/a.txt\n${u}/b.csv\n`);
      expect((await cli(['find', '--type', 'd', u])).out).to.equal(`${u}/sub/\n${u}/sub/deep/\n`);
      expect(JSON.parse((await cli(['find', '--json', `${u}/sub/deep`])).out)).to.have.length(1);
      expect((await cli(['find', '-l', `${u}/sub/deep`])).out).to.match(/^- +2048 /);
      expect((await cli(['find', '--type', 'x', u])).code).to.equal(2);
    });
    it('find and du of a missing URL fail with 1', async () => {
      for (const cmd of ['find', 'du']) {
        const r = await cli([cmd, `${u}/nope`]);
        expect(r.code, cmd).to.equal(1);
        expect(r.out).to.equal('');
        expect(r.err).to.include('no such file or directory [ENOENT]');
      }
    });
    it('glob prints matches (** too) and exits 1 when nothing matches', async () => {
      expect((await cli(['glob', `${u}/**/*.txt`])).out).to.equal(`${u}/a.txt\n${u}/sub/c.txt\n`);
      expect(JSON.parse((await cli(['glob', '--json', `${u}/*.csv`])).out)[0].url).to.equal(`${u}/b.csv`);
      const none = await cli(['glob', `${u}/*.parquet`]);
      expect(none.code).to.equal(1);
      expect(none.err).to.include('nothing matches');
    });
    it('stat shows metadata; info is the same command; --json for scripts', async () => {
      const r = await cli(['stat', `${u}/sub/deep/d.bin`]);
      expect(r.out).to.include(`url:      ${u}/sub/deep/d.bin\ntype:     file\nsize:     2048 (2.0 KiB)\n`);
      expect((await cli(['info', `${u}/sub`])).out).to.include(`url:      ${u}/sub/\ntype:     directory\n`);
      expect(statFields(r.out)).to.include({ url: `${u}/sub/deep/d.bin`, type: 'file', size: '2048 (2.0 KiB)' });
      const rows = JSON.parse((await cli(['stat', '--json', `${u}/*.txt`])).out) as Array<{
        url: string;
        size: number;
      }>;
      expect(rows).to.deep.include({ ...rows[0], url: `${u}/a.txt`, size: 6 });
    });
    it('stat lines up values one space after its longest label', async () => {
      registerImplementation('longlabels', LongLabelsFileSystem);
      try {
        const r = await cli(['stat', `longlabels://${root}/a.txt`]);
        expect(r.code, r.err).to.equal(0);
        expect(r.out).to.include('\nsize:        6\n').and.include('\nreplication: 3\n');
        expect(statFields(r.out)).to.deep.include({ contentType: 'text/plain', blockSize: '1048576' });
        const two = await cli(['stat', `longlabels://${root}/a.txt`, `${u}/a.txt`]);
        const [long, short] = two.out.split('\n\n') as [string, string];
        expect(statFields(long)).to.include({ replication: '3' });
        expect(short).to.include('\nsize:     6\n');
      } finally {
        unregisterImplementation('longlabels');
      }
    });
    it('du prints bytes per directory deepest first, -s the total, -h human sizes, --max-depth', async () => {
      expect((await cli(['du', u])).out).to.equal(`2048\t${u}/sub/deep/\n2087\t${u}/sub/\n2105\t${u}/\n`);
      expect((await cli(['du', '-s', u])).out).to.equal(`2105\t${u}/\n`);
      expect((await cli(['du', '-sh', u])).out).to.equal(`2.1 KiB\t${u}/\n`);
      expect((await cli(['du', '--max-depth', '1', u])).out).to.equal(`2087\t${u}/sub/\n2105\t${u}/\n`);
      expect((await cli(['du', `${u}/a.txt`])).out).to.equal(`6\t${u}/a.txt\n`);
    });
    it('tree draws the directory, -L limits the depth', async () => {
      expect((await cli(['tree', u])).out).to.equal(
        `${u}/\n├── a.txt\n├── b.csv\n└── sub/\n    ├── c.txt\n    └── deep/\n        └── d.bin\n` +
          '\n2 directories, 4 files\n',
      );
      expect((await cli(['tree', '-L', '1', u])).out).to.equal(
        `${u}/\n├── a.txt\n├── b.csv\n└── sub/\n\n1 directory, 2 files\n`,
      );
    });
  });

  describe('cat, head, tail', () => {
    it('cat prints files in order, expands globs, reads - from standard input', async () => {
      expect((await cli(['cat', `${u}/a.txt`, '-', `${u}/*.csv`], { stdin: 'piped\n' })).out).to.equal(
        'alpha\npiped\nx,y\n1,2\n3,4\n',
      );
    });
    it('cat of a directory or a missing file fails with 1 and prints nothing', async () => {
      for (const bad of [`${u}/sub`, `${u}/nope`]) {
        const r = await cli(['cat', `${u}/a.txt`, bad]);
        expect(r.code).to.equal(1);
        expect(r.out).to.equal('');
      }
    });
    it('head and tail count lines with -n (10 by default) and bytes with -c', async () => {
      expect((await cli(['head', '-n', '2', `${u}/sub/c.txt`])).out).to.equal('l1\nl2\n');
      expect((await cli(['head', `${u}/sub/c.txt`])).out.split('\n')).to.have.length(11);
      expect((await cli(['tail', '-n', '2', `${u}/sub/c.txt`])).out).to.equal('l11\nl12\n');
      expect((await cli(['tail', `${u}/sub/c.txt`])).out).to.equal('l3\nl4\nl5\nl6\nl7\nl8\nl9\nl10\nl11\nl12\n');
      expect((await cli(['head', '-c', '3', `${u}/b.csv`])).out).to.equal('x,y');
      expect((await cli(['tail', '-c', '4', `${u}/b.csv`])).out).to.equal('3,4\n');
    });
    it('head -n/-c -N and tail -n +N print as they read, holding back only the end left out', async () => {
      registerImplementation('bigfile', BigFileSystem);
      try {
        for (const [argv, starts] of [
          [['head', '-n', '-1'], Buffer.concat([FIRST, LINE])],
          [['head', '-n', '-100000'], Buffer.concat([FIRST, LINE])],
          [['head', '-c', '-100'], Buffer.concat([FIRST, LINE])],
          [['tail', '-n', '+2'], Buffer.concat([LINE, LINE])],
          [['tail', '-c', '+25'], Buffer.concat([LINE, LINE])],
        ] as const) {
          BigFileSystem.served = 0;
          // Printing stops (as a reader of a pipe that goes away) once 1 MiB is out.
          const stop = new AbortController();
          const printed: Buffer[] = [];
          let bytes = 0;
          let first: number | undefined;
          const io: Io = {
            out: () => undefined,
            err: () => undefined,
            raw: (b) => {
              first ??= BigFileSystem.served;
              if (bytes < 1024 * 1024) printed.push(Buffer.from(b));
              bytes += b.length;
              if (bytes >= 1024 * 1024) stop.abort();
            },
            env: {},
          };
          const code = await main([...argv, 'bigfile:///big.log'], io, { signal: stop.signal });
          const label = argv.join(' ');
          expect(code, label).to.equal(130);
          // -100000 lines hold back 2.4 MB; otherwise a chunk or two is read before the first print.
          expect(first, label).to.be.at.most(argv[2] === '-100000' ? 3 * 1024 * 1024 : 128 * 1024);
          expect(BigFileSystem.served, label).to.be.below(8 * 1024 * 1024);
          expect(Buffer.concat(printed).subarray(0, starts.length).toString(), label).to.equal(starts.toString());
        }
      } finally {
        unregisterImplementation('bigfile');
      }
    });
    it('head of several files titles each; -n with -c is a usage error', async () => {
      expect((await cli(['head', '-n', '1', `${u}/*.txt`, `${u}/b.csv`])).out).to.equal(
        `==> ${u}/a.txt <==\nalpha\n\n==> ${u}/b.csv <==\nx,y\n`,
      );
      expect((await cli(['tail', '-n', '1', '-c', '1', `${u}/b.csv`])).code).to.equal(2);
    });
  });
});
