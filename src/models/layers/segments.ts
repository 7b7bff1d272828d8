/**
 * Per-segment weight gradients in one backward pass: the mechanism behind "every cluster's gradient from
 * one forward and one backward" (src/train/cluster_pass.ts; ANT §4.2's per-interval task gradients).
 *
 * No layer of our models mixes samples (GroupNorm and attention act within a sample), so the gradient of a
 * weight is a sum of per-sample contributions, and the gradient of cluster c's mean loss l_c is the sum
 * over c's samples of the contributions computed with the per-sample cotangent 1/n_c. With the batch
 * sorted by cluster (segment a = rows bounds[a] .. bounds[a+1]), one backward pass of Σ_b L_b / n_{c(b)}
 * gives every activation gradient exactly as the per-cluster passes would; only the weight gradients must
 * stay separated by segment:
 *
 *   dense  ∂W_a = x_aᵀ dz_a,   ∂b_a = Σ_{rows of a} dz        (x_a, dz_a: the rows of segment a)
 *   conv   ∂K_a = Conv2DBackpropFilter(x_a, dy_a),   ∂b_a = Σ_{rows of a, h, w} dy
 *   norm   ∂γ_a, ∂β_a: the GroupNorm kernel's per-sample sums accumulated per segment
 *
 * The layers (src/models/layers/linear.ts, fused_norm.ts) ask {@link segmentIndex} at forward time whether
 * an input is one of the pass's variables; their gradients then hand [m, ...shape] per-segment gradients
 * to {@link addSegmentGradient} and return zeros to the engine. A variable that receives an engine
 * gradient but no per-segment one was used by an op without this support: the pass reports it
 * ({@link SegmentPass.missing}) and the caller falls back to one pass per cluster.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { TensorInfo } from "@tensorflow/tfjs-core";
import { type CompositeKernel, ensureCompositeKernels } from "../../runtime/composite_kernels.ts";
import { ensureHostKernels, type HostKernel, runHostKernel } from "../../runtime/host_kernels.ts";

/** One segmented backward pass. */
export class SegmentPass {
  /** Segment a is rows bounds[a] .. bounds[a+1] − 1 of the batch (m + 1 entries, increasing). */
  readonly bounds: readonly number[];
  readonly #index: Map<tf.Tensor, number>;
  readonly #collected: (tf.Tensor | null)[];

  constructor(bounds: readonly number[], variables: readonly tf.Variable[]) {
    for (let a = 0; a + 1 < bounds.length; a++) {
      if (!(bounds[a + 1] > bounds[a])) throw new RangeError(`segments: empty or unordered segment ${a}`);
    }
    this.bounds = [...bounds];
    this.#index = new Map(variables.map((v, i) => [v as tf.Tensor, i]));
    this.#collected = variables.map(() => null);
  }

  /** Number of segments m. */
  get m(): number {
    return this.bounds.length - 1;
  }

  /** Index of `t` among the pass's variables, or −1. */
  indexOf(t: tf.Tensor): number {
    return this.#index.get(t) ?? -1;
  }

  /** Add a per-segment gradient [m, ...shape] of variable `index` (kept until {@link take}). */
  add(index: number, g: tf.Tensor): void {
    const old = this.#collected[index];
    this.#collected[index] = tf.keep(old ? tf.add(old, g) : g);
    if (old) old.dispose();
  }

