/**
 * `nashmtl`: Nash-MTL (Navon et al., "Multi-Task Learning as a Bargaining Game", ICML 2022) over timestep
 * clusters, as ANT-NashMTL (Go et al. 2023; official `mtl_library/nash.py`).
 *
 * Pinned variant:
 * - every `updateEvery` steps (ANT: 25; the original Nash-MTL: 1) the per-cluster gradients g_i = ∇l_i
 *   (l_i: the cluster's mean per-sample loss) give the Gram matrix M = G Gᵀ, and α solves
 *   α_i (Mα)_i = 1 on the raw M, as the official code's constraints −log(α_i nf) − log((M/nf · α)_i) ≤ 0
 *   (nf = ‖M‖_F) do when tight, by our certified solver ({@link solveNash}: damped Newton, residual
 *   max_i |α_i (Mα)_i − 1| < 1e-6). The first step always solves. α starts at 1 for every cluster (as the
 *   official code);
 * - the update is ∇ Σ_i α_i l_i / k (ANT's form: a /k on the weighted sum), then clipped to global norm
 *   `maxNorm` (default 1) with torch's rule coef = maxNorm / (‖g‖ + 1e-6) when that is below 1, over all
 *   model parameters (ANT: clip_grad_norm_(model.parameters(), 1) after unscaling). On solve steps it is
 *   formed from the per-cluster gradients already computed (Σ α_i g_i / k, norm from the Gram matrix):
 *   ‖Σ α_i g_i‖² = k there, so the update's norm is 1/√k and the clip never binds on a solve step with
 *   k ≥ 2 (as in ANT); on the other steps α is stale and the update is one weighted full-batch backward
 *   with per-sample weights α_{c(b)} / (k n_{c(b)}), clipped by {@link clipGradients} (it may bind there);
 * - a failed solve is never hidden and never replaced by equal weights: the previous α is kept, and the
 *   failure (step, reason, residual) is recorded in `summary().failures`, with counts;
 * - empty clusters: a solve uses only the present clusters; absent clusters keep their previous α, and
 *   contribute nothing to the update. A zero-gradient cluster gets α = 0 (see the solver);
 * - α history: α at every solve, thinned to at most 256 entries (every 2nd dropped when full).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { MtlMethod, MtlMethodFactory, MtlStepResult } from "./method.ts";
import { solveNash } from "./nash_solver.ts";
import {
  clusterGradients,
  clusterLossArray,
  combineGradients,
  plainLoss,
  readGramAndLosses,
} from "./cluster_grads.ts";
import { valueAndGrads } from "./grads.ts";
import { checkNumber, unknownOptions } from "./options.ts";
import { ThinnedHistory } from "./history.ts";

/** Options of `nashmtl`. */
export interface NashMtlOptions {
  /** Recompute α every this many steps (ANT: 25; Navon et al.: 1). */
  updateEvery: number;
  /** Global gradient-norm clip (official: 1). */
  maxNorm: number;
}

/** One recorded solver failure. */
export interface NashFailure {
  step: number;
  reason: string;
  residual: number;
}

/** torch.nn.utils.clip_grad_norm_'s factor: min(1, maxNorm / (norm + 1e-6)). */
export function clipCoefficient(norm: number, maxNorm: number): number {
  const c = maxNorm / (norm + 1e-6);
  return c < 1 ? c : 1;
}

/**
 * Clip `grads` to global norm `maxNorm` (torch's clip_grad_norm_ rule); consumes `grads`. On wasm/cpu the
 * tensors are in host memory: the norm is summed in float64 on the host (cheaper than 2 ops per variable
 * there; the reads are copies, awaited) and, only when clipping applies, the gradients are rescaled on the
 * host and uploaded. On GPU backends everything stays on the device (no readback).
 */
export async function clipGradients(
  grads: tf.Tensor[],
  maxNorm: number,
  where: "auto" | "host" | "device" = "auto",
): Promise<tf.Tensor[]> {
  const backend = tf.getBackend();
  if (where === "host" || (where === "auto" && (backend === "wasm" || backend === "cpu"))) {
    let ss = 0;
    const data: Float32Array[] = [];
    for (const g of grads) {
      const d = await g.data() as Float32Array;
      for (let i = 0; i < d.length; i++) ss += d[i] * d[i];
      data.push(d);
    }
    const c = clipCoefficient(Math.sqrt(ss), maxNorm);
    if (c === 1) return grads;
    // Rescaled on the host (float32 products with the float32 factor, as tf.mul) and uploaded: no kernels.
    const cf = Math.fround(c);
    const out = grads.map((g, i) => tf.tensor(data[i].map((x) => x * cf), g.shape, "float32"));
    tf.dispose(grads);
    return out;
  }
  const out = tf.tidy(() => {
    const norm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
    const c = tf.minimum(tf.div(tf.scalar(maxNorm), tf.add(norm, tf.scalar(1e-6))), tf.scalar(1));
    return grads.map((g) => tf.mul(g, c));
  });
  tf.dispose(grads);
  return out;
}

