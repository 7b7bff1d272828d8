/**
 * The declarative suite schema: what a benchmark suite may say, for TypeScript suites
 * (`defineSuite({...})`) and JSON/YAML suite files alike (one schema, one validator: src/suite/validate.ts).
 *
 * A suite is a grid: datasets × models × clustering objectives × k × methods × seeds, minus exclusions,
 * plus one vanilla baseline (objective "none", k = 1, uniform timesteps, method "vanilla") per dataset and
 * model, as in ANT's comparisons (Go et al. 2023, Table 1: every ANT variant against the vanilla model
 * trained with the same budget), plus one matched control per clustering (vanilla with the stratified
 * sampler on the same clusters; the paper has none, so its tables cannot separate ANT from its sampler).
 * Everything not given takes the defaults in {@link SUITE_DEFAULTS}.
 *
 * @module
 */
import type { ScheduleId } from "../diffusion/schedule.ts";
import type { LossKind, TimestepSampler } from "../train/types.ts";
import type { OpenId } from "../runtime/registry.ts";
import type { DatasetId } from "../data/registry.ts";
import type { ModelId } from "../models/registry.ts";
import type { ObjectiveId } from "../clustering/registry.ts";
import type { MethodId } from "../mtl/registry.ts";
import type { MetricId } from "../metrics/registry.ts";

/** A registry component by id, optionally with options (merged over the factory's defaults). */
export interface ComponentSpec<Id extends string = string> {
  /** Registry id (editors complete the registered ones). */
  id: OpenId<Id>;
  /** Options merged over the factory's defaults (validated against them). */
  options?: Record<string, unknown>;
}

/** A component given as a bare id or as `{id, options}`. */
export type ComponentRef<Id extends string = string> = OpenId<Id> | ComponentSpec<Id>;

/** A partial run coordinate; a run matching every given field is excluded. */
export interface ExclusionSpec {
  /** Dataset id. */
  dataset?: OpenId<DatasetId>;
  /** Model id. */
  model?: OpenId<ModelId>;
  /** Clustering objective id. */
  objective?: OpenId<ObjectiveId>;
  /** Number of clusters. */
  k?: number;
  /** Method id. */
  method?: OpenId<MethodId>;
}

/**
 * An affinity matrix measured inside the suite (src/suite/affinity_source.ts): for every dataset, model and
 * seed, the vanilla configuration of that seed is trained to the last of `checkpoints` (or its stored
 * checkpoints are reused), the task-affinity matrix (ANT, Go et al. 2023, §4.1: gradient cosine similarity
 * between timesteps, averaged over the checkpoints) is measured on a seeded subset of its training data,
 * and only then are that seed's gradient-clustered runs planned and trained, with the matrix's bytes in
 * their content ids.
 */
export interface AffinitySourceSpec {
  /** The run whose checkpoints are measured: the vanilla baseline configuration of each seed. */
  from: "vanilla";
  /** Training steps of the checkpoints (ascending, each in [1, steps]). */
  checkpoints: number[];
  /** Grid step G: gradients at t = 0, G, 2G, ..., T-1, bilinear in between (default 10). */
  grid?: number;
  /** Training images in the fixed subset (default 1000, as the official script; at most the training set). */
  subset?: number;
  /** Images per forward/backward pass (default 250). */
  batch?: number;
  /** Gradient storage: exact, count sketch, or auto (exact when it fits 256 MiB; default). */
  mode?: "auto" | "exact" | "sketch";
  /** Sketch dimension (default 4096). */
  sketchDim?: number;
}

/** Training hyper-parameters (all optional; see SUITE_DEFAULTS.train). */
export interface TrainSpec {
  /** Samples per step (a multiple of every k with the stratified sampler). */
  batchSize?: number;
  /** Adam learning rate. */
  lr?: number;
  /** Adam β1. */
  beta1?: number;
  /** Adam β2. */
  beta2?: number;
  /** EMA decay of the sampling weights (0: no EMA). */
  emaDecay?: number;
  /**
   * "eps" (default): L_simple; "hybrid": mse + vb with learned variance (Nichol & Dhariwal 2021; ANT's and
   * DiT's loss), which needs every model of the suite to have `learnSigma: true`.
   */
  loss?: LossKind;
}

/** Evaluation settings (all optional; see SUITE_DEFAULTS.eval). */
export interface EvalSpec {
  /** Explicit evaluation steps (the last training step is always added). */
  at?: number[];
  /** Evaluate every `every` steps (alternative to `at`). */
  every?: number;
  /** Generated samples per evaluation. */
  samples?: number;
  /** Real reference samples the metrics compare with. */
  referenceSamples?: number;
  /** The evaluation sampler: DDPM ancestral or DDIM (η), with respaced steps. */
  sampler?: { kind?: "ddpm" | "ddim"; steps?: number; eta?: number };
  /** Metric ids from src/metrics/registry.ts. */
  metrics?: OpenId<MetricId>[];
  /** Sample with the EMA weights (default true). */
  useEma?: boolean;
  /** Path of a user-supplied tfjs Inception-v3 model.json, for datasets in the "inception" feature space. */
  inception?: string;
  /**
   * Seeded real-vs-real resamples of each metric's floor (src/metrics/floor.ts), recorded in every result
   * as `floors`; 0 turns floors off. Default 20, at most 1000.
   */
  floorResamples?: number;
  /**
   * Metric id of `metrics` whose verdict the report gives per row (default: the first metric). Other
   * metrics are tested and Holm-adjusted with it, but carry no verdict word.
   */
  headline?: OpenId<MetricId>;
  /**
   * Fewest evaluation points a run may have (default 8): convergence curves and interpolated
   * steps-to-target need them. Lower it deliberately when evaluation is expensive.
   */
  minPoints?: number;
}

