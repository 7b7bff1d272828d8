/**
 * The clusters of a run: the DP-optimal k intervals of the run's clustering objective (ANT §4.1), with the
 * task-affinity matrix read from the configured file (.json or .npy) for the "gradient" objective. When the
 * config records the file's SHA-256 (`clustering.affinitySha256`, set when the runs are planned), the bytes
 * must still match it: a matrix regenerated after planning would otherwise train under a stale run id.
 *
 * @module
 */
import type { RunConfig } from "./types.ts";
import type { NoiseSchedule } from "../diffusion/schedule.ts";
import type { ObjectiveInput } from "../clustering/objective.ts";
import { clusterTimesteps } from "../clustering/registry.ts";
import type { Interval } from "../clustering/dp.ts";
import { readAffinity } from "../clustering/affinity_io.ts";
import { fileSha256 } from "../data/checksum.ts";
import { UsageError } from "../runtime/errors.ts";

/** The run's intervals, inclusive [l, r], in timestep order. */
export async function computeClusters(
  config: Pick<RunConfig, "clustering">,
  schedule: NoiseSchedule,
): Promise<Interval[]> {
  const { objective, k, affinity, affinitySha256 } = config.clustering;
  const input: ObjectiveInput = { T: schedule.T, schedule };
  if (affinity !== undefined) {
    if (affinitySha256 !== undefined) {
      const now = await fileSha256(affinity, "clustering.affinity");
      if (now !== affinitySha256) {
        throw new UsageError(
          `clustering.affinity: ${JSON.stringify(affinity)} changed since the run was planned (sha256 ` +
            `${now.slice(0, 16)}… now, ${affinitySha256.slice(0, 16)}… in the run config); plan the suite ` +
            `again so the run gets the id of the new matrix`,
        );
      }
    }
    input.affinity = await readAffinity(affinity, schedule.T);
  }
  return clusterTimesteps(objective, k, input).intervals;
}
