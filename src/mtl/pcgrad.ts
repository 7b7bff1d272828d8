/**
 * `pcgrad`: Projecting Conflicting Gradients (Yu et al., NeurIPS 2020, Alg. 1) over timestep clusters,
 * as ANT-PCGrad (Go et al. 2023; official `mtl_library/pcgrad.py`, the LibMTL algorithm).
 *
 * Pinned variant:
 * - task i's gradient is g_i = ∇(l_i / k) with l_i the mean per-sample loss of cluster i and k the number
 *   of clusters (ANT's scaling; PCGrad is positively homogeneous, so this is (1/k)·PCGrad(∇l_1..∇l_k));
 *   with no conflicts and equal cluster sizes the update equals the vanilla gradient;
 * - for each task i, the other tasks j ≠ i are visited in a fresh random order per i, drawn from
 *   rngFor(runSeed, "pcgrad:order", step); if g'_i · g_j < 0, g'_i ← g'_i − (g'_i·g_j/‖g_j‖²) g_j, always
 *   onto the ORIGINAL g_j (LibMTL/ANT also visit j = i, which never projects when g'_i = g_i; we skip it);
 * - the update is Σ_i g'_i (a sum, as LibMTL and ANT);
 * - empty clusters are skipped: the orders are drawn over the m present clusters (in ascending cluster
 *   order), and absent clusters contribute nothing (the 1/k factor stays the nominal k).
 *
 * Only the m × m Gram matrix is read back to the host (once per step, with the task losses); the
 * projections run in coefficient space there ({@link pcgradCoefficients}) and the update Σ_a w_a g_a is
 * formed on the backend. No grad clipping and the trainer's EMA is updated as for every method (the
 * official code's PCGrad branch forgets the EMA update, ant-spec.md §5.2).
 *
 * @module
 */
import type { MtlMethod, MtlMethodFactory } from "./method.ts";
import { PCGRAD_ORDER_PURPOSE, pcgradCoefficients, pcgradOrders } from "./pcgrad_core.ts";
import {
  clusterGradients,
  clusterLossArray,
  combineGradients,
  plainLoss,
  readGramAndLosses,
} from "./cluster_grads.ts";
import { rngFor } from "../runtime/rng.ts";
import { unknownOptions } from "./options.ts";

/** Options of `pcgrad` (none). */
export type PcgradOptions = Record<string, never>;

/** Registry entry of `pcgrad`. */
export const pcgradFactory: MtlMethodFactory<PcgradOptions> = {
  id: "pcgrad",
  description: "PCGrad: per-cluster gradients, conflicting components projected out in a seeded random order",
  reference: "Yu et al. 2020 (Alg. 1); ANT-PCGrad (Go et al. 2023), g_i = grad(l_i / k), update = sum_i g'_i",
  gradients: "per-cluster",
  defaults: {},
  validate(options) {
    return unknownOptions("pcgrad", options, []);
  },
  create(_options, ctx): MtlMethod {
    let steps = 0;
    let projections = 0;
    let conflictingPairs = 0;
    let pairs = 0;
    let skippedClusters = 0;
    return {
      id: "pcgrad",
      async step(batch, variables, step) {
        const cg = clusterGradients(batch, variables);
        try {
          const m = cg.tasks.length;
          skippedClusters += batch.k - m;
          const { gram, losses } = await readGramAndLosses(cg);
          const orders = pcgradOrders(m, rngFor(ctx.runSeed, PCGRAD_ORDER_PURPOSE, step));
          const coef = pcgradCoefficients(gram, m, orders);
          const weights = coef.weights.map((w) => w / batch.k);
          steps++;
          projections += coef.projections;
          conflictingPairs += coef.conflictingPairs;
          pairs += (m * (m - 1)) / 2;
          return {
            grads: combineGradients(cg, weights, variables),
            loss: plainLoss(cg),
            clusterLosses: clusterLossArray(batch.k, cg.tasks, losses),
            logs: { projections: coef.projections, conflictingPairs: coef.conflictingPairs },
          };
        } finally {
          cg.dispose();
        }
      },
      summary() {
        return {
          steps,
          projections,
          conflictingPairs,
          /** Fraction of task pairs whose original gradients conflicted (negative dot product). */
          conflictRate: pairs > 0 ? conflictingPairs / pairs : null,
          skippedClusters,
        };
      },
      dispose() {},
    };
  },
};
