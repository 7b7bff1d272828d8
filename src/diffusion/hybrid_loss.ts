/**
 * The per-sample hybrid loss of a denoiser with learned variance (Nichol & Dhariwal 2021, §3.1, Eq. 16:
 * L_hybrid = L_simple + λ L_vlb), in the form of the ANT / DiT code (`gaussian_diffusion.py::
 * training_losses` with `LossType.MSE` and `ModelVarType.LEARNED_RANGE`, as DiT's and ANT's
 * `create_diffusion` choose by default):
 *
 *   loss_b = mse_b + vb_b,
 *   mse_b  = mean_d (ε̂ − ε)²                                             (L_simple, Ho et al. Eq. 14)
 *   vb_b   = mean_d KL(q(x_{t−1} | x_t, x_0) ‖ p(x_{t−1} | x_t)) / ln 2    for t ≥ 1
 *          = mean_d −log p(x_0 | x_1) / ln 2                              for t = 0 (discretised decoder)
 *
 * in bits per dimension, where p has mean μ(sg(ε̂)) (the posterior mean at x̂_0 from the stopped-gradient
 * ε̂, no clipping) and log-variance f log β_t + (1 − f) log β̃_t, f = (v + 1)/2
 * (src/diffusion/learned_variance.ts). So L_vlb trains only the variance output, and L_simple only the
 * mean output ("Learn the variance using the variational bound, but don't let it affect our mean
 * prediction"). The KL and decoder terms are those of src/diffusion/gaussian_nll.ts.
 *
 * The weight of L_vlb: the paper's λ = 0.001 on L_vlb = Σ_t L_t (estimated as T · L_t) is the reference's
 * `RESCALED_MSE` (vb · T/1000, improved-diffusion's default); DiT and ANT use plain `MSE`, vb · 1. Both
 * agree at T = 1000; antbench follows ANT/DiT (vb · 1 for every T).
 *
 * The model output has 2C channels on the last axis (NHWC): ε̂ = channels 0..C−1, v = channels C..2C−1
 * (the reference's `th.split(model_output, C, dim=1)` in NCHW).
 *
 * On host-memory backends (wasm, cpu) both terms and their derivatives are one fused kernel (float64
 * accumulation), with a closed-form backward; elsewhere they are tfjs ops with a stop-gradient
 * ({@link hybridTermsOps}, also the autodiff oracle of the kernel in the tests).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { ensureHostKernels, type HostKernel, runHostKernel } from "../runtime/host_kernels.ts";
import {
  BIN_HALF_WIDTH,
  discretizedGaussianLogLikelihood,
  EDGE,
  normalKl,
  normalKlGradLogvar2,
  PROB_FLOOR,
} from "./gaussian_nll.ts";
import type { VarianceTables } from "./learned_variance.ts";

/** The two terms of the per-sample loss, each [B]. */
export interface HybridTerms {
  /** mean_d (ε̂ − ε)². */
  mse: tf.Tensor1D;
  /** The L_vlb term (KL, or the decoder NLL at t = 0) in bits per dimension. */
  vb: tf.Tensor1D;
}

/** Number of per-sample coefficients handed to the kernel (see {@link sampleCoefficients}). */
const NCOEF = 7;

/** Per-sample constants [c₁, c₂, √(1/ᾱ), √(1/ᾱ − 1), log β̃ (clipped), log β, t = 0 ? 1 : 0], flat [B · 7]. */
export function sampleCoefficients(tables: VarianceTables, t: Int32Array): number[] {
  const out: number[] = [];
  for (let b = 0; b < t.length; b++) {
    const ti = t[b];
    if (!(ti >= 0 && ti < tables.T)) throw new RangeError(`timestep ${ti} outside 0..${tables.T - 1}`);
    out.push(
      tables.posteriorMeanCoef1[ti],
      tables.posteriorMeanCoef2[ti],
      tables.sqrtRecipAlphaBar[ti],
      tables.sqrtRecipm1AlphaBar[ti],
      tables.posteriorLogVarClipped[ti],
      tables.logBeta[ti],
      ti === 0 ? 1 : 0,
    );
  }
  return out;
}

const LN2 = Math.LN2;

/**
 * Forward: mse [B], vb [B] and the derivative of (mse_b, vb_b) with respect to every output element
 * (ε̂ channels: ∂mse_b; v channels: ∂vb_b), saved for the backward.
 */
