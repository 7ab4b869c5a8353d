// The ES module half of every package's dual build (`npm run build` runs it after `tsc -b`,
// which writes the CommonJS half and its `.d.ts`). For each entry of a package's `exports`
// map it writes:
// - `dist/<entry>.mjs`, what Node's `import` loads: a re-export of the CommonJS build, so an
//   app that both imports and requires a package gets one copy of it (one registry, one
//   class per backend);
// - `dist/esm/<entry>.mjs`, what bundlers load through the `module` condition (esbuild,
//   webpack): the package's own sources bundled as real ES modules (other packages stay
//   imports), so a bundle needs no `require` shim for omnifs's code;
// - `dist/<entry>.d.mts`, the types of both, re-exported from the entry's `.d.ts`.
//
// Should two copies still meet (two installed versions of core, or a bundle beside
// node_modules), the registry lives on `globalThis` and FsError / FileSystem are recognised
// by a `Symbol.for` brand (packages/core/src/brand.ts).
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// CommonJS sources call `require` (the registry's lazy loading of protocol packages, core's
// built-in layers); in an ES module it is made from the module's own URL, or from the working
// directory when a bundler leaves `import.meta` empty (an esbuild CommonJS bundle).
const banner = [
  "import { createRequire as __omnifsCreateRequire } from 'node:module';",
  'const require = __omnifsCreateRequire(import.meta.url ?? `${process.cwd()}/`);',
].join('\n');

/**
 * A source `name.esm.ts` stands in for `name.ts` in this build: where the CommonJS half
 * loads a dependency on first use (`require`, which a bundler cannot follow once esbuild
 * has wrapped it), the ES module half imports it, so a bundle includes it.
 */
const esmStandIns = {
  name: 'esm-stand-ins',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      const standIn = `${join(args.resolveDir, args.path)}.esm.ts`;
      return existsSync(standIn) ? { path: standIn } : undefined;
    });
  },
};

/**
 * Writes `bytes` to `file` unless it already holds them, through a temporary sibling and a
 * rename: a test run that is loading the build while it is made again (a second `npm test`
 * started beside the first) sees the old file or the new one, never a part.
 */
function update(file, bytes) {
  const data = Buffer.from(bytes);
  if (existsSync(file) && readFileSync(file).equals(data)) return;
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, data);
  renameSync(temp, file);
}

/** Every file under `dir`, relative to it. */
/**
 * The line that gives an ES module wrapper the default export of its CommonJS build, or ''.
 * `export *` leaves `default` out, and Node's default import of CommonJS is the whole
 * `module.exports`: the default is re-exported by the name the source also exports it as
 * (`export default function pinoTransport` with `export { pinoTransport }`), which Node
 * and TypeScript resolve alike under every module setting.
 */
function defaultReexport(source, cjs) {
  const text = readFileSync(source, 'utf8');
  const name = /^export default (?:async )?(?:function\*? |class )?(\w+)/m.exec(text)?.[1];
  if (name === undefined) return '';
  if (!new RegExp(`^export \\{[^}]*\\b${name}\\b[^}]*\\}`, 'm').test(text))
    throw new Error(`${source}: the default export ${name} must also be exported by name, for the ES module wrapper`);
  return `export { ${name} as default } from '${cjs}';\n`;
}

function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath ?? d.path, d.name)));
}

/** `./dist/esm/adapters/pino.mjs` → `adapters/pino`. */
const entryOf = (target) => target.replace(/^\.\/dist\/esm\//, '').replace(/\.mjs$/, '');

for (const dir of readdirSync(join(root, 'packages'))) {
  const pkgDir = join(root, 'packages', dir);
  let pkg;
  try {
    pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  } catch {
    continue;
  }
  const entries = Object.values(pkg.exports ?? {})
    .map((e) => (typeof e === 'object' ? e.module?.default : undefined))
    .filter((t) => typeof t === 'string')
    .map(entryOf);
  if (entries.length === 0) continue;
  const outdir = join(pkgDir, 'dist', 'esm');
  const { outputFiles } = await build({
    absWorkingDir: pkgDir,
    entryPoints: Object.fromEntries(entries.map((e) => [e, `src/${e}.ts`])),
    outdir: 'dist/esm',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    // The maps name the sources (`../../src/*.ts`), which the package ships: embedding
    // them again in every map doubled the bundle's weight in each install.
    sourcesContent: false,
    banner: { js: banner },
    plugins: [esmStandIns],
    logLevel: 'warning',
    write: false,
  });
  for (const out of outputFiles) update(out.path, out.contents);
  // Chunk names carry a hash: the chunks of earlier builds would stay beside the new ones
  // (and be packed), so what this build did not write goes.
  const written = new Set(outputFiles.map((o) => relative(outdir, o.path)));
  for (const f of filesUnder(outdir)) if (!written.has(f)) rmSync(join(outdir, f));
  for (const e of entries) {
    const cjs = `./${basename(e)}.js`;
    const wrapper = `export * from '${cjs}';\n${defaultReexport(join(pkgDir, 'src', `${e}.ts`), cjs)}`;
    update(join(pkgDir, 'dist', `${e}.mjs`), wrapper);
    update(join(pkgDir, 'dist', `${e}.d.mts`), wrapper);
  }
}
