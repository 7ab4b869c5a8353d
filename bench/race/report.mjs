/**
 * The race's report: medians per store, row and contender; ratios of omnifs to OpenDAL, to
 * the best peer and to the emulator's ceiling; client CPU and peak RSS; the targets of
 * issue 15; SVG charts (hand-written, no dependency). Writes bench/results/race.md,
 * race.json, race-<store>.svg and the race section of docs/performance.md.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from '../lib/harness.mjs';
import { num } from '../lib/report.mjs';
import { reportingSentence } from './pages.mjs';
import { ROWS, rowTitle, sizesIn, WARM_DELETE_KEYS } from './rows.mjs';
import { raceSvg } from './svg.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const resultsDir = join(here, '..', 'results');
const docsFile = join(here, '..', '..', 'docs', 'performance.md');
const GiB = 1024 ** 3;
const SMALL_ROWS = ['put1', 'get1', 'putBatch', 'get64'];
const STORE_TITLE = { s3: 'S3', gcs: 'GCS', azure: 'Azure Blob', hdfs: 'HDFS' };
/**
 * What one small write sends, where the contenders differ in kind, not speed (counted at
 * test/faults/counting.ts's proxy; fsspec's in bench/results/economy.md).
 */
const SMALL_WRITE = {
  gcs:
    "A small write: omnifs sends one `uploadType=multipart` POST with the CRC32C in the object's metadata, " +
    'which GCS checks before the object replaces anything; OpenDAL one `uploadType=media` POST without a checksum.',
  hdfs:
    'A small write: omnifs sends CREATE of a temporary name (namenode, then datanode) and a RENAME onto the target, ' +
    'so no reader sees a half-written file; OpenDAL (with `atomic_write_dir`, which its one-shot write does not use), ' +
    "npm webhdfs and fsspec's webhdfs send CREATE of the target itself (namenode, then datanode): written in place, " +
    'an overwrite truncating the old file before the new bytes arrive.',
};
const isOmnifs = (id) => id.startsWith('omnifs');
const isPeer = (id) => !isOmnifs(id) && id !== 'ceiling';

/** Medians of one contender on one row of one store: `{ seconds, value, cpu, rss, reps }` or `{ why }`. */
function cell(results, store, id, row) {
  const rs = results.filter((r) => r.store === store && r.id === id && r.row === row);
  const ok = rs.filter((r) => r.seconds !== undefined);
  if (ok.length === 0) {
    const bad = rs.find((r) => r.unavailable !== undefined || r.error !== undefined);
    if (!bad) return undefined;
    return bad.unavailable !== undefined ? { why: 'n/a', note: bad.unavailable } : { why: 'error', note: bad.error };
  }
  const seconds = median(ok.map((r) => r.seconds));
  const unit = ROWS.find((r) => r.id === row).unit;
  const value = unit === 'ops/s' ? ok[0].ops / seconds : unit === 'MB/s' ? ok[0].bytes / seconds / 1e6 : seconds;
  return {
    seconds,
    value,
    ops: ok[0].ops,
    bytes: ok[0].bytes,
    cpu: median(ok.map((r) => r.cpuSeconds)),
    server: ok.every((r) => r.serverCpuSeconds !== undefined) ? median(ok.map((r) => r.serverCpuSeconds)) : undefined,
    rss: Math.max(...ok.map((r) => r.peakRssMiB ?? 0)),
    reps: ok.length,
    spread: (Math.max(...ok.map((r) => r.seconds)) - Math.min(...ok.map((r) => r.seconds))) / 2 / seconds,
  };
}

/** How many times faster `a` is than `b` on the same work (b's median time over a's). */
const faster = (a, b) => (a?.seconds && b?.seconds ? b.seconds / a.seconds : undefined);

/**
 * The lowest and highest of omnifs's ratio to `peer` taken repetition by repetition (the
 * two ran one after the other in each): how far a median ratio near 1.0x can be trusted.
 * Undefined with fewer than two repetitions of both.
 */
