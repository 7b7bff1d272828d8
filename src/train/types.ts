/**
 * The fully resolved configuration of one training run and the result it produces. A suite (src/suite/)
 * expands into RunConfigs; the runner hands each to `runTraining` (src/train/run.ts) and stores the
 * RunResult next to the config. Everything that changes the numbers is in RunConfig; nothing is read from
 * globals.
 *
 * @module
 */
import type { ScheduleId } from "../diffusion/schedule.ts";

/** A component chosen by registry id with its (fully resolved) options. */
export interface Component {
  /** Registry id. */
  id: string;
  /** Resolved options. */
  options: Record<string, unknown>;
}

/** How timesteps are drawn for a batch (src/clustering/). */
export type TimestepSampler = "uniform" | "stratified";

/** Ids of the training losses (`train.loss`). */
export const LOSS_KINDS = ["eps", "hybrid"] as const;
/**
 * The per-sample training loss: "eps" = L_simple, the ε-MSE (Ho et al. 2020, Eq. 14); "hybrid" = mse + vb,
 * the learned-variance loss of Nichol & Dhariwal 2021 as the ANT/DiT code computes it
 * (src/diffusion/hybrid_loss.ts), which needs a model with learned variance (model option `learnSigma`).
 */
export type LossKind = typeof LOSS_KINDS[number];

/** The loss of a run whose config gives none. */
export const DEFAULT_LOSS: LossKind = "eps";

/** The loss of a run's train settings (absent = {@link DEFAULT_LOSS}). */
export function lossKindOf(train: { loss?: LossKind }): LossKind {
  return train.loss ?? DEFAULT_LOSS;
}

/**
 * The latent space a run trains in (latent diffusion, Rombach et al. 2022): the autoencoder (an id of
 * src/latent/registry.ts or a directory) and the SHA-256 of its weights, resolved when the runs are planned.
 * The denoiser trains on the scaled latents of the dataset's training split; samples are decoded to images
 * before every metric (src/latent/latent_data.ts).
 */
export interface LatentConfig {
  /** Autoencoder id (fixtures/autoencoders/<id>/) or the path of a directory in the same format. */
  autoencoder: string;
  /** "sha256:<hex>" of its weights.bin; the content id hashes it in place of a path. */
  weightsHash?: string;
}

/**
 * The held-out denoising loss per timestep interval, measured at every evaluation point (for the
 * negative-transfer gap, src/analysis/transfer_gap.ts): for interval i, the ε-MSE of the model on `n`
 * held-out samples × `draws`, with timesteps uniform in the interval and noise from streams keyed by `seed`
 * and i only, so every run evaluated with the same spec sees the same x_0, t and ε.
 */
export interface IntervalLossSpec {
  /** Inclusive [l, r] timestep intervals (need not cover 0..T-1). */
  intervals: [number, number][];
  /** Held-out samples (the first of the reference draw with seed 0: the same set for every run). */
  n: number;
  /** (t, ε) draws per sample and interval. */
  draws: number;
  /** Seed of the evaluation streams (independent of the run seed). */
  seed: number;
}

/** Resolved configuration of one run. */
export interface RunConfig {
  /** Suite name (for paths and reports; not part of the numbers). */
  suite: string;
  /** Dataset with resolved options. */
  dataset: Component;
  /** Model with resolved options. */
  model: Component;
  /** Noise schedule and timesteps. */
  diffusion: {
    schedule: ScheduleId;
    T: number;
  };
  /** Timestep clustering (ANT §4.1) and how batches draw timesteps. */
  clustering: {
    /** Objective id: "none" (k = 1), "timestep", "snr", "gradient". */
    objective: string;
    k: number;
    sampler: TimestepSampler;
    /** Path of a task-affinity matrix (.json/.npy), required by the "gradient" objective. */
    affinity?: string;
    /**
     * SHA-256 (hex) of the affinity file's bytes, resolved when the runs are planned; the content id hashes
     * it in place of the path, and training refuses a file whose bytes no longer match.
     */
    affinitySha256?: string;
    /**
     * Label of the suite's affinity source when the matrix was measured inside the suite (the same for
     * every seed, whose files differ; src/suite/affinity_source.ts): report rows group seeds by it.
     */
    affinitySource?: string;
  };
  /** MTL method with resolved options. */
  method: Component;
  /** Run seed: every random stream derives from it. */
  seed: number;
  /** Training hyper-parameters. */
  train: {
    steps: number;
    batchSize: number;
    lr: number;
    /** Adam β1, β2 (AdamW with weight decay 0, as the ANT code). */
    beta1: number;
    beta2: number;
    /** EMA decay of the weights used for sampling (0 disables EMA). */
    emaDecay: number;
    /**
     * The training loss ({@link LossKind}); absent means "eps". Resolved suites write it only when it is not
     * "eps", so the configs, and the content ids, of ε-loss runs are those of the runs made before the
     * hybrid loss existed.
     */
    loss?: LossKind;
    /**
     * Train only on the timesteps of this inclusive interval [l, r], drawn uniformly (the specialists of
     * the negative-transfer gap; Go et al. 2023, §3.2). Only with the clustering objective "none" (k = 1).
     */
    timesteps?: [number, number];
  };
  /** Evaluation settings. */
  eval: {
    /** Steps at which quality is measured (ascending; the last equals train.steps). */
    at: number[];
    /** Number of generated samples per evaluation. */
    samples: number;
    /** Number of reference samples. */
    referenceSamples: number;
    sampler: { kind: "ddpm" | "ddim"; steps: number; eta: number };
    /** Metric ids, e.g. "fd", "swd", "kid", "precision", "recall". */
    metrics: string[];
    /** Sample with EMA weights (true) or raw weights. */
    useEma: boolean;
    /**
     * Seeded real-vs-real resamples of each metric's floor (src/metrics/floor.ts; suites default to 20);
     * 0 or absent: no floors.
     */
    floorResamples?: number;
    /** Path of a user-supplied tfjs Inception-v3 model.json (the "inception" feature space). */
    inception?: string;
    /** Held-out denoising loss per timestep interval at every evaluation point (recorded per point). */
    intervalLoss?: IntervalLossSpec;
  };
  /** Train in the latent space of an autoencoder (absent: in data space). */
  latent?: LatentConfig;
  /** Backend the run asked for; the one used is in the environment fingerprint. */
  backend: "auto" | "webgpu" | "native" | "wasm" | "cpu";
}

