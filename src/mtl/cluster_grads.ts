/**
 * Per-cluster gradients, the cost centre of PCGrad and Nash-MTL (ANT §4.2: each timestep cluster is a
 * task with loss l_i = mean of the per-sample losses of the cluster's samples in the batch).
 *
 * Two ways to get g_i = ∇ l_i:
 * - one pass (host-memory backends, the models' layers): `batch.clusterGradientsOnePass` runs one forward
 *   and one backward over the whole batch and forms the weight gradients per cluster
 *   (src/train/cluster_pass.ts); the gradients arrive as host arrays, and the Gram matrix, the weighted
 *   combination and the plain loss are computed on the host (no kernels);
 * - per cluster (webgpu, or a batch without the one-pass method): `batch.perSampleLoss(batch.groups[i])`
 *   inside `tf.variableGrads`, so the forward and backward pass of cluster i run on its own samples only:
 *   the k gradients together cost about one full-batch gradient plus k times the fixed per-pass cost.
 * Memory is O(k · params).
 *
 * Empty clusters (possible with the uniform timestep sampler) have no loss and no gradient: they are
 * skipped, and `tasks` lists the clusters that are present.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { HostClusterGradients, MtlBatch } from "./method.ts";
import { flatten, valueAndGrads } from "./grads.ts";

/** Gradients of the non-empty clusters. */
export interface ClusterGradients {
  /** Cluster index of each task row (non-empty clusters, ascending). */
  tasks: number[];
  /** Sample count of each task. */
  counts: number[];
  /** Mean loss l_i of each task (scalars). */
  losses: tf.Scalar[];
  /** grads[a][v]: gradient of l_{tasks[a]} for variable v (for one-pass results: made on first use). */
  grads: tf.Tensor[][];
  /** The host copies, when the gradients came from the one-pass path. */
  host?: HostClusterGradients;
  dispose(): void;
}

/** g_i = ∇ mean(perSampleLoss(groups[i])) for every non-empty cluster i (one pass when the batch can). */
export function clusterGradients(batch: MtlBatch, variables: readonly tf.Variable[]): ClusterGradients {
  const host = batch.clusterGradientsOnePass?.(variables) ?? null;
  if (host) return fromHost(host, variables);
  const tasks: number[] = [];
  const counts: number[] = [];
  const losses: tf.Scalar[] = [];
  const grads: tf.Tensor[][] = [];
  for (let i = 0; i < batch.k; i++) {
    const group = batch.groups[i];
    if (group.length === 0) continue;
    const r = valueAndGrads(() => tf.mean(batch.perSampleLoss(group)) as tf.Scalar, variables);
    tasks.push(i);
    counts.push(group.length);
    losses.push(r.value);
    grads.push(r.grads);
  }
  return {
    tasks,
    counts,
    losses,
    grads,
    dispose() {
      tf.dispose(losses);
      for (const g of grads) tf.dispose(g);
    },
  };
}

/** A ClusterGradients view of host gradients; tensors of the gradients are uploaded only if asked for. */
function fromHost(host: HostClusterGradients, variables: readonly tf.Variable[]): ClusterGradients {
  const losses = Array.from(host.losses, (l) => tf.scalar(l, "float32"));
  let tensors: tf.Tensor[][] | null = null;
  return {
    tasks: host.tasks,
    counts: host.counts,
    losses,
    host,
    get grads() {
      tensors ??= host.grads.map((g) => g.map((d, v) => tf.tensor(d, variables[v].shape, "float32")));
      return tensors;
    },
    dispose() {
      tf.dispose(losses);
      if (tensors) { for (const g of tensors) tf.dispose(g); }
    },
  };
}

/**
 * The Gram matrix M_ab = g_a · g_b of the task gradients (row-major, float64 on the host) and the task
 * losses.
 *
 * Where the gradients live matters: on wasm and cpu the tensors are in host memory, and a readback is a
 * copy, while tfjs-wasm's matmul for [m, P]·[P, m] (tiny output, huge inner dimension) is slow (about 7 ms
 * for m = 5, P = 38k, versus about 1 ms for a float64 loop over the copied data). So on those backends the
 * gradients are read (or, from the one-pass path, already on the host) and the Gram matrix is accumulated in
 * float64 on the host; on GPU backends (webgpu) the Gram matrix is one matmul on the device and only the
 * m × m result and the losses are read back, in one transfer (`await data()`: tfjs-webgpu cannot read
 * synchronously under Deno).
 */
