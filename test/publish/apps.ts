/**
 * The small apps of the publish suite: one round trip (put a local file, get it back, list,
 * and a missing path that must be an FsError `NotFound` / `ENOENT`) written once and emitted
 * as an ES module, a CommonJS script and TypeScript (ESM `.ts` and CommonJS `.cts`).
 */

/** What a round trip prints (one JSON line). */
export interface RoundTrip {
  text: string;
  listed: number;
  fsError: boolean;
  code: string | undefined;
}

/** The content every app writes, puts and gets back. */
export const ROUND_TRIP_TEXT = 'hello from an app';

const body = (protocol: string): string => `
async function main() {
  const options = JSON.parse(process.env.APP_OPTIONS ?? '{}');
  const root = process.env.APP_ROOT ?? '';
  const fs = filesystem(${JSON.stringify(protocol)}, options);
  const local = mkdtempSync(join(tmpdir(), 'app-'));
  writeFileSync(join(local, 'in.txt'), ${JSON.stringify(ROUND_TRIP_TEXT)});
  await fs.makedirs(root, { existOk: true });
  await fs.put(join(local, 'in.txt'), root + '/in.txt');
  await fs.get(root + '/in.txt', join(local, 'out.txt'));
  const listed = await fs.ls(root);
  let missing;
  try {
    await fs.info(root + '/missing.txt');
  } catch (err) {
    missing = err;
  }
  console.log(JSON.stringify({
    text: readFileSync(join(local, 'out.txt'), 'utf8'),
    listed: listed.length,
    fsError: missing instanceof FsError && isFsError(missing, 'NotFound'),
    code: isFsError(missing) ? missing.code : undefined,
  }));
}
main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
`;

const esmImports = (pkg: string | undefined): string =>
  [
    "import { filesystem, FsError, isFsError } from '@omnifs/core';",
    ...(pkg ? [`import '${pkg}';`] : []),
    "import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';",
    "import { tmpdir } from 'node:os';",
    "import { join } from 'node:path';",
  ].join('\n');

/**
 * The app's files for `protocol` of package `pkg`: `main.mjs` (ESM, imports the package so it
 * registers), `main.cjs` (CommonJS, never requires the package: the registry loads it),
 * `main.ts` and `main.cts` (TypeScript, both import the package).
 */
export function roundTripFiles(protocol: string, pkg: string): Record<string, string> {
  return {
    'main.mjs': `${esmImports(pkg)}\n${body(protocol)}`,
    'main.cjs':
      [
        "const { filesystem, FsError, isFsError } = require('@omnifs/core');",
        "const { mkdtempSync, readFileSync, writeFileSync } = require('node:fs');",
        "const { tmpdir } = require('node:os');",
        "const { join } = require('node:path');",
      ].join('\n') + `\n${body(protocol)}`,
    'main.ts': `${esmImports(pkg)}\n${body(protocol)}`,
    'main.cts': `${esmImports(pkg)}\n${body(protocol)}`,
  };
}

/** tsconfig files for `main.ts` + `main.cts`: `node16` and `bundler` module resolution. */
export function tsconfigs(typeRoots: string): Record<string, string> {
  const base = {
    strict: true,
    noEmit: true,
    target: 'ES2022',
    lib: ['ES2023'],
    skipLibCheck: true,
    types: ['node'],
    typeRoots: [typeRoots],
  };
  return {
    'tsconfig.node16.json': JSON.stringify({
      compilerOptions: { ...base, module: 'node16', moduleResolution: 'node16' },
      files: ['main.ts', 'main.cts'],
    }),
    'tsconfig.bundler.json': JSON.stringify({
      compilerOptions: { ...base, module: 'preserve', moduleResolution: 'bundler' },
      files: ['main.ts'],
    }),
  };
}
