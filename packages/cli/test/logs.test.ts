/** `omnifs logs follow|ls` over runs written by @omnifs/logsync, and `omnifs gc` of what killed writes left. */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filesystem } from '@omnifs/core';
import { createLogSync } from '@omnifs/logsync';
import { BIN, cli, spawnCli } from './helpers';

describe('omnifs logs and gc', function () {
  this.timeout(30_000);
  let dir: string;
  let logDir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'omnifs-logs-'));
    logDir = `memory:///logs-${randomBytes(4).toString('hex')}`;
    const log = await createLogSync({
      logDir,
      experiment: 'run-1',
      spoolDir: join(dir, 'spool'),
      handleSignals: false,
    });
    log.info('epoch 1 loss=0.52');
    log.info('epoch 2 loss=0.31');
    await log.epochEnd(2, { loss: 0.31 });
    await log.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('logs ls lists the runs with their last update, size and last metrics; --json for scripts', async () => {
    const r = await cli(['logs', 'ls', logDir]);
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.match(
      new RegExp(`^\\d{4}-\\d\\d-\\d\\d [\\d:]{8} +\\d+  ${logDir}/run-1  \\{.*"loss":0\\.31.*\\}\\n$`),
    );
    const rows = JSON.parse((await cli(['logs', 'ls', '--json', logDir])).out) as Array<{
      url: string;
      name: string;
    }>;
    expect(rows.map((x) => [x.name, x.url])).to.deep.equal([['run-1', `${logDir}/run-1`]]);
  });

  it('logs follow --from-start prints the lines already logged, then follows until interrupted', async () => {
    const controller = new AbortController();
    const following = cli(['logs', 'follow', '--from-start', `${logDir}/run-1`], { signal: controller.signal });
    const log = filesystem('memory');
    await new Promise((r) => setTimeout(r, 300));
    const path = `${logDir.slice('memory://'.length)}/run-1/training.log`;
    const before = await log.readText(path);
    await log.writeText(path, `${before}a line written later\n`);
    await new Promise((r) => setTimeout(r, 1500));
    controller.abort();
    const r = await following;
    const lines = r.out.trim().split('\n');
    expect(lines[0]).to.include('epoch 1 loss=0.52');
    expect(lines[1]).to.include('epoch 2 loss=0.31');
    expect(lines[lines.length - 1]).to.equal('a line written later');
  });

  it('the executable follows a run on local disk until Ctrl-C, then exits 130', async () => {
    const local = join(dir, 'runs');
    const log = await createLogSync({ logDir: local, experiment: 'run-2', handleSignals: false });
    log.info('step 1');
    await log.close();
    const child = spawn(process.execPath, [BIN, 'logs', 'follow', '--from-start', join(local, 'run-2')], {
      stdio: 'pipe',
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const deadline = Date.now() + 10_000;
    while (!out.includes('step 1') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).to.equal(130);
    expect(out.trim().split('\n')).to.have.length(1);
  });

  it('logs takes follow or ls', async () => {
    expect((await cli(['logs', 'tail', logDir])).code).to.equal(2);
  });

  it('logs ls and gc of a URL that is not there fail with NotFound: a typo is not an empty store', async () => {
    const typo = join(dir, 'no-such-dir');
    for (const argv of [
      ['gc', typo],
      ['logs', 'ls', typo],
      ['logs', 'ls', `${logDir}-typo`],
    ]) {
      const r = await cli(argv);
      expect(r.code, argv.join(' ')).to.equal(1);
      expect(r.err, argv.join(' ')).to.match(/no such file or directory.*\[ENOENT\]\n$/);
    }
  });

  it('gc removes old temporary files of killed writes, keeps young ones, and --dry-run only reports', async () => {
    const temp = join(dir, '.model.bin.omnifs-0123456789ab.tmp');
    writeFileSync(temp, 'partial');
    writeFileSync(join(dir, 'model.bin'), 'whole');
    const young = await spawnCli(['gc', dir]);
    expect(young).to.include({ code: 0, out: '', err: '0 removed, 1 kept as younger than 1d\n' });
    const old = new Date(Date.now() - 2 * 3600_000);
    utimesSync(temp, old, old);
    const dry = await spawnCli(['gc', '--dry-run', '--older-than', '1h', dir]);
    expect(dry.out).to.equal(`would remove ${temp} (temporary file, 7 B)\n`);
    expect(existsSync(temp)).to.equal(true);
    const r = await spawnCli(['gc', '--older-than', '1h', `file://${dir}`]);
    expect(r).to.include({
      code: 0,
      out: `removed file://${temp} (temporary file, 7 B)\n`,
      err: '1 removed, 0 kept as younger than 1h\n',
    });
    expect(existsSync(temp)).to.equal(false);
    expect(existsSync(join(dir, 'model.bin'))).to.equal(true);
  });
});
