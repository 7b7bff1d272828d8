/**
 * antbench public API: what a user of the library needs, readable in one sitting. Reproduces and extends Go
 * et al., "Addressing Negative Transfer in Diffusion Models" (NeurIPS 2023, arXiv 2306.00354).
 *
 * - **Suites**: define ({@link defineSuite}), validate ({@link resolveSuite}), plan ({@link planRuns}) and
 *   run ({@link runSuite} with {@link createWorkerPool}) benchmark suites; {@link runTraining} trains one
 *   resolved configuration.
 * - **Reports**: {@link generateReport} (README, results.json, self-contained HTML, SVG figures),
 *   {@link compareResults} (regression check), {@link compareReproduction} (bit-identity against published
 *   results), and the statistics behind them.
 * - **Library parts**: noise schedules, interval clustering of timesteps (ANT §4.1), the MTL methods'
 *   pure cores, sample-quality metrics with npy/npz I/O, feature extractors.
 * - **Extension points**: the registries and the shapes of their entries (method, objective, metric,
 *   model, dataset), with their ids as string-literal unions.
 *
 * Laboratory code (the step benchmark, PyTorch parity) is in lab/mod.ts.
 *
 * @module
 */

// --- runtime ---
export { deriveSeed, Rng, rngFor } from "./src/runtime/rng.ts";
export { EnvironmentError, UsageError } from "./src/runtime/errors.ts";
export { BACKEND_NAMES, chooseBackend, DEFAULT_NATIVE_THREADS, initBackend } from "./src/runtime/backend.ts";
export type {
  BackendChoice,
  BackendInfo,
  BackendName,
  ChooseOptions,
  ConcreteBackend,
  NativeInfo,
} from "./src/runtime/backend.ts";
export type { OpenBlasInfo } from "./src/runtime/native/openblas.ts";
export type { DnnlInfo } from "./src/runtime/native/dnnl.ts";
export type { AdapterSummary } from "./src/runtime/webgpu_backend.ts";
export { environmentFingerprint } from "./src/runtime/fingerprint.ts";
export type { EnvironmentFingerprint } from "./src/runtime/fingerprint.ts";
export type { OpenId } from "./src/runtime/registry.ts";
// tfjs types that appear in the extension points (models and methods work on tfjs tensors)
export type { Scalar, Tensor, Tensor1D, Tensor4D, Variable } from "./src/runtime/tensor_types.ts";

// --- diffusion ---
export {
  cosineBetas,
  ldmLinearBetas,
  linearBetas,
  makeSchedule,
  SCHEDULE_IDS,
} from "./src/diffusion/schedule.ts";
export type { NoiseSchedule, ScheduleId } from "./src/diffusion/schedule.ts";
// the hybrid loss's closed forms (Nichol & Dhariwal 2021, eq. 12-13: Gaussian KL, discretised decoder NLL)
export { discretizedGaussianLogLikelihood, normalKl } from "./src/diffusion/gaussian_nll.ts";

// --- clustering (ANT §4.1: timestep intervals by dynamic programming) ---
export { intervalDp, partitionCost } from "./src/clustering/dp.ts";
export type { Interval, IntervalCost, Partition } from "./src/clustering/dp.ts";
export { clusterTimesteps, getObjective, OBJECTIVE_IDS, OBJECTIVES } from "./src/clustering/registry.ts";
export type { ObjectiveId } from "./src/clustering/registry.ts";
export type { AffinityMatrix, ClusteringObjective, ObjectiveInput } from "./src/clustering/objective.ts";
export { clusterOf, SAMPLER_IDS, sampleTimesteps } from "./src/clustering/assign.ts";
export type { TimestepBatch } from "./src/clustering/assign.ts";
export { AFFINITY_MODES, measureAffinity } from "./src/clustering/affinity.ts";
export type { AffinityMode, AffinityOptions, AffinityResult } from "./src/clustering/affinity.ts";
export { readAffinity, writeAffinity } from "./src/clustering/affinity_io.ts";
export type { AffinityOutput } from "./src/clustering/affinity_io.ts";
export { affinityHeatmapSvg } from "./src/clustering/heatmap_svg.ts";
export type { HeatmapOptions } from "./src/clustering/heatmap_svg.ts";

// --- mtl (ANT §4.2: the per-cluster losses combined by a multi-task method) ---
export type {
  HostClusterGradients,
  MtlBatch,
  MtlContext,
  MtlMethod,
  MtlMethodFactory,
  MtlStepResult,
} from "./src/mtl/method.ts";
export { getMethodFactory, METHOD_IDS, METHODS, resolveMethodOptions } from "./src/mtl/registry.ts";
export type { MethodId } from "./src/mtl/registry.ts";
export { pcgrad } from "./src/mtl/pcgrad_core.ts";
export { nashMtlWeights } from "./src/mtl/nash_solver.ts";
export { uwLossWeights } from "./src/mtl/uw.ts";
export { minSnrWeight, p2Weight } from "./src/mtl/snr_weighting.ts";

