/**
 * The interface of an interval-clustering objective (ANT, Go et al. 2023, §4.1): a cost C(l, r) of an
 * inclusive timestep interval, minimised over partitions by the DP of {@link intervalDp}. Each objective
 * is one file, registered by id in src/clustering/registry.ts.
 *
 * @module
 */
import type { NoiseSchedule } from "../diffusion/schedule.ts";
import type { IntervalCost } from "./dp.ts";

/** A T x T task-affinity matrix (row-major, float64), e.g. gradient cosine similarities. */
export interface AffinityMatrix {
  /** Number of diffusion timesteps. */
  readonly T: number;
  /** data[a * T + b] = affinity of tasks a and b. */
  readonly data: Float64Array;
}

/** What an objective may read to build its cost. */
export interface ObjectiveInput {
  /** Number of timesteps. */
  T: number;
  /** The run's noise schedule (length T). Needed by "snr". */
  schedule?: NoiseSchedule;
  /** Task-affinity matrix (T x T). Needed by "gradient". */
  affinity?: AffinityMatrix;
}

/** A clustering objective. */
export interface ClusteringObjective {
  /** Stable registry id. */
  readonly id: string;
  /** One line on what the objective minimises. */
  readonly description: string;
  /** Problems with (k, input), each naming the field, the value and what is allowed; empty when valid. */
  validate(k: number, input: ObjectiveInput): string[];
  /** The interval cost for `input` (call validate first). */
  cost(input: ObjectiveInput): IntervalCost;
}
