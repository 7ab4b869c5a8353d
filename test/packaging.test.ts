import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(__dirname, '..');
const packages = readdirSync(join(root, 'packages')).filter((d) => {
  try {
    return JSON.parse(readFileSync(join(root, 'packages', d, 'package.json'), 'utf8')).private !== true;
  } catch {
    return false;
  }
});

/** Every test file under packages/. */
function packageTests(): string[] {
  return packages.flatMap((p) => {
    const dir = join(root, 'packages', p, 'test');
    try {
      return readdirSync(dir, { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.ts'))
        .map((f) => join(dir, f));
    } catch {
      return [];
    }
  });
}

describe('packaging', () => {
  it('tests import packages by name, so one copy of each registers and keeps its state', () => {
    for (const file of packageTests()) {
      expect(readFileSync(file, 'utf8'), file).to.not.match(/from '\.\.\/src|import '\.\.\/src/);
    }
  });

  it('every package shares the lockstep version of lerna.json', () => {
    const { version } = JSON.parse(readFileSync(join(root, 'lerna.json'), 'utf8')) as { version: string };
    for (const p of packages) {
      const pkg = JSON.parse(readFileSync(join(root, 'packages', p, 'package.json'), 'utf8')) as { version: string };
      expect(pkg.version, p).to.equal(version);
    }
  });

  it('loads @omnifs/core and the backends with CommonJS require', async () => {
    const code =
      "const c = require('@omnifs/core'); require('@omnifs/memory'); require('@omnifs/local');" +
      "const fs = c.filesystem('memory'); fs.writeText('/cjs.txt', 'ok').then(() => fs.readText('/cjs.txt')).then((t) => console.log(t, typeof c.FsError));";
    const { stdout } = await run(process.execPath, ['-e', code], { cwd: root });
    expect(stdout.trim()).to.equal('ok function');
  });

  it('loads @omnifs/core and the backends with ESM import, named exports included', async () => {
    const code =
      "import { filesystem, FsError } from '@omnifs/core'; import { MemoryFileSystem } from '@omnifs/memory'; import { LocalFileSystem } from '@omnifs/local';" +
      "const fs = filesystem('memory'); await fs.writeText('/esm.txt', 'ok'); console.log(await fs.readText('/esm.txt'), fs instanceof MemoryFileSystem, typeof FsError, typeof LocalFileSystem);";
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], { cwd: root });
    expect(stdout.trim()).to.equal('ok true function function');
  });

  it('gives a default export to ESM import as to require (the pino transport of @omnifs/logsync)', async () => {
    const code = [
      "import pino, { pinoTransport } from '@omnifs/logsync/pino'; import { createRequire } from 'node:module';",
      "const cjs = createRequire(import.meta.url)('@omnifs/logsync/pino');",
      'console.log(JSON.stringify([typeof pino, pino === pinoTransport, cjs.default === pino]));',
    ].join('\n');
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], { cwd: root });
    expect(JSON.parse(stdout)).to.deep.equal(['function', true, true]);
  });

  it('import and require load one copy in Node; a second copy (bundler build) shares registry and brands', async () => {
    const code = [
      "import * as esm from '@omnifs/core'; import { createRequire } from 'node:module';",
      "import { pathToFileURL } from 'node:url';",
      'const req = createRequire(import.meta.url);',
      "const cjs = req('@omnifs/core');",
      "const other = await import(new URL('esm/index.mjs', pathToFileURL(req.resolve('@omnifs/core'))).href);",
      "const fromOther = new other.FsError({ kind: 'NotFound', message: 'x' });",
      "let caught; try { await other.filesystem('memory').info('/nope'); } catch (err) { caught = err; }",
      'console.log(JSON.stringify([esm.FsError === cjs.FsError, other.FsError !== cjs.FsError,',
      "  fromOther instanceof esm.FsError, esm.isFsError(fromOther, 'NotFound'), caught instanceof cjs.FsError,",
      "  other.filesystem('memory') === cjs.filesystem('memory'),",
      "  cjs.filesystem('memory') instanceof other.FileSystem,",
      '  fromOther instanceof esm.FileSystem]));',
    ].join('\n');
    const cwd = join(root, 'packages');
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], { cwd });
    expect(JSON.parse(stdout)).to.deep.equal([true, true, true, true, true, true, true, false]);
  });

  it('no package lists @omnifs/local and core imports no other omnifs package (local disk is in core)', () => {
    for (const p of packages) {
      const file = join(root, 'packages', p, 'package.json');
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, string> | undefined>;
      const listed = { ...pkg.dependencies, ...pkg.peerDependencies };
      expect(listed, p).to.not.have.property('@omnifs/local');
    }
    const src = join(root, 'packages', 'core', 'src');
    const core = readdirSync(src, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.ts'));
    const imports = /^(import|export|\}) .*from '@omnifs\//m;
    for (const f of core) expect(readFileSync(join(src, f), 'utf8'), f).to.not.match(imports);
  });

  it('every package has the metadata a registry page needs, its LICENSE, and typed import + require entries', () => {
    const license = readFileSync(join(root, 'LICENSE'), 'utf8');
    expect(license).to.include('Apache License').and.include('Version 2.0');
    for (const p of packages) {
      const dir = join(root, 'packages', p);
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown> & {
        exports: Record<string, { import?: { types: string }; require?: { types: string } } | string>;
        files: string[];
      };
      expect(pkg, p).to.include.keys('repository', 'homepage', 'bugs', 'keywords', 'description');
      expect(pkg.license, p).to.equal('Apache-2.0');
      expect(pkg.publishConfig, p).to.deep.equal({ access: 'public' });
      expect(readFileSync(join(dir, 'LICENSE'), 'utf8'), p).to.equal(license);
      expect(pkg.files, p).to.include.members(['dist', 'src', 'README.md', 'CHANGELOG.md', 'LICENSE']);
      expect(readFileSync(join(dir, 'README.md'), 'utf8'), p).to.not.include('](../');
      for (const [key, entry] of Object.entries(pkg.exports)) {
        if (key === './package.json') continue;
        expect(entry, `${p} ${key}`)
          .to.have.nested.property('import.types')
          .that.match(/\.d\.mts$/);
        expect(entry, `${p} ${key}`)
          .to.have.nested.property('require.types')
          .that.match(/\.d\.ts$/);
      }
    }
  });
});