const hybridKernel: HostKernel = {
  name: "AntbenchHybridLoss",
  outputShapes: (shapes) => [[shapes.out[0]], [shapes.out[0]], shapes.out],
  compute({ out, x0, noise, xt }, [mse, vb, dOut], shapes, attrs) {
    const coef = attrs.coef as number[];
    const s = shapes.out, B = s[0], C2 = s[s.length - 1], C = C2 / 2;
    const D = x0.length / B, P = D / C;
    for (let b = 0; b < B; b++) {
      const [c1, c2, sra, srm1, lvq, lb, first] = coef.slice(b * NCOEF, (b + 1) * NCOEF);
      const dlvDv = (lb - lvq) / 2;
      let se = 0, term = 0;
      for (let p = 0; p < P; p++) {
        const o = b * 2 * D + p * C2, i = b * D + p * C;
        for (let c = 0; c < C; c++) {
          const eps = out[o + c], v = out[o + C + c];
          const e = eps - noise[i + c];
          se += e * e;
          dOut[o + c] = 2 * e / D;
          const x = xt[i + c], x0i = x0[i + c];
          const mean = c1 * (sra * x - srm1 * eps) + c2 * x; // μ(sg(ε̂)): no gradient to ε̂
          const lv = ((v + 1) / 2) * lb + (1 - (v + 1) / 2) * lvq;
          let dLv: number;
          if (first) {
            const r = discretizedGaussianLogLikelihood(x0i, mean, 0.5 * lv);
            term -= r.logp;
            dLv = -0.5 * r.dLogScale;
          } else {
            const trueMean = c1 * x0i + c2 * x;
            term += normalKl(trueMean, lvq, mean, lv);
            dLv = normalKlGradLogvar2(trueMean, lvq, mean, lv);
          }
          dOut[o + C + c] = dLv * dlvDv / (D * LN2);
        }
      }
      mse[b] = se / D;
      vb[b] = term / (D * LN2);
    }
  },
  gradient: {
    outputsToSave: [false, false, true],
    gradFunc: (dy, saved) => {
      const [dMse, dVb] = dy as tf.Tensor[];
      const [dOut] = saved;
      return {
        out: () => runHostKernel("AntbenchHybridLossGrad", { dMse, dVb, dOut })[0],
        x0: () => tf.zerosLike(dOut),
        noise: () => tf.zerosLike(dOut),
        xt: () => tf.zerosLike(dOut),
      };
    },
  },
};

/** Backward: ∂/∂out = dMse_b · ∂mse_b (ε̂ channels), dVb_b · ∂vb_b (v channels). */
const hybridGradKernel: HostKernel = {
  name: "AntbenchHybridLossGrad",
  outputShapes: (shapes) => [shapes.dOut],
  compute({ dMse, dVb, dOut }, [g], shapes) {
    const s = shapes.dOut, B = s[0], C2 = s[s.length - 1], C = C2 / 2, per = dOut.length / B;
    for (let b = 0; b < B; b++) {
      const fm = dMse[b], fv = dVb[b];
      for (let o = b * per; o < (b + 1) * per; o += C2) {
        for (let c = 0; c < C; c++) {
          g[o + c] = fm * dOut[o + c];
          g[o + C + c] = fv * dOut[o + C + c];
        }
      }
    }
  },
};

function checkShapes(out: tf.Tensor, x0: tf.Tensor, noise: tf.Tensor, xt: tf.Tensor, B: number): void {
  const s = x0.shape, o = out.shape;
  const ok = s[0] === B && tf.util.arraysEqual(noise.shape, s) && tf.util.arraysEqual(xt.shape, s) &&
    o.length === s.length && o.slice(0, -1).every((d, i) => d === s[i]) &&
    o[o.length - 1] === 2 * s[s.length - 1];
  if (!ok) {
    throw new RangeError(
      `hybrid loss: model output [${o}] must be [${s.slice(0, -1)}, ${2 * s[s.length - 1]}] (ε̂ and v for ` +
        `data [${s}]); noise [${noise.shape}], x_t [${xt.shape}], ${B} timesteps`,
    );
  }
}

/**
 * mse_b and vb_b of the hybrid loss for model output `out` [B, ..., 2C] on data `x0`, noise and
 * x_t = √ᾱ x_0 + √(1−ᾱ) ε ([B, ..., C] each) at timesteps `t` of the process in `tables`. Differentiable
 * with respect to `out` only (the data are constants).
 */