function repRatios(results, store, peer, row) {
  const times = (id) =>
    new Map(
      results
        .filter((r) => r.store === store && r.id === id && r.row === row && r.seconds !== undefined)
        .map((r) => [r.rep, r.seconds]),
    );
  const ours = times('omnifs');
  const theirs = times(peer);
  const ratios = [...ours].filter(([rep]) => theirs.has(rep)).map(([rep, s]) => theirs.get(rep) / s);
  return ratios.length < 2 ? undefined : [Math.min(...ratios), Math.max(...ratios)];
}
const x = (r) => (r === undefined ? '–' : `${r.toFixed(2)}x`);

/** Figures of one store: per row, the cells and the ratios; the CPU and RSS lines. */
export function storeFigures(results, store, contenders) {
  const rows = ROWS.filter((r) => results.some((x) => x.store === store && x.row === r.id));
  const ids = contenders.map(([id]) => id);
  const table = rows.map((row) => {
    const cells = Object.fromEntries(ids.map((id) => [id, cell(results, store, id, row.id)]));
    const peers = ids.filter((id) => isPeer(id) && cells[id]?.seconds);
    const best = peers.sort((a, b) => cells[a].seconds - cells[b].seconds)[0];
    return {
      row,
      cells,
      best,
      vsBest: faster(cells.omnifs, cells[best]),
      vsOpendal: faster(cells.omnifs, cells.opendal),
      repsBest: best === undefined ? undefined : repRatios(results, store, best, row.id),
      repsOpendal: repRatios(results, store, 'opendal', row.id),
    };
  });
  const cpu = Object.fromEntries(
    ids.map((id) => {
      const small = SMALL_ROWS.map((r) => cell(results, store, id, r)).filter((c) => c?.seconds);
      const perSmall = (of) =>
        small.length && small.every((c) => of(c) !== undefined)
          ? (small.reduce((s, c) => s + of(c), 0) / small.reduce((s, c) => s + c.ops, 0)) * 1e3
          : undefined;
      const perGiB = (r, of) => {
        const c = cell(results, store, id, r);
        return c?.seconds && of(c) !== undefined ? (of(c) / c.bytes) * GiB : undefined;
      };
      const per = (r) => perGiB(r, (c) => c.cpu);
      const serverPer = (r) => perGiB(r, (c) => c.server);
      const rss = (r) => cell(results, store, id, r)?.rss;
      return [
        id,
        {
          smallMs: perSmall((c) => c.cpu),
          upGiB: per('upload'),
          downGiB: per('download'),
          rssUp: rss('upload'),
          rssDown: rss('download'),
          serverSmallMs: perSmall((c) => c.server),
          serverUpGiB: serverPer('upload'),
          serverDownGiB: serverPer('download'),
        },
      ];
    }),
  );
  return { rows, table, cpu, ids };
}

function fmtCell(c, unit) {
  if (c === undefined) return '–';
  if (c.why) return c.why;
  return unit === 's' ? `${num(c.value)} s` : `${num(c.value)}`;
}

