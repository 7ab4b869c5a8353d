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
      return readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f));
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
    const code = "const c = require('@omnifs/core'); require('@omnifs/memory'); require('@omnifs/local');" +
      "const fs = c.filesystem('memory'); fs.writeText('/cjs.txt', 'ok').then(() => fs.readText('/cjs.txt')).then((t) => console.log(t, typeof c.FsError));";
    const { stdout } = await run(process.execPath, ['-e', code], { cwd: root });
    expect(stdout.trim()).to.equal('ok function');
  });

  it('loads @omnifs/core and the backends with ESM import, named exports included', async () => {
    const code = "import { filesystem, FsError } from '@omnifs/core'; import { MemoryFileSystem } from '@omnifs/memory'; import { LocalFileSystem } from '@omnifs/local';" +
      "const fs = filesystem('memory'); await fs.writeText('/esm.txt', 'ok'); console.log(await fs.readText('/esm.txt'), fs instanceof MemoryFileSystem, typeof FsError, typeof LocalFileSystem);";
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], { cwd: root });
    expect(stdout.trim()).to.equal('ok true function function');
  });
});
