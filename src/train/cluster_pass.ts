/**
 * Every cluster's gradient from one forward and one backward pass (issue 12 item 5; ANT §4.2, where each
 * timestep interval is a task with loss l_i, the mean per-sample loss of its samples in the batch).
 *
 * PCGrad and Nash-MTL need g_i = ∇l_i for each of the k clusters. Running the model once per cluster costs
 * k times the fixed per-pass cost (every kernel dispatch, every small-batch convolution). Here the batch is
 * sorted by cluster (a permutation of the host arrays; the stratified sampler's batches already are), the
 * per-sample losses L_b are computed once, and one backward pass of Σ_b L_b / n_{c(b)} runs with a
 * {@link SegmentPass}: since no layer mixes samples, every activation gradient equals the one of its own
 * cluster's loss, and the layers form their weight gradients per segment (src/models/layers/segments.ts).
 * The per-cluster gradients are then read to the host once (they are in host memory on wasm/cpu).
 *
 * The result equals the per-cluster passes up to float32 rounding (checked in the tests). It is used on
 * host-memory backends; on webgpu (and for a model with an op lacking per-segment gradients, detected and
 * remembered per model) callers fall back to one pass per cluster.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Denoiser } from "../models/denoiser.ts";
import type { NoiseSchedule } from "../diffusion/schedule.ts";
import type { HostClusterGradients } from "../mtl/method.ts";
import { trainingLossHost } from "../diffusion/loss.ts";
import { SegmentPass, withSegmentPass } from "../models/layers/segments.ts";
import { hostMemoryBackend } from "../runtime/host_memory.ts";

/** Models found to use an op without per-segment weight gradients (they get the per-cluster passes). */
const unsupported = new WeakSet<Denoiser>();

/** Rows `order` of a flat [B * dim] array (the array itself when `order` is the identity). */
function permuteRows(a: Float32Array, dim: number, order: Int32Array, identity: boolean): Float32Array {
  if (identity) return a;
  const out = new Float32Array(order.length * dim);
  for (let j = 0; j < order.length; j++) out.set(a.subarray(order[j] * dim, (order[j] + 1) * dim), j * dim);
  return out;
}

/**
 * g_i = ∇ mean_{b ∈ cluster i} L_b for every non-empty cluster, from one forward and one backward pass;
 * null on device backends or when the model cannot do it (see the module doc).
 */
export function onePassClusterGradients(
  model: Denoiser,
  schedule: NoiseSchedule,
  batch: { x0: Float32Array; noise: Float32Array; t: Int32Array },
  groups: readonly Int32Array[],
  variables: readonly tf.Variable[],
): HostClusterGradients | null {
  if (!hostMemoryBackend() || unsupported.has(model)) return null;
  const dim = model.dataShape.reduce((a, b) => a * b, 1);
  const tasks: number[] = [], counts: number[] = [], bounds = [0];
  groups.forEach((g, i) => {
    if (g.length === 0) return;
    tasks.push(i);
    counts.push(g.length);
    bounds.push(bounds[bounds.length - 1] + g.length);
  });
  if (tasks.length === 0) return { tasks, counts, losses: new Float64Array(0), grads: [] };
  const order = new Int32Array(bounds[bounds.length - 1]);
  let n = 0;
  for (const i of tasks) for (const b of groups[i]) order[n++] = b;
  const identity = order.every((b, j) => b === j);
  const x0 = permuteRows(batch.x0, dim, order, identity);
  const noise = permuteRows(batch.noise, dim, order, identity);
  const t = identity ? batch.t : Int32Array.from(order, (b) => batch.t[b]);
  const weights = new Float32Array(order.length);
  tasks.forEach((_, a) => weights.fill(1 / counts[a], bounds[a], bounds[a + 1]));

  const pass = new SegmentPass(bounds, variables);
  let perSample: tf.Tensor | null = null;
  let result: { value: tf.Scalar; grads: tf.NamedTensorMap } | null = null;
  let perSegment: (tf.Tensor | null)[] = [];
  try {
    result = withSegmentPass(pass, () =>
      tf.variableGrads(() => {
        const L = trainingLossHost(model, schedule, x0, noise, t);
        perSample = tf.keep(L);
        return tf.sum(tf.mul(L, tf.tensor1d(weights))) as tf.Scalar;
      }, variables as tf.Variable[]));
    perSegment = pass.take();
    // A variable with an engine gradient but no per-segment one went through an op without support.
    if (variables.some((v, i) => result!.grads[v.name] !== undefined && perSegment[i] === null)) {
      unsupported.add(model);
      return null;
    }
    const m = tasks.length;
    const grads: Float32Array[][] = tasks.map(() => []);
    variables.forEach((v, i) => {
      const data = perSegment[i] ? perSegment[i]!.dataSync() as Float32Array : new Float32Array(m * v.size);
      for (let a = 0; a < m; a++) grads[a].push(data.subarray(a * v.size, (a + 1) * v.size));
    });
    const L = (perSample as tf.Tensor | null)!.dataSync();
    const losses = new Float64Array(m);
    for (let a = 0; a < m; a++) {
      let s = 0;
      for (let j = bounds[a]; j < bounds[a + 1]; j++) s += L[j];
      losses[a] = s / counts[a];
    }
    return { tasks, counts, losses, grads };
  } finally {
    pass.dispose();
    tf.dispose(perSegment.filter((g): g is tf.Tensor => g !== null));
    if (result) tf.dispose([result.value, ...Object.values(result.grads)]);
    if (perSample) (perSample as tf.Tensor).dispose();
  }
}
