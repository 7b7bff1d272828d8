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
  id: string;
  options: Record<string, unknown>;
}

/** How timesteps are drawn for a batch (src/clustering/). */
export type TimestepSampler = "uniform" | "stratified";

/** Resolved configuration of one run. */
export interface RunConfig {
  /** Suite name (for paths and reports; not part of the numbers). */
  suite: string;
  dataset: Component;
  model: Component;
  diffusion: {
    schedule: ScheduleId;
    T: number;
  };
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
  method: Component;
  seed: number;
  train: {
    steps: number;
    batchSize: number;
    lr: number;
    /** Adam β1, β2 (AdamW with weight decay 0, as the ANT code). */
    beta1: number;
    beta2: number;
    /** EMA decay of the weights used for sampling (0 disables EMA). */
    emaDecay: number;
  };
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
  };
  /** Backend the run asked for; the one used is in the environment fingerprint. */
  backend: "auto" | "webgpu" | "native" | "wasm" | "cpu";
}

/** Quality at one evaluation point. */
export interface EvalPoint {
  step: number;
  /** Metric name (with feature space, e.g. "fd-data", "swd-data") -> value. */
  metrics: Record<string, number>;
  /** Mean training loss over the steps since the previous evaluation. */
  trainLoss: number;
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
  mean: number;
  sd: number;
  /** 5% and 95% quantiles of the resampled values: the floor band. */
  lo: number;
  hi: number;
}

/** Result of one run. The part under `timing` and `environment` is excluded from determinism checks. */
export interface RunResult {
  schema: "antbench.run/1";
  /** Content id of the run (hash of the resolved config and the antbench version). */
  id: string;
  status: "ok" | "failed";
  /** Why a failed run failed (e.g. "non-finite loss at step 37"). */
  error?: string;
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
  /** Training loss every `lossEvery` steps (mean over the window). */
  loss: { every: number; values: number[] };
  /** Method diagnostics (e.g. UW s_i trajectory, Nash solver failures). */
  method: Record<string, unknown>;
  /** Parameters of the model. */
  paramCount: number;
  /** Wall-clock facts: not compared across runs. */
  timing: { totalSeconds: number; trainSeconds: number; evalSeconds: number; msPerStep: number };
  /** Where it ran: not compared across runs. */
  environment: Record<string, unknown>;
}