  /** The per-segment gradient of each variable ([m, ...shape], null if none); the caller owns them. */
  take(): (tf.Tensor | null)[] {
    const out = [...this.#collected];
    this.#collected.fill(null);
    return out;
  }

  dispose(): void {
    tf.dispose(this.#collected.filter((t): t is tf.Tensor => t !== null));
    this.#collected.fill(null);
  }
}

let active: SegmentPass | null = null;

/** Run `f` (a tf.variableGrads call) with `pass` active; the layers' gradients consult it. */
export function withSegmentPass<T>(pass: SegmentPass, f: () => T): T {
  if (active) throw new Error("segments: passes do not nest");
  active = pass;
  try {
    return f();
  } finally {
    active = null;
  }
}

/** At forward time: the segment bookkeeping for input `t` (null when no pass is active or t is not one of its variables). */
export function segmentIndex(t: tf.Tensor): { pass: SegmentPass; index: number } | null {
  if (!active) return null;
  const index = active.indexOf(t);
  return index >= 0 ? { pass: active, index } : null;
}

/** Record a per-segment gradient and return the zeros the engine gets for that variable (no kernel). */
export function addSegmentGradient(
  seg: { pass: SegmentPass; index: number },
  perSegment: tf.Tensor,
  shape: readonly number[],
): tf.Tensor {
  seg.pass.add(seg.index, perSegment);
  return tf.zeros([...shape]);
}

/**
 * Segment bounds in rows of a tensor with `rows` leading rows: a layer may see several rows per sample
 * (attention's projections run on [B · H · W, C]), always sample-major.
 */
function rowBounds(bounds: readonly number[], rows: number): number[] {
  const B = bounds[bounds.length - 1];
  if (!(rows % B === 0)) {
    throw new RangeError(`segments: ${rows} rows are not a multiple of the ${B} samples`);
  }
  return bounds.map((b) => (b * rows) / B);
}

/** Per-segment sums over the rows and every middle axis: t [B, ..., C] → [m, C]. */
const segmentSumKernel: HostKernel = {
  name: "AntbenchSegmentSum",
  outputShapes: (shapes, attrs) => {
    const s = shapes.x;
    return [[(attrs.bounds as number[]).length - 1, s[s.length - 1]]];
  },
  compute({ x }, [out], shapes, attrs) {
    const bounds = attrs.bounds as number[];
    const s = shapes.x, c = s[s.length - 1], B = s[0], per = x.length / B;
    const acc = new Float64Array(c);
    for (let a = 0; a + 1 < bounds.length; a++) {
      acc.fill(0);
      for (let i = bounds[a] * per; i < bounds[a + 1] * per; i += c) {
        for (let ch = 0; ch < c; ch++) acc[ch] += x[i + ch];
      }
      for (let ch = 0; ch < c; ch++) out[a * c + ch] = acc[ch];
    }
  },
};

const channelSumKernel: HostKernel = {
  name: "AntbenchChannelSum",
  outputShapes: (shapes) => [[shapes.x[shapes.x.length - 1]]],
  compute({ x }, [out], shapes) {
    const c = shapes.x[shapes.x.length - 1];
    const acc = new Float64Array(c);
    for (let i = 0; i < x.length; i += c) for (let ch = 0; ch < c; ch++) acc[ch] += x[i + ch];
    out.set(acc);
  },
};

/**
 * Σ of `x` [..., C] over every axis but the last, [C] (a bias gradient): one pass on host backends (tfjs-wasm
 * transposes before reducing leading axes), `tf.sum` elsewhere.
 */
export function channelSum(x: tf.Tensor): tf.Tensor1D {
  if (!ensureHostKernels([channelSumKernel])) {
    return tf.sum(x, [...Array(x.rank - 1).keys()]) as tf.Tensor1D;
  }
  return runHostKernel(channelSumKernel.name, { x })[0] as tf.Tensor1D;
}

/** Per-segment sums of `x` [B, ..., C] over rows and middle axes, [m, C] (host backends). */
export function segmentSum(x: tf.Tensor, bounds: readonly number[]): tf.Tensor2D {
  if (!ensureHostKernels([segmentSumKernel])) throw new Error("segmentSum needs a host-memory backend");
  return runHostKernel(segmentSumKernel.name, { x }, {
    bounds: rowBounds(bounds, x.shape[0]),
  })[0] as tf.Tensor2D;
}

/** Slice rows s .. e of `x` and run `f` on them, releasing the slices. */
function perSegment(
  b: Parameters<CompositeKernel["run"]>[0],
  inputs: TensorInfo[],
  bounds: number[],
  f: (rows: TensorInfo[]) => TensorInfo,
): TensorInfo {
  const parts: TensorInfo[] = [];
  for (let a = 0; a + 1 < bounds.length; a++) {
    const rows = inputs.map((x) => {
      const begin = x.shape.map(() => 0), size = [...x.shape];
      begin[0] = bounds[a];
      size[0] = bounds[a + 1] - bounds[a];
      return b.call("Slice", { x }, { begin, size });
    });
    const g = f(rows);
    parts.push(b.call("Reshape", { x: g }, { shape: [1, ...g.shape] }));
    b.release(g, ...rows);
  }
  const out = b.call("Concat", parts as unknown as Record<string, TensorInfo>, { axis: 0 });
  b.release(...parts);
  return out;
}

const SEGMENT_KERNELS: CompositeKernel[] = [
  {
    name: "AntbenchSegmentMatMulTA",
    run: (b, { x, dz }, attrs) => {
      const bounds = attrs.bounds as number[], m = bounds.length - 1, n = bounds[1] - bounds[0];
      const mm = { transposeA: true, transposeB: false };
      if (bounds.every((v, a) => v === a * n)) {
        // Equal segments (the stratified sampler): one batched product [m, I, n] · [m, n, O].
        const x3 = b.call("Reshape", { x }, { shape: [m, n, x.shape[1]] });
        const d3 = b.call("Reshape", { x: dz }, { shape: [m, n, dz.shape[1]] });
        const out = b.call("BatchMatMul", { a: x3, b: d3 }, mm);
        b.release(x3, d3);
        return out;
      }
      return perSegment(b, [x, dz], bounds, ([xs, ds]) => b.call("BatchMatMul", { a: xs, b: ds }, mm));
    },
    gradient: { gradFunc: () => ({}) },
  },
  {
    name: "AntbenchSegmentConvFilter",
    run: (b, { x, dy }, attrs) =>
      perSegment(
        b,
        [x, dy],
        attrs.bounds as number[],
        ([xs, ds]) =>
          b.call("Conv2DBackpropFilter", { x: xs, dy: ds }, {
            strides: [1, 1],
            pad: "same",
            dataFormat: "NHWC",
            dimRoundingMode: undefined as unknown as string,
            filterShape: attrs.filterShape as number[],
          }),
      ),
    gradient: { gradFunc: () => ({}) },
  },
];

/** Per-segment xᵀ dz: x [B, I], dz [B, O] → [m, I, O]. */
export function segmentMatMulTA(x: tf.Tensor, dz: tf.Tensor, bounds: readonly number[]): tf.Tensor3D {
  ensureCompositeKernels(SEGMENT_KERNELS);
  return tf.engine().runKernel("AntbenchSegmentMatMulTA", { x, dz }, {
    bounds: rowBounds(bounds, x.shape[0]),
  }) as tf.Tensor3D;
}

/** Per-segment stride-1 "same" conv filter gradients: x [B, H, W, Ci], dy [B, H, W, Co] → [m, KH, KW, Ci, Co]. */
export function segmentConvFilter(
  x: tf.Tensor,
  dy: tf.Tensor,
  filterShape: readonly number[],
  bounds: readonly number[],
): tf.Tensor {
  ensureCompositeKernels(SEGMENT_KERNELS);
  return tf.engine().runKernel("AntbenchSegmentConvFilter", { x, dy }, {
    bounds: rowBounds(bounds, x.shape[0]),
    filterShape: [...filterShape],
  }) as tf.Tensor;
}
