/**
 * The clusters of a run: the DP-optimal k intervals of the run's clustering objective (ANT §4.1), with the
 * task-affinity matrix loaded from the configured file for the "gradient" objective.
 *
 * @module
 */
import type { RunConfig } from "./types.ts";
import type { NoiseSchedule } from "../diffusion/schedule.ts";
import type { ObjectiveInput } from "../clustering/objective.ts";
import { clusterTimesteps } from "../clustering/registry.ts";
import type { Interval } from "../clustering/dp.ts";
import { UsageError } from "../runtime/errors.ts";

/** The run's intervals, inclusive [l, r], in timestep order. */
export function computeClusters(config: RunConfig, schedule: NoiseSchedule): Promise<Interval[]> {
  const { objective, k, affinity } = config.clustering;
  const input: ObjectiveInput = { T: schedule.T, schedule };
  if (affinity !== undefined) {
    throw new UsageError(`clustering.affinity: reading affinity files is not wired yet (${affinity})`);
  }
  return Promise.resolve(clusterTimesteps(objective, k, input).intervals);
}
