#!/usr/bin/env node
/**
 * `npm run bench`: runs the benchmarks and writes bench/results/ (core.md, core.svg,
 * core.json, README.md).
 *
 *   node bench/run.mjs                 all benchmarks of the core suite
 *   node bench/run.mjs memory local    some of them (the others keep their last results)
 *   node bench/run.mjs --quick         a small smoke run; prints the tables, writes nothing
 *   node bench/run.mjs --passes 3      interleave contenders over 3 passes (default 2)
 *
 * Every contender runs in a process of its own (its peak RSS is its own), and the
 * contenders of a benchmark take turns over several passes, so that a burst of load from
 * elsewhere on the machine is spread over all of them instead of hitting one.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DEFAULT_ROUNDS, summarize } from './lib/harness.mjs';
import { benchMarkdown, chartSvg, suiteMarkdown } from './lib/report.mjs';
import { ensureOpendal, opendalVersion } from './lib/opendal.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const resultsDir = join(here, 'results');

/** The core suite, in the order it runs and is reported. */
const SUITE = { name: 'core', title: 'omnifs core benchmarks', files: ['memory.mjs', 'local.mjs', 'large-file.mjs'] };

/** What `--quick` shrinks: 2,000 small files, a 32 MiB large file. */
const QUICK_ENV = { BENCH_FILES: '2000', BENCH_LARGE_MIB: '32' };

function parseArgs(argv) {
  const args = { quick: false, passes: undefined, only: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') args.quick = true;
    else if (a === '--passes') args.passes = Number(argv[++i]);
    else if (a === '--help' || a === '-h') {
      process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]);
      process.exit(0);
    } else args.only.push(a.replace(/\.mjs$/, ''));
  }
  return args;
}

function git(...a) {
  try {
    return execFileSync('git', a, { cwd: here, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

function environment(scratch) {
  const cpus = os.cpus();
  const commit = git('rev-parse', '--short', 'HEAD');
  const dirty =
    git('status', '--porcelain', '--', '../packages') !== '' ? ' (with uncommitted changes to packages/)' : '';
  const opendal = opendalVersion();
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    describe:
      'Absolute figures depend on the machine and on what else runs on it; ratios between contenders measured in the same run are what to compare.',
    rows: [
      ['commit', `${commit}${dirty}`],
      ['node', process.version],
      ['cpu', `${cpus[0]?.model ?? 'unknown'} × ${cpus.length}`],
      ['memory', `${Math.round(os.totalmem() / 2 ** 30)} GiB`],
      ['scratch dir (local benchmarks)', scratch],
      [
        'load average at start (1/5/15 min)',
        os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(' / '),
      ],
      ['opendal', opendal],
    ],
  };
}

/** Runs one contender in a child process; resolves to its raw result. */
function runChild(file, id, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', join(here, file), id], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (code === 0 && line) return resolve(JSON.parse(line.slice('BENCH_RESULT '.length)));
      const why = (
        err
          .trim()
          .split('\n')
          .find((l) => /Error|error/.test(l)) ??
        err.trim().split('\n').pop() ??
        `exit ${code}`
      ).slice(0, 200);
      resolve({ id, failed: true, unavailable: `failed: ${why}`, stderr: err });
    });
  });
}