export async function readGramAndLosses(
  cg: ClusterGradients,
  where: "auto" | "host" | "device" = "auto",
): Promise<{ gram: Float64Array; losses: Float64Array }> {
  const m = cg.tasks.length;
  if (m === 0) return { gram: new Float64Array(0), losses: new Float64Array(0) };
  if (cg.host && where !== "device") {
    return { gram: gramOf(cg.host.grads), losses: Float64Array.from(cg.host.losses) };
  }
  const backend = tf.getBackend();
  if (where === "host" || (where === "auto" && (backend === "wasm" || backend === "cpu"))) {
    return await hostGram(cg);
  }
  const packed = tf.tidy(() => {
    const G = tf.stack(cg.grads.map((g) => flatten(g))) as tf.Tensor2D; // [m, P]
    const gram = tf.matMul(G, G, false, true); // [m, m]
    return tf.concat([tf.reshape(gram, [-1]), tf.stack(cg.losses)]);
  });
  const data = await packed.data();
  packed.dispose();
  return {
    gram: Float64Array.from(data.subarray(0, m * m)),
    losses: Float64Array.from(data.subarray(m * m)),
  };
}

/** Gram matrix in float64 of host gradient rows rows[a][v] (symmetric, row-major). */
function gramOf(rows: readonly (readonly Float32Array[])[]): Float64Array {
  const m = rows.length;
  const gram = new Float64Array(m * m);
  const V = m > 0 ? rows[0].length : 0;
  for (let v = 0; v < V; v++) {
    const n = rows[0][v].length;
    for (let a = 0; a < m; a++) {
      const ra = rows[a][v];
      for (let b = a; b < m; b++) {
        const rb = rows[b][v];
        let s = 0;
        for (let p = 0; p < n; p++) s += ra[p] * rb[p];
        gram[a * m + b] += s;
      }
    }
  }
  for (let a = 0; a < m; a++) for (let b = 0; b < a; b++) gram[a * m + b] = gram[b * m + a];
  return gram;
}

/** Gram matrix accumulated in float64 from host copies of the gradients (see {@link readGramAndLosses}). */
async function hostGram(cg: ClusterGradients): Promise<{ gram: Float64Array; losses: Float64Array }> {
  const V = cg.grads[0].length;
  const rows: Float32Array[][] = cg.grads.map(() => []);
  for (let v = 0; v < V; v++) {
    const data = await Promise.all(cg.grads.map((g) => g[v].data() as Promise<Float32Array>));
    data.forEach((d, a) => rows[a].push(d));
  }
  const lossValues = await Promise.all(cg.losses.map((l) => l.data() as Promise<Float32Array>));
  const losses = Float64Array.from(lossValues, (l) => l[0]);
  return { gram: gramOf(rows), losses };
}

/**
 * Σ_a weights[a] · grads[a][v] for every variable v (new tensors; inputs untouched). From host gradients the
 * sum is formed in float64 on the host and uploaded (no kernels).
 */
export function combineGradients(
  cg: ClusterGradients,
  weights: ArrayLike<number>,
  variables: readonly tf.Variable[],
): tf.Tensor[] {
  if (cg.host) {
    const rows = cg.host.grads;
    const BLOCK = 4096; // float64 accumulators for one cache-sized block of elements at a time
    const acc = new Float64Array(BLOCK);
    return variables.map((v, vi) => {
      const out = new Float32Array(v.size);
      for (let s0 = 0; s0 < v.size; s0 += BLOCK) {
        const e = Math.min(v.size, s0 + BLOCK);
        acc.fill(0);
        rows.forEach((g, a) => {
          const w = weights[a], d = g[vi];
          for (let j = s0; j < e; j++) acc[j - s0] += w * d[j];
        });
        for (let j = s0; j < e; j++) out[j] = acc[j - s0];
      }
      return tf.tensor(out, v.shape, "float32");
    });
  }
  return tf.tidy(() =>
    variables.map((v, vi) => {
      if (cg.grads.length === 0) return tf.zerosLike(v);
      const terms = cg.grads.map((g, a) => tf.mul(g[vi], tf.scalar(weights[a], "float32")));
      return terms.length === 1 ? terms[0] : tf.addN(terms);
    })
  );
}

/** The plain batch loss Σ_i n_i l_i / B as a scalar tensor (equal to the mean per-sample loss). */
export function plainLoss(cg: ClusterGradients): tf.Scalar {
  const B = cg.counts.reduce((s, n) => s + n, 0);
  if (cg.host) {
    let s = 0;
    cg.counts.forEach((n, a) => (s += n * cg.host!.losses[a]));
    return tf.scalar(B === 0 ? NaN : s / B, "float32");
  }
  return tf.tidy(() => {
    if (B === 0) return tf.scalar(NaN);
    return tf.div(
      tf.addN(cg.losses.map((l, a) => tf.mul(l, tf.scalar(cg.counts[a], "float32")))),
      tf.scalar(B, "float32"),
    ) as tf.Scalar;
  });
}

/** Mean loss of each of the k clusters (NaN for empty ones) from the per-task host losses. */
export function clusterLossArray(
  k: number,
  tasks: readonly number[],
  losses: ArrayLike<number>,
): Float32Array {
  const out = new Float32Array(k).fill(NaN);
  tasks.forEach((i, a) => (out[i] = losses[a]));
  return out;
}
