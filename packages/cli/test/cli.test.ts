import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { main, type Output } from '@omnifs/cli';
import { filesystem } from '@omnifs/core';

const run = promisify(execFile);
const bin = require.resolve('@omnifs/cli/package.json').replace(/package\.json$/, 'dist/bin.js');

/** Runs the CLI in-process, capturing what it prints. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Output = { out: (t) => { out += `${t}\n`; }, raw: (b) => { out += Buffer.from(b).toString(); }, err: (t) => { err += `${t}\n`; } };
  const code = await main(argv, io);
  return { code, out, err };
}

describe('cli', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'omnifs-cli-'));
    writeFileSync(join(dir, 'a.txt'), 'alpha');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'b.txt'), 'beta');
  });

  it('lists a directory, with details on -l', async () => {
    expect((await cli('ls', dir)).out).to.equal(`${dir}/a.txt\n${dir}/sub\n`);
    const long = (await cli('ls', '-l', dir)).out.split('\n');
    expect(long[0]).to.match(/^- +5 \d{4}-.* .*\/a\.txt$/);
    expect(long[1]).to.match(/^d +0 /);
  });

  it('prints files with cat, and byte ranges with head and tail', async () => {
    expect((await cli('cat', `${dir}/a.txt`, `${dir}/sub/b.txt`)).out).to.equal('alphabeta');
    expect((await cli('head', '-n', '2', `${dir}/a.txt`)).out).to.equal('al');
    expect((await cli('tail', '-n', '3', `${dir}/a.txt`)).out).to.equal('pha');
  });

  it('copies a directory from local disk to memory and back', async () => {
    expect((await cli('cp', '-r', `${dir}/`, 'memory:///cli-copy/')).code).to.equal(0);
    expect(await filesystem('memory').find('/cli-copy')).to.deep.equal(['/cli-copy/a.txt', '/cli-copy/sub/b.txt']);
    expect((await cli('cp', '-r', 'memory:///cli-copy/', `${dir}-back/`)).code).to.equal(0);
    expect(readFileSync(`${dir}-back/sub/b.txt`, 'utf8')).to.equal('beta');
  });

  it('moves and removes', async () => {
    await cli('mv', `${dir}/a.txt`, `${dir}/moved.txt`);
    expect(existsSync(`${dir}/a.txt`)).to.equal(false);
    expect(readFileSync(`${dir}/moved.txt`, 'utf8')).to.equal('alpha');
    expect((await cli('rm', `${dir}/sub`)).code).to.equal(1);
    expect((await cli('rm', '-r', `${dir}/sub`)).code).to.equal(0);
    expect(existsSync(`${dir}/sub`)).to.equal(false);
  });

  it('syncs a directory with rsync: a dry run first, then only what changed, --delete removing extras', async () => {
    const dst = join(dir, 'mirror');
    const plan = await cli('rsync', '--dry-run', `${dir}/sub`, dst);
    expect(plan).to.deep.equal({ code: 0, out: `would copy ${dir}/sub/b.txt -> ${dst}/b.txt\n`, err: '1 to copy, 0 to delete, 0 unchanged\n' });
    expect(existsSync(dst)).to.equal(false);
    expect((await cli('rsync', `${dir}/sub`, dst)).out).to.equal(`copy ${dir}/sub/b.txt -> ${dst}/b.txt\n`);
    writeFileSync(join(dst, 'extra.txt'), 'x');
    expect(await cli('rsync', `${dir}/sub`, dst)).to.deep.equal({ code: 0, out: '', err: '0 copied, 0 deleted, 1 unchanged\n' });
    expect((await cli('rsync', '--delete', `${dir}/sub`, dst)).out).to.equal(`delete ${dst}/extra.txt\n`);
    expect(existsSync(join(dst, 'extra.txt'))).to.equal(false);
    expect(readFileSync(join(dst, 'b.txt'), 'utf8')).to.equal('beta');
  });

  it('reports a missing file with its code and exit status 1', async () => {
    const r = await cli('info', `${dir}/nope`);
    expect(r.code).to.equal(1);
    expect(r.err).to.include('[ENOENT]').and.include('nope');
  });

  it('rejects unknown commands and bad options with exit status 2 and the usage', async () => {
    for (const argv of [['bogus'], ['ls', '--nope'], ['head', '-n', 'x', `${dir}/a.txt`], []]) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).to.equal(2);
      expect(r.err).to.match(/usage: omnifs|must be a positive integer/);
    }
  });

  it('runs as the omnifs executable', async () => {
    const { stdout } = await run(process.execPath, [bin, 'cat', `file://${dir}/a.txt`]);
    expect(stdout).to.equal('alpha');
  });
});