// --- models ---
export type { Denoiser, ModelBuildContext, ModelFactory, ModelFootprint } from "./src/models/denoiser.ts";
export { getModelFactory, MODEL_IDS, MODELS } from "./src/models/registry.ts";
export type { ModelId } from "./src/models/registry.ts";
export { LEARN_SIGMA_OPTION } from "./src/models/denoiser.ts";
export {
  CHECKPOINT_FORMAT,
  loadCheckpoint,
  readCheckpointMeta,
  saveCheckpoint,
} from "./src/models/checkpoint.ts";
export type {
  CheckpointLatent,
  CheckpointMeta,
  CheckpointVariable,
  LoadedCheckpoint,
  SaveCheckpointOptions,
} from "./src/models/checkpoint.ts";

// --- data ---
export type {
  Dataset,
  DatasetFactory,
  DatasetLoadContext,
  LogDensity,
  Provenance,
} from "./src/data/dataset.ts";
export { DATASET_IDS, DATASETS, getDatasetFactory } from "./src/data/registry.ts";
export type { DatasetId } from "./src/data/registry.ts";
export { checkerboardLogDensity, gaussians8LogDensity } from "./src/data/toy2d_density.ts";
export { loadFolder } from "./src/data/folder.ts";
export type { FolderOptions } from "./src/data/folder.ts";
export type { ImageDataset, ImageSplit } from "./src/data/image_dataset.ts";

// --- metrics ---
export { frechetDetails, frechetDistance, gaussianStats } from "./src/metrics/frechet.ts";
export type { FrechetDetails, FrechetMethod, FrechetOptions, GaussianStats } from "./src/metrics/frechet.ts";
export { fdInfinity } from "./src/metrics/fd_infinity.ts";
export type { FdInfinityOptions, FdInfinityResult } from "./src/metrics/fd_infinity.ts";
export type { LinalgEngine } from "./src/metrics/native_linalg.ts";
export { kernelInceptionDistance, KidSubsetSizeError } from "./src/metrics/kid.ts";
export type { KidOptions, KidResult } from "./src/metrics/kid.ts";
export { precisionRecall } from "./src/metrics/precision_recall.ts";
export type { PrecisionRecall } from "./src/metrics/precision_recall.ts";
export { slicedWasserstein } from "./src/metrics/sliced_wasserstein.ts";
export type { SlicedWassersteinOptions } from "./src/metrics/sliced_wasserstein.ts";
export { gaussianMmd2 } from "./src/metrics/mmd.ts";
export { energyDistanceSquared } from "./src/metrics/energy.ts";
export { loadFeatures, loadStats } from "./src/metrics/load.ts";
export type { FeatureFile } from "./src/metrics/load.ts";
export { formatNpy, npyArray, parseNpy, readNpy, writeNpy } from "./src/metrics/npy.ts";
export type { NpyArray } from "./src/metrics/npy.ts";
export { formatNpz, parseNpz, readFidStats, readNpz, writeFidStats, writeNpz } from "./src/metrics/npz.ts";
export { computeMetrics, METRIC_IDS, metricName, METRICS, prepareMetrics } from "./src/metrics/registry.ts";
export type { ComputeMetricsOptions, MetricId, PreparedMetrics } from "./src/metrics/registry.ts";
export type { Metric, MetricContext, MetricDirection, MetricFactory } from "./src/metrics/metric.ts";
export { metricFloors } from "./src/metrics/floor.ts";
export type { FloorInputs } from "./src/metrics/floor.ts";
export type { FeatureExtractor } from "./src/metrics/features/extractor.ts";
export {
  FEATURE_EXTRACTOR_IDS,
  loadFeatureExtractor,
  loadFeatureSpace,
} from "./src/metrics/features/registry.ts";
export type { FeatureSpace, LoadExtractorOptions } from "./src/metrics/features/registry.ts";

// --- latent diffusion (Rombach et al. 2022: KL autoencoders, scaled latents) ---
export type { AeVariableSpec, AutoencoderArch } from "./src/latent/autoencoder.ts";
export { AUTOENCODER_RECIPES, trainAutoencoder } from "./src/latent/train.ts";
export type { AeTrainProgress, AutoencoderRecipe } from "./src/latent/train.ts";
export { AUTOENCODER_FORMAT, loadAutoencoder, saveAutoencoder } from "./src/latent/weights.ts";
export type { AutoencoderManifest, ReconstructionQuality } from "./src/latent/weights.ts";
export { AUTOENCODER_IDS } from "./src/latent/registry.ts";
export type { LatentSpace } from "./src/latent/latent_data.ts";

