/**
 * Hand-written SVG charts for the report (no libraries, no network, deterministic bytes): line charts with
 * a band per series and an optional reference band (the metric's real-vs-real floor), interval bars for
 * timestep clusters, and side-by-side scatter plots of 2-D samples and the real reference. Axes come from
 * src/report/scale.ts (nice ticks, a log scale over more than a decade, no negative axis for non-negative
 * data). Every chart is one standalone `<svg class="chart" xmlns=...>` document: the same string is inlined
 * in report.html and written as a file under figures/.
 *
 * @module
 */
import { fmtNum } from "./format.ts";
import { type Axis, chooseAxis, linearAxis } from "./scale.ts";

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

/** A line series: points, and optionally a band (e.g. min–max over seeds) at each x. */
export interface Series {
  label: string;
  points: [number, number][];
  /** [x, lo, hi] per point of the band, in x order. */
  band?: [number, number, number][];
  dashed?: boolean;
  /** Colour (default: the palette by position). */
  color?: string;
}

/** Options of {@link lineChart}. */
export interface LineChartOptions {
  /** What the bands are, for the legend (e.g. "band: min–max over 4 seeds"). */
  bandLabel?: string;
  /** A horizontal reference band [lo, hi] with its label (e.g. the real-vs-real floor). */
  reference?: { lo: number; hi: number; label: string };
  /** Upper bound of the quantity (precision/recall: 1). */
  max?: number;
  /** Allow a log y axis (default true). */
  log?: boolean;
  /** A note under the title (e.g. "running: step 1200 of 3000"). */
  subtitle?: string;
  /**
   * Fit the y axis to the points at x ≥ this value (e.g. past a training loss's first steps, whose large
   * values would flatten everything after them); earlier points are drawn clipped at the plot's edge.
   */
  focusFrom?: number;
}

function svgOpen(w: number, h: number, title: string): string {
  return `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" ` +
    `font-family="system-ui, sans-serif" role="img" aria-label="${esc(title)}">` +
    `<rect width="${w}" height="${h}" fill="#fff"/>`;
}

function finite(p: readonly number[]): boolean {
  return p.every(Number.isFinite);
}

