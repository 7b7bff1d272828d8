/**
 * antbench public API: the library parts usable on their own (schedules, interval clustering, MTL
 * methods, sample-quality metrics) and the harness entry points.
 *
 * Reproduces and extends Go et al., "Addressing Negative Transfer in Diffusion Models" (NeurIPS 2023,
 * arXiv 2306.00354).
 *
 * @module
 */

// --- runtime ---
export { deriveSeed, Rng, rngFor } from "./src/runtime/rng.ts";
export { UsageError } from "./src/runtime/errors.ts";
export {
  activeBackend,
  BACKEND_NAMES,
  chooseBackend,
  DEFAULT_NATIVE_THREADS,
  initBackend,
  nativeLoadFailure,
  parseBackendName,
  resolveAuto,
} from "./src/runtime/backend.ts";
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
export {
  patchCpuKernels,
  patchWasmKernels,
  setWasmKernelOptions,
  WASM_PATCHED_KERNELS,
} from "./src/runtime/wasm_kernels.ts";
export type { WasmKernelOptions } from "./src/runtime/wasm_kernels.ts";
export {
  applyWgpuBackendChoice,
  MATMUL_PACKED_PROGRAM,
  probeAdapter,
  registerWebGpuBackend,
  wgpuBackendChoice,
  wgpuBackendsInEffect,
} from "./src/runtime/webgpu_backend.ts";
export type { AdapterSummary } from "./src/runtime/webgpu_backend.ts";
// batched asynchronous reads (the only reads tfjs-webgpu supports under Deno)
export { readConcat, readFlat } from "./src/runtime/read.ts";
export { gradientsRegistered } from "./src/runtime/gradients.ts";
export { environmentFingerprint, FINGERPRINT_FLAGS } from "./src/runtime/fingerprint.ts";
export type { EnvironmentFingerprint } from "./src/runtime/fingerprint.ts";

// --- diffusion ---
export { cosineBetas, linearBetas, makeSchedule, SCHEDULE_IDS } from "./src/diffusion/schedule.ts";
export type { NoiseSchedule, ScheduleId } from "./src/diffusion/schedule.ts";

// --- clustering ---
export { intervalDp, intervalProblems, partitionCost } from "./src/clustering/dp.ts";
export type { Interval, IntervalCost, Partition } from "./src/clustering/dp.ts";
export { clusterTimesteps, getObjective, OBJECTIVES } from "./src/clustering/registry.ts";
export type { AffinityMatrix, ClusteringObjective, ObjectiveInput } from "./src/clustering/objective.ts";
export { clusterOf, SAMPLER_IDS, sampleTimesteps } from "./src/clustering/assign.ts";
export type { TimestepBatch } from "./src/clustering/assign.ts";
export {
  AFFINITY_DEFAULTS,
  AFFINITY_MODES,
  CountSketch,
  gridTimesteps,
  interpolateAffinity,
  measureAffinity,
  taskGradient,
} from "./src/clustering/affinity.ts";
export type { AffinityMode, AffinityOptions, AffinityResult } from "./src/clustering/affinity.ts";
export { AFFINITY_FORMAT, readAffinity, writeAffinity } from "./src/clustering/affinity_io.ts";
export { affinityHeatmapSvg } from "./src/clustering/heatmap_svg.ts";

// --- mtl ---
export type {
  HostClusterGradients,
  MtlBatch,
  MtlContext,
  MtlMethod,
  MtlMethodFactory,
  MtlStepResult,
} from "./src/mtl/method.ts";
export { getMethodFactory, METHODS, resolveMethodOptions } from "./src/mtl/registry.ts";
export { pcgrad, pcgradCoefficients, pcgradOrders } from "./src/mtl/pcgrad_core.ts";
export { gramMatrix, nashMtlWeights, nashResidual, solveNash } from "./src/mtl/nash_solver.ts";
export type { NashSolution, NashSolveOptions } from "./src/mtl/nash_solver.ts";
export { uwGradS, uwLossWeights, uwObjective, uwStationary } from "./src/mtl/uw.ts";
export { minSnrWeight, p2Weight } from "./src/mtl/snr_weighting.ts";

// --- models ---
export type { Denoiser, ModelFactory, ModelFootprint } from "./src/models/denoiser.ts";
export {
  CHECKPOINT_FORMAT,
  loadCheckpoint,
  readCheckpointMeta,
  saveCheckpoint,
} from "./src/models/checkpoint.ts";
export type { CheckpointMeta, LoadedCheckpoint, SaveCheckpointOptions } from "./src/models/checkpoint.ts";
export { checkpointDirOf, trainCheckpoints } from "./src/train/checkpoints.ts";
export type { CheckpointPassOptions, CheckpointPassProgress } from "./src/train/checkpoints.ts";
export { Unet, unetFactory } from "./src/models/unet.ts";
export type { UnetOptions } from "./src/models/unet.ts";
export { groupNorm, silu } from "./src/models/layers/group_norm.ts";
export { selfAttention } from "./src/models/layers/attention.ts";

