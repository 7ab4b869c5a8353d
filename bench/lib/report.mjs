/** Markdown tables and a hand-written SVG bar chart from summarised results. */

const fmt = (n, digits = 0) =>
  n === undefined || Number.isNaN(n)
    ? '–'
    : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Significant-ish formatting for figures that range from 0.001 to 100,000. */
export function num(n) {
  if (n === undefined || Number.isNaN(n)) return '–';
  const a = Math.abs(n);
  if (a >= 1000) return fmt(n, 0);
  if (a >= 100) return fmt(n, 0);
  if (a >= 10) return fmt(n, 1);
  if (a >= 1) return fmt(n, 2);
  return fmt(n, 3);
}

/** The baseline a contender is compared with: its own `baseline`, else the benchmark's. */
export function baselineOf(bench, contender) {
  return contender.baseline ?? bench.baseline;
}

/** Throughput of `a` relative to `b` (same work per round): b's time over a's, from medians. */
export function ratio(a, b) {
  if (!a || !b || a.unavailable !== undefined || b.unavailable !== undefined) return undefined;
  return b.medianSeconds / a.medianSeconds;
}

/** A spread above which a comparison is flagged as noisy. */
const NOISY_SPREAD = 0.15;

function esc(s) {
  return String(s).replace(/\|/g, '\\|');
}

/** One benchmark's section: the main table, phases, target checks. */
export function benchMarkdown(bench, results) {
  const byId = new Map(results.map((r) => [r.id, r]));
  const lines = [`## ${bench.title}`, '', bench.description, ''];
  lines.push('| contender | median time (s) | spread | ops/s | MB/s | CPU time (s) | peak RSS (MiB) | x baseline |');
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const c of bench.contenders) {
    const r = byId.get(c.id);
    const name = `${esc(c.label)}${c.kind === 'omnifs' ? ' **(omnifs)**' : ''}`;
    if (!r) {
      lines.push(`| ${name} | not run | | | | | | |`);
      continue;
    }
    if (r.unavailable !== undefined) {
      lines.push(`| ${name} | not available: ${esc(r.unavailable)} | | | | | | |`);
      continue;
    }
    const base = byId.get(baselineOf(bench, c));
    const x = base === r ? 'baseline' : ratio(r, base) === undefined ? '–' : `${ratio(r, base).toFixed(2)}x`;
    lines.push(
      `| ${name} | ${num(r.medianSeconds)} | ±${(r.spread * 100).toFixed(1)} % | ${fmt(r.opsPerSec)} | ${num(r.mbPerSec)} | ` +
        `${num(r.cpuSecondsMedian)} | ${fmt(r.peakRssMiB)} | ${x} |`,
    );
  }
  const notes = bench.contenders.filter((c) => c.note);
  if (notes.length > 0) {
    lines.push('');
    for (const c of notes) lines.push(`- *${c.label}*: ${c.note}`);
  }
  const phaseNames = [...new Set(results.flatMap((r) => Object.keys(r.phases ?? {})))];
  if (phaseNames.length > 0) {
    const per = (r, p) => (r.phases?.[p] ? r.ops / phaseNames.length / r.phases[p] : undefined);
    lines.push('', `Per phase (median seconds of each phase; ops/s of that phase alone):`, '');
    lines.push(`| contender | ${phaseNames.map((p) => `${p} (s) | ${p} ops/s`).join(' | ')} |`);
    lines.push(`| --- | ${phaseNames.map(() => '---: | ---:').join(' | ')} |`);
    for (const c of bench.contenders) {
      const r = byId.get(c.id);
      if (!r || r.unavailable !== undefined) continue;
      lines.push(
        `| ${esc(c.label)} | ${phaseNames.map((p) => `${num(r.phases[p])} | ${fmt(per(r, p))}`).join(' | ')} |`,
      );
    }
  }
  if (bench.targets?.length) {
    lines.push(
      '',
      'Comparisons: throughput of the first over the second from median wall times, then from the best rounds and from median CPU times (less disturbed by other load on the machine):',
      '',
    );
    for (const t of bench.targets) {
      const a = byId.get(t.subject);
      const b = byId.get(t.against);
      const x = ratio(a, b);
      if (x === undefined) {
        lines.push(
          `- ${t.label}: not measured (${
            [a, b]
              .map((r) => r?.unavailable)
              .filter(Boolean)
              .join('; ') || 'contender missing'
          })`,
        );
        continue;
      }
      const best = a.bestOpsPerSec / b.bestOpsPerSec;
      const cpu = b.cpuSecondsMedian / a.cpuSecondsMedian;
      const verdict =
        t.min === undefined
          ? ''
          : x >= t.min
            ? ` — target ≥ ${t.min.toFixed(2)}x: **met**`
            : ` — target ≥ ${t.min.toFixed(2)}x: **missed**`;
      const spread = Math.max(a.spread, b.spread);
      const noisy =
        spread > NOISY_SPREAD
          ? ` (noisy: rounds spread ±${(spread * 100).toFixed(0)} %; see the CPU-time ratio, or rerun on a quieter machine)`
          : '';
      lines.push(
        `- ${t.label}: **${x.toFixed(2)}x** (best rounds ${best.toFixed(2)}x, CPU time ${cpu.toFixed(2)}x)${verdict}${noisy}`,
      );
    }
  }
  if (bench.checks) {
    const out = bench.checks(byId);
    if (out.length) lines.push('', ...out.map((l) => `- ${l}`));
  }
  lines.push('');
  return lines.join('\n');
}