/** Line chart: title, axes with nice ticks and grid, bands, series, legend below the plot. */
export function lineChart(
  title: string,
  xLabel: string,
  yLabel: string,
  series: readonly Series[],
  opts: LineChartOptions = {},
): string {
  const pts = series.flatMap((s) => s.points).filter(finite);
  if (pts.length === 0) return `<p class="empty">${esc(title)}: no data</p>`;
  const from = opts.focusFrom ?? -Infinity;
  const ys = [
    ...pts.filter((p) => p[0] >= from).map((p) => p[1]),
    ...series.flatMap((s) =>
      (s.band ?? []).filter((b) => finite(b) && b[0] >= from).flatMap((b) => [b[1], b[2]])
    ),
  ];
  // Log or linear is decided by the data alone (a floor band far below the curves must not turn them into a
  // compressed log plot); the band then widens the chosen axis: its upper end always, its lower end when
  // positive (a band reaching below zero, an unbiased estimator's, is cut at the axis rather than pulling a
  // positive metric's axis below zero).
  const dataLog = (opts.log ?? true) && chooseAxis(ys).kind === "log";
  if (opts.reference && Number.isFinite(opts.reference.hi)) {
    ys.push(opts.reference.hi);
    if (opts.reference.lo > 0) ys.push(opts.reference.lo);
  }
  const yAxis: Axis = chooseAxis(ys, {
    log: dataLog,
    ...(dataLog ? { logAbove: 1 } : {}),
    ...(opts.max !== undefined ? { max: opts.max } : {}),
  });
  const xs = pts.map((p) => p[0]);
  const xAxis = linearAxis(...(niceX(Math.min(...xs), Math.max(...xs))));
  const W = 600, L = 66, R = 16, T = opts.subtitle ? 42 : 30, PH = 230;
  const legendItems = [...series.map((s, i) => ({ s, i })), ...(opts.bandLabel ? [null] : [])];
  const legendRows = Math.ceil((legendItems.length + (opts.reference ? 1 : 0)) / 2);
  const H = T + PH + 44 + 16 * legendRows + 6;
  const x0 = L, x1 = W - R, y0 = T + PH, y1 = T;
  const sx = (x: number) => x0 + xAxis.frac(x) * (x1 - x0);
  const sy = (y: number) => y0 - yAxis.frac(y) * (y0 - y1);
  const parts = [
    svgOpen(W, H, title),
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="13" font-weight="600">${esc(title)}</text>`,
  ];
  if (opts.subtitle) {
    parts.push(
      `<text x="${W / 2}" y="33" text-anchor="middle" font-size="11" fill="#555">${
        esc(opts.subtitle)
      }</text>`,
    );
  }
  yAxis.ticks.forEach((t, i) => {
    const y = f(sy(t));
    parts.push(
      `<line x1="${x0}" y1="${y}" x2="${x1}" y2="${y}" stroke="#e6e6e6"/>`,
      `<text x="${x0 - 5}" y="${f(sy(t) + 3.5)}" text-anchor="end" font-size="10">${
        esc(yAxis.labels[i])
      }</text>`,
    );
  });
  xAxis.ticks.forEach((t, i) => {
    parts.push(
      `<line x1="${f(sx(t))}" y1="${y0}" x2="${f(sx(t))}" y2="${y0 + 4}" stroke="#444"/>`,
      `<text x="${f(sx(t))}" y="${y0 + 15}" text-anchor="middle" font-size="10">${
        esc(xAxis.labels[i])
      }</text>`,
    );
  });
  if (opts.reference) {
    const lo = Math.max(opts.reference.lo, yAxis.domain[0]),
      hi = Math.min(opts.reference.hi, yAxis.domain[1]);
    if (hi >= lo) {
      parts.push(
        `<rect x="${x0}" y="${f(sy(hi))}" width="${x1 - x0}" height="${f(Math.max(1, sy(lo) - sy(hi)))}" ` +
          `fill="#999" fill-opacity="0.22"><title>${esc(opts.reference.label)}</title></rect>`,
      );
    }
  }
  parts.push(
    `<line x1="${x0}" y1="${y0}" x2="${x1}" y2="${y0}" stroke="#444"/>`,
    `<line x1="${x0}" y1="${y1}" x2="${x0}" y2="${y0}" stroke="#444"/>`,
    `<text x="${(x0 + x1) / 2}" y="${y0 + 31}" text-anchor="middle" font-size="11">${esc(xLabel)}</text>`,
    `<text x="14" y="${(y0 + y1) / 2}" text-anchor="middle" font-size="11" transform="rotate(-90 14 ${
      (y0 + y1) / 2
    })">${esc(yLabel + (yAxis.kind === "log" ? " (log scale)" : ""))}</text>`,
  );
  const colour = (s: Series, i: number) => s.color ?? PALETTE[i % PALETTE.length];
  // Lines and bands are clipped to the plot area (values beyond a focused axis run along its edge).
  const clip = `clip${hashText(title)}`;
  parts.push(
    `<defs><clipPath id="${clip}"><rect x="${x0}" y="${y1 - 3}" width="${x1 - x0 + 3}" height="${
      y0 - y1 + 3
    }"/></clipPath></defs>`,
    `<g clip-path="url(#${clip})">`,
  );
  series.forEach((s, i) => {
    const band = (s.band ?? []).filter(finite);
    if (band.length > 1) {
      const upper = band.map(([x, , hi]) => `${f(sx(x))},${f(sy(hi))}`);
      const lower = band.slice().reverse().map(([x, lo]) => `${f(sx(x))},${f(sy(lo))}`);
      parts.push(
        `<polygon points="${[...upper, ...lower].join(" ")}" fill="${colour(s, i)}" fill-opacity="0.14"/>`,
      );
    }
  });
  series.forEach((s, i) => {
    const c = colour(s, i);
    const p = s.points.filter(finite).map(([x, y]) => [f(sx(x)), f(sy(y))]);
    if (p.length === 0) return;
    const dash = s.dashed ? ' stroke-dasharray="5 3"' : "";
    parts.push(
      `<polyline fill="none" stroke="${c}" stroke-width="1.8"${dash} points="${
        p.map((q) => q.join(",")).join(" ")
      }">` +
        `<title>${esc(s.label)}</title></polyline>`,
    );
    if (p.length <= 40) {
      for (const [cx, cy] of p) parts.push(`<circle cx="${cx}" cy="${cy}" r="2.3" fill="${c}"/>`);
    }
  });
  parts.push("</g>");
  // Legend: two columns under the x-axis label.
  const ly0 = y0 + 46;
  const entries: string[] = [];
  legendItems.forEach((item, j) => {
    const lx = j % 2 === 0 ? x0 : x0 + (x1 - x0) / 2, ly = ly0 + 16 * Math.floor(j / 2);
    if (item === null) {
      entries.push(
        `<rect x="${lx}" y="${ly - 6}" width="20" height="10" fill="#000" fill-opacity="0.14"/>`,
        `<text x="${lx + 26}" y="${ly + 3}" font-size="10">${esc(opts.bandLabel!)}</text>`,
      );
      return;
    }
    const c = colour(item.s, item.i);
    entries.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 20}" y2="${ly}" stroke="${c}" stroke-width="2"${
        item.s.dashed ? ' stroke-dasharray="5 3"' : ""
      }/>`,
      `<text x="${lx + 26}" y="${ly + 3.5}" font-size="10">${esc(item.s.label)}</text>`,
    );
  });
  if (opts.reference) {
    const j = legendItems.length;
    const lx = j % 2 === 0 ? x0 : x0 + (x1 - x0) / 2, ly = ly0 + 16 * Math.floor(j / 2);
    entries.push(
      `<rect x="${lx}" y="${ly - 6}" width="20" height="10" fill="#999" fill-opacity="0.35"/>`,
      `<text x="${lx + 26}" y="${ly + 3}" font-size="10">${esc(opts.reference.label)}</text>`,
    );
  }
  parts.push(...entries, "</svg>");
  return parts.join("");
}

/** A short deterministic id from a text (FNV-1a), for element ids unique within a page. */
function hashText(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(36);
}

/** x domain: nice bounds, starting at 0 for training steps. */
function niceX(lo: number, hi: number): [number, number] {
  const axis = chooseAxis([Math.min(0, lo), hi], { log: false });
  return axis.domain;
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
  const W = 600, L = 130, R = 16, T = 30, rowH = 22, B = 44;
  const H = T + rows.length * rowH + B;
  const axis = linearAxis(lo, hi);
  const sx = (x: number) => L + axis.frac(x) * (W - L - R);
  const parts = [
    svgOpen(W, H, title),
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="13" font-weight="600">${esc(title)}</text>`,
  ];
  rows.forEach((row, r) => {
    const y = T + r * rowH;
    parts.push(`<text x="${L - 6}" y="${y + 14}" text-anchor="end" font-size="10">${esc(row.label)}</text>`);
    row.intervals.forEach(([a, b], i) => {
      const xa = sx(Math.min(a, b)), xb = sx(Math.max(a, b));
      parts.push(
        `<rect x="${f(xa)}" y="${y + 2}" width="${f(Math.max(xb - xa, 0.8))}" height="${rowH - 6}" fill="${
          clusterColor(i)
        }" stroke="#fff" stroke-width="0.5"><title>${
          esc(`cluster ${i}: ${fmtNum(a, 4)} .. ${fmtNum(b, 4)}`)
        }</title></rect>`,
      );
    });
  });
  const yAxis = T + rows.length * rowH + 4;
  parts.push(`<line x1="${L}" y1="${yAxis}" x2="${W - R}" y2="${yAxis}" stroke="#444"/>`);
  axis.ticks.forEach((t, i) => {
    parts.push(
      `<line x1="${f(sx(t))}" y1="${yAxis}" x2="${f(sx(t))}" y2="${yAxis + 4}" stroke="#444"/>`,
      `<text x="${f(sx(t))}" y="${yAxis + 15}" text-anchor="middle" font-size="10">${
        esc(axis.labels[i])
      }</text>`,
    );
  });
  parts.push(
    `<text x="${(L + W - R) / 2}" y="${H - 6}" text-anchor="middle" font-size="11">${esc(axisLabel)}</text>`,
    "</svg>",
  );
  return parts.join("");
}

