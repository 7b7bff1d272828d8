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
export { renderPerfTable, runPerf, summarize, syntheticBatch } from "./perf/step_bench.ts";
export type { PerfOptions, PerfReport, PerfRow, TimeStats, Workload } from "./perf/step_bench.ts";

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
export { hostAdamStepper, renderVsTorch, runVsTorch, TORCH_METHODS } from "./torch/vs_torch.ts";
export type { VsTorchReport, VsTorchRow } from "./torch/vs_torch.ts";
