/**
 * The "gradient" (task-affinity) objective of ANT (Go et al. 2023, §4.1, gradient-based interval
 * clustering): with TAS the T x T gradient cosine-similarity matrix (src/clustering/affinity.ts),
 *
 *   C(l, r) = - Σ_{t=l..r} TAS[c][t],   c = ⌊(l + r + 1) / 2⌋ (the upper-middle index),
 *
 * exactly as the official `tas_based_clustering`: only the row of the interval's centre is used, and a
 * singleton interval costs -TAS[t][t] = -1. Row prefix sums make each evaluation O(1) (T·(T+1) float64s
 * of memory: 8 MB for T = 1000).
 *
 * @module
 */
import type { ClusteringObjective } from "./objective.ts";
import { badValue } from "../runtime/errors.ts";

/** The "gradient" clustering objective (task-affinity rows). */
export const gradientObjective: ClusteringObjective = {
  id: "gradient",
  description: "negative task affinity of each timestep to its interval's centre (needs an affinity matrix)",
  validate(_k, { T, affinity }) {
    if (!affinity) {
      return [
        badValue("affinity", affinity, "a T x T task-affinity matrix (the gradient objective needs one)"),
      ];
    }
    if (affinity.T !== T || affinity.data.length !== T * T) {
      return [
        badValue("affinity", `${affinity.T} x ${affinity.T} matrix`, `a ${T} x ${T} matrix (T = ${T})`),
      ];
    }
    for (let i = 0; i < affinity.data.length; i++) {
      if (!Number.isFinite(affinity.data[i])) {
        const a = Math.floor(i / T);
        return [badValue(`affinity[${a}][${i - a * T}]`, affinity.data[i], "a finite number")];
      }
    }
    return [];
  },
  cost({ T, affinity }) {
    if (!affinity) throw new RangeError("gradient objective: no affinity matrix given");
    const n = T + 1;
    const P = new Float64Array(T * n);
    for (let a = 0; a < T; a++) {
      let s = 0;
      for (let b = 0; b < T; b++) {
        s += affinity.data[a * T + b];
        P[a * n + b + 1] = s;
      }
    }
    return (l: number, r: number): number => {
      const c = (l + r + 1) >> 1;
      return -(P[c * n + r + 1] - P[c * n + l]);
    };
  },
};