/** A full results page: environment, then each benchmark's section. */
export function suiteMarkdown(title, env, sections) {
  return [
    `# ${title}`,
    '',
    `Written by \`npm run bench\` on ${env.date}. ${env.describe}`,
    '',
    '| | |',
    '| --- | --- |',
    ...env.rows.map(([k, v]) => `| ${k} | ${esc(v)} |`),
    '',
    'How to read this: see [bench/README.md](../README.md). Chart: [core.svg](core.svg).',
    '',
    ...sections,
  ].join('\n');
}

function xml(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * A horizontal bar chart of throughput relative to each contender's baseline (1.0), grouped
 * by benchmark, with the absolute figure at the end of each bar and the 1/1.2 target line.
 */
export function chartSvg(title, benches, resultsByBench) {
  const W = 900;
  const labelW = 330;
  const barMaxW = 430;
  const rowH = 22;
  const groupGap = 34;
  const top = 56;
  const rows = [];
  let maxRatio = 1.25;
  for (const b of benches) {
    const byId = new Map((resultsByBench[b.name] ?? []).map((r) => [r.id, r]));
    const group = { title: b.title, items: [] };
    for (const c of b.contenders) {
      const r = byId.get(c.id);
      const base = byId.get(baselineOf(b, c));
      const x = ratio(r, base);
      const figure =
        r && r.unavailable === undefined
          ? b.metric === 'mb'
            ? `${num(r.mbPerSec)} MB/s`
            : `${fmt(r.opsPerSec)} ops/s`
          : 'not available';
      if (x !== undefined) maxRatio = Math.max(maxRatio, x);
      group.items.push({ label: c.label, kind: c.kind, x, figure, isBase: base === r && r !== undefined });
    }
    rows.push(group);
  }
  const scale = barMaxW / (Math.ceil(maxRatio * 4) / 4);
  const height = top + rows.reduce((h, g) => h + groupGap + g.items.length * rowH, 0) + 40;
  const colors = { omnifs: '#2b6cb0', baseline: '#718096', other: '#d69e2e' };
  const out = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${W}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="12" y="22" font-size="16" font-weight="bold">${xml(title)}</text>`);
  out.push(
    `<text x="12" y="40" fill="#4a5568">Throughput relative to the baseline of each group (1.0 = baseline; longer is faster). Dashed line: the 1/1.2 target.</text>`,
  );
  let y = top;
  const x0 = labelW;
  for (const g of rows) {
    y += groupGap;
    out.push(`<text x="12" y="${y - 10}" font-weight="bold">${xml(g.title)}</text>`);
    const gy = y;
    for (const it of g.items) {
      out.push(`<text x="${x0 - 8}" y="${y + 15}" text-anchor="end">${xml(it.label)}</text>`);
      if (it.x === undefined) {
        out.push(`<text x="${x0 + 4}" y="${y + 15}" fill="#a0aec0" font-style="italic">${xml(it.figure)}</text>`);
      } else {
        const w = Math.max(1, it.x * scale);
        out.push(
          `<rect x="${x0}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${colors[it.kind] ?? colors.other}"/>`,
        );
        out.push(
          `<text x="${(x0 + w + 6).toFixed(1)}" y="${y + 15}">${it.isBase ? 'baseline' : `${it.x.toFixed(2)}x`} · ${xml(it.figure)}</text>`,
        );
      }
      y += rowH;
    }
    for (const [v, dash] of [
      [1, ''],
      [1 / 1.2, ' stroke-dasharray="4 3"'],
    ]) {
      const lx = (x0 + v * scale).toFixed(1);
      out.push(`<line x1="${lx}" y1="${gy}" x2="${lx}" y2="${y}" stroke="#2d3748" stroke-width="1"${dash}/>`);
    }
  }
  const ly = height - 16;
  let lx = 12;
  for (const [kind, name] of [
    ['omnifs', 'omnifs'],
    ['baseline', 'baseline (raw API)'],
    ['other', 'other library / variant'],
  ]) {
    out.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${colors[kind]}"/>`);
    out.push(`<text x="${lx + 18}" y="${ly}">${xml(name)}</text>`);
    lx += 190;
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