function storeMarkdown(results, store, contenders, meta, notes, out) {
  const f = storeFigures(results, store, contenders);
  const sz = sizesIn(meta, store);
  const label = Object.fromEntries(contenders.map(([id, , l]) => [id, l]));
  const cols = f.ids;
  const lines = [`## ${STORE_TITLE[store]} (${meta.servers[store]})`, ''];
  lines.push(
    `| work | unit | ${cols.map((c) => label[c]).join(' | ')} | best peer | omnifs / best peer |${store === 's3' ? ' omnifs / OpenDAL |' : ''} omnifs / ceiling |`,
  );
  lines.push(
    `| --- | --- |${cols.map(() => ' ---: |').join('')} --- | ---: |${store === 's3' ? ' ---: |' : ''} ---: |`,
  );
  for (const t of f.table) {
    const cells = cols.map((c) => {
      const v = t.cells[c];
      if (v?.note) notes.push({ who: `${STORE_TITLE[store]}, ${label[c]}`, row: rowTitle(t.row, sz), note: v.note });
      return fmtCell(v, t.row.unit);
    });
    lines.push(
      `| ${rowTitle(t.row, sz)} | ${t.row.unit} | ${cells.join(' | ')} | ${t.best ? label[t.best] : '–'} | ${x(t.vsBest)} |` +
        `${store === 's3' ? ` ${x(t.vsOpendal)} |` : ''} ${x(faster(t.cells.omnifs, t.cells.ceiling))} |`,
    );
  }
  const line = (title, fn) =>
    `| ${title} | | ${cols.map((c) => fn(f.cpu[c]) ?? '–').join(' | ')} | | |${store === 's3' ? ' |' : ''} |`;
  const n = (v, d) => (v === undefined ? undefined : v.toFixed(d));
  lines.push(line('client CPU per small request (ms)', (c) => n(c.smallMs, 2)));
  lines.push(
    line('client CPU per GiB, up / down (s)', (c) =>
      c.upGiB === undefined && c.downGiB === undefined
        ? undefined
        : `${n(c.upGiB, 2) ?? '–'} / ${n(c.downGiB, 2) ?? '–'}`,
    ),
  );
  lines.push(line('server CPU per small request (ms)', (c) => n(c.serverSmallMs, 2)));
  lines.push(
    line('server CPU per GiB, up / down (s)', (c) =>
      c.serverUpGiB === undefined && c.serverDownGiB === undefined
        ? undefined
        : `${n(c.serverUpGiB, 2) ?? '–'} / ${n(c.serverDownGiB, 2) ?? '–'}`,
    ),
  );
  lines.push(
    line('peak RSS, large up / down (MiB)', (c) =>
      c.rssUp === undefined && c.rssDown === undefined
        ? undefined
        : `${n(c.rssUp, 0) ?? '–'} / ${n(c.rssDown, 0) ?? '–'}`,
    ),
  );
  if (SMALL_WRITE[store]) lines.push('', SMALL_WRITE[store]);
  lines.push('', `![${STORE_TITLE[store]} race](${out}-${store}.svg)`, '');
  return { md: lines, figures: f };
}

/** The targets of issue 15, each with its measured value. */
function targets(figs, meta) {
  const out = [];
  const push = (what, value, ok) => out.push(`| ${what} | ${value} | ${ok === undefined ? '–' : ok ? 'yes' : 'no'} |`);
  for (const [store, f] of Object.entries(figs)) {
    for (const t of f.table) {
      if (t.row.id === 'capped') continue;
      const r = store === 's3' ? t.vsOpendal : t.vsBest;
      const reps = store === 's3' ? t.repsOpendal : t.repsBest;
      push(
        `${STORE_TITLE[store]} ${rowTitle(t.row, sizesIn(meta, store))}: omnifs / ${store === 's3' ? 'OpenDAL' : 'best peer'} >= 1.0x`,
        `${x(r)}${reps === undefined ? '' : ` (${reps[0].toFixed(2)}-${reps[1].toFixed(2)})`}`,
        r === undefined ? undefined : r >= 1,
      );
    }
    for (const id of f.ids.filter(isOmnifs)) {
      const c = f.cpu[id];
      if (c.smallMs !== undefined)
        push(
          `${STORE_TITLE[store]} ${id}: CPU per small request <= 0.4 ms`,
          `${c.smallMs.toFixed(2)} ms`,
          c.smallMs <= 0.4,
        );
      for (const [k, w] of [
        ['upGiB', 'up'],
        ['downGiB', 'down'],
      ])
        if (c[k] !== undefined)
          push(`${STORE_TITLE[store]} ${id}: CPU per GiB ${w} <= 1 s`, `${c[k].toFixed(2)} s`, c[k] <= 1);
      for (const [k, w] of [
        ['rssUp', 'upload'],
        ['rssDown', 'download'],
      ])
        if (c[k] !== undefined)
          push(
            `${STORE_TITLE[store]} ${id}: peak RSS on the large ${w} < 200 MB`,
            `${(c[k] * 1.048576).toFixed(0)} MB`,
            c[k] * 1.048576 < 200,
          );
    }
  }
  const cap = figs.s3?.table.find((t) => t.row.id === 'capped');
  if (cap) {
    const r = faster(cap.cells.omnifs, cap.cells.sdk);
    push(
      'S3 moonshot: capped get, omnifs / one GetObject stream (raw SDK) >= 4x',
      x(r),
      r === undefined ? undefined : r >= 4,
    );
  }
  return out;
}

