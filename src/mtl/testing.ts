/**
 * Test helpers for the multi-task methods (not exported from mod.ts): a tiny linear regression problem
 * whose per-sample losses and per-sample gradients have closed forms, wrapped as an {@link MtlBatch}.
 *
 * Model: prediction_b = w · x_b + c with w ∈ R^d, c ∈ R; per-sample loss l_b = (prediction_b - y_b)².
 * Gradient of l_b: (2 r_b x_b, 2 r_b) with r_b = prediction_b - y_b.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { MtlBatch } from "./method.ts";
import { makeSchedule } from "../diffusion/schedule.ts";
import { Rng } from "../runtime/rng.ts";

/** A linear regression problem on the host plus its tfjs variables. */
export interface LinearProblem {
  d: number;
  /** [B * d] inputs. */
  x: Float64Array;
  y: Float64Array;
  /** Timestep of each sample. */
  t: Int32Array;
  cluster: Int32Array;
  k: number;
  w: tf.Variable;
  c: tf.Variable;
  variables: tf.Variable[];
  batch: MtlBatch;
  dispose(): void;
}

let counter = 0;

/** Build a random linear problem; `cluster` gives each sample's cluster. */
export function linearProblem(
  seed: number,
  d: number,
  cluster: Int32Array,
  k: number,
  opts: { T?: number; scale?: number[] } = {},
): LinearProblem {
  const rng = new Rng(seed);
  const B = cluster.length;
  const T = opts.T ?? 100;
  const x = new Float64Array(B * d);
  const y = new Float64Array(B);
  const t = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const s = opts.scale?.[cluster[b]] ?? 1;
    for (let j = 0; j < d; j++) x[b * d + j] = rng.normal() * s;
    y[b] = rng.normal() * s + cluster[b];
    // Timesteps inside cluster i's uniform interval.
    t[b] = Math.floor(((cluster[b] + rng.uniform()) * T) / k);
  }
  const id = counter++;
  const w = tf.variable(
    tf.tensor1d(Float32Array.from({ length: d }, () => rng.normal() * 0.5)),
    true,
    `lin${id}_w`,
  );
  const c = tf.variable(tf.scalar(rng.normal() * 0.5), true, `lin${id}_c`);
  const groups: Int32Array[] = Array.from({ length: k }, (_, i) => Int32Array.from(indicesOf(cluster, i)));
  const xf = Float32Array.from(x);
  const yf = Float32Array.from(y);
  const batch: MtlBatch = {
    k,
    t,
    cluster,
    groups,
    schedule: makeSchedule("linear", T),
    perSampleLoss(indices?: Int32Array): tf.Tensor1D {
      return tf.tidy(() => {
        let xs = tf.tensor2d(xf, [B, d]);
        let ys = tf.tensor1d(yf);
        if (indices) {
          const idx = tf.tensor1d(indices, "int32");
          xs = tf.gather(xs, idx);
          ys = tf.gather(ys, idx);
        }
        const pred = tf.add(tf.squeeze(tf.matMul(xs, tf.reshape(w, [d, 1])), [1]), c);
        return tf.square(tf.sub(pred, ys)) as tf.Tensor1D;
      });
    },
  };
  return {
    d,
    x,
    y,
    t,
    cluster,
    k,
    w,
    c,
    variables: [w, c],
    batch,
    dispose() {
      w.dispose();
      c.dispose();
    },
  };
}

function indicesOf(cluster: Int32Array, i: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < cluster.length; b++) if (cluster[b] === i) out.push(b);
  return out;
}

/** Current parameters (w then c) in float64. */
export function params(p: LinearProblem): Float64Array {
  const w = p.w.dataSync();
  const c = p.c.dataSync();
  return Float64Array.from([...w, c[0]]);
}

/** Closed-form per-sample losses and gradients (rows [w-grad..., c-grad]) at the current parameters. */
export function perSampleGrads(p: LinearProblem): { loss: Float64Array; grad: Float64Array[] } {
  const th = params(p);
  const B = p.y.length;
  const loss = new Float64Array(B);
  const grad: Float64Array[] = [];
  for (let b = 0; b < B; b++) {
    let pred = th[p.d];
    for (let j = 0; j < p.d; j++) pred += th[j] * p.x[b * p.d + j];
    const r = pred - p.y[b];
    loss[b] = r * r;
    const g = new Float64Array(p.d + 1);
    for (let j = 0; j < p.d; j++) g[j] = 2 * r * p.x[b * p.d + j];
    g[p.d] = 2 * r;
    grad.push(g);
  }
  return { loss, grad };
}

/** Per-cluster mean losses and mean gradients (closed form, float64); empty clusters are null. */
export function clusterGrads(p: LinearProblem): { loss: (number | null)[]; grad: (Float64Array | null)[] } {
  const { loss, grad } = perSampleGrads(p);
  const P = p.d + 1;
  const outL: (number | null)[] = [];
  const outG: (Float64Array | null)[] = [];
  for (let i = 0; i < p.k; i++) {
    const idx = indicesOf(p.cluster, i);
    if (idx.length === 0) {
      outL.push(null);
      outG.push(null);
      continue;
    }
    let l = 0;
    const g = new Float64Array(P);
    for (const b of idx) {
      l += loss[b];
      for (let j = 0; j < P; j++) g[j] += grad[b][j];
    }
    outL.push(l / idx.length);
    outG.push(g.map((v) => v / idx.length));
  }
  return { loss: outL, grad: outG };
}

/** Flatten tfjs gradients (w then c) to float64 on the host. */
export function hostGrads(grads: tf.Tensor[]): Float64Array {
  const out: number[] = [];
  for (const g of grads) out.push(...g.dataSync());
  return Float64Array.from(out);
}

/** Max |a - b| relative to max(1, max |b|). */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  let s = 1;
  for (let i = 0; i < a.length; i++) {
    m = Math.max(m, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return m / s;
}

/**
 * A batch whose per-sample loss is linear in one variable w: l_b = rows[b] · w, so ∇l_b = rows[b]
 * exactly (any per-cluster gradient can be dictated). `w` starts at `w0` (default zeros).
 */
export function linearLossBatch(
  rows: number[][],
  cluster: Int32Array,
  k: number,
  w0?: number[],
): { batch: MtlBatch; w: tf.Variable; dispose(): void } {
  const d = rows[0].length;
  const w = tf.variable(tf.tensor1d(w0 ?? new Array(d).fill(0)), true, `linloss${counter++}_w`);
  const A = Float32Array.from(rows.flat());
  const B = rows.length;
  const groups: Int32Array[] = Array.from({ length: k }, (_, i) => Int32Array.from(indicesOf(cluster, i)));
  const batch: MtlBatch = {
    k,
    t: new Int32Array(B),
    cluster,
    groups,
    schedule: makeSchedule("linear", 10),
    perSampleLoss(indices?: Int32Array): tf.Tensor1D {
      return tf.tidy(() => {
        let a = tf.tensor2d(A, [B, d]);
        if (indices) a = tf.gather(a, tf.tensor1d(indices, "int32"));
        return tf.squeeze(tf.matMul(a, tf.reshape(w, [d, 1])), [1]) as tf.Tensor1D;
      });
    },
  };
  return { batch, w, dispose: () => w.dispose() };
}
