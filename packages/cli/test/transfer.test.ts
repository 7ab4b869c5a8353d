/** cp, mv, put, get, rsync, rm, mkdir, touch and progress on memory:// and local disk, through `main`. */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { filesystem, registerImplementation, unregisterImplementation, type FileInfo } from '@omnifs/core';
import { MemoryFileSystem } from '@omnifs/memory';
import { cli } from './helpers';

const mem = filesystem('memory');

/** The memory store, where `victim`, a file or a directory, is deleted right after a listing names it. */
let victim: string | undefined;
class VanishingFileSystem extends MemoryFileSystem {
  static override protocols: readonly string[] = ['vanishing'];
  protected override async _ls(path: string): Promise<FileInfo[]> {
    const entries = await super._ls(path);
    const named = entries.find((e) => e.name === victim);
    if (named !== undefined) {
      victim = undefined;
      await this.rm(named.name, { recursive: true });
    }
    return entries;
  }
}

describe('omnifs transfers on memory:// and local disk', () => {
  let root: string;
  let u: string;
  let dir: string;
  beforeEach(async () => {
    root = `/cli-${randomBytes(4).toString('hex')}`;
    u = `memory://${root}`;
    await mem.pipe({ [`${root}/src/a.txt`]: 'alpha', [`${root}/src/sub/b.txt`]: 'beta', [`${root}/c.csv`]: '1,2\n' });
    dir = mkdtempSync(join(tmpdir(), 'omnifs-cli-'));
    writeFileSync(join(dir, 'local.txt'), 'local');
  });
  afterEach(async () => {
    await mem.rm(root, { recursive: true }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  describe('cp', () => {
    it('copies a file and prints a summary of files, bytes, time and rate', async () => {
      const r = await cli(['cp', `${u}/c.csv`, `${u}/copy.csv`]);
      expect(r.code).to.equal(0);
      expect(r.err).to.match(/^copied 1 file, 4 B in \d+\.\d\ds, [\d.]+ [KMG]?i?B\/s\n$/);
      expect(await mem.readText(`${root}/copy.csv`)).to.equal('1,2\n');
    });
    it('leaves out a directory without -r (mv refuses it), says so, exits 1 and changes nothing', async () => {
      for (const [cmd, said] of [
        ['cp', `omnifs cp: -r not specified; omitting directory ${u}/src [EISDIR]\n`],
        ['mv', `omnifs mv: ${u}/src is a directory: use mv -r to move it [EISDIR]\n`],
      ] as const) {
        const r = await cli([cmd, `${u}/src`, `${u}/dst`]);
        expect(r, cmd).to.include({ code: 1, out: '', err: said });
        expect(await mem.exists(`${root}/dst`)).to.equal(false);
        expect(await mem.exists(`${root}/src/a.txt`)).to.equal(true);
      }
    });
    it('copies the other sources, naming each directory left out without -r, and exits 1, as GNU cp', async () => {
      // GNU `cp d/* dst/` (the shell's glob): "cp: -r not specified; omitting directory 'd/sub'".
      const omitting = `omnifs cp: -r not specified; omitting directory ${u}/src/sub [EISDIR]\n`;
      const r = await cli(['cp', `${u}/src/a.txt`, `${u}/src/sub`, `${u}/c.csv`, `${u}/many/`]);
      expect({ code: r.code, err: r.err.replace(/ in .*\n$/, '\n') }).to.deep.equal({
        code: 1,
        err: `${omitting}copied 2 files, 9 B\n`,
      });
      expect(await mem.find(`${root}/many`)).to.deep.equal([`${root}/many/a.txt`, `${root}/many/c.csv`]);
      // An error, not a note: -q keeps it.
      const quiet = await cli(['cp', '-q', `${u}/src/sub`, `${u}/c.csv`, `${u}/quiet/`]);
      expect(quiet).to.include({ code: 1, out: '', err: omitting });
      expect(await mem.find(`${root}/quiet`)).to.deep.equal([`${root}/quiet/c.csv`]);
      // put and get too; mv refuses, as before, and moves nothing.
      const put = await cli(['put', join(dir, 'local.txt'), dir, `${u}/up/`]);
      expect(put.err.replace(/ in .*\n$/, '\n')).to.equal(
        `omnifs put: -r not specified; omitting directory ${dir} [EISDIR]\nuploaded 1 file, 5 B\n`,
      );
      expect({ code: put.code, up: await mem.find(`${root}/up`) }).to.deep.equal({
        code: 1,
        up: [`${root}/up/local.txt`],
      });
      const mv = await cli(['mv', `${u}/src/a.txt`, `${u}/src/sub`, `${u}/moved/`]);
      expect(mv).to.include({
        code: 1,
        err: `omnifs mv: ${u}/src/sub is a directory: use mv -r to move it [EISDIR]\n`,
      });
      expect(await mem.find(`${root}/src`)).to.deep.equal([`${root}/src/a.txt`, `${root}/src/sub/b.txt`]);
    });
    it('refuses a source that is its own destination, however spelt: one line, exit 1, nothing changed', async () => {
      const local = join(dir, 'local.txt');
      const before = await mem.find(root, { withDirs: true });
      for (const [argv, said] of [
        [['cp', `${u}/c.csv`, `${u}/c.csv`], `${u}/c.csv and ${u}/c.csv are the same file`],
        [['mv', `${u}/c.csv`, `${u}/./sub/../c.csv`], `${u}/c.csv and ${u}/./sub/../c.csv are the same file`],
        [['cp', `${u}/src/a.txt`, `${u}/src/`], `${u}/src/a.txt and ${u}/src/a.txt are the same file`],
        [['cp', '-r', `${u}/src/`, `${u}/src`], `${u}/src/ and ${u}/src are the same directory`],
        [['mv', '-r', `${u}/src/sub`, `${u}/src`], `${u}/src/sub and ${u}/src/sub are the same directory`],
        // GNU mv's words for a directory moved below itself (`mv d d`, `mv d d/sub`).
        [['mv', '-r', `${u}/src`, `${u}/src`], `cannot move ${u}/src to a subdirectory of itself, ${u}/src/src`],
        [
          ['mv', '-r', `${u}/src`, `${u}/src/sub`],
          `cannot move ${u}/src to a subdirectory of itself, ${u}/src/sub/src`,
        ],
        [['cp', local, `file://${dir}/./local.txt`], `${local} and file://${dir}/./local.txt are the same file`],
        [
          ['mv', `${dir}/../${basename(dir)}/local.txt`, dir],
          `${dir}/../${basename(dir)}/local.txt and ${local} are the same file`,
        ],
      ] as const) {
        const r = await cli([...argv]);
        expect({ code: r.code, err: r.err }, argv.join(' ')).to.deep.equal({
          code: 1,
          err: `omnifs ${argv[0]}: ${said} [EINVAL]\n`,
        });
      }
      expect(await mem.find(root, { withDirs: true })).to.deep.equal(before);
      expect(await mem.readText(`${root}/c.csv`)).to.equal('1,2\n');
      expect(readFileSync(local, 'utf8')).to.equal('local');
      // A copy into the directory itself is no copy onto itself (fsspec's cp -r into an existing directory).
      expect((await cli(['cp', '-r', `${u}/src`, `${u}/src`])).code).to.equal(0);
      expect(await mem.readText(`${root}/src/src/a.txt`)).to.equal('alpha');
    });
    it('names each source or match that lands on itself, copies the rest and exits 1, as GNU cp', async () => {
      const same = (url: string, what = 'file'): string =>
        `omnifs cp: ${url} and ${url} are the same ${what} [EINVAL]\n`;
      const before = await mem.find(root, { withDirs: true });
      // GNU cp d/* d/ (the shell's glob): a line for each file, none for the directory it omits.
      const flat = await cli(['cp', `${u}/src/*`, `${u}/src/`]);
      expect(flat).to.include({
        code: 1,
        out: '',
        err: same(`${u}/src/a.txt`) + `omnifs cp: -r not specified; omitting directory ${u}/src/sub [EISDIR]\n`,
      });
      expect((await cli(['cp', '-q', `${u}/src/*`, `${u}/src`])).err).to.equal(
        same(`${u}/src/a.txt`) + `omnifs cp: -r not specified; omitting directory ${u}/src/sub [EISDIR]\n`,
      );
      for (const argv of [
        ['-r', `${u}/src/*`, `${u}/src/`],
        ['-r', `${u}/s?c/*`, `${u}/src`],
        ['-r', '--max-depth', '2', `${u}/src/*`, `${u}/src/`],
      ]) {
        const r = await cli(['cp', ...argv]);
        expect(r, argv.join(' ')).to.include({
          code: 1,
          out: '',
          err: same(`${u}/src/a.txt`) + same(`${u}/src/sub`, 'directory'),
        });
      }
      expect(await mem.find(root, { withDirs: true })).to.deep.equal(before);
      // The other sources are copied, with the summary, and the command still fails.
      for (const [argv, said] of [
        [[`${u}/src/*.txt`, `${u}/c.csv`, `${u}/src/`], same(`${u}/src/a.txt`)],
        [[`${u}/c.csv`, `${u}/src/a.txt`, `${u}/src`], same(`${u}/src/a.txt`)],
        [['-r', `${u}/src/*`, `${u}/c.csv`, `${u}/src/`], same(`${u}/src/a.txt`) + same(`${u}/src/sub`, 'directory')],
      ] as const) {
        await mem.rm(`${root}/src/c.csv`).catch(() => undefined);
        const r = await cli(['cp', ...argv]);
        expect({ code: r.code, err: r.err.replace(/ in .*\n$/, '\n') }, argv.join(' ')).to.deep.equal({
          code: 1,
          err: `${said}copied 1 file, 4 B\n`,
        });
        expect(await mem.readText(`${root}/src/c.csv`)).to.equal('1,2\n');
      }
      expect(await mem.readText(`${root}/src/a.txt`)).to.equal('alpha');
    });
    it('takes a name with glob characters that matches nothing as a glob as itself, as a shell', async () => {
      await mem.pipe({ [`${root}/b/x[1].txt`]: 'one', [`${root}/b/st*r.txt`]: 'star' });
      expect((await cli(['cat', `${u}/b/x[1].txt`, `${u}/b/st*r.txt`])).out).to.equal('onestar');
      expect((await cli(['cp', `${u}/b/x[1].txt`, `${u}/copied/`])).code).to.equal(0);
      expect(await mem.readText(`${root}/copied/x[1].txt`)).to.equal('one');
      expect((await cli(['rm', `${u}/b/x[1].txt`])).code).to.equal(0);
      expect(await mem.find(`${root}/b`)).to.deep.equal([`${root}/b/st*r.txt`]);
      // Where the glob matches other names, the glob wins; escaped, the name is itself.
      await mem.pipe({ [`${root}/b/x[1].txt`]: 'one', [`${root}/b/x1.txt`]: 'other' });
      expect((await cli(['cat', `${u}/b/x[1].txt`])).out).to.equal('other');
      expect((await cli(['cat', `${u}/b/x[[]1].txt`])).out).to.equal('one');
    });
    it('copies the files a glob matches without -r, naming each directory it leaves out and exiting 1', async () => {
      // A directory with matched files below it is copied with them: nothing is left out.
      const deep = await cli(['cp', `${u}/src/**`, `${u}/deep/`]);
      expect(deep.code, deep.err).to.equal(0);
      expect(deep.err).to.match(/^copied 2 files, 9 B in /);
      expect(await mem.find(`${root}/deep`)).to.deep.equal([`${root}/deep/a.txt`, `${root}/deep/sub/b.txt`]);
      // GNU `cp d/* dst/` (the shell's glob) leaves out d/sub, copies the files and exits 1; so does mv 'd/*'.
      for (const [cmd, verb] of [
        ['cp', 'copied'],
        ['mv', 'moved'],
      ] as const) {
        const flat = await cli([cmd, `${u}/src/*`, `${u}/${cmd}/`]);
        expect({ code: flat.code, err: flat.err.replace(/ in .*\n$/, '\n') }, cmd).to.deep.equal({
          code: 1,
          err: `omnifs ${cmd}: -r not specified; omitting directory ${u}/src/sub [EISDIR]\n${verb} 1 file, 5 B\n`,
        });
        expect(await mem.find(`${root}/${cmd}`)).to.deep.equal([`${root}/${cmd}/a.txt`]);
      }
      expect(await mem.find(`${root}/src`)).to.deep.equal([`${root}/src/sub/b.txt`]);
      // A glob matching only directories copies nothing.
      const none = await cli(['cp', `${u}/sr*`, `${u}/none/`]);
      expect(none).to.include({
        code: 1,
        out: '',
        err: `omnifs cp: -r not specified; omitting directory ${u}/src [EISDIR]\n`,
      });
      expect(await mem.exists(`${root}/none`)).to.equal(false);
    });
    it('-r copies a directory into a new one; a trailing slash copies its contents; --max-depth limits', async () => {
      expect((await cli(['cp', '-r', `${u}/src`, `${u}/dst`])).code).to.equal(0);
      expect(await mem.find(`${root}/dst`)).to.deep.equal([`${root}/dst/a.txt`, `${root}/dst/sub/b.txt`]);
      await cli(['cp', '-r', `${u}/src`, `${u}/dst`]);
      expect(await mem.exists(`${root}/dst/src/a.txt`)).to.equal(true);
      await cli(['cp', '-r', '--max-depth', '1', `${u}/src/`, `${u}/flat/`]);
      expect(await mem.find(`${root}/flat`)).to.deep.equal([`${root}/flat/a.txt`]);
    });
    it('copies globs and several sources into a directory, across protocols too', async () => {
      expect((await cli(['cp', `${u}/src/*.txt`, `${u}/c.csv`, join(dir, 'local.txt'), `${u}/many/`])).code).to.equal(
        0,
      );
      expect(await mem.find(`${root}/many`)).to.deep.equal([
        `${root}/many/a.txt`,
        `${root}/many/c.csv`,
        `${root}/many/local.txt`,
      ]);
    });
    it('- reads standard input and writes standard output', async () => {
      expect((await cli(['cp', '-', `${u}/in.txt`], { stdin: 'from stdin' })).code).to.equal(0);
      expect(await mem.readText(`${root}/in.txt`)).to.equal('from stdin');
      expect((await cli(['cp', `${u}/in.txt`, '-'])).out).to.equal('from stdin');
      expect((await cli(['cp', '-', `${u}/src/`], { stdin: 'x' })).code).to.equal(1);
      expect((await cli(['mv', '-', `${u}/x`], { stdin: 'x' })).code).to.equal(2);
    });
    it('a missing source fails with 1 naming it; -q prints no summary', async () => {
      const r = await cli(['cp', `${u}/nope`, `${u}/x`]);
      expect(r).to.include({ code: 1, err: `omnifs cp: ${u}/nope: no such file or directory [ENOENT]\n` });
      expect((await cli(['cp', '-q', `${u}/c.csv`, `${u}/q.csv`])).err).to.equal('');
    });
  });

  describe('mv, put, get', () => {
    it('mv moves a file, and a directory with -r', async () => {
      expect((await cli(['mv', `${u}/c.csv`, `${u}/moved.csv`])).code).to.equal(0);
      expect(await mem.exists(`${root}/c.csv`)).to.equal(false);
      expect((await cli(['mv', '-r', `${u}/src`, join(dir, 'down')])).code).to.equal(0);
      expect(readFileSync(join(dir, 'down', 'sub', 'b.txt'), 'utf8')).to.equal('beta');
      expect(await mem.exists(`${root}/src`)).to.equal(false);
    });
    it('mv of files already where a glob sends them keeps them, names them and exits 1, as GNU mv', async () => {
      const same = (url: string, what = 'file'): string =>
        `omnifs mv: ${url} and ${url} are the same ${what} [EINVAL]\n`;
      for (const flags of [[], ['--bwlimit', '100M']]) {
        const r = await cli(['mv', ...flags, `${u}/src/*.txt`, `${u}/src/`]);
        expect(r, flags.join(' ')).to.include({ code: 1, out: '', err: same(`${u}/src/a.txt`) });
        expect(await mem.readText(`${root}/src/a.txt`)).to.equal('alpha');
      }
      // The other sources are moved.
      const some = await cli(['mv', '-r', `${u}/src/*`, `${u}/c.csv`, `${u}/src`]);
      expect({ code: some.code, err: some.err.replace(/ in .*\n$/, '\n') }).to.deep.equal({
        code: 1,
        err: `${same(`${u}/src/a.txt`)}${same(`${u}/src/sub`, 'directory')}moved 1 file, 4 B\n`,
      });
      const moved = [`${root}/src/a.txt`, `${root}/src/c.csv`, `${root}/src/sub/b.txt`];
      expect(await mem.find(root)).to.deep.equal(moved);
      const into = await cli(['mv', '-r', '--bwlimit', '100M', `${u}/s?c`, `${u}/src/sub`]);
      expect(into).to.include({
        code: 1,
        err: `omnifs mv: cannot move ${u}/src to a subdirectory of itself, ${u}/src/sub/src [EINVAL]\n`,
      });
      expect(await mem.find(root)).to.deep.equal(moved);
    });
    it('mv -r of a glob one of whose matches holds the destination moves the others, as GNU mv', async () => {
      // GNU `mv d/* d/sub`: "cannot move 'd/sub' to a subdirectory of itself, 'd/sub/sub'", the rest moved, exit 1.
      await mem.pipe({ [`${root}/g/a.txt`]: 'a', [`${root}/g/e/h.txt`]: 'h', [`${root}/g/sub/b.txt`]: 'b' });
      const below = `omnifs mv: cannot move ${u}/g/sub to a subdirectory of itself, ${u}/g/sub/sub [EINVAL]\n`;
      for (const flags of [[], ['--bwlimit', '100M']]) {
        const r = await cli(['mv', '-r', ...flags, `${u}/g/*`, `${u}/g/sub`]);
        expect({ code: r.code, err: r.err.replace(/ in .*\n$/, '\n') }, flags.join(' ')).to.deep.equal({
          code: 1,
          err: `${below}moved 2 files, 2 B\n`,
        });
        expect(await mem.find(`${root}/g`)).to.deep.equal([
          `${root}/g/sub/a.txt`,
          `${root}/g/sub/b.txt`,
          `${root}/g/sub/e/h.txt`,
        ]);
        await mem.mv([`${root}/g/sub/a.txt`, `${root}/g/sub/e`], `${root}/g/`, { recursive: true });
      }
      // Nothing left to move but the directory itself: named, nothing moved.
      await mem.rm([`${root}/g/a.txt`, `${root}/g/e`], { recursive: true });
      const alone = await cli(['mv', '-r', `${u}/g/*`, `${u}/g/sub/`]);
      expect(alone).to.include({ code: 1, out: '', err: below });
      // A glob over deeper levels is refused whole, each match below itself named: nothing moves.
      await mem.pipe({ [`${root}/h/a/x/f.txt`]: 'f', [`${root}/h/b/x/g.txt`]: 'g' });
      const deep = await cli(['mv', '-r', `${u}/h/*/x`, `${u}/h/a/x`]);
      expect(deep).to.include({
        code: 1,
        err: `omnifs mv: cannot move ${u}/h/a/x to a subdirectory of itself, ${u}/h/a/x/x [EINVAL]\n`,
      });
      expect(await mem.find(`${root}/h`)).to.deep.equal([`${root}/h/a/x/f.txt`, `${root}/h/b/x/g.txt`]);
    });
    it('put uploads local files, get downloads to local disk, each refusing the wrong side', async () => {
      expect((await cli(['put', join(dir, 'local.txt'), `${u}/up/`])).code).to.equal(0);
      expect(await mem.readText(`${root}/up/local.txt`)).to.equal('local');
      expect((await cli(['get', '-r', `${u}/src`, join(dir, 'got')])).code).to.equal(0);
      expect(readFileSync(join(dir, 'got', 'a.txt'), 'utf8')).to.equal('alpha');
      expect((await cli(['put', `${u}/c.csv`, `${u}/x`])).code).to.equal(2);
      expect((await cli(['get', `${u}/c.csv`, `${u}/x`])).code).to.equal(2);
      expect(await mem.exists(`${root}/x`)).to.equal(false);
    });
  });

  describe('a source file deleted after the listing', () => {
    beforeEach(() => {
      registerImplementation('vanishing', VanishingFileSystem);
      victim = `${root}/src/sub/b.txt`;
    });
    afterEach(() => unregisterImplementation('vanishing'));
    const v = (): string => `vanishing://${root}`;

    it('cp -r and get -r skip it, name it and count the files copied (-q: silently); mv -r fails on it', async () => {
      const note = `omnifs cp: skipping ${v()}/src/sub/b.txt: it was removed before it was copied\n`;
      const r = await cli(['cp', '-r', `${v()}/src`, `${u}/dst`]);
      expect(r.code, r.err).to.equal(0);
      expect(r.err.startsWith(note), r.err).to.equal(true);
      expect(r.err.slice(note.length)).to.match(/^copied 1 file, 5 B in /);
      expect(await mem.find(`${root}/dst`)).to.deep.equal([`${root}/dst/a.txt`]);

      await mem.pipeFile(`${root}/src/sub/b.txt`, 'beta');
      victim = `${root}/src/sub/b.txt`;
      const got = await cli(['get', '-r', `${v()}/src`, join(dir, 'got')]);
      expect(got.code, got.err).to.equal(0);
      expect(got.err).to.match(
        /^omnifs get: skipping vanishing:\/\/.*\/src\/sub\/b\.txt: it was removed.*\ndownloaded 1 file, 5 B /,
      );
      expect(readdirSync(join(dir, 'got'))).to.deep.equal(['a.txt', 'sub']);

      await mem.pipeFile(`${root}/src/sub/b.txt`, 'beta');
      victim = `${root}/src/sub/b.txt`;
      const quiet = await cli(['cp', '-r', '-q', `${v()}/src`, `${u}/quiet`]);
      expect({ code: quiet.code, err: quiet.err }).to.deep.equal({ code: 0, err: '' });
      expect(await mem.find(`${root}/quiet`)).to.deep.equal([`${root}/quiet/a.txt`]);

      // mv fails on it, as fsspec's does, and removes no source.
      await mem.pipeFile(`${root}/src/sub/b.txt`, 'beta');
      victim = `${root}/src/sub/b.txt`;
      const moved = await cli(['mv', '-r', `${v()}/src`, `${u}/moved`]);
      expect(moved.code).to.equal(1);
      expect(moved.err).to.match(/^omnifs mv: .*src\/sub\/b\.txt.*no such file or directory.*\[ENOENT\]\n$/);
      expect(await mem.find(`${root}/src`)).to.deep.equal([`${root}/src/a.txt`]);
    });

    it('cp -r and get -r of a directory deleted so leave no directory for it at the target', async () => {
      victim = `${root}/src/sub`;
      const r = await cli(['cp', '-r', `${v()}/src`, `${u}/dst`]);
      expect({ code: r.code, out: r.out }, r.err).to.deep.equal({ code: 0, out: '' });
      expect(await mem.find(`${root}/dst`, { withDirs: true })).to.deep.equal([`${root}/dst`, `${root}/dst/a.txt`]);

      await mem.pipeFile(`${root}/src/sub/b.txt`, 'beta');
      victim = `${root}/src/sub`;
      const got = await cli(['get', '-r', `${v()}/src`, join(dir, 'got')]);
      expect(got.code, got.err).to.equal(0);
      expect(readdirSync(join(dir, 'got'))).to.deep.equal(['a.txt']);
    });
  });

  describe('rsync', () => {
    it('--dry-run prints the plan, then a run copies, --delete removes extras', async () => {
      const plan = await cli(['rsync', '--dry-run', `${u}/src`, `${u}/mirror`]);
      expect(plan.out).to.equal(
        `would copy ${u}/src/a.txt -> ${u}/mirror/a.txt\nwould copy ${u}/src/sub/b.txt -> ${u}/mirror/sub/b.txt\n`,
      );
      expect(plan.err).to.equal('2 to copy, 0 to delete, 0 unchanged\n');
      expect(await mem.exists(`${root}/mirror`)).to.equal(false);
      expect((await cli(['rsync', `${u}/src`, `${u}/mirror`])).err).to.match(
        /^2 copied, 0 deleted, 0 unchanged; 9 B in /,
      );
      await mem.writeText(`${root}/mirror/extra.txt`, 'x');
      expect((await cli(['rsync', `${u}/src`, `${u}/mirror`])).out).to.equal('');
      expect((await cli(['rsync', '--delete', `${u}/src`, `${u}/mirror`])).out).to.equal(
        `delete ${u}/mirror/extra.txt\n`,
      );
      expect(await mem.exists(`${root}/mirror/extra.txt`)).to.equal(false);
    });
    it('--checksum copies a same-size file whose content differs; --size-only does not', async () => {
      await cli(['rsync', `${u}/src`, `${u}/mirror`]);
      await mem.writeText(`${root}/mirror/a.txt`, 'ALPHA');
      expect((await cli(['rsync', '--size-only', `${u}/src`, `${u}/mirror`])).out).to.equal('');
      expect((await cli(['rsync', '--checksum', `${u}/src`, `${u}/mirror`])).out).to.equal(
        `copy ${u}/src/a.txt -> ${u}/mirror/a.txt\n`,
      );
      expect(await mem.readText(`${root}/mirror/a.txt`)).to.equal('alpha');
      expect((await cli(['rsync', '--checksum', '--size-only', `${u}/src`, `${u}/mirror`])).code).to.equal(2);
    });
  });

  describe('rm, mkdir, touch, sign', () => {
    it('rm removes files and globs, directories only with -r; -f ignores missing ones; -v names them', async () => {
      expect((await cli(['rm', `${u}/src`])).code).to.equal(1);
      expect((await cli(['rm', `${u}/nope`])).code).to.equal(1);
      expect((await cli(['rm', '-f', `${u}/nope`])).code).to.equal(0);
      await mem.writeText(`${root}/src/z.txt`, 'zeta');
      expect((await cli(['rm', '-v', `${u}/src/*.txt`])).out).to.equal(
        `removed ${u}/src/a.txt\nremoved ${u}/src/z.txt\n`,
      );
      expect(await mem.exists(`${root}/src/a.txt`)).to.equal(false);
      // A name with brackets is a pattern (as in fsspec): -v names the file it matched.
      await mem.pipe({ [`${root}/b/data[1].csv`]: 'x', [`${root}/b/data1.csv`]: 'y' });
      expect((await cli(['rm', '-v', `${u}/b/data[1].csv`])).out).to.equal(`removed ${u}/b/data1.csv\n`);
      expect((await cli(['rm', '-r', `${u}/src`])).code).to.equal(0);
      expect(await mem.exists(`${root}/src`)).to.equal(false);
    });
    it('rm draws the files removed out of their total on a terminal, or with --progress', async () => {
      const tree = (): Promise<void> =>
        mem.pipe({ [`${root}/t1/a`]: 'a', [`${root}/t1/b`]: 'b', [`${root}/t1/c/d`]: 'd', [`${root}/t2/e`]: 'e' });
      await tree();
      const drawn = await cli(['rm', '-r', `${u}/t1`, `${u}/t2`], { tty: 100 });
      expect(drawn).to.include({ code: 0, out: '', err: '' });
      // One frame, drawn in place and cleared at the end.
      const frames = drawn.progress.split('\r\x1b[K');
      expect(frames.length).to.equal(3);
      expect([frames[0], frames[2]]).to.deep.equal(['', '']);
      expect(frames[1]).to.match(/^1 \/ 3 files removed {2}\d+ files\/s {2}ETA 0:00$/);
      await tree();
      const forced = await cli(['rm', '-r', '--progress', `${u}/t1`, `${u}/t2`]);
      expect(forced.progress).to.match(/^1 \/ 3 files removed {2}\d+ files\/s {2}ETA 0:00\n$/);
      await tree();
      expect((await cli(['rm', '-r', `${u}/t1`, `${u}/t2`])).progress).to.equal('');
      expect(await mem.exists(`${root}/t1`)).to.equal(false);
    });
    it('rm checks every URL before removing any', async () => {
      expect((await cli(['rm', `${u}/c.csv`, `${u}/nope`])).code).to.equal(1);
      expect(await mem.exists(`${root}/c.csv`)).to.equal(true);
    });
    it('mkdir creates a directory, -p parents and tolerates an existing one', async () => {
      expect((await cli(['mkdir', `${u}/new`])).code).to.equal(0);
      expect((await cli(['mkdir', `${u}/new`])).code).to.equal(1);
      expect((await cli(['mkdir', '-p', `${u}/new/a/b`, `${u}/new`])).code).to.equal(0);
      expect(await mem.isDir(`${root}/new/a/b`)).to.equal(true);
    });
    it('touch creates an empty file and keeps an existing one', async () => {
      expect((await cli(['touch', `${u}/empty`, `${u}/c.csv`])).code).to.equal(0);
      expect(await mem.readText(`${root}/empty`)).to.equal('');
      expect(await mem.readText(`${root}/c.csv`)).to.equal('1,2\n');
      const r = await cli(['touch', `${u}/newdir/`]);
      expect(r.code).to.equal(1);
      expect(r.err).to.include('[EISDIR]');
      expect(await mem.exists(`${root}/newdir`)).to.equal(false);
    });
    it('sign says when a protocol has no signed URLs, and checks --expires-in', async () => {
      const r = await cli(['sign', `${u}/c.csv`]);
      expect(r.code).to.equal(1);
      expect(r.err).to.include('memory has no signed URLs [ENOTSUP]');
      expect((await cli(['sign', '--expires-in', 'soon', `${u}/c.csv`])).code).to.equal(2);
    });
  });

  describe('--bwlimit', () => {
    const MIB = 1024 * 1024;
    /** Runs the CLI, and how many seconds it took. */
    const timed = async (
      argv: string[],
      stdin?: Buffer,
    ): Promise<Awaited<ReturnType<typeof cli>> & { secs: number }> => {
      const startedAt = Date.now();
      const r = await cli(argv, stdin === undefined ? {} : { stdin });
      return { ...r, secs: (Date.now() - startedAt) / 1000 };
    };
    it('paces standard input that cp - copies to a file', async () => {
      const r = await timed(['cp', '-q', '--bwlimit', '1M', '-', `${u}/in.bin`], Buffer.alloc(MIB, 7));
      expect(r.code, r.err).to.equal(0);
      expect(r.secs).to.be.at.least(0.8);
      expect((await mem.cat(`${root}/in.bin`)).equals(Buffer.alloc(MIB, 7))).to.equal(true);
    });
    it('paces a file that cp copies to standard output', async () => {
      await mem.pipeFile(`${root}/big.bin`, Buffer.alloc(MIB, 9));
      const r = await timed(['cp', '--bwlimit', '1M', `${u}/big.bin`, '-']);
      expect(r.code, r.err).to.equal(0);
      expect(r.secs).to.be.at.least(0.8);
      expect(r.out).to.equal(Buffer.alloc(MIB, 9).toString());
    });
    it('is checked before standard input or output is touched', async () => {
      const r = await cli(['cp', '--bwlimit', 'fast', '-', `${u}/in.bin`], { stdin: 'x' });
      expect(r.code).to.equal(2);
      expect(r.err).to.match(/^omnifs cp: --bwlimit takes a size/);
      expect(await mem.exists(`${root}/in.bin`)).to.equal(false);
    });
  });

  describe('progress and interruption', () => {
    it('draws one line redrawn in place on a terminal, with rate and ETA, then the summary', async () => {
      await mem.pipeFile(`${root}/big.bin`, Buffer.alloc(3 * 1024 * 1024));
      const r = await cli(['cp', '--bwlimit', '6M', `${u}/big.bin`, join(dir, 'big.bin')], { tty: 100 });
      expect(r.code).to.equal(0);
      const frames = r.progress.split('\r\x1b[K').filter((f) => f !== '');
      expect(frames.length).to.be.greaterThan(2);
      expect(r.progress).not.to.include('\n');
      expect(frames[1]).to.match(/^[\d.]+ [KM]iB \/ 3\.0 MiB {2}\d+% {2}[\d.]+ [KM]iB\/s {2}ETA 0:0\d$/);
      expect(r.err).to.match(/^copied 1 file, 3\.0 MiB in 0\.\d\ds, [\d.]+ MiB\/s\n$/);
    });
    it('is off when standard error is not a terminal, unless --progress (then plain lines)', async () => {
      await mem.pipeFile(`${root}/big.bin`, Buffer.alloc(1536 * 1024));
      expect((await cli(['cp', '--bwlimit', '4M', `${u}/big.bin`, `${u}/b1`])).progress).to.equal('');
      const forced = await cli(['cp', '--progress', '--bwlimit', '4M', `${u}/big.bin`, `${u}/b2`]);
      expect(forced.progress).to.match(/^[\d.]+ [KM]i?B \/ 1\.5 MiB {2}\d+% .*ETA 0:0\d\n$/);
    });
    it('an abort mid-copy exits 130 and leaves no file', async () => {
      await mem.pipeFile(`${root}/big.bin`, Buffer.alloc(2 * 1024 * 1024));
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 300);
      const r = await cli(['cp', '--bwlimit', '1M', `${u}/big.bin`, join(dir, 'half.bin')], {
        signal: controller.signal,
      });
      expect(r.code).to.equal(130);
      expect(r.err).to.equal('omnifs cp: interrupted\n');
      expect(readdirSync(dir)).to.deep.equal(['local.txt']);
      expect(existsSync(join(dir, 'half.bin'))).to.equal(false);
    });
  });
});