/** Runs every contender of a benchmark, interleaved over passes, and merges their samples. */
async function runBench(file, def, { passes, quick }) {
  const rounds = { ...DEFAULT_ROUNDS, ...def.rounds, ...(quick ? { reps: 2 } : {}) };
  const p = Math.max(1, Math.min(passes ?? def.passes ?? 2, rounds.reps));
  const perPass = Math.ceil(rounds.reps / p);
  const env = { BENCH_ROUNDS: JSON.stringify({ warmup: rounds.warmup, reps: perPass }) };
  if (quick) Object.assign(env, QUICK_ENV);
  const merged = new Map();
  for (let pass = 0; pass < p; pass++) {
    for (const c of def.contenders) {
      if (merged.get(c.id)?.unavailable !== undefined) continue;
      const t0 = Date.now();
      const r = await runChild(file, c.id, env);
      process.stderr.write(
        `  ${def.name} ${c.id} pass ${pass + 1}/${p}: ${r.unavailable ?? `${r.samples.map((s) => s.seconds.toFixed(3)).join(' ')} s`} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`,
      );
      if (r.failed) process.stderr.write(r.stderr.split('\n').slice(-15).join('\n') + '\n');
      const prev = merged.get(c.id);
      if (prev === undefined || r.unavailable !== undefined) merged.set(c.id, r);
      else {
        prev.samples.push(...r.samples);
        prev.peakRssMiB = Math.max(prev.peakRssMiB, r.peakRssMiB);
        prev.startRssMiB = Math.min(prev.startRssMiB, r.startRssMiB);
      }
    }
  }
  return def.contenders
    .map((c) => merged.get(c.id))
    .filter(Boolean)
    .map((r) => {
      const { stderr: _, ...rest } = r;
      return summarize(rest);
    });
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const known = SUITE.files.map((f) => f.replace(/\.mjs$/, ''));
  const unknown = args.only.filter((n) => !known.includes(n));
  if (unknown.length) {
    process.stderr.write(`unknown benchmark ${unknown.join(', ')}; known: ${known.join(', ')}\n`);
    process.exit(2);
  }
  if (args.quick) Object.assign(process.env, QUICK_ENV); // the definitions' titles read these too
  const files = args.only.length ? SUITE.files.filter((f) => args.only.includes(f.replace(/\.mjs$/, ''))) : SUITE.files;
  if (files.includes('memory.mjs')) {
    const problem = ensureOpendal();
    if (problem) process.stderr.write(`OpenDAL is left out of the memory benchmark: ${problem}\n`);
  }
  const defs = new Map();
  for (const f of SUITE.files) defs.set(f, (await import(pathToFileURL(join(here, f)).href)).default);

  const jsonPath = join(resultsDir, `${SUITE.name}.json`);
  const previous = !args.quick && existsSync(jsonPath) ? JSON.parse(readFileSync(jsonPath, 'utf8')) : { results: {} };
  const results = { ...previous.results };
  const { scratchRoot } = await import('./lib/workload.mjs');
  const probe = scratchRoot();
  execFileSync('rm', ['-rf', probe]);
  const env = environment(dirname(probe));
  const started = Date.now();
  let failed = false;
  for (const f of files) {
    const def = defs.get(f);
    process.stderr.write(`${def.title}\n`);
    results[def.name] = await runBench(f, def, args);
    failed ||= results[def.name].some((r) => r.failed);
  }
  env.rows.push([
    'load average at end (1/5/15 min)',
    os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' / '),
  ]);
  env.rows.push([
    'wall time of this run',
    `${((Date.now() - started) / 1000).toFixed(0)} s${args.only.length ? ` (${args.only.join(', ')}; the other sections are from an earlier run)` : ''}`,
  ]);

  const benches = SUITE.files.map((f) => defs.get(f)).filter((d) => results[d.name]);
  const sections = benches.map((d) => benchMarkdown(d, results[d.name]));
  const md = suiteMarkdown(SUITE.title, env, sections);
  if (args.quick) {
    process.stdout.write(md);
  } else {
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(join(resultsDir, `${SUITE.name}.md`), md);
    writeFileSync(join(resultsDir, `${SUITE.name}.svg`), chartSvg(SUITE.title, benches, results));
    writeFileSync(jsonPath, `${JSON.stringify({ env, results }, null, 1)}\n`);
    writeFileSync(
      join(resultsDir, 'README.md'),
      [
        '# Benchmark results',
        '',
        'Written by `npm run bench` (see [../README.md](../README.md) for what is measured and how to read it).',
        '',
        `- [${SUITE.title}](${SUITE.name}.md): memory and local backends against their raw APIs and OpenDAL (${env.date})`,
        '',
        `![${SUITE.title}](${SUITE.name}.svg)`,
        '',
        ...sections,
      ].join('\n'),
    );
    process.stderr.write(
      `wrote ${join('bench', 'results')}/{${SUITE.name}.md,${SUITE.name}.svg,${SUITE.name}.json,README.md} in ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
    );
  }
  if (failed) process.exitCode = 1;
}

await main();
