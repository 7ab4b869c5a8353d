// The ES module half of every package's dual build (`npm run build` runs it after `tsc -b`,
// which writes the CommonJS half and its `.d.ts`). For each `import` entry of a package's
// `exports` map, esbuild bundles the package's own sources into `dist/<entry>.mjs` (other
// packages stay imports) and a `dist/<entry>.d.mts` re-exports the entry's types.
//
// State lives once per process however many copies load: the registry sits on `globalThis`
// and FsError / FileSystem are recognised by a `Symbol.for` brand (packages/core/src/brand.ts).
import { build } from 'esbuild';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// CommonJS sources call `require` (the registry's lazy loading of protocol packages, core's
// built-in layers); in an ES module it is made from the module's own URL, or from the working
// directory when a bundler leaves `import.meta` empty (an esbuild CommonJS bundle).
const banner = [
  "import { createRequire as __omnifsCreateRequire } from 'node:module';",
  'const require = __omnifsCreateRequire(import.meta.url ?? `${process.cwd()}/`);',
].join('\n');

/** `./dist/adapters/pino.mjs` → `adapters/pino`. */
const entryOf = (target) => target.replace(/^\.\/dist\//, '').replace(/\.mjs$/, '');

for (const dir of readdirSync(join(root, 'packages'))) {
  const pkgDir = join(root, 'packages', dir);
  let pkg;
  try {
    pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  } catch {
    continue;
  }
  const entries = Object.values(pkg.exports ?? {})
    .map((e) => (typeof e === 'object' ? e.import?.default : undefined))
    .filter((t) => typeof t === 'string')
    .map(entryOf);
  if (entries.length === 0) continue;
  await build({
    absWorkingDir: pkgDir,
    entryPoints: Object.fromEntries(entries.map((e) => [e, `src/${e}.ts`])),
    outdir: 'dist',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    banner: { js: banner },
    logLevel: 'warning',
  });
  for (const e of entries) {
    const dts = join(pkgDir, 'dist', `${e}.d.mts`);
    const cjsTypes = `./${relative(dirname(dts), join(pkgDir, 'dist', `${e}.js`))}`;
    writeFileSync(dts, `export * from '${cjsTypes}';\n`);
  }
}