/** The sizes of the run's rows, once when every store had the same, else per group of stores. */
function sizesLine(meta, stores) {
  const text = (sz) =>
    `${sz.one} one-at-a-time requests, ${sz.batch} batched, ${sz.latency} through the latency proxy, large files of ${sz.largeMiB} MiB, ` +
    `${sz.keys} keys listed and deleted`;
  const groups = new Map();
  for (const store of stores) {
    const t = text(sizesIn(meta, store));
    groups.set(t, [...(groups.get(t) ?? []), STORE_TITLE[store]]);
  }
  if (groups.size === 1) return [...groups.keys()][0];
  return [...groups].map(([t, names]) => `${names.join(', ')}: ${t}`).join('; ');
}

/** How much of the large object the warm-up read: one figure for every store, or per store. */
function rangedText(rangedMiB, stores) {
  const per = stores.map((s) => [s, typeof rangedMiB === 'number' ? rangedMiB : (rangedMiB[s] ?? 0)]);
  const values = new Set(per.map(([, v]) => v));
  if (values.size === 1) {
    const [v] = values;
    return v > 0 ? `, and ${v} MiB of the large object read in ranges` : '';
  }
  const read = per.filter(([, v]) => v > 0).map(([s, v]) => `${v} MiB on ${STORE_TITLE[s]}`);
  return `, and of the large object, read in ranges, ${read.join(', ')}`;
}

/** What the run did to each server before a contender met it (runs from 2026-12-02 on). */
function serverWarmth(meta, stores) {
  const w = meta.serverWarm;
  if (w === undefined) return '';
  const restarted = stores.filter((s) => w.restartEachRun.includes(s)).map((s) => STORE_TITLE[s]);
  const renamed = stores.filter((s) => w.renamed?.includes(s)).map((s) => STORE_TITLE[s]);
  return (
    ` After every start each server was warmed, untimed: ${w.objects.toLocaleString('en-US')} objects of 4 KiB written, read and deleted` +
    (renamed.length ? ` (on ${renamed.join(' and ')} renamed before they were deleted)` : '') +
    rangedText(w.rangedMiB, stores) +
    (restarted.length ? `; the ${restarted.join(' and ')} server started anew before each contender's run.` : '.')
  );
}

