/**
 * `uw`: Uncertainty Weighting (Kendall, Gal & Cipolla, CVPR 2018, Eq. 7 with s = log σ²) over timestep
 * clusters, as ANT-UW (Go et al. 2023; official `mtl_library/uw.py`):
 *
 *     L(θ, s) = Σ_i ½ ( exp(−s_i) · l_i(θ) / k + s_i ),
 *
 * l_i the mean per-sample loss of cluster i, one learnable log-variance s_i per cluster, initialised to 0.
 * For fixed l_i the minimiser is s_i* = log(l_i / k) ({@link uwStationary}), where the model gradient
 * becomes ½ Σ_i ∇l_i / l_i.
 *
 * Pinned details:
 * - one forward and backward pass over the whole batch gives the model gradient and ∂L/∂s together; the
 *   model gradient is returned to the trainer, and s is updated inside step() by the method's own Adam
 *   (torch AdamW with weight decay 0: β = (0.9, 0.999), ε = 1e-8, ε added to sqrt(v̂)), lr `lr`
 *   (ANT: 0.025), no weight decay. Both use the gradient at the current (θ, s): a simultaneous update,
 *   as ANT's single optimiser with two parameter groups;
 * - an empty cluster has no l_i: its term is dropped, and its s_i and Adam moments are left untouched
 *   that step (per-cluster Adam step counts for the bias correction; identical to torch when every
 *   cluster is present, as with ANT's stratified sampler);
 * - s is logged every `logEvery` steps (one small `await data()` readback, only on those steps) into
 *   summary().history; summary() reads s once more.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { MtlMethod, MtlMethodFactory } from "./method.ts";
import { checkNumber, unknownOptions } from "./options.ts";
import { ThinnedHistory } from "./history.ts";

/** Options of `uw`. */
export interface UwOptions {
  /** Learning rate of the log-variances s_i (ANT: 0.025). */
  lr: number;
  /** Record s every this many steps in the summary (readback cost only). */
  logEvery: number;
}

/** ANT-UW objective Σ_i ½ (exp(−s_i) l_i / k + s_i) for host values (k = losses.length unless given). */
export function uwObjective(losses: ArrayLike<number>, s: ArrayLike<number>, k = losses.length): number {
  let total = 0;
  for (let i = 0; i < losses.length; i++) total += 0.5 * (Math.exp(-s[i]) * losses[i] / k + s[i]);
  return total;
}

/** ∂/∂s_i of the ANT-UW objective: ½ (1 − exp(−s_i) l_i / k). */
export function uwGradS(losses: ArrayLike<number>, s: ArrayLike<number>, k = losses.length): Float64Array {
  return Float64Array.from(losses, (l, i) => 0.5 * (1 - Math.exp(-s[i]) * l / k));
}

/** The stationary point of the ANT-UW objective in s for fixed losses: s_i* = log(l_i / k). */
export function uwStationary(losses: ArrayLike<number>, k = losses.length): Float64Array {
  return Float64Array.from(losses, (l) => Math.log(l / k));
}

/** Per-task loss weights exp(−s_i) / (2k) that UW applies to the l_i (its model-gradient weights). */
export function uwLossWeights(s: ArrayLike<number>, k = s.length): Float64Array {
  return Float64Array.from(s, (si) => 0.5 * Math.exp(-si) / k);
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPS = 1e-8;

/** Registry entry of `uw`. */
export const uwFactory: MtlMethodFactory<UwOptions> = {
  id: "uw",
  description:
    "uncertainty weighting: learnable log-variance s_i per cluster, sum_i 0.5 (exp(-s_i) l_i / k + s_i)",
  reference:
    "Kendall et al. 2018 (Eq. 7, s = log sigma^2); ANT-UW (l_i / k, s_i init 0, own lr 0.025, no decay)",
  defaults: { lr: 0.025, logEvery: 100 },
  validate(options) {
    return [
      ...unknownOptions("uw", options, ["lr", "logEvery"]),
      ...checkNumber("uw", options, "lr", { min: 0 }),
      ...checkNumber("uw", options, "logEvery", { min: 1, minInclusive: true, integer: true }),
    ];
  },
  create(options, ctx): MtlMethod {
    const { lr, logEvery } = options;
    const k = ctx.k;
    // Variables survive tidy; the zero initial values do not.
    const [s, mom, vel, count] = tf.tidy(() =>
      [true, false, false, false].map((tr) => tf.variable(tf.zeros([k]), tr))
    );
    const history = new ThinnedHistory<{ step: number; s: number[] }>();
    let steps = 0;

    return {
      id: "uw",
      async step(batch, variables, step) {
        steps++;
        const B = batch.t.length;
        // avg[i, b] = 1/n_i when sample b is in cluster i: avg · L gives the cluster means l_i.
        const avg = new Float32Array(k * B);
        const present = new Float32Array(k);
        for (let i = 0; i < k; i++) {
          const g = batch.groups[i];
          if (g.length === 0) continue;
          present[i] = 1;
          for (const b of g) avg[i * B + b] = 1 / g.length;
        }
        let plain: tf.Scalar | null = null;
        const avgT = tf.tensor2d(avg, [k, B]);
        const mask = tf.tensor1d(present);
        const { value, grads } = tf.variableGrads(() => {
          const L = batch.perSampleLoss();
          plain = tf.keep(tf.mean(L) as tf.Scalar);
          const l = tf.reshape(tf.matMul(avgT, tf.reshape(L, [B, 1])), [k]);
          const terms = tf.mul(tf.scalar(0.5), tf.add(tf.div(tf.mul(tf.exp(tf.neg(s)), l), tf.scalar(k)), s));
          return tf.sum(tf.mul(mask, terms)) as tf.Scalar;
        }, [...variables, s] as tf.Variable[]);
        value.dispose();
        const modelGrads = variables.map((v) => grads[v.name] ?? tf.zerosLike(v));
        const gs = grads[s.name];
        // Masked Adam (torch semantics) on the backend.
        tf.tidy(() => {
          const on = tf.greater(mask, 0);
          const c = tf.add(count, mask);
          const m = tf.where(on, tf.add(tf.mul(mom, BETA1), tf.mul(gs, 1 - BETA1)), mom);
          const v = tf.where(on, tf.add(tf.mul(vel, BETA2), tf.mul(tf.square(gs), 1 - BETA2)), vel);
          const safeC = tf.maximum(c, 1);
          const bc1 = tf.sub(1, tf.pow(tf.scalar(BETA1), safeC));
          const bc2 = tf.sub(1, tf.pow(tf.scalar(BETA2), safeC));
          const denom = tf.add(tf.div(tf.sqrt(v), tf.sqrt(bc2)), EPS);
          const upd = tf.div(tf.mul(tf.div(tf.scalar(lr), bc1), m), denom);
          s.assign(tf.where(on, tf.sub(s, upd), s));
          mom.assign(m);
          vel.assign(v);
          count.assign(c);
        });
        tf.dispose([gs, avgT, mask]);
        const logs: Record<string, number[]> = {};
        if (step % logEvery === 0) {
          const sv = Array.from(await s.data());
          logs.s = sv;
          history.push({ step, s: sv });
        }
        return { grads: modelGrads, loss: plain!, logs };
      },
      async summary() {
        const sv = Array.from(await s.data());
        return {
          lr,
          steps,
          s: sv,
          /** exp(−s_i)/(2k): the weight each cluster's mean loss receives in the model gradient. */
          lossWeights: Array.from(uwLossWeights(sv, k)),
          history: history.entries,
        };
      },
      dispose() {
        tf.dispose([s, mom, vel, count]);
      },
    };
  },
};
