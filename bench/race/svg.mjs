/**
 * A hand-written SVG chart of one store's race: per row, one bar per contender, its length
 * the contender's speed relative to the fastest on that row, labelled with the figure.
 */
import { num } from '../lib/report.mjs';
import { rowTitle } from './rows.mjs';

const COLORS = {
  omnifs: '#1f77b4',
  'omnifs-sdk': '#17becf',
  sdk: '#7f7f7f',
  opendal: '#d62728',
  fsspec: '#2ca02c',
  ceiling: '#bcbd22',
};
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The SVG text for one store (`figures` from report.mjs's storeFigures). */
export function raceSvg(title, figures, labels, sizes) {
  const ids = figures.ids;
  const bar = 12;
  const labelW = 330;
  const plotW = 420;
  const groupH = ids.length * bar + 14;
  const top = 58;
  const height = top + figures.table.length * groupH + 10;
  const width = labelW + plotW + 110;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="18" font-size="14" font-weight="bold">${esc(title)}</text>`,
  ];
  ids.forEach((id, i) => {
    const lx = 10 + i * 125;
    out.push(`<rect x="${lx}" y="28" width="10" height="10" fill="${COLORS[id] ?? '#999'}"/>`);
    out.push(`<text x="${lx + 14}" y="37">${esc(labels[id])}</text>`);
  });
  figures.table.forEach((t, g) => {
    const y0 = top + g * groupH;
    const ok = ids.filter((id) => t.cells[id]?.seconds);
    const fastest = Math.min(...ok.map((id) => t.cells[id].seconds));
    out.push(`<text x="10" y="${y0 + groupH / 2}">${esc(rowTitle(t.row, sizes))}</text>`);
    ids.forEach((id, i) => {
      const c = t.cells[id];
      const y = y0 + i * bar;
      if (!c?.seconds) {
        out.push(`<text x="${labelW + 2}" y="${y + bar - 2}" fill="#999">${c?.why ?? 'not run'}</text>`);
        return;
      }
      const w = Math.max(1, (fastest / c.seconds) * plotW);
      const unit = t.row.unit === 's' ? ' s' : ` ${t.row.unit}`;
      out.push(
        `<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${bar - 2}" fill="${COLORS[id] ?? '#999'}"/>`,
      );
      out.push(`<text x="${(labelW + w + 4).toFixed(1)}" y="${y + bar - 2}">${esc(num(c.value) + unit)}</text>`);
    });
    out.push(`<line x1="10" x2="${width - 10}" y1="${y0 + groupH - 4}" y2="${y0 + groupH - 4}" stroke="#eee"/>`);
  });
  out.push('</svg>', '');
  return out.join('\n');
}
