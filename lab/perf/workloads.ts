/**
 * The benchmark's workloads and their run configurations. A workload is a model on a registered dataset at
 * a batch size; its runs are resolved exactly as `deno task bench` resolves a suite (src/suite/validate.ts,
 * src/suite/expand.ts): the vanilla baseline (objective "none", k = 1, uniform timesteps) and every method
 * on the k timestep intervals of the "timestep" objective with the suite default sampler (stratified), the
 * suite defaults for the schedule (linear, T = 1000), Adam and the EMA. So a perf row times the step that a
 * suite with that dataset, model, method and batch size trains.
 *
 * @module
 */
import type { Component, RunConfig } from "../../src/train/types.ts";
import { resolveSuite } from "../../src/suite/validate.ts";
import { expandSuite } from "../../src/suite/expand.ts";
import { defaultRegistries } from "../../src/suite/registries.ts";
import { getModelFactory } from "../../src/models/registry.ts";
import { optionsLearnSigma } from "../../src/models/denoiser.ts";

/** One model on one dataset at one batch size. */
export interface Workload {
  /** Model id. */
  model: string;
  /** The registered dataset (with options) the batches come from. */
  dataset: Component;
  /** Shape of one sample of that dataset, e.g. [2] or [8, 8, 1]. */
  dataShape: number[];
  /** Batch size. */
  batch: number;
}

/** The dataset each data shape of `--shapes` trains on (2-D data: the default suite's swissroll). */
export const SHAPE_DATASETS: Readonly<Record<string, Component>> = {
  "2": { id: "swissroll", options: {} },
  "8x8x1": { id: "digits8", options: {} },
  "28x28x1": { id: "mnist", options: {} },
  "32x32x1": { id: "mnist", options: { size: 32 } },
};

/** The key of a data shape in {@link SHAPE_DATASETS}. */
export function shapeKey(dataShape: readonly number[]): string {
  return dataShape.join("x");
}

/** The workload of `model` on the dataset of `dataShape`; throws for a shape without a dataset. */
export function workload(model: string, dataShape: number[], batch: number): Workload {
  const dataset = SHAPE_DATASETS[shapeKey(dataShape)];
  if (!dataset) {
    throw new RangeError(
      `no dataset for data shape ${shapeKey(dataShape)}; allowed: ${Object.keys(SHAPE_DATASETS).join(", ")}`,
    );
  }
  return { model, dataset: structuredClone(dataset), dataShape, batch };
}

/** Whether model `id`'s default options learn the variance (then its runs need the hybrid loss). */
function learnsSigmaByDefault(id: string): boolean {
  return optionsLearnSigma(getModelFactory(id).defaults as Record<string, unknown>);
}

/** Settings of {@link workloadConfigs}. */
export interface WorkloadConfigOptions {
  /** Methods besides the vanilla baseline, at k clusters of the "timestep" objective. */
  methods: readonly string[];
  /** Clusters of the method rows. */
  k: number;
  /** Seed of the workloads. */
  seed: number;
  /** Training steps recorded in the configs (the steps the benchmark runs per contender). */
  steps: number;
}

/**
 * The run configurations of a workload, resolved as a suite: the vanilla baseline first, then each
 * method in order. Invalid settings throw the suite validator's UsageError (naming the field).
 */
export function workloadConfigs(w: Workload, o: WorkloadConfigOptions): RunConfig[] {
  const methods = o.methods.filter((m) => m !== "vanilla");
  // A suite lists at least one method; with none, list vanilla and exclude it: the baseline remains.
  const none = methods.length === 0;
  const suite = resolveSuite(
    {
      name: "perf",
      datasets: [w.dataset],
      model: { id: w.model },
      objectives: ["timestep"],
      k: [o.k],
      methods: none ? ["vanilla"] : methods,
      ...(none ? { exclude: [{ objective: "timestep", method: "vanilla" }] } : {}),
      seeds: [o.seed],
      steps: Math.max(1, o.steps),
      // A model that learns Σ by default (dit) trains with the hybrid loss, as a suite must give it.
      train: { batchSize: w.batch, ...(learnsSigmaByDefault(w.model) ? { loss: "hybrid" } : {}) },
      // The benchmark never evaluates: one nominal point, no matched controls.
      eval: { at: [Math.max(1, o.steps)], minPoints: 1 },
      controls: false,
      backend: "auto",
    },
    defaultRegistries(),
    "perf",
  );
  return expandSuite(suite, defaultRegistries());
}
