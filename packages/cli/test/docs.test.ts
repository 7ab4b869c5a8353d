/**
 * Every `$ omnifs ...` example of docs/cli.md, run in order as a user types them: each
 * command its own process of the executable, in one empty working directory, its output
 * compared with the page.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useServer } from '../../../test/servers/index';
import { spawnCli } from './helpers';

const PAGE = join(__dirname, '..', '..', '..', 'docs', 'cli.md');

/** A command line and the output the page shows for it. */
interface Example {
  command: string;
  expected: string[];
}

function examples(): Example[] {
  const out: Example[] = [];
  for (const block of readFileSync(PAGE, 'utf8').matchAll(/```console\n([\s\S]*?)```/g)) {
    for (const line of block[1]!.split('\n')) {
      if (line.startsWith('$ ')) out.push({ command: line.slice(2), expected: [] });
      else if (out.length > 0) out[out.length - 1]!.expected.push(line);
    }
  }
  for (const e of out) while (e.expected.length > 0 && e.expected[e.expected.length - 1] === '') e.expected.pop();
  return out;
}

/** Splits a command line as a shell would: words (quoted parts joined to what they touch), and `|` between stages. */
function stages(command: string): string[][] {
  const result: string[][] = [[]];
  for (const m of command.matchAll(/(\|)|((?:'[^']*'|"[^"]*"|[^\s'"|])+)/g)) {
    if (m[1] !== undefined) result.push([]);
    else result[result.length - 1]!.push(m[2]!.replace(/'([^']*)'|"([^"]*)"/g, '$1$2'));
  }
  return result;
}

/** A stage's leading `NAME=value` words, as a shell sets them for that command alone, and the rest. */
function assignments(words: string[]): { env: Record<string, string>; words: string[] } {
  const env: Record<string, string> = {};
  let i = 0;
  for (; i < words.length && /^[A-Z_][A-Z0-9_]*=/.test(words[i]!); i++) {
    const eq = words[i]!.indexOf('=');
    env[words[i]!.slice(0, eq)] = words[i]!.slice(eq + 1);
  }
  return { env, words: words.slice(i) };
}

/** The expected lines as a pattern: `…` within a line is any text, a line of `…` any lines. */
function pattern(lines: string[]): RegExp {
  const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const body = lines.map((l) => (l === '…' ? '(?:.*\\n)*?' : `${l.split('…').map(escape).join('.*?')}\\n`)).join('');
  return new RegExp(`^${body}$`);
}

describe('docs/cli.md', function () {
  this.timeout(60_000);
  const s3 = useServer('s3');
  let dir: string | undefined;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'omnifs-docs-'));
    mkdirSync(join(dir, 'checkpoints'));
    writeFileSync(join(dir, 'checkpoints', 'step-1.bin'), 'abcd');
    writeFileSync(join(dir, 'checkpoints', 'step-2.bin'), 'efgh');
  });
  after(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('shows every command with an example', () => {
    const { COMMANDS } = require('@omnifs/cli') as typeof import('@omnifs/cli');
    const shown = new Set(
      examples().flatMap((e) =>
        stages(e.command)
          .map((s) => assignments(s).words)
          .filter((s) => s[0] === 'omnifs')
          .map((s) => s[1]),
      ),
    );
    for (const c of COMMANDS)
      expect(
        [c.name, ...(c.aliases ?? [])].some((n) => shown.has(n)),
        c.name,
      ).to.equal(true);
  });

  it('prints what the page says for each example, in order', async () => {
    const env = {
      HOME: dir,
      OMNIFS_S3_ENDPOINT: s3.info.endpoint,
      OMNIFS_S3_FORCE_PATH_STYLE: 'true',
      OMNIFS_S3_REGION: s3.info.region,
      OMNIFS_S3_ACCESS_KEY_ID: s3.info.credentials.accessKeyId,
      OMNIFS_S3_SECRET_ACCESS_KEY: s3.info.credentials.secretAccessKey,
    };
    const all = examples();
    expect(all.length).to.be.greaterThan(30);
    for (const { command, expected } of all) {
      let input: string | undefined;
      let printed = '';
      const pipeline = stages(command);
      for (const [i, stage] of pipeline.entries()) {
        const { env: assigned, words } = assignments(stage);
        if (words[0] === 'echo') {
          input = `${words.slice(1).join(' ')}\n`;
          continue;
        }
        expect(words[0], command).to.equal('omnifs');
        // The store behind s3:// is named by variables, as the page says; other examples run without them.
        // `logs follow` runs until Ctrl-C: here, until a second has passed.
        const signal = words[1] === 'logs' && words[2] === 'follow' ? AbortSignal.timeout(1000) : undefined;
        const r = await spawnCli(words.slice(1), {
          cwd: dir,
          ...(signal ? { signal } : {}),
          env: { ...(command.includes('s3://') ? env : { HOME: dir }), ...assigned },
          ...(input === undefined ? {} : { stdin: input }),
        });
        // Standard output goes down the pipe; what the terminal shows is the errors and the last output.
        input = r.out;
        printed += i === pipeline.length - 1 ? r.all : r.err;
      }
      expect(printed, `$ ${command}`).to.match(pattern(expected));
    }
  });
});
