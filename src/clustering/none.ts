/**
 * The "none" objective: a single cluster [0, T-1] (vanilla training, k must be 1), so vanilla runs have
 * the same shape (intervals, cluster per sample) as ANT runs. Its cost is 0.
 *
 * @module
 */
import type { ClusteringObjective } from "./objective.ts";
import { badValue } from "../runtime/errors.ts";

/** The "none" clustering objective (one cluster). */
export const noneObjective: ClusteringObjective = {
  id: "none",
  description: "no clustering: one interval [0, T-1] (k must be 1)",
  validate(k) {
    return k === 1 ? [] : [badValue("k", k, "1 (the none objective has a single cluster)")];
  },
  cost() {
    return () => 0;
  },
};
