/**
 * The workloads of the native-backend laboratory benchmarks (bench_step.ts, its worker, bench_kernels.ts):
 * the workloads of `deno task perf` (lab/perf/workloads.ts: a model on its registered dataset, its run
 * resolved as a suite resolves it) assembled on the run-assembly seam (src/train/assemble.ts) as
 * contenders (lab/perf/contender.ts). So these benchmarks time and profile the production step — the
 * trainer's batches, the method's gradients, Adam, EMA and the trainer's loss reads — and nothing else.
 *
 * @module
 */
import type { RunConfig } from "../../src/train/types.ts";
import { badValue, UsageError } from "../../src/runtime/errors.ts";
import { DEFAULT_BATCH } from "../perf/args.ts";
import { type Workload, workload, workloadConfigs } from "../perf/workloads.ts";

export type { Workload } from "../perf/workloads.ts";

/** The three workloads at perf's default batch sizes: the MLP on 2-D data, U-Nets on 8×8 and 28×28. */
export const WORKLOADS: Readonly<Record<string, Workload>> = {
  mlp: workload("mlp", [2], DEFAULT_BATCH.toy2d),
  unet8: workload("unet", [8, 8, 1], DEFAULT_BATCH.image),
  unet28: workload("unet", [28, 28, 1], DEFAULT_BATCH.image),
};

/** The workloads named in a comma list (flag `flag`), optionally at another batch size. */
export function namedWorkloads(list: string, flag = "--workloads", batch?: number): Workload[] {
  return list.split(",").map((s) => s.trim()).filter((s) => s !== "").map((name) => {
    const w = WORKLOADS[name];
    if (!w) throw new UsageError(badValue(flag, name, Object.keys(WORKLOADS).join(", ")));
    return batch === undefined ? structuredClone(w) : { ...structuredClone(w), batch };
  });
}

/**
 * The resolved run configuration of `w` with `method` (the vanilla baseline: k = 1; any other method at k
 * timestep clusters), as `deno task perf` times it; `steps` is recorded in the config.
 */
export function workloadRun(
  w: Workload,
  method = "vanilla",
  o: { k?: number; seed?: number; steps?: number } = {},
): RunConfig {
  const configs = workloadConfigs(w, {
    methods: method === "vanilla" ? [] : [method],
    k: o.k ?? 5,
    seed: o.seed ?? 0,
    steps: o.steps ?? 100,
  });
  return configs[configs.length - 1];
}
