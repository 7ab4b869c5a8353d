/**
 * Apps shaped like a user's: a directory outside the workspace that installs the packed
 * `@omnifs/*` packages (as `npm install` of the published tarballs would), and runs a
 * script in a child process with a controlled environment.
 *
 * ```ts
 * const app = await makeApp({ packages: ['@omnifs/core', '@omnifs/s3'], files: {
 *   'main.mjs': "import { filesystem } from '@omnifs/core'; ...",
 * } });
 * const { code, stdout } = await app.run('main.mjs', { env: { AWS_DEFAULT_REGION: 'eu-west-1' } });
 * ```
 *
 * The workspace packages are packed once per test process (`npm pack`) into a temp dir;
 * an app's `overrides` point every `@omnifs/*` name at those tarballs, so nothing is
 * taken from the workspace's node_modules or from a registry under our names. Third-party
 * dependencies (the SDKs) come from the npm registry through npm's cache.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);
const REPO_ROOT = join(__dirname, '..', '..');

/** What a run of an app script returned. */
export interface AppRun {
  /** Exit code (null when killed by a signal). */
  code: number | null;
  /** Signal that ended the process, if any. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time of the run in milliseconds. */
  ms: number;
}

/** Options of {@link App.run}. */
export interface AppRunOptions {
  /** Variables added to the controlled environment (PATH, HOME=<app>/home, TMPDIR). */
  env?: Record<string, string>;
  /** Arguments after the script. */
  args?: string[];
  /** Kill the process after this long (default 60 s); the run then has `signal` set. */
  timeoutMs?: number;
  /** Data written to the child's standard input (then closed). */
  stdin?: string;
  /** The node binary (default: the one running the tests). */
  node?: string;
}

/** An installed app directory. */
export interface App {
  /** The app's directory (outside the workspace). */
  readonly dir: string;
  /** Its HOME in runs: an empty directory, so no `~/.aws`, `~/.config` or `~/.npmrc` leaks in. */
  readonly home: string;
  /** Writes (or replaces) a file relative to the app directory. */
  write(file: string, content: string): void;
  /** Runs `node <file> ...args` in the app directory with only the environment given. */
  run(file: string, options?: AppRunOptions): Promise<AppRun>;
  /** Runs an executable of the app's `node_modules/.bin` (e.g. `omnifs`). */
  runBin(name: string, options?: AppRunOptions & { args?: string[] }): Promise<AppRun>;
  /** Removes the app directory. */
  remove(): void;
}

/** Options of {@link makeApp}. */
export interface MakeAppOptions {
  /** Workspace packages to install by name, e.g. `['@omnifs/core', '@omnifs/s3']`. */
  packages: string[];
  /** Other dependencies (name -> version range), installed from the npm registry. */
  dependencies?: Record<string, string>;
  /** Files to write before installing (relative path -> content). */
  files?: Record<string, string>;
  /** package.json `type` (default `module`). */
  type?: 'module' | 'commonjs';
}

let packed: Promise<Map<string, string>> | undefined;

/** Packs every workspace package once per process (one `npm pack`); returns name -> tarball path. */
export function packWorkspace(): Promise<Map<string, string>> {
  packed ??= (async () => {
    const dest = mkdtempSync(join(tmpdir(), 'omnifs-packs-'));
    process.once('exit', () => rmSync(dest, { recursive: true, force: true }));
    const { stdout } = await execFileP('npm', ['pack', '--workspaces', '--json', '--pack-destination', dest], {
      cwd: REPO_ROOT,
      env: { ...process.env, npm_config_loglevel: 'error' },
    });
    const infos = JSON.parse(stdout) as Array<{ name: string; filename: string }>;
    const byName = new Map<string, string>();
    for (const dir of readdirSync(join(REPO_ROOT, 'packages'))) {
      let pkg: { name: string; private?: boolean };
      try {
        pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'packages', dir, 'package.json'), 'utf8')) as typeof pkg;
      } catch {
        continue;
      }
      if (pkg.private) continue;
      const info = infos.find((i) => i.name === pkg.name);
      if (!info) throw new Error(`npm pack printed nothing for ${pkg.name}`);
      byName.set(pkg.name, join(dest, info.filename));
    }
    return byName;
  })();
  return packed;
}

/** The controlled environment of an app run: nothing of the test process's own. */
function appEnv(app: { dir: string; home: string }, extra: Record<string, string> | undefined): NodeJS.ProcessEnv {
  return {
    PATH: `${join(app.dir, 'node_modules', '.bin')}:${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
    HOME: app.home,
    TMPDIR: join(app.dir, 'tmp'),
    ...extra,
  };
}

function runChild(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, o: AppRunOptions): Promise<AppRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
    child.stdin.end(o.stdin ?? '');
  });
}

/**
 * Creates an app in a new temp directory outside the workspace and installs `packages`
 * from the packed tarballs (plus `dependencies` from the registry).
 */
export async function makeApp(options: MakeAppOptions): Promise<App> {
  const tarballs = await packWorkspace();
  const dir = mkdtempSync(join(tmpdir(), 'omnifs-app-'));
  const home = join(dir, 'home');
  mkdirSync(home);
  mkdirSync(join(dir, 'tmp'));
  const overrides: Record<string, string> = {};
  for (const [name, file] of tarballs) overrides[name] = `file:${file}`;
  const dependencies: Record<string, string> = { ...options.dependencies };
  for (const name of options.packages) {
    const file = tarballs.get(name);
    if (!file) throw new Error(`no workspace package named ${name}`);
    dependencies[name] = `file:${file}`;
  }
  const pkg = { name: 'omnifs-test-app', private: true, type: options.type ?? 'module', dependencies, overrides };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  const write = (file: string, content: string): void => {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), content);
  };
  for (const [file, content] of Object.entries(options.files ?? {})) write(file, content);
  await execFileP('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
    cwd: dir,
    env: { ...process.env, npm_config_loglevel: 'error' },
    maxBuffer: 16 * 1024 * 1024,
  });
  const app: App = {
    dir,
    home,
    write,
    run: (file, o = {}) => runChild(o.node ?? process.execPath, [file, ...(o.args ?? [])], dir, appEnv(app, o.env), o),
    runBin: (name, o = {}) =>
      runChild(join(dir, 'node_modules', '.bin', name), o.args ?? [], dir, appEnv(app, o.env), o),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  return app;
}
