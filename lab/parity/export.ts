/**
 * Cross-framework parity with PyTorch (issue 8): export one training configuration — initial weights,
 * the exact batches (data, timesteps, clusters, noise) and the method's random choices — for the PyTorch
 * reference in lab/torch/, run the same steps in antbench, and compare the two trajectories.
 *
 * The case is assembled by the production seam (src/train/assemble.ts's assembleRun): the trainer's
 * batches (data order from rngFor(seed, "data-order", epoch), timesteps from the "timesteps" stream, noise
 * from the "noise" stream), weights from deriveSeed(seed, "init"), the registered model and method, the
 * shared stepper (Adam, EMA); PCGrad's task orders come from rngFor(seed, "pcgrad:order", step)
 * (src/mtl/pcgrad_core.ts). So parity covers exactly the code path training runs.
 *
 * Exchange format (one directory per case; .npy via src/metrics/npy.ts, read with numpy.load):
 *   case.json                  configuration, parameter names/shapes (the model's variable order), the
 *                              schedule's ᾱ, PCGrad orders
 *   init.npy                   [P] float32, initial weights, flat in variable order and antbench layouts
 *                              (conv [kh, kw, in, out], linear [in, out])
 *   x0.npy, noise.npy          [S, B, ...dataShape] float32 (NHWC for images)
 *   t.npy, cluster.npy         [S, B] (integers stored as float64)
 *   antbench_*.npy / torch32_*.npy / torch64_*.npy   trajectories (see {@link Trajectory})
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Component, LossKind, TimestepSampler } from "../../src/train/types.ts";
import type { HostBatch } from "../../src/train/step.ts";
import { makeMtlBatch } from "../../src/train/step.ts";
import { assembleRun, type AssemblyConfig, trainingBatches } from "../../src/train/assemble.ts";
import type { NoiseSchedule, ScheduleId } from "../../src/diffusion/schedule.ts";
import type { Denoiser } from "../../src/models/denoiser.ts";
import type { MtlMethod } from "../../src/mtl/method.ts";
import { getMethodFactory } from "../../src/mtl/registry.ts";
import type { Interval } from "../../src/clustering/dp.ts";
import { PCGRAD_ORDER_PURPOSE, pcgradOrders } from "../../src/mtl/pcgrad_core.ts";
import { valueAndGrads } from "../../src/mtl/grads.ts";
import { rngFor } from "../../src/runtime/rng.ts";
import { npyArray, readNpy, writeNpy } from "../../src/metrics/npy.ts";
import { atomicWriteJson } from "../../src/runtime/atomic_write.ts";
import { readConcat } from "../../src/runtime/read.ts";

/** One parity configuration: a short training run small enough for CI. */
export interface ParityCase {
  /** Directory-safe name, e.g. "mlp-pcgrad". */
  name: string;
  /** Dataset with options. */
  dataset: Component;
  /** Model with options. */
  model: Component;
  /** Noise schedule. */
  schedule: ScheduleId;
  /** Diffusion timesteps. */
  T: number;
  /** Clustering objective ("timestep", "snr", "none") and k. */
  clustering: { objective: string; k: number; sampler: TimestepSampler };
  /** Method with options. */
  method: Component;
  /** Run seed. */
  seed: number;
  /** Training settings. */
  train: {
    steps: number;
    batchSize: number;
    lr: number;
    beta1: number;
    beta2: number;
    emaDecay: number;
    /** The training loss (absent: "eps"); "hybrid" needs a model with learnSigma. */
    loss?: LossKind;
  };
  /** Precisions the PyTorch side runs (default both: float64 is the exact-arithmetic anchor). */
  referenceDtypes?: ("float32" | "float64")[];
}

/** A training trajectory as both sides record it. */
export interface Trajectory {
  /** Batch loss (mean per-sample training loss before the update: ε-MSE, or mse + vb) of every step, [S]. */
  losses: Float64Array;
  /** Gradients of the per-cluster mean losses l_i at step 0, one flat [P] row per non-empty cluster. */
  clusterGrads: Float64Array[];
  /** The method's combined gradient at step 0 (what Adam receives), [P]. */
  update: Float64Array;
  /** Weights after step 0, after the last step, and the EMA after the last step, [P] each. */
  weights1: Float64Array;
  /** Final weights, flattened. */
  final: Float64Array;
  /** Final EMA weights (null without EMA). */
  ema: Float64Array | null;
}

