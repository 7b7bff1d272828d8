/**
 * Axes for the report's charts: "nice" tick values (1, 2 or 5 × 10^k steps, as in Heckbert's "Nice numbers
 * for graph labels", Graphics Gems 1990, and d3-scale's ticks), domains that do not leave the data's sign
 * (an axis of non-negative values never goes below zero), a log scale when positive values span more than
 * a decade, and tick labels printed with the step's decimals (0.0025, not 0.00248; 1e-4 on log axes).
 *
 * @module
 */

/** The tick step for `span` with about `count` ticks: 1, 2 or 5 × 10^k. */
export function niceStep(span: number, count = 5): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/** Decimals that print multiples of `step` exactly (0 for steps ≥ 1). */
export function stepDecimals(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

/** `v` rounded to the decimals of `step` (removes float noise such as 0.30000000000000004). */
function snap(v: number, step: number): number {
  return Number(v.toFixed(Math.min(20, stepDecimals(step) + 1)));
}

/** Multiples of the nice step inside [lo, hi] (inclusive, within rounding). */
export function linearTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const step = niceStep(hi - lo, count);
  const first = Math.ceil(lo / step - 1e-9), last = Math.floor(hi / step + 1e-9);
  const out: number[] = [];
  for (let i = first; i <= last; i++) out.push(snap(i * step, step));
  return out;
}

/** [lo, hi] widened to multiples of the nice step. */
export function niceDomain(lo: number, hi: number, count = 5): [number, number] {
  if (!(hi > lo)) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return niceDomain(lo - d, hi + d, count);
  }
  const step = niceStep(hi - lo, count);
  return [snap(Math.floor(lo / step + 1e-9) * step, step), snap(Math.ceil(hi / step - 1e-9) * step, step)];
}

/** Powers of ten inside [lo, hi] (lo > 0); with fewer than 3 of them, also 2 and 5 × each power. */
export function logTicks(lo: number, hi: number): number[] {
  const a = Math.floor(Math.log10(lo) + 1e-9), b = Math.ceil(Math.log10(hi) - 1e-9);
  const powers: number[] = [];
  for (let e = a; e <= b; e++) powers.push(Number(`1e${e}`));
  const inside = (v: number) => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9);
  const major = powers.filter(inside);
  if (major.length >= 3) return major;
  return powers.flatMap((p) => [p, 2 * p, 5 * p].map((v) => Number(v.toPrecision(1)))).filter(inside);
}

/** A tick label: fixed decimals of the step on linear axes; on log axes 1e-4 style below 0.001. */
export function formatTick(v: number, step: number | null): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (step === null) {
    // log axis
    if (a >= 1e-3 && a < 1e5) return String(Number(v.toPrecision(3)));
    const [m, e] = v.toExponential(0).split("e");
    return `${m}e${Number(e)}`;
  }
  if (a >= 1e6 || step < 1e-6) return v.toExponential(Math.max(0, Math.round(Math.log10(a / step))));
  return v.toFixed(stepDecimals(step));
}

/** A chart axis: domain, ticks, labels and the map from data to pixels. */
export interface Axis {
  /** "linear" or "log" (base 10). */
  kind: "linear" | "log";
  /** Data range shown. */
  domain: [number, number];
  /** Tick values. */
  ticks: number[];
  /** Tick labels, one per tick. */
  labels: string[];
  /**
   * Position of `v` along the axis: 0 at domain[0], 1 at domain[1]; values outside the domain map to at
   * most 0.2 beyond it (charts clip them at the plot's edge).
   */
  frac(v: number): number;
}

/** Options of {@link chooseAxis}. */
export interface AxisOptions {
  /** Allow a log scale (default true). */
  log?: boolean;
  /** Ratio max/min above which positive data get a log scale (default 10: more than a decade). */
  logAbove?: number;
  /** Upper bound of the quantity (e.g. 1 for precision/recall): the domain never exceeds it. */
  max?: number;
  /** About this many ticks (default 5). */
  count?: number;
}

/**
 * The axis for `values`: log when every value is positive and they span more than `logAbove`; otherwise
 * linear on a nice domain that never crosses zero unless the values do (a non-negative quantity keeps a
 * non-negative axis) and never passes `max`.
 */
export function chooseAxis(values: readonly number[], opts: AxisOptions = {}): Axis {
  const v = values.filter(Number.isFinite);
  if (v.length === 0) return linearAxis(0, 1, opts.count);
  const lo = Math.min(...v), hi = Math.max(...v);
  if ((opts.log ?? true) && lo > 0 && hi / lo > (opts.logAbove ?? 10)) {
    const d0 = Number(`1e${Math.floor(Math.log10(lo) + 1e-9)}`);
    const d1 = Number(`1e${Math.ceil(Math.log10(hi) - 1e-9)}`);
    // Within a decade of the data's ends, not whole decades of empty space.
    const a = lo / d0 >= 3 ? lo / 1.15 : d0, b = d1 / hi >= 3 ? hi * 1.15 : d1;
    const ticks = logTicks(a, b);
    const la = Math.log10(a), lb = Math.log10(b);
    return {
      kind: "log",
      domain: [a, b],
      ticks,
      labels: ticks.map((t) => formatTick(t, null)),
      frac: (x) => edge((Math.log10(Math.max(x, a / 1e3)) - la) / (lb - la)),
    };
  }
  let [a, b] = niceDomain(lo, hi, opts.count);
  if (lo >= 0 && a < 0) a = 0;
  if (opts.max !== undefined && hi <= opts.max && b > opts.max) b = opts.max;
  return linearAxis(a, b, opts.count);
}

function edge(f: number): number {
  return Math.min(1.2, Math.max(-0.2, f));
}

/** A linear axis over [lo, hi] with nice ticks. */
export function linearAxis(lo: number, hi: number, count = 5): Axis {
  const ticks = linearTicks(lo, hi, count);
  const step = ticks.length > 1 ? ticks[1] - ticks[0] : niceStep(hi - lo || 1, count);
  const span = hi - lo || 1;
  return {
    kind: "linear",
    domain: [lo, hi],
    ticks,
    labels: ticks.map((t) => formatTick(t, niceStep(hi - lo, count) || step)),
    frac: (x) => edge((x - lo) / span),
  };
}
