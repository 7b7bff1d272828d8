/**
 * Hand-written SVG charts for the offline HTML report (no libraries, no network): line charts for
 * convergence curves, interval bars for timestep clusters, a heatmap for task affinity, scatter plots for
 * 2-D samples. Every chart is an `<svg class="chart">` with fixed number formatting.
 *
 * @module
 */
import { fmtNum } from "./format.ts";

/** Fixed categorical palette (colour-blind-safe Okabe-Ito, then greys). */
export const PALETTE = [
  "#000000",
  "#E69F00",
  "#56B4E9",
  "#009E73",
  "#D55E00",
  "#0072B2",
  "#CC79A7",
  "#F0E442",
  "#777777",
  "#BBBBBB",
];

/** Escape text for HTML/SVG. */
export function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const f = (x: number) => Number(x.toFixed(2)).toString();

/** A line series. */
export interface Series {
  label: string;
  points: [number, number][];
  dashed?: boolean;
}

function ticks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const step = (hi - lo) / (n - 1);
  return Array.from({ length: n }, (_, i) => lo + i * step);
}

/** Line chart with axes, ticks and a legend. */
export function lineChart(title: string, xLabel: string, yLabel: string, series: readonly Series[]): string {
  const W = 560, H = 300, L = 64, R = 170, T = 28, B = 44;
  const pts = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (pts.length === 0) return `<p class="empty">${esc(title)}: no data</p>`;
  let [x0, x1] = [Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0]))];
  let [y0, y1] = [Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1]))];
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  if (y1 === y0) [y0, y1] = [y0 - Math.abs(y0) * 0.1 - 1e-9, y1 + Math.abs(y1) * 0.1 + 1e-9];
  const pad = (y1 - y0) * 0.05;
  y0 -= pad;
  y1 += pad;
  const sx = (x: number) => L + (x - x0) / (x1 - x0) * (W - L - R);
  const sy = (y: number) => H - B - (y - y0) / (y1 - y0) * (H - T - B);
  const parts = [
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${
      esc(title)
    }">`,
    `<text x="${W / 2 - R / 2}" y="16" text-anchor="middle" font-size="13">${esc(title)}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#444"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#444"/>`,
  ];
  for (const x of ticks(x0, x1)) {
    parts.push(
      `<text x="${f(sx(x))}" y="${H - B + 14}" text-anchor="middle" font-size="10">${
        esc(fmtNum(x, 3))
      }</text>`,
    );
  }
  for (const y of ticks(y0, y1)) {
    parts.push(
      `<text x="${L - 4}" y="${f(sy(y) + 3)}" text-anchor="end" font-size="10">${esc(fmtNum(y, 3))}</text>`,
    );
    parts.push(`<line x1="${L}" y1="${f(sy(y))}" x2="${W - R}" y2="${f(sy(y))}" stroke="#eee"/>`);
  }
  parts.push(
    `<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle" font-size="11">${esc(xLabel)}</text>`,
  );
  parts.push(
    `<text x="12" y="${(T + H - B) / 2}" text-anchor="middle" font-size="11" transform="rotate(-90 12 ${
      (T + H - B) / 2
    })">${esc(yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const c = PALETTE[i % PALETTE.length];
    const p = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)).map(([x, y]) =>
      `${f(sx(x))},${f(sy(y))}`
    );
    if (p.length > 0) {
      parts.push(
        `<polyline fill="none" stroke="${c}" stroke-width="1.8"${
          s.dashed ? ' stroke-dasharray="5 3"' : ""
        } points="${p.join(" ")}"/>`,
      );
      for (const q of p) {
        parts.push(`<circle cx="${q.split(",")[0]}" cy="${q.split(",")[1]}" r="2.2" fill="${c}"/>`);
      }
    }
    const ly = T + 14 * i;
    parts.push(
      `<line x1="${W - R + 10}" y1="${ly}" x2="${W - R + 28}" y2="${ly}" stroke="${c}" stroke-width="2"${
        s.dashed ? ' stroke-dasharray="5 3"' : ""
      }/>`,
    );
    parts.push(`<text x="${W - R + 32}" y="${ly + 4}" font-size="10">${esc(s.label)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("");
}

/** A partition of an axis into intervals, drawn as one bar row. */
export interface IntervalRow {
  label: string;
  /** Intervals as [start, end] in axis units. */
  intervals: [number, number][];
}

/** Interval bars on a shared axis (clusters on the t axis or the log-SNR axis). */
export function intervalChart(
  title: string,
  axisLabel: string,
  lo: number,
  hi: number,
  rows: readonly IntervalRow[],
): string {
  const W = 560, L = 130, R = 16, T = 28, rowH = 22, B = 40;
  const H = T + rows.length * rowH + B;
  const sx = (x: number) => L + (x - lo) / (hi - lo) * (W - L - R);
  const parts = [
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${
      esc(title)
    }">`,
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13">${esc(title)}</text>`,
  ];
  rows.forEach((row, r) => {
    const y = T + r * rowH;
    parts.push(`<text x="${L - 6}" y="${y + 14}" text-anchor="end" font-size="10">${esc(row.label)}</text>`);
    row.intervals.forEach(([a, b], i) => {
      const xa = sx(Math.min(a, b)), xb = sx(Math.max(a, b));
      parts.push(
        `<rect x="${f(xa)}" y="${y + 2}" width="${f(Math.max(xb - xa, 0.8))}" height="${rowH - 6}" fill="${
          PALETTE[(i % 8) + 1]
        }" stroke="#fff" stroke-width="0.5"><title>${
          esc(`cluster ${i}: ${fmtNum(a, 4)} .. ${fmtNum(b, 4)}`)
        }</title></rect>`,
      );
    });
  });
  const yAxis = T + rows.length * rowH + 4;
  parts.push(`<line x1="${L}" y1="${yAxis}" x2="${W - R}" y2="${yAxis}" stroke="#444"/>`);
  for (const x of ticks(lo, hi)) {
    parts.push(
      `<text x="${f(sx(x))}" y="${yAxis + 14}" text-anchor="middle" font-size="10">${
        esc(fmtNum(x, 3))
      }</text>`,
    );
  }
  parts.push(
    `<text x="${(L + W - R) / 2}" y="${H - 6}" text-anchor="middle" font-size="11">${esc(axisLabel)}</text>`,
    "</svg>",
  );
  return parts.join("");
}

/** Heatmap of a square matrix (downsampled to at most 100 × 100 by block means), diverging colour scale. */
export function heatmap(title: string, m: readonly (readonly number[])[]): string {
  const n = m.length;
  const cells = Math.min(n, 100);
  const block = n / cells;
  const grid: number[][] = [];
  for (let i = 0; i < cells; i++) {
    const row: number[] = [];
    for (let j = 0; j < cells; j++) {
      let s = 0, c = 0;
      for (let a = Math.floor(i * block); a < Math.floor((i + 1) * block); a++) {
        for (let b = Math.floor(j * block); b < Math.floor((j + 1) * block); b++) {
          if (Number.isFinite(m[a][b])) {
            s += m[a][b];
            c++;
          }
        }
      }
      row.push(c ? s / c : NaN);
    }
    grid.push(row);
  }
  const S = 360, L = 40, T = 28;
  const px = S / cells;
  const colour = (v: number) => {
    if (!Number.isFinite(v)) return "#ccc";
    const x = Math.max(-1, Math.min(1, v));
    const r = x < 0 ? 255 : Math.round(255 * (1 - x));
    const b = x > 0 ? 255 : Math.round(255 * (1 + x));
    const g = Math.round(255 * (1 - Math.abs(x)));
    return x >= 0 ? `rgb(${r},${g},255)` : `rgb(255,${g},${b})`;
  };
  const parts = [
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${S + L + 10} ${S + T + 30}" width="${
      S + L + 10
    }" height="${S + T + 30}" role="img" aria-label="${esc(title)}">`,
    `<text x="${(S + L) / 2}" y="16" text-anchor="middle" font-size="13">${esc(title)}</text>`,
  ];
  for (let i = 0; i < cells; i++) {
    for (let j = 0; j < cells; j++) {
      parts.push(
        `<rect x="${f(L + j * px)}" y="${f(T + i * px)}" width="${f(px + 0.05)}" height="${
          f(px + 0.05)
        }" fill="${colour(grid[i][j])}"/>`,
      );
    }
  }
  parts.push(
    `<text x="${L + S / 2}" y="${T + S + 20}" text-anchor="middle" font-size="11">timestep t (0 .. ${
      n - 1
    }); blue = +1, red = −1</text>`,
    "</svg>",
  );
  return parts.join("");
}

/** Scatter plot of 2-D points (flat [x0, y0, x1, y1, ...]). */
export function scatter(title: string, flat: readonly number[], max = 1000): string {
  const n = Math.min(Math.floor(flat.length / 2), max);
  const S = 220, P = 10, T = 24;
  const xs: number[] = [], ys: number[] = [];
  for (let i = 0; i < n; i++) {
    if (Number.isFinite(flat[2 * i]) && Number.isFinite(flat[2 * i + 1])) {
      xs.push(flat[2 * i]);
      ys.push(flat[2 * i + 1]);
    }
  }
  if (xs.length === 0) return `<p class="empty">${esc(title)}: no finite samples</p>`;
  const lo = Math.min(...xs, ...ys), hi = Math.max(...xs, ...ys);
  const span = hi > lo ? hi - lo : 1;
  const s = (v: number) => P + (v - lo) / span * (S - 2 * P);
  const parts = [
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${S} ${S + T}" width="${S}" height="${
      S + T
    }" role="img" aria-label="${esc(title)}">`,
    `<text x="${S / 2}" y="14" text-anchor="middle" font-size="11">${esc(title)}</text>`,
    `<rect x="0" y="${T}" width="${S}" height="${S}" fill="#fafafa" stroke="#ddd"/>`,
  ];
  for (let i = 0; i < xs.length; i++) {
    parts.push(
      `<circle cx="${f(s(xs[i]))}" cy="${f(T + S - s(ys[i]))}" r="1.1" fill="#0072B2" fill-opacity="0.6"/>`,
    );
  }
  parts.push("</svg>");
  return parts.join("");
}
