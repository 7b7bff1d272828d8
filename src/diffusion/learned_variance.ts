/**
 * Learned reverse-process variances (Nichol & Dhariwal 2021, "Improved Denoising Diffusion Probabilistic
 * Models", §3.1, Eq. 15): the denoiser outputs, besides ε̂, one value v per data element, and
 *
 *   Σ_θ(x_t, t) = exp(f · log β_t + (1 − f) · log β̃_t),   f = (v + 1) / 2,
 *
 * so v = −1 is DDPM's "fixed small" β̃_t and v = +1 its "fixed large" β_t. This is the reference code's
 * `ModelVarType.LEARNED_RANGE` (openai/improved-diffusion, facebookresearch/DiT and gohyojun15/ANT_diffusion
 * `gaussian_diffusion.py::p_mean_variance`: "model_var_values is [-1, 1] for [min_var, max_var]",
 * frac = (v + 1) / 2), with v not clamped (as there). log β̃_t is the reference's
 * `posterior_log_variance_clipped`: log β̃_t for t ≥ 1 and log β̃_1 at t = 0, where β̃_0 = 0.
 *
 * The tables here hold every per-timestep constant the hybrid loss (src/diffusion/hybrid_loss.ts) and the
 * samplers need, in float64, for any beta sequence: the training schedule's β_t, or the β of a respaced
 * process, β_i = 1 − ᾱ_{τ_i} / ᾱ_{τ_{i−1}} (improved-diffusion's `SpacedDiffusion`, which recomputes β, β̃
 * and the posterior coefficients for the retained timesteps τ_i; the model still receives the original τ_i).
 *
 * Posterior q(x_{t−1} | x_t, x_0) = N(c₁ x_0 + c₂ x_t, β̃_t) (Ho et al. 2020, Eq. 6-7):
 * c₁ = β_t √ᾱ_{t−1} / (1 − ᾱ_t), c₂ = (1 − ᾱ_{t−1}) √α_t / (1 − ᾱ_t), β̃_t = β_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t);
 * x̂_0 = √(1/ᾱ_t) x_t − √(1/ᾱ_t − 1) ε̂.
 *
 * @module
 */
import type { NoiseSchedule } from "./schedule.ts";

/** Per-timestep constants of a (possibly respaced) diffusion process, all float64 of length T. */
export interface VarianceTables {
  /** Number of timesteps of the process. */
  readonly T: number;
  /** β_t. */
  readonly betas: Float64Array;
  /** ᾱ_t = Π_{s ≤ t} (1 − β_s). */
  readonly alphaBar: Float64Array;
  /** log β_t: the upper end of the learned range. */
  readonly logBeta: Float64Array;
  /** log β̃_t, with log β̃_1 at t = 0: the lower end of the learned range. */
  readonly posteriorLogVarClipped: Float64Array;
  /** c₁ (coefficient of x_0 in the posterior mean). */
  readonly posteriorMeanCoef1: Float64Array;
  /** c₂ (coefficient of x_t in the posterior mean). */
  readonly posteriorMeanCoef2: Float64Array;
  /** √(1/ᾱ_t). */
  readonly sqrtRecipAlphaBar: Float64Array;
  /** √(1/ᾱ_t − 1). */
  readonly sqrtRecipm1AlphaBar: Float64Array;
}

/** The tables of the process with betas `betas` (ᾱ_t = Π_{s ≤ t} (1 − β_s), in that order). */
export function varianceTables(betas: ArrayLike<number>): VarianceTables {
  const T = betas.length;
  if (T < 1) throw new RangeError("varianceTables: no timesteps");
  const f = () => new Float64Array(T);
  const b = Float64Array.from(betas), alphaBar = f(), logBeta = f(), post = f();
  const c1 = f(), c2 = f(), sra = f(), srm1 = f(), postLog = f();
  let acc = 1;
  for (let t = 0; t < T; t++) {
    if (!(b[t] > 0 && b[t] <= 1)) {
      throw new RangeError(`varianceTables: beta_${t} = ${b[t]} is outside (0, 1]`);
    }
    const prev = acc;
    acc *= 1 - b[t];
    alphaBar[t] = acc;
    logBeta[t] = Math.log(b[t]);
    post[t] = b[t] * (1 - prev) / (1 - acc);
    c1[t] = b[t] * Math.sqrt(prev) / (1 - acc);
    c2[t] = (1 - prev) * Math.sqrt(1 - b[t]) / (1 - acc);
    sra[t] = Math.sqrt(1 / acc);
    srm1[t] = Math.sqrt(1 / acc - 1);
  }
  // β̃_0 = 0: the reference clips log β̃ at t = 0 to log β̃_1 (one timestep: log β_0, for lack of a β̃_1).
  for (let t = 0; t < T; t++) postLog[t] = Math.log(t === 0 ? (T > 1 ? post[1] : b[0]) : post[t]);
  return {
    T,
    betas: b,
    alphaBar,
    logBeta,
    posteriorLogVarClipped: postLog,
    posteriorMeanCoef1: c1,
    posteriorMeanCoef2: c2,
    sqrtRecipAlphaBar: sra,
    sqrtRecipm1AlphaBar: srm1,
  };
}

/** The tables of a training schedule (its own β_t). */
export function scheduleVarianceTables(schedule: NoiseSchedule): VarianceTables {
  return varianceTables(schedule.betas);
}

/**
 * The tables of the process respaced to the timesteps `taus` (ascending, original indices): β_i =
 * 1 − ᾱ_{τ_i} / ᾱ_{τ_{i−1}}, ᾱ_{τ_{−1}} = 1 (improved-diffusion's `SpacedDiffusion`).
 */
export function respacedVarianceTables(schedule: NoiseSchedule, taus: ArrayLike<number>): VarianceTables {
  const betas = new Float64Array(taus.length);
  let last = 1;
  for (let i = 0; i < taus.length; i++) {
    const ab = schedule.alphaBar[taus[i]];
    if (ab === undefined || (i > 0 && !(taus[i] > taus[i - 1]))) {
      throw new RangeError(`respacedVarianceTables: timesteps must ascend within 0..${schedule.T - 1}`);
    }
    betas[i] = 1 - ab / last;
    last = ab;
  }
  return varianceTables(betas);
}

/** The learned log-variance f · log β_t + (1 − f) · log β̃_t, f = (v + 1)/2, at table index `t`. */
export function learnedLogVariance(tables: VarianceTables, t: number, v: number): number {
  const frac = (v + 1) / 2;
  return frac * tables.logBeta[t] + (1 - frac) * tables.posteriorLogVarClipped[t];
}