/** Everything the antbench side produced for a case. */
export interface ParityRun {
  /** Directory of the exported case. */
  dir: string;
  /** Parameter names in order. */
  paramNames: string[];
  /** Number of parameters. */
  paramCount: number;
  /** The recorded trajectory. */
  trajectory: Trajectory;
  /** Per-step method logs (e.g. UW's s_i, Nash α), for diagnosing a disagreement. */
  logs: Record<string, number | number[]>[];
}

/** Names of a model's variables: `paramNames` when the model has them, else the MLP's documented order. */
export function parameterNames(model: Denoiser): string[] {
  const named = (model as { paramNames?: readonly string[] }).paramNames;
  if (named) return [...named];
  if (model.id === "mlp") {
    const n = model.variables.length; // W_x, W_t, b_1, (W_i, b_i)..., W_out, b_out
    const names = ["l0.wx", "l0.wt", "l0.b"];
    for (let i = 1; i < (n - 3) / 2; i++) names.push(`l${i}.w`, `l${i}.b`);
    return [...names, "out.w", "out.b"];
  }
  return model.variables.map((v, i) => `${i}:${v.name}`);
}

/**
 * Concatenate tensors' values into one float64 vector (float32 values are exact in float64), read in one
 * transfer.
 */
export async function flatValues(tensors: readonly tf.Tensor[]): Promise<Float64Array> {
  return Float64Array.from(await readConcat(tensors));
}

/**
 * The batches the trainer draws for `steps` steps (src/train/assemble.ts's {@link trainingBatches}): x0
 * rows in the order of the per-epoch permutation, timesteps and clusters from the "timesteps" stream, noise
 * from the "noise" stream.
 */
export function recordBatches(
  seed: number,
  train: Float32Array,
  nTrain: number,
  dim: number,
  intervals: readonly Interval[],
  batchSize: number,
  sampler: TimestepSampler,
  steps: number,
): HostBatch[] {
  const batch = trainingBatches(seed, { train, nTrain, dataShape: [dim] }, intervals, batchSize, sampler);
  return Array.from({ length: steps }, (_, step) => batch(step));
}

/** The case as the run configuration the seam assembles (src/train/assemble.ts). */
export function parityConfig(c: ParityCase): AssemblyConfig {
  return {
    dataset: c.dataset,
    model: c.model,
    diffusion: { schedule: c.schedule, T: c.T },
    clustering: c.clustering,
    method: c.method,
    seed: c.seed,
    train: c.train,
  };
}

/** Gradients of each non-empty cluster's mean loss l_i for `batch`, flat in variable order. */
export async function clusterGradientRows(
  model: Denoiser,
  schedule: NoiseSchedule,
  k: number,
  batch: HostBatch,
): Promise<Float64Array[]> {
  const mb = makeMtlBatch(model, schedule, k, batch);
  const rows: Float64Array[] = [];
  for (const group of mb.groups) {
    if (group.length === 0) continue;
    const { value, grads } = valueAndGrads(
      () => tf.mean(mb.perSampleLoss(group)) as tf.Scalar,
      model.variables,
    );
    value.dispose();
    try {
      rows.push(await flatValues(grads));
    } finally {
      tf.dispose(grads);
    }
  }
  return rows;
}

/**
 * Build the case's model, method, clusters and batches, write the exchange files into `dir`, train the
 * case in antbench on the current tfjs backend, and write antbench's trajectory (antbench_*.npy).
 */
