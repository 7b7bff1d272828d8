/**
 * Registry of interval-clustering objectives, keyed by stable id, and the one entry point that turns
 * (objective, k, schedule, affinity) into clusters.
 *
 * @module
 */
import type { ClusteringObjective, ObjectiveInput } from "./objective.ts";
import { intervalDp, type Partition } from "./dp.ts";
import { noneObjective } from "./none.ts";
import { timestepObjective } from "./timestep.ts";
import { snrObjective } from "./snr.ts";
import { gradientObjective } from "./gradient.ts";
import { throwIfProblems, UsageError } from "../runtime/errors.ts";
import { registryMap } from "../runtime/registry.ts";

/** Ids of the registered clustering objectives, in registry order. */
export const OBJECTIVE_IDS = ["none", "timestep", "snr", "gradient"] as const;

/** A registered clustering objective id. */
export type ObjectiveId = typeof OBJECTIVE_IDS[number];

/** Every registered objective by id. */
export const OBJECTIVES: ReadonlyMap<string, ClusteringObjective> = registryMap(
  "clustering objective",
  OBJECTIVE_IDS,
  [noneObjective, timestepObjective, snrObjective, gradientObjective],
);

/** The objective for `id`, or a UsageError listing the allowed ids. */
export function getObjective(id: string, field = "objective"): ClusteringObjective {
  const o = OBJECTIVES.get(id);
  if (!o) {
    throw new UsageError(
      `${field}: unknown clustering objective ${JSON.stringify(id)}; allowed: ${
        [...OBJECTIVES.keys()].join(", ")
      }`,
    );
  }
  return o;
}

/**
 * The DP-optimal k intervals of 0..T-1 for objective `id` (ANT, Go et al. 2023, §4.1). Validates k, T
 * and the objective's inputs first (UsageError listing every problem).
 */
export function clusterTimesteps(id: string, k: number, input: ObjectiveInput): Partition {
  const objective = getObjective(id);
  // intervalDp re-checks T and k; checking here first gives one message with the objective's problems.
  throwIfProblems(`clustering (${id}, k = ${k}, T = ${input.T})`, objective.validate(k, input));
  return intervalDp(objective.cost(input), input.T, k);
}