// --- analyses: ANT's observations (§3: O1 affinity vs noise-level gap, O2 negative-transfer gap) ---
export { analyseTransferGap, planTransferGap, TRANSFER_GAP_FORMAT } from "./src/analysis/transfer_gap.ts";
export type {
  GapStat,
  IntervalGap,
  TransferGapOptions,
  TransferGapReport,
  TransferGapRun,
} from "./src/analysis/transfer_gap.ts";
export { gapSpearman, logSnrGapCurve, spearman, timestepGapCurve } from "./src/analysis/affinity_curve.ts";
export type { GapBin } from "./src/analysis/affinity_curve.ts";

// --- train ---
export { LOSS_KINDS } from "./src/train/types.ts";
export type {
  Component,
  EvalPoint,
  IntervalLossSpec,
  LatentConfig,
  LossKind,
  MetricFloor,
  RunConfig,
  RunResult,
  TimestepSampler,
} from "./src/train/types.ts";
export { runTraining } from "./src/train/run.ts";
export type { EvalSamples, LossPoint, RunOptions, RunProgress } from "./src/train/run.ts";

// --- suite ---
export { defineSuite, SUITE_DEFAULTS } from "./src/suite/schema.ts";
export type {
  AffinitySourceSpec,
  ComponentRef,
  ComponentSpec,
  EvalSpec,
  ExclusionSpec,
  RegressionSpec,
  SuiteSpec,
  TrainSpec,
  VerdictSpec,
} from "./src/suite/schema.ts";
export { resolveSuite } from "./src/suite/validate.ts";
export type { ResolvedSuite } from "./src/suite/validate.ts";
export type { VerdictSettings } from "./src/suite/validate_report.ts";
export { defaultRegistries } from "./src/suite/registries.ts";
export type { OptionedEntry, SuiteRegistries } from "./src/suite/registries.ts";
export { loadSuite, parseSuiteText } from "./src/suite/load.ts";
export { planRuns, planSuite } from "./src/suite/expand.ts";
export type { PendingRun, PlannedRun, PlanOptions, SuitePlan } from "./src/suite/expand.ts";
export type { AffinityJob, ResolvedAffinitySource } from "./src/suite/affinity_source.ts";
export type { AffinityExecutor } from "./src/suite/affinity_phase.ts";
export type { AffinityJobProgress, AffinityJobSummary } from "./src/suite/affinity_job.ts";
export { runId } from "./src/suite/content_id.ts";
export { parseShard, selectShard } from "./src/suite/shard.ts";
export type { Shard } from "./src/suite/shard.ts";
export { runSuite } from "./src/suite/runner.ts";
export type {
  ActiveRun,
  ExecContext,
  ExecProgress,
  ExecSamples,
  RunExecutor,
  RunSuiteOptions,
  RunSuiteSummary,
  SuiteProgress,
} from "./src/suite/runner.ts";
export type { LockTiming } from "./src/suite/lock.ts";
export { createWorkerPool } from "./src/suite/worker_executor.ts";
export type { WorkerPool, WorkerPoolOptions } from "./src/suite/worker_executor.ts";
export { ANTBENCH_VERSION } from "./src/suite/version.ts";
export { EMBEDDED_SUITES } from "./benchmarks/mod.ts";

// --- report ---
export { meanCi, pairedTTest, signFlipTest, welchTTest } from "./src/report/stats.ts";
export type { MeanCi, TestResult } from "./src/report/stats.ts";
export { minimumDetectableEffect, pairedTPower, pairsNeeded } from "./src/report/power.ts";
export { holm } from "./src/report/holm.ts";
export { pairedTost } from "./src/report/tost.ts";
export type { TostResult } from "./src/report/tost.ts";
export { aggregate } from "./src/report/aggregate.ts";
export type {
  Against,
  Group,
  MetricSummary,
  PairedComparison,
  Row,
  RowRole,
  StepsToTarget,
  Verdict,
  VerdictWord,
} from "./src/report/aggregate.ts";
export type { ReportSettings } from "./src/report/settings.ts";
export { generateReport } from "./src/report/generate.ts";
export type { ReportFiles, ReportOptions } from "./src/report/generate.ts";
export { compareResults, readResultsJson, renderComparison } from "./src/report/compare.ts";
export type {
  CompareOptions,
  CompareTest,
  Comparison,
  Finding,
  ResultsJsonShape,
} from "./src/report/compare.ts";
export type { RowJson } from "./src/report/compare_input.ts";
export { compareReproduction } from "./src/report/reproduce.ts";
export type {
  BitEnvironment,
  MetricDifference,
  Reproduction,
  ReproductionOptions,
  RunComparison,
} from "./src/report/reproduce.ts";
export { metricInfo } from "./src/report/metric_info.ts";
export type { Direction, MetricInfo } from "./src/report/metric_info.ts";
export { sampleGridPng } from "./src/report/sample_grid.ts";
export type { SampleGridOptions } from "./src/report/sample_grid.ts";
