/**
 * Timestep respacing for sampling with fewer steps than training (Nichol & Dhariwal 2021, §4: "we use the
 * subsequence S of timesteps ... ᾱ_{S_t}, β_{S_t} = 1 - ᾱ_{S_t}/ᾱ_{S_{t-1}}"; Song et al. 2021, DDIM §4.2).
 *
 * @module
 */

/**
 * `n` timesteps evenly spaced over 0..T-1, ascending, always including 0 and T-1:
 * τ_i = round(i (T-1) / (n-1)). Requires 1 <= n <= T (n = 1 gives [T-1]).
 */
export function respacedTimesteps(T: number, n: number): Int32Array {
  if (!Number.isInteger(n) || n < 1 || n > T) {
    throw new RangeError(`sampling steps must be an integer in [1, ${T}] (T = ${T}), got ${n}`);
  }
  const out = new Int32Array(n);
  if (n === 1) {
    out[0] = T - 1;
    return out;
  }
  for (let i = 0; i < n; i++) out[i] = Math.round(i * (T - 1) / (n - 1));
  return out;
}
