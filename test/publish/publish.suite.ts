/**
 * Publish for real: every package goes to a local npm registry (Verdaccio), then fresh app
 * directories install exactly what a user types — `npm install @omnifs/core @omnifs/s3`,
 * `@omnifs/logsync`, `npm install -g @omnifs/cli` — and run a small app against the harness
 * servers: ESM import, CommonJS require, TypeScript (node16 and bundler resolution) and
 * esbuild bundles (ESM and CommonJS, run from a directory without node_modules). Each SDK is
 * also tried at the lowest version its caret range allows (the newest is what a fresh
 * install resolves). Installed sizes and package counts are printed as docs/packages.md
 * shows them, and checked against the budgets written there.
 *
 * Run by `npm run test:publish` (once per CI run, not in `npm test`).
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import { freshName, useServer, type InfoByKind, type ServerKind } from '../servers';
import { roundTripFiles, ROUND_TRIP_TEXT, tsconfigs, type RoundTrip } from './apps';
import {
  duBytes,
  installFromRegistry,
  npmEnv,
  publishAll,
  REPO_ROOT,
  runNode,
  startRegistry,
  type LocalRegistry,
  type RegistryApp,
} from './registry';

const execFileP = promisify(execFile);
const BIN = (name: string): string => join(REPO_ROOT, 'node_modules', '.bin', name);

/** Measured per combination, printed at the end in docs/packages.md's form. */
const measured = new Map<string, { bytes: number; packages: number }>();

/** Budgets from docs/packages.md: `| combination | ... | budget MB |` rows. */
function budgets(): Map<string, number> {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'packages.md'), 'utf8');
  const out = new Map<string, number>();
  for (const m of doc.matchAll(/^\| `([^`]+)`\s*\|[^\n]*\| (\d+(?:\.\d+)?) MB budget\s*\|$/gm))
    out.set(m[1]!, Number(m[2]));
  return out;
}

let registry: LocalRegistry;
let publishing: Promise<string> | undefined;
/** Publishes every package once (after the dry-run checks, which need versions not yet taken). */
const published = (): Promise<string> => (publishing ??= publishAll(registry));

before(async function () {
  this.timeout(300_000);
  registry = await startRegistry();
});

after(async function () {
  this.timeout(60_000);
  await registry?.stop();
  const rows = [...measured].map(([combo, m]) => `| \`${combo}\` | ${(m.bytes / 1e6).toFixed(1)} MB | ${m.packages} |`);
  process.stdout.write(`\n| install | size | packages |\n| --- | --- | --- |\n${rows.join('\n')}\n`);
});

