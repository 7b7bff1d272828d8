/**
 * The PCGrad combination rule (Yu et al., "Gradient Surgery for Multi-Task Learning", NeurIPS 2020, Alg. 1)
 * as pure float64 functions, independent of tfjs.
 *
 * For each task i, g'_i starts at g_i; then for every other task j, in a random order drawn per i,
 * if g'_i · g_j < 0 then g'_i ← g'_i − (g'_i · g_j / ‖g_j‖²) g_j. Projections are always onto the ORIGINAL
 * g_j (as the reference code and the author's answer in tianheyu927/PCGrad#2). The update is Σ_i g'_i
 * (LibMTL and the ANT code sum, they do not average).
 *
 * Two equivalent forms are provided: {@link pcgrad} works on the gradient vectors directly, and
 * {@link pcgradCoefficients} works on the Gram matrix only. Every g'_i is a linear combination of the
 * original gradients, g'_i = Σ_m C[i][m] g_m, so g'_i · g_j = Σ_m C[i][m] (G Gᵀ)[m][j]: the whole
 * procedure needs only the k × k Gram matrix, and the update is Σ_m (Σ_i C[i][m]) g_m. The tfjs method
 * uses this form (one small readback per step); the tests check both forms against each other.
 *
 * @module
 */
import { Rng, rngFor } from "../runtime/rng.ts";

/** The purpose label of PCGrad's task-order stream: rngFor(runSeed, PCGRAD_ORDER_PURPOSE, step). */
export const PCGRAD_ORDER_PURPOSE = "pcgrad:order";

/**
 * The projection order of every task: orders[i] is a random permutation of the other tasks (j ≠ i), drawn
 * from `rng` for i = 0, 1, ..., k-1 in turn (a fresh shuffle per i, as in the paper and LibMTL).
 */
export function pcgradOrders(k: number, rng: Rng): Int32Array[] {
  const orders: Int32Array[] = [];
  for (let i = 0; i < k; i++) {
    const others = new Int32Array(k - 1);
    for (let j = 0, n = 0; j < k; j++) if (j !== i) others[n++] = j;
    rng.shuffle(others);
    orders.push(others);
  }
  return orders;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * PCGrad's combined update Σ_i g'_i for the task gradients `grads` (k rows of equal length), in float64.
 * The task order comes from rngFor(seed, "pcgrad:order", step), the same stream the training method uses
 * at that step. A zero-norm g_j is never projected onto (nothing to remove).
 */
export function pcgrad(
  grads: readonly (readonly number[] | Float64Array)[],
  seed = 0,
  step = 0,
): Float64Array {
  const k = grads.length;
  if (k === 0) return new Float64Array(0);
  const P = grads[0].length;
  for (const g of grads) {
    if (g.length !== P) {
      throw new RangeError(`pcgrad: gradients have different lengths (${P} and ${g.length})`);
    }
  }
  const orders = pcgradOrders(k, rngFor(seed, PCGRAD_ORDER_PURPOSE, step));
  const norms2 = grads.map((g) => dot(g, g));
  const out = new Float64Array(P);
  for (let i = 0; i < k; i++) {
    const gi = Float64Array.from(grads[i]);
    for (const j of orders[i]) {
      if (!(norms2[j] > 0)) continue;
      const d = dot(gi, grads[j]);
      if (d < 0) {
        const c = d / norms2[j];
        const gj = grads[j];
        for (let p = 0; p < P; p++) gi[p] -= c * gj[p];
      }
    }
    for (let p = 0; p < P; p++) out[p] += gi[p];
  }
  return out;
}

/** Result of {@link pcgradCoefficients}. */
export interface PcgradCoefficients {
  /** Update = Σ_m weights[m] g_m. */
  weights: Float64Array;
  /** Number of projections performed (pairs (i, j) found in conflict when visited). */
  projections: number;
  /** Number of unordered pairs with g_i · g_j < 0 in the original gradients. */
  conflictingPairs: number;
}

/**
 * PCGrad in coefficient space: from the Gram matrix `gram` (k × k, row-major, gram[i*k+j] = g_i · g_j) and
 * the task orders, the weights w with Σ_i g'_i = Σ_m w_m g_m. Exactly the same arithmetic as
 * {@link pcgrad} up to rounding.
 */
export function pcgradCoefficients(
  gram: ArrayLike<number>,
  k: number,
  orders: readonly Int32Array[],
): PcgradCoefficients {
  if (gram.length !== k * k) {
    throw new RangeError(`pcgrad: Gram matrix has ${gram.length} entries, expected ${k * k}`);
  }
  const weights = new Float64Array(k);
  let projections = 0;
  let conflictingPairs = 0;
  for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) if (gram[i * k + j] < 0) conflictingPairs++;
  const c = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    c.fill(0);
    c[i] = 1;
    for (const j of orders[i]) {
      const njj = gram[j * k + j];
      if (!(njj > 0)) continue;
      // g'_i · g_j = Σ_m c_m (g_m · g_j)
      let d = 0;
      for (let m = 0; m < k; m++) d += c[m] * gram[m * k + j];
      if (d < 0) {
        c[j] -= d / njj;
        projections++;
      }
    }
    for (let m = 0; m < k; m++) weights[m] += c[m];
  }
  return { weights, projections, conflictingPairs };
}
