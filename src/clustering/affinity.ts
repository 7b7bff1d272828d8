/**
 * Task-affinity measurement between denoising tasks (ANT, Go et al. 2023, §3 "task affinity score" and
 * §4.1 gradient-based clustering; official `task_affinity_score.py`).
 *
 * For a model θ and a fixed data subset {x_1..x_n}, the task gradient of timestep t is
 *
 *   g_t = ∇_θ (1/n) Σ_i ‖ε_i - ε_θ(√ᾱ_t x_i + √(1-ᾱ_t) ε_i, t)‖²     (ε-loss of DDPM, Ho et al. Eq. 14)
 *
 * (for a model with learned variance the per-image loss is the hybrid mse + vb, src/diffusion/loss.ts, as
 * the official script's `training_losses`)
 *
 * with fresh seeded noise ε_i per image (stream rngFor(seed, "affinity-noise", t), the same for every
 * checkpoint, so checkpoints are compared on common random numbers). The affinity is the cosine similarity
 * TAS[a][b] = cos(g_a, g_b); with several checkpoints the matrices are averaged, as the paper averages
 * across training iterations. Subset gradients are accumulated over batches of `batchSize` images
 * (weights n_b / n), as the official script accumulates `.backward()` over batches.
 *
 * Memory: the T full gradients are never stored unless they fit. Two modes:
 * - `exact`: the m grid gradients are kept as float64 (m·P·8 bytes, checked against `memoryBudgetBytes`)
 *   and their Gram matrix is accumulated in float64.
 * - `sketch`: each gradient is compressed on arrival by a seeded count sketch S (Charikar, Chen &
 *   Farach-Colton 2002; each parameter p goes to bucket h(p) ∈ [0, d) with sign s(p) = ±1, stream
 *   rngFor(seed, "affinity-sketch")), so only m·d floats are kept. For any a, b: E⟨Sa, Sb⟩ = ⟨a, b⟩ and
 *   Var⟨Sa, Sb⟩ = (‖a‖²‖b‖² + ⟨a,b⟩² - 2 Σ_p a_p² b_p²) / d ≤ 2‖a‖²‖b‖² / d, so for unit vectors the
 *   inner-product error has standard deviation ≤ √(2/d) (0.022 for d = 4096); the cosine uses the
 *   sketched norms too, which does not change the order of the error. Cost O(P) per gradient.
 * - `auto`: exact when it fits the budget or when P <= d, else sketch.
 *
 * Timestep grid: gradients are computed at t ∈ grid = {0, G, 2G, ...} ∪ {T-1} only (G = 1: every t), and
 * the T x T matrix is the bilinear interpolation of the grid matrix in (t_a, t_b), with the diagonal set to
 * 1 (cos(g, g) = 1 exactly). Interpolation keeps symmetry; it smooths entries between grid points, so
 * the near-diagonal band is under-estimated when G exceeds the band's width. Cost: m = ⌈T/G⌉(+1)
 * gradients of n images each.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Denoiser } from "../models/denoiser.ts";
import type { NoiseSchedule } from "../diffusion/schedule.ts";
import { trainingLoss } from "../diffusion/loss.ts";
import "../runtime/gradients.ts";
import { rngFor } from "../runtime/rng.ts";
import { readConcat } from "../runtime/read.ts";
import { badValue, throwIfProblems, UsageError } from "../runtime/errors.ts";
import type { AffinityMatrix } from "./objective.ts";

/** Ids of the gradient-storage modes. */
export const AFFINITY_MODES = ["auto", "exact", "sketch"] as const;
/** A gradient-storage mode (see the module doc). */
export type AffinityMode = typeof AFFINITY_MODES[number];

