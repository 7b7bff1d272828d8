/**
 * The two chart types of the analyses (hand-written SVG, the conventions of src/report/svg.ts): intervals
 * with confidence bars and per-seed points (the negative-transfer gap), and lines with shaded bands
 * (affinity against the noise-level gap).
 *
 * @module
 */
import { esc, PALETTE } from "../report/svg.ts";
import { fmtNum } from "../report/format.ts";

const f = (x: number) => Number(x.toFixed(2)).toString();

function ticks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const step = (hi - lo) / (n - 1);
  return Array.from({ length: n }, (_, i) => lo + i * step);
}

function range(values: number[], zero: boolean): [number, number] {
  const v = values.filter(Number.isFinite);
  let lo = Math.min(...v, ...(zero ? [0] : [])), hi = Math.max(...v, ...(zero ? [0] : []));
  if (!(hi > lo)) [lo, hi] = [lo - 1, hi + 1];
  const pad = (hi - lo) * 0.06;
  return [lo - pad, hi + pad];
}

/** One category of {@link ciChart}: mean, confidence interval and the values it summarises. */
export interface CiRow {
  label: string;
  mean: number;
  lo: number;
  hi: number;
  points: number[];
}

/**
 * Categories on x, each a mean (dot), its confidence interval (bar) and its individual values (small
 * hollow dots), with a zero line. Non-finite bounds draw no bar.
 */
export function ciChart(title: string, xLabel: string, yLabel: string, rows: readonly CiRow[]): string {
  const W = 560, H = 300, L = 70, R = 16, T = 28, B = 48;
  const [y0, y1] = range(rows.flatMap((r) => [r.mean, r.lo, r.hi, ...r.points]), true);
  const sy = (y: number) => H - B - (y - y0) / (y1 - y0) * (H - T - B);
  const band = (W - L - R) / Math.max(1, rows.length);
  const sx = (i: number) => L + band * (i + 0.5);
  const parts = [
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${
      esc(title)
    }">`,
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13">${esc(title)}</text>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#444"/>`,
  ];
  for (const y of ticks(y0, y1)) {
    parts.push(`<line x1="${L}" y1="${f(sy(y))}" x2="${W - R}" y2="${f(sy(y))}" stroke="#eee"/>`);
    parts.push(
      `<text x="${L - 4}" y="${f(sy(y) + 3)}" text-anchor="end" font-size="10">${esc(fmtNum(y, 3))}</text>`,
    );
  }
  parts.push(
    `<line x1="${L}" y1="${f(sy(0))}" x2="${W - R}" y2="${f(sy(0))}" stroke="#888" stroke-dasharray="4 3"/>`,
  );
  rows.forEach((r, i) => {
    const x = sx(i);
    if (Number.isFinite(r.lo) && Number.isFinite(r.hi)) {
      parts.push(
        `<line x1="${f(x)}" y1="${f(sy(r.lo))}" x2="${f(x)}" y2="${f(sy(r.hi))}" stroke="${
          PALETTE[5]
        }" stroke-width="2"/>`,
        `<line x1="${f(x - 6)}" y1="${f(sy(r.lo))}" x2="${f(x + 6)}" y2="${f(sy(r.lo))}" stroke="${
          PALETTE[5]
        }" stroke-width="2"/>`,
        `<line x1="${f(x - 6)}" y1="${f(sy(r.hi))}" x2="${f(x + 6)}" y2="${f(sy(r.hi))}" stroke="${
          PALETTE[5]
        }" stroke-width="2"/>`,
      );
    }
    r.points.forEach((p, j) => {
      const dx = (j - (r.points.length - 1) / 2) * 5;
      parts.push(
        `<circle cx="${f(x + 14 + dx)}" cy="${f(sy(p))}" r="2.5" fill="none" stroke="${PALETTE[4]}"/>`,
      );
    });
    parts.push(
      `<circle cx="${f(x)}" cy="${f(sy(r.mean))}" r="4" fill="${PALETTE[0]}"><title>${
        esc(`${r.label}: ${fmtNum(r.mean, 4)} [${fmtNum(r.lo, 4)}, ${fmtNum(r.hi, 4)}]`)
      }</title></circle>`,
      `<text x="${f(x)}" y="${H - B + 14}" text-anchor="middle" font-size="10">${esc(r.label)}</text>`,
    );
  });
  parts.push(
    `<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle" font-size="11">${esc(xLabel)}</text>`,
    `<text x="14" y="${(T + H - B) / 2}" text-anchor="middle" font-size="11" transform="rotate(-90 14 ${
      (T + H - B) / 2
    })">${esc(yLabel)}</text>`,
    "</svg>",
  );
  return parts.join("");
}