export async function exportParityCase(c: ParityCase, dir: string): Promise<ParityRun> {
  await Deno.mkdir(dir, { recursive: true });
  let update: Float64Array | null = null;
  const logs: Record<string, number | number[]>[] = [];
  // The registered method, observed: its combined gradient at step 0 and its per-step logs.
  const recording = (inner: MtlMethod): MtlMethod => ({
    id: inner.id,
    async step(batch, variables, step) {
      const res = await inner.step(batch, variables, step);
      if (step === 0) update = await flatValues(res.grads);
      logs.push(res.logs ?? {});
      return res;
    },
    summary: () => inner.summary(),
    dispose: () => inner.dispose(),
  });
  const run = await assembleRun(parityConfig(c), { observeMethod: recording });
  const { dataset, schedule, clusters: intervals, k, model, modelOptions, stepper } = run;
  let trajectory: Trajectory;
  let names: string[];
  let init: Float64Array;
  try {
    const dim = dataset.dataShape.reduce((a, b) => a * b, 1);
    const { steps, batchSize: B } = c.train;
    const batches = Array.from({ length: steps }, (_, s) => run.batch(s));
    names = parameterNames(model);
    init = await flatValues(model.variables);

    // Exchange files.
    const x0 = new Float32Array(steps * B * dim), noise = new Float32Array(steps * B * dim);
    const t = new Float64Array(steps * B), cluster = new Float64Array(steps * B);
    batches.forEach((b, s) => {
      x0.set(b.x0, s * B * dim);
      noise.set(b.noise, s * B * dim);
      t.set(b.t, s * B);
      cluster.set(b.cluster, s * B);
    });
    const pcgradOrderList = batches.map((b, s) => {
      const m = new Set(b.cluster).size;
      return pcgradOrders(m, rngFor(c.seed, PCGRAD_ORDER_PURPOSE, s)).map((o) => [...o]);
    });
    const dataShape = [...dataset.dataShape];
    await atomicWriteJson(`${dir}/case.json`, {
      schema: "antbench.parity/1",
      name: c.name,
      dataset: c.dataset,
      model: { id: c.model.id, options: modelOptions },
      dataShape,
      schedule: { id: c.schedule, T: c.T, alphaBar: [...schedule.alphaBar] },
      clustering: c.clustering,
      intervals,
      k,
      method: {
        id: c.method.id,
        options: { ...getMethodFactory(c.method.id).defaults, ...c.method.options },
      },
      seed: c.seed,
      train: c.train,
      params: model.variables.map((v, i) => ({ name: names[i], shape: v.shape })),
      pcgradOrders: pcgradOrderList,
      referenceDtypes: c.referenceDtypes ?? ["float32", "float64"],
    });
    await writeNpy(`${dir}/init.npy`, npyArray(Float32Array.from(init), [init.length]));
    await writeNpy(`${dir}/x0.npy`, npyArray(x0, [steps, B, ...dataShape]));
    await writeNpy(`${dir}/noise.npy`, npyArray(noise, [steps, B, ...dataShape]));
    await writeNpy(`${dir}/t.npy`, npyArray(t, [steps, B]));
    await writeNpy(`${dir}/cluster.npy`, npyArray(cluster, [steps, B]));

    // antbench's trajectory: the production steps of the assembled run.
    const clusterGrads = await clusterGradientRows(model, schedule, k, batches[0]);
    let weights1: Float64Array = new Float64Array(0);
    for (let s = 0; s < steps; s++) {
      await run.step(s);
      if (s === 0) weights1 = await flatValues(model.variables);
    }
    const losses = Float64Array.from(await stepper.readLosses());
    const emaData = await stepper.ema?.shadowData();
    trajectory = {
      losses,
      clusterGrads,
      update: update ?? new Float64Array(0),
      weights1,
      final: await flatValues(model.variables),
      ema: emaData ? concatF32(emaData) : null,
    };
  } finally {
    run.dispose();
  }
  await writeTrajectory(dir, "antbench_", trajectory);
  return { dir, paramNames: names, paramCount: init.length, trajectory, logs };
}