describe('npm publish --dry-run of every package', function () {
  this.timeout(300_000);

  it('is clean; each tarball ships LICENSE, README, CHANGELOG, both builds and the sources its maps name', async () => {
    const env = npmEnv({ npm_config_userconfig: registry.userconfig });
    const wanted = [
      'LICENSE',
      'README.md',
      'CHANGELOG.md',
      'dist/index.js',
      'dist/index.mjs',
      'dist/esm/index.mjs',
      'dist/index.d.mts',
    ];
    for (const name of readdirSync(join(REPO_ROOT, 'packages'))) {
      const dir = join(REPO_ROOT, 'packages', name);
      const args = ['publish', '--dry-run', '--json', '--registry', registry.url];
      const { stdout, stderr } = await execFileP('npm', args, { cwd: dir, env, maxBuffer: 16 << 20 });
      expect(stderr, name).to.not.match(/npm (warn|error)/i);
      const [info] = Object.values(JSON.parse(stdout) as Record<string, { files: Array<{ path: string }> }>);
      const files = new Set(info!.files.map((f) => f.path));
      expect([...files], name).to.include.members(wanted);
      expect(
        [...files].filter((f) => /(^|\/)test\//.test(f)),
        name,
      ).to.deep.equal([]);
      for (const map of [...files].filter((f) => f.endsWith('.map'))) {
        const { sources } = JSON.parse(readFileSync(join(dir, map), 'utf8')) as { sources: string[] };
        const missing = sources.filter((src) => !files.has(posix.normalize(posix.join(posix.dirname(map), src))));
        expect(missing, `${name}: ${map}`).to.deep.equal([]);
      }
    }
  });
});

describe('lerna exec -- npm publish to the local registry', function () {
  this.timeout(300_000);

  it('publishes every package', async () => {
    expect(await published()).to.match(/Executed command in 10 packages/);
    const res = await fetch(`${registry.url}@omnifs%2fs3`);
    const doc = (await res.json()) as { 'dist-tags': { latest: string } };
    expect(doc['dist-tags'].latest).to.equal('0.1.0');
  });
});

/** APP_OPTIONS and APP_ROOT for a round trip on the harness's server of `kind`. */
function serverEnv<K extends ServerKind>(kind: K, info: InfoByKind[K]): Record<string, string> {
  const name = freshName('pub');
  const options: Record<ServerKind, () => [Record<string, unknown>, string]> = {
    s3: () => {
      const i = info as InfoByKind['s3'];
      return [
        { endpoint: i.endpoint, region: i.region, credentials: { ...i.credentials }, forcePathStyle: i.forcePathStyle },
        name,
      ];
    },
    gcs: () => {
      const i = info as InfoByKind['gcs'];
      return [{ apiEndpoint: i.apiEndpoint, projectId: i.projectId }, name];
    },
    azure: () => {
      const i = info as InfoByKind['azure'];
      return [{ accountName: i.accountName, accountKey: i.accountKey, accountUrl: i.blobEndpoint }, name];
    },
    hdfs: () => {
      const i = info as InfoByKind['hdfs'];
      return [{ url: i.namenodeUrl, user: i.user }, `/${name}`];
    },
  };
  const [opts, root] = options[kind]();
  return { APP_OPTIONS: JSON.stringify(opts), APP_ROOT: root };
}

function expectRoundTrip(r: { code: number; stdout: string; stderr: string }): void {
  expect(r.code, r.stderr).to.equal(0);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  const got = JSON.parse(line) as RoundTrip;
  expect(got).to.deep.equal({ text: ROUND_TRIP_TEXT, listed: 1, fsError: true, code: 'ENOENT' });
}

/**
 * Flags a bundle of the vendor SDKs needs (docs/packages.md, "Bundling"); omnifs's own code
 * needs none, which the HDFS app (no SDK) shows. In an ESM bundle the SDKs' CommonJS
 * requires Node built-ins: esbuild's documented `require` banner. In a CommonJS bundle,
 * `@azure/storage-common`'s ESM build reads `import.meta.url`: define it from `__filename`.
 */
const ESM_REQUIRE_BANNER =
  "--banner:js=import { createRequire as __bundleCreateRequire } from 'node:module'; " +
  'const require = __bundleCreateRequire(import.meta.url);';
const CJS_IMPORT_META_URL = [
  '--define:import.meta.url=__bundleImportMetaUrl',
  "--banner:js=const __bundleImportMetaUrl = require('node:url').pathToFileURL(__filename).href;",
];

async function bundle(app: RegistryApp, format: 'esm' | 'cjs', flags: string[]): Promise<string> {
  const out = join(app.dir, 'bundle', format === 'esm' ? 'app.mjs' : 'app.cjs');
  const args = [
    'main.ts',
    '--bundle',
    '--platform=node',
    '--target=node20',
    `--format=${format}`,
    `--outfile=${out}`,
    '--log-level=error',
  ];
  await execFileP(BIN('esbuild'), [...args, ...flags], { cwd: app.dir, maxBuffer: 16 << 20 });
  // Run it where no node_modules can help: the bundle must hold everything.
  const alone = mkdtempSync(join(tmpdir(), 'omnifs-bundle-'));
  copyFileSync(out, join(alone, format === 'esm' ? 'app.mjs' : 'app.cjs'));
  return alone;
}

interface Combination {
  kind: ServerKind;
  protocol: string;
  pkg: string;
  /** The lowest version each SDK's range allows (the newest is what a fresh install gets). */
  lowest: Record<string, string>;
  /** esbuild flags a bundle of the SDK needs. */
  bundleFlags: { esm: string[]; cjs: string[] };
}

const PROTOCOLS: Combination[] = [
  {
    kind: 's3',
    protocol: 's3',
    pkg: '@omnifs/s3',
    bundleFlags: { esm: [ESM_REQUIRE_BANNER], cjs: [] },
    lowest: { '@aws-sdk/client-s3': '3.800.0', '@aws-sdk/s3-request-presigner': '3.800.0' },
  },
  {
    kind: 'gcs',
    protocol: 'gs',
    pkg: '@omnifs/gcs',
    bundleFlags: { esm: [ESM_REQUIRE_BANNER], cjs: [] },
    lowest: { '@google-cloud/storage': '7.16.0', 'google-auth-library': '9.15.1' },
  },
  {
    kind: 'azure',
    protocol: 'az',
    pkg: '@omnifs/azure',
    bundleFlags: { esm: [ESM_REQUIRE_BANNER], cjs: CJS_IMPORT_META_URL },
    lowest: { '@azure/storage-blob': '12.26.0' },
  },
  { kind: 'hdfs', protocol: 'hdfs', pkg: '@omnifs/hdfs', bundleFlags: { esm: [], cjs: [] }, lowest: {} },
];

for (const { kind, protocol, pkg, lowest, bundleFlags } of PROTOCOLS) {
  const combo = `@omnifs/core ${pkg}`;
  describe(`npm install ${combo} from the registry`, function () {
    this.timeout(300_000);
    const server = useServer(kind);
    let app: RegistryApp;

    before(async () => {
      await published();
      app = await installFromRegistry(registry, ['@omnifs/core', pkg], {
        files: { ...roundTripFiles(protocol, pkg), ...tsconfigs(join(REPO_ROOT, 'node_modules', '@types')) },
      });
      measured.set(combo, { bytes: app.bytes, packages: app.packages });
    });
    after(() => app?.remove());

    it('installs only what the combination needs, within the budget in docs/packages.md', () => {
      const budget = budgets().get(combo);
      expect(budget, `docs/packages.md has a budget row for ${combo}`).to.be.a('number');
      expect(app.bytes / 1e6).to.be.below(budget!);
      expect(readFileSync(join(app.dir, 'package-lock.json'), 'utf8')).to.not.include('"node_modules/@omnifs/local"');
    });

    it('runs a round trip with ESM import', async () => {
      expectRoundTrip(await app.run('main.mjs', serverEnv(kind, server.info)));
    });

    it('runs a round trip with CommonJS require, the registry loading the package', async () => {
      expectRoundTrip(await app.run('main.cjs', serverEnv(kind, server.info)));
    });

    it('typechecks as TypeScript with moduleResolution node16 (ESM and CJS) and bundler', async () => {
      for (const project of ['tsconfig.node16.json', 'tsconfig.bundler.json']) {
        await execFileP(BIN('tsc'), ['-p', project], { cwd: app.dir }).catch((err: { stdout?: string }) => {
          throw new Error(`${project}:\n${err.stdout ?? String(err)}`);
        });
      }
    });

    for (const format of ['esm', 'cjs'] as const) {
      it(`runs as an esbuild ${format.toUpperCase()} bundle, without node_modules`, async () => {
        const alone = await bundle(app, format, bundleFlags[format]);
        try {
          expectRoundTrip(
            await runNode(format === 'esm' ? 'app.mjs' : 'app.cjs', alone, {
              HOME: alone,
              TMPDIR: alone,
              ...serverEnv(kind, server.info),
            }),
          );
        } finally {
          rmSync(alone, { recursive: true, force: true });
        }
      });
    }

    if (Object.keys(lowest).length > 0) {
      it(`runs with the lowest SDK its ranges allow (${Object.entries(lowest)
        .map(([n, v]) => `${n}@${v}`)
        .join(', ')})`, async () => {
        const low = await installFromRegistry(registry, ['@omnifs/core', pkg], {
          files: roundTripFiles(protocol, pkg),
          pins: lowest,
        });
        try {
          for (const [name, version] of Object.entries(lowest)) {
            const { stdout } = await execFileP('npm', ['ls', name, '--all', '--parseable'], {
              cwd: low.dir,
              env: npmEnv(),
            });
            const versions = new Set(
              stdout
                .split('\n')
                .filter(Boolean)
                .map(
                  (dir) => (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version,
                ),
            );
            expect([...versions], name).to.deep.equal([version]);
          }
          expectRoundTrip(await low.run('main.mjs', serverEnv(kind, server.info)));
        } finally {
          low.remove();
        }
      });
    }
  });
}

describe('npm install @omnifs/core @omnifs/memory from the registry', function () {
  this.timeout(300_000);
  let app: RegistryApp;

  before(async () => {
    await published();
    app = await installFromRegistry(registry, ['@omnifs/core', '@omnifs/memory'], {
      files: roundTripFiles('memory', '@omnifs/memory'),
    });
    measured.set('@omnifs/core @omnifs/memory', { bytes: app.bytes, packages: app.packages });
  });
  after(() => app?.remove());

  it('runs a round trip with ESM import and CommonJS require, within its budget', async () => {
    for (const file of ['main.mjs', 'main.cjs']) expectRoundTrip(await app.run(file, { APP_ROOT: '/app' }));
    expect(app.bytes / 1e6).to.be.below(budgets().get('@omnifs/core @omnifs/memory') ?? 0);
  });
});

describe('npm install @omnifs/logsync from the registry', function () {
  this.timeout(300_000);
  let app: RegistryApp;
  const script = (imports: string): string => `${imports}
async function main() {
  const logDir = mkdtempSync(join(tmpdir(), 'logs-'));
  const log = await createLogSync({ logDir, experiment: 'run-1' });
  log.info('epoch 1 loss=0.31');
  await log.close();
  console.log(readFileSync(join(logDir, 'run-1', 'training.log'), 'utf8').includes('epoch 1 loss=0.31'));
}
main().catch((err) => { console.error(err); process.exitCode = 1; });
`;

  before(async () => {
    await published();
    app = await installFromRegistry(registry, ['@omnifs/logsync'], {
      files: {
        'main.mjs': script(
          "import { createLogSync } from '@omnifs/logsync';\nimport { mkdtempSync, readFileSync } from 'node:fs';\n" +
            "import { tmpdir } from 'node:os';\nimport { join } from 'node:path';",
        ),
        'main.cjs': script(
          "const { createLogSync } = require('@omnifs/logsync');\n" +
            "const { mkdtempSync, readFileSync } = require('node:fs');\n" +
            "const { tmpdir } = require('node:os');\nconst { join } = require('node:path');",
        ),
      },
    });
    measured.set('@omnifs/logsync', { bytes: app.bytes, packages: app.packages });
  });
  after(() => app?.remove());

  it('logs to a directory and reads the line back, with ESM import and CommonJS require', async () => {
    for (const file of ['main.mjs', 'main.cjs']) {
      const r = await app.run(file);
      expect(r.code, `${file}: ${r.stderr}`).to.equal(0);
      expect(r.stdout.trim(), file).to.equal('true');
    }
    const budget = budgets().get('@omnifs/logsync');
    expect(app.bytes / 1e6).to.be.below(budget ?? 0);
  });
});

describe('npm install -g @omnifs/cli from the registry', function () {
  this.timeout(300_000);
  let prefix: string;

  before(async () => {
    await published();
    prefix = mkdtempSync(join(tmpdir(), 'omnifs-global-'));
    await execFileP(
      'npm',
      ['install', '-g', '--prefix', prefix, '--no-audit', `--@omnifs:registry=${registry.url}`, '@omnifs/cli'],
      {
        cwd: prefix,
        env: npmEnv(),
        maxBuffer: 16 << 20,
      },
    );
    const modules = join(prefix, 'lib', 'node_modules');
    const { stdout } = await execFileP('npm', ['ls', '-g', '--prefix', prefix, '--all', '--parseable'], {
      env: npmEnv(),
      maxBuffer: 16 << 20,
    });
    measured.set('@omnifs/cli (-g)', {
      bytes: await duBytes(modules),
      packages: new Set(stdout.split('\n').filter((l) => l.startsWith(modules))).size,
    });
  });
  after(() => rmSync(prefix, { recursive: true, force: true }));

  it('puts the omnifs command on the PATH and copies a local file with it', async () => {
    const work = join(prefix, 'work');
    mkdirSync(work);
    writeFileSync(join(work, 'a.txt'), 'from the cli\n');
    const env = { ...npmEnv(), PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}`, HOME: work };
    await execFileP('omnifs', ['cp', join(work, 'a.txt'), join(work, 'b.txt')], { cwd: work, env });
    const { stdout } = await execFileP('omnifs', ['cat', join(work, 'b.txt')], { cwd: work, env });
    expect(stdout).to.equal('from the cli\n');
    const budget = budgets().get('@omnifs/cli (-g)');
    expect(measured.get('@omnifs/cli (-g)')!.bytes / 1e6).to.be.below(budget ?? 0);
  });
});