/** Settings of an affinity measurement. */
export interface AffinityOptions {
  /** Grid step G: gradients at t = 0, G, 2G, ... and T-1. */
  grid: number;
  /** Images per forward/backward pass. */
  batchSize: number;
  /** Seed of the noise and sketch streams. */
  seed: number;
  /** How gradients are compared: exact, or through a seeded count sketch. */
  mode: AffinityMode;
  /** Sketch dimension d (sketch mode). */
  sketchDim: number;
  /** Largest m·P·8 bytes of stored gradients that `auto` keeps exact (and `exact` accepts). */
  memoryBudgetBytes: number;
}

/** Defaults: every 10th timestep, batches of 250, auto mode with a 256 MiB budget, d = 4096. */
export const AFFINITY_DEFAULTS: AffinityOptions = {
  grid: 10,
  batchSize: 250,
  seed: 0,
  mode: "auto",
  sketchDim: 4096,
  memoryBudgetBytes: 256 * 2 ** 20,
};

/** Problems with affinity options (each names the option, the value and what is allowed). */
export function affinityOptionProblems(o: AffinityOptions, T: number): string[] {
  const p: string[] = [];
  if (!(Number.isInteger(o.grid) && o.grid >= 1 && o.grid <= Math.max(1, T - 1))) {
    p.push(badValue("grid", o.grid, `an integer in [1, ${Math.max(1, T - 1)}] (T = ${T})`));
  }
  if (!(Number.isInteger(o.batchSize) && o.batchSize >= 1)) {
    p.push(badValue("batch", o.batchSize, "an integer >= 1"));
  }
  if (!Number.isSafeInteger(o.seed)) p.push(badValue("seed", o.seed, "a safe integer"));
  if (!AFFINITY_MODES.includes(o.mode)) p.push(badValue("mode", o.mode, AFFINITY_MODES.join(" | ")));
  if (!(Number.isInteger(o.sketchDim) && o.sketchDim >= 1 && o.sketchDim <= 1 << 20)) {
    p.push(badValue("sketchDim", o.sketchDim, "an integer in [1, 1048576]"));
  }
  if (!(o.memoryBudgetBytes > 0)) {
    p.push(badValue("memoryBudgetBytes", o.memoryBudgetBytes, "a positive number"));
  }
  return p;
}

/** The grid timesteps 0, G, 2G, ... plus T-1 (ascending, distinct). */
export function gridTimesteps(T: number, G: number): Int32Array {
  const out: number[] = [];
  for (let t = 0; t < T; t += G) out.push(t);
  if (out[out.length - 1] !== T - 1) out.push(T - 1);
  return Int32Array.from(out);
}

/** Which storage mode `auto` resolves to for m gradients of P parameters. */
export function resolveMode(o: AffinityOptions, m: number, P: number): "exact" | "sketch" {
  if (o.mode !== "auto") return o.mode;
  return P <= o.sketchDim || m * P * 8 <= o.memoryBudgetBytes ? "exact" : "sketch";
}

/**
 * The flattened gradient (float64, length P, variables in `model.variables` order) of the mean ε-loss over
 * the `n` images `x0` (flat [n * prod(dataShape)]) at timestep `t`, with noise from
 * rngFor(seed, "affinity-noise", t), accumulated over batches of `batchSize`.
 */
export async function taskGradient(
  model: Denoiser,
  schedule: NoiseSchedule,
  x0: Float32Array,
  n: number,
  t: number,
  seed: number,
  batchSize: number,
): Promise<Float64Array> {
  const dim = model.dataShape.reduce((a, b) => a * b, 1);
  if (x0.length !== n * dim) {
    throw new RangeError(`taskGradient: x0 has ${x0.length} values, expected ${n} x ${dim}`);
  }
  const noise = rngFor(seed, "affinity-noise", t).normalArray(n * dim);
  const P = model.variables.reduce((s, v) => s + v.size, 0);
  const g = new Float64Array(P);
  for (let start = 0; start < n; start += batchSize) {
    const nb = Math.min(batchSize, n - start);
    const shape = [nb, ...model.dataShape];
    const tt = new Int32Array(nb).fill(t);
    const { value, grads } = tf.variableGrads(() => {
      const xb = tf.tensor(x0.subarray(start * dim, (start + nb) * dim), shape, "float32");
      const eb = tf.tensor(noise.subarray(start * dim, (start + nb) * dim), shape, "float32");
      return tf.mean(trainingLoss(model, schedule, xb, eb, tt)) as tf.Scalar;
    }, model.variables as tf.Variable[]);
    value.dispose();
    const w = nb / n;
    // One read per batch: the variables' gradients concatenated in `model.variables` order.
    let data: Float32Array;
    try {
      data = await readConcat(model.variables.map((v) => grads[v.name]));
    } finally {
      for (const k of Object.keys(grads)) grads[k].dispose();
    }
    for (let j = 0; j < P; j++) g[j] += w * data[j];
  }
  return g;
}

