/**
 * The progress display in a real terminal (tmux): one line redrawn in place with bytes,
 * percentage, rate and ETA, replaced by the summary; Ctrl-C mid-copy exits 130 and leaves
 * nothing behind.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BIN } from './helpers';

const SOCKET = `omnifs-test-${process.pid}`;
const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
const PROGRESS = /^[\d.]+ [KMG]?i?B \/ 200\.0 MiB {2}\d+% {2}[\d.]+ MiB\/s {2}ETA \d+:\d\d$/;

function hasTmux(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Starts `omnifs ARGS` in a detached 100x20 terminal; the pane shows EXIT=<status> when it ends. */
function start(session: string, args: string[]): void {
  const command = `${process.execPath} ${BIN} ${args.join(' ')}; echo EXIT=$?; sleep 60`;
  tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '20', command);
}

const pane = (session: string): string[] =>
  tmux('capture-pane', '-p', '-t', session)
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l !== '');

async function until(session: string, test: (lines: string[]) => boolean, ms = 20_000): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const lines = pane(session);
    if (test(lines)) return lines;
    if (Date.now() > deadline) throw new Error(`pane never matched; it shows:\n${lines.join('\n')}`);
    await sleep(100);
  }
}

describe('omnifs progress in a terminal (tmux)', function () {
  this.timeout(60_000);
  let dir: string;
  let src: string;

  before(function () {
    if (!hasTmux()) {
      if (process.env.CI === 'true') throw new Error('tmux is not installed; .ci/run installs it');
      process.stderr.write(
        '\n!!! SKIPPING the terminal tests: tmux is not installed. To run them: apt-get install -y tmux\n\n',
      );
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'omnifs-tty-'));
    src = join(dir, 'big.bin');
    writeFileSync(src, '');
    truncateSync(src, 200 * 1024 * 1024); // sparse: 200 MiB to read, nothing to write first
  });
  after(() => {
    try {
      tmux('kill-server');
    } catch {
      // no server was started
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a 200 MiB copy shows one line redrawn in place with rate and ETA, then the summary', async () => {
    start('copy', ['cp', '--bwlimit', '100M', src, join(dir, 'copy.bin')]);
    const seen = new Set<string>();
    while (seen.size < 3) {
      const lines = pane('copy');
      if (lines.some((l) => l.startsWith('EXIT='))) break;
      const progress = lines.filter((l) => PROGRESS.test(l));
      // Never more than one progress line on the screen: each drawing replaces the last.
      expect(progress.length, lines.join('\n')).to.be.at.most(1);
      if (progress[0] !== undefined) seen.add(progress[0]);
      await sleep(150);
    }
    expect(seen.size, [...seen].join('\n')).to.be.at.least(3);
    const end = await until('copy', (l) => l.some((x) => x.startsWith('EXIT=')));
    // The progress line is gone: only the summary and the exit status remain.
    expect(end).to.have.length(2);
    expect(end[1]).to.equal('EXIT=0');
    expect(end[0]).to.match(/^copied 1 file, 200\.0 MiB in \d+\.\d+s, [\d.]+ MiB\/s$/);
  });

  it('Ctrl-C mid-copy exits 130 and leaves no file, not even a temporary one', async () => {
    start('abort', ['cp', '--bwlimit', '20M', src, join(dir, 'aborted.bin')]);
    await until('abort', (l) => l.some((x) => PROGRESS.test(x)));
    tmux('send-keys', '-t', 'abort', 'C-c');
    const end = await until('abort', (l) => l.some((x) => x.startsWith('EXIT=')));
    expect(end.join('\n')).to.match(/omnifs cp: interrupted\nEXIT=130$/);
    expect(existsSync(join(dir, 'aborted.bin'))).to.equal(false);
    expect(readdirSync(dir).filter((f) => f !== 'big.bin' && f !== 'copy.bin')).to.deep.equal([]);
  });
});
