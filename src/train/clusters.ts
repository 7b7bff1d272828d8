/**
 * The clusters of a run: the DP-optimal k intervals of the run's clustering objective (ANT §4.1), with the
 * task-affinity matrix read from the configured file (.json or .npy) for the "gradient" objective.
 *
 * @module
 */
import type { RunConfig } from "./types.ts";
import type { NoiseSchedule } from "../diffusion/schedule.ts";
import type { ObjectiveInput } from "../clustering/objective.ts";
import { clusterTimesteps } from "../clustering/registry.ts";
import type { Interval } from "../clustering/dp.ts";
import { readAffinity } from "../clustering/affinity_io.ts";

/** The run's intervals, inclusive [l, r], in timestep order. */
export async function computeClusters(
  config: Pick<RunConfig, "clustering">,
  schedule: NoiseSchedule,
): Promise<Interval[]> {
  const { objective, k, affinity } = config.clustering;
  const input: ObjectiveInput = { T: schedule.T, schedule };
  if (affinity !== undefined) input.affinity = await readAffinity(affinity, schedule.T);
  return clusterTimesteps(objective, k, input).intervals;
}
