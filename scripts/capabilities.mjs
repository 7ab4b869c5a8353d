#!/usr/bin/env node
/**
 * The docs' capability tables, generated from the one truth: each backend's `capabilities`
 * (derived from the hooks it implements and the facts it declares; packages/core/src/
 * capabilities.ts). Reads the built packages (`npm run build` first).
 *
 *   node scripts/capabilities.mjs          rewrites the tables
 *   node scripts/capabilities.mjs --check  exits 1, naming each file, when a table differs
 *
 * Tables: the matrix of every backend in docs/api.md (between `<!-- capabilities -->` and
 * `<!-- /capabilities -->`), and the `## Capabilities` table of each package README, whose
 * second column is generated and whose third ("how") is kept as written.
 */
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

/** The backends documented, each built as its README describes it (credentials that can sign). */
export const BACKENDS = [
  { protocol: 'file', title: 'local', pkg: 'local', options: {} },
  { protocol: 'memory', title: 'memory', pkg: 'memory', options: {} },
  { protocol: 's3', title: 'S3', pkg: 's3', options: { region: 'us-east-1' } },
  {
    protocol: 'gs',
    title: 'GCS',
    pkg: 'gcs',
    options: { projectId: 'p', credentials: { client_email: 'a@p.iam.gserviceaccount.com', private_key: 'k' } },
  },
  {
    protocol: 'az',
    title: 'Azure Blob',
    pkg: 'azure',
    options: { accountName: 'account', accountKey: Buffer.from('key').toString('base64') },
  },
  { protocol: 'hdfs', title: 'HDFS', pkg: 'hdfs', options: { url: 'http://127.0.0.1:9870' } },
];

/** Every capability, in the order of the `Capabilities` type, with its one-line description. */
export function capabilityDocs() {
  const types = readFileSync(join(root, 'packages/core/src/types.ts'), 'utf8');
  const body = types.slice(types.indexOf('export interface Capabilities {'));
  const block = body.slice(0, body.indexOf('\n}\n'));
  const docs = [];
  for (const m of block.matchAll(/\/\*\*([\s\S]*?)\*\/\s*\n\s*(\w+)\??:/g)) {
    const text = m[1]
      .split('\n')
      .map((l) => l.replace(/^\s*\*\s?/, '').trim())
      .join(' ')
      .trim();
    docs.push({ name: m[2], text: firstClause(text) });
  }
  return docs;
}

/** The capabilities of each documented backend, from the built packages. */
export function loadCapabilities() {
  const core = require('@omnifs/core');
  const out = {};
  for (const b of BACKENDS) {
    if (b.pkg !== 'local') require(`@omnifs/${b.pkg}`);
    out[b.protocol] = core.filesystem(b.protocol, { ...b.options, skipInstanceCache: true }).capabilities;
  }
  return out;
}

/** A description up to its first `. ` or `: ` outside parentheses. */
function firstClause(text) {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && (c === '.' || c === ':') && (text[i + 1] === ' ' || i === text.length - 1))
      return text.slice(0, i);
  }
  return text;
}

const MIB = 1024 * 1024;

/** How a capability's value reads in a table. */
export function shown(value) {
  if (value === true) return 'yes';
  if (value === false) return 'no';
  if (value === undefined) return '—';
  if (typeof value === 'number' && value >= MIB && value % MIB === 0) return `${value / MIB} MiB`;
  return String(value);
}

/** The matrix of docs/api.md: one row per capability, one column per backend. */
export function renderMatrix(caps, docs = capabilityDocs()) {
  const head = ['capability', ...BACKENDS.map((b) => b.title), 'meaning'];
  const rows = docs.map((d) => [`\`${d.name}\``, ...BACKENDS.map((b) => shown(caps[b.protocol][d.name])), d.text]);
  return [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

/** A package README's table: the value column generated, the "how" column kept from `text`. */
export function renderReadmeTable(text, backend, caps, docs = capabilityDocs()) {
  const how = new Map();
  for (const m of tableOf(text).matchAll(/^\| `(\w+)` \|[^|\n]*\|(.*)\|\s*$/gm)) how.set(m[1], m[2].trim());
  const c = caps[backend.protocol];
  const rows = docs
    .filter((d) => c[d.name] !== undefined)
    .map((d) => `| \`${d.name}\` | ${shown(c[d.name])} | ${how.get(d.name) ?? ''} |`.replace(/ {2}\|$/, ' |'));
  return [`| capability | ${backend.title} | how |`, '| --- | --- | --- |', ...rows].join('\n');
}

/** The capability table below `## Capabilities` in a README. */
function tableOf(text) {
  const at = text.indexOf('## Capabilities');
  if (at < 0) return '';
  const start = text.indexOf('\n|', at) + 1;
  let end = start;
  while (text.startsWith('|', end)) end = text.indexOf('\n', end) + 1 || text.length;
  return text.slice(start, end);
}

/** `text` with its generated tables replaced; `file` says which kind of page it is. */
export function regenerate(file, text, caps) {
  if (file === 'docs/api.md') {
    const open = '<!-- capabilities -->\n';
    const close = '<!-- /capabilities -->';
    const a = text.indexOf(open);
    const b = text.indexOf(close);
    if (a < 0 || b < a) throw new Error(`${file}: no ${open.trim()} ... ${close} block`);
    return `${text.slice(0, a + open.length)}${renderMatrix(caps)}\n${text.slice(b)}`;
  }
  const backend = BACKENDS.find((x) => file === `packages/${x.pkg}/README.md`);
  const table = tableOf(text);
  if (backend === undefined || table === '') throw new Error(`${file}: no capability table`);
  return text.replace(table, `${renderReadmeTable(text, backend, caps)}\n`);
}

/** The files holding generated tables. */
export const FILES = ['docs/api.md', ...BACKENDS.map((b) => `packages/${b.pkg}/README.md`)];

/** The files whose tables differ from the generated ones (rewritten unless `check`). */
export function run({ check }) {
  const caps = loadCapabilities();
  const differ = [];
  for (const file of FILES) {
    const path = join(root, file);
    const text = readFileSync(path, 'utf8');
    const next = regenerate(file, text, caps);
    if (next === text) continue;
    differ.push(file);
    if (!check) writeFileSync(path, next);
  }
  return differ;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === join(process.argv[1])) {
  const check = process.argv.includes('--check');
  const differ = run({ check });
  for (const f of differ) console.log(`${check ? 'differs from the generated table' : 'rewritten'}: ${f}`);
  if (check && differ.length > 0) {
    console.log('run `node scripts/capabilities.mjs` to regenerate');
    process.exitCode = 1;
  }
}