/** Quality at one evaluation point. */
export interface EvalPoint {
  /** Training steps done. */
  step: number;
  /** Metric name (with feature space, e.g. "fd-data", "swd-data") -> value. */
  metrics: Record<string, number>;
  /** Mean training loss over the steps since the previous evaluation. */
  trainLoss: number;
  /** Held-out ε-MSE per interval of `eval.intervalLoss` (same order), when configured. */
  intervalLoss?: number[];
}

/**
 * Real-vs-real floor of a metric: the distribution of the metric when the "generated" set is itself real
 * data of the same size N as the evaluation, drawn afresh for each of `resamples` seeded resamples and
 * compared against the same reference set. A model cannot be told apart from real data by a metric value
 * inside this band (issue "Verdicts that hold up", item 5).
 */
export interface MetricFloor {
  /** Metric key, e.g. "fd-data". */
  key: string;
  /** Samples per resample (the evaluation's generated N). */
  n: number;
  /** Reference samples (the evaluation's reference N). */
  referenceN: number;
  /** Number of seeded resamples. */
  resamples: number;
  /** Where the real "generated" samples come from, e.g. "train split" or "fresh draws". */
  source: string;
  /** Mean over the resamples. */
  mean: number;
  /** Standard deviation over the resamples. */
  sd: number;
  /** 5% and 95% quantiles of the resampled values: the floor band. */
  lo: number;
  /** 95% quantile (the band's upper end). */
  hi: number;
}

/** Result of one run. The part under `timing` and `environment` is excluded from determinism checks. */
export interface RunResult {
  /** Schema tag. */
  schema: "antbench.run/1";
  /** Content id of the run (hash of the resolved config and the antbench version). */
  id: string;
  /** "ok" or "failed". */
  status: "ok" | "failed";
  /** Why a failed run failed (e.g. "non-finite loss at step 37"). */
  error?: string;
  /** The resolved config. */
  config: RunConfig;
  /** Clusters as inclusive [l, r] timestep intervals, in order. */
  clusters: [number, number][];
  /** Convergence curve: quality at each evaluation point reached. */
  curve: EvalPoint[];
  /** Metrics at the last evaluation point. */
  final: Record<string, number>;
  /** Real-vs-real floor of each metric key of `final` (absent in results written before floors existed). */
  floors?: Record<string, MetricFloor>;
  /** Data-derived metric settings per metric key (e.g. the MMD bandwidth), when a metric has any. */
  metricSettings?: Record<string, Record<string, number | string>>;
  /**
   * Training loss every `every` steps (mean over the window; the last window may be shorter) and, per
   * cluster, the mean loss of that cluster's samples over each window: `clusters[c][w]` (null in JSON for
   * a window without samples of the cluster; absent in results written before it existed).
   */
  loss: { every: number; values: number[]; clusters?: number[][] };
  /** Method diagnostics (e.g. UW s_i trajectory, Nash solver failures). */
  method: Record<string, unknown>;
  /** Parameters of the model. */
  paramCount: number;
  /** The latent space of a latent run: autoencoder, weights hash, latent shape and the scale factor used. */
  latent?: { autoencoder: string; weightsHash: string; latentShape: number[]; scaleFactor: number };
  /** Wall-clock facts: not compared across runs. */
  timing: { totalSeconds: number; trainSeconds: number; evalSeconds: number; msPerStep: number };
  /** Where it ran: not compared across runs. */
  environment: Record<string, unknown>;
}
