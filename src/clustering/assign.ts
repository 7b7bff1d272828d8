/**
 * Training integration of interval clusters: which cluster a timestep belongs to, and how the timesteps
 * of a batch are drawn (ANT, Go et al. 2023; official `util/uw_util.py::sample_t_batch`).
 *
 * Samplers:
 * - `uniform`: t ~ U{0..T-1} independently per sample (vanilla DDPM), cluster by lookup.
 * - `stratified`: ANT's sampler. The batch is split into k equal contiguous chunks; chunk i holds B/k
 *   timesteps drawn uniformly from cluster i's interval. It needs B % k == 0. With unequal intervals it
 *   changes the marginal distribution of t (every cluster gets B/k samples whatever its width).
 *
 * Random draws: sample b = 0..B-1 in order, one `rng.int` each, so a batch is a pure function of the
 * stream's state.
 *
 * @module
 */
import type { Rng } from "../runtime/rng.ts";
import { badValue, throwIfProblems, UsageError } from "../runtime/errors.ts";
import { type Interval, intervalProblems } from "./dp.ts";
import type { TimestepSampler } from "../train/types.ts";

/** Ids of the timestep samplers. */
export const SAMPLER_IDS: readonly TimestepSampler[] = ["uniform", "stratified"];

/** Timesteps of a batch and the cluster of each. */
export interface TimestepBatch {
  /** Timestep of each sample. */
  t: Int32Array;
  /** Cluster index of each sample. */
  cluster: Int32Array;
}

function totalT(intervals: readonly Interval[]): number {
  const last = intervals[intervals.length - 1];
  return last ? last[1] + 1 : 0;
}

/**
 * Lookup table of length T: entry t is the index of the interval containing t. Throws a UsageError when
 * the intervals are not a contiguous partition of 0..T-1.
 */
export function clusterOf(intervals: readonly Interval[], T: number): Int32Array {
  throwIfProblems("clusters", intervalProblems(intervals, T));
  const out = new Int32Array(T);
  intervals.forEach(([l, r], i) => out.fill(i, l, r + 1));
  return out;
}

/**
 * Draw `batchSize` timesteps and their clusters with `sampler` (see the module doc). Throws a UsageError
 * for a bad batch size, sampler, or partition, and for `stratified` when batchSize is not a multiple of k.
 */
export function sampleTimesteps(
  rng: Rng,
  intervals: readonly Interval[],
  batchSize: number,
  sampler: TimestepSampler,
): TimestepBatch {
  const T = totalT(intervals);
  throwIfProblems("clusters", intervalProblems(intervals, T));
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) {
    throw new UsageError(badValue("batchSize", batchSize, "an integer >= 1"));
  }
  const k = intervals.length;
  const t = new Int32Array(batchSize);
  const cluster = new Int32Array(batchSize);
  if (sampler === "uniform") {
    const lookup = clusterOf(intervals, T);
    for (let b = 0; b < batchSize; b++) {
      t[b] = rng.int(0, T);
      cluster[b] = lookup[t[b]];
    }
  } else if (sampler === "stratified") {
    if (batchSize % k !== 0) {
      throw new UsageError(
        badValue(
          "batchSize",
          batchSize,
          `a multiple of k = ${k}: the stratified sampler gives each of the k clusters batchSize / k samples ` +
            `(use e.g. ${Math.max(k, Math.round(batchSize / k) * k)}, or the uniform sampler)`,
        ),
      );
    }
    const per = batchSize / k;
    for (let i = 0, b = 0; i < k; i++) {
      const [l, r] = intervals[i];
      for (let j = 0; j < per; j++, b++) {
        t[b] = rng.int(l, r + 1);
        cluster[b] = i;
      }
    }
  } else {
    throw new UsageError(badValue("sampler", sampler, SAMPLER_IDS.join(" | ")));
  }
  return { t, cluster };
}
