/**
 * antbench laboratory: the code that measures antbench rather than being part of it — the training-step
 * benchmark behind `deno task perf` (lab/perf/), the PyTorch peer and the `--vs torch` driver
 * (lab/torch/), cross-framework parity with PyTorch (lab/parity/) and micro-benchmarks (lab/micro/).
 *
 * Every workload here trains through the production run assembly (src/train/assemble.ts), so what is
 * measured is what `deno task bench` runs. The library API is the repository's mod.ts.
 *
 * @module
 */

// --- perf: the training-step benchmark (`deno task perf`) ---
export { countFlops, kernelFlops } from "./perf/flops.ts";
export type { KernelShapes } from "./perf/flops.ts";
export { benchmarkWorkload, FLOP_SOURCE, KERNEL_SOURCE, runPerf } from "./perf/step_bench.ts";
export type { PerfOptions, PerfReport, PerfRound, PerfRow, WorkloadBenchOptions } from "./perf/step_bench.ts";
export { renderPerfNotes, renderPerfTable } from "./perf/render.ts";
export { SHAPE_DATASETS, workload, workloadConfigs } from "./perf/workloads.ts";
export type { Workload, WorkloadConfigOptions } from "./perf/workloads.ts";
export { createContender } from "./perf/contender.ts";
export type { Block, Contender } from "./perf/contender.ts";
export { kernelCounts, profileStep, topKernels } from "./perf/kernels.ts";
export type { ProfiledKernel, StepProfile } from "./perf/kernels.ts";
export { FOREIGN_LOAD_LIMIT, measuredRound, roundLoad, takeSnapshot } from "./perf/load.ts";
export type { CpuSnapshot, LoadCheckOptions, MeasuredRound, ProcTimes, RoundLoad } from "./perf/load.ts";
export { fp32Peak, machineFp32Peak, parseCpuinfo } from "./perf/peak.ts";
export type { CpuInfo, Fp32Peak } from "./perf/peak.ts";
export { roundRatios, summarize } from "./perf/stats.ts";
export type { RatioSummary, TimeStats } from "./perf/stats.ts";

// --- parity: antbench against the PyTorch reference (issue 8) ---
export {
  exportParityCase,
  maxRelDiff,
  readTrajectory,
  recordBatches,
  relL2,
  runTorchParity,
  TORCH_PYTHON,
  torchVersion,
  writeTrajectory,
} from "./parity/export.ts";
export type { ParityCase, ParityRun, Trajectory } from "./parity/export.ts";
export { PARITY_CASES, PARITY_TOLERANCES } from "./parity/cases.ts";

// --- torch: throughput against PyTorch (`deno task perf --vs torch`) ---
export { runVsTorch, TORCH_METHODS } from "./torch/vs_torch.ts";
export type { ArmResult, VsTorchOptions, VsTorchReport, VsTorchRound, VsTorchRow } from "./torch/vs_torch.ts";
export { renderVsTorch } from "./torch/vs_main.ts";

// --- the production parts the laboratory drives (documented in the library API, mod.ts) ---
export type { AssembledRun, AssembleOptions, AssemblyConfig } from "../src/train/assemble.ts";
export type { HostBatch } from "../src/train/step.ts";
export type { Component, RunConfig, TimestepSampler } from "../src/train/types.ts";
export { BACKEND_NAMES } from "../src/runtime/backend.ts";
export type { BackendName, ConcreteBackend } from "../src/runtime/backend.ts";
export type { AdapterSummary } from "../src/runtime/webgpu_backend.ts";
export type { Dataset, LogDensity, Provenance } from "../src/data/dataset.ts";
export type { HostClusterGradients, MtlBatch, MtlMethod, MtlStepResult } from "../src/mtl/method.ts";
export type { Scalar, Tensor, Tensor1D, Tensor4D, Variable } from "../src/runtime/tensor_types.ts";
export type { Ema } from "../src/diffusion/ema.ts";
export type { Denoiser } from "../src/models/denoiser.ts";
export type { ClusterLossStep, Stepper } from "../src/train/step.ts";
export type { EnvironmentFingerprint } from "../src/runtime/fingerprint.ts";
export { SCHEDULE_IDS } from "../src/diffusion/schedule.ts";
export type { NoiseSchedule, ScheduleId } from "../src/diffusion/schedule.ts";
export type { Interval } from "../src/clustering/dp.ts";