// --- data ---
export type { Dataset, DatasetFactory, LogDensity } from "./src/data/dataset.ts";
export {
  checkerboardLogDensity,
  gaussians8LogDensity,
  logNormalCdf,
  logNormalInterval,
} from "./src/data/toy2d_density.ts";
export { DATASETS, getDatasetFactory } from "./src/data/registry.ts";
export { centerCrop, ImageDataset, toFloatImages } from "./src/data/image_dataset.ts";
export type { ImageSplit, RawImageSplits } from "./src/data/image_dataset.ts";
export { digits8Factory, loadDigits8 } from "./src/data/digits8.ts";
export { MNIST_SPEC, mnistFactory } from "./src/data/mnist.ts";
export { FASHION_MNIST_SPEC, fashionMnistFactory } from "./src/data/fashion_mnist.ts";
export { loadIdxDataset } from "./src/data/idx_dataset.ts";
export type { IdxDatasetOptions } from "./src/data/idx_dataset.ts";
export { folderFactory, loadFolder } from "./src/data/folder.ts";
export type { FolderOptions } from "./src/data/folder.ts";
export { parseIdx } from "./src/data/idx.ts";
export { areaResize } from "./src/data/resize.ts";

// --- metrics ---
export { frechetDetails, frechetDistance, gaussianStats } from "./src/metrics/frechet.ts";
export type { FrechetDetails, FrechetMethod, FrechetOptions, GaussianStats } from "./src/metrics/frechet.ts";
export type { LinalgEngine } from "./src/metrics/native_linalg.ts";
export {
  randomDirections,
  slicedWasserstein,
  wasserstein2Squared1d,
} from "./src/metrics/sliced_wasserstein.ts";
export { asMatrix, formatNpy, npyArray, parseNpy, readNpy, writeNpy } from "./src/metrics/npy.ts";
export type { NpyArray } from "./src/metrics/npy.ts";
export { formatNpz, parseNpz, readFidStats, readNpz, writeFidStats, writeNpz } from "./src/metrics/npz.ts";
export {
  kernelInceptionDistance,
  kidDefaultSubsetSize,
  KidSubsetSizeError,
  mmd2Unbiased,
} from "./src/metrics/kid.ts";
export type { KidOptions, KidResult } from "./src/metrics/kid.ts";
export { precisionRecall } from "./src/metrics/precision_recall.ts";
export type { PrecisionRecall } from "./src/metrics/precision_recall.ts";
export { fdInfinity, fdInfinitySubset } from "./src/metrics/fd_infinity.ts";
export { autoBandwidthFraction, gaussianMmd2, rmsPairDistance } from "./src/metrics/mmd.ts";
export { energyDistanceSquared } from "./src/metrics/energy.ts";
export type { Metric, MetricContext, MetricFactory } from "./src/metrics/metric.ts";
export {
  FLOOR_DEFAULT_RESAMPLES,
  FLOOR_SEED,
  floorKey,
  floorRealSet,
  floorSpec,
  metricFloors,
  quantileSorted,
  summarizeFloor,
} from "./src/metrics/floor.ts";
export type { FloorInputs, FloorSpec } from "./src/metrics/floor.ts";
export type { FdInfinityOptions, FdInfinityResult } from "./src/metrics/fd_infinity.ts";
export {
  computeMetrics,
  DENSITY_METRIC_IDS,
  METRIC_IDS,
  metricDirection,
  metricName,
  METRICS,
  prepareMetrics,
  validateMetricIds,
} from "./src/metrics/registry.ts";
export type {
  ComputeMetricsOptions,
  MetricDirection,
  MetricInfo,
  PreparedMetrics,
} from "./src/metrics/registry.ts";
export type { FeatureExtractor } from "./src/metrics/features/extractor.ts";
export {
  CNN_EXTRACTOR_IDS,
  extractorIdForDataset,
  FEATURE_EXTRACTOR_IDS,
  loadFeatureExtractor,
  loadFeatureSpace,
} from "./src/metrics/features/registry.ts";
export type { FeatureSpace, LoadExtractorOptions } from "./src/metrics/features/registry.ts";
export { loadInceptionExtractor } from "./src/metrics/features/inception.ts";
export { FEATURE_TRAINING, trainClassifier } from "./src/metrics/features/train.ts";

