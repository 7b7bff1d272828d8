/**
 * Exact interval clustering by dynamic programming (ANT, Go et al. 2023, §4.1 "interval clustering").
 *
 * The T denoising tasks t = 0..T-1 are partitioned into k contiguous intervals I_i = [l_i, r_i]
 * (inclusive bounds, l_1 = 0, r_i + 1 = l_{i+1}, r_k = T - 1) minimising Σ_i C(l_i, r_i):
 *
 *   D[i][0] = C(0, i)
 *   D[i][j] = min_{j-1 <= L < i} D[L][j-1] + C(L+1, i)      (the last interval is [L+1, i])
 *
 * answer D[T-1][k-1], partition by back-tracking the arg-min. This is O(k·T²) evaluations of C; with the
 * prefix-sum costs of the objectives each evaluation is O(1).
 *
 * Differences from the official `interval_clustering.py` (see /work/shared/research/ant-spec.md §1.2):
 * the reported bounds are the true DP partition (the official back-tracking is off by one and ends at an
 * exclusive 1000), L ranges from j-1 (a first interval may be a singleton), and "unfilled" entries use
 * +Infinity rather than masking zero costs.
 *
 * Ties: the optimum of a cost need not be unique (the timestep cost floor(w²/4) per interval of width w
 * is tied between widths (w, w) and (w - 1, w + 1) for even w). Among partitions of exactly equal cost
 * the DP returns one with the smallest Σ_i w_i² (the most balanced widths; an additive key, so the DP
 * stays exact), then the one whose earlier intervals end first (smallest L). So T = 1000, k = 5 with the
 * timestep cost gives exactly the uniform split, and every result is deterministic.
 *
 * @module
 */
import { badValue, UsageError } from "../runtime/errors.ts";

/** Cost of the inclusive interval [l, r] (0 <= l <= r < T). Must be finite. */
export type IntervalCost = (l: number, r: number) => number;

/** An inclusive timestep interval [l, r]. */
export type Interval = [number, number];

/** The optimal partition and its total cost. */
export interface Partition {
  /** k inclusive intervals in increasing order covering 0..T-1. */
  intervals: Interval[];
  /** Σ_i C(l_i, r_i) of the partition. */
  cost: number;
}

/** Largest T accepted (the DP tables are k·T entries; time is k·T²). */
export const MAX_T = 100_000;

/** Validate T and k; throws a UsageError naming the bad value. */
export function checkTk(T: number, k: number): void {
  if (!(Number.isInteger(T) && T >= 1 && T <= MAX_T)) {
    throw new UsageError(badValue("T", T, `an integer in [1, ${MAX_T}]`));
  }
  if (!(Number.isInteger(k) && k >= 1 && k <= T)) {
    throw new UsageError(badValue("k", k, `an integer in [1, T = ${T}] (at most one cluster per timestep)`));
  }
}

/**
 * The k contiguous intervals of minimal total cost covering 0..T-1, and that cost (exact DP, see the
 * module doc). Throws a UsageError for bad T or k, and a RangeError if the cost function returns a
 * non-finite value.
 */
export function intervalDp(cost: IntervalCost, T: number, k: number): Partition {
  checkTk(T, k);
  // D and S are stored column by column: D[j*T + i].
  const D = new Float64Array(k * T).fill(Infinity);
  // Tie-break key: Σ widths² of the best partition of [0..i] into j+1 intervals (exact in float64).
  const Q = new Float64Array(k * T).fill(Infinity);
  const S = new Int32Array(k * T).fill(-1);
  for (let i = 0; i < T; i++) {
    const c = cost(0, i);
    if (!Number.isFinite(c)) throw new RangeError(`interval cost C(0, ${i}) is not finite: ${c}`);
    D[i] = c;
    Q[i] = (i + 1) * (i + 1);
  }
  for (let j = 1; j < k; j++) {
    const prev = (j - 1) * T;
    const cur = j * T;
    // The j+1 intervals covering [0..i] need i >= j; the last one must leave room for k-1-j more after it.
    const iMax = T - k + j;
    for (let i = j; i <= iMax; i++) {
      let best = Infinity;
      let bestQ = Infinity;
      let arg = -1;
      for (let L = j - 1; L < i; L++) {
        const v = D[prev + L] + cost(L + 1, i);
        if (v <= best) {
          const q = Q[prev + L] + (i - L) * (i - L);
          if (v < best || q < bestQ) {
            best = v;
            bestQ = q;
            arg = L;
          }
        }
      }
      if (arg < 0) throw new RangeError(`interval cost is not finite on some interval ending at ${i}`);
      D[cur + i] = best;
      Q[cur + i] = bestQ;
      S[cur + i] = arg;
    }
  }
  const total = D[(k - 1) * T + T - 1];
  if (!Number.isFinite(total)) throw new RangeError(`interval cost gave a non-finite optimum: ${total}`);
  const intervals: Interval[] = new Array(k);
  let r = T - 1;
  for (let j = k - 1; j >= 1; j--) {
    const L = S[j * T + r];
    intervals[j] = [L + 1, r];
    r = L;
  }
  intervals[0] = [0, r];
  return { intervals, cost: total };
}

/** Total cost Σ C(l, r) of a given partition (no validation). */
export function partitionCost(cost: IntervalCost, intervals: readonly Interval[]): number {
  let s = 0;
  for (const [l, r] of intervals) s += cost(l, r);
  return s;
}

/**
 * Problems with a partition of 0..T-1 into contiguous inclusive intervals (empty list: valid). Used to
 * check intervals read from files or configs before training with them.
 */
export function intervalProblems(intervals: readonly (readonly number[])[], T: number): string[] {
  const problems: string[] = [];
  if (!Array.isArray(intervals) || intervals.length === 0) {
    return [badValue("intervals", intervals, "a non-empty list of [l, r] pairs")];
  }
  let expect = 0;
  for (let i = 0; i < intervals.length; i++) {
    const iv = intervals[i];
    if (
      !Array.isArray(iv) || iv.length !== 2 || !Number.isInteger(iv[0]) || !Number.isInteger(iv[1])
    ) {
      problems.push(badValue(`intervals[${i}]`, iv, "a pair of integers [l, r]"));
      return problems;
    }
    const [l, r] = iv;
    if (l !== expect) {
      problems.push(badValue(`intervals[${i}][0]`, l, `${expect} (intervals must be contiguous from 0)`));
      return problems;
    }
    if (r < l) problems.push(badValue(`intervals[${i}]`, iv, "l <= r"));
    expect = r + 1;
  }
  if (expect !== T) {
    problems.push(badValue(`intervals[${intervals.length - 1}][1]`, expect - 1, `${T - 1} (= T - 1)`));
  }
  return problems;
}