/** A seeded count sketch R^P -> R^d (see the module doc). */
export class CountSketch {
  readonly P: number;
  readonly d: number;
  readonly #bucket: Int32Array;
  readonly #sign: Float64Array;

  constructor(P: number, d: number, seed: number) {
    this.P = P;
    this.d = d;
    const rng = rngFor(seed, "affinity-sketch", P, d);
    this.#bucket = new Int32Array(P);
    this.#sign = new Float64Array(P);
    for (let p = 0; p < P; p++) {
      this.#bucket[p] = rng.int(0, d);
      this.#sign[p] = rng.nextUint32() & 1 ? 1 : -1;
    }
  }

  /** S x (float64, length d). */
  apply(x: ArrayLike<number>): Float64Array {
    if (x.length !== this.P) {
      throw new RangeError(`CountSketch: input has ${x.length} values, expected ${this.P}`);
    }
    const y = new Float64Array(this.d);
    for (let p = 0; p < this.P; p++) y[this.#bucket[p]] += this.#sign[p] * x[p];
    return y;
  }
}

/**
 * Cosine-similarity matrix (m x m, float64, unit diagonal) of the m rows of `rows` (each of length D).
 * Inner products are accumulated in float64. A zero row has cosine 0 with every other row.
 */
export function cosineMatrix(rows: readonly Float64Array[]): Float64Array {
  const m = rows.length;
  const G = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    const ra = rows[a];
    for (let b = a; b < m; b++) {
      const rb = rows[b];
      let s = 0;
      for (let j = 0; j < ra.length; j++) s += ra[j] * rb[j];
      G[a * m + b] = s;
      G[b * m + a] = s;
    }
  }
  const out = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) {
      const den = Math.sqrt(G[a * m + a] * G[b * m + b]);
      out[a * m + b] = a === b ? 1 : den > 0 ? Math.max(-1, Math.min(1, G[a * m + b] / den)) : 0;
    }
  }
  return out;
}

/**
 * Bilinear interpolation of a grid affinity (m x m at timesteps `grid`, ascending, grid[0] = 0 and
 * grid[m-1] = T-1) to the full T x T matrix, with a unit diagonal. Exact at grid points.
 */
export function interpolateAffinity(grid: Int32Array, gridMatrix: Float64Array, T: number): AffinityMatrix {
  const m = grid.length;
  if (m < 1 || grid[0] !== 0 || grid[m - 1] !== T - 1 || gridMatrix.length !== m * m) {
    throw new RangeError(
      `interpolateAffinity: the grid must run from 0 to T-1 = ${T - 1} with an m x m matrix`,
    );
  }
  // Each t lies in [grid[i], grid[i+1]] with weight f on grid[i+1].
  const lo = new Int32Array(T);
  const frac = new Float64Array(T);
  for (let t = 0, i = 0; t < T; t++) {
    while (i < m - 2 && grid[i + 1] <= t) i++;
    if (m === 1) {
      lo[t] = 0;
      frac[t] = 0;
      continue;
    }
    lo[t] = i;
    frac[t] = (t - grid[i]) / (grid[i + 1] - grid[i]);
  }
  const data = new Float64Array(T * T);
  const at = (i: number, j: number) => gridMatrix[i * m + j];
  for (let a = 0; a < T; a++) {
    const ia = lo[a];
    const fa = frac[a];
    const ia1 = Math.min(ia + 1, m - 1);
    data[a * T + a] = 1;
    // Upper triangle, mirrored: exact symmetry regardless of rounding order.
    for (let b = a + 1; b < T; b++) {
      const ib = lo[b];
      const fb = frac[b];
      const ib1 = Math.min(ib + 1, m - 1);
      const v = (1 - fa) * ((1 - fb) * at(ia, ib) + fb * at(ia, ib1)) +
        fa * ((1 - fb) * at(ia1, ib) + fb * at(ia1, ib1));
      data[a * T + b] = v;
      data[b * T + a] = v;
    }
  }
  return { T, data };
}

