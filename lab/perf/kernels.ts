/**
 * Kernels per training step (issue 12, item 2: at most 1,000 per U-Net step and 60 per MLP step) and the
 * kernels that take the most time, from a `tf.profile` of one production step.
 *
 * What counts: every invocation of a kernel registered for the active backend that the tfjs engine
 * dispatched during the step (forward, the method's backward passes, Adam, EMA, the loss read) — the unit
 * of tfjs's per-op overhead. `tf.profile` also lists op scopes (e.g. "fusedConv2d__op" around a custom
 * gradient), which contain kernels and are not kernels themselves: they are left out. A kernel that does
 * its work through several internal calls of its backend (e.g. antbench's patched wasm kernels, which call
 * stock kernel functions directly) counts once.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { countFlops, kernelFlops, type KernelShapes } from "./flops.ts";

/** A kernel entry of `tf.profile` (the fields used here). */
export interface ProfiledKernel {
  /** Kernel name. */
  name: string;
  /** Kernel time as tf.profile reports it. */
  kernelTimeMs?: unknown;
  /** Input shapes as tf.profile reports them. */
  inputShapes?: unknown;
  /** Output shapes as tf.profile reports them. */
  outputShapes?: unknown;
}

/** The kernels of one profiled step. */
export interface StepProfile {
  /** Registered-kernel invocations in the step. */
  kernels: number;
  /** Invocations per kernel name, most frequent first. */
  kernelsByName: [string, number][];
  /** Matmul/conv FLOPs of the step (lab/perf/flops.ts). */
  flops: number;
  /** Kernels taking the most time: [name, total ms, calls]. */
  topKernels: [string, number, number][];
  /** Total kernel time of the step's registered kernels (ms). */
  kernelMs: number;
  /** Total kernel time of the matmul/conv kernels (those with FLOPs, lab/perf/flops.ts) in the step (ms). */
  denseKernelMs: number;
}

/** True for names that are kernels registered for `backend` (not op scopes). */
export function isKernel(name: string, backend = tf.getBackend()): boolean {
  return tf.getKernel(name, backend) !== undefined;
}

/** Count the registered-kernel invocations of a profile, per name (most frequent first). */
export function kernelCounts(
  kernels: readonly ProfiledKernel[],
  backend = tf.getBackend(),
): { total: number; byName: [string, number][] } {
  const by = new Map<string, number>();
  let total = 0;
  for (const k of kernels) {
    if (!isKernel(k.name, backend)) continue;
    total++;
    by.set(k.name, (by.get(k.name) ?? 0) + 1);
  }
  return { total, byName: [...by.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)) };
}

/** The `n` kernels with the most total time: [name, total ms (2 decimals), calls]. */
export function topKernels(
  kernels: readonly ProfiledKernel[],
  n = 8,
  backend = tf.getBackend(),
): [string, number, number][] {
  const by = new Map<string, [number, number]>();
  for (const k of kernels) {
    if (!isKernel(k.name, backend)) continue;
    const ms = typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
    const e = by.get(k.name) ?? [0, 0];
    e[0] += ms;
    e[1] += 1;
    by.set(k.name, e);
  }
  return [...by.entries()].sort((a, b) => b[1][0] - a[1][0]).slice(0, n).map((
    [name, [ms, c]],
  ) => [name, Math.round(ms * 100) / 100, c]);
}

/** Profile `step` (one production step with its loss read): kernel counts, FLOPs and top kernels. */
export async function profileStep(step: () => Promise<unknown>): Promise<StepProfile> {
  const prof = await tf.profile(async () => {
    await step();
  });
  const list = prof.kernels as unknown as ProfiledKernel[];
  const counts = kernelCounts(list);
  let kernelMs = 0, denseKernelMs = 0;
  for (const k of prof.kernels) {
    if (typeof k.kernelTimeMs !== "number" || !isKernel(k.name)) continue;
    kernelMs += k.kernelTimeMs;
    if (kernelFlops(k as KernelShapes) > 0) denseKernelMs += k.kernelTimeMs;
  }
  return {
    kernels: counts.total,
    kernelsByName: counts.byName,
    flops: countFlops(prof.kernels),
    topKernels: topKernels(list),
    kernelMs,
    denseKernelMs,
  };
}
