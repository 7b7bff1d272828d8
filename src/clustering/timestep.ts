/**
 * The "timestep" objective of ANT (Go et al. 2023, §4.1, timestep-based interval clustering):
 * C(l, r) = Σ_{t=l..r} |t - m|, m a median of the interval. Its optimum is the (near-)equal-width split;
 * for T divisible by k exactly the uniform split that the official training code hard-codes
 * (`util/uw_util.py::initialize_cluster("uniform")`).
 *
 * @module
 */
import type { ClusteringObjective } from "./objective.ts";
import { l1MedianCost } from "./l1_median.ts";

/** The "timestep" clustering objective. */
export const timestepObjective: ClusteringObjective = {
  id: "timestep",
  description: "L1 spread of t about the interval median (optimum: equal-width intervals)",
  validate() {
    return [];
  },
  cost({ T }) {
    return l1MedianCost(Float64Array.from({ length: T }, (_, t) => t));
  },
};