export function hybridTerms(
  tables: VarianceTables,
  out: tf.Tensor,
  x0: tf.Tensor,
  noise: tf.Tensor,
  xt: tf.Tensor,
  t: Int32Array,
): HybridTerms {
  checkShapes(out, x0, noise, xt, t.length);
  if (!ensureHostKernels([hybridKernel, hybridGradKernel])) {
    return hybridTermsOps(tables, out, x0, noise, xt, t);
  }
  const [mse, vb, dOut] = runHostKernel(hybridKernel.name, { out, x0, noise, xt }, {
    coef: sampleCoefficients(tables, t),
  });
  // The derivative output is only needed by the backward (the engine keeps its own copy then).
  dOut.dispose();
  return { mse: mse as tf.Tensor1D, vb: vb as tf.Tensor1D };
}

/** Identity whose gradient is zero (the reference's `.detach()`). */
const stopGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
  value: tf.clone(args[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
}));

/** Φ̃(u) of the reference, as tfjs ops. */
function approxCdf(u: tf.Tensor): tf.Tensor {
  const k = Math.sqrt(2 / Math.PI);
  return tf.mul(0.5, tf.add(1, tf.tanh(tf.mul(k, tf.add(u, tf.mul(0.044715, tf.pow(u, 3)))))));
}

/**
 * {@link hybridTerms} as plain tfjs ops (any backend): the formulas of the module doc, with the stop-gradient
 * as a custom gradient. Used on device backends, and as the autodiff oracle of the fused kernel.
 */
export function hybridTermsOps(
  tables: VarianceTables,
  out: tf.Tensor,
  x0: tf.Tensor,
  noise: tf.Tensor,
  xt: tf.Tensor,
  t: Int32Array,
): HybridTerms {
  checkShapes(out, x0, noise, xt, t.length);
  return tf.tidy(() => {
    const B = t.length, C = x0.shape[x0.rank - 1], D = x0.size / B;
    const coef = sampleCoefficients(tables, t);
    const col = (j: number) =>
      tf.tensor(
        Array.from({ length: B }, (_, b) => coef[b * NCOEF + j]),
        [B, ...new Array(x0.rank - 1).fill(1)],
        "float32",
      );
    const [c1, c2, sra, srm1, lvq, lb, first] = Array.from({ length: NCOEF }, (_, j) => col(j));
    const [eps, v] = tf.split(out, [C, C], out.rank - 1);
    const mse = tf.mean(tf.reshape(tf.square(tf.sub(eps, noise)), [B, D]), 1) as tf.Tensor1D;
    const epsSg = stopGradient(eps) as tf.Tensor;
    const mean = tf.add(tf.mul(c1, tf.sub(tf.mul(sra, xt), tf.mul(srm1, epsSg))), tf.mul(c2, xt));
    const frac = tf.div(tf.add(v, 1), 2);
    const lv = tf.add(tf.mul(frac, lb), tf.mul(tf.sub(1, frac), lvq));
    const trueMean = tf.add(tf.mul(c1, x0), tf.mul(c2, xt));
    const kl = tf.mul(
      0.5,
      tf.add(
        tf.add(tf.sub(tf.add(-1, lv), lvq), tf.exp(tf.sub(lvq, lv))),
        tf.mul(tf.square(tf.sub(trueMean, mean)), tf.exp(tf.neg(lv))),
      ),
    );
    // Decoder NLL (t = 0).
    const invStd = tf.exp(tf.mul(-0.5, lv));
    const centered = tf.sub(x0, mean);
    const cdfPlus = approxCdf(tf.mul(invStd, tf.add(centered, BIN_HALF_WIDTH)));
    const cdfMin = approxCdf(tf.mul(invStd, tf.sub(centered, BIN_HALF_WIDTH)));
    const logOf = (p: tf.Tensor) => tf.log(tf.maximum(p, PROB_FLOOR));
    const logp = tf.where(
      tf.less(x0, -EDGE),
      logOf(cdfPlus),
      tf.where(tf.greater(x0, EDGE), logOf(tf.sub(1, cdfMin)), logOf(tf.sub(cdfPlus, cdfMin))),
    );
    const perElem = tf.add(tf.mul(first, tf.neg(logp)), tf.mul(tf.sub(1, first), kl));
    const vb = tf.div(tf.mean(tf.reshape(perElem, [B, D]), 1), LN2) as tf.Tensor1D;
    return { mse, vb };
  });
}
