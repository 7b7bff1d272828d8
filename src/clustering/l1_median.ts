/**
 * The L1-about-the-median interval cost on a monotone sequence, in O(1) per interval via prefix sums.
 *
 * For values v_0..v_{T-1} and an interval [l, r], C(l, r) = Σ_{t=l..r} |v_t - v_m| where v_m is a median
 * of {v_l..v_r}. When v is monotone (non-decreasing or non-increasing) the middle index
 * m = ⌊(l + r) / 2⌋ holds a median, and with w = ±v non-decreasing and prefix sums P:
 *
 *   C(l, r) = (m - l + 1)·w_m - (P[m+1] - P[l]) + (P[r+1] - P[m+1]) - (r - m)·w_m.
 *
 * This is the "timestep" (v_t = t) and "snr" (v_t = log-SNR(t)) cost of ANT (Go et al. 2023, §4.1). The
 * official code measures distances to the upper-middle index round((l+r+1)/2) instead of a median; a
 * median gives the smallest L1 spread, which is the cost's intent (ant-spec.md §1.2, quirk 5).
 *
 * @module
 */
import type { IntervalCost } from "./dp.ts";

/** Direction of a sequence: +1 non-decreasing, -1 non-increasing, 0 neither (constant counts as +1). */
export function monotoneDirection(v: ArrayLike<number>): 1 | -1 | 0 {
  let up = true;
  let down = true;
  for (let i = 1; i < v.length; i++) {
    if (v[i] < v[i - 1]) up = false;
    if (v[i] > v[i - 1]) down = false;
  }
  return up ? 1 : down ? -1 : 0;
}

/**
 * The O(1) L1-about-the-median cost of a monotone finite sequence `v`. Throws a RangeError if `v` is not
 * monotone or has a non-finite value.
 */
export function l1MedianCost(v: ArrayLike<number>): IntervalCost {
  const T = v.length;
  const dir = monotoneDirection(v);
  if (dir === 0) throw new RangeError("l1MedianCost: the values must be monotone");
  const w = new Float64Array(T);
  const P = new Float64Array(T + 1);
  for (let i = 0; i < T; i++) {
    if (!Number.isFinite(v[i])) throw new RangeError(`l1MedianCost: value ${i} is not finite: ${v[i]}`);
    w[i] = dir * v[i];
    P[i + 1] = P[i] + w[i];
  }
  return (l: number, r: number): number => {
    const m = (l + r) >> 1;
    const wm = w[m];
    return (m - l + 1) * wm - (P[m + 1] - P[l]) + (P[r + 1] - P[m + 1]) - (r - m) * wm;
  };
}
