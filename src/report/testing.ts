/**
 * Test helper (report tests): synthetic run results with hand-chosen convergence curves.
 *
 * @module
 */
import type { RunConfig, RunResult } from "../train/types.ts";

const config0: RunConfig = JSON.parse(
  await Deno.readTextFile(new URL("../../fixtures/suite/run_config.json", import.meta.url)),
);

/** A synthetic result: `curve` gives the fd-data value at steps 10 and 20 (the last is final). */
export function fakeResult(
  method: string,
  objective: string,
  k: number,
  seed: number,
  curve: number[],
): RunResult {
  const config: RunConfig = structuredClone(config0);
  config.method = { id: method, options: {} };
  config.clustering = { objective, k, sampler: objective === "none" ? "uniform" : "stratified" };
  config.seed = seed;
  config.eval.at = curve.map((_, i) => 10 * (i + 1));
  config.eval.metrics = ["fd"];
  config.train.steps = 10 * curve.length;
  const points = curve.map((v, i) => ({ step: 10 * (i + 1), metrics: { "fd-data": v }, trainLoss: 0.1 }));
  return {
    schema: "antbench.run/1",
    id: `${method}-${objective}-${k}-${seed}`,
    status: "ok",
    config,
    clusters: objective === "none" ? [[0, 999]] : [[0, 499], [500, 999]],
    curve: points,
    final: points[points.length - 1].metrics,
    loss: { every: 1, values: [] },
    method: {},
    paramCount: 10,
    timing: { totalSeconds: 1, trainSeconds: 1, evalSeconds: 0, msPerStep: 2 },
    environment: { deno: "2.9.6", startedAt: "2026-01-01T00:00:00Z" },
  };
}