/** Regression-check settings used by `deno task cli compare` for this suite's reports. */
export interface RegressionSpec {
  /** Significance level of the per-metric test (default 0.05). */
  alpha?: number;
  /** Relative change that counts as a regression, per metric key (e.g. "fd-data": 0.1); default 0.05. */
  thresholds?: Record<string, number>;
}

/** How the report turns paired tests into verdicts (src/report/verdict.ts). */
export interface VerdictSpec {
  /** Family-wise significance level of the Holm-adjusted tests of a table (default 0.05). */
  alpha?: number;
  /** Equivalence margin, relative to the reference mean, for the TOST "equivalent" verdict (default 0.05). */
  margin?: number;
  /** Power at which the minimum detectable effect is reported (default 0.8). */
  power?: number;
}

/** A benchmark suite as written by a user (JSON/YAML file or TypeScript). */
export interface SuiteSpec {
  /** Suite name: lowercase letters, digits, "-", "_" (it names reports/<name>/). */
  name: string;
  /** One line on what the suite shows (printed in its reports). */
  description?: string;
  /** Datasets (src/data/registry.ts), each by id or with options. */
  datasets: ComponentRef<DatasetId>[];
  /** Model(s); default "mlp". */
  model?: ComponentRef<ModelId> | ComponentRef<ModelId>[];
  /** Noise schedule (default "linear"). */
  schedule?: ScheduleId;
  /** Diffusion timesteps (default 1000). */
  T?: number;
  /** Clustering objective ids (src/clustering/registry.ts), e.g. "timestep", "snr", "gradient". */
  objectives: OpenId<ObjectiveId>[];
  /** Numbers of clusters. */
  k: number[];
  /** How timesteps are drawn inside clusters (default "stratified", as ANT's code). */
  sampler?: TimestepSampler;
  /**
   * Task-affinity matrix of the "gradient" objective: a file (.json/.npy path), or a source the suite
   * measures itself ({@link AffinitySourceSpec}: the vanilla run of each seed, phase 1 of the bench).
   */
  affinity?: string | AffinitySourceSpec;
  /** MTL methods (src/mtl/registry.ts) with options. */
  methods: ComponentRef<MethodId>[];
  /** Seed list, or a count n meaning seeds 0..n-1. */
  seeds: number[] | number;
  /** Training steps per run. */
  steps: number;
  /** Training hyper-parameters. */
  train?: TrainSpec;
  /** Evaluation settings. */
  eval?: EvalSpec;
  /** Run coordinates left out of the expansion. */
  exclude?: ExclusionSpec[];
  /** Add the vanilla baseline per dataset and model (default true). */
  baselines?: boolean;
  /**
   * Add a matched control per clustering (objective × k, with its affinity file) when the rows use the
   * stratified sampler: vanilla's loss with the same stratified timestep draws (default true). It separates
   * what an MTL method does from what the sampler does.
   */
  controls?: boolean;
  /** How the report decides verdicts (see {@link VerdictSpec}). */
  verdict?: VerdictSpec;
  /** tfjs backend (default "auto": WebGPU on a hardware adapter, else wasm). */
  backend?: "auto" | "webgpu" | "native" | "wasm" | "cpu";
  /** Settings of `deno task cli compare` for this suite's reports. */
  regression?: RegressionSpec;
  /**
   * Latent diffusion (Rombach et al. 2022): an autoencoder id (src/latent/registry.ts, e.g. "mnist-kl-f4")
   * or the path of an autoencoder directory. Every run's denoiser then trains on the scaled latents of the
   * dataset (scale factor 1 / std of the training latents) and samples are decoded before every metric;
   * metrics, reference set and floors stay those of the images. The autoencoder must encode images of
   * each dataset's shape.
   */
  latent?: string;
}

/** Defaults applied to every field a suite leaves out. */
export const SUITE_DEFAULTS = {
  model: "mlp",
  schedule: "linear" as ScheduleId,
  T: 1000,
  sampler: "stratified" as TimestepSampler,
  train: { batchSize: 256, lr: 1e-3, beta1: 0.9, beta2: 0.999, emaDecay: 0.995 },
  eval: {
    samples: 1000,
    referenceSamples: 1000,
    sampler: { kind: "ddim" as const, steps: 50, eta: 0 },
    metrics: ["fd", "swd"],
    useEma: true,
    floorResamples: 20,
    /** Evaluation points when neither `at` nor `every` is given, and the least a suite may have. */
    points: 8,
  },
  baselines: true,
  controls: true,
  verdict: { alpha: 0.05, margin: 0.05, power: 0.8 },
  backend: "auto" as const,
  regression: { alpha: 0.05, defaultThreshold: 0.05 },
} as const;

/**
 * Method of the automatically added matched controls: vanilla on each clustering of the suite with the
 * stratified sampler (objective, k and affinity of the rows it controls).
 */
export const CONTROL = { sampler: "stratified" as TimestepSampler, method: "vanilla" };

/** Method and objective of the automatically added baseline. */
export const BASELINE = { objective: "none", k: 1, sampler: "uniform" as TimestepSampler, method: "vanilla" };

/**
 * Identity function that type-checks a TypeScript suite definition. Validation against the registries
 * happens when the suite is loaded (src/suite/validate.ts), exactly as for JSON/YAML files.
 */
export function defineSuite(spec: SuiteSpec): SuiteSpec {
  return spec;
}
