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

// --- diffusion ---
export { cosineBetas, linearBetas, makeSchedule, SCHEDULE_IDS } from "./src/diffusion/schedule.ts";
export type { NoiseSchedule, ScheduleId } from "./src/diffusion/schedule.ts";

// --- clustering ---

// --- mtl ---
export type { MtlBatch, MtlMethod, MtlMethodFactory, MtlStepResult } from "./src/mtl/method.ts";

// --- models ---
export type { Denoiser, ModelFactory } from "./src/models/denoiser.ts";

// --- data ---
export type { Dataset, DatasetFactory } from "./src/data/dataset.ts";

// --- metrics ---

// --- train ---
export type { EvalPoint, RunConfig, RunResult } from "./src/train/types.ts";

// --- suite ---

// --- report ---