/** The result of {@link measureAffinity}. */
export interface AffinityResult {
  /** Full T x T matrix (interpolated when grid > 1). */
  matrix: AffinityMatrix;
  /** The grid timesteps. */
  grid: Int32Array;
  /** Mean over models of the grid cosine matrices (m x m). */
  gridMatrix: Float64Array;
  /** Each model's grid cosine matrix (m x m), in model order (checkpoints across training). */
  perModel: Float64Array[];
  /** Storage mode used for each model. */
  modes: ("exact" | "sketch")[];
  /** Parameters per model. */
  paramCount: number;
}

/**
 * Measure the task-affinity matrix of one or several models (e.g. checkpoints of one run) on the images
 * `x0` (flat [n * prod(dataShape)]): per model the grid cosine matrix of task gradients, averaged over
 * models, then interpolated to T x T. `onProgress(done, total)` is called after each gradient.
 */
export async function measureAffinity(
  models: readonly Denoiser[],
  schedule: NoiseSchedule,
  x0: Float32Array,
  n: number,
  options: Partial<AffinityOptions> = {},
  onProgress?: (done: number, total: number) => void,
): Promise<AffinityResult> {
  const o = { ...AFFINITY_DEFAULTS, ...options };
  const T = schedule.T;
  throwIfProblems("affinity", affinityOptionProblems(o, T));
  if (models.length === 0) throw new RangeError("measureAffinity: no models");
  const P = models[0].paramCount();
  for (const m of models) {
    if (m.paramCount() !== P || m.dataShape.join(",") !== models[0].dataShape.join(",")) {
      throw new RangeError("measureAffinity: all models must have the same architecture and data shape");
    }
  }
  const grid = gridTimesteps(T, o.grid);
  const m = grid.length;
  const mode = resolveMode(o, m, P);
  if (mode === "exact" && o.mode === "exact" && m * P * 8 > o.memoryBudgetBytes) {
    throw new UsageError(
      `affinity: exact mode needs ${m} x ${P} x 8 = ${
        m * P * 8
      } bytes, over the budget of ${o.memoryBudgetBytes}; ` +
        `use --mode sketch or a coarser --grid`,
    );
  }
  const sketch = mode === "sketch" ? new CountSketch(P, o.sketchDim, o.seed) : null;
  const sum = new Float64Array(m * m);
  const perModel: Float64Array[] = [];
  let done = 0;
  for (const model of models) {
    const rows: Float64Array[] = [];
    for (let i = 0; i < m; i++) {
      const g = await taskGradient(model, schedule, x0, n, grid[i], o.seed, o.batchSize);
      rows.push(sketch ? sketch.apply(g) : g);
      onProgress?.(++done, m * models.length);
    }
    const c = cosineMatrix(rows);
    perModel.push(c);
    for (let j = 0; j < c.length; j++) sum[j] += c[j];
  }
  const gridMatrix = sum.map((x) => x / models.length);
  return {
    matrix: interpolateAffinity(grid, gridMatrix, T),
    grid,
    gridMatrix,
    perModel,
    modes: models.map(() => mode),
    paramCount: P,
  };
}
