/**
 * The run-assembly seam: from a resolved configuration to everything a training step needs — dataset, noise
 * schedule, timestep clusters (ANT §4.1), model, MTL method, stepper (src/train/step.ts: the method's
 * gradient, Adam, EMA) and the trainer's batches. `runTraining` (src/train/run.ts), the step benchmark and
 * the PyTorch comparison (lab/perf/, lab/torch/) and the parity export (lab/parity/) all build their runs
 * here, so a benchmark measures exactly the step that training runs.
 *
 * The training loss is the model's (src/diffusion/loss.ts: mse + vb for a model with learned variance);
 * `train.loss` must agree with the model's `learnSigma` (checked here, before the model is built).
 *
 * Random streams (src/runtime/rng.ts, keyed by the run seed): "init" (weights), "data-order"/epoch (a
 * permutation of the training set per epoch), "timesteps"/step, "noise"/step; the method draws its own
 * (e.g. PCGrad's "pcgrad:order"/step).
 *
 * A run with `latent` trains on the scaled latents of its image dataset (src/latent/latent_data.ts): the
 * assembled `dataset` is then the latent data and `latent` holds the image dataset and the decoder. A run
 * with `train.timesteps = [l, r]` draws every timestep uniformly from that interval (a specialist of the
 * negative-transfer gap, src/analysis/transfer_gap.ts).
 *
 * @module
 */
import { lossKindOf, type RunConfig, type TimestepSampler } from "./types.ts";
import type { Dataset } from "../data/dataset.ts";
import { type Denoiser, optionsLearnSigma } from "../models/denoiser.ts";
import type { MtlMethod } from "../mtl/method.ts";
import type { Interval } from "../clustering/dp.ts";
import { makeSchedule, type NoiseSchedule } from "../diffusion/schedule.ts";
import { getDatasetFactory } from "../data/registry.ts";
import { getModelFactory } from "../models/registry.ts";
import { getMethodFactory } from "../mtl/registry.ts";
import { sampleTimesteps } from "../clustering/assign.ts";
import { deriveSeed, rngFor } from "../runtime/rng.ts";
import { computeClusters } from "./clusters.ts";
import { createStepper, type HostBatch, type Stepper } from "./step.ts";
import { type LatentSpace, loadLatentSpace } from "../latent/latent_data.ts";
import { badValue, UsageError } from "../runtime/errors.ts";

/** The part of a {@link RunConfig} that determines a training step (evaluation settings are not needed). */
export type AssemblyConfig = Pick<
  RunConfig,
  "dataset" | "model" | "diffusion" | "clustering" | "method" | "seed" | "train" | "latent"
>;

/** Options of {@link assembleRun}. */
export interface AssembleOptions {
  /** Cache directory for preprocessed datasets (default ".cache"). */
  cacheDir?: string;
  /**
   * The already loaded dataset of `config.dataset` (to share one load between runs of the same dataset,
   * e.g. the contenders of a benchmark). It must be what `config.dataset` loads.
   */
  dataset?: Dataset;
  /**
   * Wrap the registered method before the stepper gets it (to observe it, e.g. the parity export records
   * the combined gradient). The wrapper must delegate `step`; the computation stays the registered one.
   */
  observeMethod?: (method: MtlMethod) => MtlMethod;
  /**
   * Keep per-cluster losses in the stepper (StepperOptions.clusterLosses; default true, as the trainer
   * reads them: perf and parity then time and check the step training runs). false only for callers that
   * must not pay for them.
   */
  clusterLosses?: boolean;
}

/** A run ready to train: its parts and the trainer's batch of every step. */
export interface AssembledRun {
  /** The configuration it was assembled from. */
  readonly config: AssemblyConfig;
  /** The loaded dataset the batches come from (the scaled latents in a latent run). */
  readonly dataset: Dataset;
  /** The latent space of a latent run (its image dataset, scale factor and decoder); absent otherwise. */
  readonly latent?: LatentSpace;
  /** The dataset options in effect (factory defaults merged with the config's). */
  readonly datasetOptions: Record<string, unknown>;
  /** The noise schedule (ᾱ_t of the forward process). */
  readonly schedule: NoiseSchedule;
  /** The k timestep intervals, inclusive [l, r], in timestep order. */
  readonly clusters: Interval[];
  /** Number of clusters (tasks). */
  readonly k: number;
  /** The denoiser, with its initial weights from the "init" stream. */
  readonly model: Denoiser;
  /** The model options in effect (factory defaults merged with the config's). */
  readonly modelOptions: Record<string, unknown>;
  /** The MTL method (as observed through {@link AssembleOptions.observeMethod}, if given). */
  readonly method: MtlMethod;
  /** The shared optimisation step: the method's gradient, Adam, EMA; pending losses. */
  readonly stepper: Stepper;
  /** The training batch of step `step` (deterministic in (seed, step); any order of steps). */
  batch(step: number): HostBatch;
  /** One training step: `batch(step)` through the stepper. Its loss stays pending until `stepper.readLosses()`. */
  step(step: number): Promise<void>;
  /** Release the stepper, the method and the model. */
  dispose(): void;
}

/**
 * The trainer's batch of each step: rows of the training set in the order of a seeded permutation per
 * epoch, timesteps (and their clusters) from the "timesteps" stream with the configured sampler, noise from
 * the "noise" stream. With `restrict = [l, r]` every timestep is drawn uniformly from [l, r] (one
 * `rng.int` per sample, in order) and belongs to cluster 0. Returns a function of the step; it caches the
 * current epoch's permutation.
 */
