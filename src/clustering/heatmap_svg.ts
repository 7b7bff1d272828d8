/**
 * SVG heatmap of a task-affinity matrix (cf. the task-affinity figure of ANT, Go et al. 2023, §3), in two
 * panels: indexed by timestep t, and resampled on a uniform log-SNR axis (λ = log(ᾱ_t / (1 - ᾱ_t)), high
 * SNR = small t on the left). Each panel is an embedded PNG (fast-png, fixed settings: deterministic bytes)
 * with vector axes, so a T = 1000 matrix stays a small file. Colours: a linear blue-white-red ramp over
 * [-1, 1]. Optional cluster boundaries are drawn on both panels.
 *
 * @module
 */
import { encode } from "fast-png";
import type { NoiseSchedule } from "../diffusion/schedule.ts";
import type { AffinityMatrix } from "./objective.ts";
import type { Interval } from "./dp.ts";

/** Options of {@link affinityHeatmapSvg}. */
export interface HeatmapOptions {
  /** Title above the panels (default: T and the schedule). */
  title?: string;
  /** Cluster intervals to outline. */
  intervals?: readonly Interval[];
  /** Largest image side in pixels (default 400; T when smaller). */
  maxPixels?: number;
}

const NEG = [59, 76, 192]; // -1
const MID = [247, 247, 247]; // 0
const POS = [180, 4, 38]; // +1

/** RGB of value v in [-1, 1] (clamped) on the blue-white-red ramp. */
export function affinityColor(v: number): [number, number, number] {
  const x = Number.isFinite(v) ? Math.max(-1, Math.min(1, v)) : 0;
  const [end, f] = x < 0 ? [NEG, -x] : [POS, x];
  return [0, 1, 2].map((i) => Math.round(MID[i] + (end[i] - MID[i]) * f)) as [number, number, number];
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Standard base64 (RFC 4648, with padding). */
export function base64(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i], b = bytes[i + 1] ?? 0, c = bytes[i + 2] ?? 0;
    const n = (a << 16) | (b << 8) | c;
    out += B64[n >> 18] + B64[(n >> 12) & 63] +
      (i + 1 < bytes.length ? B64[(n >> 6) & 63] : "=") + (i + 2 < bytes.length ? B64[n & 63] : "=");
  }
  return out;
}

/** PNG of the matrix sampled at row/column indices `idx` (pixel i shows entry idx[i]). */
export function heatmapPng(matrix: AffinityMatrix, idx: Int32Array): Uint8Array {
  const W = idx.length;
  const T = matrix.T;
  const data = new Uint8Array(W * W * 3);
  for (let y = 0; y < W; y++) {
    for (let x = 0; x < W; x++) {
      const [r, g, b] = affinityColor(matrix.data[idx[y] * T + idx[x]]);
      const o = (y * W + x) * 3;
      data[o] = r;
      data[o + 1] = g;
      data[o + 2] = b;
    }
  }
  return encode({ width: W, height: W, data, channels: 3, depth: 8 });
}

/** Pixel centres i -> timestep floor((i + 0.5) T / W). */
export function timestepPixels(T: number, W: number): Int32Array {
  return Int32Array.from({ length: W }, (_, i) => Math.min(T - 1, Math.floor(((i + 0.5) * T) / W)));
}

/**
 * Pixel centres on a uniform log-SNR axis from λ(0) (left/top) to λ(T-1): each pixel shows the timestep
 * whose λ is nearest (λ is decreasing in t).
 */
export function logSnrPixels(logSnr: Float64Array, W: number): Int32Array {
  const T = logSnr.length;
  const hi = logSnr[0], lo = logSnr[T - 1];
  const out = new Int32Array(W);
  let t = 0;
  for (let i = 0; i < W; i++) {
    const lam = hi + ((i + 0.5) / W) * (lo - hi);
    while (t < T - 1 && Math.abs(logSnr[t + 1] - lam) <= Math.abs(logSnr[t] - lam)) t++;
    out[i] = t;
  }
  return out;
}