/** Builds the report; prints it; with `write`, writes the files. */
export function writeReport(results, meta, { write, stores, contenders, out = 'race' }) {
  const notes = [];
  const figs = {};
  const body = [];
  for (const store of stores) {
    if (!results.some((r) => r.store === store)) {
      body.push(`## ${STORE_TITLE[store]}`, '', meta.servers[store] ?? 'not run', '');
      continue;
    }
    const { md, figures } = storeMarkdown(results, store, contenders[store], meta, notes, out);
    figs[store] = figures;
    body.push(...md);
  }
  const loads = results.filter((r) => r.load !== undefined).map((r) => r.load);
  const la = (l) => l.map((v) => v.toFixed(2)).join(' / ');
  const sz = sizesIn(meta, stores[0]);
  const warmth =
    sz.warm === true
      ? `Each contender ran its small-request rows once, untimed, before the timed rows${sz.warmList === true ? ', then listed what they wrote' : ''}${sz.warmDelete === true && results.some((r) => r.row === 'delete') ? ` and removed a tree of ${WARM_DELETE_KEYS} keys the parent seeded` : ''}: a warmed process, as a long-running app meets it.`
      : 'No warm-up beyond one request (`--cold`, or a run from before the warm-up pass): the small-request rows include each process warming up.';
  const head = [
    '# The race: omnifs against the raw SDKs, OpenDAL and fsspec',
    '',
    `Run ${meta.date} (${(meta.seconds / 60).toFixed(0)} min), Node ${meta.node}, ${meta.cpus}; ${meta.peers}.`,
    `Sizes: ${sizesLine(meta, stores)}; median of ${sz.reps} repetition(s)${meta.quick ? ' (--quick: a smoke run, not figures to quote)' : ''}. ${warmth}` +
      (sz.listTimes > 1 ? ` A list row's time in each process is the median of ${sz.listTimes} listings.` : '') +
      (sz.latencyTimes > 1
        ? ` A row through the latency proxy is timed ${sz.latencyTimes} times in each process, the median kept.`
        : '') +
      (sz.rssCollect === 'memory-reducing'
        ? " Before the large upload and download each process collected its garbage (Node: V8's memory-reducing full GC, which gives back the young generation the small rows grew; fsspec: `gc.collect()`), so that the peak RSS shown is the transfer's own."
        : '') +
      serverWarmth(meta, stores),
    '',
    `**Noise.** The machine's load average (1 / 5 / 15 min) was ${la(meta.loadStart)} at the start and ${la(meta.loadEnd)} at the end; ` +
      `at the start of each contender's process its 1-minute load was ${loads.length ? `${median(loads).toFixed(2)} (median), ${Math.max(...loads).toFixed(2)} (max)` : '–'}. ` +
      `The machine has ${meta.cpus.split(' ')[0]} cores shared with other work, and the server runs on the same cores as the client: ` +
      "absolute figures are noisy, ratios within one run less so. Client CPU and peak RSS are the client process's own; server CPU is that of the server's processes during the same row (from /proc, 10 ms ticks), " +
      "which shows whether a row was bound by the server and whether one client's requests cost the server more than another's." +
      reportingSentence(meta),
    '',
    'Values: ops/s for small requests (higher is better), MB/s (10^6 bytes/s) for large transfers, seconds for list and delete ' +
      '(lower is better). Ratios are "how many times faster omnifs is" (the other\'s median time over omnifs\'s), so >= 1.0x means omnifs is ' +
      'at least as fast. n/a: the contender cannot do this here (see the notes); error: it failed.',
    '',
  ];
  const tgt = [
    '## Targets (issue 15)',
    '',
    "A ratio is that of the medians; in brackets, the lowest and highest of the ratio taken repetition by repetition (the two contenders ran one after the other in each), which shows how far a ratio near 1.0x says more than the machine's noise.",
    '',
    '| target | measured | met |',
    '| --- | ---: | --- |',
    ...targets(figs, meta),
    '',
  ];
  const grouped = new Map();
  for (const { who, row, note } of notes) {
    const key = `${who}: ${note}`;
    grouped.set(key, [...(grouped.get(key) ?? []), row]);
  }
  const noteLines = grouped.size
    ? ['## Notes', '', ...[...grouped].map(([key, rows]) => `- ${key.replace(': ', ` (${rows.join('; ')}): `)}`), '']
    : [];
  const md = [...head, ...body, ...tgt, ...noteLines].join('\n');
  process.stdout.write(`${md}\n`);
  if (!write) return;
  writeFileSync(join(resultsDir, `${out}.md`), md);
  writeFileSync(join(resultsDir, `${out}.json`), `${JSON.stringify({ meta, results }, null, 2)}\n`);
  for (const [store, f] of Object.entries(figs)) {
    const labels = Object.fromEntries(contenders[store].map(([id, , l]) => [id, l]));
    writeFileSync(
      join(resultsDir, `${out}-${store}.svg`),
      raceSvg(`${STORE_TITLE[store]}: ${meta.servers[store]}`, f, labels, sizesIn(meta, store)),
    );
  }
  writeDocs(contenders);
}