// --- train ---
export type {
  Component,
  EvalPoint,
  MetricFloor,
  RunConfig,
  RunResult,
  TimestepSampler,
} from "./src/train/types.ts";
export { prepareRunMetrics } from "./src/train/run_metrics.ts";
export type { RunMetrics } from "./src/train/run_metrics.ts";
// training loop and shared step with deferred (batched) loss reads
export { DEVICE_LOSS_READ_EVERY, lossReadInterval, runTraining } from "./src/train/run.ts";
export type { RunOptions, RunProgress } from "./src/train/run.ts";
// the one run-assembly seam (training, perf and parity build their runs here)
export { assembleRun, trainingBatches } from "./src/train/assemble.ts";
export type { AssembledRun, AssembleOptions, AssemblyConfig } from "./src/train/assemble.ts";
export { createStepper, makeMtlBatch, stepAndReadLoss } from "./src/train/step.ts";
export type { HostBatch, Stepper, StepperOptions } from "./src/train/step.ts";
export type { OptimizerPlacement } from "./src/train/optimizer.ts";

// --- suite ---
export { BASELINE, CONTROL, defineSuite, SUITE_DEFAULTS } from "./src/suite/schema.ts";
export type {
  AffinitySourceSpec,
  ComponentRef,
  ComponentSpec,
  EvalSpec,
  ExclusionSpec,
  SuiteSpec,
  TrainSpec,
  VerdictSpec,
} from "./src/suite/schema.ts";
export { resolveSuite } from "./src/suite/validate.ts";
export type { ResolvedSuite } from "./src/suite/validate.ts";
export type { VerdictSettings } from "./src/suite/validate_report.ts";
export { defaultRegistries } from "./src/suite/registries.ts";
export type { SuiteRegistries } from "./src/suite/registries.ts";
export { loadSuite, parseSuiteText } from "./src/suite/load.ts";
export { baselineConfig, expandSuite, isExcluded, planRuns, planSuite } from "./src/suite/expand.ts";
export type { PendingRun, PlannedRun, PlanOptions, SuitePlan } from "./src/suite/expand.ts";
export {
  AFFINITY_SOURCE_DEFAULTS,
  affinityDone,
  affinityPaths,
  affinitySourceLabel,
  isAffinitySource,
} from "./src/suite/affinity_source.ts";
export type { AffinityJob, ResolvedAffinitySource } from "./src/suite/affinity_source.ts";
export { affinitySubset, computeAffinityJob } from "./src/suite/affinity_job.ts";
export type {
  AffinityJobOptions,
  AffinityJobProgress,
  AffinityJobSummary,
} from "./src/suite/affinity_job.ts";
export { runAffinityPhase } from "./src/suite/affinity_phase.ts";
export type {
  AffinityExecutor,
  AffinityPhaseOptions,
  AffinityPhaseSummary,
} from "./src/suite/affinity_phase.ts";
export { canonicalJson, runHash, runId, withAffinityHash } from "./src/suite/content_id.ts";
export { parseShard, selectShard } from "./src/suite/shard.ts";
export type { Shard } from "./src/suite/shard.ts";
export { runSuite } from "./src/suite/runner.ts";
export type { LockTiming } from "./src/suite/lock.ts";
export type {
  ExecContext,
  RunExecutor,
  RunSuiteOptions,
  RunSuiteSummary,
  SuiteProgress,
} from "./src/suite/runner.ts";
export { createWorkerPool } from "./src/suite/worker_executor.ts";
export type { WorkerPoolOptions } from "./src/suite/worker_executor.ts";
export { ANTBENCH_VERSION } from "./src/suite/version.ts";
export { EMBEDDED_SUITES } from "./benchmarks/mod.ts";

// --- report ---
export {
  mannWhitneyU,
  meanCi,
  pairedTTest,
  signFlipTest,
  studentTCdf,
  studentTQuantile,
  welchTTest,
} from "./src/report/stats.ts";
export type { MeanCi, TestResult } from "./src/report/stats.ts";
export { noncentralTCdf } from "./src/report/noncentral_t.ts";
export { minimumDetectableEffect, pairedTPower, pairsNeeded } from "./src/report/power.ts";
export { holm } from "./src/report/holm.ts";
export { pairedTost } from "./src/report/tost.ts";
export type { TostResult } from "./src/report/tost.ts";
export { wilcoxonSignedRank } from "./src/report/wilcoxon.ts";
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
export { decideVerdict, verdictRuleText } from "./src/report/verdict.ts";
export { generateReport } from "./src/report/generate.ts";
export type { ReportOptions } from "./src/report/generate.ts";
export { buildResultsJson, RESULTS_SCHEMA } from "./src/report/results_json.ts";
export { compareResults, readResultsJson, renderComparison } from "./src/report/compare.ts";
export type {
  CompareOptions,
  CompareTest,
  Comparison,
  Finding,
  ResultsJsonShape,
} from "./src/report/compare.ts";
export { metricInfo } from "./src/report/metric_info.ts";
export type { Direction } from "./src/report/metric_info.ts";
export { sampleGridPng } from "./src/report/sample_grid.ts";
export type { SampleGridOptions } from "./src/report/sample_grid.ts";
