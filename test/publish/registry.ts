/**
 * A real npm registry for the publish suite: Verdaccio on loopback with its storage in a
 * temp dir, every workspace package published to it with `lerna exec -- npm publish` (in
 * lerna's dependency order, as a release would), and app directories that install from it
 * exactly as a user types `npm install @omnifs/core @omnifs/s3`.
 *
 * Only the `@omnifs` scope comes from the local registry (an app's `.npmrc` maps the scope
 * to it); third-party packages come from the npm registry through npm's cache.
 *
 * Verdaccio 6.8.0 runs on Node 20 with `node-fetch` held at 2.7.0 (6.10 wants Node 22); it is
 * installed once into `.cache/verdaccio-6.8.0` (beside the servers the harness caches).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);
/** The repository root. */
export const REPO_ROOT = join(__dirname, '..', '..');
const VERDACCIO_DIR = join(REPO_ROOT, '.cache', 'verdaccio-6.8.0');
const VERDACCIO_BIN = join(VERDACCIO_DIR, 'node_modules', 'verdaccio', 'bin', 'verdaccio');

/** npm's own environment for the commands the suite runs: quiet, no update check. */
export function npmEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    npm_config_loglevel: 'error',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    ...extra,
  };
}

/** A started local registry. */
export interface LocalRegistry {
  /** `http://127.0.0.1:PORT/` */
  readonly url: string;
  /** A `.npmrc` with this registry's auth token (for publishing). */
  readonly userconfig: string;
  /** Stops Verdaccio and removes its storage. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function installVerdaccio(): Promise<void> {
  if (existsSync(VERDACCIO_BIN)) return;
  mkdirSync(VERDACCIO_DIR, { recursive: true });
  const pkg = {
    name: 'omnifs-verdaccio',
    private: true,
    dependencies: { verdaccio: '6.8.0' },
    overrides: { 'node-fetch': '2.7.0' },
  };
  writeFileSync(join(VERDACCIO_DIR, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  await execFileP('npm', ['install', '--no-audit', '--no-fund'], {
    cwd: VERDACCIO_DIR,
    env: npmEnv(),
    maxBuffer: 16 << 20,
  });
}

async function waitForPing(url: string, proc: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`verdaccio exited with ${proc.exitCode}:\n${log()}`);
    try {
      const res = await fetch(`${url}-/ping`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`verdaccio did not answer at ${url} within 60 s:\n${log()}`);
}

/** Starts Verdaccio on a free loopback port with a fresh storage and user. */
export async function startRegistry(): Promise<LocalRegistry> {
  await installVerdaccio();
  const dir = mkdtempSync(join(tmpdir(), 'omnifs-registry-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  writeFileSync(
    join(dir, 'config.yaml'),
    [
      `storage: ${join(dir, 'storage')}`,
      'auth:',
      '  htpasswd:',
      `    file: ${join(dir, 'htpasswd')}`,
      '    max_users: 10',
      'packages:',
      "  '@omnifs/*':",
      '    access: $all',
      '    publish: $authenticated',
      "  '**':",
      '    access: $all',
      'log: { type: stdout, format: pretty, level: error }',
      '',
    ].join('\n'),
  );
  let output = '';
  const proc = spawn(
    process.execPath,
    [VERDACCIO_BIN, '--config', join(dir, 'config.yaml'), '--listen', `127.0.0.1:${port}`],
    {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  proc.stdout?.setEncoding('utf8').on('data', (d: string) => (output += d));
  proc.stderr?.setEncoding('utf8').on('data', (d: string) => (output += d));
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPing(url, proc, () => output);
    const res = await fetch(`${url}-/user/org.couchdb.user:omnifs`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'omnifs', password: `pw-${port}-${Date.now()}` }),
    });
    const { token } = (await res.json()) as { token?: string };
    if (!res.ok || !token) throw new Error(`could not create a registry user: HTTP ${res.status}`);
    const userconfig = join(dir, 'npmrc');
    writeFileSync(userconfig, `//127.0.0.1:${port}/:_authToken=${token}\n`);
    return { url, userconfig, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Publishes every workspace package to `registry` with lerna (dependencies first, three at a time). */
export async function publishAll(registry: LocalRegistry): Promise<string> {
  const { stdout, stderr } = await execFileP(
    join(REPO_ROOT, 'node_modules', '.bin', 'lerna'),
    ['exec', '--concurrency', '3', '--', 'npm', 'publish', '--registry', registry.url],
    { cwd: REPO_ROOT, env: npmEnv({ npm_config_userconfig: registry.userconfig }), maxBuffer: 16 << 20 },
  );
  return stdout + stderr;
}

/** An app directory installed from the local registry. */
export interface RegistryApp {
  readonly dir: string;
  /** Bytes under node_modules (files' apparent sizes). */
  readonly bytes: number;
  /** Installed packages (distinct directories in `npm ls --all`), the app itself excluded. */
  readonly packages: number;
  /** Runs `node file` in the app with only `env` (plus PATH, HOME and TMPDIR of its own). */
  run(
    file: string,
    env?: Record<string, string>,
    cwd?: string,
  ): Promise<{ code: number; stdout: string; stderr: string }>;
  remove(): void;
}

/** Directory size in bytes, by `du` (apparent sizes). */
export async function duBytes(dir: string): Promise<number> {
  const { stdout } = await execFileP('du', ['-sb', dir]);
  return Number(stdout.split('\t')[0]);
}

/**
 * A new app that runs `npm install ...names` against the local registry (the `@omnifs`
 * scope only); `files` are written first, `pins` (name -> exact version) are installed
 * alongside to fix a dependency at a version of the app's choosing.
 */
export async function installFromRegistry(
  registry: LocalRegistry,
  names: string[],
  options: { files?: Record<string, string>; type?: 'module' | 'commonjs'; pins?: Record<string, string> } = {},
): Promise<RegistryApp> {
  const dir = mkdtempSync(join(tmpdir(), 'omnifs-regapp-'));
  for (const sub of ['home', 'tmp']) mkdirSync(join(dir, sub));
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'omnifs-registry-app', private: true, type: options.type ?? 'module' }, null, 2)}\n`,
  );
  writeFileSync(join(dir, '.npmrc'), `@omnifs:registry=${registry.url}\n`);
  for (const [file, content] of Object.entries(options.files ?? {})) writeFileSync(join(dir, file), content);
  const pins = Object.entries(options.pins ?? {}).map(([n, v]) => `${n}@${v}`);
  await execFileP('npm', ['install', '--no-audit', '--prefer-offline', ...names, ...pins], {
    cwd: dir,
    env: npmEnv(),
    maxBuffer: 16 << 20,
  });
  const bytes = await duBytes(join(dir, 'node_modules'));
  const { stdout } = await execFileP('npm', ['ls', '--all', '--parseable'], {
    cwd: dir,
    env: npmEnv(),
    maxBuffer: 16 << 20,
  });
  const packages = new Set(stdout.split('\n').filter((l) => l !== '' && l !== dir)).size;
  return {
    dir,
    bytes,
    packages,
    run: (file, env = {}, cwd = dir) =>
      runNode(file, cwd, { HOME: join(dir, 'home'), TMPDIR: join(dir, 'tmp'), ...env }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** `node file` in `cwd` with only `env` plus PATH. */
export function runNode(
  file: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], {
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}
