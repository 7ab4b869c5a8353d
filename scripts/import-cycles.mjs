#!/usr/bin/env node
/**
 * Finds import cycles among a package's source files, counting only imports that remain at
 * run time (`import type` and `export type` are erased by TypeScript; `require('./x')` counts).
 *
 *   node scripts/import-cycles.mjs [dir]   (default packages/core/src; exit code 1 on a cycle)
 */
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const IMPORT = /(?:^|\n)\s*(import|export)\s+([^'";]*?)\s*from\s*['"](\.[^'"]*)['"]/g;
const BARE_IMPORT = /(?:^|\n)\s*import\s+['"](\.[^'"]*)['"]/g;
const REQUIRE = /\brequire\(\s*['"](\.[^'"]*)['"]\s*\)/g;

/** True when an import or export clause brings in types only. */
function typeOnly(clause) {
  if (/^type\s/.test(clause)) return true;
  const braces = /^\{([^}]*)\}$/.exec(clause.trim());
  if (braces === null) return false;
  const names = braces[1]
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return names.length > 0 && names.every((n) => n.startsWith('type '));
}

function sourceFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.ts$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function resolveImport(from, spec) {
  const base = resolve(dirname(from), spec);
  for (const p of [`${base}.ts`, join(base, 'index.ts'), base.replace(/\.js$/, '.ts')])
    if (existsSync(p) && statSync(p).isFile()) return p;
  return undefined;
}

/** The run-time import graph of the `.ts` files below `dir`: file -> files it imports. */
export function importGraph(dir) {
  const graph = new Map();
  for (const file of sourceFiles(dir)) {
    const text = readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '');
    const specs = [];
    for (const m of text.matchAll(IMPORT)) if (!typeOnly(m[2])) specs.push(m[3]);
    for (const m of text.matchAll(BARE_IMPORT)) specs.push(m[1]);
    for (const m of text.matchAll(REQUIRE)) specs.push(m[1]);
    graph.set(file, [...new Set(specs.map((s) => resolveImport(file, s)).filter(Boolean))]);
  }
  return graph;
}

/** Every elementary cycle found by a depth-first search, each as a list of paths relative to `dir`. */
export function findCycles(dir) {
  const graph = importGraph(dir);
  const cycles = [];
  const seen = new Set();
  const state = new Map(); // 1 = on the stack, 2 = done
  const stack = [];
  const visit = (file) => {
    state.set(file, 1);
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 1) {
        const cycle = stack.slice(stack.indexOf(next)).map((f) => relative(dir, f));
        const key = [...cycle].sort().join('|');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push(cycle);
        }
      } else if (state.get(next) === undefined) visit(next);
    }
    stack.pop();
    state.set(file, 2);
  };
  for (const file of [...graph.keys()].sort()) if (state.get(file) === undefined) visit(file);
  return cycles;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const dir = resolve(process.argv[2] ?? join(root, 'packages/core/src'));
  const cycles = findCycles(dir);
  for (const c of cycles) console.log(`cycle: ${[...c, c[0]].join(' -> ')}`);
  if (cycles.length === 0) console.log(`no import cycle in ${relative(root, dir) || dir}`);
  process.exitCode = cycles.length === 0 ? 0 : 1;
}
