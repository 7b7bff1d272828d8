/**
 * Summary statistics of benchmark timings: median, quartiles and range of step times, and ratios of two
 * arms measured in the same rounds (per-round ratio, then its median and range over rounds).
 *
 * @module
 */

/** Summary statistics of timings (ms). */
export interface TimeStats {
  /** Samples. */
  n: number;
  /** Median. */
  median: number;
  /** 25th and 75th percentiles (linear interpolation between order statistics). */
  p25: number;
  /** 75% quantile. */
  p75: number;
  /** Minimum. */
  min: number;
  /** Maximum. */
  max: number;
}

/** A ratio of two arms measured in the same rounds: one value per round and their median and range. */
export interface RatioSummary {
  /** The ratio of each round. */
  byRound: number[];
  /** Median over rounds. */
  median: number;
  /** Minimum over rounds. */
  min: number;
  /** Maximum over rounds. */
  max: number;
}

/** Linear-interpolation quantile of sorted values (q in [0, 1]). */
function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Median, quartiles and range of `times`. */
export function summarize(times: readonly number[]): TimeStats {
  if (times.length === 0) throw new RangeError("summarize: no times");
  const s = [...times].sort((a, b) => a - b);
  return {
    n: s.length,
    median: quantile(s, 0.5),
    p25: quantile(s, 0.25),
    p75: quantile(s, 0.75),
    min: s[0],
    max: s[s.length - 1],
  };
}

/** The median of `xs`. */
export function median(xs: readonly number[]): number {
  return summarize(xs).median;
}

/** Per-round ratios a[i] / b[i] (rounds in the same order) with their median and range. */
export function roundRatios(a: readonly number[], b: readonly number[]): RatioSummary {
  if (a.length !== b.length) throw new RangeError(`roundRatios: ${a.length} vs ${b.length} rounds`);
  const byRound = a.map((x, i) => x / b[i]);
  const s = summarize(byRound);
  return { byRound, median: s.median, min: s.min, max: s.max };
}