/** A line with an optional band [x, lo, hi] drawn under it. */
export interface BandSeries {
  label: string;
  points: [number, number][];
  band?: [number, number, number][];
  dashed?: boolean;
}

/** Lines with shaded bands, axes and a legend. */
export function bandChart(
  title: string,
  xLabel: string,
  yLabel: string,
  series: readonly BandSeries[],
): string {
  const W = 600, H = 320, L = 64, R = 190, T = 28, B = 44;
  const xs = series.flatMap((s) => [...s.points.map((p) => p[0]), ...(s.band ?? []).map((b) => b[0])]);
  const ys = series.flatMap((
    s,
  ) => [...s.points.map((p) => p[1]), ...(s.band ?? []).flatMap((b) => [b[1], b[2]])]);
  if (xs.filter(Number.isFinite).length === 0) return `<p class="empty">${esc(title)}: no data</p>`;
  const [x0, x1] = [Math.min(...xs.filter(Number.isFinite)), Math.max(...xs.filter(Number.isFinite))];
  const [y0, y1] = range(ys, false);
  const sx = (x: number) => L + (x - x0) / ((x1 - x0) || 1) * (W - L - R);
  const sy = (y: number) => H - B - (y - y0) / (y1 - y0) * (H - T - B);
  const parts = [
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${
      esc(title)
    }">`,
    `<text x="${(W - R + L) / 2}" y="16" text-anchor="middle" font-size="13">${esc(title)}</text>`,
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
    parts.push(`<line x1="${L}" y1="${f(sy(y))}" x2="${W - R}" y2="${f(sy(y))}" stroke="#eee"/>`);
    parts.push(
      `<text x="${L - 4}" y="${f(sy(y) + 3)}" text-anchor="end" font-size="10">${esc(fmtNum(y, 3))}</text>`,
    );
  }
  series.forEach((s, i) => {
    const c = PALETTE[i % PALETTE.length];
    const band = (s.band ?? []).filter((b) => b.every(Number.isFinite));
    if (band.length > 1) {
      const up = band.map((b) => `${f(sx(b[0]))},${f(sy(b[2]))}`);
      const down = [...band].reverse().map((b) => `${f(sx(b[0]))},${f(sy(b[1]))}`);
      parts.push(
        `<polygon points="${[...up, ...down].join(" ")}" fill="${c}" fill-opacity="0.15" stroke="none"/>`,
      );
    }
    const pts = s.points.filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]));
    if (pts.length > 0) {
      parts.push(
        `<polyline points="${
          pts.map((p) => `${f(sx(p[0]))},${f(sy(p[1]))}`).join(" ")
        }" fill="none" stroke="${c}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="5 3"' : ""}/>`,
      );
    }
    const ly = T + 14 * i;
    parts.push(
      `<line x1="${W - R + 10}" y1="${ly}" x2="${W - R + 28}" y2="${ly}" stroke="${c}" stroke-width="2"${
        s.dashed ? ' stroke-dasharray="5 3"' : ""
      }/>`,
      `<text x="${W - R + 32}" y="${ly + 4}" font-size="10">${esc(s.label)}</text>`,
    );
  });
  parts.push(
    `<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle" font-size="11">${esc(xLabel)}</text>`,
    `<text x="14" y="${(T + H - B) / 2}" text-anchor="middle" font-size="11" transform="rotate(-90 14 ${
      (T + H - B) / 2
    })">${esc(yLabel)}</text>`,
    "</svg>",
  );
  return parts.join("");
}