function concatF32(parts: readonly Float32Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Write a trajectory as `<prefix>losses.npy`, `<prefix>cluster_grads.npy`, ... (float64). */
export async function writeTrajectory(dir: string, prefix: string, tr: Trajectory): Promise<void> {
  const P = tr.final.length;
  const grads = new Float64Array(tr.clusterGrads.length * P);
  tr.clusterGrads.forEach((g, i) => grads.set(g, i * P));
  await writeNpy(`${dir}/${prefix}losses.npy`, npyArray(tr.losses, [tr.losses.length]));
  await writeNpy(`${dir}/${prefix}cluster_grads.npy`, npyArray(grads, [tr.clusterGrads.length, P]));
  for (const key of ["update", "weights1", "final"] as const) {
    await writeNpy(`${dir}/${prefix}${key}.npy`, npyArray(tr[key], [tr[key].length]));
  }
  if (tr.ema) await writeNpy(`${dir}/${prefix}ema.npy`, npyArray(tr.ema, [tr.ema.length]));
}

/** Read a trajectory written by {@link writeTrajectory} or by lab/torch/parity.py. */
export async function readTrajectory(dir: string, prefix: string): Promise<Trajectory> {
  const f64 = async (name: string) => Float64Array.from((await readNpy(`${dir}/${prefix}${name}.npy`)).data);
  const g = await readNpy(`${dir}/${prefix}cluster_grads.npy`);
  const [m, P] = g.shape;
  const gd = Float64Array.from(g.data);
  let ema: Float64Array | null = null;
  try {
    ema = await f64("ema");
  } catch {
    ema = null;
  }
  return {
    losses: await f64("losses"),
    clusterGrads: Array.from({ length: m }, (_, i) => gd.slice(i * P, (i + 1) * P)),
    update: await f64("update"),
    weights1: await f64("weights1"),
    final: await f64("final"),
    ema,
  };
}

/** max_i |a_i - b_i| / max(|b_i|, floor): the worst elementwise relative difference. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-12): number {
  if (a.length !== b.length) throw new RangeError(`length mismatch: ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), floor);
    if (!(d <= worst)) worst = d; // NaN propagates as the worst
  }
  return worst;
}

/** ‖a - b‖₂ / ‖b‖₂: relative difference of two vectors as a whole (0 when both are zero). */
export function relL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`length mismatch: ${a.length} vs ${b.length}`);
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  if (den === 0) return num === 0 ? 0 : Infinity;
  return Math.sqrt(num / den);
}

/** The Debian interpreter with python3-torch (a pyenv `python3` on PATH usually lacks torch). */
export const TORCH_PYTHON = "/usr/bin/python3";

/** The command that installs the PyTorch side (also run by scripts/setup.sh). */
export const TORCH_INSTALL_HINT = "apt-get install -y python3-torch python3-numpy (or scripts/setup.sh)";

/**
 * Check that {@link TORCH_PYTHON} can import torch and numpy; returns torch's version or throws an Error
 * naming the install command.
 */
export async function torchVersion(python = TORCH_PYTHON): Promise<string> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(python, {
      args: ["-c", "import torch, numpy; print(torch.__version__)"],
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (e) {
    throw new Error(
      `PyTorch reference: cannot start ${python} (${e instanceof Error ? e.message : e}); install it with: ` +
        TORCH_INSTALL_HINT,
    );
  }
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).trim().split("\n").pop();
    throw new Error(
      `PyTorch reference: ${python} cannot import torch/numpy (${err}); install with: ${TORCH_INSTALL_HINT}`,
    );
  }
  return new TextDecoder().decode(out.stdout).trim();
}

/**
 * Run lab/torch/parity.py on case directories (one Python process for all); `dtype` "case"
 * runs each case's `referenceDtypes`, "both" writes torch32_* and torch64_* for every case.
 * Returns the script's JSON lines. Throws with the script's stderr on failure.
 */
export async function runTorchParity(
  dirs: readonly string[],
  dtype: "case" | "float32" | "float64" | "both" = "case",
  python = TORCH_PYTHON,
): Promise<Record<string, unknown>[]> {
  await torchVersion(python);
  const script = new URL("../torch/parity.py", import.meta.url).pathname;
  const out = await new Deno.Command(python, {
    args: [script, "--dtype", dtype, ...dirs],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`parity.py failed (exit ${out.code}):\n${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout).trim().split("\n").filter((l) => l).map((l) => JSON.parse(l));
}
