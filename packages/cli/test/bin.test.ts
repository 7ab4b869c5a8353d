/** The built `omnifs` executable in child processes, on local disk: every command, streams and exit codes. */
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import * as nodeModule from 'node:module';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, spawnCli } from './helpers';

describe('the omnifs executable on local disk', function () {
  this.timeout(60_000);
  let dir: string;
  let d: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'omnifs-bin-'));
    d = join(dir, 'data');
    mkdirSync(join(d, 'sub'), { recursive: true });
    writeFileSync(join(d, 'a.txt'), 'alpha\n');
    writeFileSync(join(d, 'sub', 'b.txt'), 'one\ntwo\nthree\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is a committed, executable file that loads the build', () => {
    expect(statSync(BIN).mode & 0o111).to.not.equal(0);
    const tracked = execFileSync('git', ['ls-files', '-s', BIN], { cwd: join(__dirname, '..') }).toString();
    expect(tracked).to.match(/^100755 /);
  });

  it('prints the version, help and a completion script', async () => {
    expect((await spawnCli(['--version'])).out).to.match(/^omnifs \d+\.\d+\.\d+\n$/);
    expect((await spawnCli(['help', 'rsync'])).out).to.include('--checksum');
    const script = (await spawnCli(['completion', 'bash'])).out;
    const words = execFileSync('bash', [
      '-c',
      `${script}\nCOMP_WORDS=(omnifs rs); COMP_CWORD=1; _omnifs; echo "\${COMPREPLY[@]}"`,
    ]).toString();
    expect(words.trim()).to.equal('rsync');
  });

  it('lists, finds, stats, sizes and draws local paths as written: absolute, or relative to the cwd', async () => {
    expect((await spawnCli(['ls', d])).out).to.equal(`${d}/a.txt\n${d}/sub/\n`);
    expect((await spawnCli(['ls', 'data'], { cwd: dir })).out).to.equal(`data/a.txt\ndata/sub/\n`);
    expect((await spawnCli(['find', './data'], { cwd: dir })).out).to.equal(`./data/a.txt\n./data/sub/b.txt\n`);
    expect((await spawnCli(['ls', '..'], { cwd: join(d, 'sub') })).out).to.equal(`../a.txt\n./\n`);
    expect((await spawnCli(['tree', 'data'], { cwd: dir })).out).to.match(/^data\/\n/);
    expect((await spawnCli(['ls', `file://${d}/sub`])).out).to.equal(`file://${d}/sub/b.txt\n`);
    expect((await spawnCli(['find', d])).out).to.equal(`${d}/a.txt\n${d}/sub/b.txt\n`);
    expect((await spawnCli(['glob', `${d}/**/*.txt`])).out).to.equal(`${d}/a.txt\n${d}/sub/b.txt\n`);
    expect((await spawnCli(['stat', `${d}/a.txt`])).out).to.include('size:     6\n');
    expect((await spawnCli(['du', '-s', d])).out).to.equal(`20\t${d}/\n`);
    expect((await spawnCli(['tree', d])).out).to.equal(
      `${d}/\n├── a.txt\n└── sub/\n    └── b.txt\n\n1 directory, 2 files\n`,
    );
  });

  it('cat, head and tail print files; - is standard input', async () => {
    expect((await spawnCli(['cat', `${d}/a.txt`, '-'], { stdin: 'piped\n' })).out).to.equal('alpha\npiped\n');
    expect((await spawnCli(['head', '-n', '1', `${d}/sub/b.txt`])).out).to.equal('one\n');
    expect((await spawnCli(['tail', '-n', '2', `${d}/sub/b.txt`])).out).to.equal('two\nthree\n');
    expect((await spawnCli(['tail', '-c', '3', `${d}/a.txt`])).out).to.equal('ha\n');
  });

  it('head -n/-c -N print all but the last N lines or bytes, tail -n/-c +N from the Nth on, as GNU', async () => {
    const g = join(dir, 'counts');
    mkdirSync(g);
    writeFileSync(join(g, 'nl'), 'l1\nl2\nl3\n');
    writeFileSync(join(g, 'nonl'), 'l1\nl2\nl3\nl4');
    // What GNU coreutils' head and tail print for each.
    for (const [argv, out] of [
      [['head', '-n', '-1', 'nl'], 'l1\nl2\n'],
      [['head', '-n', '-1', 'nonl'], 'l1\nl2\nl3\n'],
      [['head', '-n', '-0', 'nonl'], 'l1\nl2\nl3\nl4'],
      [['head', '-n', '-5', 'nl'], ''],
      [['head', '-n', '+2', 'nl'], 'l1\nl2\n'],
      [['head', '-c', '-3', 'nonl'], 'l1\nl2\nl3'],
      [['head', '-c', '-100', 'nl'], ''],
      [['tail', '-n', '+2', 'nonl'], 'l2\nl3\nl4'],
      [['tail', '-n', '+0', 'nl'], 'l1\nl2\nl3\n'],
      [['tail', '-n', '+10', 'nl'], ''],
      [['tail', '-n', '-2', 'nonl'], 'l3\nl4'],
      [['tail', '-c', '+2', 'nl'], '1\nl2\nl3\n'],
      [['head', '-n', '-2', 'nl', 'nonl'], '==> nl <==\nl1\n\n==> nonl <==\nl1\nl2\n'],
      [['tail', '-n', '+3', 'nl', 'nonl'], '==> nl <==\nl3\n\n==> nonl <==\nl3\nl4'],
    ] as const)
      expect(await spawnCli([...argv], { cwd: g }), argv.join(' ')).to.include({ code: 0, out, err: '' });
  });

  it('cp from standard input, cp -r, mv, rsync, rm, mkdir, touch, put and get change the disk', async () => {
    const w = join(dir, 'work');
    expect((await spawnCli(['mkdir', w])).code).to.equal(0);
    expect((await spawnCli(['cp', '-', `${w}/in.txt`], { stdin: 'streamed' })).code).to.equal(0);
    expect(readFileSync(`${w}/in.txt`, 'utf8')).to.equal('streamed');
    const cp = await spawnCli(['cp', '-r', d, `${w}/copy`]);
    expect(cp.err).to.match(/^copied 2 files, 20 B in /);
    expect(readFileSync(`${w}/copy/sub/b.txt`, 'utf8')).to.equal('one\ntwo\nthree\n');
    expect((await spawnCli(['mv', `${w}/in.txt`, `${w}/moved.txt`])).code).to.equal(0);
    expect(existsSync(`${w}/in.txt`)).to.equal(false);
    expect((await spawnCli(['rsync', '--delete', d, `${w}/copy`])).out).to.equal('');
    expect((await spawnCli(['touch', `${w}/t`])).code).to.equal(0);
    expect(readFileSync(`${w}/t`, 'utf8')).to.equal('');
    expect((await spawnCli(['put', `${d}/a.txt`, 'memory:///x'])).code).to.equal(0);
    expect((await spawnCli(['get', `${d}/a.txt`, `${w}/got.txt`])).code).to.equal(0);
    expect((await spawnCli(['rm', '-r', `${w}/copy`, `${w}/t`])).code).to.equal(0);
    expect(existsSync(`${w}/copy`)).to.equal(false);
  });

  it('exits 1 for failures and 2 for usage errors, with one line on standard error', async () => {
    const missing = await spawnCli(['cat', join(dir, 'nope')]);
    expect(missing).to.include({
      code: 1,
      out: '',
      err: `omnifs cat: ${join(dir, 'nope')}: no such file or directory [ENOENT]\n`,
    });
    const dirNoR = await spawnCli(['cp', d, join(dir, 'x')]);
    expect(dirNoR.code).to.equal(1);
    expect(existsSync(join(dir, 'x'))).to.equal(false);
    for (const argv of [
      ['du', join(dir, 'nope')],
      ['find', join(dir, 'nope')],
    ])
      expect((await spawnCli(argv)).code).to.equal(1);
    // A file onto itself, as GNU cp refuses it, relative paths spelt two ways.
    for (const cmd of ['cp', 'mv']) {
      const same = await spawnCli([cmd, 'a.txt', './'], { cwd: d });
      expect(same, cmd).to.include({
        code: 1,
        out: '',
        err: `omnifs ${cmd}: a.txt and ./a.txt are the same file [EINVAL]\n`,
      });
    }
    expect(readFileSync(join(d, 'a.txt'), 'utf8')).to.equal('alpha\n');
    const usage = await spawnCli(['cp', '--nope', `${d}/a.txt`, join(dir, 'y')]);
    expect(usage.code).to.equal(2);
    expect(existsSync(join(dir, 'y'))).to.equal(false);
    const negative = await spawnCli(['find', '--max-depth', '-1', d]);
    expect(negative).to.include({ code: 2, out: '' });
    expect(negative.err).to.match(/^omnifs find: --max-depth must be an integer >= 1, got "-1"\nusage: omnifs find /);
    expect((await spawnCli([])).code).to.equal(2);
  });

  it("config hdfs shows the fs.defaultFS of the directory hadoopConfDir names, not HADOOP_CONF_DIR's", async () => {
    const site = (name: string, fs: string): string => {
      mkdirSync(join(dir, name), { recursive: true });
      writeFileSync(
        join(dir, name, 'core-site.xml'),
        `<configuration><property><name>fs.defaultFS</name><value>${fs}</value></property></configuration>`,
      );
      return join(dir, name);
    };
    const fromEnv = site('hadoop-env', 'hdfs://from-env');
    const named = site('hadoop-named', 'hdfs://named');
    const env = { HOME: dir, HADOOP_CONF_DIR: fromEnv };
    const flag = await spawnCli(['config', 'hdfs', '-o', `hadoopConfDir=${named}`], { env });
    expect(flag).to.include({ code: 0, err: '' });
    expect(flag.out.split('\n').slice(2)).to.deep.equal([
      `hdfs.hadoopConfDir = ${named}    (flag: -o hadoopConfDir)`,
      `hdfs HADOOP_CONF_DIR = ${fromEnv}    (env)`,
      `hdfs fs.defaultFS = hdfs://named    (file: ${join(named, 'core-site.xml')})`,
      '',
    ]);
    // Named by a variable of omnifs's, as JSON.
    const variable = await spawnCli(['config', '--json', 'hdfs'], {
      env: { ...env, OMNIFS_HDFS_HADOOP_CONF_DIR: named },
    });
    expect(variable).to.include({ code: 0, err: '' });
    expect(JSON.parse(variable.out)).to.deep.include({
      protocol: 'hdfs',
      setting: 'fs.defaultFS',
      value: 'hdfs://named',
      source: 'file',
      from: join(named, 'core-site.xml'),
    });
    // A directory that does not exist fails as an hdfs:// URL made with it would, after the rest is shown.
    const gone = await spawnCli(['config', 'hdfs', '-o', `hdfs.hadoopConfDir=${join(dir, 'nope')}`], { env });
    expect(gone).to.include({
      code: 2,
      err: `omnifs config: the Hadoop configuration directory ${join(dir, 'nope')} (hadoopConfDir) does not exist [EINVAL]\n`,
    });
    expect(gone.out).to.include(`hdfs HADOOP_CONF_DIR = ${fromEnv}    (env)`).and.not.include('from-env');
    // ... and so does one that is not a string.
    writeFileSync(join(dir, 'hdfs-config.json'), JSON.stringify({ hdfs: { hadoopConfDir: 5 } }));
    const typed = await spawnCli(['config', 'hdfs'], { env: { ...env, OMNIFS_CONFIG: join(dir, 'hdfs-config.json') } });
    expect(typed).to.include({
      code: 2,
      err: "omnifs config: option 'hadoopConfDir' of hdfs must be a string, got 5 [EINVAL]\n",
    });
    expect(typed.out).to.not.include('from-env');
  });

  it('cp and mv name each file that lands on itself, copy the rest and exit 1, as GNU cp and mv', async () => {
    const g = join(dir, 'same');
    mkdirSync(join(g, 'd', 'sub'), { recursive: true });
    writeFileSync(join(g, 'd', 'a'), 'a\n');
    writeFileSync(join(g, 'd', 'sub', 'b'), 'b\n');
    writeFileSync(join(g, 'c'), 'c\n');
    const same = (cmd: string, path: string, what = 'file'): string =>
      `omnifs ${cmd}: ${path} and ${path} are the same ${what} [EINVAL]\n`;
    // GNU `cp -r d/* c d/`: "cp: 'd/a' and 'd/a' are the same file", the same of 'd/sub', c copied, exit 1.
    for (const argv of [
      ['cp', '-r', 'd/*', 'c', 'd/'],
      ['cp', '-r', 'd/a', 'd/sub', 'c', 'd'],
    ]) {
      rmSync(join(g, 'd', 'c'), { force: true });
      const r = await spawnCli(argv, { cwd: g });
      expect({ ...r, err: r.err.replace(/ in .*\n$/, '\n') }, argv.join(' ')).to.include({
        code: 1,
        out: '',
        err: `${same('cp', 'd/a')}${same('cp', 'd/sub', 'directory')}copied 1 file, 2 B\n`,
      });
      expect(readFileSync(join(g, 'd', 'c'), 'utf8')).to.equal('c\n');
    }
    // GNU `mv d/* d/`: each of them the same file, nothing moved, exit 1.
    const mv = await spawnCli(['mv', '-r', 'd/*', 'd/'], { cwd: g });
    expect(mv).to.include({
      code: 1,
      out: '',
      err: same('mv', 'd/a') + same('mv', 'd/c') + same('mv', 'd/sub', 'directory'),
    });
    expect(readdirSync(join(g, 'd')).sort()).to.deep.equal(['a', 'c', 'sub']);
    expect(readFileSync(join(g, 'd', 'a'), 'utf8')).to.equal('a\n');
    expect(readFileSync(join(g, 'd', 'sub', 'b'), 'utf8')).to.equal('b\n');
  });

  it('names the paths of what lands on itself or is left out as they were written, as GNU cp and mv', async () => {
    const g = join(dir, 'spelt');
    mkdirSync(join(g, 'd', 'sub'), { recursive: true });
    writeFileSync(join(g, 'd', 'a'), 'a\n');
    const cwd = join(g, 'd');
    const same = (cmd: string, src: string, dst: string, what = 'file'): string =>
      `omnifs ${cmd}: ${src} and ${dst} are the same ${what} [EINVAL]\n`;
    // What GNU cp and mv print in d: the source as given, the destination as given joined with its name.
    for (const [argv, err] of [
      [['cp', 'a', '../d/'], same('cp', 'a', '../d/a')],
      [['cp', 'a', '../d//'], same('cp', 'a', '../d/a')],
      [['cp', 'a', '.'], same('cp', 'a', './a')],
      [['cp', 'a', './a'], same('cp', 'a', './a')],
      [['cp', '../d/a', '../d'], same('cp', '../d/a', '../d/a')],
      [['cp', '-r', '../d/sub', '../d'], same('cp', '../d/sub', '../d/sub', 'directory')],
      [['mv', 'a', './sub/../a'], same('mv', 'a', './sub/../a')],
      [['mv', '-r', 'sub', '../d'], same('mv', 'sub', '../d/sub', 'directory')],
      // A glob's matches as the shell spells them: GNU `cp ../d/* ../d/`.
      [
        ['cp', '../d/*', '../d/'],
        `${same('cp', '../d/a', '../d/a')}omnifs cp: -r not specified; omitting directory ../d/sub [EISDIR]\n`,
      ],
      [
        ['cp', '*', `${cwd}/`],
        same('cp', 'a', `${cwd}/a`) + `omnifs cp: -r not specified; omitting directory sub [EISDIR]\n`,
      ],
    ] as const)
      expect(await spawnCli([...argv], { cwd }), argv.join(' ')).to.include({ code: 1, out: '', err });
    expect(readdirSync(cwd).sort()).to.deep.equal(['a', 'sub']);
    expect(readFileSync(join(cwd, 'a'), 'utf8')).to.equal('a\n');
  });

  it('cp without -r copies the files, names each directory it leaves out and exits 1, as GNU cp', async () => {
    const g = join(dir, 'omit');
    mkdirSync(join(g, 'd', 'sub'), { recursive: true });
    mkdirSync(join(g, 'd', 'sub2'));
    writeFileSync(join(g, 'd', 'a'), 'a\n');
    writeFileSync(join(g, 'd', 'b'), 'b\n');
    writeFileSync(join(g, 'd', 'sub', 'x'), 'x\n');
    const omitting = (cmd: string, path: string): string =>
      `omnifs ${cmd}: -r not specified; omitting directory ${path} [EISDIR]\n`;
    const fresh = (): void => {
      rmSync(join(g, 'e'), { recursive: true, force: true });
      mkdirSync(join(g, 'e'));
    };
    // GNU `cp d/* e/`: "cp: -r not specified; omitting directory 'd/sub'", the same of 'd/sub2',
    // d/a and d/b copied, exit 1; with the shell's glob and with omnifs's own.
    for (const argv of [
      ['cp', 'd/a', 'd/b', 'd/sub', 'd/sub2', 'e/'],
      ['cp', 'd/*', 'e/'],
    ]) {
      fresh();
      const r = await spawnCli(argv, { cwd: g });
      expect({ ...r, err: r.err.replace(/ in .*\n$/, '\n') }, argv.join(' ')).to.include({
        code: 1,
        out: '',
        err: `${omitting('cp', 'd/sub')}${omitting('cp', 'd/sub2')}copied 2 files, 4 B\n`,
      });
      expect(readdirSync(join(g, 'e')).sort(), argv.join(' ')).to.deep.equal(['a', 'b']);
    }
    // Only directories: each named, nothing copied.
    fresh();
    expect(await spawnCli(['cp', 'd/sub', 'd/sub2/', 'e/'], { cwd: g })).to.include({
      code: 1,
      out: '',
      err: omitting('cp', 'd/sub') + omitting('cp', 'd/sub2/'),
    });
    expect(readdirSync(join(g, 'e'))).to.deep.equal([]);
    // mv refuses a directory named without -r before anything moves; its glob moves the files.
    expect(await spawnCli(['mv', 'd/a', 'd/sub', 'e/'], { cwd: g })).to.include({
      code: 1,
      out: '',
      err: 'omnifs mv: d/sub is a directory: use mv -r to move it [EISDIR]\n',
    });
    expect(readdirSync(join(g, 'd')).sort()).to.deep.equal(['a', 'b', 'sub', 'sub2']);
    const mv = await spawnCli(['mv', 'd/*', 'e/'], { cwd: g });
    expect({ ...mv, err: mv.err.replace(/ in .*\n$/, '\n') }).to.include({
      code: 1,
      out: '',
      err: `${omitting('mv', 'd/sub')}${omitting('mv', 'd/sub2')}moved 2 files, 4 B\n`,
    });
    expect(readdirSync(join(g, 'd')).sort()).to.deep.equal(['sub', 'sub2']);
    expect(readdirSync(join(g, 'e')).sort()).to.deep.equal(['a', 'b']);
  });

  it('stops at the first Ctrl-C while a metadata call waits on a server that never answers', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      for (const args of [['cat'], ['ls'], ['stat'], ['mkdir', '-p']]) {
        const controller = new AbortController();
        const asked = spawnCli([...args, '--endpoint-url', `http://127.0.0.1:${port}`, 's3://bucket/key'], {
          env: { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', AWS_REGION: 'us-east-1' },
          signal: controller.signal,
        });
        await new Promise((r) => setTimeout(r, 700));
        const interruptedAt = Date.now();
        controller.abort();
        const r = await asked;
        expect(r.code, `${args[0]}: ${r.err}`).to.equal(130);
        expect(r.err).to.match(/interrupted/);
        // A request timeout is a minute: anything near that means the Ctrl-C was not heard.
        expect(Date.now() - interruptedAt, args[0]).to.be.below(5000);
      }
    } finally {
      silent.close();
    }
  });

  it('fails fast on a server that never answers with -o requestTimeout and -o maxAttempts (docs/cli.md)', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const env = { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', AWS_REGION: 'us-east-1' };
    const endpoint = ['--endpoint-url', `http://127.0.0.1:${port}`];
    try {
      const once = await spawnCli(['ls', '-o', 'requestTimeout=500', '-o', 'maxAttempts=1', ...endpoint, 's3://b/'], {
        env,
      });
      expect(once.code).to.equal(1);
      expect(once.err).to.match(
        /^omnifs ls: s3 info "b": no answer to HEAD 127\.0\.0\.1 within 500 ms \[ETIMEDOUT\]\n$/,
      );
      const thrice = await spawnCli(['ls', '-o', 'requestTimeout=500', ...endpoint, 's3://b/'], { env });
      expect(thrice.err).to.match(/within 500 ms \(after 3 attempts\) \[ETIMEDOUT\]\n$/);
    } finally {
      silent.close();
    }
  });

  it('cleans up on TERM and HUP as on Ctrl-C, exiting 143 and 129, with no warning', async () => {
    const big = join(dir, 'big.bin');
    writeFileSync(big, Buffer.alloc(4 * 1024 * 1024));
    for (const [kill, status] of [
      ['SIGTERM', 143],
      ['SIGHUP', 129],
    ] as const) {
      const target = join(dir, `to-${kill}`);
      mkdirSync(target);
      const controller = new AbortController();
      const running = spawnCli(['cp', '--bwlimit', '2M', big, join(target, 'big.bin')], {
        signal: controller.signal,
        kill,
      });
      await new Promise((r) => setTimeout(r, 700));
      controller.abort();
      const r = await running;
      expect(r.code, `${kill}: ${r.err}`).to.equal(status);
      expect(r.err).to.equal('omnifs cp: interrupted\n');
      expect(readdirSync(target), kill).to.deep.equal([]);
    }
    // A recursive copy of many files shares one signal among its transfers: no listener warning.
    const many = join(dir, 'many');
    mkdirSync(many);
    for (let i = 0; i < 40; i++) writeFileSync(join(many, `f${i}`), 'x');
    const r = await spawnCli(['cp', '-q', '-r', many, 'memory:///many-copy']);
    expect(r.code, r.err).to.equal(0);
    expect(r.err).to.equal('');
  });

  it('stops quietly when the reader of its output goes away', () => {
    writeFileSync(join(dir, 'lines.txt'), 'line\n'.repeat(200_000));
    const out = execFileSync('bash', [
      '-c',
      `set -o pipefail; node ${BIN} cat ${join(dir, 'lines.txt')} | head -n 1`,
    ]).toString();
    expect(out).to.equal('line\n');
  });

  it("notes that memory:// is gone once the command exits; mkdir's and tree's examples run as written", async () => {
    const wrote = await spawnCli(['cp', '-', 'memory:///x.txt'], { stdin: 'hi\n' });
    expect(wrote.code).to.equal(0);
    expect(wrote.err).to.include('omnifs: note: memory:// lives in the process of one command');
    const cwd = mkdtempSync(join(tmpdir(), 'omnifs-cli-examples-'));
    try {
      for (const name of ['mkdir', 'tree']) {
        const example = /example:\n {2}omnifs (.*)\n/.exec((await spawnCli(['help', name])).out)![1]!;
        const r = await spawnCli(example.split(' '), { cwd });
        expect({ code: r.code, err: r.err }, example).to.deep.equal({ code: 0, err: '' });
      }
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('fails, with one line, when standard output refuses its writes (a full disk: /dev/full)', () => {
    writeFileSync(join(dir, 'big.bin'), Buffer.alloc(300_000, 1));
    for (const args of [
      ['ls', d],
      ['ls', '--json', d],
      ['find', d],
      ['stat', `${d}/a.txt`],
      ['cat', join(dir, 'big.bin')],
    ]) {
      const r = spawnSync('bash', ['-c', `node ${BIN} ${args.join(' ')} > /dev/full`], { encoding: 'utf8' });
      expect(r.status, args.join(' ')).to.equal(1);
      expect(r.stderr, args.join(' ')).to.match(/^omnifs: cannot write to standard output: .*\[ENOSPC\]\n$/);
    }
  });

  it("keeps compiled code in Node's compile cache between runs where Node has one", async () => {
    const cached = (tmp: string) => {
      const root = join(tmp, 'node-compile-cache');
      if (!existsSync(root)) return [];
      return readdirSync(root, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => join(e.parentPath, e.name))
        .sort();
    };
    const on = join(dir, 'cache-on');
    const off = join(dir, 'cache-off');
    mkdirSync(on);
    mkdirSync(off);
    const run = (tmp: string, env: Record<string, string> = {}) =>
      spawnCli(['stat', `${d}/a.txt`], { env: { TMPDIR: tmp, ...env } });
    expect((await run(on)).out).to.include('size:     6\n');
    expect((await run(off, { NODE_DISABLE_COMPILE_CACHE: '1' })).out).to.include('size:     6\n');
    expect(cached(off)).to.deep.equal([]);
    // Node 22.1 and later: the CLI, core and the backend it loaded, kept under the default directory.
    if (typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache !== 'function') {
      expect(cached(on)).to.deep.equal([]);
      return;
    }
    const first = cached(on);
    expect(first.length).to.be.at.least(10);
    expect((await run(on)).out).to.include('size:     6\n');
    expect(cached(on)).to.deep.equal(first);
  });
});
