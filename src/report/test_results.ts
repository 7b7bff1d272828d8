/**
 * Test-only helper: synthetic RunResults with given curves, for the report tests.
 *
 * @module
 */
import type { MetricFloor, RunConfig, RunResult, TimestepSampler } from "../train/types.ts";

const config0: RunConfig = JSON.parse(
  await Deno.readTextFile(new URL("../../fixtures/suite/run_config.json", import.meta.url)),
);

/** What a synthetic run is. */
export interface FakeRun {
  method: string;
  objective: string;
  k: number;
  /** Default: uniform for objective "none", else stratified. */
  sampler?: TimestepSampler;
  seed: number;
  /** Metric key ("fd-data", ...) -> value at steps 10, 20, ... (the last is final). */
  curves: Record<string, number[]>;
  floors?: Record<string, MetricFloor>;
}

/** A RunResult with the given curves; the config's eval.metrics are the ids of the curve keys. */
export function fakeRun(f: FakeRun): RunResult {
  const config: RunConfig = structuredClone(config0);
  const keys = Object.keys(f.curves);
  const len = f.curves[keys[0]].length;
  config.method = { id: f.method, options: {} };
  config.clustering = {
    objective: f.objective,
    k: f.k,
    sampler: f.sampler ?? (f.objective === "none" ? "uniform" : "stratified"),
  };
  config.seed = f.seed;
  config.eval.at = Array.from({ length: len }, (_, i) => 10 * (i + 1));
  config.eval.metrics = keys.map((k) => k.split("-")[0]);
  config.train.steps = 10 * len;
  const curve = config.eval.at.map((step, i) => ({
    step,
    metrics: Object.fromEntries(keys.map((k) => [k, f.curves[k][i]])),
    trainLoss: 0.1,
  }));
  return {
    schema: "antbench.run/1",
    id: `${f.method}-${f.objective}-${f.k}-${config.clustering.sampler}-${f.seed}`,
    status: "ok",
    config,
    clusters: f.objective === "none" ? [[0, 999]] : [[0, 499], [500, 999]],
    curve,
    final: curve[curve.length - 1].metrics,
    ...(f.floors ? { floors: f.floors } : {}),
    loss: { every: 1, values: [] },
    method: {},
    paramCount: 10,
    timing: { totalSeconds: 1, trainSeconds: 1, evalSeconds: 0, msPerStep: 2 },
    environment: { deno: "2.9.6", startedAt: "2026-01-01T00:00:00Z" },
  };
}

/** A floor record for `key` with band [lo, hi]. */
export function floor(key: string, lo: number, hi: number): MetricFloor {
  return {
    key,
    n: 1000,
    referenceN: 1000,
    resamples: 200,
    source: "fresh draws",
    mean: (lo + hi) / 2,
    sd: (hi - lo) / 3.29,
    lo,
    hi,
  };
}