/** Colour of cluster i (shared by the cluster bars and the per-cluster loss curves). */
export function clusterColor(i: number): string {
  return PALETTE[(i % 8) + 1];
}

/** One scatter panel of 2-D points (flat [x0, y0, x1, y1, ...]). */
export interface ScatterPanel {
  caption: string;
  values: readonly number[];
  color: string;
}

/**
 * Scatter panels side by side on the same axes (generated samples beside the real reference), with nice
 * ticks on both axes.
 */
export function scatterPanels(title: string, panels: readonly ScatterPanel[], max = 1000): string {
  const pts = panels.map((p) => {
    const n = Math.min(Math.floor(p.values.length / 2), max);
    const out: [number, number][] = [];
    for (let i = 0; i < n; i++) {
      const x = p.values[2 * i], y = p.values[2 * i + 1];
      if (Number.isFinite(x) && Number.isFinite(y)) out.push([x, y]);
    }
    return out;
  });
  const all = pts.flat();
  if (all.length === 0) return `<p class="empty">${esc(title)}: no finite samples</p>`;
  const lo = Math.min(...all.flat()), hi = Math.max(...all.flat());
  const axis = linearAxis(...chooseAxis([lo, hi], { log: false, count: 4 }).domain, 4);
  const S = 220, L = 36, gap = 24, T = 34, B = 22;
  const W = L + panels.length * (S + gap), H = T + S + B;
  const parts = [
    svgOpen(W, H, title),
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="12" font-weight="600">${esc(title)}</text>`,
  ];
  panels.forEach((p, k) => {
    const px = L + k * (S + gap);
    const sx = (v: number) => px + axis.frac(v) * S, sy = (v: number) => T + S - axis.frac(v) * S;
    parts.push(
      `<text x="${px + S / 2}" y="${T - 5}" text-anchor="middle" font-size="11">${esc(p.caption)}</text>`,
      `<rect x="${px}" y="${T}" width="${S}" height="${S}" fill="#fafafa" stroke="#ccc"/>`,
    );
    axis.ticks.forEach((t, i) => {
      parts.push(
        `<text x="${f(sx(t))}" y="${T + S + 13}" text-anchor="middle" font-size="9">${
          esc(axis.labels[i])
        }</text>`,
      );
      if (k === 0) {
        parts.push(
          `<text x="${px - 4}" y="${f(sy(t) + 3)}" text-anchor="end" font-size="9">${
            esc(axis.labels[i])
          }</text>`,
        );
      }
    });
    // One path of zero-length round-capped segments: a dot per point at a fraction of the bytes of circles.
    const d = pts[k].map(([x, y]) => `M${sx(x).toFixed(1)} ${sy(y).toFixed(1)}h0`).join("");
    parts.push(
      `<path d="${d}" stroke="${p.color}" stroke-opacity="0.55" stroke-width="2.2" stroke-linecap="round" fill="none"/>`,
    );
  });
  parts.push("</svg>");
  return parts.join("");
}

/** An SVG figure of PNG images side by side (data URIs), each with a caption. */
export function imagePanels(
  title: string,
  panels: readonly { caption: string; png: Uint8Array; width: number; height: number }[],
  base64: (b: Uint8Array) => string,
): string {
  const gap = 16, T = 34, B = 8;
  const W = panels.reduce((s, p) => s + p.width + gap, gap);
  const H = T + Math.max(...panels.map((p) => p.height)) + B;
  const parts = [
    svgOpen(W, H, title),
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="12" font-weight="600">${esc(title)}</text>`,
  ];
  let x = gap;
  for (const p of panels) {
    parts.push(
      `<text x="${x + p.width / 2}" y="${T - 5}" text-anchor="middle" font-size="11">${
        esc(p.caption)
      }</text>`,
      `<image x="${x}" y="${T}" width="${p.width}" height="${p.height}" style="image-rendering:pixelated" ` +
        `href="data:image/png;base64,${base64(p.png)}"/>`,
    );
    x += p.width + gap;
  }
  parts.push("</svg>");
  return parts.join("");
}