/** Per store, the newest written result file that raced it: `{ store: { name, meta, figures } }`. */
function newestPerStore(contenders) {
  const per = {};
  for (const file of readdirSync(resultsDir).filter((f) => /^race[\w-]*\.json$/.test(f))) {
    const { meta, results } = JSON.parse(readFileSync(join(resultsDir, file), 'utf8'));
    for (const store of Object.keys(STORE_TITLE)) {
      if (!results.some((r) => r.store === store) || (per[store] && per[store].meta.date > meta.date)) continue;
      per[store] = {
        name: file.replace(/\.json$/, ''),
        meta,
        figures: storeFigures(results, store, contenders[store]),
      };
    }
  }
  return per;
}

/** Rewrites the race section of docs/performance.md from the result files in bench/results. */
export function writeDocs(contenders) {
  const start = '<!-- race:start -->';
  const end = '<!-- race:end -->';
  const per = newestPerStore(contenders);
  const lines = [
    start,
    '## The race: omnifs against the raw SDKs, OpenDAL and fsspec',
    '',
    "`npm run bench:race` runs omnifs, the raw SDK under it, OpenDAL's Node binding and fsspec's peer (s3fs, gcsfs, adlfs, " +
      "webhdfs) on the same work against each store on loopback, with raw HTTP at full concurrency as the emulator's own ceiling. " +
      "Every contender runs in a process of its own, so its CPU and peak RSS exclude the server's; the contenders take turns over " +
      'the repetitions. How to run it and what each row measures: [bench/README.md](../bench/README.md).',
    '',
    'The runs below were made on a 2-core machine shared with other work, the servers on the same cores: absolute figures ' +
      'are noisy (the load average is given), ratios within one run less so.',
    '',
    '| store | run | load average at the start | results |',
    '| --- | --- | --- | --- |',
    ...Object.entries(per).map(
      ([store, { name, meta }]) =>
        `| ${STORE_TITLE[store]} | ${meta.date.slice(0, 16).replace('T', ' ')} UTC, median of ${sizesIn(meta, store).reps} | ` +
        `${meta.loadStart.map((v) => v.toFixed(2)).join(' / ')} | [${name}.md](../bench/results/${name}.md) |`,
    ),
    '',
    '| store | work | omnifs / best peer | best peer | omnifs / ceiling |',
    '| --- | --- | ---: | --- | ---: |',
  ];
  for (const [store, { meta, figures }] of Object.entries(per)) {
    const labels = Object.fromEntries(contenders[store].map(([id, , l]) => [id, l]));
    for (const t of figures.table)
      if (t.best)
        lines.push(
          `| ${STORE_TITLE[store]} | ${rowTitle(t.row, sizesIn(meta, store))} | ${x(t.vsBest)} | ${labels[t.best]} | ` +
            `${x(faster(t.cells.omnifs, t.cells.ceiling))} |`,
        );
  }
  lines.push('', "Each bar is a contender's speed relative to the fastest on that row (longer is faster).", '');
  for (const [store, { name }] of Object.entries(per))
    lines.push(`![${STORE_TITLE[store]} race](../bench/results/${name}-${store}.svg)`, '');
  lines.push(end);
  let doc = readFileSync(docsFile, 'utf8');
  const block = lines.join('\n');
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  doc = i >= 0 && j > i ? doc.slice(0, i) + block + doc.slice(j + end.length) : `${doc.trimEnd()}\n\n${block}\n`;
  writeFileSync(docsFile, doc);
}