function niceStep(range: number, target: number): number {
  const raw = range / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const fmt = (x: number) => String(Math.round(x * 100) / 100);

/** The SVG document (see the module doc). */
export function affinityHeatmapSvg(
  matrix: AffinityMatrix,
  schedule: NoiseSchedule,
  opts: HeatmapOptions = {},
): string {
  const T = matrix.T;
  if (schedule.T !== T) throw new RangeError(`heatmap: schedule has T = ${schedule.T}, matrix ${T}`);
  const W = Math.min(T, opts.maxPixels ?? 400);
  const S = 320; // drawn panel side in SVG units
  const pad = { l: 60, t: 50, gap: 90 };
  const x0s = [pad.l, pad.l + S + pad.gap];
  const width = x0s[1] + S + 110;
  const height = pad.t + S + 60;
  const lam = schedule.logSnr;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="13">${
      esc(opts.title ?? `Task affinity (gradient cosine), T = ${T}, ${schedule.id} schedule`)
    }</text>`,
  );
  const panels = [
    { idx: timestepPixels(T, W), label: "timestep t", pos: (t: number) => ((t + 0.5) / T) * S },
    {
      idx: logSnrPixels(lam, W),
      label: "log-SNR λ = log(ᾱ/(1−ᾱ))",
      pos: (t: number) => ((lam[0] - lam[t]) / (lam[0] - lam[T - 1] || 1)) * S,
    },
  ];
  panels.forEach((p, k) => {
    const x0 = x0s[k];
    const y0 = pad.t;
    const png = base64(heatmapPng(matrix, p.idx));
    parts.push(
      `<image x="${x0}" y="${y0}" width="${S}" height="${S}" preserveAspectRatio="none" ` +
        `style="image-rendering:pixelated" href="data:image/png;base64,${png}"/>`,
      `<rect x="${x0}" y="${y0}" width="${S}" height="${S}" fill="none" stroke="#333"/>`,
      `<text x="${x0 + S / 2}" y="${y0 + S + 40}" text-anchor="middle">${esc(p.label)}</text>`,
      `<text x="${x0 - 42}" y="${y0 + S / 2}" text-anchor="middle" transform="rotate(-90 ${x0 - 42} ${
        y0 + S / 2
      })">${esc(p.label)}</text>`,
    );
    // Ticks: timesteps on panel 0, log-SNR values on panel 1.
    const ticks: { at: number; text: string }[] = [];
    if (k === 0) {
      const step = niceStep(T, 5);
      for (let t = 0; t < T; t += step) ticks.push({ at: p.pos(t), text: String(t) });
    } else {
      const hi = lam[0], lo = lam[T - 1];
      const step = niceStep(hi - lo || 1, 5);
      for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) {
        ticks.push({ at: ((hi - v) / (hi - lo || 1)) * S, text: fmt(v) });
      }
    }
    for (const { at, text } of ticks) {
      parts.push(
        `<line x1="${x0 + at}" y1="${y0 + S}" x2="${x0 + at}" y2="${y0 + S + 4}" stroke="#333"/>`,
        `<text x="${x0 + at}" y="${y0 + S + 16}" text-anchor="middle">${text}</text>`,
        `<line x1="${x0 - 4}" y1="${y0 + at}" x2="${x0}" y2="${y0 + at}" stroke="#333"/>`,
        `<text x="${x0 - 6}" y="${y0 + at + 4}" text-anchor="end">${text}</text>`,
      );
    }
    for (const [l] of (opts.intervals ?? []).slice(1)) {
      const at = k === 0 ? (l / T) * S : (p.pos(l - 1) + p.pos(l)) / 2;
      parts.push(
        `<line x1="${x0 + at}" y1="${y0}" x2="${x0 + at}" y2="${
          y0 + S
        }" stroke="#000" stroke-dasharray="3 2"/>`,
        `<line x1="${x0}" y1="${y0 + at}" x2="${x0 + S}" y2="${
          y0 + at
        }" stroke="#000" stroke-dasharray="3 2"/>`,
      );
    }
  });
  // Colour bar.
  const cx = x0s[1] + S + 40;
  const steps = 40;
  for (let i = 0; i < steps; i++) {
    const v = 1 - (2 * (i + 0.5)) / steps;
    const [r, g, b] = affinityColor(v);
    parts.push(
      `<rect x="${cx}" y="${pad.t + (i * S) / steps}" width="14" height="${
        S / steps + 0.5
      }" fill="rgb(${r},${g},${b})"/>`,
    );
  }
  parts.push(
    `<rect x="${cx}" y="${pad.t}" width="14" height="${S}" fill="none" stroke="#333"/>`,
    `<text x="${cx + 18}" y="${pad.t + 8}">1</text>`,
    `<text x="${cx + 18}" y="${pad.t + S / 2 + 4}">0</text>`,
    `<text x="${cx + 18}" y="${pad.t + S}">−1</text>`,
    `</svg>`,
  );
  return parts.join("\n") + "\n";
}
