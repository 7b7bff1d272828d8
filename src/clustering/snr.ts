/**
 * The "snr" objective of ANT (Go et al. 2023, §4.1, SNR-based interval clustering):
 * C(l, r) = Σ_{t=l..r} |λ_t - λ_m|, λ_t = log SNR(t) = log(ᾱ_t / (1 - ᾱ_t)) of the run's noise schedule and
 * λ_m a median of the interval's values.
 *
 * Why log-SNR and not raw SNR: the official code's docstring says "snr values" without saying which. Raw
 * SNR spans many orders of magnitude (≈10^4 at t = 0 down to ≈10^-5 at t = T-1), so the L1 cost is
 * dominated by the first few steps and the optimum is degenerate (for T = 1000, k = 5 and the cosine
 * schedule: [0,0], [1,3], [4,11], [12,36], [37,999]). Log-SNR is the axis of the paper's task-affinity
 * figure and gives balanced clusters (ant-spec.md §1.3).
 *
 * @module
 */
import type { ClusteringObjective } from "./objective.ts";
import { l1MedianCost } from "./l1_median.ts";
import { badValue } from "../runtime/errors.ts";

/** The "snr" clustering objective (L1 on log-SNR). */
export const snrObjective: ClusteringObjective = {
  id: "snr",
  description: "L1 spread of log-SNR(t) about the interval median, on the run's noise schedule",
  validate(_k, { T, schedule }) {
    if (!schedule) return [badValue("schedule", schedule, "a noise schedule (the snr objective needs one)")];
    if (schedule.T !== T) return [badValue("schedule.T", schedule.T, `T = ${T}`)];
    return [];
  },
  cost({ schedule }) {
    if (!schedule) throw new RangeError("snr objective: no noise schedule given");
    return l1MedianCost(schedule.logSnr);
  },
};