/** Registry entry of `nashmtl`. */
export const nashMtlFactory: MtlMethodFactory<NashMtlOptions> = {
  id: "nashmtl",
  description:
    "Nash-MTL: bargaining weights alpha_i (M alpha)_i = 1 over per-cluster gradients, clipped update",
  reference:
    "Navon et al. 2022 (Eq. 3; official constraints: alpha_i (M alpha)_i = 1 on the raw Gram matrix); " +
    "ANT-NashMTL: sum_i alpha_i l_i / k, recomputed every 25 steps, grad-norm clip 1",
  gradients: "per-cluster",
  defaults: { updateEvery: 25, maxNorm: 1 },
  validate(options) {
    return [
      ...unknownOptions("nashmtl", options, ["updateEvery", "maxNorm"]),
      ...checkNumber("nashmtl", options, "updateEvery", { min: 1, minInclusive: true, integer: true }),
      ...checkNumber("nashmtl", options, "maxNorm", { min: 0 }),
    ];
  },
  create(options, ctx): MtlMethod {
    const { updateEvery, maxNorm } = options;
    const alpha = new Float64Array(ctx.k).fill(1);
    let lastSolve: number | null = null;
    let solves = 0;
    let failureCount = 0;
    const failures: NashFailure[] = [];
    let maxResidual = 0;
    let lastResidual: number | null = null;
    let totalIterations = 0;
    const history = new ThinnedHistory<{ step: number; alpha: number[] }>();
    let clipped = 0;
    let steps = 0;

    async function solveStep(
      batch: Parameters<MtlMethod["step"]>[0],
      variables: readonly tf.Variable[],
      step: number,
    ): Promise<MtlStepResult> {
      const cg = clusterGradients(batch, variables);
      try {
        const m = cg.tasks.length;
        const { gram, losses } = await readGramAndLosses(cg);
        let logs: Record<string, number | number[]> = {};
        if (m > 0) {
          const sol = solveNash(gram, m);
          totalIterations += sol.iterations;
          if (sol.converged) {
            cg.tasks.forEach((i, a) => (alpha[i] = sol.alpha[a]));
            maxResidual = Math.max(maxResidual, sol.residual);
            lastResidual = sol.residual;
          } else {
            failureCount++;
            if (failures.length < 100) {
              failures.push({ step, reason: sol.reason ?? "unknown", residual: sol.residual });
            }
            console.warn(
              `nashmtl: solve failed at step ${step}: ${sol.reason} (residual ${sol.residual}); keeping previous alpha`,
            );
          }
          logs = { alpha: Array.from(alpha), residual: sol.residual, solveFailed: sol.converged ? 0 : 1 };
          history.push({ step, alpha: Array.from(alpha) });
          solves++;
        }
        const w = cg.tasks.map((i) => alpha[i] / batch.k);
        let norm2 = 0;
        for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) norm2 += w[a] * w[b] * gram[a * m + b];
        const coef = clipCoefficient(Math.sqrt(Math.max(0, norm2)), maxNorm);
        if (coef < 1) clipped++;
        const res: MtlStepResult = {
          grads: combineGradients(cg, w.map((x) => x * coef), variables),
          loss: plainLoss(cg),
          clusterLosses: clusterLossArray(batch.k, cg.tasks, losses),
          logs,
        };
        return res;
      } finally {
        cg.dispose();
      }
    }

    async function weightedStep(
      batch: Parameters<MtlMethod["step"]>[0],
      variables: readonly tf.Variable[],
    ): Promise<MtlStepResult> {
      const B = batch.t.length;
      const wb = new Float32Array(B);
      for (let b = 0; b < B; b++) {
        const c = batch.cluster[b];
        wb[b] = alpha[c] / (batch.k * batch.groups[c].length);
      }
      let plain: tf.Scalar | null = null;
      const { value, grads } = valueAndGrads(() => {
        const L = batch.perSampleLoss();
        plain = tf.keep(tf.mean(L) as tf.Scalar);
        return tf.sum(tf.mul(L, tf.tensor1d(wb))) as tf.Scalar;
      }, variables);
      value.dispose();
      return { grads: await clipGradients(grads, maxNorm), loss: plain! };
    }

    return {
      id: "nashmtl",
      step(batch, variables, step) {
        steps++;
        if (lastSolve === null || step - lastSolve >= updateEvery || step < lastSolve) {
          lastSolve = step;
          return solveStep(batch, variables, step);
        }
        return weightedStep(batch, variables);
      },
      summary() {
        return {
          steps,
          updateEvery,
          maxNorm,
          solves,
          failureCount,
          failures,
          maxResidual: solves > failureCount ? maxResidual : null,
          lastResidual,
          meanNewtonIterations: solves > 0 ? totalIterations / solves : null,
          /** Solve steps whose update was clipped (other steps are clipped on the backend, not counted). */
          clippedSolveSteps: clipped,
          alpha: Array.from(alpha),
          history: history.entries,
        };
      },
      dispose() {},
    };
  },
};
