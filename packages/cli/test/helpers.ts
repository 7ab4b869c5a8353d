/** Running the CLI in tests: in this process (memory:// state is shared), or as the built executable. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { main, type Io } from '@omnifs/cli';

/** The committed executable npm links as `omnifs`. */
export const BIN = join(__dirname, '..', 'bin', 'omnifs.js');

/** What a CLI run printed and returned. */
export interface CliRun {
  code: number | null;
  out: string;
  err: string;
  /** Standard output and error interleaved as written. */
  all: string;
}

/** Options of a run. */
export interface CliRunOptions {
  stdin?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  /** In process: pretend standard error is a terminal of this width. */
  tty?: number;
  signal?: AbortSignal;
  /** Child process: the signal `signal` sends (default SIGINT, as a terminal's Ctrl-C). */
  kill?: NodeJS.Signals;
}

/** Runs `main` in this process, capturing what it prints. */
export async function cli(argv: string[], o: CliRunOptions = {}): Promise<CliRun & { progress: string }> {
  const r = { out: '', err: '', all: '', progress: '' };
  const io: Io = {
    out: (t) => {
      r.out += `${t}\n`;
      r.all += `${t}\n`;
    },
    raw: (b) => {
      const t = Buffer.from(b).toString();
      r.out += t;
      r.all += t;
    },
    err: (t) => {
      r.err += `${t}\n`;
      r.all += `${t}\n`;
    },
    stdin: (async function* () {
      if (o.stdin !== undefined) yield Buffer.from(o.stdin);
    })(),
    progress: {
      write: (t) => {
        r.progress += t;
      },
      tty: o.tty !== undefined,
      ...(o.tty ? { columns: o.tty } : {}),
    },
    env: o.env ?? {},
  };
  const code = await main(argv, io, o.signal ? { signal: o.signal } : {});
  return { code, ...r };
}

/** Runs the built `omnifs` executable in a child process. */
export function spawnCli(argv: string[], o: CliRunOptions & { cwd?: string } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...o.env },
      cwd: o.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const r = { out: '', err: '', all: '' };
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      r.out += d;
      r.all += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      r.err += d;
      r.all += d;
    });
    child.on('error', reject);
    // A signal stands for Ctrl-C: SIGINT, as a terminal sends it (or the one `kill` names).
    o.signal?.addEventListener('abort', () => child.kill(o.kill ?? 'SIGINT'), { once: true });
    child.on('close', (code) => resolve({ code, ...r }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(o.stdin ?? '');
  });
}

/**
 * The `label: value` lines that `stat` printed for one entry, as a map; fails unless every
 * value starts in one column, at least one space after the longest label and never left
 * of where it starts after `modified:`.
 */
export function statFields(out: string): Record<string, string> {
  const rows = out
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => {
      const m = /^([A-Za-z][\w-]*):( +)(\S.*)$/.exec(line);
      if (m === null) throw new Error(`not a stat line: ${JSON.stringify(line)}`);
      return { label: m[1]!, column: m[1]!.length + 1 + m[2]!.length, value: m[3]! };
    });
  const column = Math.max('modified'.length, ...rows.map((r) => r.label.length)) + 2;
  for (const r of rows) if (r.column !== column) throw new Error(`${r.label}: value at ${r.column}, not ${column}`);
  return Object.fromEntries(rows.map((r) => [r.label, r.value]));
}