export function trainingBatches(
  seed: number,
  dataset: Pick<Dataset, "train" | "nTrain" | "dataShape">,
  clusters: readonly Interval[],
  batchSize: number,
  sampler: TimestepSampler,
  restrict?: readonly [number, number],
): (step: number) => HostBatch {
  const N = dataset.nTrain;
  const dim = dataset.dataShape.reduce((a, b) => a * b, 1);
  let perm: Int32Array | null = null;
  let permEpoch = -1;
  return (step) => {
    const x0 = new Float32Array(batchSize * dim);
    for (let j = 0; j < batchSize; j++) {
      const p = step * batchSize + j;
      const epoch = Math.floor(p / N);
      if (epoch !== permEpoch) {
        perm = rngFor(seed, "data-order", epoch).permutation(N);
        permEpoch = epoch;
      }
      const idx = perm![p - epoch * N];
      x0.set(dataset.train.subarray(idx * dim, (idx + 1) * dim), j * dim);
    }
    const rng = rngFor(seed, "timesteps", step);
    const { t, cluster } = restrict
      ? {
        t: Int32Array.from({ length: batchSize }, () => rng.int(restrict[0], restrict[1] + 1)),
        cluster: new Int32Array(batchSize),
      }
      : sampleTimesteps(rng, clusters, batchSize, sampler);
    const noise = rngFor(seed, "noise", step).normalArray(batchSize * dim);
    return { x0, noise, t, cluster };
  };
}

/**
 * Assemble a run from its configuration on the active tfjs backend: load the dataset, make the schedule,
 * compute the clusters, build the model (weights from the "init" stream), create the method and the
 * stepper. Unknown ids and bad options throw (before anything is allocated on the backend where possible);
 * whatever was built before a failure is disposed.
 */
export async function assembleRun(config: AssemblyConfig, opts: AssembleOptions = {}): Promise<AssembledRun> {
  const seed = config.seed;
  const schedule = makeSchedule(config.diffusion.schedule, config.diffusion.T);
  const dsFactory = getDatasetFactory(config.dataset.id);
  const datasetOptions = { ...dsFactory.defaults, ...config.dataset.options };
  const loaded = opts.dataset ??
    await dsFactory.load(datasetOptions, { cacheDir: opts.cacheDir ?? ".cache" });
  const restrict = config.train.timesteps;
  if (restrict !== undefined) {
    const [l, r] = restrict;
    if (!(Number.isInteger(l) && Number.isInteger(r) && 0 <= l && l <= r && r < schedule.T)) {
      throw new UsageError(
        badValue("train.timesteps", restrict, `[l, r] with 0 <= l <= r < T = ${schedule.T}`),
      );
    }
    if (config.clustering.objective !== "none") {
      throw new UsageError(
        badValue(
          "train.timesteps",
          restrict,
          `absent with the clustering objective ${config.clustering.objective}`,
        ) +
          ' (an interval restriction is only defined for objective "none", k = 1)',
      );
    }
  }
  const latent = config.latent
    ? await loadLatentSpace(config.latent, loaded, datasetOptions, opts.cacheDir ?? ".cache")
    : undefined;
  const dataset = latent?.data ?? loaded;
  const clusters = await computeClusters(config, schedule);
  const k = clusters.length;
  const modelFactory = getModelFactory(config.model.id);
  const methodFactory = getMethodFactory(config.method.id);
  const modelOptions = { ...modelFactory.defaults, ...config.model.options };
  // The loss follows the model's output (src/diffusion/loss.ts): the two settings must agree.
  const loss = lossKindOf(config.train);
  if ((loss === "hybrid") !== optionsLearnSigma(modelOptions)) {
    latent?.dispose();
    throw new UsageError(
      `train.loss ${JSON.stringify(loss)} with model ${JSON.stringify(config.model.id)} learnSigma ` +
        `${
          optionsLearnSigma(modelOptions)
        }: the hybrid loss needs learnSigma true, and learnSigma true needs it`,
    );
  }
  let model: Denoiser;
  try {
    model = modelFactory.build(modelOptions, {
      dataShape: dataset.dataShape,
      T: schedule.T,
      initSeed: deriveSeed(seed, "init"),
    });
  } catch (e) {
    latent?.dispose();
    throw e;
  }
  let method: MtlMethod | null = null;
  try {
    const created = methodFactory.create({ ...methodFactory.defaults, ...config.method.options }, {
      k,
      schedule,
      runSeed: seed,
    });
    method = opts.observeMethod ? opts.observeMethod(created) : created;
    const { train } = config;
    const stepper = createStepper({
      model,
      method,
      schedule,
      k,
      lr: train.lr,
      beta1: train.beta1,
      beta2: train.beta2,
      emaDecay: train.emaDecay,
      ...(opts.clusterLosses !== false ? { clusterLosses: true } : {}),
    });
    const batch = trainingBatches(
      seed,
      dataset,
      clusters,
      train.batchSize,
      config.clustering.sampler,
      restrict,
    );
    const m = method;
    return {
      config,
      dataset,
      ...(latent ? { latent } : {}),
      datasetOptions,
      schedule,
      clusters,
      k,
      model,
      modelOptions,
      method: m,
      stepper,
      batch,
      step: (step) => stepper.step(batch(step), step),
      dispose() {
        stepper.dispose();
        m.dispose();
        model.dispose();
        latent?.dispose();
      },
    };
  } catch (e) {
    method?.dispose();
    model.dispose();
    latent?.dispose();
    throw e;
  }
}
